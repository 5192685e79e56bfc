import { randomBytes } from 'node:crypto';
import { closeSync, fchmodSync, fsyncSync, openSync, readdirSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

const TEMP_SUFFIX = '.tmp';
/** A long file name plus the temp suffix must still fit the usual 255-byte limit. */
const TEMP_NAME_PREFIX_MAX = 100;

const tempPrefix = (path: string) => `${basename(path).slice(0, TEMP_NAME_PREFIX_MAX)}.`;

/**
 * Replaces `path` with `text` so that a reader, or a process killed at any moment, sees either the old
 * file or the new one: a temp file created with exactly `mode` (whatever the umask) beside it, written,
 * fsynced, renamed over it, and the folder fsynced so that the rename itself survives a power cut.
 * The store and env files are both written through it; `path` is the final file, never a symlink to it
 * (the rename would replace the link).
 */
export function writeFileSafely(path: string, text: string | Uint8Array, mode: number): void {
  const temp = join(dirname(path), `${tempPrefix(path)}${process.pid}-${randomBytes(6).toString('hex')}${TEMP_SUFFIX}`);
  const fd = openSync(temp, 'wx', mode);
  try {
    try {
      fchmodSync(fd, mode); // the umask may have taken bits off; make the mode exact
      writeFileSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
  } catch (error) {
    try {
      unlinkSync(temp);
    } catch {
      // never created, or already gone
    }
    throw error;
  }
  syncFolder(dirname(path));
}

/** Some platforms and file systems refuse to open a folder: the rename is then as durable as they make it. */
function syncFolder(folder: string): void {
  let fd: number;
  try {
    fd = openSync(folder, 'r');
  } catch {
    return;
  }
  try {
    fsyncSync(fd);
  } catch {
    // best effort
  } finally {
    closeSync(fd);
  }
}

/** Removes temp files that killed writers left beside `path`. Call it holding the lock: no live writer owns one. */
export function removeStaleTempFiles(path: string): void {
  const folder = dirname(path);
  const prefix = tempPrefix(path);
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith(TEMP_SUFFIX)) continue;
    try {
      unlinkSync(join(folder, name));
    } catch {
      // removed meanwhile
    }
  }
}
