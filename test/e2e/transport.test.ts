import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dynsecret, PASSPHRASE, tempHome } from '../helpers/bin.js';
import { cli } from '../helpers/cli.js';
import { createFlags, emptyStore, startEmulator, workspace } from '../helpers/emulator.js';
import { startForwardProxy, type ForwardProxy } from '../helpers/proxy.js';

// What a command decides and sends runs in this process (test/helpers/cli.ts). The bin still runs what only a
// process shows (NODE_EXTRA_CA_CERTS is read when Node starts), a refusal (no CA) and the proxy leases.
describe('service accounts', () => {
  it('authenticate with OAuth client credentials; the token is fetched once and then reused from the store', async () => {
    const em = await startEmulator(['--apply-delay', '0s']);
    const { env } = emptyStore();
    const create = await cli(createFlags(em, { name: 'sa-db', auth: 'serviceAccount' }), { env, input: em.clientSecret });
    expect(create.stderr).toContain('Created config sa-db');
    const tokenRequests = async () => (await em.requests()).filter((r) => r.path === '/api/oauth/token').length;
    expect(await tokenRequests()).toBe(1);

    for (let i = 0; i < 3; i++) {
      const lease = await cli(['lease', 'sa-db', '--format', 'json'], { env });
      expect(lease.code).toBe(0);
    }
    expect(await tokenRequests()).toBe(1);
    const bearer = (await em.requests()).filter((r) => r.path.includes('/databaseUsers') && r.method === 'POST');
    expect(bearer.map((r) => r.auth)).toEqual(['bearer', 'bearer', 'bearer']);
    expect((await cli(['revoke', '--config', 'sa-db', '--all', '--yes'], { env })).code).toBe(0);
  });

  it('turn a wrong client secret into exit 4 with a sentence, and save nothing', async () => {
    const em = await startEmulator(['--apply-delay', '0s']);
    const home = tempHome();
    const result = await cli(createFlags(em, { name: 'sa-db', auth: 'serviceAccount', flags: ['--role', 'read@app'] }), {
      env: { DYNSECRET_HOME: home, DYNSECRET_PASSPHRASE: PASSPHRASE },
      input: 'wrong-secret',
    });
    expect(result.code).toBe(4);
    expect(result.stdout).toBe('');
    expect(result.stderr).not.toContain('wrong-secret');
    expect(result.stderr.trim().split('\n').length).toBeLessThanOrEqual(2);
    expect(existsSync(join(home, 'store.json'))).toBe(false);
  });
});

/** A throwaway CA and a server certificate for 127.0.0.1, made with openssl. */
function makeCertificates() {
  const dir = mkdtempSync(join(tmpdir(), 'dynsecret-tls-'));
  const run = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  run([
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '2',
    '-subj',
    '/CN=dynsecret test CA',
  ]);
  run(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1']);
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1\n');
  run([
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'server.pem',
    '-days',
    '2',
    '-extfile',
    'san.ext',
  ]);
  return { ca: join(dir, 'ca.pem'), cert: join(dir, 'server.pem'), key: join(dir, 'server.key') };
}

describe('TLS with a private CA', () => {
  const certs = makeCertificates();

  it('fails cleanly without the CA (through the bin), and works with --ca-file or NODE_EXTRA_CA_CERTS (through the bin)', async () => {
    const em = await startEmulator(['--apply-delay', '0s', '--tls-cert', certs.cert, '--tls-key', certs.key]);
    expect(em.url).toMatch(/^https:/);
    const { env } = emptyStore();
    const plain = await dynsecret(createFlags(em, { name: 'tls-db' }), { env, input: em.privateKey });
    expect(plain.code).not.toBe(0);
    expect(plain.stdout).toBe('');
    expect(plain.stderr).toContain('127.0.0.1');
    expect(plain.stderr).toContain('--ca-file');
    expect(plain.stderr).not.toMatch(/\n\s+at /);

    const withCa = await cli([...createFlags(em, { name: 'tls-db' }), '--ca-file', certs.ca], { env, input: em.privateKey });
    expect(withCa.stderr).toContain('Created config tls-db');
    const lease = await cli(['lease', 'tls-db', '--format', 'json'], { env });
    expect(lease.code).toBe(0);

    // Node reads NODE_EXTRA_CA_CERTS when it starts: only a process of its own can show it.
    const extra = await dynsecret(createFlags(em, { name: 'tls-extra' }), {
      env: { ...env, NODE_EXTRA_CA_CERTS: certs.ca },
      input: em.privateKey,
    });
    expect(extra.stderr).toContain('Created config tls-extra');
  });
});

describe('proxies', () => {
  const proxies: ForwardProxy[] = [];
  afterAll(async () => {
    await Promise.all(proxies.map((proxy) => proxy.close()));
  });

  it('never send a loopback Atlas request through HTTP_PROXY or HTTPS_PROXY (the proxy would read the keys), through the bin', async () => {
    const em = await startEmulator(['--apply-delay', '0s']);
    const proxy = await startForwardProxy();
    proxies.push(proxy);
    const seen = () => [...proxy.connects, ...proxy.forwards];
    const ws = await workspace(em, [{ name: 'app-db' }, { name: 'sa-db', auth: 'serviceAccount' }]);
    for (const config of ['app-db', 'sa-db']) {
      const lease = await ws.run(['lease', config, '--format', 'json'], { env: { HTTP_PROXY: proxy.url, HTTPS_PROXY: proxy.url } });
      expect(lease.code).toBe(0);
    }
    expect(seen()).toEqual([]);
  });
});
