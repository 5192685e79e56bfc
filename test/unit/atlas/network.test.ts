import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type AddressInfo, type Socket as NetSocket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, afterAll, describe, expect, it } from 'vitest';
import { AtlasNetworkError } from '../../../src/atlas/index.js';
import { Transport } from '../../../src/atlas/transport.js';
import { GROUP, makeClient, sendJson, startFake, type Fake } from './fake-atlas.js';
import { TEST_CERT, TEST_KEY } from './tls-fixture.js';
import { startForwardProxy } from '../../helpers/proxy.js';

const project = { clusterCount: 0, created: '2026-08-10T03:05:16Z', id: GROUP, name: 'p', orgId: 'a0123456789abcdef012345a' };

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

function listen(server: Server): Promise<number> {
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

/**
 * A port nothing listens on: 1, on loopback. (Not a port picked free and closed again: a server of this run, or of
 * a suite running beside it, may be given that one before the test connects.)
 */
const REFUSING_PORT = 1;

async function fakeAtlas(route: Parameters<typeof startFake>[0]): Promise<Fake> {
  const fake = await startFake(route);
  closers.push(() => fake.close());
  return fake;
}

describe('network failures', () => {
  it('retries a GET whose connection was reset', async () => {
    let n = 0;
    const fake = await fakeAtlas((_req, res) => {
      if (n++ === 0) res.socket?.destroy();
      else sendJson(res, 200, project);
    });
    const { client, sleeps, debug } = makeClient(fake.baseUrl);

    await expect(client.getProject()).resolves.toMatchObject({ id: GROUP });

    expect(client.requestCount).toBe(2);
    expect(sleeps).toEqual([250]);
    expect(debug[0]).toMatch(/^atlas: GET \/api\/atlas\/v2\/groups\/\w+ -> ECONNRESET \(attempt 1, \d+ ms\)$/);
    expect(debug[1]).toMatch(/-> 200 \(attempt 2, \d+ ms\)$/);
  });

  it('gives up on a refused connection as unreachable, naming the host and the cause', async () => {
    const port = REFUSING_PORT;
    const { client } = makeClient(`http://127.0.0.1:${port}`, { retry: { maxAttempts: 3 } });

    const error = await client.getProject().catch((err: unknown) => err);

    expect(error).toBeInstanceOf(AtlasNetworkError);
    expect(error).toMatchObject({
      kind: 'unreachable',
      transient: true,
      code: 'ECONNREFUSED',
      host: `127.0.0.1:${port}`,
      reason: 'the connection was refused',
    });
    expect(client.requestCount).toBe(3);
  });

  it.each([
    ['never sends headers', (res: import('node:http').ServerResponse) => void res],
    [
      'stalls in the middle of the body',
      (res: import('node:http').ServerResponse) => res.writeHead(200, { 'Content-Length': '100' }).write('{"id":'),
    ],
  ])('times out when the server %s: a timeout after the retries', async (_name, behave) => {
    const fake = await fakeAtlas((_req, res) => {
      behave(res);
    });
    const { client } = makeClient(fake.baseUrl, { timeouts: { connectMs: 1000, requestMs: 150 }, retry: { maxAttempts: 2 } });

    const error = await client.getProject().catch((err: unknown) => err);

    expect(error).toBeInstanceOf(AtlasNetworkError);
    expect(error).toMatchObject({ kind: 'timeout', transient: true, host: expect.stringMatching(/^127\.0\.0\.1:\d+$/) });
    expect((error as AtlasNetworkError).reason).toMatch(/^no (complete )?answer within the request timeout$|^the answer stalled$/);
    expect(client.requestCount).toBe(2);
  });
});

describe('TLS', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dynsecret-atlas-'));
    await writeFile(join(dir, 'ca.pem'), TEST_CERT);
    await writeFile(join(dir, 'not-a-cert.pem'), 'hello');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function tlsAtlas(): Promise<number> {
    return listen(createHttpsServer({ cert: TEST_CERT, key: TEST_KEY }, (_req, res) => sendJson(res, 200, project)) as unknown as Server);
  }

  it.each([
    ['an unknown CA', '127.0.0.1', undefined, /\((DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN)\)/],
    ['a name the certificate does not cover', 'localhost', 'ca.pem', /\(ERR_TLS_CERT_ALTNAME_INVALID\)/],
  ])('refuses %s as a TLS error, with no retry', async (_name, host, caFile, code) => {
    const port = await tlsAtlas();
    const { client } = makeClient(`https://${host}:${port}`, caFile === undefined ? {} : { caFile: join(dir, caFile) });

    const error = await client.getProject().catch((err: unknown) => err);

    expect(error).toBeInstanceOf(AtlasNetworkError);
    expect(error).toMatchObject({ kind: 'tls', transient: false, host: `${host}:${port}` });
    expect(`(${(error as AtlasNetworkError).code})`).toMatch(code);
    expect((error as AtlasNetworkError).reason).not.toBe('');
    expect(client.requestCount).toBe(1);
  });

  it('trusts a certificate signed by the CA in --ca-file', async () => {
    const port = await tlsAtlas();
    const { client } = makeClient(`https://127.0.0.1:${port}`, { caFile: join(dir, 'ca.pem') });

    await expect(client.getProject()).resolves.toMatchObject({ id: GROUP });
  });

  it.each([
    ['missing', 'nope.pem', 'could not read the CA file'],
    ['not a certificate', 'not-a-cert.pem', 'holds no PEM certificate'],
  ])('a CA file that is %s is an input error', async (_name, file, fragment) => {
    const { client } = makeClient('https://127.0.0.1:1', { caFile: join(dir, file) });

    await expect(client.getProject()).rejects.toMatchObject({ kind: 'invalid-input', problem: expect.stringContaining(fragment) });
    expect(client.requestCount).toBe(0);
  });
});

