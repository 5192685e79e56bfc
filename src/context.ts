import { isAbsolute, join, relative, resolve } from 'node:path';
import type { AtlasClient } from './atlas/index.js';
import type { DynamicSecretConfig } from './config/schema.js';
import { atlasClientFor } from './commands/atlas.js';
import { EncryptedStore } from './store/store.js';
import type { AuditLog, AuditNote } from './audit/audit-log.js';
import { inquirerPrompts, processIo, type Io, type Prompts } from './io.js';

/** Everything a command may touch, handed in so tests can pass fakes. */
export interface Context {
  readonly env: Record<string, string | undefined>;
  readonly io: Io;
  readonly prompts: Prompts;
  readonly store: EncryptedStore;
  /** What create, lease, renew, revoke and delete did, appended to the audit trail by the CLI. */
  readonly audit: AuditTrail;
  now(): Date;
  /** The Atlas client for a config. */
  atlas(config: DynamicSecretConfig): Promise<AtlasClient>;
  /** Releases what the command opened (idle HTTP connections). */
  close(): Promise<void>;
  /** A debug line on stderr when `--debug` is on; never given a secret. */
  debug(line: string): void;
}

/** The audit log as commands and the CLI use it. */
export type AuditTrail = Pick<AuditLog, 'path' | 'note' | 'flush'>;

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

/** The composition root: the real clock, terminal, prompts and store. */
export async function createContext(options: GlobalOptions): Promise<Context> {
  const env = process.env;
  const io = processIo(env, options.color);
  const prompts = inquirerPrompts();
  const folder = await storeFolder(env);
  const debug = options.debug ? (line: string) => io.error(`debug: ${line}`) : () => undefined;
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
  const clients = new Map<string, Promise<AtlasClient>>();
  const audit = deferredAuditLog(options.auditLog ?? (env.DYNSECRET_AUDIT_LOG || join(folder, 'audit.log')), store);
  return {
    env,
    io,
    prompts,
    store,
    audit,
    now: () => new Date(),
    atlas: (config) => {
      // One client per config and process, so digest nonces and tokens are reused across calls.
      let client = clients.get(config.name);
      if (!client) {
        client = atlasClientFor({ store, env, debug }, config);
        clients.set(config.name, client);
      }
      return client;
    },
    close: async () => {
      await Promise.all([...clients.values()].map((client) => client.then((c) => c.close(), () => undefined)));
    },
    debug,
  };
}

/**
 * The audit log, its module (and node:fs/promises, node:os) loaded only when there is something to append:
 * read-only commands such as `list` never pay for it.
 */
function deferredAuditLog(path: string, store: EncryptedStore): AuditTrail {
  const notes: AuditNote[] = [];
  return {
    path,
    note: (note) => {
      notes.push(note);
    },
    flush: async (command, failure) => {
      if (notes.length === 0 && failure === undefined) return;
      // A store folder refused as another user's (or holding a planted store) gets nothing written into it.
      if (store.refused && isInside(path, store.folder)) return;
      const { AuditLog } = await import('./audit/audit-log.js');
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
