import { setTimeout as sleep } from 'node:timers/promises';
import { StoreError } from '../errors.js';
import { privateLockFs } from './lock-fs.js';

/**
 * A cross-process lock beside the store (proper-lockfile: an atomic mkdir whose mtime is refreshed while
 * held, so a lock left by a killed process goes stale and is taken over). The wait is bounded.
 */
export interface LockOptions {
  timeoutMs: number;
  staleMs: number;
  /** Reports how long the caller waited, for the reliability figures. */
  onAcquired?: (waitedMs: number) => void;
}

export const DEFAULT_LOCK: LockOptions = { timeoutMs: 30_000, staleMs: 5_000 };

export async function withLock<T>(target: string, options: LockOptions, work: () => Promise<T>): Promise<T> {
  const { default: lockfile } = await import('proper-lockfile');
  const started = Date.now();
  let compromised: Error | undefined;
  let release: () => Promise<void>;
  for (;;) {
    try {
      release = await lockfile.lock(target, {
        realpath: false,
        fs: privateLockFs,
        stale: options.staleMs,
        update: Math.floor(options.staleMs / 3),
        retries: 0,
        onCompromised: (error) => {
          compromised = error;
        },
      });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') {
        throw new StoreError(`Could not lock the store: ${(error as Error).message}.`, { cause: error });
      }
      if (Date.now() - started > options.timeoutMs) {
        throw new StoreError(`Timed out after ${Math.round(options.timeoutMs / 1000)}s waiting for the store lock.`, {
          hint: `Another dynsecret process holds ${target}.lock; if none is running, remove that folder.`,
        });
      }
      await sleep(15 + Math.random() * 35);
    }
  }
  options.onAcquired?.(Date.now() - started);
  try {
    const result = await work();
    if (compromised) throw new StoreError(`The store lock was lost while writing (${compromised.message}).`);
    return result;
  } finally {
    await release().catch(() => undefined);
  }
}
