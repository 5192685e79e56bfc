import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { EncryptedStore } from '../../src/store/store.js';
import { DYNSECRET, hasScript } from '../helpers/bin.js';
import { mustSucceed, parseLease, startEmulator, workspace, type Emulator, type Workspace } from '../helpers/emulator.js';

/**
 * `update` against the emulator over HTTP, in this process (helpers/cli.ts) but for a success and a refusal
 * through the built bin, and the hidden prompt, which needs a terminal.
 */

const HOUR = 3_600_000;

describe('dynsecret update (built bin against the emulator)', () => {
  let em: Emulator;
  let ws: Workspace;
  const storeBytes = () => readFileSync(join(ws.home, 'store.json'));
  const saved = async (name: string) => {
    const { configs: all } = await new EncryptedStore({ folder: ws.home, keys: { session: ws.env.DYNSECRET_SESSION } }).read();
    return all.find((c) => c.name === name)!;
  };

  beforeAll(async () => {
    em = await startEmulator(['--apply-delay', '0s', '--clusters', 'Cluster0,Cluster1']);
    ws = await workspace(em, [{ name: 'app-db' }, { name: 'other' }]);
  });

  it('changes only the TTLs given, keeps the rest, and asks Atlas nothing for them, through the bin', async () => {
    const before = await saved('app-db');
    await em.clearRequests();
    const result = await mustSucceed(ws.run(['update', 'app-db', '--max-ttl', '8h', '--default-ttl', '30m']));
    expect(result.stderr).toContain('Updated config app-db: default TTL, max TTL.');
    expect(result.stdout).toBe('');
    expect(await em.requests()).toEqual([]);
    const after = await saved('app-db');
    expect(after).toEqual({ ...before, defaultTtlMs: HOUR / 2, maxTtlMs: 8 * HOUR });
  });

  it('--role replaces the whole list of roles', async () => {
    await mustSucceed(ws.cli(['update', 'app-db', '--role', 'read@reports', '--role', 'read@app.orders']));
    expect((await saved('app-db')).roles).toEqual([
      { roleName: 'read', databaseName: 'reports' },
      { roleName: 'read', databaseName: 'app', collectionName: 'orders' },
    ]);
  });

  it('new scopes are checked against Atlas, and the connection string follows them', async () => {
    await mustSucceed(ws.cli(['update', 'app-db', '--scope', 'Cluster1']));
    expect((await saved('app-db')).connectionString).toMatch(/cluster1/i);
    const refused = await ws.cli(['update', 'app-db', '--scope', 'NoSuchCluster']);
    expect(refused.code).toBe(5);
    expect((await saved('app-db')).scopes).toEqual([{ name: 'Cluster1', type: 'CLUSTER' }]);
  });

  const refusals: [string, string[], number][] = [
    ['a default TTL above the max', ['--default-ttl', '9h'], 2],
    ['a bad role', ['--role', 'nonsense'], 2],
    ['a bad duration', ['--max-ttl', '1 hour'], 2],
    ['plain http to a remote host', ['--base-url', 'http://example.com'], 2],
    ['nothing to change', [], 2],
    ['two secrets on stdin', ['--private-key-stdin', '--client-secret-stdin'], 2],
  ];
  const refused = async (args: string[], code: number, via: Workspace['cli']) => {
    const bytes = storeBytes();
    const result = await via(['update', 'app-db', ...args]);
    expect(result.code).toBe(code);
    expect(result.stderr).toMatch(/^dynsecret: /);
    expect(storeBytes().equals(bytes)).toBe(true);
  };
  it.each(refusals)('%s is refused (exit %i) and the store is not touched', (_case, args, code) => refused(args, code, ws.cli));
  it.each(refusals.slice(0, 1))('%s is refused (exit %i) and the store is not touched, through the bin', (_case, args, code) =>
    refused(args, code, ws.run),
  );

  it('an unknown config is exit 5', async () => {
    expect((await ws.cli(['update', 'nope', '--max-ttl', '2h'])).code).toBe(5);
  });

  it('a rotated private key that Atlas refuses is exit 4 and changes nothing; the right one is verified and saved', async () => {
    const bytes = storeBytes();
    const refused = await ws.cli(['update', 'other', '--private-key-stdin'], { input: 'WRONG-PRIVATE-KEY-0000' });
    expect(refused.code).toBe(4);
    expect(refused.stderr).not.toContain('WRONG-PRIVATE-KEY-0000');
    expect(storeBytes().equals(bytes)).toBe(true);
    // Saved unverified on request, then put right: the new key is checked before it is saved.
    await mustSucceed(ws.cli(['update', 'other', '--private-key-stdin', '--no-verify'], { input: 'WRONG-PRIVATE-KEY-0000' }));
    expect((await ws.cli(['lease', 'other', '--format', 'json'])).code).toBe(4);
    const fixed = await mustSucceed(ws.cli(['update', 'other', '--private-key-stdin'], { input: em.privateKey }));
    expect(fixed.stderr).toContain('Updated config other: private key (verified against Atlas).');
    await mustSucceed(ws.cli(['lease', 'other', '--format', 'json']));
  });

  it("the Atlas CLI's variables rotate the key as they fill it in for create, checked first", async () => {
    const bytes = storeBytes();
    const refused = await ws.cli(['update', 'other', '--max-ttl', '12h'], {
      env: { MONGODB_ATLAS_PRIVATE_API_KEY: 'WRONG-PRIVATE-KEY-0000' },
    });
    expect(refused.code).toBe(4);
    expect(storeBytes().equals(bytes)).toBe(true);
    // The same key as saved is no change: nothing to verify.
    const same = await mustSucceed(
      ws.cli(['update', 'other', '--max-ttl', '12h'], { env: { MONGODB_ATLAS_PRIVATE_API_KEY: em.privateKey } }),
    );
    expect(same.stderr).toContain('Updated config other: max TTL.');
  });

  it('a base URL where no Atlas answers is refused (network, exit 6) unless --no-verify', async () => {
    const bytes = storeBytes();
    const result = await ws.cli(['update', 'other', '--base-url', 'http://127.0.0.1:9']);
    expect(result.code).toBe(6);
    expect(storeBytes().equals(bytes)).toBe(true);
    const unverified = await mustSucceed(ws.cli(['update', 'other', '--base-url', 'http://127.0.0.1:9', '--no-verify']));
    expect(unverified.stderr).toContain('base URL (not verified against Atlas)');
    expect((await saved('other')).baseUrl).toBe('http://127.0.0.1:9');
    await mustSucceed(ws.cli(['update', 'other', '--base-url', em.url]));
    expect((await saved('other')).baseUrl).toBe(new URL(em.url).origin);
  });

  it('switches a config to a service account, verified, and leases with it', async () => {
    // The API key variables in the environment do not stand in the way of an explicit switch.
    await mustSucceed(
      ws.cli(['update', 'other', '--client-id', em.clientId, '--client-secret-stdin'], {
        input: em.clientSecret,
        env: { MONGODB_ATLAS_PUBLIC_API_KEY: em.publicKey, MONGODB_ATLAS_PRIVATE_API_KEY: em.privateKey },
      }),
    );
    expect((await saved('other')).auth).toEqual({ kind: 'serviceAccount', clientId: em.clientId, clientSecret: em.clientSecret });
    const secrets = JSON.stringify(await saved('other'));
    expect(secrets).not.toContain(em.privateKey);
    await mustSucceed(ws.cli(['lease', 'other', '--format', 'json']));
  });

  it('live leases keep their expiry; a lower max TTL caps their renewals', async () => {
    await mustSucceed(ws.cli(['update', 'app-db', '--max-ttl', '24h', '--default-ttl', '1h']));
    const lease = parseLease((await mustSucceed(ws.cli(['lease', 'app-db', '--format', 'json']))).stdout);
    expect(Date.parse(lease.maxExpiresAt) - Date.parse(lease.createdAt)).toBe(24 * HOUR);
    const lowered = await mustSucceed(ws.cli(['update', 'app-db', '--max-ttl', '2h']));
    expect(lowered.stderr).toMatch(/1 live lease\(s\) keep their expiry/);
    const listed = z
      .array(z.looseObject({ leaseId: z.string(), expiresAt: z.string(), maxExpiresAt: z.string() }))
      .parse(JSON.parse((await mustSucceed(ws.cli(['list', 'app-db', '--json']))).stdout))
      .find((l) => l.leaseId === lease.leaseId)!;
    expect(listed).toMatchObject({ expiresAt: lease.expiresAt, maxExpiresAt: lease.maxExpiresAt });
    const renewed = z
      .looseObject({ expiresAt: z.string() })
      .parse(JSON.parse((await mustSucceed(ws.cli(['renew', lease.leaseId, '--ttl', '5h', '--json']))).stdout));
    expect(Date.parse(renewed.expiresAt)).toBeLessThanOrEqual(Date.parse(lease.createdAt) + 2 * HOUR);
    // New leases take the new max.
    const fresh = parseLease((await mustSucceed(ws.cli(['lease', 'app-db', '--format', 'json']))).stdout);
    expect(Date.parse(fresh.maxExpiresAt) - Date.parse(fresh.createdAt)).toBe(2 * HOUR);
  });

  it.skipIf(!hasScript)('on a terminal, --private-key-stdin asks for the new key with a hidden prompt', async () => {
    const before = storeBytes();
    const wrong = await typed(['update', 'app-db', '--private-key-stdin'], ws.env, 'New API private key', 'WRONG-PRIVATE-KEY-0000');
    expect(wrong.code).toBe(4);
    expect(wrong.output).not.toContain('WRONG-PRIVATE-KEY-0000');
    expect(storeBytes().equals(before)).toBe(true);
    const right = await typed(
      ['update', 'app-db', '--private-key-stdin', '--default-ttl', '45m'],
      ws.env,
      'New API private key',
      em.privateKey,
    );
    expect(right.code).toBe(0);
    // The key typed is the one saved: only the TTL changed, and a TTL needs no check against Atlas.
    expect(right.output).toContain('Updated config app-db: default TTL.');
    expect(right.output).not.toContain(em.privateKey);
  });

  it('appears in the audit trail', async () => {
    const { stdout } = await mustSucceed(ws.cli(['list', '--audit', '--json']));
    expect(JSON.parse(stdout)).toEqual(
      expect.arrayContaining([expect.objectContaining({ command: 'update', config: 'app-db', outcome: 'ok' })]),
    );
  });
});

