import type { ApiResponse } from './responses.js';
import { errors } from './responses.js';
import type { Label, Role, Scope } from './state.js';
import type { JsonObject } from './validate.js';
import { isObject } from './validate.js';

/** Atlas' rules for a CloudDatabaseUser body, as pure functions of the body and the current time. */

const MAX_EXPIRY_DAYS = 7;
const DAY_MS = 86_400_000;

/** Built-in roles that exist only on the admin database. */
const ADMIN_ONLY_ROLES = new Set([
  'atlasAdmin',
  'backup',
  'clusterMonitor',
  'dbAdminAnyDatabase',
  'enableSharding',
  'readAnyDatabase',
  'readWriteAnyDatabase',
]);
/** Built-in roles granted per database; only read and readWrite narrow to a collection. */
const DATABASE_ROLES = new Set(['dbAdmin', 'read', 'readWrite']);
const COLLECTION_ROLES = new Set(['read', 'readWrite']);
const CUSTOM_ROLE_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;
const SCOPE_NAME = /^[a-zA-Z0-9][a-zA-Z0-9-]*$/;
const SCOPE_TYPES = new Set(['CLUSTER', 'DATA_LAKE', 'STREAM']);
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i;

const AUTH_TYPES = {
  awsIAMType: ['NONE', 'USER', 'ROLE'],
  ldapAuthType: ['NONE', 'GROUP', 'USER'],
  oidcAuthType: ['NONE', 'IDP_GROUP', 'USER'],
  x509Type: ['NONE', 'CUSTOMER', 'MANAGED'],
} as const;
export type AuthTypeField = keyof typeof AUTH_TYPES;
export const AUTH_TYPE_FIELDS = Object.keys(AUTH_TYPES) as AuthTypeField[];

const KNOWN_FIELDS = new Set([
  ...AUTH_TYPE_FIELDS,
  'databaseName',
  'deleteAfterDate',
  'description',
  'groupId',
  'labels',
  'links',
  'password',
  'roles',
  'scopes',
  'username',
]);

/** The fields a body sets, each already checked on its own. */
export interface UserFields {
  username?: string;
  databaseName?: string;
  password?: string;
  roles?: Role[];
  scopes?: Scope[];
  labels?: Label[];
  description?: string;
  deleteAfterMs?: number;
  authTypes: Partial<Record<AuthTypeField, string>>;
}

/** A checked value, or the error answer that refuses it. */
type Checked<T> = T | ApiResponse;

/** Tells an error answer from a checked value (only ever applied to values built here, never to raw input). */
export function isFailure(value: unknown): value is ApiResponse {
  return isObject(value) && 'status' in value && 'headers' in value;
}
const failed = isFailure;

/** Reads and checks every field present in a create or update body. */
export function readUserFields(body: unknown, groupId: string, now: number): Checked<UserFields> {
  if (!isObject(body)) return errors.invalidJson();
  for (const key of Object.keys(body)) if (!KNOWN_FIELDS.has(key)) return errors.invalidAttribute(key);
  const fields: UserFields = { authTypes: {} };
  if (body.groupId !== undefined && body.groupId !== groupId) {
    return typeof body.groupId === 'string' ? errors.groupMismatch(body.groupId) : errors.invalidAttribute('groupId');
  }
  const text = (name: string, min: number, max: number, why: string): Checked<string | undefined> => {
    const value = body[name];
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || value.length < min || value.length > max) {
      return errors.invalidAttribute(name, [{ field: name, description: why }]);
    }
    return value;
  };
  const username = text('username', 1, 1024, 'must be 1 to 1024 characters');
  if (failed(username)) return username;
  fields.username = username;
  const databaseName = text('databaseName', 1, 64, 'must be admin or $external');
  if (failed(databaseName)) return databaseName;
  fields.databaseName = databaseName;
  const password = text('password', 8, 4096, 'must be at least 8 characters');
  if (failed(password)) return password;
  fields.password = password;
  const description = text('description', 0, 100, 'must be at most 100 characters');
  if (failed(description)) return description;
  fields.description = description;
  for (const name of AUTH_TYPE_FIELDS) {
    const value = body[name];
    if (value === undefined) continue;
    if (typeof value !== 'string' || !(AUTH_TYPES[name] as readonly string[]).includes(value)) {
      return errors.invalidEnumValue(String(value));
    }
    fields.authTypes[name] = value;
  }
  const lists = readLists(body);
  if (failed(lists)) return lists;
  Object.assign(fields, lists);
  if (body.deleteAfterDate !== undefined) {
    const deleteAfterMs = readDeleteAfter(body.deleteAfterDate, now);
    if (failed(deleteAfterMs)) return deleteAfterMs;
    fields.deleteAfterMs = deleteAfterMs;
  }
  return fields;
}

function readLists(body: JsonObject): Checked<Pick<UserFields, 'roles' | 'scopes' | 'labels'>> {
  const out: Pick<UserFields, 'roles' | 'scopes' | 'labels'> = {};
  if (body.roles !== undefined) {
    const roles = readArray(body.roles, 'roles', readRole);
    if (failed(roles)) return roles;
    out.roles = roles;
  }
  if (body.scopes !== undefined) {
    const scopes = readArray(body.scopes, 'scopes', readScope);
    if (failed(scopes)) return scopes;
    out.scopes = scopes;
  }
  if (body.labels !== undefined) {
    const labels = readArray(body.labels, 'labels', readLabel);
    if (failed(labels)) return labels;
    out.labels = labels;
  }
  return out;
}

