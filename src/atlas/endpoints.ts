import type * as z from 'zod/mini';
import type { AtlasClient } from './client.js';
import { createDatabaseUserSafely } from './create-user.js';
import { AtlasInputError } from './error-types.js';
import { AtlasApiError, redact, unexpectedResponse, usernameTaken } from './errors.js';
import { MAX_ITEMS, paginate } from './paginate.js';
import type { Requester } from './request.js';
import type { RetryDeps } from './retry.js';
import {
  AccessListEntrySchema,
  AccessListPageSchema,
  AccessListStatusSchema,
  ClusterPageSchema,
  ClusterSchema,
  ClusterStatusSchema,
  DatabaseUserPageSchema,
  DatabaseUserPatchSchema,
  DatabaseUserSchema,
  IpInfoSchema,
  NewAccessListEntrySchema,
  NewDatabaseUserSchema,
  ProjectSchema,
  type DatabaseUser,
} from './schemas.js';

type Endpoints = Omit<AtlasClient, 'requestCount' | 'close'>;

/** One typed method per Admin API call dynsecret makes; password users always live in `admin`. */
export function atlasEndpoints(api: Requester, groupId: string, retry: RetryDeps): Endpoints {
  const group = `/api/atlas/v2/groups/${groupId}`;
  const users = `${group}/databaseUsers`;
  const userPath = (username: string): string => `${users}/admin/${encodeURIComponent(username)}`;
  const clusterPath = (name: string): string => `${group}/clusters/${encodeURIComponent(name)}`;
  const isGone = (err: unknown): boolean => err instanceof AtlasApiError && err.errorCode === 'USERNAME_NOT_FOUND';
  // An entry value in a path: a CIDR block's `/` is sent as %2F, as Atlas documents.
  const entryPath = (entry: string): string => `${group}/accessList/${encodeURIComponent(entry)}`;
  const isNoEntry = (err: unknown): boolean =>
    err instanceof AtlasApiError &&
    (err.errorCode === 'ATLAS_NETWORK_PERMISSION_ENTRY_NOT_FOUND' || (err.status === 404 && err.errorCode === undefined));

  const getDatabaseUser = (username: string): Promise<DatabaseUser> =>
    api.json('GET', userPath(username), DatabaseUserSchema, { subject: { username } });

  return {
    getProject: () => api.json('GET', group, ProjectSchema),

    listDatabaseUsers: async (page = {}) => {
      const query = { pageNum: page.pageNum ?? 1, itemsPerPage: page.itemsPerPage ?? 100, includeCount: true };
      const { results, totalCount } = await api.json('GET', users, DatabaseUserPageSchema, { query });
      return totalCount === undefined ? { results } : { results, totalCount };
    },

    listAllDatabaseUsers: <K>(select?: (user: DatabaseUser) => K | undefined) =>
      paginate(
        (query) => api.json('GET', users, DatabaseUserPageSchema, { query }),
        select,
        () => unexpectedResponse('GET', users, `it lists more than ${MAX_ITEMS} database users`),
      ),

    getDatabaseUser,

    createDatabaseUser: async (user) => {
      const valid = validInput(NewDatabaseUserSchema, user, 'database user', [user.password]);
      const body = { ...valid, databaseName: 'admin', groupId };
      const subject = { username: valid.username, creating: true };
      return createDatabaseUserSafely(
        valid,
        {
          post: () => api.json('POST', users, DatabaseUserSchema, { body, subject, secrets: [valid.password] }),
          find: (username) => getDatabaseUser(username).catch((err: unknown) => (isGone(err) ? undefined : Promise.reject(err))),
          conflict: (username) => usernameTaken(username, { groupId, authKind: api.authKind }, 'POST', users),
        },
        retry,
      );
    },

    updateDatabaseUser: async (username, patch) => {
      const secrets = patch.password === undefined ? [] : [patch.password];
      const body = validInput(DatabaseUserPatchSchema, patch, 'database user change', secrets);
      return api.json('PATCH', userPath(username), DatabaseUserSchema, { body, subject: { username }, secrets });
    },

    deleteDatabaseUser: async (username) => {
      try {
        const response = await api.call('DELETE', userPath(username), { subject: { username } });
        // Atlas answers 204 with no body. A 2xx with a body (a captive portal's page, a broken proxy) is no
        // proof that the user is gone, and a revoke must never be reported that was not done.
        if (response.status !== 204 && response.text.trim() !== '') {
          throw unexpectedResponse('DELETE', userPath(username), `HTTP ${response.status} with a body instead of 204 No Content`);
        }
        return 'deleted';
      } catch (err) {
        if (isGone(err)) return 'absent';
        throw err;
      }
    },

    listClusters: () =>
      paginate(
        (query) => api.json('GET', `${group}/clusters`, ClusterPageSchema, { query }),
        undefined,
        () => unexpectedResponse('GET', `${group}/clusters`, `it lists more than ${MAX_ITEMS} clusters`),
      ),

    getCluster: (name) => api.json('GET', clusterPath(name), ClusterSchema, { subject: { cluster: name } }),

    listAccessList: () => paginate((query) => api.json('GET', `${group}/accessList`, AccessListPageSchema, { query })),

    getAccessListEntry: (entry) =>
      api.json('GET', entryPath(entry), AccessListEntrySchema).catch((err: unknown) => (isNoEntry(err) ? undefined : Promise.reject(err))),

    addAccessListEntry: async (entry) => {
      const body = [validInput(NewAccessListEntrySchema, entry, 'access list entry', [])];
      await api.json('POST', `${group}/accessList`, AccessListPageSchema, { body });
    },

    deleteAccessListEntry: async (entry) => {
      try {
        await api.call('DELETE', entryPath(entry));
        return 'deleted';
      } catch (err) {
        if (isNoEntry(err)) return 'absent';
        throw err;
      }
    },

    getAccessListStatus: async (entry) => (await api.json('GET', `${entryPath(entry)}/status`, AccessListStatusSchema)).STATUS,

    getCallerIp: async () => (await api.json('GET', '/api/private/ipinfo', IpInfoSchema)).currentIpv4Address,

    getClusterStatus: async (name) => {
      const status = await api.json('GET', `${clusterPath(name)}/status`, ClusterStatusSchema, { subject: { cluster: name } });
      return status.changeStatus;
    },
  };
}

/** Our own input is checked before it leaves: a mistake in it is an input error, not Atlas' 400. */
function validInput<S extends z.ZodMiniType>(schema: S, value: unknown, what: string, secrets: string[]): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue === undefined || issue.path.length === 0 ? what : `${what} field ${issue.path.join('.')}`;
  throw new AtlasInputError('request-body', redact(`invalid ${where}: ${issue?.message ?? 'rejected'}`, secrets));
}
