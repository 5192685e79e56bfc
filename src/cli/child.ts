import { constants as osConstants } from 'node:os';

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
