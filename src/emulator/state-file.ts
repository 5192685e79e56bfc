import { randomBytes } from 'node:crypto';
import { open, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Credentials, Project, Role, StoredAccessEntry, StoredCluster, StoredToken, StoredUser } from './state.js';
import { EmulatorState } from './state.js';
import { field, isFiniteNumber, isObject, isString, optionalField, parseJson } from './validate.js';
import type { JsonObject } from './validate.js';

/** `--state-file`: the whole state as one JSON document, replaced atomically after every change. */

export interface PersistedState {
  version: 1;
  project: Project;
  credentials: Credentials;
  clockOffsetMs: number;
  users: StoredUser[];
  clusters: StoredCluster[];
  tokens: Array<StoredToken & { token: string }>;
  /** Absent in files written before the emulator had an access list. */
  accessList?: StoredAccessEntry[];
}

export function snapshot(state: EmulatorState, clockOffsetMs: number): PersistedState {
  return {
    version: 1,
    project: state.project,
    credentials: state.credentials,
    clockOffsetMs,
    users: [...state.users.values()],
    clusters: [...state.clusters.values()],
    tokens: [...state.tokens].map(([token, record]) => ({ token, ...record })),
    accessList: [...state.accessList.values()],
  };
}

/** Reads a state file; undefined when there is none yet. Throws with the reason when it cannot be used. */
export async function loadStateFile(path: string): Promise<PersistedState | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const parsed = parseJson(text);
  if (!parsed || !isObject(parsed.value)) throw new Error(`state file ${path} is not a JSON object`);
  try {
    return readPersisted(parsed.value);
  } catch (error) {
    throw new Error(`state file ${path} is not usable: ${(error as Error).message}`, { cause: error });
  }
}

const isObjectArray = (value: unknown): value is JsonObject[] => Array.isArray(value) && value.every(isObject);

function readPersisted(doc: JsonObject): PersistedState {
  if (doc.version !== 1) throw new TypeError('"version" must be 1');
  const project = field(doc, 'project', isObject, 'an object');
  const credentials = field(doc, 'credentials', isObject, 'an object');
  return {
    version: 1,
    project: {
      groupId: field(project, 'groupId', isString, 'a string'),
      orgId: field(project, 'orgId', isString, 'a string'),
      name: field(project, 'name', isString, 'a string'),
      createdAt: field(project, 'createdAt', isFiniteNumber, 'a number'),
    },
    credentials: {
      publicKey: field(credentials, 'publicKey', isString, 'a string'),
      privateKey: field(credentials, 'privateKey', isString, 'a string'),
      clientId: field(credentials, 'clientId', isString, 'a string'),
      clientSecret: field(credentials, 'clientSecret', isString, 'a string'),
    },
    clockOffsetMs: field(doc, 'clockOffsetMs', isFiniteNumber, 'a number'),
    users: field(doc, 'users', isObjectArray, 'an array of objects').map(readUser),
    clusters: field(doc, 'clusters', isObjectArray, 'an array of objects').map(readCluster),
    tokens: field(doc, 'tokens', isObjectArray, 'an array of objects').map((t) => ({
      token: field(t, 'token', isString, 'a string'),
      clientId: field(t, 'clientId', isString, 'a string'),
      expiresAt: field(t, 'expiresAt', isFiniteNumber, 'a number'),
    })),
    accessList: (optionalField(doc, 'accessList', isObjectArray, 'an array of objects') ?? []).map(readAccessEntry),
  };
}

function readAccessEntry(e: JsonObject): StoredAccessEntry {
  const entry: StoredAccessEntry = {
    cidrBlock: field(e, 'cidrBlock', isString, 'a string'),
    createdAt: field(e, 'createdAt', isFiniteNumber, 'a number'),
    updatedAt: field(e, 'updatedAt', isFiniteNumber, 'a number'),
    pendingUntil: field(e, 'pendingUntil', isFiniteNumber, 'a number'),
  };
  const ipAddress = optionalField(e, 'ipAddress', isString, 'a string');
  const comment = optionalField(e, 'comment', isString, 'a string');
  const deleteAfterMs = optionalField(e, 'deleteAfterMs', isFiniteNumber, 'a number');
  if (ipAddress !== undefined) entry.ipAddress = ipAddress;
  if (comment !== undefined) entry.comment = comment;
  if (deleteAfterMs !== undefined) entry.deleteAfterMs = deleteAfterMs;
  return entry;
}

