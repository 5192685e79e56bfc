import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { DYNSECRET } from '../helpers/bin.js';
import { mustSucceed, startEmulator, workspace, type Emulator, type Workspace } from '../helpers/emulator.js';

/** Tables (cli-table3) and colour (chalk) as the built bin prints them, into a pipe and onto a terminal. */

const ESC = '\x1b';
const execFileAsync = promisify(execFile);

// The helper sets NO_COLOR=1; an empty NO_COLOR counts as unset (no-color.org), which these tests need.

/** Runs the bin under `script`, so stdout and stderr are a pseudo-terminal; returns what the terminal got. */
async function onTerminal(args: string[], env: Record<string, string>): Promise<string> {
  const command = [process.execPath, '--', DYNSECRET, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
  const { stdout } = await execFileAsync('script', ['-qec', command, '/dev/null'], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', TERM: 'xterm', ...env },
  });
  return stdout.replaceAll('\r\n', '\n');
}

const hasScript = await execFileAsync('script', ['--version']).then(() => true, () => false);

describe('tables and colour', () => {
  let em: Emulator;
  let ws: Workspace;
  beforeAll(async () => {
    em = await startEmulator();
    ws = await workspace(em, [{ name: 'app-db' }, { name: 'reports' }]);
    await mustSucceed(ws.run(['lease', 'app-db', '--format', 'json']));
  });

  it.each([
    [['list'], /^NAME +PROJECT +ROLES +SCOPES +DEFAULT TTL +MAX TTL$/],
    [['list', 'app-db'], /^LEASE ID \(USERNAME\) +CREATED +EXPIRES +STATUS$/],
    [['list', '--audit'], /^TIME +USER@HOST +COMMAND +CONFIG +LEASE ID +EXPIRES +OUTCOME$/],
    [['lease', 'reports', '--format', 'table'], /^NAME +VALUE$/],
  ])('%j into a pipe is plain text, even with FORCE_COLOR: no escape codes, no borders', async (args, heading) => {
    const result = await mustSucceed(ws.run(args, { env: { NO_COLOR: '', FORCE_COLOR: '1' } }));
    const lines = result.stdout.split('\n');
    expect(lines[0]).toMatch(heading);
    expect(result.stdout).not.toContain(ESC);
    expect(result.stdout).not.toMatch(/[─│┌┐└┘├┤]/);
    expect(lines.every((line) => line === line.trimEnd())).toBe(true);
    // Script-friendly: the first column (one word, or `MAX EXPIRES`) ends at a run of two or more spaces.
    expect(lines.slice(1).filter(Boolean).every((line) => /^\S+(?: \S+)?( {2,}|$)/.test(line))).toBe(true);
  });

  it('columns line up: every row starts its second column where the heading does', async () => {
    const { stdout } = await mustSucceed(ws.run(['list']));
    const [heading, ...rows] = stdout.trimEnd().split('\n');
    const at = heading!.indexOf('PROJECT');
    for (const row of rows) expect(row.slice(at, at + 24)).toMatch(/^[a-f0-9]{24}$/);
  });

  it.each([
    ['FORCE_COLOR=1', { FORCE_COLOR: '1' }, true],
    ['FORCE_COLOR=1 and NO_COLOR=1', { FORCE_COLOR: '1', NO_COLOR: '1' }, false],
    ['FORCE_COLOR=0', { FORCE_COLOR: '0' }, false],
    ['nothing (stderr is a pipe)', {}, false],
  ])('the error label with %s: coloured %s', async (_case, env, coloured) => {
    const result = await ws.run(['lease', 'nope'], { env: { NO_COLOR: '', ...env } });
    expect(result.code).toBe(5);
    expect(result.stderr.startsWith(coloured ? '\x1b[1m\x1b[31mdynsecret:\x1b[39m\x1b[22m No config named nope.' : 'dynsecret: No config named nope.')).toBe(true);
  });

  it('--no-color wins over FORCE_COLOR', async () => {
    const result = await ws.run(['--no-color', 'lease', 'nope'], { env: { NO_COLOR: '', FORCE_COLOR: '3' } });
    expect(result.stderr).not.toContain(ESC);
  });

  describe.skipIf(!hasScript)('on a terminal (script(1) gives the process a pseudo-terminal)', () => {
    it('list has bold headings and the same columns', async () => {
      const text = await onTerminal(['list'], ws.env);
      expect(text.startsWith(`${ESC}[1mNAME${ESC}[22m `)).toBe(true);
      expect(text.split('\n')[0]).toContain(`  ${ESC}[1mPROJECT${ESC}[22m  `);
      const plain = (await mustSucceed(ws.run(['list']))).stdout;
      expect(text.replaceAll(`${ESC}[1m`, '').replaceAll(`${ESC}[22m`, '')).toBe(plain);
    });

    it('NO_COLOR keeps a terminal table plain, and --no-color too', async () => {
      expect(await onTerminal(['list'], { ...ws.env, NO_COLOR: '1' })).not.toContain(ESC);
      expect(await onTerminal(['--no-color', 'list'], ws.env)).not.toContain(ESC);
    });

    it('an error on a terminal has a bold red label', async () => {
      const text = await onTerminal(['lease', 'nope'], ws.env).catch((error: { stdout: string }) => error.stdout.replaceAll('\r\n', '\n'));
      expect(text.startsWith('\x1b[1m\x1b[31mdynsecret:\x1b[39m\x1b[22m No config named nope.')).toBe(true);
    });
  });
});
