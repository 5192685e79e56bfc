import { existsSync } from 'node:fs';
import { createServer as createNetServer, type Server as NetServer } from 'node:net';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workspace, type Workspace } from '../helpers/emulator.js';
import { apiError, ATLAS_JSON, hostileServer, json, type Answer, type HostileServer } from './support/hostile-server.js';
import { copyOf, type HostileCase, runHostile, throughTheBin } from './support/hostile.js';
import { editStore, openStore } from './support/store.js';

/**
 * Hostile answers from a server posing as Atlas: terminal escapes in error details, huge and endless
 * bodies, a compression bomb, redirects elsewhere, prototype keys, users of other configs. dynsecret must
 * end each with its documented exit code and one sentence that shows control characters rather than obeying
 * them, follow no redirect, and leave the store's contents as they were.
 */

const GROUP = 'b'.repeat(24);
const ID = 'ds-h-abcdefghijkl';
let template: Workspace;

beforeAll(async () => {
  const nowhere = {
    url: 'http://127.0.0.1:9',
    groupId: GROUP,
    publicKey: 'abcdefgh',
    privateKey: 'private-key-value-0123',
    clusters: [],
    clientId: 'x',
    clientSecret: 'y',
  };
  template = await workspace(nowhere, [
    { name: 'h', flags: ['--role', 'read@app', '--no-verify'] },
    { name: 'sa', auth: 'serviceAccount', flags: ['--role', 'read@app', '--no-verify'] },
  ]);
});

const ESCAPES = 'bad \u001b]0;owned\u0007 \u001b[2J\u009b31m thing\nexport EVIL=1\u202e';
const labels = (config: string) => [
  { key: 'dynsecret.config', value: config },
  { key: 'dynsecret.createdAt', value: '2026-01-01T00:00:00Z' },
  { key: 'dynsecret.maxExpiresAt', value: '2099-01-01T00:00:00Z' },
];
const user = (username: string, config = 'h', extra: Record<string, unknown> = {}) => ({
  username,
  databaseName: 'admin',
  groupId: GROUP,
  roles: [{ roleName: 'read', databaseName: 'app' }],
  labels: labels(config),
  deleteAfterDate: '2099-01-01T00:00:00Z',
  ...extra,
});

/** Answers by method: the case's answer for its method, Atlas' "no such user" for the clean-up DELETE. */
const byMethod =
  (method: string, answer: Answer): Answer =>
  (req, res) => {
    if (req.method === method) return answer(req, res);
    if (req.method === 'DELETE' || req.method === 'GET') return apiError(404, 'USERNAME_NOT_FOUND', 'No user.')(req, res);
    return apiError(500, 'UNEXPECTED_ERROR', 'Unexpected error.')(req, res);
  };

interface ResponseCase {
  name: string;
  code: number;
  args: string[];
  method: string;
  answer: Answer;
  message?: RegExp;
  /** A second server that must never be contacted (the target of a redirect). */
  elsewhere?: boolean;
}

const lease = ['lease', 'h', '--format', 'json'];
const remote = ['list', 'h', '--remote'];
const revokeElsewhere = ['revoke', ID, '--config', 'h'];
const remoteSa = ['list', 'sa', '--remote'];
const tokenAnswer =
  (accessToken: unknown, expiresIn: unknown = 3600): Answer =>
  (_q, r) =>
    r
      .writeHead(200, { 'Content-Type': 'application/json' })
      .end(JSON.stringify({ access_token: accessToken, expires_in: expiresIn, token_type: 'Bearer' }));
const renewElsewhere = ['renew', ID, '--config', 'h'];

const endless: Answer = (_req, res) => {
  res.writeHead(200, { 'Content-Type': ATLAS_JSON });
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  const pump = () => {
    while (res.write(chunk)) if (res.destroyed) return;
    res.once('drain', pump);
  };
  res.on('close', () => res.removeAllListeners('drain'));
  pump();
};
const BOMB = gzipSync(Buffer.alloc(64 * 1024 * 1024, 0x20));

