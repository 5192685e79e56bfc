import { describe, expect, it } from 'vitest';
import { wrongTypes } from '../../src/emulator/faults.js';
import { atlas, control, newUser, send, start, V1 } from './helpers.js';

const fault = async (em: Awaited<ReturnType<typeof start>>, spec: Record<string, unknown>) => {
  const reply = await control(em, 'POST', 'faults', spec);
  expect(reply.status).toBe(201);
};

describe('fault injection', () => {
  it('fails the next N matching requests with the given status and errorCode, then lets them through', async () => {
    const em = await start();
    const api = atlas(em);
    await fault(em, { match: { method: 'GET', path: '/databaseUsers' }, count: 2, status: 500, errorCode: 'UNEXPECTED_ERROR' });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await api.get(`${api.group}/databaseUsers`)).status);
    expect(statuses).toEqual([500, 500, 200]);
  });

  it.each([
    ['another method', { method: 'POST' }],
    ['another path', { path: '/clusters' }],
  ])('leaves requests with %s alone', async (_what, match) => {
    const em = await start();
    const api = atlas(em);
    await fault(em, { match, count: 1, status: 503 });
    expect((await api.get(`${api.group}/databaseUsers`)).status).toBe(200);
  });

  it.each([
    [{ status: 503 }, 503, 'SERVICE_UNAVAILABLE', undefined],
    [{ status: 500 }, 500, 'UNEXPECTED_ERROR', undefined],
    [{ status: 429, retryAfter: 7 }, 429, 'RATE_LIMITED_TOKEN_BUCKET', '7'],
    [{ retryAfter: 3 }, 429, 'RATE_LIMITED_TOKEN_BUCKET', '3'],
    [{ status: 403, errorCode: 'IP_ADDRESS_NOT_ON_ACCESS_LIST' }, 403, 'IP_ADDRESS_NOT_ON_ACCESS_LIST', undefined],
    [{}, 500, 'UNEXPECTED_ERROR', undefined],
  ])('answers %j with %i %s', async (spec, status, errorCode, retryAfter) => {
    const em = await start();
    const api = atlas(em);
    await fault(em, { count: 1, ...spec });
    const reply = await api.get(`${api.group}/databaseUsers`);
    expect(reply.status).toBe(status);
    expect(reply.json().errorCode).toBe(errorCode);
    expect(reply.headers['x-error-code']).toBe(errorCode);
    expect(reply.headers['retry-after']).toBe(retryAfter);
  });

  it('uses faults in the order they were registered', async () => {
    const em = await start();
    const api = atlas(em);
    await fault(em, { count: 1, status: 502 });
    await fault(em, { count: 1, status: 504 });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await api.get(`${api.group}/databaseUsers`)).status);
    expect(statuses).toEqual([502, 504, 200]);
  });

  it('hits only requests that passed auth, unless beforeAuth', async () => {
    const em = await start();
    await fault(em, { count: 1, status: 503 });
    const path = `/api/atlas/v2/groups/${em.groupId}/databaseUsers`;
    expect((await send(em.url, { path, headers: { Accept: V1 } })).status).toBe(401);
    await control(em, 'DELETE', 'faults');
    await fault(em, { count: 1, status: 503, beforeAuth: true });
    expect((await send(em.url, { path, headers: { Accept: V1 } })).status).toBe(503);
  });

  it('adds latency and then gives the real answer', async () => {
    const em = await start();
    const api = atlas(em);
    await api.get(`${api.group}/databaseUsers`);
    await fault(em, { match: { path: '/databaseUsers' }, count: 1, latencyMs: 400 });
    const finished: string[] = [];
    const slow = api.get(`${api.group}/databaseUsers`).then((r) => finished.push(`slow ${r.status}`));
    const fast = send(em.url, { path: '/__emulator/state' }).then((r) => finished.push(`fast ${r.status}`));
    await Promise.all([slow, fast]);
    expect(finished).toEqual(['fast 200', 'slow 200']);
  });

  it('resets the connection without an answer and logs it with status 0', async () => {
    const em = await start();
    const api = atlas(em);
    await fault(em, { count: 1, reset: true });
    await expect(api.get(`${api.group}/databaseUsers`)).rejects.toThrow(/socket hang up|ECONNRESET/);
    const log = (await control(em, 'GET', 'requests')).json();
    expect(log.at(-1)).toMatchObject({ status: 0, auth: 'digest' });
  });

  it('applies the change, then fails, with afterApply', async () => {
    const em = await start();
    const api = atlas(em);
    const body = newUser(em);
    await fault(em, { match: { method: 'POST' }, count: 1, afterApply: true });
    const failed = await api.post(`${api.group}/databaseUsers`, body);
    expect(failed.status).toBe(500);
    expect((await api.get(`${api.group}/databaseUsers/admin/${String(body.username)}`)).status).toBe(200);
    expect((await api.post(`${api.group}/databaseUsers`, body)).status).toBe(409);
  });

  it('applies the change, then resets, with afterApply and reset', async () => {
    const em = await start();
    const api = atlas(em);
    const body = newUser(em);
    await fault(em, { match: { method: 'POST' }, count: 1, afterApply: true, reset: true });
    await expect(api.post(`${api.group}/databaseUsers`, body)).rejects.toThrow();
    expect((await api.get(`${api.group}/databaseUsers/admin/${String(body.username)}`)).status).toBe(200);
  });

  it.each([
    ['malformed', (text: string) => expect(() => JSON.parse(text)).toThrow()],
    ['huge', (text: string) => expect(text.length).toBeGreaterThanOrEqual(20 * 1024 * 1024)],
    [
      'wrong-types',
      (text: string) => {
        const body = JSON.parse(text);
        expect(typeof body.username).toBe('number');
        expect(typeof body.roles[0].roleName).toBe('number');
      },
    ],
  ])('answers 200 with a %s body', async (kind, check) => {
    const em = await start();
    const api = atlas(em);
    const body = newUser(em);
    await api.post(`${api.group}/databaseUsers`, body);
    await fault(em, { count: 1, body: kind });
    const reply = await api.get(`${api.group}/databaseUsers/admin/${String(body.username)}`);
    expect(reply.status).toBe(200);
    check(reply.text);
  });

  it('forgets every fault on DELETE /__emulator/faults', async () => {
    const em = await start();
    const api = atlas(em);
    await fault(em, { count: 5, status: 500 });
    expect((await control(em, 'DELETE', 'faults')).status).toBe(204);
    expect((await api.get(`${api.group}/databaseUsers`)).status).toBe(200);
  });

  it.each([
    [{}, 'count'],
    [{ count: 0 }, 'count'],
    [{ count: 1, status: 99 }, 'status'],
    [{ count: 1, body: 'weird' }, 'body'],
    [{ count: 1, match: 'x' }, 'match'],
  ])('refuses the fault %j', async (spec, word) => {
    const em = await start();
    const reply = await control(em, 'POST', 'faults', spec);
    expect(reply.status).toBe(400);
    expect(reply.json().error).toContain(word);
  });

  it.each([
    ['abc', 3],
    [12, '12'],
    [true, 'true'],
    [[{ a: 'x' }], [{ a: 1 }]],
    [null, null],
  ])('wrongTypes(%j) → %j', (input, expected) => {
    expect(wrongTypes(input)).toEqual(expected);
  });
});
