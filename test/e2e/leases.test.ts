import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseLease, startEmulator, workspace, type Emulator, type Workspace } from '../helpers/emulator.js';
import { failedStdout } from '../helpers/shells.js';

/**
 * `lease` as a user runs it, against the emulator over HTTP: in this process (helpers/cli.ts), and through the
 * built bin once on its success path and once on a failure path, as the titles say.
 */

const THROUGH_THE_BIN = ', through the bin';

const NAMES = ['DB_USERNAME', 'DB_PASSWORD', 'MONGODB_URI', 'DYNSECRET_LEASE_ID', 'DYNSECRET_LEASE_EXPIRES_AT'];
const PASSWORD = /^[A-Za-z0-9._~-]{32,}$/;
const MINUTE = 60_000;

/** One line per variable, as each format writes it; our values never need more than single quotes. */
const lineOf: Record<string, (name: string) => RegExp> = {
  shell: (name) => new RegExp(`^export ${name}='([^']*)'$`),
  fish: (name) => new RegExp(`^set -gx ${name} '([^']*)'$`),
  powershell: (name) => new RegExp(`^\\$env:${name} = '([^']*)'$`),
  dotenv: (name) => new RegExp(`^${name}='([^']*)'$`),
  table: (name) => new RegExp(`^${name} +(\\S+)$`),
};

function readVariables(format: string, stdout: string, names: string[]): Record<string, string> {
  const lines = stdout.split('\n').filter((line) => line !== '');
  if (format === 'table') {
    expect(lines[0]).toMatch(/^NAME +VALUE$/);
    expect(lines.slice(-2).map((l) => l.split(/ {2,}/)[0])).toEqual(['EXPIRES', 'MAX EXPIRES']);
    lines.splice(0, 1);
    lines.splice(-2);
  }
  expect(lines).toHaveLength(names.length);
  return Object.fromEntries(
    names.map((name, i) => {
      const match = lineOf[format]!(name).exec(lines[i]!);
      expect(match, `line ${i} of ${format}: ${lines[i]}`).not.toBeNull();
      return [name, match![1]!];
    }),
  );
}

const storeBytes = (home: string) => readFileSync(join(home, 'store.json'));
const allFiles = (dir: string): string =>
  readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => readFileSync(join(e.parentPath, e.name), 'utf8'))
    .join('\n');

