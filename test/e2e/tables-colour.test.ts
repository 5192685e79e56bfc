import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { DYNSECRET } from '../helpers/bin.js';
import { mustSucceed, startEmulator, workspace, type Emulator, type Workspace } from '../helpers/emulator.js';

/**
 * Tables (cli-table3) and colour (chalk) as dynsecret prints them off a terminal (in this process, helpers/cli.ts,
 * and a sample through the built bin into a pipe) and onto a terminal (the bin under script(1)).
 */

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

const hasScript = await execFileAsync('script', ['--version']).then(
  () => true,
  () => false,
);

describe('tables and colour', () => {
  let em: Emulator;
  let ws: Workspace;
  beforeAll(async () => {
    em = await startEmulator();
    ws = await workspace(em, [{ name: 'app-db' }, { name: 'reports' }]);
    await mustSucceed(ws.cli(['lease', 'app-db', '--format', 'json']));
  });

  const tables: [string[], RegExp][] = [
    [['list'], /^NAME +PROJECT +ROLES +SCOPES +DEFAULT TTL +MAX TTL$/],
    [['list', 'app-db'], /^LEASE ID \(USERNAME\) +CREATED +EXPIRES +STATUS$/],
    [['list', '--audit'], /^TIME +USER@HOST +COMMAND +CONFIG +LEASE ID +EXPIRES +OUTCOME$/],
    [['lease', 'reports', '--format', 'table'], /^NAME +VALUE$/],
  ];
  const expectPlainTable = async (args: string[], heading: RegExp, via: Workspace['cli']) => {
    const result = await mustSucceed(via(args, { env: { NO_COLOR: '', FORCE_COLOR: '1' } }));
    const lines = result.stdout.split('\n');
    expect(lines[0]).toMatch(heading);
    expect(result.stdout).not.toContain(ESC);
    expect(result.stdout).not.toMatch(/[─│┌┐└┘├┤]/);
    expect(lines.every((line) => line === line.trimEnd())).toBe(true);
    // Script-friendly: the first column (one word, or `MAX EXPIRES`) ends at a run of two or more spaces.
    expect(
      lines
        .slice(1)
        .filter(Boolean)
        .every((line) => /^\S+(?: \S+)?( {2,}|$)/.test(line)),
    ).toBe(true);
  };
  it.each(tables)('%j off a terminal is plain text, even with FORCE_COLOR: no escape codes, no borders', (args, heading) =>
    expectPlainTable(args, heading, ws.cli),
  );
  it.each(tables.slice(0, 1))(
    '%j into a pipe is plain text, even with FORCE_COLOR: no escape codes, no borders, through the bin',
    (args, heading) => expectPlainTable(args, heading, ws.run),
  );

  it('columns line up: every row starts its second column where the heading does', async () => {
    const { stdout } = await mustSucceed(ws.cli(['list']));
    const [heading, ...rows] = stdout.trimEnd().split('\n');
    const at = heading!.indexOf('PROJECT');
    for (const row of rows) expect(row.slice(at, at + 24)).toMatch(/^[a-f0-9]{24}$/);
  });

  const labels: [string, Record<string, string>, boolean][] = [
    ['FORCE_COLOR=1', { FORCE_COLOR: '1' }, true],
    ['FORCE_COLOR=1 and NO_COLOR=1', { FORCE_COLOR: '1', NO_COLOR: '1' }, false],
    ['FORCE_COLOR=0', { FORCE_COLOR: '0' }, false],
    ['nothing (stderr is not a terminal)', {}, false],
  ];
  const expectLabel = async (env: Record<string, string>, coloured: boolean, via: Workspace['cli']) => {
    const result = await via(['lease', 'nope'], { env: { NO_COLOR: '', ...env } });
    expect(result.code).toBe(5);
    expect(
      result.stderr.startsWith(
        coloured ? '\x1b[1m\x1b[31mdynsecret:\x1b[39m\x1b[22m No config named nope.' : 'dynsecret: No config named nope.',
      ),
    ).toBe(true);
  };
  it.each(labels)('the error label with %s: coloured %s', (_case, env, coloured) => expectLabel(env, coloured, ws.cli));
  it.each([labels[0]!, labels[3]!])('the error label with %s: coloured %s, through the bin (stderr a pipe)', (_case, env, coloured) =>
    expectLabel(env, coloured, ws.run),
  );

  it('--no-color wins over FORCE_COLOR', async () => {
    const result = await ws.cli(['--no-color', 'lease', 'nope'], { env: { NO_COLOR: '', FORCE_COLOR: '3' } });
    expect(result.stderr).not.toContain(ESC);
  });

  describe.skipIf(!hasScript)('on a terminal (script(1) gives the process a pseudo-terminal)', () => {
    it('list has bold headings and the same columns', async () => {
      const text = await onTerminal(['list'], ws.env);
      expect(text.startsWith(`${ESC}[1mNAME${ESC}[22m `)).toBe(true);
      expect(text.split('\n')[0]).toContain(`  ${ESC}[1mPROJECT${ESC}[22m  `);
      const plain = (await mustSucceed(ws.cli(['list']))).stdout;
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

describe('list NAME --remote with users made elsewhere under wide and combining names', () => {
  it('keeps every column aligned by display width', async () => {
    const em = await startEmulator();
    const ws = await workspace(em, [{ name: 'app-db' }]);
    const { createAtlasClient } = await import('../../src/atlas/index.js');
    const { leaseLabels } = await import('../../src/rules/labels.js');
    const atlas = createAtlasClient({
      baseUrl: em.url,
      groupId: em.groupId,
      auth: { kind: 'apiKey', publicKey: em.publicKey, privateKey: em.privateKey },
      env: {},
    });
    const now = Date.now();
    const iso = (ms: number) => `${new Date(ms).toISOString().slice(0, 19)}Z`;
    const names = ['用户-数据库', 'e\u0301te\u0301-user', '🙂-user', 'plain-user'];
    for (const [i, username] of names.entries()) {
      await atlas.createDatabaseUser({
        username,
        password: 'Zq7-._~AbCdEfGhIjKlMnOpQrStUvWxYz01',
        roles: [{ roleName: 'read', databaseName: 'app' }],
        scopes: [],
        deleteAfterDate: iso(now + 3_600_000),
        description: 'made elsewhere',
        labels: leaseLabels({ config: 'app-db', createdAt: iso(now - i * 1000), maxExpiresAt: iso(now + 86_400_000) }),
      });
    }
    await atlas.close();
    const { stdout } = await mustSucceed(ws.cli(['list', 'app-db', '--remote']));
    const lines = stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(names.length + 1);
    // Every row's CREATED column starts at the same display column as the heading's.
    const width = (text: string) =>
      [...text.normalize('NFD')].reduce((sum, char) => {
        if (/\p{Mn}/u.test(char)) return sum;
        return sum + (/[\p{Script=Han}\p{Extended_Pictographic}]/u.test(char) ? 2 : 1);
      }, 0);
    const column = (line: string) => width(line.slice(0, line.search(/\d{4}-\d\d-\d\dT/)));
    const heading = width(lines[0]!.slice(0, lines[0]!.indexOf('CREATED')));
    for (const line of lines.slice(1)) expect(column(line), line).toBe(heading);
    for (const name of names) expect(stdout).toContain(name);
  });
});
