import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempHome } from '../helpers/bin.js';
import { mustSucceed, parseLease, startEmulator, workspace, type Emulator, type LeaseJson, type Workspace } from '../helpers/emulator.js';

/**
 * The wiring from a lease to real readers: POSIX shells eval `--format shell`, Node's own `--env-file` loader
 * reads `--format dotenv` and the env file, and every reader ends with exactly the values of the lease.
 * (Hostile-value quoting is unit-tested in test/unit/output/.) The text the shells evaluate comes from the built
 * bin; the other leases run in this process (helpers/cli.ts).
 */

const exec = promisify(execFile);
const NAMES = ['DB_USERNAME', 'DB_PASSWORD', 'MONGODB_URI', 'DYNSECRET_LEASE_ID', 'DYNSECRET_LEASE_EXPIRES_AT'] as const;
type Values = Record<(typeof NAMES)[number], string>;

/** Only our variables, so each reader's own environment does not matter. */
const pick = (env: Record<string, string | undefined>): Partial<Values> =>
  Object.fromEntries(NAMES.filter((n) => env[n] !== undefined).map((n) => [n, env[n]]));

const fromJson = (lease: LeaseJson): Values => ({
  DB_USERNAME: lease.username,
  DB_PASSWORD: lease.password,
  MONGODB_URI: lease.connectionString ?? 'missing',
  DYNSECRET_LEASE_ID: lease.leaseId,
  DYNSECRET_LEASE_EXPIRES_AT: lease.expiresAt,
});

/** `env -0` after the shell evaluated the text: what the shell exported. */
async function evalInShell(shell: string, text: string): Promise<Partial<Values>> {
  // No startup files: bash given a socket for stdin (as Node's pipes are) reads ~/.bashrc even with -c.
  const quiet = shell === 'bash' ? ['--norc', '--noprofile'] : [];
  const { stdout } = await exec(shell, [...quiet, '-c', 'eval "$1" && env -0', shell, text], { env: { PATH: process.env.PATH ?? '' } });
  const entries = stdout
    .split('\0')
    .filter(Boolean)
    .map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]);
  return pick(Object.fromEntries(entries));
}

/** Node's dotenv loader (`node --env-file`), a reader written by other people than ours. */
async function readWithNode(file: string): Promise<Partial<Values>> {
  const { stdout } = await exec(process.execPath, [`--env-file=${file}`, '-e', 'process.stdout.write(JSON.stringify(process.env))'], {
    env: { PATH: process.env.PATH ?? '' },
  });
  return pick(JSON.parse(stdout) as Record<string, string>);
}

describe('lease output read back by real shells and loaders', () => {
  let em: Emulator;
  let ws: Workspace;
  let dir: string;
  /** One lease printed as `format` on stdout and, the same lease, written to an env file. */
  const leaseTwice = async (format: string, via: Workspace['cli'] = ws.cli) => {
    const file = join(dir, `${format}.env`);
    // Exists beforehand: Node itself exits 9 on `--env-file <missing file>` even after the script name.
    writeFileSync(file, '');
    const result = await mustSucceed(via(['lease', 'app-db', '--format', format, '--env-file', file]));
    return { stdout: result.stdout, fileValues: await readWithNode(file) };
  };

  beforeAll(async () => {
    em = await startEmulator();
    ws = await workspace(em, [{ name: 'app-db' }]);
    dir = tempHome();
  });

  it('the env file of a lease holds exactly its --format json values', async () => {
    const { stdout, fileValues } = await leaseTwice('json');
    const lease = parseLease(stdout);
    expect(lease.connectionString).toMatch(/^mongodb\+srv:\/\//);
    expect(fileValues).toEqual(fromJson(lease));
    const user = (await em.state()).users.find((u) => u.username === lease.username);
    expect(user?.deleteAfterDate).toBe(lease.expiresAt);
  });

  describe('--format shell, through the bin', () => {
    let shellText: string;
    let expected: Partial<Values>;
    beforeAll(async () => {
      const { stdout, fileValues } = await leaseTwice('shell', ws.run);
      shellText = stdout;
      expected = fileValues;
      expect(Object.keys(expected)).toEqual([...NAMES]);
    });

    it.each(['sh', 'bash', 'dash'])('eval "$(dynsecret lease …)" in %s exports exactly the lease\'s values', async (shell) => {
      expect(await evalInShell(shell, shellText)).toEqual(expected);
    });
  });

  it("--format dotenv read back by node --env-file gives exactly the lease's values", async () => {
    const { stdout, fileValues } = await leaseTwice('dotenv');
    const printed = join(dir, 'printed.env');
    writeFileSync(printed, stdout);
    expect(Object.keys(fileValues)).toEqual([...NAMES]);
    expect(await readWithNode(printed)).toEqual(fileValues);
    expect(await evalInShell('sh', `set -a; . '${printed}'`)).toEqual(fileValues);
    expect(readFileSync(printed, 'utf8')).toContain(`DYNSECRET_LEASE_ID='${fileValues.DB_USERNAME}'`);
  });
});
