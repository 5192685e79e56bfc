import type { AtlasClient } from '../atlas/index.js';
import type { AuditNote } from '../audit/audit-log.js';
import type { DynamicSecretConfig } from '../config/schema.js';
import type { ExitCodeValue } from '../errors.js';
import type { Store } from '../store/store-api.js';

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
  /** Notices for the person at the terminal; the CLI decides how they look. */
  readonly io: Notices;
  /** A debug line, shown with --debug; never given a secret. */
  debug(line: string): void;
  /** The config file of a store-less command (`--from-file PATH`): hints must name it. */
  readonly configFile?: { readonly path: string } | undefined;
  /**
   * An error in the words the CLI gives it (a sentence, its exit code, a hint), for a message the service makes
   * of it; undefined for an error nobody foresaw, which keeps its own words and stack.
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

/**
 * A line for stderr; a transient status line (undefined clears it); a line that says a long step began (the CLI
 * writes it where stderr is a log, and leaves it to the status line on a terminal).
 */
export interface Notices {
  error(line: string): void;
  progress(text: string | undefined): void;
  step(line: string): void;
}
