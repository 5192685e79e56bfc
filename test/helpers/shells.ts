import { spawn, spawnSync } from 'node:child_process';
import { collected } from './bin.js';

/**
 * The real shells a script may evaluate dynsecret's output in, each with the argv that runs a script file. A
 * shell whose binary is absent is reported (by the caller's skip) rather than failed.
 */
export interface ScriptShell {
  name: string;
  binary: string;
  kind: 'posix' | 'fish' | 'powershell';
  /** argv that runs the script file `path`. */
  argv: (path: string) => string[];
}

export const SCRIPT_SHELLS: readonly ScriptShell[] = [
  { name: 'bash', binary: 'bash', kind: 'posix', argv: (p) => ['--norc', '--noprofile', p] },
  { name: 'dash', binary: 'dash', kind: 'posix', argv: (p) => [p] },
  { name: 'zsh', binary: 'zsh', kind: 'posix', argv: (p) => ['-f', p] },
  { name: 'BusyBox sh', binary: 'busybox', kind: 'posix', argv: (p) => ['sh', p] },
  { name: 'fish', binary: 'fish', kind: 'fish', argv: (p) => ['--no-config', p] },
  { name: 'PowerShell', binary: 'pwsh', kind: 'powershell', argv: (p) => ['-NoProfile', '-NonInteractive', '-File', p] },
];

export const hasBinary = (binary: string) => spawnSync('sh', ['-c', `command -v ${binary}`], { stdio: 'ignore' }).status === 0;

/** Runs a script file in a shell, asynchronously (a synchronous spawn would stall the test's own connections). */
export function runScript(
  shell: ScriptShell,
  path: string,
  options: { cwd: string; env: Record<string, string> },
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return collected(spawn(shell.binary, shell.argv(path), { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] }));
}

/**
 * An Atlas base URL that refuses every connection: port 1 on loopback, where nothing listens and which no test's
 * server can be given (servers here take a free port from the kernel's ephemeral range). A port picked free and
 * closed again is not such a URL: under load, another server (an emulator of the same run, or of a suite running
 * beside it) was given it before the test connected.
 */
export const UNREACHABLE_URL = 'http://127.0.0.1:1';

/**
 * The stdout of a failed run, by SPEC "Output": empty, except that `lease` in a shell format (`shell`, the
 * default off a terminal, unless `--env-file` or `--github-env` alone say nothing is printed; `fish`;
 * `powershell`) and `unlock` end with one statement that fails. For tests that check failures of any command.
 */
export function failedStdout(args: readonly string[]): string {
  const command = args.find((arg) => !arg.startsWith('-'));
  if (command === 'unlock') return 'false\n';
  if (command !== 'lease') return '';
  const at = args.indexOf('--format');
  const format = at === -1 ? args.find((arg) => arg.startsWith('--format='))?.slice('--format='.length) : args[at + 1];
  if (format === undefined && (args.includes('--env-file') || args.includes('--github-env'))) return '';
  return { shell: 'false\n', fish: 'false\n', powershell: "throw 'dynsecret failed: see the message above'\n" }[format ?? 'shell'] ?? '';
}
