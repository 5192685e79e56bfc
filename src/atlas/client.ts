import { ExitCode, UsageError } from '../errors.js';
import type { AtlasAuth, Authenticator } from './auth.js';
import { createDatabaseUserSafely } from './create-user.js';
import { DigestAuthenticator } from './digest.js';
import { AtlasApiError, redact } from './errors.js';
import { ServiceAccountAuthenticator } from './oauth.js';
import { Requester } from './request.js';
import { resolveRetryPolicy, type RetryDeps, type RetryPolicy } from './retry.js';
import {
  ClusterPageSchema,
  ClusterSchema,
  ClusterStatusSchema,
  DatabaseUserPageSchema,
  DatabaseUserPatchSchema,
  DatabaseUserSchema,
  NewDatabaseUserSchema,
  ProjectSchema,
  type AtlasProject,
  type Cluster,
  type ClusterChangeStatus,
  type DatabaseUser,
  type DatabaseUserPatch,
  type NewDatabaseUser,
} from './schemas.js';
import { Transport } from './transport.js';
import { paginate } from './paginate.js';
import type { z } from 'zod';

export interface AtlasClientOptions {
  baseUrl: string;
  groupId: string;
  auth: AtlasAuth;
  /** Extra CA added to the default trust (for TLS-intercepting proxies and private CAs). */
  caFile?: string;
  /** Defaults: 10 s to connect, 30 s for a whole request. */
  timeouts?: { connectMs?: number; requestMs?: number };
  retry?: Partial<RetryPolicy>;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  now?: () => number;
  /** One line per HTTP request: method, path, status, attempt, time. Never headers or bodies. */
  onDebug?: (line: string) => void;
  /** Where proxy variables are read (default process.env). */
  env?: Record<string, string | undefined>;
  /** e.g. `dynsecret/1.2.3`. */
  userAgent?: string;
}

export interface AtlasClient {
  getProject(): Promise<AtlasProject>;
  listDatabaseUsers(page?: { pageNum?: number; itemsPerPage?: number }): Promise<{ results: DatabaseUser[]; totalCount?: number }>;
  /** Every database user of the project, read in pages of 500. */
  listAllDatabaseUsers(): Promise<DatabaseUser[]>;
  getDatabaseUser(username: string): Promise<DatabaseUser>;
  /** Safe to call once per lease: an unclear failure is resolved by looking the username up. */
  createDatabaseUser(user: NewDatabaseUser): Promise<DatabaseUser>;
  updateDatabaseUser(username: string, patch: DatabaseUserPatch): Promise<DatabaseUser>;
  /** 'absent' when Atlas has no such user (already revoked or expired). */
  deleteDatabaseUser(username: string): Promise<'deleted' | 'absent'>;
  listClusters(): Promise<Cluster[]>;
  getCluster(name: string): Promise<Cluster>;
  getClusterStatus(name: string): Promise<ClusterChangeStatus>;
  /** HTTP requests sent so far, digest challenges and token requests included. */
  readonly requestCount: number;
  /** Closes idle connections; the client must not be used afterwards. */
  close(): Promise<void>;
}