const cases: ResponseCase[] = [
  {
    name: 'a 400 whose detail holds terminal escapes and a forged line',
    code: 2,
    args: lease,
    method: 'POST',
    answer: apiError(400, 'INVALID_ATTRIBUTE', ESCAPES),
    message: /\\u001b/,
  },
  {
    name: 'an error code holding an escape sequence',
    code: 4,
    args: lease,
    method: 'POST',
    answer: apiError(403, 'NOPE\u001b[31mRED', 'x'),
  },
  {
    name: 'a 400 with a 1 MB detail',
    code: 2,
    args: lease,
    method: 'POST',
    answer: apiError(400, 'INVALID_ATTRIBUTE', 'x'.repeat(1_000_000)),
  },
  { name: 'a 302 to another host', code: 1, args: lease, method: 'POST', answer: () => undefined, elsewhere: true, message: /HTTP 302/ },
  {
    name: 'a captive portal page for the create',
    code: 1,
    args: lease,
    method: 'POST',
    answer: (_q, r) => r.writeHead(200, { 'Content-Type': 'text/html' }).end('<html>Sign in to the Wi-Fi</html>'),
  },
  {
    name: 'a created user with prototype keys and no fields',
    code: 1,
    args: lease,
    method: 'POST',
    answer: json(201, '{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}'),
  },
  {
    name: 'a 64 MB compression bomb',
    code: 1,
    args: lease,
    method: 'POST',
    answer: (_q, r) => r.writeHead(201, { 'Content-Type': ATLAS_JSON, 'Content-Encoding': 'gzip' }).end(BOMB),
    message: /compressed/,
  },
  { name: 'a body that never ends', code: 1, args: lease, method: 'POST', answer: endless, message: /5 MB/ },
  {
    name: 'a 401 with a garbled challenge',
    code: 4,
    args: lease,
    method: 'POST',
    answer: (_q, r) => r.writeHead(401, { 'WWW-Authenticate': 'Digest ,,,="=,nonce' }).end(),
  },
  {
    name: 'a 401 asking for an unknown digest algorithm',
    code: 1,
    args: lease,
    method: 'POST',
    answer: (_q, r) => r.writeHead(401, { 'WWW-Authenticate': 'Digest realm="x", nonce="n", algorithm=SHA-512-256, qop="auth"' }).end(),
  },
  {
    name: 'a 403 that is an HTML page',
    code: 4,
    args: lease,
    method: 'POST',
    answer: (_q, r) => r.writeHead(403, { 'Content-Type': 'text/html' }).end('<h1>Forbidden</h1>'),
  },
  {
    name: 'a 404 for the project',
    code: 5,
    args: remote,
    method: 'GET',
    answer: apiError(404, 'GROUP_NOT_FOUND', 'No group.'),
    message: /No Atlas project/,
  },
  {
    name: 'users whose results are an object',
    code: 1,
    args: remote,
    method: 'GET',
    answer: json(200, { results: { __proto__: { polluted: true } }, totalCount: 1 }),
  },
  {
    name: 'a user with an expiry that is not a date',
    code: 1,
    args: remote,
    method: 'GET',
    answer: json(200, { results: [user('ds-h-x', 'h', { deleteAfterDate: 'tomorrow; rm -rf /' })], totalCount: 1 }),
  },
  { name: 'a user list with a negative count', code: 1, args: remote, method: 'GET', answer: json(200, { results: [], totalCount: -1 }) },
  {
    name: 'an HTML page for the revoke',
    code: 1,
    args: revokeElsewhere,
    method: 'DELETE',
    answer: (_q, r) => r.writeHead(200, { 'Content-Type': 'text/html' }).end('<html>ok</html>'),
    message: /revoke/,
  },
  {
    name: 'a user of another config',
    code: 5,
    args: renewElsewhere,
    method: 'GET',
    answer: json(200, user(ID, 'other')),
    message: /not a lease of config h/,
  },
  {
    name: 'a user without dynsecret labels',
    code: 5,
    args: renewElsewhere,
    method: 'GET',
    answer: json(200, user(ID, 'h', { labels: [{ key: '__proto__', value: 'x' }] })),
    message: /not a lease/,
  },
  {
    name: 'a user whose labels have prototype keys',
    code: 5,
    args: renewElsewhere,
    method: 'GET',
    answer: json(
      200,
      `{"username":"${ID}","databaseName":"admin","groupId":"${GROUP}","roles":[],"labels":[{"__proto__":{"key":"dynsecret.config"},"value":"h"}]}`,
    ),
  },
  {
    name: '429 with a Retry-After of -1 on every try',
    code: 6,
    args: remote,
    method: 'GET',
    answer: (_q, r) => r.writeHead(429, { 'Retry-After': '-1', 'Content-Type': ATLAS_JSON }).end('{}'),
  },
  {
    name: 'an access token holding CR LF',
    code: 1,
    args: remoteSa,
    method: 'POST',
    answer: tokenAnswer('tok\r\nX-Injected: 1'),
    message: /unexpected response to POST \/api\/oauth\/token/,
  },
  {
    name: 'an access token of 1 MB',
    code: 1,
    args: remoteSa,
    method: 'POST',
    answer: tokenAnswer('t'.repeat(1_000_000)),
    message: /unexpected response to POST \/api\/oauth\/token/,
  },
  {
    name: 'a token that lives for 30 years',
    code: 1,
    args: remoteSa,
    method: 'POST',
    answer: tokenAnswer('tok', 1e9),
    message: /unexpected response to POST \/api\/oauth\/token/,
  },
  {
    name: 'a body cut short on every try',
    code: 6,
    args: remote,
    method: 'GET',
    answer: (_q, r) => {
      r.writeHead(200, { 'Content-Type': ATLAS_JSON, 'Content-Length': '1000' });
      r.write('{"results":[');
      r.destroy();
    },
  },
];

