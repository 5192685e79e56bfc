import { childEnvironment, exitStatus, relaySignals, startFailure, type SignalRelay } from '../../cli/child.js';
import type { Context } from '../../cli/context.js';
import type { DynamicSecretConfig } from '../../config/schema.js';
import { expectedError } from '../../cli/error-text.js';
import { NotFoundError } from '../../errors.js';
import { parseDuration } from '../../rules/duration.js';
import { keepAlive } from '../../service/keep-alive.js';
import type { IssuedLease } from '../../output/lease-output.js';
import { SecretMasker } from '../../output/mask.js';
import { formatExpiry } from '../../output/time.js';
import { createLease } from '../../service/create.js';
import { watchInterrupts } from '../../service/interrupts.js';
import { renewLease } from '../../service/renew.js';
import { revokeSelection } from '../../service/revoke.js';
import { DEFAULT_WAIT_MS, waitForApplied } from '../../service/wait.js';
import { renewalLines } from '../../output/lease-messages.js';
import type { CommandFlags } from '../define.js';
import { prepareRotation, runRotating } from './rotation.js';

/** `dynsecret run`'s options, as its definition (run.command.ts) declares them. */
type RunFlags = CommandFlags['run'];

/**
 * What `dynsecret run` is given (run.command.ts): its options, with --wait as whether to wait and its timeout,
 * and without --from-file (whose config is the context's); the config's name and the command after `--`.
 */
export type RunOptions = Omit<RunFlags, 'wait' | 'fromFile' | 'renew' | 'mask'> & {
  name: string;
  command: string[];
  /** false: --no-wait. */
  wait?: boolean;
  /** The wait's timeout (--wait=TIMEOUT); default 5 minutes. */
  waitMs?: number;
  /** false: --no-renew. */
  renew?: boolean;
  /** The cluster whose connection string goes into MONGODB_URI. */
  cluster?: string;
  /** false: --no-mask (the command's output is not relayed, so secrets in it are not masked). */
  mask?: boolean;
  /** The `--from-file` path (for commands a message names). */
  fromFile?: string;
};

/**
 * `dynsecret run NAME -- CMD…`: lease, wait until applied, run the command with the credentials in its
 * environment, relay signals, revoke when it exits (unless --keep), and hand back the child's status.
 */
export async function run(context: Context, options: RunOptions): Promise<{ exitCode: number }> {
  const rotation = await prepareRotation(options);
  // Until the command starts, a signal ends the run, and the lease, which nobody received, is revoked.
  const interrupts = watchInterrupts(context);
  let leased: Awaited<ReturnType<typeof createLease>>;
  try {
    leased = await createLease(
      context,
      {
        name: options.name,
        ...(options.ttl === undefined ? {} : { ttl: options.ttl }),
        ...(options.prefix === undefined ? {} : { prefix: options.prefix }),
        ...(options.cluster === undefined ? {} : { cluster: options.cluster }),
        ...(options.wait === false ? {} : { waitMs: options.waitMs ?? DEFAULT_WAIT_MS }),
        ...(options.fromFile === undefined ? {} : { fromFile: options.fromFile }),
        ...(options.allowIp === undefined ? {} : { allowIp: options.allowIp }),
      },
      waitForApplied,
      undefined,
      interrupts.signal,
    );
  } finally {
    interrupts.release();
  }
  // From here on a signal is the command's: queued until it has started, then passed on (src/cli/child.ts).
  // Listening before the interrupts above stop would make both take a signal; nothing awaits in between.
  const relay = relaySignals(context.signals, context.io.stdinIsTty);
  try {
    return await runLeased(context, options, leased, rotation, relay);
  } finally {
    relay.release();
  }
}

async function runLeased(
  context: Context,
  options: RunOptions,
  { lease, config, variables: vars }: Awaited<ReturnType<typeof createLease>>,
  rotation: Awaited<ReturnType<typeof prepareRotation>>,
  relay: SignalRelay,
): Promise<{ exitCode: number }> {
  if (context.env.GITHUB_ACTIONS === 'true') {
    // Registered before anything else is printed, so the runner masks these values in every later log line.
    for (const [name, value] of vars) if (/DB_PASSWORD$|MONGODB_URI$/.test(name)) context.io.error(`::add-mask::${value}`);
  }
  context.io.error(`Leased ${lease.leaseId} from ${lease.config}; expires ${formatExpiry(lease.expiresAt, context.now())}.`);
  // Holds the secrets of every lease of this run: each new one is added when it is handed over.
  const masker = options.mask === false ? undefined : new SecretMasker([lease.password]);
  if (rotation !== undefined) {
    const rotating = { prefix: options.prefix ?? '', ttl: options.ttl, cluster: options.cluster, waitMs: options.waitMs };
    return runRotating(
      context,
      { ...rotating, command: options.command, renew: options.renew !== false, keep: options.keep === true, settings: rotation },
      { lease, config, childEnvironment: (next) => childEnvironment(context.env, next), exitStatus, masker, relay },
    );
  }

  const renewal = options.renew === false ? undefined : keepLeaseAlive(context, options, config, lease);
  const status = await spawnChild(context, options.command, childEnvironment(context.env, vars), relay, masker);
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
    notify: context.notify,
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

async function spawnChild(
  context: Context,
  command: string[],
  env: Record<string, string>,
  relay: SignalRelay,
  mask?: SecretMasker,
): Promise<number> {
  const [file, ...args] = command;
  let resolve!: (status: number) => void;
  const status = new Promise<number>((done) => {
    resolve = done;
  });
  const child = await context.spawn(file!, args, {
    env,
    mask,
    onError: (error) => {
      const failure = startFailure(file!, error);
      context.io.error(failure.line);
      resolve(failure.status);
    },
    onExit: (code, signal) => resolve(exitStatus(code, signal)),
  });
  relay.attach(child);
  return await status;
}
