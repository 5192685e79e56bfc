import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readdirSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

const TEMP_SUFFIX = '.tmp';

/**
 * Replaces `path` with `text` so that a reader, or a process killed at any moment, sees either the old
 * file or the new one: a temp file created with `mode` beside it, written, fsynced, renamed over it, and
 * the folder fsynced so that the rename itself survives a power cut.
 */
export function writeFileAtomic(path: string, text: string, mode: number): void {
  const temp = join(dirname(path), `${basename(path)}.${process.pid}-${randomBytes(6).toString('hex')}${TEMP_SUFFIX}`);
  const fd = openSync(temp, 'wx', mode);
  try {
    try {
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
  const prefix = `${basename(path)}.`;
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