async function runCase(c: ResponseCase, via?: 'bin'): Promise<void> {
  const server = await hostileServer();
  const other = c.elsewhere ? await hostileServer() : undefined;
  const answer = other
    ? (_q: Parameters<Answer>[0], r: Parameters<Answer>[1]) => r.writeHead(302, { Location: `${other.url}/steal` }).end()
    : c.answer;
  server.answer(byMethod(c.method, answer));
  const ws = copyOf(template);
  await editStore(ws, (data) => {
    for (const config of data.configs) config.baseUrl = server.url;
  });
  const hostile: HostileCase = {
    name: c.name,
    code: c.code,
    args: () => c.args,
    rewrites: true,
    ...(c.message ? { message: c.message } : {}),
  };
  const result = await runHostile(ws, hostile, via === undefined ? 'responses' : undefined, via);
  expect(result.stderr.length, 'a message stays short').toBeLessThan(2000);
  if (other) expect(other.seen).toEqual([]);
  expectNoSecretSent(server);
}

/** Whatever the server was, it saw the API key's name, never its private key. */
function expectNoSecretSent(server: HostileServer): void {
  for (const request of server.seen) expect(request.authorization).not.toContain('private-key-value-0123');
}

describe.concurrent('hostile responses', () => {
  const labelled = cases.map((c) => ({ ...c, label: `${c.args[0]} × ${c.name} → exit ${c.code}` }));
  it.each(labelled)('$label', (c) => runCase(c), 60_000);
  it.each(throughTheBin(labelled, 8))('$label, through the bin', (c) => runCase(c, 'bin'), 60_000);

  it('a remote username with terminal escapes is shown escaped in the list table', async () => {
    const server = await hostileServer();
    server.answer(json(200, { results: [user(`ds-h-${ESCAPES}`)], totalCount: 1 }));
    const ws = copyOf(template);
    await editStore(ws, (data) => {
      for (const config of data.configs) config.baseUrl = server.url;
    });
    const result = await ws.run(remote);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('ds-h-bad \\u001b]0;owned\\u0007');
    // eslint-disable-next-line no-control-regex -- looking for raw control characters is the point
    expect(result.stdout.replaceAll('\n', '')).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202e]/);
  });

  it("40 pages of 4.7 MB of other users fit in a 128 MB heap: only this config's leases are kept, slimmed", async () => {
    const server = await hostileServer();
    const bulky = (i: number) => user(`ds-other-${i}`, 'other', { description: 'd'.repeat(9000) });
    const page = JSON.stringify({ results: Array.from({ length: 500 }, (_, i) => bulky(i)), totalCount: 40 * 500 + 1 });
    const last = JSON.stringify({ results: [user('ds-h-mine', 'h', { description: 'd'.repeat(9000) })], totalCount: 40 * 500 + 1 });
    server.answer((req, res) => {
      const pageNum = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('pageNum'));
      json(200, pageNum >= 41 ? last : page)(req, res);
    });
    const ws = copyOf(template);
    await editStore(ws, (data) => {
      for (const config of data.configs) config.baseUrl = server.url;
    });
    const result = await ws.run(['list', 'h', '--remote', '--json'], { env: { NODE_OPTIONS: '--max-old-space-size=128' } });
    expect(result.code, result.stderr.slice(0, 500)).toBe(0);
    expect((JSON.parse(result.stdout) as { leaseId: string }[]).map((l) => l.leaseId)).toEqual(['ds-h-mine']);
  });

  it('a server that pages forever is stopped at 25,000 users (exit 1, said so), not read on', async () => {
    const server = await hostileServer();
    const page = JSON.stringify({ results: Array.from({ length: 500 }, (_, i) => user(`ds-other-${i}`, 'other')), totalCount: 1e9 });
    server.answer(json(200, page));
    const ws = copyOf(template);
    await editStore(ws, (data) => {
      for (const config of data.configs) config.baseUrl = server.url;
    });
    const result = await ws.run(['list', 'h', '--remote', '--json']);
    expect(result.stderr).toMatch(/more than 25000 database users/);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(server.seen.filter((r) => r.method === 'GET').length).toBeLessThanOrEqual(51);
  });

  it("usernames longer than Atlas allows are refused where they arrive (exit 1), even with the config's labels", async () => {
    const server = await hostileServer();
    const page = JSON.stringify({ results: Array.from({ length: 500 }, (_, i) => user(`ds-h-${i}-${'n'.repeat(4000)}`)), totalCount: 1e5 });
    server.answer(json(200, page));
    const ws = copyOf(template);
    await editStore(ws, (data) => {
      for (const config of data.configs) config.baseUrl = server.url;
    });
    const result = await ws.run(['list', 'h', '--remote', '--json'], { env: { NODE_OPTIONS: '--max-old-space-size=128' } });
    expect(result.stderr).toMatch(/username/);
    expect(result.code).toBe(1);
    expect(server.seen.filter((r) => r.method === 'GET').length).toBe(1);
  });
});

