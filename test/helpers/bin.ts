import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const DYNSECRET = resolve('bin/dynsecret.js');
export const EMULATOR = resolve('bin/dynsecret-atlas-emulator.js');
export const PASSPHRASE = 'test passphrase 0123';

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: Record<string, string | undefined>;
  input?: string;
  /** Kill the process with SIGKILL after this many milliseconds. */
  killAfterMs?: number;
}

/** A fresh, empty DYNSECRET_HOME. */
export const tempHome = () => mkdtempSync(join(tmpdir(), 'dynsecret-e2e-'));

/**
 * Runs a bin with a clean environment: only PATH and HOME from the outside, so a developer's own
 * DYNSECRET_* or MONGODB_ATLAS_* variables never leak into a test.
 */
function cleanEnv(extra: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', NO_COLOR: '1' };
  for (const [key, value] of Object.entries(extra)) if (value !== undefined) env[key] = value;
  return env;
}

export function run(bin: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
  const env = cleanEnv(options.env);
  return new Promise((resolvePromise, reject) => {
    // `--` first: Node 20 would otherwise take a `--env-file` meant for dynsecret as its own option.
    const child = spawn(process.execPath, ['--', bin, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
    const timer = options.killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), options.killAfterMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolvePromise({ code, signal, stdout, stderr });
    });
  });
}

export const dynsecret = (args: string[], options?: RunOptions) => run(DYNSECRET, args, options);

/** A dynsecret process the test signals or kills at a moment of its choosing (`run` only kills on a timer). */
export interface Started {
  child: ChildProcess;
  done: Promise<RunResult>;
  /** What it printed so far. */
  stdout(): string;
  stderr(): string;
}

export function startDynsecret(args: string[], env: Record<string, string | undefined> = {}): Started {
  const child = spawn(process.execPath, ['--', DYNSECRET, ...args], { env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const done = new Promise<RunResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, done, stdout: () => stdout, stderr: () => stderr };
}

/** Polls until `ready()` holds (a line printed, a request seen), for tests that act mid-command. */
export async function until(ready: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await ready())) await new Promise((resolve) => setTimeout(resolve, 25));
}

/** Whether util-linux's script(1) is here: the tests that need a pseudo-terminal run through it. */
export const hasScript = (() => {
  try {
    execFileSync('script', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
