import { readSync, statSync, type BigIntStats } from 'node:fs';
import { StoreError } from '../errors.js';
import { withLock, type HeldLock, type LockErrors, type LockOptions } from '../fs/lock.js';

/**
 * The store's file on disk, as its writers share it (the store, and `passwd`'s re-key): its name, its
 * cross-process lock, and how one version of it is told from the next (the fencing of every write).
 */

export const STORE_FILE = 'store.json';

export const DEFAULT_LOCK: LockOptions = { timeoutMs: 30_000, staleMs: 5_000 };

const storeLockErrors: LockErrors = {
  timedOut: (target, timeoutMs) =>
    new StoreError(`Timed out after ${Math.round(timeoutMs / 1000)}s waiting for the store lock.`, {
      hint: `Another dynsecret process holds ${target}.lock; if none is running, remove that folder.`,
    }),
  failed: (_target, cause) => new StoreError(`Could not lock the store: ${(cause as Error).message}.`, { cause }),
};

/** Runs `work` under the store's lock (a store error, exit 3, when it cannot be had in time). */
export const lockStore = <T>(path: string, options: LockOptions, work: (lock: HeldLock) => Promise<T>): Promise<T> =>
  withLock(path, options, storeLockErrors, work);

/**
 * A version of the store file: every write replaces it with a new file (a temp file renamed over it), so
 * its inode, size and times tell one version from the next.
 */
export const versionOf = (stats: BigIntStats): string => `${stats.dev}:${stats.ino}:${stats.size}:${stats.mtimeNs}:${stats.ctimeNs}`;

/**
 * Whether the open file holds exactly `known`, compared a chunk at a time: when it does (an update that follows
 * this process's own read or write), megabytes are neither copied into a new buffer nor kept until collected.
 * Reads at explicit positions, so the file is read from its start afterwards if it differs.
 */
export function sameBytes(fd: number, known: Buffer): boolean {
  const chunk = Buffer.allocUnsafe(Math.max(1, Math.min(known.length, 64 * 1024)));
  for (let at = 0; at < known.length; ) {
    const read = readSync(fd, chunk, 0, Math.min(chunk.length, known.length - at), at);
    if (read === 0 || !chunk.subarray(0, read).equals(known.subarray(at, at + read))) return false;
    at += read;
  }
  return readSync(fd, chunk, 0, 1, known.length) === 0; // nothing after it either
}

/** The version of the file at `path` (see `versionOf`), or undefined when there is none. */
export function fileVersion(path: string): string | undefined {
  const stats = statSync(path, { bigint: true, throwIfNoEntry: false });
  return stats === undefined ? undefined : versionOf(stats);
}
