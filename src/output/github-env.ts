import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, lstat, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { UsageError } from '../errors.js';
import { checkVariableName, type Variable } from './formats.js';

/**
 * GitHub Actions' environment file (`$GITHUB_ENV`): later steps of the job get what a step appends to it.
 * Every value is written in the multi-line-safe form GitHub documents, `NAME<<DELIMITER`, the value,
 * `DELIMITER`, with a fresh random delimiter that is checked not to occur in the value, so no value can
 * end its block early and inject variables of its own.
 */
export function githubEnvBlock(vars: ReadonlyArray<Variable>, random: (size: number) => Buffer = randomBytes): string {
  return vars
    .map(([name, value]) => {
      checkVariableName(name);
      let delimiter: string;
      do delimiter = `ghadelimiter_${random(16).toString('hex')}`;
      while (value.includes(delimiter));
      return `${name}<<${delimiter}\n${value}\n${delimiter}\n`;
    })
    .join('');
}

/** `::add-mask::` workflow commands: GitHub hides these values in every log line printed after them. */
export function maskCommands(values: readonly string[]): string {
  return values
    .filter((value) => value !== '')
    .map((value) => {
      if (/[\r\n]/.test(value)) throw new UsageError('A value with a line break cannot be masked in one ::add-mask:: command.');
      return `::add-mask::${value}\n`;
    })
    .join('');
}

/** The file `$GITHUB_ENV` names; without it this is not a GitHub Actions step (exit 2). */
export function githubEnvPath(env: Record<string, string | undefined>): string {
  const path = env.GITHUB_ENV;
  if (!path) {
    throw new UsageError('--github-env needs GITHUB_ENV, which GitHub Actions sets in every step; it is not set here.', {
      hint: 'Outside GitHub Actions, use --env-file PATH [--format env], or print the variables.',
    });
  }
  return path;
}

/**
 * What `appendGithubEnv` would refuse, checked without writing (before Atlas creates the user): the file is
 * not a symlink and can be written, or, when it does not exist yet, its folder can take it.
 */
export async function checkGithubEnv(path: string): Promise<void> {
  const found = await lstat(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw new UsageError(`Cannot open $GITHUB_ENV (${path}) for appending: ${error.code ?? 'error'}.`);
  });
  if (found?.isSymbolicLink()) throw new UsageError(`$GITHUB_ENV (${path}) is a symlink; dynsecret appends only to the file itself.`);
  const writable = found === undefined ? dirname(path) : path;
  await access(writable, constants.W_OK).catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(`Cannot open $GITHUB_ENV (${path}) for appending: ${error.code ?? 'error'}.`);
  });
}

/**
 * Appends the block with one write to the file opened for appending (O_APPEND), as the runner expects:
 * the runner's file already exists and stays as the runner made it (its mode is not changed); one that
 * does not exist yet is created 0600, since it holds a password. A symlink is refused (O_NOFOLLOW): the runner's
 * file never is one, and one planted in a shared folder would send the password elsewhere.
 */
export async function appendGithubEnv(path: string, block: string): Promise<void> {
  let handle;
  try {
    handle = await open(path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') throw new UsageError(`$GITHUB_ENV (${path}) is a symlink; dynsecret appends only to the file itself.`);
    throw new UsageError(`Cannot open $GITHUB_ENV (${path}) for appending: ${code ?? 'error'}.`);
  }
  try {
    await handle.write(block);
  } catch (error) {
    throw new UsageError(`Cannot append to $GITHUB_ENV (${path}): ${(error as NodeJS.ErrnoException).code ?? 'error'}.`);
  } finally {
    await handle.close();
  }
}
