import type { ChalkInstance } from 'chalk';
import { describeError, failureCodes, type ConfigSource } from './error-text.js';
import { visible } from '../output/terminal-text.js';

// The error path of src/cli.ts, loaded only when a command fails: a command that succeeds never compiles the
// words of errors it did not meet.

/** What the audit trail records of a failure: the exit code and Atlas' error code, never the message. */
export function failureOf(error: unknown, config: string | undefined) {
  return { ...failureCodes(error), ...(config === undefined ? {} : { config }) };
}

/**
 * Prints an error the one way errors are printed (in the words `describeError` gives it), and returns its
 * exit code. `paint` is chalk when stderr gets colour (loaded by the caller only then), so the error path
 * stays cheap without it; `source` is where the command's config came from, so advice names what exists there.
 */
export function report(
  error: unknown,
  debug: boolean,
  writeRaw: (line: string) => void,
  paint?: ChalkInstance,
  source?: ConfigSource,
): number {
  const label = paint ? paint.bold.red('dynsecret:') : 'dynsecret:';
  // Messages quote Atlas' answers and argv: their control characters are shown, never obeyed. The label's
  // own colour is added around the shown text.
  const write = (line: string) => writeRaw(line.startsWith(label) ? `${label}${visible(line.slice(label.length))}` : visible(line));
  const text = describeError(error, source);
  if (text.origin === 'quiet') return text.exitCode;
  write(`${label} ${text.message}`);
  const stack = debug && text.origin !== 'usage' && error instanceof Error ? error.stack : undefined;
  // For an unexpected error the stack replaces the advice to run again with --debug.
  if (text.hint && !(stack && text.origin === 'unexpected')) write(`  ${text.hint}`);
  if (stack) stack.split('\n').forEach(write);
  return text.exitCode;
}

/**
 * What stdout ends with when a command whose output a shell evaluates has failed. `eval "$(dynsecret lease
 * db)"` evaluates an empty string happily, so a script would go on without credentials; one statement that
 * fails stops it instead: `false` under `set -e` (POSIX shells), `false` as the status `source` hands to
 * `or exit` (fish), and `throw` for PowerShell, a terminating error whatever `$ErrorActionPreference` says (a
 * script stops there unless it catches it; at a prompt it is only shown).
 */
const FAILING_STATEMENTS: Readonly<Record<string, string>> = {
  shell: 'false\n',
  fish: 'false\n',
  powershell: "throw 'dynsecret failed: see the message above'\n",
};

/** The failing statement for `format`, or undefined for a format no shell evaluates (json, dotenv, env, table). */
export function failureStatement(format: string | undefined): string | undefined {
  return format === undefined || !Object.hasOwn(FAILING_STATEMENTS, format) ? undefined : FAILING_STATEMENTS[format];
}
