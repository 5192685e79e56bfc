import type { Context } from '../../cli/context.js';
import { UsageError } from '../../errors.js';
import { checkEnvFile, removeFromEnvFile, upsertEnvFile } from '../../output/env-file.js';
import { leaseVariables, type IssuedLease } from '../../output/lease-output.js';
import { classifyFailure, rotationLine } from '../../cli/rotation-text.js';
import { formatExpiry } from '../../output/time.js';
import { parseDuration } from '../../rules/duration.js';
import { DEFAULT_GRACE_MS } from '../../rules/rotation.js';
import { abandon, createLease, type LeaseRequest, type WaitForApplied } from '../../service/create.js';
import { keepFresh, type KeepFreshEvent } from '../../service/keep-fresh.js';
import { rotationLeases } from '../../service/rotation-leases.js';
import { DEFAULT_WAIT_MS } from '../../service/wait.js';
import { childEnvironment } from '../../cli/child.js';

/** The flags of `lease --keep-fresh` as parsed (lease.command.ts). */
export interface KeepFreshFlags {
  keepFresh?: boolean | undefined;
  onChange?: string | undefined;
  grace?: string | undefined;
}

/** Whether the lease is kept fresh; the flags that go only with --keep-fresh are refused without it (exit 2). */
export function wantsKeepFresh(flags: KeepFreshFlags & { envFile?: string | undefined; format?: string | undefined }): boolean {
  if (!flags.keepFresh) {
    if (flags.onChange !== undefined)
      throw new UsageError('--on-change goes with --keep-fresh: dynsecret lease NAME --env-file PATH --keep-fresh --on-change CMD');
    if (flags.grace !== undefined) throw new UsageError('--grace goes with --keep-fresh (or run --rotate).');
    return false;
  }
  if (flags.envFile === undefined) {
    throw new UsageError('--keep-fresh needs --env-file PATH: it keeps that file holding working credentials.', {
      hint: 'e.g. dynsecret lease app-db --env-file .env --keep-fresh',
    });
  }
  if (flags.format !== undefined && flags.format !== 'dotenv') {
    throw new UsageError('--keep-fresh writes the env file in dotenv form: leave out --format.');
  }
  return true;
}

const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/**
 * `lease --env-file PATH --keep-fresh`: leases into the file, then stays in the foreground keeping it valid
 * (the lease service's keep-fresh loop) until SIGINT or SIGTERM, which revoke every lease it made that is
 * still alive and remove the variables from the file. Nothing goes to stdout.
 */
export async function leaseKeepingFresh(
  context: Context,
  request: LeaseRequest & { envFile: string; onChange?: string | undefined; grace?: string | undefined },
  wait: WaitForApplied | undefined,
): Promise<string> {
  const { envFile, onChange, grace, ...leaseRequest } = request;
  const graceMs = grace === undefined ? DEFAULT_GRACE_MS : parseDuration(grace, '--grace');
  const prefix = leaseRequest.prefix ?? '';
  const vars = (lease: IssuedLease) => leaseVariables(lease, prefix);
  // Listening before the lease exists: a Ctrl-C at any point from here on revokes what was made.
  let stop!: () => void;
  const stopped = new Promise<void>((resolve) => {
    stop = resolve;
  });
  // A signal during --wait ends the wait at once; the lease, which nobody received, is revoked (exit 128 + n).
  const interrupted = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (!interrupted.signal.aborted) interrupted.abort(signal);
    stop();
  };
  for (const signal of STOP_SIGNALS) context.signals.on(signal, onSignal);
  try {
    const { lease: first, config } = await createLease(
      context,
      leaseRequest,
      wait,
      (candidate) => checkEnvFile(envFile, vars(candidate)),
      interrupted.signal,
    );
    try {
      await upsertEnvFile(envFile, vars(first));
    } catch (error) {
      await abandon(context, config, first.leaseId, true);
      throw error;
    }
    context.io.error(`Leased ${first.leaseId} from ${config.name}; expires ${formatExpiry(first.expiresAt, context.now())}.`);
    context.io.error(`Wrote the credentials to ${envFile}; keeping them fresh until Ctrl-C or SIGTERM.`);
    const ttlMs = leaseRequest.ttl === undefined ? config.defaultTtlMs : parseDuration(leaseRequest.ttl, '--ttl');
    await flushAudit(context);

    const onEvent = async (event: KeepFreshEvent<IssuedLease>) => {
      if (event.type === 'rotated') {
        context.audit.note({ config: config.name, leaseId: event.next.leaseId, replaces: event.previous.leaseId, reason: event.reason });
      }
      const line = keepFreshLine(event, envFile, context.now());
      if (line !== undefined) context.io.error(line);
      if (event.type !== 'rotation-failed' && event.type !== 'renew-failed') await flushAudit(context);
    };
    await keepFresh(
      {
        ...rotationLeases(context, config, { ...leaseRequest, waitMs: leaseRequest.waitMs ?? DEFAULT_WAIT_MS }),
        classify: classifyFailure,
        onEvent,
      },
      {
        write: async (lease) => {
          await upsertEnvFile(envFile, vars(lease));
        },
        afterRewrite: onChange === undefined ? undefined : (lease) => runOnChange(context, onChange, vars(lease)),
        remove: async () =>
          (
            await removeFromEnvFile(
              envFile,
              vars(first).map(([name]) => name),
            )
          ).changed,
      },
      first,
      { ttlMs, renewing: true, graceMs, handoverMs: 0, firstPrepMs: Math.max(0, context.now().getTime() - first.createdAt.getTime()) },
      stopped,
    );
  } finally {
    for (const signal of STOP_SIGNALS) context.signals.off(signal, onSignal);
  }
  return '';
}

function keepFreshLine(event: KeepFreshEvent<IssuedLease>, envFile: string, now: Date): string | undefined {
  switch (event.type) {
    case 'rewritten':
      return undefined;
    case 'rewrite-failed':
      return `warning: renewed ${event.lease.leaseId}, but could not rewrite ${envFile} with its new expiry: ${event.message}`;
    case 'on-change-failed':
      return `warning: --on-change failed: ${event.message}`;
    case 'cleaned':
      return event.removed ? `Removed the credentials from ${envFile}.` : undefined;
    case 'clean-failed':
      return `warning: could not remove the credentials from ${envFile}: ${event.message}`;
    default:
      return rotationLine(event, now);
  }
}

/** `sh -c CMD` with its output on stderr (stdout carries data only) and the new variables in its environment. */
async function runOnChange(context: Context, command: string, vars: readonly (readonly [string, string])[]): Promise<void> {
  const status = await new Promise<string | undefined>((resolve) => {
    void context
      .spawn('sh', ['-c', `exec 1>&2\n${command}`], {
        env: childEnvironment(context.env, vars),
        onError: (error) => resolve(`it could not start (${error.code ?? error.message})`),
        onExit: (code, signal) =>
          resolve(code === 0 ? undefined : signal === null ? `it exited with ${code}` : `it was killed by ${signal}`),
      })
      .catch((error: unknown) => resolve(`it could not start (${String(error)})`));
  });
  if (status !== undefined) throw new Error(`${status}.`);
}

async function flushAudit(context: Context): Promise<void> {
  await context.audit.flush('lease').catch((error: unknown) => {
    context.io.error(
      `warning: could not append to the audit log ${context.audit.path} (${(error as NodeJS.ErrnoException).code ?? 'error'}).`,
    );
  });
}
