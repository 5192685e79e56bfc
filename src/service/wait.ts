import type { ServiceContext } from './context.js';
import type { DynamicSecretConfig } from '../config/schema.js';
import { TransientError } from '../errors.js';
import { parseDuration, formatDurationShort } from '../rules/duration.js';
import type { IssuedLease } from '../output/lease-output.js';
import { interruptedBy } from './interrupts.js';

export const DEFAULT_WAIT_MS = 5 * 60 * 1000;
/**
 * One status poll a second, counted from the start of one poll to the start of the next: the credentials arrive
 * within about a second (plus one request) of Atlas applying the user, and Atlas never sees more than one poll
 * a second per cluster, however slow or quick its answers.
 */
export const POLL_INTERVAL_MS = 1000;

/** `--wait` alone means the default timeout; `--wait 2m` sets it; absent means no wait. */
export function waitOption(value: string | boolean | undefined): { waitMs?: number } {
  if (value === undefined || value === false) return {};
  if (value === true) return { waitMs: DEFAULT_WAIT_MS };
  return { waitMs: parseDuration(value, '--wait') };
}

/**
 * How long to sleep before the next poll: until POLL_INTERVAL_MS after the last poll started (none when its
 * answer took that long already), and never past the timeout. Times are ms on the context's clock.
 */
export function nextPollDelay(times: { waitStarted: number; pollStarted: number; now: number; timeoutMs: number }): number {
  const untilNext = times.pollStarted + POLL_INTERVAL_MS - times.now;
  const untilTimeout = times.waitStarted + times.timeoutMs - times.now;
  return Math.max(0, Math.min(untilNext, untilTimeout));
}

/**
 * Polls the change status of the lease's clusters (its CLUSTER scopes, else every cluster of the project)
 * until all are APPLIED: Atlas applies a new user asynchronously and it cannot log in before. Throws a
 * TransientError on timeout, and `interruptedBy`'s error as soon as `cancel` aborts; the caller revokes the
 * lease either way, since nobody received its credentials.
 */
export async function waitForApplied(
  context: ServiceContext,
  config: DynamicSecretConfig,
  lease: IssuedLease,
  timeoutMs: number,
  cancel?: AbortSignal,
): Promise<void> {
  const stopIfCancelled = () => {
    if (cancel?.aborted) throw interruptedBy(cancel, `while waiting for Atlas to apply ${lease.leaseId}`);
  };
  const atlas = await context.atlas(config);
  const scoped = config.scopes.filter((s) => s.type === 'CLUSTER').map((s) => s.name);
  const clusters = scoped.length > 0 ? scoped : (await atlas.listClusters()).map((c) => c.name);
  const started = context.now().getTime();
  let pending = new Set(clusters);
  let poll = 0;
  context.notify({ type: 'wait-started', leaseId: lease.leaseId, clusters, timeoutMs });
  try {
    for (;;) {
      stopIfCancelled();
      const pollStarted = context.now().getTime();
      const statuses = await Promise.all([...pending].map(async (name) => [name, await atlas.getClusterStatus(name)] as const));
      pending = new Set(statuses.filter(([, status]) => status !== 'APPLIED').map(([name]) => name));
      if (pending.size === 0) break;
      stopIfCancelled();
      const now = context.now().getTime();
      if (now - started >= timeoutMs) {
        throw new TransientError(
          `Timed out after ${formatDurationShort(timeoutMs)} waiting for Atlas to apply ${lease.leaseId} to ${[...pending].join(', ')}.`,
          { hint: 'Atlas may be busy: try again, with a longer --wait if it keeps timing out.' },
        );
      }
      context.notify({ type: 'wait-pending', leaseId: lease.leaseId, pending: [...pending], elapsedMs: now - started, poll: poll++ });
      await context.sleep(nextPollDelay({ waitStarted: started, pollStarted, now, timeoutMs }), cancel);
    }
  } finally {
    context.notify({ type: 'wait-ended' });
  }
  context.notify({ type: 'applied', clusters, elapsedMs: context.now().getTime() - started });
}
