import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DYNSECRET, dynsecret } from '../helpers/bin.js';
import { cli } from '../helpers/cli.js';
import { configFile } from '../helpers/config-file.js';
import { startEmulator, usersOf, type Emulator } from '../helpers/emulator.js';
import { hasBinary, runScript, SCRIPT_SHELLS, UNREACHABLE_URL } from '../helpers/shells.js';

/**
 * A failed lease stops a script that evaluates its output the short way (`eval "$(dynsecret lease …)"` under
 * `set -e`, `… | source || exit` in fish, `… | Invoke-Expression` in PowerShell): off a terminal, the only
 * stdout of a failure in a shell format is one statement that fails. Each script's job line must not run.
 * What `lease` prints is checked in this process (helpers/cli.ts), the shell format once through the bin too;
 * the scripts run the bin through each shell.
 */

let em: Emulator;
let work: string;
let path: string;
let down: string;
/** The endpoint of `down`'s config: a store-less config's endpoint is the environment's. */
let downUrl: string;

beforeAll(async () => {
  em = await startEmulator(['--apply-delay', '0s']);
  work = mkdtempSync(join(tmpdir(), 'dynsecret-fail-closed-'));
  const bin = join(work, 'bin');
  mkdirSync(bin);
  symlinkSync(DYNSECRET, join(bin, 'dynsecret'));
  path = `${bin}:${process.env.PATH ?? ''}`;
  configFile(em, {}, work); // work/app-db.json, against the emulator
  downUrl = UNREACHABLE_URL;
  down = mkdtempSync(join(tmpdir(), 'dynsecret-down-'));
  configFile(em, { baseUrl: UNREACHABLE_URL }, down); // down/app-db.json, against a port nothing listens on
});

const env = (baseUrl = em.url) => ({
  MONGODB_ATLAS_BASE_URL: baseUrl,
  PATH: path,
  HOME: work,
  NO_COLOR: '1',
  MONGODB_ATLAS_PUBLIC_API_KEY: em.publicKey,
  MONGODB_ATLAS_PRIVATE_API_KEY: em.privateKey,
  DYNSECRET_HOME: join(work, 'no-store-here'),
  DYNSECRET_RETRIES: '0',
});

/** The short way each kind of shell evaluates a lease, then the job line. */
const SCRIPTS = {
  posix: 'set -e\neval "$(dynsecret lease --from-file app-db.json)"\necho "job ran as $DB_USERNAME"\n',
  fish: 'dynsecret lease --from-file app-db.json --format fish | source || exit 1\necho "job ran as $DB_USERNAME"\n',
  powershell:
    '$ErrorActionPreference = \'Stop\'\ndynsecret lease --from-file app-db.json --format powershell | Out-String | Invoke-Expression\nWrite-Output "job ran as $env:DB_USERNAME"\n',
} as const;

describe('lease output off a terminal fails closed', () => {
  it.each([
    ['shell', 'false\n', ', through the bin'],
    ['fish', 'false\n', ''],
    ['powershell', "throw 'dynsecret failed: see the message above'\n", ''],
    ['json', '', ''],
    ['dotenv', '', ''],
    ['env', '', ''],
    ['table', '', ''],
  ])('--format %s against an unreachable Atlas: stdout is %j%s', async (format, expected, via) => {
    const result = await (via === '' ? cli : dynsecret)(['lease', '--from-file', join(down, 'app-db.json'), '--format', format], {
      env: env(downUrl),
    });
    expect(result.code).toBe(6);
    expect(result.stdout).toBe(expected);
    expect(result.stderr).toMatch(/^dynsecret: Could not reach 127\.0\.0\.1:\d+/);
  });

  it('the default format off a terminal is shell, and so is its failure; --env-file alone prints nothing', async () => {
    const file = join(down, 'app-db.json');
    expect((await cli(['lease', '--from-file', file], { env: env(downUrl) })).stdout).toBe('false\n');
    expect((await cli(['lease', '--from-file', file, '--env-file', join(down, '.env')], { env: env(downUrl) })).stdout).toBe('');
    expect(
      (await cli(['lease', '--from-file', file, '--env-file', join(down, '.env'), '--format', 'fish'], { env: env(downUrl) })).stdout,
    ).toBe('false\n');
  });

  it('a usage error of lease fails closed too', async () => {
    const result = await cli(['lease', '--from-file', join(down, 'app-db.json'), '--ttl', '0'], { env: env(downUrl) });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('false\n');
  });
});

describe.each(SCRIPT_SHELLS.map((shell) => ({ ...shell, present: hasBinary(shell.binary) })))('$name', (shell) => {
  if (!shell.present) console.warn(`fail-closed: ${shell.name} skipped: no ${shell.binary} on PATH`);
  const script = (folder: string) => {
    const file = join(folder, `evaluate.${shell.kind === 'powershell' ? 'ps1' : shell.kind}`);
    writeFileSync(file, SCRIPTS[shell.kind]);
    return file;
  };

  it.skipIf(!shell.present)('runs the job with credentials Atlas has', async () => {
    const result = await runScript(shell, script(work), { cwd: work, env: env() });
    expect(result.code, result.stderr).toBe(0);
    const username = /job ran as (ds-app-db-\S+)/.exec(result.stdout)?.[1];
    expect((await usersOf(em, 'app-db')).map((u) => u.username)).toContain(username);
  });

  it.skipIf(!shell.present)('stops before the job when Atlas cannot be reached', async () => {
    const result = await runScript(shell, script(down), { cwd: down, env: env(downUrl) });
    expect(result.code).not.toBe(0);
    expect(result.stdout).not.toMatch(/job ran/);
    expect(result.stderr).toMatch(/Could not reach 127\.0\.0\.1/);
  });

  it.skipIf(!shell.present)('stops before the job when Atlas fails the create', async () => {
    await em.addFault({ match: { method: 'POST', path: '/databaseUsers' }, count: 1, status: 400, errorCode: 'INVALID_ATTRIBUTE' });
    const before = await usersOf(em, 'app-db');
    const result = await runScript(shell, script(work), { cwd: work, env: env() });
    expect(result.code).not.toBe(0);
    expect(result.stdout).not.toMatch(/job ran/);
    expect(result.stderr).toMatch(/Atlas rejected POST/);
    expect(await usersOf(em, 'app-db')).toEqual(before);
  });
});
