import { setTimeout as sleep } from 'node:timers/promises';
import { StoreError } from '../errors.js';
import { createLockFs } from './lock-fs.js';

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

/** What `work` is handed while it runs under the lock. */
export interface HeldLock {
  /**
   * Whether the lock is still this process's: not reported lost by the lock's refresh, and the lock folder the
   * one this process made (a writer stopped past the stale time finds it taken over by another). A writer checks
   * it right before it replaces the file.
   */
  held(): boolean;
}

export async function withLock<T>(target: string, options: LockOptions, work: (lock: HeldLock) => Promise<T>): Promise<T> {
  const { default: lockfile } = await import('proper-lockfile');
  const started = Date.now();
  let compromised = false;
  let release: () => Promise<void>;
  const lockFolder = `${target}.lock`;
  const lockFs = createLockFs();
  for (;;) {
    try {
      release = await lockfile.lock(target, {
        realpath: false,
        fs: lockFs.fs,
        stale: options.staleMs,
        update: Math.floor(options.staleMs / 3),
        retries: 0,
        onCompromised: () => {
          compromised = true;
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
  const lock: HeldLock = { held: () => !compromised && lockFs.owns(lockFolder) };
  try {
    return await work(lock);
  } finally {
    // A lock taken over by another writer stays theirs: the lock's file system removes only this one's folder.
    await release().catch(() => undefined);
  }
}
