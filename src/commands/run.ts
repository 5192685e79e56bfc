import type { Context } from '../cli/context.js';
import type { DynamicSecretConfig } from '../config/schema.js';
import { expectedError } from '../cli/error-text.js';
import { NotFoundError } from '../errors.js';
import { parseDuration } from '../rules/duration.js';
import { keepAlive } from '../rules/keep-alive.js';
import { leaseVariables, type IssuedLease } from '../output/lease-output.js';
import { formatExpiry } from '../output/time.js';
import { createLease } from '../service/create.js';
import { renewLease } from '../service/renew.js';
import { revokeSelection } from '../service/revoke.js';
import { DEFAULT_WAIT_MS, waitForApplied } from '../service/wait.js';
import { renewalLines } from '../output/lease-messages.js';
import type { FlagSchema } from './define.js';

/** What `dynsecret run` parses from its command line (run.command.ts); the command after `--` is an argument. */
export const RUN_FLAGS = {
  ttl: 'value',
  prefix: 'value',
  wait: 'optional-value',
  renew: 'negatable',
  keep: 'switch',
  fromFile: 'value',
  allowIp: 'value',
} as const satisfies FlagSchema;

export interface RunOptions {
  name: string;
  command: string[];
  ttl?: string;
  prefix?: string;
  /** false: --no-wait. */
  wait?: boolean;
  /** The wait's timeout (--wait=TIMEOUT); default 5 minutes. */
  waitMs?: number;
  keep?: boolean;
  /** false: --no-renew. */
  renew?: boolean;
  /** The cluster whose connection string goes into MONGODB_URI. */
  cluster?: string;
  /** `--allow-ip`: an IP access list entry for the lease, ACTIVE before the command starts unless --no-wait. */
  allowIp?: string;
  /** The `--from-file` path (for commands a message names). */
  fromFile?: string;
}

/** dynsecret's own secrets: the child gets the lease, never the keys to make more. */
const WITHHELD_FROM_CHILD = [
  'DYNSECRET_PASSPHRASE',
  'DYNSECRET_SESSION',
  'MONGODB_ATLAS_PRIVATE_API_KEY',
  'MONGODB_ATLAS_CLIENT_SECRET',
] as const;
const RELAYED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const SIGNAL_NUMBERS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGTERM: 15 };

function childEnvironment(env: Record<string, string | undefined>, vars: readonly (readonly [string, string])[]) {
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && !(WITHHELD_FROM_CHILD as readonly string[]).includes(key)) result[key] = value;
  }
  for (const [key, value] of vars) result[key] = value;
  return result;
}

/** The status a shell would report: the child's exit code, or 128 + n when signal n ended it. */
function exitStatus(code: number | null, signal: NodeJS.Signals | null): number {
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
    ...(options.cluster === undefined ? {} : { cluster: options.cluster }),
    ...(options.fromFile === undefined ? {} : { fromFile: options.fromFile }),
    ...(options.allowIp === undefined
      ? {}
      : { allowIp: options.allowIp, waitMs: options.wait === false ? undefined : (options.waitMs ?? DEFAULT_WAIT_MS) }),
  });
  if (options.wait !== false) {
    try {
      await waitForApplied(context, config, lease, options.waitMs ?? DEFAULT_WAIT_MS, { keptOnFailure: false });
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

  const renewal = options.renew === false ? undefined : keepLeaseAlive(context, options, config, lease);
  const status = await spawnChild(context, options.command, childEnvironment(context.env, vars));
  await renewal?.stop();
  if (options.keep) {
    context.io.error(`Kept ${lease.leaseId} (--keep); it expires ${formatExpiry(lease.expiresAt, context.now())}.`);
  } else {
    await revokeQuietly(context, lease);
  }
  return { exitCode: status };
}

/** Renews the run's lease while the command runs (renew's own code path: checks, store, audit line, messages). */
function keepLeaseAlive(context: Context, options: RunOptions, config: DynamicSecretConfig, lease: IssuedLease) {
  const ttlMs = options.ttl === undefined ? config.defaultTtlMs : parseDuration(options.ttl, '--ttl');
  return keepAlive({
    leaseId: lease.leaseId,
    expiresAt: lease.expiresAt,
    maxExpiresAt: lease.maxExpiresAt,
    ttlMs,
    timers: { now: () => context.now().getTime(), sleep: (ms, signal) => context.sleep(ms, signal) },
    renew: async () => {
      const renewal = await renewLease(context, { leaseId: lease.leaseId, ...(options.ttl === undefined ? {} : { ttl: options.ttl }) });
      for (const line of renewalLines(renewal)) context.io.error(line);
      // Each renewal is on the audit trail at once: a long command may still be killed before it ends.
      await context.audit.flush('run').catch((error: unknown) => {
        context.io.error(
          `warning: could not append to the audit log ${context.audit.path} (${(error as NodeJS.ErrnoException).code ?? 'error'}).`,
        );
      });
      const record = (await context.store.read()).leases.find((l) => l.leaseId === lease.leaseId);
      if (record === undefined) throw new NotFoundError(`the record of ${lease.leaseId} is gone`);
      return new Date(record.expiresAt);
    },
    final: (error) => error instanceof NotFoundError,
    describe: (error) => expectedError(error)?.message ?? 'unexpected error',
    warn: (line) => context.io.error(line),
  });
}

/** Revokes the run's lease; a failure is a warning, since Atlas deletes the user at its expiry anyway. */
async function revokeQuietly(context: Context, lease: IssuedLease): Promise<void> {
  try {
    await revokeSelection(context, { leaseIds: [lease.leaseId] });
  } catch (error) {
    const text = expectedError(error);
    if (text === undefined) throw error;
    context.io.error(`warning: ${text.message} Atlas deletes it by itself at ${formatExpiry(lease.expiresAt, context.now())}.`);
  }
}

async function spawnChild(context: Context, command: string[], env: Record<string, string>): Promise<number> {
  const [file, ...args] = command;
  let finished = false;
  let resolve!: (status: number) => void;
  const status = new Promise<number>((done) => {
    resolve = done;
  });
  const done = (code: number) => {
    finished = true;
    resolve(code);
  };
  const child = await context.spawn(file!, args, {
    env,
    onError: (error) => {
      context.io.error(`dynsecret: cannot run ${file}: ${error.code === 'ENOENT' ? 'command not found' : error.message}.`);
      done(error.code === 'ENOENT' ? 127 : 126);
    },
    onExit: (code, signal) => done(exitStatus(code, signal)),
  });
  // Ctrl-C on a terminal already reaches the child (same process group): relaying it would send two.
  const relay = (signal: NodeJS.Signals) => {
    if (signal === 'SIGINT' && context.io.stdinIsTty) return;
    child.kill(signal);
  };
  if (finished) return status;
  for (const signal of RELAYED_SIGNALS) context.signals.on(signal, relay);
  try {
    return await status;
  } finally {
    for (const signal of RELAYED_SIGNALS) context.signals.off(signal, relay);
  }
}