describe('dynsecret lease (against the emulator)', () => {
  let em: Emulator;
  let ws: Workspace;
  let clusterHost: string;
  beforeAll(async () => {
    em = await startEmulator(['--apply-delay', '0s', '--clusters', 'Cluster0,Cluster1']);
    ws = await workspace(em, [
      { name: 'app-db', flags: ['--role', 'readWrite@app', '--scope', 'Cluster0', '--default-ttl', '30m', '--max-ttl', '2h'] },
      { name: 'open-db', flags: ['--role', 'read@reports', '--max-ttl', '10d'] },
    ]);
    clusterHost = new URL((await em.state()).clusters.Cluster0?.connectionStrings.standardSrv ?? 'missing:').host;
  });

  it.each([
    [`no --format and no TTY: shell${THROUGH_THE_BIN}`, [], 'shell'],
    ['--format shell', ['--format', 'shell'], 'shell'],
    ['--format fish', ['--format', 'fish'], 'fish'],
    ['--format powershell', ['--format', 'powershell'], 'powershell'],
    ['--format dotenv', ['--format', 'dotenv'], 'dotenv'],
    ['--format table', ['--format', 'table'], 'table'],
  ])('%s prints the five variables of a lease Atlas holds', async (what, flags, format) => {
    const result = await (what.endsWith(THROUGH_THE_BIN) ? ws.run : ws.cli)(['lease', 'app-db', ...flags]);
    expect(result.stderr).toMatch(/^Leased ds-app-db-[a-z0-9]{12} from app-db; expires \d{4}-\d\d-\d\dT[\d:]+Z \(in (30m|29m)\)\.$/m);
    expect(result.code).toBe(0);
    const vars = readVariables(format, result.stdout, NAMES);
    const user = (await em.state()).users.find((u) => u.username === vars.DB_USERNAME);
    expect(user).toBeDefined();
    expect(vars.DYNSECRET_LEASE_ID).toBe(vars.DB_USERNAME);
    expect(vars.DB_PASSWORD).toMatch(PASSWORD);
    expect(vars.MONGODB_URI).toBe(`mongodb+srv://${vars.DB_USERNAME}:${vars.DB_PASSWORD}@${clusterHost}`);
    expect(vars.DYNSECRET_LEASE_EXPIRES_AT).toBe(user!.deleteAfterDate);
  });

  it('--prefix APP_ prefixes the DB_ and MONGODB_ names only', async () => {
    const result = await ws.cli(['lease', 'app-db', '--format', 'dotenv', '--prefix', 'APP_']);
    expect(result.code).toBe(0);
    const names = ['APP_DB_USERNAME', 'APP_DB_PASSWORD', 'APP_MONGODB_URI', 'DYNSECRET_LEASE_ID', 'DYNSECRET_LEASE_EXPIRES_AT'];
    const vars = readVariables('dotenv', result.stdout, names);
    expect(vars.DYNSECRET_LEASE_ID).toBe(vars.APP_DB_USERNAME);
    expect(vars.APP_MONGODB_URI).toContain(`@${clusterHost}`);
  });

  it('creates the Atlas user with the expiry, roles, scopes, labels and description, and never stores the password', async () => {
    await em.clearRequests();
    const result = await ws.cli(['lease', 'app-db', '--ttl', '45m', '--format', 'json', '--debug']);
    expect(result.code).toBe(0);
    const lease = parseLease(result.stdout);
    expect(Object.keys(lease).sort()).toEqual(
      ['config', 'connectionString', 'createdAt', 'expiresAt', 'leaseId', 'maxExpiresAt', 'password', 'username'].sort(),
    );
    expect(lease).toMatchObject({ config: 'app-db', username: lease.leaseId });
    expect(Date.parse(lease.expiresAt) - Date.parse(lease.createdAt)).toBe(45 * MINUTE);
    expect(Date.parse(lease.maxExpiresAt) - Date.parse(lease.createdAt)).toBe(120 * MINUTE);
    const state = await em.state();
    const user = state.users.find((u) => u.username === lease.leaseId)!;
    expect(user).toMatchObject({
      databaseName: 'admin',
      deleteAfterDate: lease.expiresAt,
      roles: [{ roleName: 'readWrite', databaseName: 'app' }],
      scopes: [{ name: 'Cluster0', type: 'CLUSTER' }],
    });
    expect(user.description).toMatch(/app-db/);
    expect([...user.labels].sort((a, b) => a.key.localeCompare(b.key))).toEqual([
      { key: 'dynsecret.config', value: 'app-db' },
      { key: 'dynsecret.createdAt', value: lease.createdAt },
      { key: 'dynsecret.maxExpiresAt', value: lease.maxExpiresAt },
    ]);
    const list = await ws.cli(['list', 'app-db', '--json']);
    expect(result.stderr).toMatch(/^debug: /m);
    const places = {
      'the store folder': allFiles(ws.home),
      'lease stderr': result.stderr,
      'list output': list.stdout + list.stderr,
      'emulator log': em.stderr(),
      'request log': JSON.stringify(await em.requests()),
      'emulator state': JSON.stringify(state),
    };
    for (const [place, text] of Object.entries(places)) {
      expect(text, place).not.toContain(lease.password);
      expect(text, place).not.toContain(em.privateKey);
    }
  });

  it('--cluster Cluster0 gives an unscoped config a MONGODB_URI; without it there is none', async () => {
    const withCluster = parseLease((await ws.cli(['lease', 'open-db', '--cluster', 'Cluster0', '--format', 'json'])).stdout);
    expect(withCluster.connectionString).toBe(`mongodb+srv://${withCluster.username}:${withCluster.password}@${clusterHost}`);
    const without = await ws.cli(['lease', 'open-db', '--format', 'shell']);
    expect(without.code).toBe(0);
    readVariables(
      'shell',
      without.stdout,
      NAMES.filter((n) => n !== 'MONGODB_URI'),
    );
    const json = parseLease((await ws.cli(['lease', 'open-db', '--format', 'json'])).stdout);
    expect(json.connectionString).toBeUndefined();
  });

  it.each([
    ['the max TTL itself', 'app-db', '2h', 120],
    ["Atlas' 7 days, under a max TTL of 10 days", 'open-db', '7d', 7 * 24 * 60],
  ])('accepts a TTL of %s', async (_what, config, ttl, minutes) => {
    const lease = parseLease((await ws.cli(['lease', config, '--ttl', ttl, '--format', 'json'])).stdout);
    expect(Date.parse(lease.expiresAt) - Date.parse(lease.createdAt)).toBe(minutes * MINUTE);
    expect((await em.state()).users.find((u) => u.username === lease.leaseId)?.deleteAfterDate).toBe(lease.expiresAt);
  });

  it('--wait on a config without CLUSTER scopes waits for every cluster of the project', async () => {
    const result = await ws.cli(['lease', 'open-db', '--wait', '--format', 'json']);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/^Applied to Cluster0, Cluster1 after \d+s\.$/m);
    parseLease(result.stdout);
  });

  it('an unknown --cluster fails with exit 5 before any user is created', async () => {
    const before = (await em.state()).users.length;
    await em.clearRequests();
    const result = await ws.cli(['lease', 'open-db', '--cluster', 'Nope', '--format', 'json']);
    expect(result.code).toBe(5);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/No cluster named Nope/);
    expect((await em.state()).users).toHaveLength(before);
    expect((await em.requests()).filter((r) => r.method === 'POST')).toEqual([]);
    const listed = JSON.parse((await ws.cli(['list', 'open-db', '--json'])).stdout) as { status: string }[];
    expect(listed.filter((l) => l.status !== 'active')).toEqual([]);
  });

  it.each([
    [`a TTL above the max TTL${THROUGH_THE_BIN}`, ['app-db', '--ttl', '3h'], /max TTL of this config \(2 hours\)/],
    ['a TTL above 7 days, under a max TTL of 10 days', ['open-db', '--ttl', '8d'], /Atlas' limit of 7 days/],
    ['a bare number as TTL', ['app-db', '--ttl', '15'], /bare number/],
    ['an unknown format', ['app-db', '--format', 'yaml'], /--format "yaml"/],
    ['a prefix that makes bad names', ['app-db', '--prefix', '1-'], /Invalid variable name "1-DB_USERNAME"/],
  ])('refuses %s with exit 2, no POST to Atlas and nothing stored', async (what, args, message) => {
    await em.clearRequests();
    const before = storeBytes(ws.home);
    const result = await (what.endsWith(THROUGH_THE_BIN) ? ws.run : ws.cli)(['lease', ...args]);
    expect(result.code).toBe(2);
    // The default format off a terminal is shell: its failure is one statement that fails.
    expect(result.stdout).toBe(failedStdout(['lease', ...args]));
    expect(result.stderr).toMatch(message);
    expect((await em.requests()).filter((r) => r.method === 'POST')).toEqual([]);
    expect(storeBytes(ws.home).equals(before)).toBe(true);
  });

  it('an unknown config is exit 5 with nothing sent', async () => {
    await em.clearRequests();
    const result = await ws.cli(['lease', 'nope']);
    expect(result.code).toBe(5);
    expect(result.stderr).toMatch(/No config named nope/);
    expect(await em.requests()).toEqual([]);
  });
});