/** Runs the bin on a pseudo-terminal (script(1)) and types `answer` once `prompt` has appeared. */
function typed(
  args: string[],
  env: Record<string, string>,
  prompt: string,
  answer: string,
): Promise<{ code: number | null; output: string }> {
  const command = [process.execPath, '--', DYNSECRET, ...args].map((a) => `'${a}'`).join(' ');
  const child = spawn('script', ['-qec', command, '/dev/null'], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', TERM: 'xterm', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  let answered = false;
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
    if (!answered && output.includes(prompt)) {
      answered = true;
      child.stdin.write(`${answer}\r`);
    }
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return new Promise((resolve) => {
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe("a service account's cached token belongs to its base URL, client id and secret", () => {
  let em: Emulator;
  let ws: Workspace;
  beforeAll(async () => {
    em = await startEmulator(['--apply-delay', '0s']);
    ws = await workspace(em, [{ name: 'sa', auth: 'serviceAccount' }]);
    // A lease caches the token in the store.
    await mustSucceed(ws.cli(['lease', 'sa', '--format', 'json']));
  });

  it('a wrong secret is checked with that secret, not passed on the cached token (exit 4)', async () => {
    const refused = await ws.cli(['update', 'sa', '--client-secret-stdin'], { input: 'WRONG-CLIENT-SECRET-0000' });
    expect(refused.stderr).not.toMatch(/verified against Atlas/);
    expect(refused.code).toBe(4);
  });

  it('another base URL gets a token request first, never the token of the old host', async () => {
    // The same project and account exist on both, so only the token tells them apart.
    const other = await startEmulator([
      '--apply-delay',
      '0s',
      '--group-id',
      em.groupId,
      '--client-id',
      em.clientId,
      '--client-secret',
      em.clientSecret,
    ]);
    const requests: string[] = [];
    const result = await ws.cli(['update', 'sa', '--base-url', other.url, '--no-verify']);
    expect(result.code).toBe(0);
    await ws.cli(['lease', 'sa', '--format', 'json']);
    for (const r of await other.requests()) requests.push(`${r.method} ${r.path.split('?')[0]} ${r.auth}`);
    expect(requests[0]).toBe('POST /api/oauth/token basic');
    expect(requests.filter((r) => r.endsWith('bearer')).length).toBeGreaterThan(0);
    await other.stop();
  });

  it('create --replace with another client id does not reuse the old token', async () => {
    await mustSucceed(ws.cli(['update', 'sa', '--base-url', em.url]));
    await mustSucceed(ws.cli(['lease', 'sa', '--format', 'json']));
    const replaced = await ws.cli(
      [
        'create',
        'sa',
        '--group-id',
        em.groupId,
        '--client-id',
        'mdb_sa_id_other000000',
        '--client-secret-stdin',
        '--base-url',
        em.url,
        '--role',
        'readWrite@app',
        '--replace',
      ],
      { input: em.clientSecret },
    );
    expect(replaced.stderr).not.toMatch(/^Created/m);
    expect(replaced.code).toBe(4);
  });
});
