import { afterEach, describe, expect, it } from 'vitest';
import { AtlasNetworkError } from '../../../src/atlas/error-types.js';
import type { HttpResponse } from '../../../src/atlas/transport.js';
import {
  backoffDelay,
  DEFAULT_RETRY_POLICY,
  parseRetryAfter,
  resolveRetryPolicy,
  retryDelay,
  withRetries,
  type RetryDeps,
} from '../../../src/atlas/retry.js';
import { GROUP, makeClient, sendAtlasError, sendJson, startFake, userJson, type Fake } from './fake-atlas.js';

const policy = { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 1000, maxRetryAfterMs: 30_000 };
const deps = (random = 1): RetryDeps => ({
  policy,
  random: () => random,
  sleep: async () => undefined,
  now: () => Date.parse('2026-08-10T00:00:00Z'),
});

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

describe('resolveRetryPolicy', () => {
  it('gives the defaults: 5 attempts, 500 ms base, 15 s ceiling, 30 s Retry-After cap', () => {
    expect(resolveRetryPolicy()).toEqual({ maxAttempts: 5, baseDelayMs: 500, maxDelayMs: 15_000, maxRetryAfterMs: 30_000 });
    expect(resolveRetryPolicy({})).toEqual(DEFAULT_RETRY_POLICY);
    expect(resolveRetryPolicy()).not.toBe(DEFAULT_RETRY_POLICY);
  });

  it.each([
    [{ maxAttempts: 3 }, { ...DEFAULT_RETRY_POLICY, maxAttempts: 3 }],
    [{ maxAttempts: 2.9 }, { ...DEFAULT_RETRY_POLICY, maxAttempts: 2 }],
    [{ maxAttempts: 1 }, { ...DEFAULT_RETRY_POLICY, maxAttempts: 1 }],
    [{ maxAttempts: 0 }, { ...DEFAULT_RETRY_POLICY, maxAttempts: 1 }],
    [{ maxAttempts: 0.5 }, { ...DEFAULT_RETRY_POLICY, maxAttempts: 1 }],
    [{ maxAttempts: -4 }, { ...DEFAULT_RETRY_POLICY, maxAttempts: 1 }],
    [
      { baseDelayMs: 10, maxDelayMs: 40 },
      { ...DEFAULT_RETRY_POLICY, baseDelayMs: 10, maxDelayMs: 40 },
    ],
    [{ maxRetryAfterMs: 0 }, { ...DEFAULT_RETRY_POLICY, maxRetryAfterMs: 0 }],
  ])('%j → %j', (partial, expected) => {
    expect(resolveRetryPolicy(partial)).toEqual(expected);
  });
});

describe('backoffDelay: the ceiling doubles from the base up to the max', () => {
  const defaults = DEFAULT_RETRY_POLICY;
  it.each([
    // random() just below 1 gives the largest wait, rounded down.
    [1, 0.999, 499],
    [2, 0.999, 999],
    [5, 0.999, 7992],
    [6, 0.999, 14_985],
    [7, 0.999, 14_985],
    [30, 0.999, 14_985],
    [1, 0.5, 250],
    [6, 0.5, 7500],
    [1, 0.0019, 0],
    [1, 0.002, 1],
  ])('attempt %i with random %d waits %i ms under the default policy', (attempt, random, expected) => {
    expect(backoffDelay(attempt, defaults, () => random)).toBe(expected);
  });
});

describe('parseRetryAfter: forms that are refused or trimmed', () => {
  const now = Date.parse('2026-08-10T00:00:00Z');
  it.each([
    ['7 ', 7000],
    ['\t12', 12_000],
    ['007', 7000],
    ['   ', undefined],
    ['1.5', undefined],
    ['1e3', undefined],
    ['+5', undefined],
    ['5s', undefined],
    ['Mon, 10 Aug 2026 00:00:05 GMT ', 5000],
    ['Mon, 10 Aug 2026 00:01:00 GMT', 60_000],
    ['Mon,10 Aug 2026 00:00:05 GMT', undefined],
    ['10 Aug 2026 00:00:05 GMT', undefined],
    ['2026-08-10T00:00:05Z', undefined],
    ['Mon, not a date', undefined],
    ['Monday, 10-Aug-26 00:00:05 GMT', undefined],
  ])('%j → %j ms', (value, expected) => {
    expect(parseRetryAfter(value, now)).toBe(expected);
  });
});

