// A Context for running one command in-process: the in-memory store, a clock that only moves when told (or
// when the command sleeps), an in-memory Atlas, captured stderr and audit notes, and fake signals and spawn.
import { AtlasApiError, type AtlasClient } from '../../../src/atlas/index.js';
import type {
  AccessListEntry,
  AccessListStatus,
  Cluster,
  ClusterChangeStatus,
  DatabaseUser,
  DatabaseUserPatch,
  NewAccessListEntry,
  NewDatabaseUser,
} from '../../../src/atlas/schemas.js';
import type { DynamicSecretConfig } from '../../../src/config/schema.js';
import type { Context, Signals, Spawn, SpawnOptions } from '../../../src/cli/context.js';
import type { AuditNote } from '../../../src/audit/audit-log.js';
import { kindOfStatus } from '../../../src/atlas/errors.js';
import { describeError, expectedError, type ErrorText } from '../../../src/cli/error-text.js';
import type { Io, Prompts } from '../../../src/cli/io.js';
import { tell } from '../../../src/cli/notice-text.js';
import { MemoryStore } from '../../../src/store/memory-store.js';
import type { LeaseRecord } from '../../../src/store/schema.js';

export const GROUP = 'b0123456789abcdef012345b';
export const START = new Date('2026-11-29T12:00:00.000Z');
export const H = 60 * 60 * 1000;

export function config(overrides: Partial<DynamicSecretConfig> = {}): DynamicSecretConfig {
  return {
    name: 'app-db',
    groupId: GROUP,
    baseUrl: 'https://cloud.mongodb.com',
    auth: { kind: 'apiKey', publicKey: 'pubkey-abcd', privateKey: 'priv-0000-1111' },
    defaultTtlMs: H,
    maxTtlMs: 24 * H,
    roles: [{ roleName: 'readWrite', databaseName: 'app' }],
    scopes: [{ name: 'Cluster0', type: 'CLUSTER' }],
    connectionString: 'mongodb+srv://cluster0.abcde.mongodb.net',
    createdAt: '2026-11-01T00:00:00Z',
    ...overrides,
  };
}

/** An access list key as Atlas keeps it: an address as its /32 (IPv4) or /128 (IPv6) block. */
const cidrOf = (entry: string) => (entry.includes('/') ? entry : `${entry}/${entry.includes(':') ? 128 : 32}`);

/** An Atlas error as the client throws it: its kind from the status, and Atlas' error code. */
export function atlasError(status: number, errorCode: string): AtlasApiError {
  return new AtlasApiError({
    kind: kindOfStatus(status),
    status,
    errorCode,
    method: 'GET',
    path: '/api/atlas/v2/groups/fake',
    subject: { groupId: 'a'.repeat(24), authKind: 'apiKey' },
  });
}

type Method = Exclude<keyof AtlasClient, 'requestCount' | 'close'>;

/** Atlas in memory: users by name, clusters with a change status, and a failure to throw per method. */
export class FakeAtlas implements AtlasClient {
  readonly users = new Map<string, DatabaseUser & { password?: string }>();
  readonly clusters: Cluster[] = [{ name: 'Cluster0', connectionStrings: { standardSrv: 'mongodb+srv://cluster0.abcde.mongodb.net' } }];
  /** Each poll of a cluster's status takes the next value; the last one stays. */
  statuses: ClusterChangeStatus[] = ['APPLIED'];
  readonly calls: { method: Method; arg?: unknown }[] = [];
  /** Errors to throw, one per call, by method. */
  readonly failures = new Map<Method, unknown[]>();
  requestCount = 0;
  /** The project IP access list, by CIDR block (an address is kept as its /32, as Atlas does). */
  readonly accessList = new Map<string, AccessListEntry>();
  /** Each poll of an access list entry's status takes the next value; the last one stays. */
  accessStatuses: AccessListStatus[] = ['ACTIVE'];
  /** What `getCallerIp` answers. */
  callerIp = '203.0.113.7';

  fail(method: Method, ...errors: unknown[]): this {
    this.failures.set(method, [...(this.failures.get(method) ?? []), ...errors]);
    return this;
  }

