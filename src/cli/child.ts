import { constants as osConstants } from 'node:os';
import type { Signals } from '../service/context.js';

/** dynsecret's own secrets: a command it starts gets the lease, never the keys to make more. */
export const WITHHELD_FROM_CHILD = [
  'DYNSECRET_PASSPHRASE',
  'DYNSECRET_SESSION',
  'MONGODB_ATLAS_PRIVATE_API_KEY',
  'MONGODB_ATLAS_CLIENT_SECRET',
] as const;

/** The environment of a command dynsecret starts: its own, without dynsecret's secrets, plus `vars`. */
export function childEnvironment(
  env: Record<string, string | undefined>,
  vars: readonly (readonly [string, string])[],
): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && !(WITHHELD_FROM_CHILD as readonly string[]).includes(key)) result[key] = value;
  }
  for (const [key, value] of vars) result[key] = value;
  return result;
}

/**
 * What a terminal or a supervisor sends to `run`, relayed to the command it runs. Each would otherwise end
 * dynsecret and leave the command running with a live lease. SIGUSR1 is not among them: Node keeps it for its
 * inspector.
 */
export const RELAYED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR2'] as const;

/** Sent by a terminal to its whole foreground process group: the command has them already. */
export const TERMINAL_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGQUIT'];

/** The status a shell would report: the command's exit code, or 128 + n when signal n ended it. */
export function exitStatus(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  return 128 + (signal === null ? 0 : (osConstants.signals[signal] ?? 0));
}

/** What `run` says, and the status it ends with, when its command cannot start: 127 when not found, else 126, as a shell. */
export function startFailure(file: string, error: NodeJS.ErrnoException): { line: string; status: number } {
  const notFound = error.code === 'ENOENT';
  return { line: `dynsecret: cannot run ${file}: ${notFound ? 'command not found' : error.message}.`, status: notFound ? 127 : 126 };
}

/** What a relay passes signals to: the command `run` started. */
export interface Signalled {
  kill(signal: NodeJS.Signals): void;
}

/** The relay of `run`'s signals to its command (see `relaySignals`). */
export interface SignalRelay {
  /** Signals go to `child` from now on; those that came while there was none are sent to it first, in order. */
  attach(child: Signalled): void;
  /** Every signal received so far, in order (relayed or not). */
  readonly received: readonly NodeJS.Signals[];
  /** Stops listening. */
  release(): void;
}

/**
 * Starts relaying RELAYED_SIGNALS to the command `run` starts: listening from before the command exists, so a
 * signal that arrives while it starts (or while dynsecret gets ready to start it) is queued and passed on once
 * it does, instead of ending dynsecret and leaving a lease nobody revokes. One relay serves every command a
 * run starts (`run --rotate` attaches each new one). Ctrl-C or Ctrl-\ on a terminal already reach the command
 * (same process group): they are noted, not relayed, which would send them twice.
 */
export function relaySignals(signals: Signals, stdinIsTty: boolean): SignalRelay {
  let child: Signalled | undefined;
  const early: NodeJS.Signals[] = [];
  const received: NodeJS.Signals[] = [];
  const relay = (signal: NodeJS.Signals) => {
    received.push(signal);
    if (TERMINAL_SIGNALS.includes(signal) && stdinIsTty) return;
    if (child === undefined) early.push(signal);
    else child.kill(signal);
  };
  for (const signal of RELAYED_SIGNALS) signals.on(signal, relay);
  return {
    attach: (next) => {
      child = next;
      for (const signal of early.splice(0)) next.kill(signal);
    },
    received,
    release: () => {
      for (const signal of RELAYED_SIGNALS) signals.off(signal, relay);
    },
  };
}
