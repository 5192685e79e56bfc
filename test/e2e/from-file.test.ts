import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_CERT, TEST_KEY } from '../unit/atlas/tls-fixture.js';
import { dynsecret, type RunOptions, type RunResult } from '../helpers/bin.js';
import { cli } from '../helpers/cli.js';
import { configFile, type ConfigFile } from '../helpers/config-file.js';
import { parseLease, startEmulator, usersOf, type Emulator } from '../helpers/emulator.js';

let em: Emulator;
let file: ConfigFile;

beforeAll(async () => {
  em = await startEmulator(['--apply-delay', '0s']);
  file = configFile(em, { defaultTtl: '1h', maxTtl: '2h' });
});

/**
 * Runs a command line in this process (helpers/cli.ts) or through the built bin: the cases here are about what
 * a command decides, so most run in-process; one per command and outcome runs the bin, named so.
 */
type Via = (args: string[], options?: Omit<RunOptions, 'killAfterMs'>) => Promise<RunResult>;

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const withFile = (args: string[], env: Record<string, string> = {}, via: Via = cli) =>
  via([...args, '--from-file', file.path], { env: { ...file.env, ...env } });

describe('--from-file: a config without a store', () => {
  it('leases with no store, no passphrase and no NAME, and writes nothing to disk', async () => {
    const result = await withFile(['lease', '--format', 'json']);
    expect(result.stderr).toMatch(/^Leased ds-app-db-/m);
    expect(result.code).toBe(0);
    const lease = parseLease(result.stdout);
    expect(lease.config).toBe('app-db');
    // The only CLUSTER scope gives MONGODB_URI, as `create` would have recorded it.
    expect(lease.connectionString).toMatch(/^mongodb\+srv:\/\//);
    const [user] = (await usersOf(em, 'app-db')).filter((u) => u.username === lease.leaseId);
    expect(user?.passwordSha256).toBe(sha256(lease.password));
    expect(user?.labels).toEqual(expect.arrayContaining([{ key: 'dynsecret.maxExpiresAt', value: lease.maxExpiresAt }]));
    expect(existsSync(file.home)).toBe(false);
  });

  it("takes a NAME equal to the file's name", async () => {
    const result = await withFile(['lease', 'app-db', '--format', 'json']);
    expect(result.code).toBe(0);
  });

  it.each([
    ["a NAME that is not the file's", ['lease', 'other', '--from-file', 'FILE'], /defines the config app-db, not other/],
    ['no NAME and no --from-file', ['lease'], /Name the config/],
    ['run with no NAME and no --from-file', ['run', '--', 'npm', 'test'], /Name the config/],
    [
      'renew with another --config',
      ['renew', 'ds-app-db-x', '--config', 'other', '--from-file', 'FILE'],
      /defines the config app-db, not other/,
    ],
    ['revoke --all', ['revoke', '--all', '--from-file', 'FILE'], /name the lease ids/],
  ])('%s is a usage error (exit 2)', async (_what, args, message) => {
    const result = await cli(
      args.map((a) => (a === 'FILE' ? file.path : a)),
      { env: file.env },
    );
    expect(result.stderr).toMatch(message);
    expect(result.code).toBe(2);
    expect(existsSync(file.home)).toBe(false);
  });

  it.each([
    ['an unknown field', { name: 'app-db', nmae: 'x' }, /unknown field "nmae"/],
    ['a default TTL under the minimum', { defaultTtl: '30s' }, /below the minimum/],
    ['a default TTL above the max TTL', { defaultTtl: '3h', maxTtl: '2h' }, /above the max TTL/],
  ])('refuses a file with %s, as create does (exit 2)', async (_what, fields, message) => {
    const bad = configFile(em, fields);
    const result = await cli(['lease', '--from-file', bad.path], { env: bad.env });
    expect(result.stderr).toMatch(message);
    expect(result.code).toBe(2);
  });

  it("refuses a --ttl above the file's max TTL (exit 2) before Atlas is asked", async () => {
    const before = (await usersOf(em, 'app-db')).length;
    const result = await withFile(['lease', '--ttl', '3h']);
    expect(result.stderr).toMatch(/above the max TTL/);
    expect(result.code).toBe(2);
    expect((await usersOf(em, 'app-db')).length).toBe(before);
  });

  it('needs the keys from the file or the environment (exit 2), and takes them from the file too', async () => {
    const missing = await cli(['lease', '--from-file', file.path], {
      env: { DYNSECRET_HOME: file.home, MONGODB_ATLAS_PUBLIC_API_KEY: em.publicKey, MONGODB_ATLAS_BASE_URL: em.url },
    });
    expect(missing.stderr).toMatch(/Missing API private key/);
    expect(missing.code).toBe(2);
    const inline = configFile(em, { name: 'inline', publicKey: em.publicKey, privateKey: em.privateKey });
    const result = await cli(['lease', '--from-file', inline.path, '--format', 'json'], {
      env: { DYNSECRET_HOME: inline.home, MONGODB_ATLAS_BASE_URL: em.url },
    });
    expect(result.code).toBe(0);
    expect(result.stdout).not.toContain(em.privateKey);
    expect(result.stderr).not.toContain(em.privateKey);
  });

  it('renews, lists and revokes a lease from any runner, by its Atlas labels, with the TTL rules of the labels, through the bin', async () => {
    const lease = parseLease((await withFile(['lease', '--format', 'json', '--ttl', '30m'], {}, dynsecret)).stdout);
    // The file now allows far more; the lease keeps the max it was issued with (its maxExpiresAt label).
    writeFileSync(file.path, readFileSync(file.path, 'utf8').replace('"maxTtl": "2h"', '"maxTtl": "24h"'));
    try {
      const renewed = await withFile(['renew', lease.leaseId, '--ttl', '3h', '--json'], {}, dynsecret);
      expect(renewed.stderr).toMatch(/Capped by the config's max TTL/);
      expect(renewed.code).toBe(0);
      expect(JSON.parse(renewed.stdout)).toMatchObject({ leaseId: lease.leaseId, expiresAt: lease.maxExpiresAt, cappedBy: 'max-ttl' });
      const user = (await usersOf(em, 'app-db')).find((u) => u.username === lease.leaseId);
      expect(user?.deleteAfterDate).toBe(lease.maxExpiresAt);

      const listed = await withFile(['list', '--json'], {}, dynsecret);
      expect(listed.code).toBe(0);
      const leases = JSON.parse(listed.stdout) as { leaseId: string; config: string; expiresAt: string }[];
      expect(leases.find((l) => l.leaseId === lease.leaseId)).toMatchObject({ config: 'app-db', expiresAt: lease.maxExpiresAt });

      const revoked = await withFile(['revoke', lease.leaseId], {}, dynsecret);
      expect(revoked.stderr).toContain(`Revoked ${lease.leaseId}.`);
      expect(revoked.code).toBe(0);
      expect((await usersOf(em, 'app-db')).some((u) => u.username === lease.leaseId)).toBe(false);
      expect(existsSync(file.home)).toBe(false);
    } finally {
      writeFileSync(file.path, readFileSync(file.path, 'utf8').replace('"maxTtl": "24h"', '"maxTtl": "2h"'));
    }
  });

  it("refuses (exit 5) to renew or revoke a user that does not carry the file's config label, and lists only its own", async () => {
    const other = configFile(em, { name: 'other' });
    const lease = parseLease((await cli(['lease', '--from-file', other.path, '--format', 'json'], { env: other.env })).stdout);
    for (const args of [
      ['renew', lease.leaseId],
      ['revoke', lease.leaseId],
    ]) {
      const result = await withFile(args);
      expect(result.stderr).toMatch(/is not a lease of config app-db/);
      expect(result.code).toBe(5);
    }
    expect((await usersOf(em, 'other')).some((u) => u.username === lease.leaseId)).toBe(true);
    const listed = JSON.parse((await withFile(['list', '--json'])).stdout) as { leaseId: string }[];
    expect(listed.map((l) => l.leaseId)).not.toContain(lease.leaseId);
  });

  it('writes no audit log by default, and one where --audit-log or DYNSECRET_AUDIT_LOG says', async () => {
    const log = join(file.folder, 'audit.jsonl');
    const viaEnv = await withFile(['lease', '--format', 'json'], { DYNSECRET_AUDIT_LOG: log });
    const leaseId = parseLease(viaEnv.stdout).leaseId;
    await cli(['--audit-log', log, 'revoke', leaseId, '--from-file', file.path], { env: file.env });
    const lines = readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toEqual([
      expect.objectContaining({ command: 'lease', config: 'app-db', leaseId, outcome: 'ok' }),
      expect.objectContaining({ command: 'revoke', config: 'app-db', leaseId, outcome: 'ok' }),
    ]);
    expect(existsSync(file.home)).toBe(false);
  });

  it('does not cache service-account tokens: each command gets its own', async () => {
    const sa = configFile(em, { name: 'sa-db', clientId: em.clientId });
    const env = { DYNSECRET_HOME: sa.home, MONGODB_ATLAS_CLIENT_SECRET: em.clientSecret, MONGODB_ATLAS_BASE_URL: em.url };
    const before = (await em.state()).tokens;
    const lease = await cli(['lease', '--from-file', sa.path, '--format', 'json'], { env });
    expect(lease.code).toBe(0);
    const revoke = await cli(['revoke', parseLease(lease.stdout).leaseId, '--from-file', sa.path], { env });
    expect(revoke.code).toBe(0);
    expect((await em.state()).tokens).toBe(before + 2);
    expect(existsSync(sa.home)).toBe(false);
  });
});

describe('--from-file: the keys go only to the endpoint the environment names', () => {
  // A host of the file's choosing, with a certificate the file's own caFile makes trusted: what a pull
  // request could add to the repository. It records what reaches it and refuses everything.
  let trap: Server;
  let trapUrl: string;
  let certPath: string;
  const seen: string[] = [];
  beforeAll(async () => {
    trap = createServer({ cert: TEST_CERT, key: TEST_KEY }, (request, response) => {
      seen.push(`${request.method} ${request.url} ${request.headers.authorization ?? '-'}`);
      response.writeHead(401, { 'www-authenticate': 'Basic realm="trap"' }).end();
    });
    await new Promise<void>((done) => trap.listen(0, '127.0.0.1', done));
    trapUrl = `https://127.0.0.1:${(trap.address() as AddressInfo).port}`;
    certPath = join(file.folder, 'trap-ca.pem');
    writeFileSync(certPath, TEST_CERT);
  });
  afterAll(() => new Promise<void>((done) => trap.close(() => done())));

  const keys = () => ({
    DYNSECRET_HOME: file.home,
    MONGODB_ATLAS_PUBLIC_API_KEY: em.publicKey,
    MONGODB_ATLAS_PRIVATE_API_KEY: em.privateKey,
  });
  const sa = () => ({ DYNSECRET_HOME: file.home, MONGODB_ATLAS_CLIENT_ID: em.clientId, MONGODB_ATLAS_CLIENT_SECRET: em.clientSecret });

  const hostileFiles: [string, () => Record<string, unknown>, () => Record<string, string>, RegExp][] = [
    [
      'a baseUrl and caFile of its own, with no MONGODB_ATLAS_BASE_URL',
      () => ({ baseUrl: trapUrl, caFile: certPath }),
      keys,
      /names the Atlas endpoint https:\/\/127\.0\.0\.1:\d+, but the environment names https:\/\/cloud\.mongodb\.com/,
    ],
    [
      'a baseUrl other than MONGODB_ATLAS_BASE_URL',
      () => ({ baseUrl: trapUrl, caFile: certPath }),
      () => ({ ...keys(), MONGODB_ATLAS_BASE_URL: em.url }),
      /names the Atlas endpoint .* but the environment names http:\/\/127\.0\.0\.1/,
    ],
    [
      'a service account and a baseUrl of its own',
      () => ({ baseUrl: trapUrl, caFile: certPath }),
      () => ({ ...sa(), MONGODB_ATLAS_BASE_URL: em.url }),
      /names the Atlas endpoint/,
    ],
    [
      'its own keys and a baseUrl of its own',
      () => ({ baseUrl: trapUrl, publicKey: em.publicKey, privateKey: em.privateKey }),
      () => ({ DYNSECRET_HOME: file.home }),
      /names the Atlas endpoint/,
    ],
    [
      "the environment's endpoint but a caFile the environment does not name",
      () => ({ baseUrl: trapUrl, caFile: certPath }),
      () => ({ ...keys(), MONGODB_ATLAS_BASE_URL: trapUrl }),
      /names the CA file .*trap-ca\.pem, which the environment does not/,
    ],
  ];
  /** Every command refuses the file the same way, and nothing reaches the host it names. */
  async function refusedByEveryCommand(
    fields: () => Record<string, unknown>,
    env: () => Record<string, string>,
    message: RegExp,
    via: Via,
  ): Promise<void> {
    const hostile = configFile(em, fields());
    for (const [command, ...rest] of [['lease'], ['run', '--', 'true'], ['list'], ['renew', 'ds-app-db-x'], ['revoke', 'ds-app-db-x']]) {
      const result = await via([command!, '--from-file', hostile.path, ...rest], { env: env() });
      expect(result.stderr).toMatch(message);
      expect(result.stderr).not.toContain(em.privateKey);
      expect(result.code).toBe(2);
    }
    expect(seen).toEqual([]);
  }

  it.each(hostileFiles)('refuses a file with %s (exit 2), and nothing reaches that host', (_what, fields, env, message) =>
    refusedByEveryCommand(fields, env, message, cli),
  );

  it.each(hostileFiles.slice(0, 1))(
    'refuses a file with %s (exit 2), and nothing reaches that host, through the bin',
    (_what, fields, env, message) => refusedByEveryCommand(fields, env, message, dynsecret),
  );

  it('sends the keys to a host and CA the environment names (MONGODB_ATLAS_BASE_URL, DYNSECRET_CA_FILE)', async () => {
    const named = configFile(em, { baseUrl: trapUrl, caFile: certPath });
    const viaVariable = configFile(em, { baseUrl: undefined });
    const env = { ...keys(), MONGODB_ATLAS_BASE_URL: trapUrl, DYNSECRET_CA_FILE: certPath };
    for (const path of [named.path, viaVariable.path]) {
      const result = await cli(['list', '--from-file', path], { env });
      expect(result.code).toBe(4);
    }
    expect(seen.length).toBeGreaterThanOrEqual(2);
    seen.length = 0;
  });
});
