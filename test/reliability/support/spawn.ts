import { spawn, type ChildProcess } from 'node:child_process';
import { DYNSECRET, type RunResult } from '../../helpers/bin.js';

/** A dynsecret process the test can kill at a moment of its choosing (the helpers' `run` only kills on a timer). */
export interface Running {
  child: ChildProcess;
  done: Promise<RunResult>;
}

export function start(args: string[], env: Record<string, string>): Running {
  // After `--`, as the bin's shebang does: Node must not read dynsecret's --env-file as its own.
  const child = spawn(process.execPath, ['--', DYNSECRET, ...args], {
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