describe('proxies', () => {
  // Loopback is never proxied: over plain http the proxy would read the Authorization header (Basic client
  // id:secret for a token, the digest answer for an API key).
  it.each<[string, (proxyUrl: string) => Record<string, string>]>([
    ['HTTP_PROXY', (p) => ({ HTTP_PROXY: p })],
    ['http_proxy', (p) => ({ http_proxy: p })],
    ['HTTPS_PROXY and HTTP_PROXY', (p) => ({ HTTPS_PROXY: p, HTTP_PROXY: p })],
    ['HTTP_PROXY with the host in NO_PROXY', (p) => ({ HTTP_PROXY: p, NO_PROXY: 'example.com,127.0.0.1' })],
    ['no proxy variables', () => ({})],
  ])('%s: a loopback Atlas is reached directly', async (_name, env) => {
    const fake = await fakeAtlas((_req, res) => sendJson(res, 200, project));
    const proxy = await startForwardProxy();
    const { client } = makeClient(fake.baseUrl, { env: env(proxy.url) });

    await expect(client.getProject()).resolves.toMatchObject({ id: GROUP });

    expect([...proxy.connects, ...proxy.forwards]).toEqual([]);
    await proxy.close();
  });

  it.each<[string, boolean, (proxyUrl: string) => Record<string, string>]>([
    ['HTTPS_PROXY', true, (p) => ({ HTTPS_PROXY: p })],
    ['https_proxy over HTTPS_PROXY', true, (p) => ({ https_proxy: p, HTTPS_PROXY: 'http://127.0.0.1:1' })],
    ['HTTPS_PROXY with the host in NO_PROXY', false, (p) => ({ HTTPS_PROXY: p, NO_PROXY: 'atlas.invalid' })],
  ])('%s: another host goes through the proxy: %s', async (_name, proxied, env) => {
    const proxy = await startForwardProxy();
    const { client } = makeClient('https://atlas.invalid', { env: env(proxy.url), retry: { maxAttempts: 1 } });

    // The name does not resolve, through the proxy or without it: only where the request went is checked.
    await expect(client.getProject()).rejects.toBeDefined();

    expect(proxy.connects).toEqual(proxied ? ['atlas.invalid:443'] : []);
    await proxy.close();
  });
});