  #call(method: Method, arg?: unknown): void {
    this.calls.push({ method, arg });
    this.requestCount++;
    const error = this.failures.get(method)?.shift();
    if (error !== undefined) throw error;
  }

  #user(username: string): DatabaseUser & { password?: string } {
    const user = this.users.get(username);
    if (!user) throw atlasError(404, 'USERNAME_NOT_FOUND');
    return user;
  }

  async getProject() {
    this.#call('getProject');
    return { id: GROUP, name: 'project', orgId: 'org', clusterCount: this.clusters.length, created: '2026-01-01T00:00:00Z' };
  }

  async listDatabaseUsers() {
    this.#call('listDatabaseUsers');
    return { results: [...this.users.values()], totalCount: this.users.size };
  }

  listAllDatabaseUsers(): Promise<DatabaseUser[]>;
  listAllDatabaseUsers<K>(select: (user: DatabaseUser) => K | undefined): Promise<K[]>;
  async listAllDatabaseUsers<K>(select?: (user: DatabaseUser) => K | undefined): Promise<(K | DatabaseUser)[]> {
    this.#call('listAllDatabaseUsers');
    const users = [...this.users.values()];
    if (!select) return users;
    return users.map(select).filter((k): k is K => k !== undefined);
  }

  async getDatabaseUser(username: string) {
    this.#call('getDatabaseUser', username);
    return this.#user(username);
  }

  async createDatabaseUser(user: NewDatabaseUser) {
    this.#call('createDatabaseUser', user);
    const created: DatabaseUser & { password?: string } = {
      username: user.username,
      databaseName: 'admin',
      groupId: GROUP,
      roles: user.roles,
      scopes: user.scopes ?? [],
      labels: user.labels ?? [],
      password: user.password,
      ...(user.description === undefined ? {} : { description: user.description }),
      ...(user.deleteAfterDate === undefined ? {} : { deleteAfterDate: user.deleteAfterDate }),
    };
    this.users.set(user.username, created);
    return created;
  }

  async updateDatabaseUser(username: string, patch: DatabaseUserPatch) {
    this.#call('updateDatabaseUser', { username, ...patch });
    const user = this.#user(username);
    if (patch.deleteAfterDate !== undefined) user.deleteAfterDate = patch.deleteAfterDate;
    return user;
  }

  async deleteDatabaseUser(username: string): Promise<'deleted' | 'absent'> {
    this.#call('deleteDatabaseUser', username);
    return this.users.delete(username) ? 'deleted' : 'absent';
  }

  async listClusters() {
    this.#call('listClusters');
    return this.clusters;
  }

  async listAccessList() {
    this.#call('listAccessList');
    return [...this.accessList.values()];
  }

  async getAccessListEntry(entry: string) {
    this.#call('getAccessListEntry', entry);
    return this.accessList.get(cidrOf(entry));
  }

  async addAccessListEntry(entry: NewAccessListEntry) {
    this.#call('addAccessListEntry', entry);
    const cidrBlock = cidrOf(entry.ipAddress ?? entry.cidrBlock ?? '');
    this.accessList.set(cidrBlock, {
      cidrBlock,
      ...(entry.ipAddress === undefined ? {} : { ipAddress: entry.ipAddress }),
      ...(entry.comment === undefined ? {} : { comment: entry.comment }),
      ...(entry.deleteAfterDate === undefined ? {} : { deleteAfterDate: entry.deleteAfterDate }),
    });
  }

  async deleteAccessListEntry(entry: string): Promise<'deleted' | 'absent'> {
    this.#call('deleteAccessListEntry', entry);
    return this.accessList.delete(cidrOf(entry)) ? 'deleted' : 'absent';
  }

  async getAccessListStatus(entry: string) {
    this.#call('getAccessListStatus', entry);
    if (!this.accessList.has(cidrOf(entry))) throw atlasError(404, 'ATLAS_NETWORK_PERMISSION_ENTRY_NOT_FOUND');
    return this.accessStatuses.length > 1 ? this.accessStatuses.shift()! : this.accessStatuses[0]!;
  }

  async getCallerIp() {
    this.#call('getCallerIp');
    return this.callerIp;
  }

  async getCluster(name: string) {
    this.#call('getCluster', name);
    const cluster = this.clusters.find((c) => c.name === name);
    if (!cluster) throw atlasError(404, 'CLUSTER_NOT_FOUND');
    return cluster;
  }

  async getClusterStatus(name: string) {
    this.#call('getClusterStatus', name);
    return this.statuses.length > 1 ? this.statuses.shift()! : this.statuses[0]!;
  }

  async close() {}

  /** A user as `lease` makes it, for leases made elsewhere. */
  addLease(record: Pick<LeaseRecord, 'leaseId' | 'config' | 'createdAt' | 'expiresAt' | 'maxExpiresAt'>): void {
    this.users.set(record.leaseId, {
      username: record.leaseId,
      databaseName: 'admin',
      groupId: GROUP,
      roles: [{ roleName: 'read', databaseName: 'app' }],
      scopes: [],
      labels: [
        { key: 'dynsecret.config', value: record.config },
        { key: 'dynsecret.createdAt', value: record.createdAt },
        { key: 'dynsecret.maxExpiresAt', value: record.maxExpiresAt },
      ],
      deleteAfterDate: record.expiresAt,
    });
  }
}

/** A started child of the fake spawn: the test ends it with `exit`, or it fails to start with `error`. */
export interface FakeChild {
  file: string;
  args: readonly string[];
  env: Record<string, string>;
  killed: NodeJS.Signals[];
  options: SpawnOptions;
}

