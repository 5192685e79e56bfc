import { afterEach, describe, expect, it } from 'vitest';
import { backoffDelay, DEFAULT_RETRY_POLICY, parseRetryAfter, retryDelay, type RetryDeps } from '../../../src/atlas/retry.js';
import { GROUP, makeClient, sendAtlasError, sendJson, startFake, userJson, type Fake } from './fake-atlas.js';

const policy = { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 1000, maxRetryAfterMs: 30_000 };
const deps = (random = 1): RetryDeps => ({ policy, random: () => random, sleep: async () => undefined, now: () => Date.parse('2026-08-10T00:00:00Z') });

describe('backoffDelay (full jitter)', () => {
  it.each([
    [1, 1, 100],
    [2, 1, 200],
    [3, 1, 400],
    [4, 1, 800],
    [5, 1, 1000],
    [9, 1, 1000],
    [3, 0.5, 200],
    [3, 0, 0],
  ])('attempt %i with random %d waits %i ms', (attempt, random, expected) => {
    expect(backoffDelay(attempt, policy, () => random)).toBe(expected);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-08-10T00:00:00Z');
  it.each([
    ['7', 7000],
    [' 0 ', 0],
    ['Mon, 10 Aug 2026 00:00:05 GMT', 5000],
    ['Sun, 09 Aug 2026 23:00:00 GMT', 0],
    ['soon', undefined],
    ['-3', undefined],
    ['', undefined],
    [null, undefined],
  ])('%j → %j ms', (value, expected) => {
    expect(parseRetryAfter(value, now)).toBe(expected);
  });
});

describe('retryDelay', () => {
  it.each([
    ['429 without Retry-After', 429, null, 1, false, 100],
    ['429 with Retry-After, any method', 429, '3', 2, false, 3200],
    ['429 with a Retry-After beyond the cap', 429, '600', 1, true, 30_100],
    ['5xx on an idempotent call', 503, null, 3, true, 400],
    ['5xx honours Retry-After too', 503, '2', 1, true, 2100],
    ['5xx on a POST', 500, null, 1, false, undefined],
    ['the last attempt', 429, null, 5, true, undefined],
    ['a 4xx', 404, null, 1, true, undefined],
    ['a success', 200, null, 1, true, undefined],
  ])('%s', (_name, status, retryAfter, attempt, idempotent, expected) => {
    expect(retryDelay(status, retryAfter, attempt, idempotent, deps())).toBe(expected);
  });

  it('defaults to 5 attempts and a 30 s Retry-After cap', () => {
    expect(DEFAULT_RETRY_POLICY).toMatchObject({ maxAttempts: 5, maxRetryAfterMs: 30_000 });
  });
});

const project = { clusterCount: 0, created: '2026-08-10T03:05:16Z', id: GROUP, name: 'p', orgId: 'a0123456789abcdef012345a' };

let fake: Fake | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

/** A server that answers from a script, one entry per request, and then with the last entry. */
async function scripted(script: Array<(res: import('node:http').ServerResponse) => void>): Promise<Fake> {
  let i = 0;
  return startFake((_req, res) => {
    const step = script[Math.min(i, script.length - 1)];
    i += 1;
    step?.(res);
  });
}

const rateLimited = (retryAfter?: string) => (res: import('node:http').ServerResponse) =>
  sendAtlasError(res, 429, 'RATE_LIMITED_TOKEN_BUCKET', 'Too many requests.', [], retryAfter === undefined ? {} : { 'Retry-After': retryAfter });
const failing = (status: number) => (res: import('node:http').ServerResponse) => sendAtlasError(res, status, 'UNEXPECTED_ERROR', 'Oops.');
const ok = (body: unknown, status = 200) => (res: import('node:http').ServerResponse) => sendJson(res, status, body);

describe('retries against a server', () => {
  // random() is 0.5 in makeClient and the base delay 500 ms, so jitter is 250, 500, 1000, … ms.
  it.each([
    ['429 with Retry-After 2', [rateLimited('2'), ok(project)], [2250]],
    ['429 twice without Retry-After', [rateLimited(), rateLimited(), ok(project)], [250, 500]],
    ['429 asking for 10 minutes (capped at 30 s)', [rateLimited('600'), ok(project)], [30_250]],
    ['500 then 502 on a GET', [failing(500), failing(502), ok(project)], [250, 500]],
    ['503 with Retry-After 1 on a GET', [(res) => sendAtlasError(res, 503, 'SERVICE_UNAVAILABLE', 'Down.', [], { 'Retry-After': '1' }), ok(project)], [1250]],
  ])('%s, then succeeds', async (_name, script, waits) => {
    fake = await scripted(script);
    const { client, sleeps } = makeClient(fake.baseUrl);

    await expect(client.getProject()).resolves.toMatchObject({ id: GROUP });

    expect(sleeps).toEqual(waits);
    expect(client.requestCount).toBe(waits.length + 1);
  });

  it.each([
    ['DELETE', (c: ReturnType<typeof makeClient>['client']) => c.deleteDatabaseUser('u1'), (res: import('node:http').ServerResponse) => res.writeHead(204).end()],
    ['PATCH', (c: ReturnType<typeof makeClient>['client']) => c.updateDatabaseUser('u1', { description: 'x' }), ok(userJson('u1'))],
  ])('retries a 5xx on %s', async (method, call, success) => {
    fake = await scripted([failing(500), success]);
    const { client } = makeClient(fake.baseUrl);

    await call(client);

    expect(fake.seen.map((r) => r.method)).toEqual([method, method]);
  });

  it('retries a 429 on the create POST (Atlas did not apply it)', async () => {
    fake = await scripted([rateLimited('1'), ok(userJson('u1'), 201)]);
    const { client } = makeClient(fake.baseUrl);

    await client.createDatabaseUser({ username: 'u1', password: 'pw-0123456789', roles: [{ roleName: 'read', databaseName: 'app' }] });

    expect(fake.seen.map((r) => r.method)).toEqual(['POST', 'POST']);
  });

  it.each([
    [1, 1, 0],
    [3, 3, 2],
    [5, 5, 4],
  ])('stops after maxAttempts=%i: %i requests, %i waits, a server error', async (maxAttempts, requests, waits) => {
    fake = await scripted([failing(503)]);
    const { client, sleeps } = makeClient(fake.baseUrl, { retry: { maxAttempts } });

    await expect(client.getProject()).rejects.toMatchObject({ kind: 'server', status: 503 });

    expect(client.requestCount).toBe(requests);
    expect(sleeps).toHaveLength(waits);
  });
});
