import { renewMargin } from '../rules/rotation.js';
import type { Notify } from './events.js';

export { renewMargin };

/** The clock and sleeps of the keep-alive, so a test can drive them; `sleep` ends early when `signal` aborts. */
export interface Timers {
  now(): number;
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

const FIRST_RETRY_MS = 5_000;
const MAX_RETRY_MS = 60_000;
const MIN_RETRY_MS = 500;

/** What a renewal reports: the new expiry; or, thrown, an error that `final` says ends renewing for good. */
interface KeepAliveOptions {
  leaseId: string;
  expiresAt: Date;
  maxExpiresAt: Date;
  ttlMs: number;
  renew(): Promise<Date>;
  /** A failure no retry can fix (the user is gone, the lease is at its max TTL). */
  final(error: unknown): boolean;
  /** A failure's sentence, for the events that name it. */
  describe(error: unknown): string;
  notify: Notify;
  timers: Timers;
}

/**
 * Keeps a lease alive while a command runs: renews it ahead of expiry, up to its max TTL. A failed renewal
 * is told (an event) and retried with backoff (5s, 10s, … 60s, never past the expiry); nothing here ever
 * stops the command. When the lease cannot be renewed past its max TTL, that is said once, ahead of
 * time, with the time. `stop()` ends it and waits for a renewal in flight.
 */
export function keepAlive(options: KeepAliveOptions): { stop(): Promise<void> } {
  const controller = new AbortController();
  const { signal } = controller;
  const { timers, leaseId } = options;
  const loop = async () => {
    let expiresAt = options.expiresAt.getTime();
    const maxExpiresAt = options.maxExpiresAt.getTime();
    let retryMs = FIRST_RETRY_MS;
    let failing = false;
    while (!signal.aborted) {
      if (expiresAt >= maxExpiresAt) {
        options.notify({ type: 'keep-alive-at-max', leaseId, maxExpiresAt: new Date(maxExpiresAt), now: new Date(timers.now()) });
        return;
      }
      const now = timers.now();
      if (now >= expiresAt) {
        options.notify({ type: 'keep-alive-expired', leaseId });
        return;
      }
      const due = failing ? Math.min(retryMs, Math.max(MIN_RETRY_MS, (expiresAt - now) / 2)) : expiresAt - renewMargin(options.ttlMs) - now;
      if (due > 0) await timers.sleep(due, signal);
      if (signal.aborted) return;
      try {
        expiresAt = (await options.renew()).getTime();
        if (failing) options.notify({ type: 'keep-alive-recovered', leaseId });
        failing = false;
        retryMs = FIRST_RETRY_MS;
      } catch (error) {
        if (options.final(error)) {
          options.notify({ type: 'keep-alive-stopped', leaseId, reason: options.describe(error) });
          return;
        }
        if (failing) retryMs = Math.min(MAX_RETRY_MS, retryMs * 2);
        failing = true;
        const now = timers.now();
        if (now < expiresAt) {
          const next = Math.min(retryMs, Math.max(MIN_RETRY_MS, (expiresAt - now) / 2));
          const reason = options.describe(error);
          options.notify({
            type: 'keep-alive-retry',
            leaseId,
            reason,
            retryInMs: next,
            expiresAt: new Date(expiresAt),
            now: new Date(now),
          });
        }
      }
    }
  };
  const done = loop().catch((error: unknown) => options.notify({ type: 'keep-alive-stopped', leaseId, reason: options.describe(error) }));
  return {
    stop: async () => {
      controller.abort();
      await done;
    },
  };
}