describe('retryDelay: boundaries', () => {
  it.each([
    ['a 499 on an idempotent call', 499, null, 1, true, undefined],
    ['a 500 on an idempotent call', 500, null, 1, true, 100],
    ['a 599 on an idempotent call', 599, null, 2, true, 200],
    ['a 429 on attempt 4 of 5', 429, null, 4, false, 800],
    ['a 429 past the last attempt', 429, null, 6, true, undefined],
    ['a Retry-After exactly at the cap', 429, '30', 1, true, 30_100],
    ['a Retry-After of 0', 429, '0', 1, true, 100],
    ['an unreadable Retry-After', 429, 'later', 2, true, 200],
    ['an HTTP-date Retry-After', 503, 'Mon, 10 Aug 2026 00:00:03 GMT', 1, true, 3100],
  ])('%s', (_name, status, retryAfter, attempt, idempotent, expected) => {
    expect(retryDelay(status, retryAfter, attempt, idempotent, deps())).toBe(expected);
  });

  it('cuts a Retry-After to the policy cap, then adds the jitter', () => {
    const capped = { ...deps(0.5), policy: { ...policy, maxRetryAfterMs: 1500 } };
    expect(retryDelay(429, '2', 1, false, capped)).toBe(1550);
    expect(retryDelay(429, '1', 1, false, capped)).toBe(1050);
  });

  it('with one attempt allowed, never retries', () => {
    const once = { ...deps(), policy: { ...policy, maxAttempts: 1 } };
    expect(retryDelay(429, '1', 1, true, once)).toBeUndefined();
  });
});

