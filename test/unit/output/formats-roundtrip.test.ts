import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderVariables } from '../../../src/output/formats.js';
import { quoteFish, quotePowerShell, quoteShell } from '../../../src/output/quoting.js';

/** Every value is set in a real shell, exported, and read back by a child process. */
const HOSTILE = [
  "'",
  '"',
  '$HOME',
  '`id`',
  '\\',
  '\n',
  '\r\n',
  '$(rm -rf /)',
  '!',
  '!!',
  'é 🙂',
  '',
  '-n',
  '--',
  '=',
  '#',
  ' leading and trailing ',
  'it\'s "both" \\n `and` $x',
  '‘curly’ ‚low‛',
  'a\\',
  "\\'",
  '*',
  '~',
  '%PATH%',
  'line1\nline2\n',
  '\t',
  'Zq7-._~AbCdEfGhIjKlMnOpQrStUvWxYz0123456789',
  'mongodb+srv://ds-app-x:Zq7-._~@c0.ab1cd.mongodb.net/?retryWrites=true&w=majority',
];
const VARS = HOSTILE.map((value, i): [string, string] => [`DS_T_${i}`, value]);
const EXPECTED = Object.fromEntries(VARS);

const dir = mkdtempSync(join(tmpdir(), 'dynsecret-formats-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// The child that reports what it inherited: proof the variables were exported, not just set.
const reporter = join(dir, 'report.mjs');
writeFileSync(
  reporter,
  "process.stdout.write(JSON.stringify(Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('DS_T_')))));\n",
);

function installed(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

interface Runner {
  name: string;
  run: () => { status: number | null; stdout: string; stderr: string };
}

function posix(shell: string, mode: 'script' | 'eval'): Runner {
  const rendered = renderVariables('shell', VARS);
  const file = join(dir, `${shell}.sh`);
  writeFileSync(file, rendered);
  const setup = mode === 'script' ? rendered : `eval "$(cat ${quoteShell(file)})"\n`;
  const script = `${setup}exec ${quoteShell(process.execPath)} ${quoteShell(reporter)}\n`;
  // No startup files: a user's rc file must not be able to change (or break) the result.
  const quiet = shell === 'bash' ? ['--norc', '--noprofile'] : shell === 'zsh' ? ['-f'] : [];
  return { name: `${shell} (${mode})`, run: () => spawn(shell, [...quiet, '-c', script]) };
}

function fish(): Runner {
  const script = `${renderVariables('fish', VARS)}exec ${quoteFish(process.execPath)} ${quoteFish(reporter)}\n`;
  return { name: 'fish', run: () => spawn('fish', ['--no-config', '-c', script]) };
}

function pwsh(): Runner {
  const script = `${renderVariables('powershell', VARS)}& ${quotePowerShell(process.execPath)} ${quotePowerShell(reporter)}\n`;
  const file = join(dir, 'vars.ps1');
  writeFileSync(file, script);
  return { name: 'pwsh', run: () => spawn('pwsh', ['-NoProfile', '-NonInteractive', '-File', file]) };
}

function spawn(command: string, args: string[]) {
  const result = spawnSync(command, args, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const posixShells = ['sh', 'dash', 'bash', 'zsh', 'ksh'].filter(installed);
const runners: Runner[] = [
  ...posixShells.flatMap((shell) => [posix(shell, 'script'), posix(shell, 'eval')]),
  ...(installed('fish') ? [fish()] : []),
  ...(installed('pwsh') ? [pwsh()] : []),
];

describe('round trip through real shells', () => {
  it('has at least one POSIX shell to test with', () => {
    expect(posixShells).toContain('sh');
  });

  it.each(runners.map((runner) => [runner.name, runner] as const))('%s reads every value back exactly', (_name, runner) => {
    const { status, stdout, stderr } = runner.run();
    expect(stderr).toBe('');
    expect(status).toBe(0);
    const received: unknown = JSON.parse(stdout);
    expect(received).toEqual(EXPECTED);
  });
});

describe('dotenv files read back by sh (set -a; . file) and by node --env-file', () => {
  // What a dotenv file can carry literally; the rest is refused (see formats.test.ts).
  const carried = VARS.filter(([, value]) => !/['\\\r\n]/.test(value));
  const refused = VARS.filter(([, value]) => /['\\\r\n]/.test(value));
  const file = join(dir, 'vars.env');
  const marker = join(dir, 'ran');
  const withPayload: [string, string][] = [...carried, ['DS_T_PAYLOAD', `$(touch ${marker})\`touch ${marker}\`\${IFS}`]];
  const expected = Object.fromEntries(withPayload);

  it('refuses every value single quotes cannot carry', () => {
    expect(refused.length).toBeGreaterThan(0);
    for (const variable of refused) expect(() => renderVariables('dotenv', [variable])).toThrow(variable[0]);
  });

  it('sh reads every value back exactly and runs nothing', () => {
    writeFileSync(file, renderVariables('dotenv', withPayload));
    const result = spawn('sh', ['-c', `set -a; . ${quoteShell(file)}; exec ${quoteShell(process.execPath)} ${quoteShell(reporter)}`]);
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual(expected);
    expect(spawnSync('test', ['-e', marker]).status, 'the payload ran').not.toBe(0);
  });

  it('node --env-file reads every value back exactly', () => {
    writeFileSync(file, renderVariables('dotenv', withPayload));
    const result = spawn(process.execPath, [`--env-file=${file}`, reporter]);
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual(expected);
  });
});