export function createAtlasClient(options: AtlasClientOptions): AtlasClient {
  if (!/^[a-f0-9]{24}$/.test(options.groupId)) {
    throw new UsageError(`the project ID ${options.groupId} is not 24 lowercase hexadecimal characters: check --group-id`);
  }
  const base = parseBaseUrl(options.baseUrl);
  const url = (path: string): URL => new URL(base + path);
  const retry: RetryDeps = {
    policy: resolveRetryPolicy(options.retry),
    sleep: options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
    random: options.random ?? Math.random,
    now: options.now ?? Date.now,
  };
  const requestMs = options.timeouts?.requestMs ?? 30_000;
  const transport = new Transport({
    connectMs: options.timeouts?.connectMs ?? 10_000,
    requestMs,
    caFile: options.caFile,
    env: options.env ?? process.env,
    onDebug: options.onDebug,
    now: retry.now,
  });
  const userAgent = options.userAgent ?? 'dynsecret';
  const auth: Authenticator =
    options.auth.kind === 'apiKey'
      ? new DigestAuthenticator(options.auth.publicKey, options.auth.privateKey)
      : new ServiceAccountAuthenticator(options.auth.clientId, options.auth.clientSecret, options.auth.tokenCache, {
          transport, url, userAgent, groupId: options.groupId, retry,
        });
  const api = new Requester({ transport, auth, url, groupId: options.groupId, userAgent, retry });
  const group = `/api/atlas/v2/groups/${options.groupId}`;
  const userPath = (username: string): string => `${group}/databaseUsers/admin/${encodeURIComponent(username)}`;
  const clusterPath = (name: string): string => `${group}/clusters/${encodeURIComponent(name)}`;

  const getDatabaseUser = (username: string): Promise<DatabaseUser> =>
    api.json('GET', userPath(username), DatabaseUserSchema, { subject: { username } });

  return {
    getProject: () => api.json('GET', group, ProjectSchema),
    listDatabaseUsers: async (page = {}) => {
      const query = { pageNum: page.pageNum ?? 1, itemsPerPage: page.itemsPerPage ?? 100, includeCount: true };
      const { results, totalCount } = await api.json('GET', `${group}/databaseUsers`, DatabaseUserPageSchema, { query });
      return totalCount === undefined ? { results } : { results, totalCount };
    },
    listAllDatabaseUsers: () => paginate((query) => api.json('GET', `${group}/databaseUsers`, DatabaseUserPageSchema, { query })),
    getDatabaseUser,
    createDatabaseUser: async (user) => {
      const valid = validInput(NewDatabaseUserSchema, user, 'database user', [user.password]);
      const body = { ...valid, databaseName: 'admin', groupId: options.groupId };
      const steps = {
        post: () => api.json('POST', `${group}/databaseUsers`, DatabaseUserSchema, {
          body, subject: { username: valid.username, creating: true }, secrets: [valid.password],
        }),
        find: (username: string) => getDatabaseUser(username).catch((err: unknown) => {
          if (err instanceof AtlasApiError && err.errorCode === 'USERNAME_NOT_FOUND') return undefined;
          throw err;
        }),
        conflict: (username: string) => new AtlasApiError(
          `a database user named ${username} already exists in project ${options.groupId}: choose another username`, ExitCode.failure, { status: 409 }),
      };
      return createDatabaseUserSafely(valid, steps, retry);
    },
    updateDatabaseUser: async (username, patch) => {
      const body = validInput(DatabaseUserPatchSchema, patch, 'database user change', patch.password === undefined ? [] : [patch.password]);
      return api.json('PATCH', userPath(username), DatabaseUserSchema, {
        body, subject: { username }, secrets: patch.password === undefined ? [] : [patch.password],
      });
    },
    deleteDatabaseUser: async (username) => {
      try {
        await api.call('DELETE', userPath(username), { subject: { username } });
        return 'deleted';
      } catch (err) {
        if (err instanceof AtlasApiError && err.errorCode === 'USERNAME_NOT_FOUND') return 'absent';
        throw err;
      }
    },
    listClusters: () => paginate((query) => api.json('GET', `${group}/clusters`, ClusterPageSchema, { query })),
    getCluster: (name) => api.json('GET', clusterPath(name), ClusterSchema, { subject: { cluster: name } }),
    getClusterStatus: async (name) =>
      (await api.json('GET', `${clusterPath(name)}/status`, ClusterStatusSchema, { subject: { cluster: name } })).changeStatus,
    get requestCount() {
      return transport.requestCount;
    },
    close: () => transport.close(),
  };
}

function parseBaseUrl(raw: string): string {
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new UsageError(`the Atlas base URL ${raw} is not a URL: pass something like https://cloud.mongodb.com`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new UsageError(`the Atlas base URL ${raw} must start with https:// (or http:// for a local emulator)`);
  }
  return `${parsed.origin}${parsed.pathname.replace(/\/+$/, '')}`;
}

/** Our own input checked before it leaves: a mistake in it is a usage error, not Atlas' 400. */
function validInput<S extends z.ZodType>(schema: S, value: unknown, what: string, secrets: string[]): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue === undefined || issue.path.length === 0 ? what : `${what} field ${issue.path.join('.')}`;
  throw new UsageError(redact(`invalid ${where}: ${issue?.message ?? 'rejected'}`, secrets));
}
