import { randomBytes } from 'node:crypto';
import { constants, type Stats } from 'node:fs';
import { access, lstat, open, readFile, readlink, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, parse, resolve, sep } from 'node:path';
import lockfile from 'proper-lockfile';
import { DynsecretError, TransientError, UsageError } from '../errors.js';
import { createLockFs } from '../store/lock-fs.js';
import { applyEnvUpdates, removeEnvKeys, type EnvFileFormat } from './env-text.js';
import type { Variable } from './formats.js';

export interface EnvFileOptions {
  /** How long to wait for another writer of the same file (default 10 s). */
  lockWaitMs?: number;
}

const LOCK_RETRY_MS = 100;
const LOCK_STALE_MS = 10_000;
const MAX_LINK_HOPS = 40;

/**
 * Inserts or replaces `vars` in an env file (created 0600 if missing). The file behind any symlink is
 * written atomically and ends up 0600, since it now holds a password.
 */
export async function upsertEnvFile(
  path: string,
  vars: ReadonlyArray<Variable>,
  format: EnvFileFormat = 'dotenv',
  options: EnvFileOptions = {},
): Promise<{ target: string }> {
  applyEnvUpdates('', vars, format); // refuses bad names and values before the disk is touched
  const target = await resolveTarget(path);
  await withLock(target, options, async () => {
    const text = (await readText(target)) ?? '';
    await writeAtomically(target, applyEnvUpdates(text, vars, format));
  });
  return { target };
}

/**
 * Rewrites an env file with `apply` (its text, '' when missing, to the new text) under the same lock,
 * symlink handling and atomic 0600 write as `upsertEnvFile`. `apply('')` runs first, so a refusal happens
 * before the disk is touched.
 */
export async function rewriteEnvFile(path: string, apply: (text: string) => string, options: EnvFileOptions = {}): Promise<{ target: string }> {
  apply('');
  const target = await resolveTarget(path);
  await withLock(target, options, async () => {
    await writeAtomically(target, apply((await readText(target)) ?? ''));
  });
  return { target };
}

/**
 * Everything `upsertEnvFile` would refuse, checked without writing: the names and values, the folder (it
 * exists and can take the temp file and the lock), the file (a regular UTF-8 text file, if it exists).
 * `lease` calls it before Atlas creates the user, so a bad path never leaves credentials nobody received.
 */
export async function checkEnvFile(path: string, vars: ReadonlyArray<Variable>, format: EnvFileFormat = 'dotenv'): Promise<void> {
  await checkEnvFileRewrite(path, (text) => applyEnvUpdates(text, vars, format));
}

/** `checkEnvFile` for a rewrite of any format (`rewriteEnvFile`'s `apply`). */
export async function checkEnvFileRewrite(path: string, apply: (text: string) => string): Promise<void> {
  apply('');
  const target = await resolveTarget(path);
  const text = await readText(target);
  if (text !== undefined) apply(text);
  await access(dirname(target), constants.W_OK).catch((error: unknown) => {
    throw fileError(path, `cannot be written: its folder ${dirname(target)} is not writable`, error);
  });
}

/** Removes the keys `names` from an env file; a missing file or absent keys change nothing. */
export async function removeFromEnvFile(
  path: string,
  names: ReadonlyArray<string>,
  format: EnvFileFormat = 'dotenv',
  options: EnvFileOptions = {},
): Promise<{ target: string; changed: boolean }> {
  removeEnvKeys('', names, format);
  const target = await resolveTarget(path);
  if ((await readText(target)) === undefined) return { target, changed: false };
  const changed = await withLock(target, options, async () => {
    const text = await readText(target);
    if (text === undefined) return false;
    const updated = removeEnvKeys(text, names, format);
    if (updated === text) return false;
    await writeAtomically(target, updated);
    return true;
  });
  return { target, changed };
}

/**
 * The file a path finally names, following symlinks (also to a target that does not exist yet), one path
 * component at a time so that every symlink on the way, and the file itself, can be checked (`checkOwner`).
 */
async function resolveTarget(path: string): Promise<string> {
  let pending = resolve(path).split(sep).filter((part) => part !== '');
  let current = parse(resolve(path)).root;
  let hops = 0;
  while (pending.length > 0) {
    const name = pending.shift()!;
    if (name === '.') continue;
    if (name === '..') {
      current = dirname(current);
      continue;
    }
    const next = join(current, name);
    const info = await lstat(next).catch((error: unknown) => {
      const code = errorCode(error);
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      throw fileError(path, 'cannot be resolved', error);
    });
    if (info === undefined) {
      if (pending.length > 0) throw fileError(path, `cannot be created: its folder ${dirname(join(next, ...pending))} does not exist`, undefined);
      return next;
    }
    if (info.isSymbolicLink()) {
      if (++hops > MAX_LINK_HOPS) throw new UsageError(`Env file ${path} is a symlink loop`);
      await checkOwner(path, next, info, current);
      const link = await readlink(next).catch((error: unknown) => {
        throw fileError(path, 'cannot be resolved', error);
      });
      if (isAbsolute(link)) current = parse(link).root;
      pending = [...link.split(sep).filter((part) => part !== ''), ...pending];
      continue;
    }
    if (pending.length > 0 && !info.isDirectory()) {
      throw fileError(path, `cannot be created: its folder ${dirname(join(next, ...pending))} does not exist`, undefined);
    }
    if (pending.length === 0) await checkOwner(path, next, info, current);
    current = next;
  }
  return current;
}

