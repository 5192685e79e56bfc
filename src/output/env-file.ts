import { constants, type Stats } from 'node:fs';
import { access, lstat, readFile, readlink, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, parse, resolve, sep } from 'node:path';
import { DynsecretError, TransientError, UsageError } from '../errors.js';
import { withLock as withFileLock, type HeldLock, type LockErrors } from '../fs/lock.js';
import { writeFileSafely } from '../fs/safe-write.js';
import { applyEnvUpdates, removeEnvKeys, type EnvFileFormat } from './env-text.js';
import type { Variable } from './formats.js';

interface EnvFileOptions {
  /** How long to wait for another writer of the same file (default 10 s). */
  lockWaitMs?: number;
}

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
  return rewriteEnvFile(path, (text) => applyEnvUpdates(text, vars, format), options);
}

/**
 * Rewrites an env file with `apply` (its text, '' when missing, to the new text), under the lock, after the
 * symlink and owner checks, with an atomic 0600 write. `apply('')` runs first, so a refusal (a bad name or
 * value) happens before the disk is touched.
 */
export async function rewriteEnvFile(
  path: string,
  apply: (text: string) => string,
  options: EnvFileOptions = {},
): Promise<{ target: string }> {
  apply('');
  const target = await resolveTarget(path);
  await withLock(target, options, async (lock) => {
    writeAtomically(target, apply((await readText(target)) ?? ''), lock);
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
  const changed = await withLock(target, options, async (lock) => {
    const text = await readText(target);
    if (text === undefined) return false;
    const updated = removeEnvKeys(text, names, format);
    if (updated === text) return false;
    writeAtomically(target, updated, lock);
    return true;
  });
  return { target, changed };
}

/**
 * The file a path finally names, following symlinks (also to a target that does not exist yet), one path
 * component at a time so that every symlink on the way, and the file itself, can be checked (`checkOwner`).
 */
async function resolveTarget(path: string): Promise<string> {
  let pending = resolve(path)
    .split(sep)
    .filter((part) => part !== '');
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
      if (pending.length > 0)
        throw fileError(path, `cannot be created: its folder ${dirname(join(next, ...pending))} does not exist`, undefined);
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

/**
 * The shared safe write (temp file 0600 beside the target, fsync, rename, folder fsync), fenced like the
 * store's: a writer whose lock was lost or taken over (it was stopped past the stale time) writes nothing.
 */
function writeAtomically(target: string, text: string, lock: HeldLock): void {
  if (!lock.held()) throw new TransientError(`Lost the lock on ${target} while writing it; it was left as it was`);
  try {
    writeFileSafely(target, text, 0o600);
  } catch (error) {
    throw fileError(target, 'cannot be written', error);
  }
}

const envLockErrors: LockErrors = {
  timedOut: (target, timeoutMs) =>
    new TransientError(`Another process is writing ${target}; gave up after ${Math.ceil(timeoutMs / 1000)}s`, {
      hint: `try again; if no dynsecret is running, remove the folder ${target}.lock`,
    }),
  failed: (target, cause) => fileError(target, 'cannot be locked', cause),
};

/** The shared file lock, with an env file's wait (exit 6 when another writer keeps it). */
function withLock<T>(target: string, options: EnvFileOptions, work: (lock: HeldLock) => Promise<T>): Promise<T> {
  return withFileLock(target, { timeoutMs: options.lockWaitMs ?? 10_000, staleMs: LOCK_STALE_MS }, envLockErrors, work);
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
