import type { ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { AtlasApiError, AtlasResponseError, type TokenCache } from '../../../src/atlas/index.js';
import { describeError } from '../../../src/cli/error-text.js';
import { GROUP, makeClient, sendAtlasError, sendJson, startFake, type Fake, type Seen } from './fake-atlas.js';

const CLIENT_ID = 'mdb_sa_id_0123456789abcdef01234567';
const CLIENT_SECRET = 'mdb_sa_sk_SECRET-never-shown-0123456789abcdef';
const NOW = Date.parse('2026-08-10T12:00:00Z');
const project = { clusterCount: 0, created: '2026-08-10T03:05:16Z', id: GROUP, name: 'p', orgId: 'a0123456789abcdef012345a' };

type TokenReply = (res: ServerResponse, n: number) => void;
const issue: TokenReply = (res, n) =>
  sendJson(res, 200, { access_token: `tok-${n}`, expires_in: 3600, token_type: 'Bearer' }, { 'Content-Type': 'application/json' });

/** An Atlas that issues tokens tok-1, tok-2, … and accepts only the tokens listed in `valid`. */
async function oauthAtlas(
  tokenReplies: TokenReply[] = [issue],
  valid = (token: string) => token.startsWith('tok-'),
): Promise<{ fake: Fake; tokenRequests: Seen[] }> {
  const tokenRequests: Seen[] = [];
  const fake = await startFake((req, res) => {
    if (req.path === '/api/oauth/token') {
      tokenRequests.push(req);
      const reply = tokenReplies[Math.min(tokenRequests.length - 1, tokenReplies.length - 1)];
      return reply?.(res, tokenRequests.length);
    }
    const token = (req.headers.authorization ?? '').replace(/^Bearer /, '');
    if (!valid(token)) return sendAtlasError(res, 401, 'UNAUTHORIZED', 'Invalid token.');
    return sendJson(res, 200, project);
  });
  return { fake, tokenRequests };
}

function memoryCache(initial?: {
  accessToken: string;
  expiresAt: string;
}): TokenCache & { saved: Array<{ accessToken: string; expiresAt: string }> } {
  let current = initial;
  const saved: Array<{ accessToken: string; expiresAt: string }> = [];
  return {
    saved,
    load: async () => current,
    save: async (token) => {
      saved.push(token);
      current = token;
    },
  };
}

let fake: Fake | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

function saClient(baseUrl: string, options: { tokenCache?: TokenCache; now?: () => number } = {}) {
  return makeClient(baseUrl, {
    auth: {
      kind: 'serviceAccount',
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      ...(options.tokenCache ? { tokenCache: options.tokenCache } : {}),
    },
    now: options.now ?? (() => NOW),
  });
}

describe('service account tokens', () => {
  it('asks for a token once and uses it for every call', async () => {
    const atlas = await oauthAtlas();
    fake = atlas.fake;
    const { client } = saClient(fake.baseUrl);

    await client.getProject();
    await Promise.all([client.getProject(), client.getProject()]);

    expect(atlas.tokenRequests).toHaveLength(1);
    const [tokenRequest] = atlas.tokenRequests;
    expect(tokenRequest?.method).toBe('POST');
    expect(tokenRequest?.headers.authorization).toBe(`Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')}`);
    expect(tokenRequest?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(tokenRequest?.body).toBe('grant_type=client_credentials');
    expect(fake.seen.filter((r) => r.path !== '/api/oauth/token').map((r) => r.headers.authorization)).toEqual([
      'Bearer tok-1',
      'Bearer tok-1',
      'Bearer tok-1',
    ]);
    expect(client.requestCount).toBe(4);
  });

  it('shares one token request between parallel first calls', async () => {
    const atlas = await oauthAtlas();
    fake = atlas.fake;
    const { client } = saClient(fake.baseUrl);

    await Promise.all([client.getProject(), client.getProject(), client.getProject()]);

    expect(atlas.tokenRequests).toHaveLength(1);
  });

  it('asks again when the token in memory is about to expire', async () => {
    const atlas = await oauthAtlas();
    fake = atlas.fake;
    let now = NOW;
    const { client } = saClient(fake.baseUrl, { now: () => now });

    await client.getProject();
    now += 3600_000 - 30_000;
    await client.getProject();

    expect(atlas.tokenRequests).toHaveLength(2);
  });

  it.each<[string, { accessToken: string; expiresAt: string } | undefined, number, string]>([
    [
      'a cached token with an hour left is used',
      { accessToken: 'tok-cached', expiresAt: new Date(NOW + 3600_000).toISOString() },
      0,
      'Bearer tok-cached',
    ],
    [
      'a cached token with 4 minutes left is replaced',
      { accessToken: 'tok-cached', expiresAt: new Date(NOW + 240_000).toISOString() },
      1,
      'Bearer tok-1',
    ],
    ['an unreadable expiry is replaced', { accessToken: 'tok-cached', expiresAt: 'soon' }, 1, 'Bearer tok-1'],
    ['an empty cache', undefined, 1, 'Bearer tok-1'],
  ])('%s', async (_name, cached, tokenRequests, header) => {
    const atlas = await oauthAtlas();
    fake = atlas.fake;
    const cache = memoryCache(cached);
    const { client } = saClient(fake.baseUrl, { tokenCache: cache });

    await client.getProject();
    await client.getProject();

    expect(atlas.tokenRequests).toHaveLength(tokenRequests);
    expect(fake.seen.at(-1)?.headers.authorization).toBe(header);
    expect(cache.saved).toEqual(tokenRequests === 0 ? [] : [{ accessToken: 'tok-1', expiresAt: new Date(NOW + 3600_000).toISOString() }]);
  });

  it('survives a cache that cannot be read or written', async () => {
    const atlas = await oauthAtlas();
    fake = atlas.fake;
    const broken: TokenCache = { load: () => Promise.reject(new Error('locked')), save: () => Promise.reject(new Error('read-only')) };
    const { client } = saClient(fake.baseUrl, { tokenCache: broken });

    await expect(client.getProject()).resolves.toMatchObject({ id: GROUP });
  });

  it('fetches a new token once when the cached one is refused', async () => {
    const atlas = await oauthAtlas([issue], (t) => t === 'tok-1');
    fake = atlas.fake;
    const cache = memoryCache({ accessToken: 'tok-revoked', expiresAt: new Date(NOW + 3600_000).toISOString() });
    const { client } = saClient(fake.baseUrl, { tokenCache: cache });

    await client.getProject();
    await client.getProject();

    expect(
      fake.seen.map((r) =>
        `${r.path === '/api/oauth/token' ? 'token' : 'api'} ${r.headers.authorization?.startsWith('Bearer') ? r.headers.authorization : ''}`.trim(),
      ),
    ).toEqual(['api Bearer tok-revoked', 'token', 'api Bearer tok-1', 'api Bearer tok-1']);
    expect(cache.saved.map((t) => t.accessToken)).toEqual(['tok-1']);
  });

  it('stops after one new token when Atlas refuses that one too', async () => {
    const atlas = await oauthAtlas([issue], () => false);
    fake = atlas.fake;
    const { client } = saClient(fake.baseUrl);

    await expect(client.getProject()).rejects.toMatchObject({
      kind: 'unauthorized',
      status: 401,
      tokenEndpoint: false,
      subject: { authKind: 'serviceAccount' },
    });
    expect(atlas.tokenRequests).toHaveLength(2);
    expect(client.requestCount).toBe(4);
  });
});

describe('tokens are checked before use and before caching', () => {
  const token =
    (access_token: unknown, expires_in: unknown = 3600): TokenReply =>
    (res) =>
      sendJson(res, 200, { access_token, expires_in, token_type: 'Bearer' }, { 'Content-Type': 'application/json' });

  it.each<[string, TokenReply]>([
    ['a token holding CR LF', token('zz9-1\r\nX-Evil: 1')],
    ['a token holding a space', token('zz9 1')],
    ['a token holding a quote', token('zz9"1')],
    ['a token holding non-ASCII', token('zz9-é')],
    ['a token with = inside', token('zz9=1x')],
    ['a token of 8193 characters', token('t'.repeat(8193))],
    ['an empty token', token('')],
    ['a token that is a number', token(12345)],
    ['expires_in of 0', token('zz9-1', 0)],
    ['a negative expires_in', token('zz9-1', -5)],
    ['a fractional expires_in', token('zz9-1', 1.5)],
    ['an expires_in beyond a day', token('zz9-1', 86_401)],
    ['an expires_in of 1e12', token('zz9-1', 1e12)],
    ['an expires_in that is a string', token('zz9-1', '3600')],
    ['a body that is not a token', (res) => sendJson(res, 200, { token: 'zz9-1' })],
  ])('%s: an unexpected response, nothing cached, nothing sent with it', async (_name, reply) => {
    const atlas = await oauthAtlas([reply], () => true);
    fake = atlas.fake;
    const cache = memoryCache();
    const { client } = saClient(fake.baseUrl, { tokenCache: cache });

    const error = await client.getProject().catch((err: unknown) => err);

    expect(error).toBeInstanceOf(AtlasResponseError);
    expect(error).toMatchObject({ kind: 'unexpected-response', method: 'POST', path: '/api/oauth/token' });
    expect(`${(error as Error).message} ${JSON.stringify(error)}`).not.toMatch(/zz9|tttt/);
    expect(cache.saved).toEqual([]);
    expect(fake.seen.filter((r) => r.path !== '/api/oauth/token')).toEqual([]);
  });

  it.each([
    ['tok-A.b_c~d+e/f-g', 60],
    ['tok-abc==', 86_400],
    ['t'.repeat(8192), 3600],
  ])('accepts the token %j living %i s', async (accessToken, expiresIn) => {
    const atlas = await oauthAtlas([token(accessToken, expiresIn)], (t) => t === accessToken);
    fake = atlas.fake;
    const cache = memoryCache();
    const { client } = saClient(fake.baseUrl, { tokenCache: cache });

    await expect(client.getProject()).resolves.toMatchObject({ id: GROUP });
    expect(cache.saved).toEqual([{ accessToken, expiresAt: new Date(NOW + expiresIn * 1000).toISOString() }]);
  });

  it.each([
    ['a cached token holding CR LF', { accessToken: 'tok-x\r\nX-Evil: 1', expiresAt: new Date(NOW + 3600_000).toISOString() }],
    ['a cached token holding a space', { accessToken: 'tok x', expiresAt: new Date(NOW + 3600_000).toISOString() }],
    ['a cached token that lives for a year', { accessToken: 'tok-cached', expiresAt: new Date(NOW + 365 * 86_400_000).toISOString() }],
  ])('%s is dropped: one fresh token replaces it in the cache', async (_name, cached) => {
    const atlas = await oauthAtlas();
    fake = atlas.fake;
    const cache = memoryCache(cached);
    const { client } = saClient(fake.baseUrl, { tokenCache: cache });

    await client.getProject();
    await client.getProject();

    expect(atlas.tokenRequests).toHaveLength(1);
    expect(fake.seen.filter((r) => r.path !== '/api/oauth/token').map((r) => r.headers.authorization)).toEqual([
      'Bearer tok-1',
      'Bearer tok-1',
    ]);
    expect(cache.saved).toEqual([{ accessToken: 'tok-1', expiresAt: new Date(NOW + 3600_000).toISOString() }]);
  });
});

describe('token endpoint failures', () => {
  const oauthError =
    (status: number, error: string, headers: Record<string, string> = {}): TokenReply =>
    (res) =>
      sendJson(
        res,
        status,
        { error, error_description: `nope, ${CLIENT_SECRET} is wrong` },
        { 'Content-Type': 'application/json', ...headers },
      );

  const token = { method: 'POST', path: '/api/oauth/token' };
  it.each<[string, TokenReply[], object, number]>([
    [
      'invalid_client with 401',
      [oauthError(401, 'invalid_client')],
      { kind: 'unauthorized', status: 401, errorCode: 'invalid_client', tokenEndpoint: true },
      1,
    ],
    [
      'invalid_client with 400',
      [oauthError(400, 'invalid_client')],
      { kind: 'unauthorized', status: 400, errorCode: 'invalid_client', tokenEndpoint: true },
      1,
    ],
    [
      'access_denied',
      [oauthError(403, 'access_denied')],
      { kind: 'forbidden', status: 403, tokenEndpoint: true, detail: 'nope, *** is wrong' },
      1,
    ],
    [
      'an IP access list error in Atlas form',
      [(res) => sendAtlasError(res, 403, 'IP_ADDRESS_NOT_ON_ACCESS_LIST', 'IP address 198.51.100.4 is not allowed.', ['198.51.100.4'])],
      {
        kind: 'forbidden',
        errorCode: 'IP_ADDRESS_NOT_ON_ACCESS_LIST',
        callerIp: '198.51.100.4',
        tokenEndpoint: false,
        subject: { groupId: GROUP, authKind: 'serviceAccount' },
      },
      1,
    ],
    [
      '429 every time',
      [oauthError(429, 'rate_limited', { 'Retry-After': '2' })],
      { kind: 'rate-limited', status: 429, tokenEndpoint: true },
      5,
    ],
    ['500 every time', [oauthError(500, 'server_error')], { kind: 'server', status: 500, tokenEndpoint: true }, 5],
    [
      'a 400',
      [oauthError(400, 'unsupported_grant_type')],
      { kind: 'bad-request', status: 400, errorCode: 'unsupported_grant_type', tokenEndpoint: true },
      1,
    ],
  ])('%s', async (_name, replies, facts, requests) => {
    const atlas = await oauthAtlas(replies);
    fake = atlas.fake;
    const { client, debug } = saClient(fake.baseUrl);

    const error = await client.getProject().catch((err: unknown) => err);

    expect(error).toBeInstanceOf(AtlasApiError);
    expect(error).toMatchObject({ ...token, ...facts });
    expect(atlas.tokenRequests).toHaveLength(requests);
    const words = describeError(error);
    for (const text of [(error as Error).message, JSON.stringify(error), words.message, ...debug]) {
      expect(text).not.toContain(CLIENT_SECRET);
      expect(text).not.toMatch(/authorization|bearer|basic /i);
    }
  });

  it('retries a rate-limited token request and goes on', async () => {
    const atlas = await oauthAtlas([(res) => sendJson(res, 429, { error: 'rate_limited' }, { 'Retry-After': '3' }), issue]);
    fake = atlas.fake;
    const { client, sleeps } = saClient(fake.baseUrl);

    await expect(client.getProject()).resolves.toMatchObject({ id: GROUP });
    expect(sleeps).toEqual([3250]);
    expect(client.requestCount).toBe(3);
  });
});