/**
 * Refuses a symlink to follow, or an existing env file to write, that another user owns. The kernel's
 * `protected_symlinks` (and `protected_regular`) refuse that only in a sticky world-writable folder such as
 * /tmp, unless the owner is the folder's; this is stricter: it is refused in any folder, and root's is accepted
 * only outside a sticky world-writable folder, or in one that root owns.
 */
async function checkOwner(path: string, entry: string, info: Stats, folder: string): Promise<void> {
  const uid = process.getuid?.();
  if (uid === undefined || info.uid === uid) return;
  if (info.uid === 0) {
    const parent = await stat(folder).catch((error: unknown) => {
      throw fileError(path, 'cannot be resolved', error);
    });
    const stickyShared = (parent.mode & 0o1002) === 0o1002;
    if (!stickyShared || parent.uid === 0) return;
  }
  const what = info.isSymbolicLink() ? `the symlink ${entry}` : entry;
  throw new UsageError(
    `Env file ${path} is refused: ${what} is owned by another user (uid ${info.uid}); dynsecret only follows and writes your own files`,
    { hint: 'Use a path of your own, or remove the file or link if you did not make it.' },
  );
}

/** The file's text, or undefined when it does not exist. Refuses anything that is not UTF-8 text. */
async function readText(target: string): Promise<string | undefined> {
  const info = await stat(target).catch((error: unknown) => {
    if (errorCode(error) === 'ENOENT') return undefined;
    throw fileError(target, 'cannot be read', error);
  });
  if (info === undefined) return undefined;
  if (!info.isFile()) throw new UsageError(`Env file ${target} is not a regular file`);
  const bytes = await readFile(target).catch((error: unknown) => {
    throw fileError(target, 'cannot be read', error);
  });
  if (bytes.includes(0)) throw new UsageError(`Env file ${target} contains NUL bytes; it is not a text file`);
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch (error) {
    throw new UsageError(`Env file ${target} is not valid UTF-8 text`, { cause: error });
  }
}

/** Temp file 0600 in the target's folder, fsync, rename over the target, fsync the folder. */
async function writeAtomically(target: string, text: string): Promise<void> {
  const folder = dirname(target);
  const temp = join(folder, `.${basename(target).slice(0, 100)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const handle = await open(temp, 'wx', 0o600);
    try {
      await handle.chmod(0o600); // the umask may have taken bits off; make it exact
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, target);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw fileError(target, 'cannot be written', error);
  }
  await syncFolder(folder);
}

/** Makes the rename durable; some platforms and file systems refuse to open a folder, which is fine. */
async function syncFolder(folder: string): Promise<void> {
  try {
    const handle = await open(folder, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // best effort
  }
}

async function withLock<T>(target: string, options: EnvFileOptions, work: () => Promise<T>): Promise<T> {
  const waitMs = options.lockWaitMs ?? 10_000;
  let compromised: Error | undefined;
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(target, {
      realpath: false,
      fs: createLockFs().fs, // 0700 whatever the umask; never removes a lock taken over by another writer
      stale: LOCK_STALE_MS,
      // A fixed step: the wait is bounded by waitMs, not by an exponential series.
      retries: {
        retries: Math.ceil(waitMs / LOCK_RETRY_MS),
        factor: 1,
        minTimeout: LOCK_RETRY_MS,
        maxTimeout: LOCK_RETRY_MS,
      },
      onCompromised: (error) => {
        compromised = error;
      },
    });
  } catch (error) {
    if (errorCode(error) === 'ELOCKED') {
      throw new TransientError(`Another process is writing ${target}; gave up after ${Math.ceil(waitMs / 1000)}s`, {
        hint: `try again; if no dynsecret is running, remove the folder ${target}.lock`,
        cause: error,
      });
    }
    throw fileError(target, 'cannot be locked', error);
  }
  try {
    const result = await work();
    if (compromised !== undefined) throw new TransientError(`Lost the lock on ${target} while writing it`);
    return result;
  } finally {
    await release().catch(() => undefined);
  }
}

function fileError(path: string, problem: string, cause: unknown): DynsecretError {
  if (cause instanceof DynsecretError) return cause;
  const code = errorCode(cause);
  return new UsageError(`Env file ${path} ${problem}${code === undefined ? '' : ` (${code})`}`, { cause });
}

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  return typeof error.code === 'string' ? error.code : undefined;
}