/**
 * Connection strings a server (or a store written before they were checked) may hold. Nothing that cannot be
 * delivered is ever created: `lease` and `run` check everything they will print or write before the POST.
 */
describe.concurrent('credentials that cannot be delivered are never created', () => {
  const PAYLOAD = "mongodb+srv://cluster0.example.net/?x='$(touch${IFS}/tmp/p)'";
  const BAD = ['not a url', PAYLOAD, 'mongodb+srv://c0.example.net/?x=`id`'];
  /** Serves Cluster0 with `uri`, creates any user (201), deletes any (204). */
  const atlasWith =
    (uri: string): Answer =>
    (req, res) => {
      if (req.method === 'GET' && req.url?.includes('/clusters/'))
        return json(200, { name: 'Cluster0', connectionStrings: { standardSrv: uri } })(req, res);
      if (req.method === 'POST') return json(201, user(ID))(req, res);
      if (req.method === 'DELETE') return void res.writeHead(204).end();
      return apiError(404, 'USERNAME_NOT_FOUND', 'No user.')(req, res);
    };
  const serverFor = async (uri: string, storedUri?: string) => {
    const server = await hostileServer();
    server.answer(atlasWith(uri));
    const ws = copyOf(template);
    await editStore(ws, (data) => {
      for (const config of data.configs) {
        config.baseUrl = server.url;
        if (storedUri !== undefined) config.connectionString = storedUri;
      }
    });
    return { server, ws };
  };
  const writes = (server: HostileServer) => server.seen.filter((r) => r.method !== 'GET').map((r) => r.method);

  it.each(BAD)(
    'lease --cluster Cluster0 served %j: exit 1 "unexpected response", no user created, no record',
    async (uri) => {
      const { server, ws } = await serverFor(uri);
      const result = await ws.run(['lease', 'h', '--cluster', 'Cluster0', '--format', 'dotenv']);
      expect(result.code, result.stderr).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(/unexpected response to GET .*connectionStrings\.standardSrv/);
      expect(result.stderr).not.toContain(uri);
      expect(writes(server)).toEqual([]);
      expect((await openStore(ws)).leases).toEqual([]);
    },
    60_000,
  );

  it.each(
    BAD.flatMap((uri) => [
      ['lease', uri],
      ['run', uri],
    ]),
  )(
    '%s with a saved connection string %j: exit 1 before any user is created',
    async (command, uri) => {
      const { server, ws } = await serverFor('mongodb+srv://c0.example.net', uri);
      const marker = join(ws.home, 'command-ran');
      const args = command === 'lease' ? ['lease', 'h', '--format', 'dotenv'] : ['run', 'h', '--no-wait', '--', 'touch', marker];
      const result = await ws.run(args);
      expect(result.code, result.stderr).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(/connection string of this config is not a mongodb/);
      expect(writes(server)).toEqual([]);
      expect(existsSync(marker)).toBe(false);
      expect((await openStore(ws)).leases).toEqual([]);
    },
    60_000,
  );

  it.each(BAD)(
    'create, verifying a cluster served %j: exit 1 "unexpected response", nothing saved',
    async (uri) => {
      const server = await hostileServer();
      server.answer((req, res) => {
        if (req.url?.includes('/clusters/')) return json(200, { name: 'Cluster0', connectionStrings: { standardSrv: uri } })(req, res);
        return json(200, { results: [], totalCount: 0 })(req, res);
      });
      const ws = copyOf(template);
      const result = await ws.run(
        [
          'create',
          'fresh',
          '--group-id',
          GROUP,
          '--public-key',
          'abcdefgh',
          '--private-key-stdin',
          '--base-url',
          server.url,
          '--role',
          'read@app',
          '--scope',
          'Cluster0',
        ],
        { input: 'private-key-value-0123' },
      );
      expect(result.code, result.stderr).toBe(1);
      expect(result.stderr).toMatch(/unexpected response to GET .*connectionStrings\.standardSrv/);
      expect((await openStore(ws)).configs.map((c) => c.name)).not.toContain('fresh');
    },
    60_000,
  );

  it('the control case: a good connection string leases once, every value single-quoted', async () => {
    const { server, ws } = await serverFor('mongodb+srv://c0.example.net');
    const result = await ws.run(['lease', 'h', '--format', 'dotenv', '--prefix', 'A_']);
    // Every value dynsecret makes is carried; this is the control case: the lease succeeds and is single-quoted.
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^A_DB_USERNAME='[^'"`$\\]+'$/m);
    expect(writes(server)).toEqual(['POST']);
  });
});

