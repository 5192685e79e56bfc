import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import DigestClient from 'digest-fetch';
import { describe, expect, it } from 'vitest';
import { challengeHeader, digestResponse, parseDigestHeader } from '../../src/emulator/digest.js';
import { CHALLENGE, UNAUTHORIZED_BODY_LINES } from './fixtures/atlas-shapes.js';
import { advance, atlas, challengeParams, DigestSession, newUser, rfc2617Response, send, start, V1 } from './helpers.js';

const run = promisify(execFile);

describe('digest arithmetic', () => {
  // RFC 2617 §3.5, the worked example.
  const example = {
    username: 'Mufasa',
    realm: 'testrealm@host.com',
    password: 'Circle Of Life',
    method: 'GET',
    uri: '/dir/index.html',
    nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093',
    nc: '00000001',
    cnonce: '0a4f113b',
    qop: 'auth',
  };

  it.each([
    ['the emulator', () => digestResponse(example)],
    ['the test client', () => rfc2617Response({ ...example, user: example.username })],
  ])('%s computes RFC 2617 worked example', (_who, compute) => {
    expect(compute()).toBe('6629fae49393a05397450978507c4ef1');
  });

  it.each([
    ['quoted and bare values', 'Digest username="a", nc=00000001, qop=auth', { username: 'a', nc: '00000001', qop: 'auth' }],
    ['commas inside quotes', 'Digest uri="/x?a=1,2", realm="r"', { uri: '/x?a=1,2', realm: 'r' }],
    ['escaped quotes', 'Digest username="a\\"b"', { username: 'a"b' }],
    ['no spaces after commas', 'Digest username="a",realm="MMS Public API"', { username: 'a', realm: 'MMS Public API' }],
    ['a trailing comma', 'Digest username="a", ', { username: 'a' }],
    ['case-insensitive scheme and names', 'digest UserName="a"', { username: 'a' }],
  ])('parses %s', (_name, header, expected) => {
    expect(Object.fromEntries(parseDigestHeader(header) ?? [])).toEqual(expected);
  });

  it.each([['Basic YTpi'], ['Digest username'], ['Digest ="x"'], ['']])('rejects %j', (header) => {
    expect(parseDigestHeader(header)).toBeUndefined();
  });

  it.each([
    [false, 'stale=false'],
    [true, 'stale=true'],
  ])('challenge with stale=%s matches Atlas', (stale, tail) => {
    const header = challengeHeader('A'.repeat(32), stale);
    expect(header).toMatch(CHALLENGE);
    expect(header.endsWith(tail)).toBe(true);
  });
});

