import { isLoopbackHost } from '../config/rules.js';
import type { AtlasAuth, Authenticator } from './auth.js';
import { DigestAuthenticator } from './digest.js';
import { AtlasInputError } from './error-types.js';
import { atlasEndpoints } from './endpoints.js';
import { ServiceAccountAuthenticator } from './oauth.js';
import { Requester } from './request.js';
import { resolveRetryPolicy, type RetryDeps, type RetryPolicy } from './retry.js';
import type {
  AccessListEntry,
  AccessListStatus,
  NewAccessListEntry,
  AtlasProject,
  Cluster,
  ClusterChangeStatus,
  DatabaseUser,
  DatabaseUserPatch,
  NewDatabaseUser,
} from './schemas.js';
import { Transport } from './transport.js';

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
  /** Where proxy variables are read: the environment of the command line (the host's), never read here. */
  env: Record<string, string | undefined>;
  /** e.g. `dynsecret/1.2.3`. */
  userAgent?: string;
}

export interface AtlasClient {
  getProject(): Promise<AtlasProject>;
  listDatabaseUsers(page?: { pageNum?: number; itemsPerPage?: number }): Promise<{ results: DatabaseUser[]; totalCount?: number }>;
  /**
   * Every database user of the project, read in pages of 500; with `select`, only what it returns for each
   * user (undefined drops the user), applied page by page so the users it drops are never all in memory.
   */
  listAllDatabaseUsers(): Promise<DatabaseUser[]>;
  listAllDatabaseUsers<K>(select: (user: DatabaseUser) => K | undefined): Promise<K[]>;
  getDatabaseUser(username: string): Promise<DatabaseUser>;
  /** Safe to call once per lease: an unclear failure is resolved by looking the username up. */
  createDatabaseUser(user: NewDatabaseUser): Promise<DatabaseUser>;
  updateDatabaseUser(username: string, patch: DatabaseUserPatch): Promise<DatabaseUser>;
  /** 'absent' when Atlas has no such user (already revoked or expired). */
  deleteDatabaseUser(username: string): Promise<'deleted' | 'absent'>;
  listClusters(): Promise<Cluster[]>;
  getCluster(name: string): Promise<Cluster>;
  getClusterStatus(name: string): Promise<ClusterChangeStatus>;
  /** Every entry of the project IP access list. */
  listAccessList(): Promise<AccessListEntry[]>;
  /** One entry by its address or CIDR block; undefined when the list has none. */
  getAccessListEntry(entry: string): Promise<AccessListEntry | undefined>;
  /** Adds the entry, or changes the one already there for that network (comment, deleteAfterDate). */
  addAccessListEntry(entry: NewAccessListEntry): Promise<void>;
  /** 'absent' when the list has no such entry (already removed, or expired). */
  deleteAccessListEntry(entry: string): Promise<'deleted' | 'absent'>;
  /** Whether the entry applies everywhere yet (ACTIVE), is still being added (PENDING), or failed. */
  getAccessListStatus(entry: string): Promise<AccessListStatus>;
  /** The IPv4 address Atlas sees for this client (`GET /api/private/ipinfo`). */
  getCallerIp(): Promise<string>;
  /** HTTP requests sent so far, digest challenges and token requests included. */
  readonly requestCount: number;
  /** Closes idle connections; the client must not be used afterwards. */
  close(): Promise<void>;
}

export function createAtlasClient(options: AtlasClientOptions): AtlasClient {
  if (!/^[a-f0-9]{24}$/.test(options.groupId)) {
    throw new AtlasInputError('project-id', `the project ID ${options.groupId} is not 24 lowercase hexadecimal characters`);
  }
  const base = parseBaseUrl(options.baseUrl);
  const url = (path: string): URL => new URL(base + path);
  const retry: RetryDeps = {
    policy: resolveRetryPolicy(options.retry),
    sleep: options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
    random: options.random ?? Math.random,
    now: options.now ?? Date.now,
  };
  const transport = new Transport({
    connectMs: options.timeouts?.connectMs ?? 10_000,
    requestMs: options.timeouts?.requestMs ?? 30_000,
    caFile: options.caFile,
    // Loopback (the emulator, a local tunnel) never goes through a proxy: over http the proxy reads every header.
    env: isLoopbackHost(new URL(base).hostname) ? withoutProxy(options.env) : options.env,
    onDebug: options.onDebug,
    now: retry.now,
  });
  const userAgent = options.userAgent ?? 'dynsecret';
  const auth: Authenticator =
    options.auth.kind === 'apiKey'
      ? new DigestAuthenticator(options.auth.publicKey, options.auth.privateKey)
      : new ServiceAccountAuthenticator(options.auth.clientId, options.auth.clientSecret, options.auth.tokenCache, {
          transport,
          url,
          userAgent,
          groupId: options.groupId,
          retry,
        });
  const api = new Requester({ transport, auth, url, groupId: options.groupId, userAgent, retry });
  return {
    ...atlasEndpoints(api, options.groupId, retry),
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
    throw new AtlasInputError('base-url-syntax', `the Atlas base URL ${raw} is not a URL`);
  }
  // Checked here too: a store written by an older version may hold any http URL.
  if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && isLoopbackHost(parsed.hostname))) {
    throw new AtlasInputError(
      'base-url-scheme',
      `the Atlas base URL ${raw} must start with https:// (http:// only on 127.0.0.0/8, [::1] or localhost, for a local emulator)`,
    );
  }
  return `${parsed.origin}${parsed.pathname.replace(/\/+$/, '')}`;
}

/** The environment with every host exempt from the proxy (a proxy variable that is not a URL is still refused). */
function withoutProxy(env: Record<string, string | undefined>): Record<string, string | undefined> {
  return { ...env, no_proxy: '*', NO_PROXY: '*' };
}
