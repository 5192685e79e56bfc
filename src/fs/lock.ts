import { setTimeout as sleep } from 'node:timers/promises';
import { createLockFs } from './lock-fs.js';

/**
 * A cross-process lock on one file, used by the store and env files alike (proper-lockfile: an atomic mkdir
 * of `FILE.lock`, 0700 whatever the umask, whose mtime is refreshed while held, so a lock left by a killed
 * process goes stale and is taken over). The wait is bounded; what a caller reports when it gives up is its own.
 */
export interface LockOptions {
  timeoutMs: number;
  staleMs: number;
  /** Reports how long the caller waited, for the reliability figures. */
  onAcquired?: (waitedMs: number) => void;
}

/** The errors a lock's user throws: each says what was locked, in that user's words and with its exit code. */
export interface LockErrors {
  /** Another process held the lock for all of `timeoutMs`. */
  timedOut(target: string, timeoutMs: number): Error;
  /** The lock could not be taken for another reason (`cause`: the file system's error). */
  failed(target: string, cause: unknown): Error;
}

/** What `work` is handed while it runs under the lock. */
export interface HeldLock {
  /**
   * Whether the lock is still this process's: not reported lost by the lock's refresh, and the lock folder the
   * one this process made (a writer stopped past the stale time finds it taken over by another). A writer checks
   * it right before it replaces the file.
   */
  held(): boolean;
}

export async function withLock<T>(
  target: string,
  options: LockOptions,
  errors: LockErrors,
  work: (lock: HeldLock) => Promise<T>,
): Promise<T> {
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
      if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') throw errors.failed(target, error);
      if (Date.now() - started > options.timeoutMs) throw errors.timedOut(target, options.timeoutMs);
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