/**
 * Servers and proxies that accept every connection and close it at once. Each connection that fails counts as
 * an attempt of the retry budget, with backoff: a handful of connections, then exit 6, never a reconnect loop.
 */
describe.concurrent('connections closed on accept', () => {
  const closers: NetServer[] = [];
  afterAll(() => Promise.all(closers.map((server) => new Promise<void>((resolve) => server.close(() => resolve())))));
  async function closer(): Promise<{ port: number; connections: () => number }> {
    let count = 0;
    // Reads what the client sends (a CONNECT, or a request), then closes.
    const server = createNetServer((socket) => {
      count += 1;
      socket.once('data', () => socket.destroy());
      socket.on('error', () => undefined);
    });
    closers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no address');
    return { port: address.port, connections: () => count };
  }
  const env = { DYNSECRET_REQUEST_TIMEOUT: '3s', DYNSECRET_RETRIES: '2' };

  it.each([
    ['a proxy that closes every connection (https through a tunnel)', 'proxy'],
    ['an Atlas that closes every connection', 'server'],
  ])(
    '%s: exit 6 after a handful of connections',
    async (_name, kind) => {
      const { port, connections } = await closer();
      const ws = copyOf(template);
      const baseUrl = kind === 'proxy' ? 'https://atlas.invalid' : `http://127.0.0.1:${port}`;
      await editStore(ws, (data) => {
        for (const config of data.configs) config.baseUrl = baseUrl;
      });
      const proxy = kind === 'proxy' ? { HTTPS_PROXY: `http://127.0.0.1:${port}` } : {};
      const result = await ws.run(['list', 'h', '--remote'], { env: { ...env, ...proxy } });
      expect(result.code, result.stderr).toBe(6);
      expect(result.stdout).toBe('');
      // 3 attempts (DYNSECRET_RETRIES=2); a connection or two each at most.
      expect(connections()).toBeGreaterThanOrEqual(3);
      expect(connections()).toBeLessThanOrEqual(6);
    },
    60_000,
  );
});