describe('digest over HTTP', () => {
  it('answers an unauthenticated request with the recorded challenge and body', async () => {
    const em = await start();
    const reply = await send(em.url, { path: `/api/atlas/v2/groups/${em.groupId}/databaseUsers`, headers: { Accept: V1 } });
    expect(reply.status).toBe(401);
    expect(reply.headers['www-authenticate']).toMatch(CHALLENGE);
    expect(challengeParams(reply.headers['www-authenticate']).stale).toBe('false');
    expect(reply.headers['content-type']).toBe('application/json');
    expect(reply.text).toBe(UNAUTHORIZED_BODY_LINES.join('\n'));
    expect(Buffer.byteLength(reply.text)).toBe(142);
    expect(reply.headers['x-error-code']).toBeUndefined();
    expect(reply.headers['ratelimit-limit']).toBeUndefined();
  });

  it('issues a fresh nonce with every challenge', async () => {
    const em = await start();
    const path = `/api/atlas/v2/groups/${em.groupId}`;
    const nonces = await Promise.all([1, 2, 3].map(() => send(em.url, { path })));
    const values = nonces.map((r) => challengeParams(r.headers['www-authenticate']).nonce);
    expect(new Set(values).size).toBe(3);
  });

  it('accepts the right key and counts up nc on one nonce', async () => {
    const em = await start();
    const api = atlas(em);
    for (let i = 0; i < 3; i++) expect((await api.get(`${api.group}/databaseUsers`)).status).toBe(200);
    const log = (await send(em.url, { path: '/__emulator/requests' })).json();
    expect(log.map((r: { status: number }) => r.status)).toEqual([401, 200, 200, 200]);
  });

  const as = (s: DigestSession, user: string, password: string, uri: string) => {
    const other = new DigestSession(s.baseUrl, user, password);
    other.nonce = s.nonce;
    return other.authorization('GET', uri);
  };
  const tamper: Array<[string, (s: DigestSession, uri: string) => string]> = [
    ['a wrong private key', (s, uri) => as(s, s.user, 'not-the-key', uri)],
    ['a wrong public key', (s, uri) => as(s, 'someone', s.password, uri)],
    ['another realm', (s, uri) => s.authorization('GET', uri).replace('realm="MMS Public API"', 'realm="other"')],
    ['another uri', (s, uri) => s.authorization('GET', `${uri}/x`)],
    ['no qop', (s, uri) => s.authorization('GET', uri).replace('qop=auth, ', '')],
    ['a malformed nc', (s, uri) => s.authorization('GET', uri).replace(/nc=\w+/, 'nc=1')],
    ['MD5-sess', (s, uri) => s.authorization('GET', uri).replace('algorithm=MD5', 'algorithm=MD5-sess')],
    // One hex digit of the response changed (to another digit: replacing it with "0" left a response that began with 0 as it was).
    [
      'a tampered response',
      (s, uri) => s.authorization('GET', uri).replace(/response="(\w)/, (_all, digit: string) => `response="${digit === '0' ? '1' : '0'}`),
    ],
  ];

  it.each(tamper)('refuses %s with a stale=false challenge', async (_name, make) => {
    const em = await start();
    const session = new DigestSession(em.url, em.publicKey, em.privateKey);
    const uri = `/api/atlas/v2/groups/${em.groupId}/databaseUsers`;
    await session.send({ path: uri, headers: { Accept: V1 } });
    const reply = await send(em.url, { path: uri, headers: { Accept: V1, Authorization: make(session, uri) } });
    expect(reply.status).toBe(401);
    expect(challengeParams(reply.headers['www-authenticate']).stale).toBe('false');
  });

  it('refuses a replayed nc and accepts counts that were not used yet', async () => {
    const em = await start();
    const session = new DigestSession(em.url, em.publicKey, em.privateKey);
    const uri = `/api/atlas/v2/groups/${em.groupId}/databaseUsers`;
    await session.send({ path: uri, headers: { Accept: V1 } });
    const withNc = (nc: number) =>
      send(em.url, { path: uri, headers: { Accept: V1, Authorization: session.authorization('GET', uri, nc) } });
    expect((await withNc(5)).status).toBe(200);
    const replay = await withNc(5);
    expect(replay.status).toBe(401);
    expect(challengeParams(replay.headers['www-authenticate']).stale).toBe('false');
    // Concurrent requests may arrive out of order; RFC 7616 §3.4 only refuses a count seen before.
    expect((await withNc(3)).status).toBe(200);
    expect((await withNc(3)).status).toBe(401);
  });

  it('answers stale=true once the nonce outlives --nonce-lifetime, and the client recovers', async () => {
    const em = await start({ nonceLifetimeMs: 60_000 });
    const session = new DigestSession(em.url, em.publicKey, em.privateKey);
    const uri = `/api/atlas/v2/groups/${em.groupId}/databaseUsers`;
    expect((await session.send({ path: uri, headers: { Accept: V1 } })).status).toBe(200);
    await advance(em, 60_000);
    const stale = await send(em.url, { path: uri, headers: { Accept: V1, Authorization: session.authorization('GET', uri) } });
    expect(stale.status).toBe(401);
    expect(challengeParams(stale.headers['www-authenticate']).stale).toBe('true');
    expect((await session.send({ path: uri, headers: { Accept: V1 } })).status).toBe(200);
  });

  it('answers stale=true for a correct digest over a nonce it never issued (e.g. before a restart)', async () => {
    const em = await start();
    const session = new DigestSession(em.url, em.publicKey, em.privateKey);
    session.nonce = 'X'.repeat(32);
    const uri = `/api/atlas/v2/groups/${em.groupId}`;
    const reply = await send(em.url, { path: uri, headers: { Accept: V1, Authorization: session.authorization('GET', uri) } });
    expect(challengeParams(reply.headers['www-authenticate']).stale).toBe('true');
  });

  it('needs the body sent again after the challenge', async () => {
    const em = await start();
    const api = atlas(em);
    const body = newUser(em);
    const created = await api.post(`${api.group}/databaseUsers`, body);
    expect(created.status).toBe(201);
    expect(created.json().username).toBe(body.username);
  });
});

describe('digest with clients the project did not write', () => {
  it.each([
    ['GET', [] as string[], 200],
    ['POST', ['-H', `Content-Type: ${V1}`, '--data-binary', '@-'], 201],
  ])('curl --digest %s', async (method, extra, status) => {
    const em = await start();
    const url = `${em.url}/api/atlas/v2/groups/${em.groupId}/databaseUsers`;
    const args = ['-s', '--digest', '-u', `${em.publicKey}:${em.privateKey}`, '-H', `Accept: ${V1}`, ...extra];
    const child = run('curl', [...args, '-X', method, '-w', '\n%{http_code}', url]);
    child.child.stdin?.end(JSON.stringify(newUser(em, { username: 'curl-user' })));
    const { stdout } = await child;
    expect(stdout.trim().split('\n').at(-1)).toBe(String(status));
    if (method === 'POST') expect(JSON.parse(stdout.trim().split('\n')[0] ?? '{}').username).toBe('curl-user');
  });

  it('digest-fetch makes several requests on one nonce', async () => {
    const em = await start();
    const client = new DigestClient(em.publicKey, em.privateKey, { algorithm: 'MD5' });
    const url = `${em.url}/api/atlas/v2/groups/${em.groupId}/databaseUsers`;
    for (let i = 0; i < 3; i++) {
      const res = await client.fetch(url, { headers: { Accept: V1 } });
      expect(res.status).toBe(200);
    }
  });
});
