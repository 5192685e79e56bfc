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
 * The clean environment a command line runs with (the bin, or in-process): only PATH and HOME from the outside,
 * so a developer's own DYNSECRET_* or MONGODB_ATLAS_* variables never leak into a test.
 */
export function cleanEnv(extra: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', NO_COLOR: '1' };
  for (const [key, value] of Object.entries(extra)) if (value !== undefined) env[key] = value;
  return env;
}

export function run(bin: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
  const env = cleanEnv(options.env);
  // `--` first: Node 20 would otherwise take a `--env-file` meant for dynsecret as its own option.
  const child = spawn(process.execPath, ['--', bin, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin.on('error', () => undefined);
  child.stdin.end(options.input ?? '');
  const timer = options.killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), options.killAfterMs);
  return collected(child).finally(() => clearTimeout(timer));
}

/** What a child prints on the stdout and stderr it was given as pipes ('' for any other), once it has closed. */
export function collected(child: ChildProcess): Promise<RunResult> {
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
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
/**
 * Runs `dynsecret ARGS` on a pseudo-terminal (script(1)) with DYNSECRET_HOME `home`, typing each answer once its
 * prompt has appeared after the last one answered (so a prompt asked again is answered again).
 */
export function onTerminal(
  home: string,
  args: string[],
  answers: [prompt: string, answer: string][],
): Promise<{ code: number | null; seen: string[]; output: string }> {
  const command = [process.execPath, '--', DYNSECRET, ...args].map((word) => `'${word}'`).join(' ');
  const child = spawn('script', ['-qec', command, '/dev/null'], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', TERM: 'xterm', DYNSECRET_HOME: home },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  // Where the last prompt answered ends: the next one is looked for after it.
  let from = 0;
  const seen: string[] = [];
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
    const next = answers[seen.length];
    const at = next === undefined ? -1 : output.indexOf(next[0], from);
    if (next && at !== -1) {
      from = at + next[0].length;
      seen.push(next[0]);
      child.stdin.write(`${next[1]}\r`);
    }
  });
  // A safety net for a prompt that never comes: the test's own timeout would leave the process behind.
  const timer = setTimeout(() => child.kill('SIGKILL'), 100_000);
  return new Promise((resolve) => {
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, seen, output });
    });
  });
}

export const hasScript = (() => {
  try {
    execFileSync('script', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
