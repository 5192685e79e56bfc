import { isAbsolute, join, relative, resolve } from 'node:path';
import type { AtlasClient } from '../atlas/index.js';
import type { SecretMasker } from '../output/mask.js';
import { atlasClientFor } from '../service/atlas-client.js';
import type { Store } from '../store/store-api.js';
import { EncryptedStore } from '../store/store.js';
import type { AuditLog, AuditNote } from '../audit/audit-log.js';
import type { ServiceContext } from '../service/context.js';
import type { ConfigSource } from './error-text.js';
import type { Host } from './host.js';
import { hostIo, inquirerPrompts, type Io, type Prompts } from './io.js';
import type { tell } from './notice-text.js';

export type { Signals } from '../service/context.js';

/** Everything a command may touch, handed in so tests can pass fakes. */
export interface Context extends ServiceContext {
  readonly env: Record<string, string | undefined>;
  readonly io: Io;
  readonly prompts: Prompts;
  /** The encrypted store, or with `--from-file` an in-memory store holding just that file's config. */
  readonly store: Store;
  /** The `--from-file` config this command runs with instead of the store (hints name it). */
  readonly configFile?: ConfigFileOption | undefined;
  /** What create, lease, renew, revoke and delete did, appended to the audit trail by the CLI. */
  readonly audit: AuditTrail;
  /** Starts a child process with inherited stdio, or its output relayed and masked (what `run` runs). */
  spawn: Spawn;
  /** Releases what the command opened (idle HTTP connections). */
  close(): Promise<void>;
  /** A debug line on stderr when `--debug` is on; never given a secret. */
  debug(line: string): void;
}

/** What a started child is told on: it could not start (`onError`), or it ended (`onExit`). */
export interface SpawnOptions {
  env: Record<string, string>;
  onError(error: NodeJS.ErrnoException): void;
  onExit(code: number | null, signal: NodeJS.Signals | null): void;
  /** Relays the child's stdout and stderr, each where it is not a terminal, with these secrets masked. */
  mask?: SecretMasker | undefined;
}

/** Starts `file` with `args`; the listeners are attached before any event can be missed. */
export type Spawn = (file: string, args: readonly string[], options: SpawnOptions) => Promise<{ kill(signal: NodeJS.Signals): void }>;

/** A real child process (node:child_process loaded only by the command that starts one). */
const processSpawn: Spawn = async (file, args, options) => {
  const { spawn } = await import('node:child_process');
  const { mask } = options;
  const output = mask === undefined ? undefined : await (await import('./relay.js')).openOutputs(mask);
  const child = spawn(file, args, { stdio: output?.stdio ?? 'inherit', env: options.env });
  output?.started(child);
  child.on('error', options.onError);
  // Exited once what it wrote is written: what dynsecret prints next comes after it.
  child.on('exit', (code, signal) => {
    if (output === undefined) options.onExit(code, signal);
    else void output.afterExit().then(() => options.onExit(code, signal));
  });
  return { kill: (signal) => child.kill(signal) };
};

/** A real sleep (node:timers/promises loaded on first use). */
async function realSleep(ms: number, signal?: AbortSignal): Promise<void> {
  const { setTimeout: sleep } = await import('node:timers/promises');
  await sleep(ms, undefined, signal === undefined ? {} : { signal }).catch(() => undefined);
}

/** The audit log as commands and the CLI use it. */
type AuditTrail = Pick<AuditLog, 'path' | 'note' | 'flush'>;

export interface GlobalOptions {
  debug?: boolean;
  auditLog?: string;
  color?: boolean;
}

/** The folder holding the store: `$DYNSECRET_HOME`, else the platform's config folder. */
export async function storeFolder(env: Record<string, string | undefined>): Promise<string> {
  if (env.DYNSECRET_HOME) return env.DYNSECRET_HOME;
  const { default: envPaths } = await import('env-paths');
  return envPaths('dynsecret', { suffix: '' }).config;
}

/** A config given as a file (`--from-file PATH`) instead of a name in the store; `name` is the NAME argument. */
export interface ConfigFileOption {
  path: string;
  name?: string | undefined;
}

/**
 * The composition root: the host's environment, streams and signals, the real clock, prompts and store. With
 * `configFile`, the store is an in-memory one holding only that config: nothing is read from or written to
 * disk, no passphrase is asked, no service-account token is cached, and the audit trail goes only where
 * --audit-log or DYNSECRET_AUDIT_LOG say.
 */