function readUser(u: JsonObject): StoredUser {
  const roles: Role[] = field(u, 'roles', isObjectArray, 'an array of objects').map((r) => {
    const collectionName = optionalField(r, 'collectionName', isString, 'a string');
    return {
      roleName: field(r, 'roleName', isString, 'a string'),
      databaseName: field(r, 'databaseName', isString, 'a string'),
      ...(collectionName === undefined ? {} : { collectionName }),
    };
  });
  const user: StoredUser = {
    username: field(u, 'username', isString, 'a string'),
    databaseName: field(u, 'databaseName', isString, 'a string'),
    roles,
    scopes: field(u, 'scopes', isObjectArray, 'an array of objects').map((o) => ({
      name: field(o, 'name', isString, 'a string'),
      type: field(o, 'type', isString, 'a string'),
    })),
    labels: field(u, 'labels', isObjectArray, 'an array of objects').map((o) => ({
      key: field(o, 'key', isString, 'a string'),
      value: field(o, 'value', isString, 'a string'),
    })),
    awsIAMType: field(u, 'awsIAMType', isString, 'a string'),
    ldapAuthType: field(u, 'ldapAuthType', isString, 'a string'),
    oidcAuthType: field(u, 'oidcAuthType', isString, 'a string'),
    x509Type: field(u, 'x509Type', isString, 'a string'),
    createdAt: field(u, 'createdAt', isFiniteNumber, 'a number'),
    updatedAt: field(u, 'updatedAt', isFiniteNumber, 'a number'),
  };
  const description = optionalField(u, 'description', isString, 'a string');
  const deleteAfterMs = optionalField(u, 'deleteAfterMs', isFiniteNumber, 'a number');
  const passwordSha256 = optionalField(u, 'passwordSha256', isString, 'a string');
  if (description !== undefined) user.description = description;
  if (deleteAfterMs !== undefined) user.deleteAfterMs = deleteAfterMs;
  if (passwordSha256 !== undefined) user.passwordSha256 = passwordSha256;
  return user;
}

function readCluster(c: JsonObject): StoredCluster {
  return {
    name: field(c, 'name', isString, 'a string'),
    id: field(c, 'id', isString, 'a string'),
    createdAt: field(c, 'createdAt', isFiniteNumber, 'a number'),
    hostLabel: field(c, 'hostLabel', isString, 'a string'),
    replicaSetLabel: field(c, 'replicaSetLabel', isString, 'a string'),
    pendingUntil: field(c, 'pendingUntil', isFiniteNumber, 'a number'),
  };
}

/** Rebuilds the in-memory state from a file's contents (users, clusters, tokens, access list; not credentials). */
export function restore(state: EmulatorState, persisted: PersistedState): void {
  for (const user of persisted.users) state.putUser(user);
  for (const cluster of persisted.clusters) state.clusters.set(cluster.name, cluster);
  for (const { token, ...record } of persisted.tokens) state.tokens.set(token, record);
  for (const entry of persisted.accessList ?? []) state.accessList.set(entry.cidrBlock, entry);
}

/** Write to a private temp file in the same folder, fsync, rename: a reader sees the old file or the new one. */
export async function writeAtomic(path: string, contents: string): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx', 0o600);
  try {
    await handle.writeFile(contents, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/** Coalesces bursts of changes into sequential atomic writes of the latest snapshot. */
export class StateWriter {
  private dirty = false;
  private running: Promise<void> | undefined;

  constructor(
    private readonly path: string,
    private readonly take: () => PersistedState,
    private readonly onError: (error: unknown) => void,
  ) {}

  schedule(): void {
    this.dirty = true;
    if (this.running) return;
    this.running = this.drain().finally(() => {
      this.running = undefined;
      if (this.dirty) this.schedule();
    });
  }

  async flush(): Promise<void> {
    while (this.running) await this.running;
  }

  private async drain(): Promise<void> {
    while (this.dirty) {
      this.dirty = false;
      try {
        await writeAtomic(this.path, `${JSON.stringify(this.take())}\n`);
      } catch (error) {
        this.onError(error);
      }
    }
  }
}
