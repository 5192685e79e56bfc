import { spawn } from 'node:child_process';
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
export function run(bin: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', NO_COLOR: '1' };
  for (const [key, value] of Object.entries(options.env ?? {})) if (value !== undefined) env[key] = value;
  return new Promise((resolvePromise, reject) => {
    // `--` first: Node 20 would otherwise take a `--env-file` meant for dynsecret as its own option.
    const child = spawn(process.execPath, ['--', bin, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk; });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk; });
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