function readArray<T>(value: unknown, name: string, read: (item: JsonObject, at: string) => Checked<T>): Checked<T[]> {
  if (!Array.isArray(value)) return errors.invalidAttribute(name, [{ field: name, description: 'must be an array' }]);
  const out: T[] = [];
  for (const [index, item] of value.entries()) {
    const at = `${name}[${index}]`;
    if (!isObject(item)) return errors.invalidAttribute(name, [{ field: at, description: 'must be an object' }]);
    const read_ = read(item, at);
    if (failed(read_)) return read_;
    out.push(read_);
  }
  return out;
}

function stringIn(item: JsonObject, key: string, at: string, parent: string, min: number, max: number) {
  const value = item[key];
  if (value === undefined) return errors.missingAttribute(key);
  if (typeof value !== 'string' || value.length < min || value.length > max) {
    return errors.invalidAttribute(parent, [{ field: `${at}.${key}`, description: `must be ${min}-${max} characters` }]);
  }
  return value;
}

function readRole(item: JsonObject, at: string): Checked<Role> {
  const roleName = stringIn(item, 'roleName', at, 'roles', 1, 255);
  if (failed(roleName)) return roleName;
  const databaseName = stringIn(item, 'databaseName', at, 'roles', 1, 64);
  if (failed(databaseName)) return databaseName;
  if (item.collectionName === undefined) return { roleName, databaseName };
  const collectionName = stringIn(item, 'collectionName', at, 'roles', 1, 255);
  if (failed(collectionName)) return collectionName;
  return { roleName, databaseName, collectionName };
}

function readScope(item: JsonObject, at: string): Checked<Scope> {
  const name = stringIn(item, 'name', at, 'scopes', 1, 64);
  if (failed(name)) return name;
  if (!SCOPE_NAME.test(name)) {
    return errors.invalidAttribute('scopes', [{ field: `${at}.name`, description: 'must match ^[a-zA-Z0-9][a-zA-Z0-9-]*$' }]);
  }
  const type = stringIn(item, 'type', at, 'scopes', 1, 64);
  if (failed(type)) return type;
  if (!SCOPE_TYPES.has(type)) {
    return errors.invalidAttribute('scopes', [{ field: `${at}.type`, description: 'must be CLUSTER, DATA_LAKE or STREAM' }]);
  }
  return { name, type };
}

function readLabel(item: JsonObject, at: string): Checked<Label> {
  const key = stringIn(item, 'key', at, 'labels', 1, 255);
  if (failed(key)) return key;
  const value = stringIn(item, 'value', at, 'labels', 1, 255);
  if (failed(value)) return value;
  return { key, value };
}

/** deleteAfterDate: an ISO 8601 instant in the future and at most 7 days ahead, kept to whole seconds. */
export function readDeleteAfter(value: unknown, now: number): Checked<number> {
  const invalid = errors.invalidAttribute('deleteAfterDate', [
    { field: 'deleteAfterDate', description: 'must be an ISO 8601 date and time with a time zone' },
  ]);
  if (typeof value !== 'string' || !ISO_DATE_TIME.test(value)) return invalid;
  const at = Date.parse(value);
  if (!Number.isFinite(at)) return invalid;
  if (at <= now) return errors.expirationInPast();
  if (at > now + MAX_EXPIRY_DAYS * DAY_MS) return errors.expirationExceedsMax(MAX_EXPIRY_DAYS);
  return Math.floor(at / 1000) * 1000;
}

/** The role rules that look at the whole list: databases, collections, duplicates, custom roles. */
export function checkRoles(roles: Role[], username: string): ApiResponse | undefined {
  const seen = new Set<string>();
  const isCustom = (role: Role) => !ADMIN_ONLY_ROLES.has(role.roleName) && !DATABASE_ROLES.has(role.roleName);
  for (const [index, role] of roles.entries()) {
    if (isCustom(role) && !CUSTOM_ROLE_NAME.test(role.roleName)) {
      return errors.invalidRole(role.roleName, role.databaseName);
    }
    if (ADMIN_ONLY_ROLES.has(role.roleName) && role.databaseName !== 'admin') {
      return errors.invalidRoleDatabase(role.roleName, 'admin');
    }
    if (role.collectionName !== undefined && !COLLECTION_ROLES.has(role.roleName)) {
      return errors.invalidAttribute('collectionName', [
        { field: `roles[${index}].collectionName`, description: `role ${role.roleName} does not take a collection` },
      ]);
    }
    const id = `${role.roleName}@${role.databaseName}${role.collectionName === undefined ? '' : `.${role.collectionName}`}`;
    if (seen.has(id)) return errors.duplicateRoles(username, id);
    seen.add(id);
  }
  if (roles.length > 1 && roles.some(isCustom)) return errors.invalidCustomRoleAssignment();
  return undefined;
}

/** A SCRAM (password) user has every auth type NONE; Atlas keeps those on the admin database. */
export function isPasswordUser(authTypes: Partial<Record<AuthTypeField, string>>): boolean {
  return AUTH_TYPE_FIELDS.every((name) => (authTypes[name] ?? 'NONE') === 'NONE');
}
