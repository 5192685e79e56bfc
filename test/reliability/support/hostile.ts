import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { expect } from 'vitest';
import { tempHome, type RunResult } from '../../helpers/bin.js';
import { workspaceAt, type Workspace } from '../../helpers/emulator.js';
import { failedStdout } from '../../helpers/shells.js';
import { STACK_LINE } from './checks.js';
import { STRESS } from './counts.js';
import { tallyHostile } from './hostile-tally.js';
import { openStore, storeBytes, storePath } from './store.js';

/**
 * One hostile input: what it runs and the exit code it must end in. Every case must fail the documented
 * way (exit code, one `dynsecret:` sentence, an empty stdout or the failing statement a shell format ends with, no stack trace, no raw control character) and
 * leave the store as it was: byte for byte when nothing reached Atlas, else with the same contents.
 */
export interface HostileCase {
  name: string;
  code: number;
  args: (dir: string) => string[];
  input?: string;
  env?: (dir: string) => Record<string, string>;
  /** Makes the files the case reads, in its own folder. */
  files?: (dir: string) => void;
  /** The sentence must match this. */
  message?: RegExp;
  /** The store is rewritten on the way (a lease's intent record, then its removal): compare contents. */
  rewrites?: boolean;
}

/** A copy of a workspace in a new home: a case may damage it without touching the others. */
export function copyOf(ws: Workspace): Workspace {
  const home = tempHome();
  copyFileSync(storePath(ws.home), storePath(home));
  return workspaceAt(home, ws.env);
}

// Everything but newline, which separates lines, is a control character here.
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

/** `args` is the argv the case ran: a failed `lease` in a shell format ends its stdout with a failing statement. */
export function expectRefused(result: RunResult, hostile: HostileCase, args: readonly string[]): void {
  const context = `${hostile.name}\nexit ${result.code} ${result.signal ?? ''}\nstderr: ${JSON.stringify(result.stderr)}`;
  expect(result.code, context).toBe(hostile.code);
  expect(result.stdout, context).toBe(failedStdout(args));
  const sentences = result.stderr.split('\n').filter((line) => line.startsWith('dynsecret:'));
  expect(sentences, context).toHaveLength(1);
  if (hostile.message) expect(sentences[0], context).toMatch(hostile.message);
  expect(result.stderr, context).not.toMatch(STACK_LINE);
  expect(result.stderr, context).not.toContain('unexpected error');
  expect(result.stderr, context).not.toMatch(RAW_CONTROL);
}

/** Every `every`th case, from the first: the sample `npm test` also runs through the bin. */
export const throughTheBin = <T>(cases: readonly T[], every: number): T[] => cases.filter((_, index) => index % every === 0);

/** A refused case's run, with what the refusal check measured. */
export interface HostileRun extends RunResult {
  /** The store differs from before the case (byte for byte, or in contents for a case that rewrites it). */
  storeChanged: boolean;
  /** stderr carries a line of a stack trace. */
  stackTrace: boolean;
}

/**
 * Runs a case on its own copy of `template`, counts what it measured under `kind` (before any check can fail;
 * undefined counts nothing), then checks the refusal and the untouched store. `npm test` runs the cases in
 * this process (helpers/cli.ts) and a sample of them through the bin (`throughTheBin`); the stress run runs
 * every case through the bin.
 */
export async function runHostile(
  template: Workspace,
  hostile: HostileCase,
  kind: string | undefined,
  via: 'bin' | 'cli' = STRESS ? 'bin' : 'cli',
): Promise<HostileRun> {
  const ws = copyOf(template);
  const dir = mkdtempSync(join(tmpdir(), 'dynsecret-hostile-'));
  hostile.files?.(dir);
  const before = storeBytes(ws.home)!;
  const contents = await openStore(ws);
  const args = hostile.args(dir);
  const result = await ws[via === 'bin' ? 'run' : 'cli'](args, {
    ...(hostile.input === undefined ? {} : { input: hostile.input }),
    ...(hostile.env === undefined ? {} : { env: hostile.env(dir) }),
  });
  const storeChanged = hostile.rewrites ? !isDeepStrictEqual(await openStore(ws), contents) : storeBytes(ws.home)?.equals(before) !== true;
  const run = { ...result, storeChanged, stackTrace: STACK_LINE.test(result.stderr) };
  if (kind !== undefined) tallyHostile(kind, run);
  expectRefused(result, hostile, args);
  expect(storeChanged, `${hostile.name}: the store ${hostile.rewrites ? 'contents' : 'file'} changed`).toBe(false);
  return run;
}
