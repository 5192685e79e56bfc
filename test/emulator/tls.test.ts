import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DigestSession, send, start, V1 } from './helpers.js';

const run = promisify(execFile);
let dir: string;
let ca: Buffer;

/** A throwaway CA and a server certificate for 127.0.0.1 signed by it. */
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'emulator-tls-'));
  const at = (name: string) => join(dir, name);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await run('openssl', [
    'req',
    '-x509',
    ...ec,
    '-keyout',
    at('ca.key'),
    '-out',
    at('ca.crt'),
    '-subj',
    '/CN=Emulator Test CA',
    '-days',
    '2',
  ]);
  await run('openssl', ['req', ...ec, '-keyout', at('server.key'), '-out', at('server.csr'), '-subj', '/CN=127.0.0.1']);
  await writeFile(at('ext.cnf'), 'subjectAltName=IP:127.0.0.1\n');
  await run('openssl', [
    'x509',
    '-req',
    '-in',
    at('server.csr'),
    '-CA',
    at('ca.crt'),
    '-CAkey',
    at('ca.key'),
    '-CAcreateserial',
    '-out',
    at('server.crt'),
    '-days',
    '2',
    '-extfile',
    at('ext.cnf'),
  ]);
  ca = await readFile(at('ca.crt'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const tlsEmulator = () => start({ tlsCert: join(dir, 'server.crt'), tlsKey: join(dir, 'server.key') });

describe('TLS', () => {
  it('serves HTTPS with the given certificate, digest auth included', async () => {
    const em = await tlsEmulator();
    expect(em.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const session = new DigestSession(em.url, em.publicKey, em.privateKey);
    const reply = await session.send({ path: `/api/atlas/v2/groups/${em.groupId}/databaseUsers`, headers: { Accept: V1 }, ca });
    expect(reply.status).toBe(200);
  });

  it('is refused by a client that does not trust the CA', async () => {
    const em = await tlsEmulator();
    await expect(send(em.url, { path: '/api/atlas/v2/groups' })).rejects.toThrow(/self[- ]signed|unable to verify|certificate/i);
  });

  it('works with curl --cacert --digest', async () => {
    const em = await tlsEmulator();
    const { stdout } = await run('curl', [
      '-s',
      '--cacert',
      join(dir, 'ca.crt'),
      '--digest',
      '-u',
      `${em.publicKey}:${em.privateKey}`,
      '-H',
      `Accept: ${V1}`,
      '-o',
      '/dev/null',
      '-w',
      '%{http_code}',
      `${em.url}/api/atlas/v2/groups/${em.groupId}`,
    ]);
    expect(stdout).toBe('200');
  });
});
