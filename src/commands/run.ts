import { spawn } from 'node:child_process';
import type { Context } from '../context.js';
import { DynsecretError } from '../errors.js';
import { leaseVariables, type IssuedLease } from '../output/lease-output.js';
import { formatExpiry } from '../output/time.js';
import { createLease } from './lease.js';
import { revoke } from './revoke.js';
import { DEFAULT_WAIT_MS, waitForApplied } from './wait.js';

export interface RunOptions {
  name: string;
  command: string[];
  ttl?: string;
  prefix?: string;
  wait?: boolean;
  keep?: boolean;
}

/** dynsecret's own secrets: the child gets the lease, never the keys to make more. */
export const WITHHELD_FROM_CHILD = [
  'DYNSECRET_PASSPHRASE', 'DYNSECRET_SESSION', 'MONGODB_ATLAS_PRIVATE_API_KEY', 'MONGODB_ATLAS_CLIENT_SECRET',
] as const;
const RELAYED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const SIGNAL_NUMBERS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGTERM: 15 };

export function childEnvironment(env: Record<string, string | undefined>, vars: readonly (readonly [string, string])[]) {
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && !(WITHHELD_FROM_CHILD as readonly string[]).includes(key)) result[key] = value;
  }
  for (const [key, value] of vars) result[key] = value;
  return result;
}

/** The status a shell would report: the child's exit code, or 128 + n when signal n ended it. */
export function exitStatus(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  return 128 + (signal === null ? 0 : (SIGNAL_NUMBERS[signal] ?? 1));
}

/**
 * `dynsecret run NAME -- CMD…`: lease, wait until applied, run the command with the credentials in its
 * environment, relay signals, revoke when it exits (unless --keep), and hand back the child's status.
 */
export async function run(context: Context, options: RunOptions): Promise<{ exitCode: number }> {
  const { lease, config } = await createLease(context, {
    name: options.name,
    ...(options.ttl === undefined ? {} : { ttl: options.ttl }),
    ...(options.prefix === undefined ? {} : { prefix: options.prefix }),
  });
  if (options.wait !== false) {
    try {
      await waitForApplied(context, config, lease, DEFAULT_WAIT_MS, { keptOnFailure: false });
    } catch (error) {
      // The command never starts, so nobody will ever hold these credentials.
      await revokeQuietly(context, lease);
      throw error;
    }
  }
  const vars = leaseVariables(lease, options.prefix ?? '');
  if (context.env.GITHUB_ACTIONS === 'true') {
    // Registered before anything else is printed, so the runner masks these values in every later log line.
    for (const [name, value] of vars) if (/DB_PASSWORD$|MONGODB_URI$/.test(name)) context.io.error(`::add-mask::${value}`);
  }
  context.io.error(`Leased ${lease.leaseId} from ${lease.config}; expires ${formatExpiry(lease.expiresAt, context.now())}.`);

  const status = await spawnChild(context, options.command, childEnvironment(context.env, vars));
  if (options.keep) {
    context.io.error(`Kept ${lease.leaseId} (--keep); it expires ${formatExpiry(lease.expiresAt, context.now())}.`);
  } else {
    await revokeQuietly(context, lease);
  }
  return { exitCode: status };
}

/** Revokes the run's lease; a failure is a warning, since Atlas deletes the user at its expiry anyway. */
async function revokeQuietly(context: Context, lease: IssuedLease): Promise<void> {
  try {
    await revoke(context, { leaseIds: [lease.leaseId] });
  } catch (error) {
    if (!(error instanceof DynsecretError)) throw error;
    context.io.error(`warning: ${error.message} Atlas deletes it by itself at ${formatExpiry(lease.expiresAt, context.now())}.`);
  }
}

function spawnChild(context: Context, command: string[], env: Record<string, string>): Promise<number> {
  const [file, ...args] = command;
  return new Promise((resolve) => {
    const child = spawn(file!, args, { stdio: 'inherit', env });
    // Ctrl-C on a terminal already reaches the child (same process group): relaying it would send two.
    const relay = (signal: NodeJS.Signals) => {
      if (signal === 'SIGINT' && context.io.stdinIsTty) return;
      child.kill(signal);
    };
    for (const signal of RELAYED_SIGNALS) process.on(signal, relay);
    const done = (status: number) => {
      for (const signal of RELAYED_SIGNALS) process.off(signal, relay);
      resolve(status);
    };
    child.on('error', (error: NodeJS.ErrnoException) => {
      context.io.error(`dynsecret: cannot run ${file}: ${error.code === 'ENOENT' ? 'command not found' : error.message}.`);
      done(error.code === 'ENOENT' ? 127 : 126);
    });
    child.on('exit', (code, signal) => done(exitStatus(code, signal)));
  });
}