export async function createContext(
  host: Host,
  options: GlobalOptions,
  configFile?: ConfigFileOption,
  tellEvent?: typeof tell,
): Promise<Context> {
  const { env } = host;
  const io = hostIo(host, options.color);
  const prompts = inquirerPrompts(host.promptOutput);
  const debug = options.debug ? (line: string) => io.error(`debug: ${line}`) : () => undefined;
  const { store, auditPath } =
    configFile === undefined ? await encryptedStore(env, io, prompts, debug, options) : await memoryStore(env, io, configFile, options);
  const clients = new Map<string, Promise<AtlasClient>>();
  // Only the encrypted store outlives the process, so only it caches service-account tokens.
  const encrypted = store instanceof EncryptedStore ? store : undefined;
  const audit = auditPath === undefined ? noAudit : deferredAuditLog(auditPath, encrypted);
  return {
    env,
    io,
    prompts,
    store,
    configFile,
    audit,
    now: () => new Date(),
    sleep: realSleep,
    signals: host.signals,
    spawn: processSpawn,
    // The words of the service's events (notice-text.ts), loaded by the CLI for the commands that run the
    // service; should another command report one, it is worded once they are loaded, never lost.
    notify: (event) => {
      if (tellEvent) tellEvent(io, event);
      else void import('./notice-text.js').then(({ tell }) => tell(io, event));
    },
    // The words of errors are loaded only when there is an error to word.
    words: async (error) => (await import('./error-text.js')).expectedError(error, configSource(configFile)),
    atlas: (config) => {
      // One client per config and process, so digest nonces and tokens are reused across calls; a config whose
      // endpoint or credentials changed (`update` verifies the new ones) gets a client of its own.
      const key = JSON.stringify([config.name, config.baseUrl, config.caFile ?? '', config.auth]);
      let client = clients.get(key);
      if (!client) {
        client = atlasClientFor({ ...(encrypted ? { store: encrypted } : {}), env, debug }, config);
        clients.set(key, client);
      }
      return client;
    },
    close: async () => {
      await Promise.all(
        [...clients.values()].map((client) =>
          client.then(
            (c) => c.close(),
            () => undefined,
          ),
        ),
      );
    },
    debug,
  };
}

interface ChosenStore {
  store: Store;
  auditPath: string | undefined;
}

async function encryptedStore(
  env: Record<string, string | undefined>,
  io: Io,
  prompts: Prompts,
  debug: (line: string) => void,
  options: GlobalOptions,
): Promise<ChosenStore> {
  const folder = await storeFolder(env);
  const store = new EncryptedStore({
    folder,
    keys: {
      session: env.DYNSECRET_SESSION || undefined,
      passphrase: env.DYNSECRET_PASSPHRASE || undefined,
      // Looked at only when neither variable is set: deciding it means asking whether stdin is a terminal.
      get prompt() {
        return io.interactive ? ({ message }: { message: string }) => prompts.password({ message }) : undefined;
      },
    },
    warn: (message) => io.error(message),
    // Parallel CI jobs contend for the store; the wait is what the reliability suite measures.
    lock: { onAcquired: (waitedMs) => debug(`store: lock acquired after ${waitedMs} ms`) },
  });
  return { store, auditPath: options.auditLog ?? (env.DYNSECRET_AUDIT_LOG || join(folder, 'audit.log')) };
}

/** `--from-file`: the file's config (secrets from the file or the environment), checked as `create` checks it. */
async function memoryStore(
  env: Record<string, string | undefined>,
  io: Io,
  configFile: ConfigFileOption,
  options: GlobalOptions,
): Promise<ChosenStore> {
  const [{ configFromFile }, { MemoryStore }] = await Promise.all([import('../config/from-file.js'), import('../store/memory-store.js')]);
  const { config, warnings } = await configFromFile(configFile.path, env, new Date(), configFile.name);
  for (const warning of warnings) io.error(`warning: ${warning}`);
  return { store: new MemoryStore([config]), auditPath: options.auditLog ?? (env.DYNSECRET_AUDIT_LOG || undefined) };
}

/** No audit trail: a store-less command with neither --audit-log nor DYNSECRET_AUDIT_LOG. */
const noAudit: AuditTrail = { path: '', note: () => undefined, flush: async () => undefined };

/**
 * The audit log, its module (and node:fs/promises, node:os) loaded only when there is something to append:
 * read-only commands such as `list` never pay for it.
 */
function deferredAuditLog(path: string, store: EncryptedStore | undefined): AuditTrail {
  const notes: AuditNote[] = [];
  return {
    path,
    note: (note) => {
      notes.push(note);
    },
    flush: async (command, failure) => {
      if (notes.length === 0 && failure === undefined) return;
      // A store folder refused as another user's (or holding a planted store) gets nothing written into it.
      if (store?.refused && isInside(path, store.folder)) return;
      const { AuditLog } = await import('../audit/audit-log.js');
      const log = new AuditLog(path);
      for (const note of notes.splice(0)) log.note(note);
      await log.flush(command, failure);
    },
  };
}

function isInside(path: string, folder: string): boolean {
  const rel = relative(resolve(folder), resolve(path));
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/** Where a command's config came from, for advice that names only what exists: a `--from-file` document, or the store. */
function configSource(configFile: ConfigFileOption | undefined): ConfigSource {
  return configFile === undefined ? { kind: 'store' } : { kind: 'file', path: configFile.path };
}