describe('through a proxy tunnel', () => {
  let dir: string;
  let ca: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dynsecret-tunnel-'));
    ca = join(dir, 'ca.pem');
    await writeFile(ca, TEST_CERT);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** An https server for 127.0.0.1 that answers every request with 200 and counts its connections. */
  async function tlsTarget(): Promise<{ url: URL; requests: () => number; connections: () => number }> {
    let requests = 0;
    let connections = 0;
    const server = createHttpsServer({ cert: TEST_CERT, key: TEST_KEY }, (_req, res) => {
      requests += 1;
      sendJson(res, 200, project);
    });
    server.on('secureConnection', () => {
      connections += 1;
    });
    const port = await listen(server as unknown as Server);
    return {
      url: new URL(`https://127.0.0.1:${port}/api/atlas/v2/groups/${GROUP}`),
      requests: () => requests,
      connections: () => connections,
    };
  }

  const transport = (env: Record<string, string>, timeouts = { connectMs: 5_000, requestMs: 5_000 }) => {
    const made = new Transport({ ...timeouts, caFile: ca, env });
    closers.push(() => made.close());
    return made;
  };

  it('carries TLS with the target inside one kept-alive CONNECT tunnel, with the proxy credentials of the URL', async () => {
    const target = await tlsTarget();
    const proxy = await startForwardProxy();
    closers.push(() => proxy.close());
    const withCredentials = proxy.url.replace('http://', 'http://me:p%40ss@');
    const client = transport({ HTTPS_PROXY: withCredentials });

    for (let attempt = 1; attempt <= 2; attempt++) {
      const response = await client.send({ method: 'GET', url: target.url, headers: {} }, attempt);
      expect(response.status).toBe(200);
      expect(JSON.parse(response.text)).toMatchObject({ id: GROUP });
    }

    expect(proxy.connects).toEqual([`127.0.0.1:${target.url.port}`]);
    expect(proxy.connectAuth).toEqual([`Basic ${Buffer.from('me:p@ss').toString('base64')}`]);
    expect(target.connections()).toBe(1);
    expect(target.requests()).toBe(2);
  });

  it('uses HTTP_PROXY for https when HTTPS_PROXY is unset, and no proxy for a host in NO_PROXY', async () => {
    const target = await tlsTarget();
    const proxy = await startForwardProxy();
    closers.push(() => proxy.close());

    await transport({ HTTP_PROXY: proxy.url }).send({ method: 'GET', url: target.url, headers: {} }, 1);
    expect(proxy.connects).toEqual([`127.0.0.1:${target.url.port}`]);
    await transport({ HTTPS_PROXY: proxy.url, NO_PROXY: '127.0.0.1' }).send({ method: 'GET', url: target.url, headers: {} }, 1);
    expect(proxy.connects).toHaveLength(1);
    expect(target.requests()).toBe(2);
  });

  it.each([
    ['not a URL', 'http://[::1', 'HTTPS_PROXY (or https_proxy) is not a URL'],
    [
      'a SOCKS proxy',
      'socks5://127.0.0.1:1080',
      'HTTPS_PROXY (or https_proxy) is a socks5 proxy; dynsecret speaks to http:// and https:// proxies',
    ],
  ])('a proxy variable that is %s is an input error, before any request', async (_name, value, problem) => {
    const client = transport({ HTTPS_PROXY: value });

    const error = await client
      .send({ method: 'GET', url: new URL('https://atlas.invalid/api'), headers: {} }, 1)
      .catch((err: unknown) => err);

    expect(error).toMatchObject({ kind: 'invalid-input', rule: 'proxy-url', problem });
    expect(client.requestCount).toBe(0);
  });

  it('a proxy that refuses the tunnel is an unreachable Atlas naming its answer', async () => {
    const refusing = createHttpServer();
    refusing.on('connect', (_req, socket: import('node:net').Socket) => {
      socket.end('HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n');
    });
    const port = await listen(refusing);

    const error = await transport({ HTTPS_PROXY: `http://127.0.0.1:${port}` })
      .send({ method: 'GET', url: new URL('https://atlas.invalid/api'), headers: {} }, 1)
      .catch((err: unknown) => err);

    expect(error).toBeInstanceOf(AtlasNetworkError);
    expect(error).toMatchObject({
      kind: 'unreachable',
      code: 'PROXY_REFUSED',
      reason: 'the proxy answered 407 to CONNECT atlas.invalid:443',
    });
  });

  it.each([
    ['a proxy that never answers CONNECT', 'proxy'],
    ['an https server that never answers the TLS handshake', 'server'],
  ])('%s: a connect timeout', async (_name, silent) => {
    // Accepts connections and reads what comes (a CONNECT, a TLS ClientHello) without ever replying.
    const sockets = new Set<NetSocket>();
    const mute = createNetServer((socket) => {
      sockets.add(socket);
      socket.on('data', () => undefined);
      socket.on('error', () => undefined);
    });
    closers.push(
      () =>
        new Promise<void>((resolve) => {
          for (const socket of sockets) socket.destroy();
          mute.close(() => resolve());
        }),
    );
    const port = await new Promise<number>((resolve) => mute.listen(0, '127.0.0.1', () => resolve((mute.address() as AddressInfo).port)));
    const env: Record<string, string> = silent === 'proxy' ? { HTTPS_PROXY: `http://127.0.0.1:${port}` } : {};
    const url = new URL(silent === 'proxy' ? 'https://atlas.invalid/api' : `https://127.0.0.1:${port}/api`);

    const error = await transport(env, { connectMs: 200, requestMs: 60_000 })
      .send({ method: 'GET', url, headers: {} }, 1)
      .catch((err: unknown) => err);

    expect(error).toBeInstanceOf(AtlasNetworkError);
    expect(error).toMatchObject({ kind: 'timeout', code: 'CONNECT_TIMEOUT', reason: 'no connection within the connect timeout' });
  });
});
