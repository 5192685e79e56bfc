import * as fs from 'node:fs';

/**
 * The file system proper-lockfile works through, except that its lock folder is created 0700 whatever the
 * umask: under `umask 000` a plain mkdir makes it 0777, and anyone could then remove or replace another
 * user's lock. The mode is set exactly after the mkdir, since the umask can only take bits off.
 */
export const privateLockFs: typeof fs = {
  ...fs,
  mkdir: ((path: fs.PathLike, ...rest: unknown[]) => {
    const callback = rest[rest.length - 1] as fs.NoParamCallback;
    fs.mkdir(path, { mode: 0o700 }, (error) => {
      if (error) {
        callback(error);
        return;
      }
      fs.chmod(path, 0o700, callback);
    });
  }) as typeof fs.mkdir,
};
