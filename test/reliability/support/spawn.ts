import { spawn, type ChildProcess } from 'node:child_process';
import { DYNSECRET, type RunResult } from '../../helpers/bin.js';

/** A dynsecret process the test can kill at a moment of its choosing (the helpers' `run` only kills on a timer). */
export interface Running {
  child: ChildProcess;
  done: Promise<RunResult>;
}

export function start(args: string[], env: Record<string, string>): Running {
  const child = spawn(process.execPath, [DYNSECRET, ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk; });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk; });
  const done = new Promise<RunResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, done };
}

/**
 * Runs dynsecret as `node -- bin/dynsecret.js …`. Node reads any `--env-file X` in argv as its own option,
 * even after the script name, and exits 9 or hangs on X before dynsecret starts (RELIABILITY.md, known
 * issues); after `--` it does not. Cases that test dynsecret's own handling of env files run this way.
 */
export function runPastNode(args: string[], env: Record<string, string>): Promise<RunResult> {
  const child = spawn(process.execPath, ['--', DYNSECRET, ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk; });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk; });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}
