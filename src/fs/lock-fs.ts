import * as fs from 'node:fs';

/**
 * The file system proper-lockfile works through, for one lock:
 * - its folder is created 0700 whatever the umask (under `umask 000` a plain mkdir makes it 0777, and anyone
 *   could then remove or replace another user's lock): mkdir's mode 0700 is that, a umask only takes bits
 *   away. No chmod follows: between the two, the folder could be replaced by a symlink, which chmod follows;
 * - once this process has made the folder, it removes only that folder: a writer stopped past the stale time
 *   whose lock was taken over must not, when it resumes and releases (or exits), remove the new holder's lock.
 *   Before that, removing a stale folder is how a lock left by a dead process is taken over.
 */
interface LockFs {
  fs: typeof fs;
  /** Whether the lock folder at `path` is still the one this lock made. */
  owns(path: string): boolean;
}

export function createLockFs(): LockFs {
  let made: string | undefined;
  const owns = (path: string) => made !== undefined && identity(path) === made;
  const mayRemove = (path: fs.PathLike) => made === undefined || owns(String(path));
  const lockFs: typeof fs = {
    ...fs,
    mkdir: ((path: fs.PathLike, ...rest: unknown[]) => {
      const callback = rest[rest.length - 1] as fs.NoParamCallback;
      fs.mkdir(path, { mode: 0o700 }, (error) => {
        if (error) {
          callback(error);
          return;
        }
        made = identity(String(path));
        callback(null);
      });
    }) as typeof fs.mkdir,
    rmdir: ((path: fs.PathLike, ...rest: unknown[]) => {
      const callback = rest[rest.length - 1] as fs.NoParamCallback;
      if (!mayRemove(path)) {
        process.nextTick(callback, null);
        return;
      }
      fs.rmdir(path, callback);
    }) as typeof fs.rmdir,
    rmdirSync: ((path: fs.PathLike) => {
      if (mayRemove(path)) fs.rmdirSync(path);
    }) as typeof fs.rmdirSync,
  };
  return { fs: lockFs, owns };
}

/** A folder's identity: its inode and creation time, so a folder removed and made again is another one. */
function identity(path: string): string | undefined {
  const stats = fs.statSync(path, { bigint: true, throwIfNoEntry: false });
  return stats === undefined ? undefined : `${stats.dev}:${stats.ino}:${stats.birthtimeNs}`;
}