describe('withRetries, with scripted responses', () => {
  const response = (status: number, retryAfter?: string): HttpResponse => ({
    status,
    text: '',
    headers: { get: (name) => (name.toLowerCase() === 'retry-after' ? (retryAfter ?? null) : null) },
  });

  async function run(statuses: Array<[number, string?]>, idempotent: boolean, maxAttempts = 5) {
    const sleeps: number[] = [];
    const attempts: number[] = [];
    const result = await withRetries(
      async (n) => {
        attempts.push(n);
        const [status, retryAfter] = statuses[Math.min(n - 1, statuses.length - 1)] ?? [200];
        return response(status, retryAfter);
      },
      idempotent,
      {
        policy: { ...policy, maxAttempts },
        random: () => 0.5,
        now: () => Date.parse('2026-08-10T00:00:00Z'),
        sleep: async (ms) => {
          sleeps.push(ms);
        },
      },
    );
    return { status: result.status, sleeps, attempts };
  }

  it.each([
    ['a success at once', [[200]], true, 5, 200, [], [1]],
    ['429, 429, then 200', [[429], [429], [200]], false, 5, 200, [50, 100], [1, 2, 3]],
    ['503 with Retry-After 2, then 200', [[503, '2'], [200]], true, 5, 200, [2050], [1, 2]],
    ['503 on a POST is returned as it is', [[503], [200]], false, 5, 503, [], [1]],
    ['a 404 is returned as it is', [[404], [200]], true, 5, 404, [], [1]],
    ['503 every time, 3 attempts', [[503]], true, 3, 503, [50, 100], [1, 2, 3]],
    ['503 every time, 1 attempt', [[503]], true, 1, 503, [], [1]],
    ['503 every time, 5 attempts, the ceiling holds', [[503]], true, 5, 503, [50, 100, 200, 400], [1, 2, 3, 4, 5]],
  ] as const)('%s', async (_name, statuses, idempotent, maxAttempts, status, sleeps, attempts) => {
    const result = await run(
      statuses.map((s) => [...s] as [number, string?]),
      idempotent,
      maxAttempts,
    );
    expect(result).toEqual({ status, sleeps: [...sleeps], attempts: [...attempts] });
  });

  it.each([
    ['one failure, then a response', 1, 5, 200, [50], 2],
    ['four failures, then a response on the last attempt', 4, 5, 200, [50, 100, 200, 400], 5],
    ['failures on every attempt', 9, 3, 'refused', [50, 100], 3],
    ['a failure with a single attempt', 9, 1, 'refused', [], 1],
  ] as const)('an idempotent call with network errors: %s', async (_name, failures, maxAttempts, outcome, sleeps, calls) => {
    const slept: number[] = [];
    let n = 0;
    const result = withRetries(
      async () => {
        n += 1;
        if (n <= failures)
          throw new AtlasNetworkError('unreachable', {
            code: 'ECONNREFUSED',
            host: '127.0.0.1',
            reason: 'the connection was refused',
            cause: undefined,
          });
        return response(200);
      },
      true,
      { policy: { ...policy, maxAttempts }, random: () => 0.5, now: () => 0, sleep: async (ms) => void slept.push(ms) },
    );
    if (outcome === 'refused') await expect(result).rejects.toBeInstanceOf(AtlasNetworkError);
    else expect((await result).status).toBe(outcome);
    expect(slept).toEqual([...sleeps]);
    expect(n).toBe(calls);
  });

  it.each([
    ['a TLS failure (a certificate problem no retry can mend)', 'tls', 'CERT_HAS_EXPIRED', 1],
    ['a timeout', 'timeout', 'UND_ERR_CONNECT_TIMEOUT', 2],
    ['an unreachable host', 'unreachable', 'ECONNREFUSED', 2],
  ] as const)('an idempotent call retries a transient network error only: %s', async (_name, kind, code, calls) => {
    let n = 0;
    const result = withRetries(
      async () => {
        n += 1;
        if (n === 1) throw new AtlasNetworkError(kind, { code, host: '127.0.0.1', reason: 'it failed', cause: undefined });
        return response(200);
      },
      true,
      { policy, random: () => 0.5, now: () => 0, sleep: async () => undefined },
    );
    if (calls === 1) await expect(result).rejects.toMatchObject({ kind, code });
    else expect((await result).status).toBe(200);
    expect(n).toBe(calls);
  });

  it('rethrows an error that is not a network error at once', async () => {
    const sleeps: number[] = [];
    let calls = 0;
    const failing = withRetries(
      async () => {
        calls += 1;
        throw new TypeError('bug');
      },
      true,
      { policy, random: () => 0.5, now: () => 0, sleep: async (ms) => void sleeps.push(ms) },
    );
    await expect(failing).rejects.toThrow(new TypeError('bug'));
    expect(calls).toBe(1);
    expect(sleeps).toEqual([]);
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
  sendAtlasError(
    res,
    429,
    'RATE_LIMITED_TOKEN_BUCKET',
    'Too many requests.',
    [],
    retryAfter === undefined ? {} : { 'Retry-After': retryAfter },
  );
const failing = (status: number) => (res: import('node:http').ServerResponse) => sendAtlasError(res, status, 'UNEXPECTED_ERROR', 'Oops.');
const ok =
  (body: unknown, status = 200) =>
  (res: import('node:http').ServerResponse) =>
    sendJson(res, status, body);

describe('retries against a server', () => {
  // random() is 0.5 in makeClient and the base delay 500 ms, so jitter is 250, 500, 1000, … ms.
  it.each([
    ['429 with Retry-After 2', [rateLimited('2'), ok(project)], [2250]],
    ['429 twice without Retry-After', [rateLimited(), rateLimited(), ok(project)], [250, 500]],
    ['429 asking for 10 minutes (capped at 30 s)', [rateLimited('600'), ok(project)], [30_250]],
    ['500 then 502 on a GET', [failing(500), failing(502), ok(project)], [250, 500]],
    [
      '503 with Retry-After 1 on a GET',
      [(res) => sendAtlasError(res, 503, 'SERVICE_UNAVAILABLE', 'Down.', [], { 'Retry-After': '1' }), ok(project)],
      [1250],
    ],
  ])('%s, then succeeds', async (_name, script, waits) => {
    fake = await scripted(script);
    const { client, sleeps } = makeClient(fake.baseUrl);

    await expect(client.getProject()).resolves.toMatchObject({ id: GROUP });

    expect(sleeps).toEqual(waits);
    expect(client.requestCount).toBe(waits.length + 1);
  });

  it.each([
    [
      'DELETE',
      (c: ReturnType<typeof makeClient>['client']) => c.deleteDatabaseUser('u1'),
      (res: import('node:http').ServerResponse) => res.writeHead(204).end(),
    ],
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
