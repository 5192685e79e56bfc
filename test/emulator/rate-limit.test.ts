import { describe, expect, it } from 'vitest';
import { TokenBucket } from '../../src/emulator/rate-limit.js';
import { advance, atlas, start } from './helpers.js';

describe('token bucket', () => {
  it.each([
    // [capacity, perMinute, takes at t=0, then wait ms, expected last result]
    [3, 60, 3, 0, { allowed: true, remaining: 0 }],
    [3, 60, 4, 0, { allowed: false, retryAfterSeconds: 1 }],
    [3, 6, 4, 0, { allowed: false, retryAfterSeconds: 10 }],
    [3, 6, 4, 9_000, { allowed: false, retryAfterSeconds: 1 }],
    [3, 6, 4, 10_000, { allowed: true, remaining: 0 }],
    [10_000, 5_000, 1, 0, { allowed: true, remaining: 9_999 }],
  ])('capacity %i, %i/min: take %i times, wait %i ms', (capacity, perMinute, takes, wait, expected) => {
    const bucket = new TokenBucket(capacity, perMinute, 0);
    for (let i = 1; i < takes; i++) bucket.take(0);
    expect(bucket.take(wait)).toEqual(expected);
  });

  it('never refills above capacity', () => {
    const bucket = new TokenBucket(2, 60, 0);
    bucket.take(0);
    expect(bucket.take(3_600_000)).toEqual({ allowed: true, remaining: 1 });
  });
});

describe('rate limit over HTTP', () => {
  it('answers 429 RATE_LIMITED_TOKEN_BUCKET with Retry-After once the project bucket is empty', async () => {
    const em = await start({ rateCapacity: 3, ratePerMinute: 6 });
    const api = atlas(em);
    const remaining: string[] = [];
    for (let i = 0; i < 3; i++) {
      const reply = await api.get(`${api.group}/databaseUsers`);
      expect(reply.status).toBe(200);
      remaining.push(String(reply.headers['ratelimit-remaining']));
    }
    expect(remaining).toEqual(['2', '1', '0']);
    const limited = await api.get(`${api.group}/clusters/Cluster0`);
    expect(limited.status).toBe(429);
    expect(limited.headers['x-error-code']).toBe('RATE_LIMITED_TOKEN_BUCKET');
    expect(limited.headers['retry-after']).toBe('10');
    expect(limited.headers['ratelimit-limit']).toBe('3');
    expect(limited.headers['ratelimit-remaining']).toBe('0');
    expect(limited.json()).toMatchObject({ error: 429, errorCode: 'RATE_LIMITED_TOKEN_BUCKET', reason: 'Too Many Requests' });
    await advance(em, 10_000);
    expect((await api.get(`${api.group}/databaseUsers`)).status).toBe(200);
  });

  it('does not spend tokens on requests that fail authentication', async () => {
    const em = await start({ rateCapacity: 1, ratePerMinute: 1 });
    const api = atlas(em);
    expect((await api.get(`${api.group}/databaseUsers`)).status).toBe(200);
    expect((await api.get(`${api.group}/databaseUsers`)).status).toBe(429);
  });

  it('keeps the project resource in its own bucket', async () => {
    const em = await start({ rateCapacity: 1, ratePerMinute: 1 });
    const api = atlas(em);
    await api.get(`${api.group}/databaseUsers`);
    expect((await api.get(`${api.group}/databaseUsers`)).status).toBe(429);
    expect((await api.get(api.group)).status).toBe(200);
  });
});
