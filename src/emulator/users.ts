import { createHash } from 'node:crypto';
import { isoSeconds } from './clock.js';
import type { EmulatorContext, RouteRequest } from './context.js';
import { page, parsePaging } from './paging.js';
import type { ApiResponse } from './responses.js';
import { errors, ok } from './responses.js';
import type { StoredUser } from './state.js';
import type { AuthTypeField, UserFields } from './user-validation.js';
import { AUTH_TYPE_FIELDS, checkRoles, isFailure, isPasswordUser, readUserFields } from './user-validation.js';

/** The databaseUsers routes: list, create, get, update, delete. */

function userView(user: StoredUser, groupId: string, baseUrl: string): object {
  const self = `${baseUrl}/api/atlas/v2/groups/${groupId}/databaseUsers/${encodeURIComponent(user.databaseName)}/${encodeURIComponent(user.username)}`;
  return {
    awsIAMType: user.awsIAMType,
    databaseName: user.databaseName,
    deleteAfterDate: user.deleteAfterMs === undefined ? undefined : isoSeconds(user.deleteAfterMs),
    description: user.description,
    groupId,
    labels: user.labels,
    ldapAuthType: user.ldapAuthType,
    links: [{ href: self, rel: 'self' }],
    oidcAuthType: user.oidcAuthType,
    roles: user.roles,
    scopes: user.scopes,
    username: user.username,
    x509Type: user.x509Type,
  };
}

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

export function listUsers(ctx: EmulatorContext, req: RouteRequest): ApiResponse {
  const paging = parsePaging(req.query);
  if ('status' in paging) return paging;
  const users = [...ctx.state.users.values()].map((u) => userView(u, req.groupId, ctx.baseUrl));
  return ok(200, req.version, page(users, paging, ctx.baseUrl, req.target));
}

export function createUser(ctx: EmulatorContext, req: RouteRequest): ApiResponse {
  const body = req.json();
  if ('error' in body) return body.error;
  const now = ctx.clock.now();
  const fields = readUserFields(body.value, req.groupId, now);
  if (isFailure(fields)) return fields;
  if (fields.username === undefined) return errors.missingAttribute('username');
  if (fields.roles === undefined) return errors.missingAttribute('roles');
  const databaseName = fields.databaseName ?? 'admin';
  const problem = checkAuthentication(fields, databaseName, true) ?? checkRoles(fields.roles, fields.username);
  if (problem) return problem;
  if (ctx.state.findUser(databaseName, fields.username)) return errors.userAlreadyExists(fields.username);
  if (ctx.state.users.size >= ctx.limits.maxUsers) return errors.usersLimitExceeded(ctx.limits.maxUsers);
  const user: StoredUser = {
    username: fields.username,
    databaseName,
    roles: fields.roles,
    scopes: fields.scopes ?? [],
    labels: fields.labels ?? [],
    awsIAMType: fields.authTypes.awsIAMType ?? 'NONE',
    ldapAuthType: fields.authTypes.ldapAuthType ?? 'NONE',
    oidcAuthType: fields.authTypes.oidcAuthType ?? 'NONE',
    x509Type: fields.authTypes.x509Type ?? 'NONE',
    createdAt: now,
    updatedAt: now,
  };
  applyOptional(user, fields);
  ctx.state.putUser(user);
  ctx.state.markPending(ctx.state.concernedClusters(user), now + ctx.options.applyDelayMs);
  ctx.changed();
  return ok(201, req.version, userView(user, req.groupId, ctx.baseUrl));
}

export function getUser(ctx: EmulatorContext, req: RouteRequest): ApiResponse {
  const user = ctx.state.findUser(req.param('databaseName'), req.param('username'));
  if (!user) return errors.usernameNotFound(req.param('username'));
  return ok(200, req.version, userView(user, req.groupId, ctx.baseUrl));
}

export function updateUser(ctx: EmulatorContext, req: RouteRequest): ApiResponse {
  const body = req.json();
  if ('error' in body) return body.error;
  const user = ctx.state.findUser(req.param('databaseName'), req.param('username'));
  if (!user) return errors.usernameNotFound(req.param('username'));
  const now = ctx.clock.now();
  const fields = readUserFields(body.value, req.groupId, now);
  if (isFailure(fields)) return fields;
  if (fields.username !== undefined && fields.username !== user.username) return errors.usernameCannotChange();
  if (fields.databaseName !== undefined && fields.databaseName !== user.databaseName) {
    return errors.databaseNameCannotChange();
  }
  if (AUTH_TYPE_FIELDS.some((name) => (fields.authTypes[name] ?? user[name]) !== user[name])) {
    return errors.authTypeCannotChange();
  }
  const problem =
    checkAuthentication({ ...fields, authTypes: user }, user.databaseName, false) ??
    (fields.roles ? checkRoles(fields.roles, user.username) : undefined);
  if (problem) return problem;
  const before = ctx.state.concernedClusters(user);
  if (fields.roles) user.roles = fields.roles;
  if (fields.scopes) user.scopes = fields.scopes;
  if (fields.labels) user.labels = fields.labels;
  applyOptional(user, fields);
  user.updatedAt = now;
  const touched = new Set([...before, ...ctx.state.concernedClusters(user)]);
  ctx.state.markPending(touched, now + ctx.options.applyDelayMs);
  ctx.changed();
  return ok(200, req.version, userView(user, req.groupId, ctx.baseUrl));
}

export function deleteUser(ctx: EmulatorContext, req: RouteRequest): ApiResponse {
  const user = ctx.state.findUser(req.param('databaseName'), req.param('username'));
  if (!user) return errors.usernameNotFound(req.param('username'));
  ctx.state.deleteUser(user);
  ctx.state.markPending(ctx.state.concernedClusters(user), ctx.clock.now() + ctx.options.applyDelayMs);
  ctx.changed();
  return ok(204, req.version);
}

function applyOptional(user: StoredUser, fields: UserFields): void {
  if (fields.description !== undefined) user.description = fields.description;
  if (fields.deleteAfterMs !== undefined) user.deleteAfterMs = fields.deleteAfterMs;
  if (fields.password !== undefined) user.passwordSha256 = sha256(fields.password);
}

/** Password (SCRAM) users live on admin and need a password; externally authenticated users take none. */
function checkAuthentication(
  fields: Pick<UserFields, 'password'> & { authTypes: Partial<Record<AuthTypeField, string>> },
  databaseName: string,
  creating: boolean,
): ApiResponse | undefined {
  const passwordUser = isPasswordUser(fields.authTypes);
  if (passwordUser && databaseName !== 'admin') {
    return errors.invalidAttribute('databaseName', [{ field: 'databaseName', description: 'password users authenticate against admin' }]);
  }
  if (!passwordUser && databaseName !== '$external' && databaseName !== 'admin') {
    return errors.invalidAttribute('databaseName', [{ field: 'databaseName', description: 'must be admin or $external' }]);
  }
  if (passwordUser && creating && fields.password === undefined) return errors.missingAttribute('password');
  if (!passwordUser && fields.password !== undefined) {
    return errors.invalidAttribute('password', [{ field: 'password', description: 'only password (SCRAM) users take a password' }]);
  }
  return undefined;
}
