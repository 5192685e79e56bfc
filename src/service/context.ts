import type { AtlasClient } from '../atlas/index.js';
import type { AuditNote } from '../audit/audit-log.js';
import type { DynamicSecretConfig } from '../config/schema.js';
import type { ExitCodeValue } from '../errors.js';
import type { Store } from '../store/store-api.js';
import type { Notify } from './events.js';

/**
 * What the lease service needs from the world, and nothing more: the store, the audit trail, the clock, a sleep,
 * the process's signals and an Atlas client per config. The CLI's `Context` (src/cli/context.ts) provides it;
 * tests hand in fakes.
 */
export interface ServiceContext {
  readonly store: Store;
  readonly audit: { note(note: AuditNote): void };
  now(): Date;
  /** Waits `ms`; ends early, without an error, when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  readonly signals: Signals;
  atlas(config: DynamicSecretConfig): Promise<AtlasClient>;
  /** What the service tells the person at the terminal, as events (events.ts); the CLI words them. */
  readonly notify: Notify;
  /** A debug line, shown with --debug; never given a secret. */
  debug(line: string): void;
  /** The config file of a store-less command (`--from-file PATH`): hints must name it. */
  readonly configFile?: { readonly path: string } | undefined;
  /**
   * An error in the words the CLI gives it (a sentence, its exit code, a hint); undefined for an error nobody
   * foresaw, which keeps its own words and stack. The service needs them where it keeps or builds on them: a
   * failed revoke's message and exit code go into its store record and the audit trail, an error's sentence
   * into another error, and whether an error was foreseen decides between a warning and a failure.
   */
  words(error: unknown): Promise<ErrorWords | undefined>;
}

export interface ErrorWords {
  message: string;
  exitCode: ExitCodeValue;
  hint?: string | undefined;
}

/** Subscribing to the process's signals; `off` takes the handler given to `on`. */
export interface Signals {
  on(signal: NodeJS.Signals, handler: (signal: NodeJS.Signals) => void): void;
  off(signal: NodeJS.Signals, handler: (signal: NodeJS.Signals) => void): void;
}
