import { formatExpiry } from '../output/time.js';
import { renewMargin } from '../rules/rotation.js';

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
  describe(error: unknown): string;
  warn(line: string): void;
  timers: Timers;
}

/**
 * Keeps a lease alive while a command runs: renews it ahead of expiry, up to its max TTL. A failed renewal
 * is warned about and retried with backoff (5s, 10s, … 60s, never past the expiry); nothing here ever
 * stops the command. When the lease cannot be renewed past its max TTL, that is said once, ahead of
 * time, with the time. `stop()` ends it and waits for a renewal in flight.
 */
export function keepAlive(options: KeepAliveOptions): { stop(): Promise<void> } {
  const controller = new AbortController();
  const { signal } = controller;
  const { timers } = options;
  const loop = async () => {
    let expiresAt = options.expiresAt.getTime();
    const maxExpiresAt = options.maxExpiresAt.getTime();
    let retryMs = FIRST_RETRY_MS;
    let failing = false;
    while (!signal.aborted) {
      if (expiresAt >= maxExpiresAt) {
        options.warn(
          `warning: ${options.leaseId} reaches its max TTL at ${formatExpiry(new Date(maxExpiresAt), new Date(timers.now()))}; it cannot be renewed past that, and the command loses its database user then if it still runs.`,
        );
        return;
      }
      const now = timers.now();
      if (now >= expiresAt) {
        options.warn(`warning: ${options.leaseId} expired before it could be renewed; Atlas deletes its user.`);
        return;
      }
      const due = failing ? Math.min(retryMs, Math.max(MIN_RETRY_MS, (expiresAt - now) / 2)) : expiresAt - renewMargin(options.ttlMs) - now;
      if (due > 0) await timers.sleep(due, signal);
      if (signal.aborted) return;
      try {
        expiresAt = (await options.renew()).getTime();
        if (failing) options.warn(`Renewal of ${options.leaseId} succeeded again.`);
        failing = false;
        retryMs = FIRST_RETRY_MS;
      } catch (error) {
        if (options.final(error)) {
          options.warn(`warning: stopped renewing ${options.leaseId}: ${options.describe(error)}`);
          return;
        }
        if (failing) retryMs = Math.min(MAX_RETRY_MS, retryMs * 2);
        failing = true;
        const now = timers.now();
        if (now < expiresAt) {
          const next = Math.min(retryMs, Math.max(MIN_RETRY_MS, (expiresAt - now) / 2));
          options.warn(
            `warning: could not renew ${options.leaseId} (${options.describe(error)}); retrying in ${Math.ceil(next / 1000)}s, before it expires ${formatExpiry(new Date(expiresAt), new Date(now))}.`,
          );
        }
      }
    }
  };
  const done = loop().catch((error: unknown) => options.warn(`warning: stopped renewing ${options.leaseId}: ${options.describe(error)}`));
  return {
    stop: async () => {
      controller.abort();
      await done;
    },
  };
}