export interface Fakes {
  context: Context;
  store: MemoryStore;
  atlas: FakeAtlas;
  clock: { now: Date; advance(ms: number): void };
  stderr: string[];
  /** What `io.output` wrote right away (GitHub mask commands). */
  stdout: string[];
  audit: AuditNote[];
  prompts: { confirmed: boolean; asked: string[] };
  signals: { emit(signal: NodeJS.Signals): void; count(): number };
  children: FakeChild[];
  /** Called when the command starts a child: end it here (`child.options.onExit(0, null)`). */
  onSpawn: (child: FakeChild) => void;
  /** The store's leases. */
  leases(): Promise<readonly LeaseRecord[]>;
}

export interface FakeOptions {
  configs?: DynamicSecretConfig[];
  leases?: LeaseRecord[];
  env?: Record<string, string | undefined>;
  interactive?: boolean;
  stdoutIsTty?: boolean;
  /** What delivering credentials on stdout throws (a reader that went away). */
  stdoutFailure?: unknown;
  stdinIsTty?: boolean;
  onSpawn?: (child: FakeChild) => void;
  /** What stdin holds (for --private-key-stdin). */
  stdin?: string;
}

export async function fakeContext(options: FakeOptions = {}): Promise<Fakes> {
  const store = new MemoryStore(options.configs ?? [config()]);
  if (options.leases)
    await store.update((data) => {
      data.leases = [...options.leases!];
    });
  const atlas = new FakeAtlas();
  const clock = {
    now: new Date(START),
    advance: (ms: number) => {
      clock.now = new Date(clock.now.getTime() + ms);
    },
  };
  const stderr: string[] = [];
  const stdout: string[] = [];
  const audit: AuditNote[] = [];
  const prompts = { confirmed: false, asked: [] as string[] };
  const handlers = new Map<NodeJS.Signals, Set<(signal: NodeJS.Signals) => void>>();
  const signals: Signals = {
    on: (signal, handler) => {
      handlers.set(signal, new Set([...(handlers.get(signal) ?? []), handler]));
    },
    off: (signal, handler) => {
      handlers.get(signal)?.delete(handler);
    },
  };
  const children: FakeChild[] = [];
  const fakes: Fakes = {
    context: undefined as unknown as Context,
    store,
    atlas,
    clock,
    stderr,
    stdout,
    audit,
    prompts,
    children,
    signals: {
      emit: (signal) => {
        for (const handler of handlers.get(signal) ?? []) handler(signal);
      },
      count: () => [...handlers.values()].reduce((n, set) => n + set.size, 0),
    },
    onSpawn: options.onSpawn ?? ((child) => setImmediate(() => child.options.onExit(0, null))),
    leases: async () => (await store.read()).leases,
  };
  const spawn: Spawn = async (file, args, spawnOptions) => {
    const child: FakeChild = { file, args, env: spawnOptions.env, killed: [], options: spawnOptions };
    children.push(child);
    fakes.onSpawn(child);
    return {
      kill: (signal) => {
        child.killed.push(signal);
      },
    };
  };
  const io: Io = {
    stdoutIsTty: options.stdoutIsTty ?? false,
    stderrIsTty: false,
    stdinIsTty: options.stdinIsTty ?? false,
    interactive: options.interactive ?? false,
    color: false,
    painter: async () => undefined,
    error: (line) => {
      stderr.push(line);
    },
    output: (text) => {
      stdout.push(text);
    },
    deliver: async (text) => {
      const failure = options.stdoutFailure;
      if (failure !== undefined) throw failure;
      stdout.push(text);
    },
    progress: () => undefined,
    step: (line) => {
      if (!io.stderrIsTty) stderr.push(line);
    },
    readStdin: async () => options.stdin ?? '',
  };
  const promptsImpl: Prompts = {
    input: async () => {
      throw new Error('no input prompt expected');
    },
    password: async () => {
      throw new Error('no password prompt expected');
    },
    confirm: async ({ message }) => {
      prompts.asked.push(message);
      return prompts.confirmed;
    },
  };
  fakes.context = {
    env: options.env ?? {},
    io,
    prompts: promptsImpl,
    store,
    audit: {
      path: '/fake/audit.log',
      note: (note) => {
        audit.push(note);
      },
      flush: async () => undefined,
    },
    now: () => new Date(clock.now),
    // A sleep moves the clock: a command that waits 5 s sees 5 s pass, at once.
    sleep: async (ms, signal) => {
      if (signal?.aborted) return;
      clock.advance(ms);
    },
    signals,
    spawn,
    atlas: async () => atlas,
    // The service's events, worded as the CLI words them: the tests read stderr as a user would.
    notify: (event) => tell(io, event),
    words: async (error) => expectedError(error, { kind: 'store' }),
    close: async () => undefined,
    debug: () => undefined,
  };
  return fakes;
}

/** The error a promise rejects with (failing the test when it resolves). */
/** What the CLI would print of the command's failure: its sentence, hint and exit code. */
export async function rejection(promise: Promise<unknown>): Promise<ErrorText> {
  try {
    await promise;
  } catch (error) {
    return describeError(error);
  }
  throw new Error('expected a rejection');
}

export const iso = (date: Date) => `${date.toISOString().slice(0, 19)}Z`;
export const later = (ms: number) => new Date(START.getTime() + ms);
