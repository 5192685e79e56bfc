import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isLoopback } from '../../src/emulator/http-io.js';
import { advance, atlas, control, newUser, send, start } from './helpers.js';

describe('test controls', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.10.0.3', true],
    ['::1', true],
    ['::ffff:127.0.0.1', true],
    ['10.0.0.5', false],
    ['::ffff:192.168.1.2', false],
    ['fe80::1', false],
    [undefined, false],
  ])('treats %s as loopback: %s', (address, expected) => {
    expect(isLoopback(address)).toBe(expected);
  });

  it('advances the virtual clock', async () => {
    const em = await start();
    const before = Date.parse((await control(em, 'GET', 'state')).json().now);
    const reply = await advance(em, 86_400_000);
    expect(reply.status).toBe(200);
    expect(reply.json().offsetMs).toBe(86_400_000);
    expect(Date.parse(reply.json().now) - before).toBeGreaterThanOrEqual(86_400_000);
  });

  it.each([[{}], [{ advanceMs: -1 }], [{ advanceMs: '1h' }]])('refuses the clock body %j', async (body) => {
    const em = await start();
    expect((await control(em, 'POST', 'clock', body)).status).toBe(400);
  });

  it('dumps users in full, with labels and a password hash but never the password', async () => {
    const em = await start({ clusters: ['A0'], applyDelayMs: 60_000 });
    const api = atlas(em);
    const body = newUser(em, { labels: [{ key: 'lease', value: 'l-1' }], description: 'for CI' });
    await api.post(`${api.group}/databaseUsers`, body);
    const reply = await control(em, 'GET', 'state');
    const state = reply.json();
    expect(reply.text).not.toContain(String(body.password));
    expect(state.users).toHaveLength(1);
    expect(state.users[0]).toMatchObject({
      username: body.username,
      labels: [{ key: 'lease', value: 'l-1' }],
      description: 'for CI',
      passwordSha256: createHash('sha256').update(String(body.password)).digest('hex'),
    });
    expect(state.clusters.A0).toMatchObject({ changeStatus: 'PENDING' });
    expect(state.clusters.A0.connectionStrings.standardSrv).toMatch(/^mongodb\+srv:\/\/a0\./);
    expect(state.groupId).toBe(em.groupId);
  });

  it('logs every /api/ request in order, challenges included, and forgets them on DELETE', async () => {
    const em = await start();
    const api = atlas(em);
    await api.get(`${api.group}/databaseUsers?pageNum=1`);
    await api.get(`${api.group}/clusters/Cluster0`);
    const log = (await control(em, 'GET', 'requests')).json();
    expect(log).toEqual([
      { method: 'GET', path: `${api.group}/databaseUsers?pageNum=1`, status: 401, auth: 'none' },
      { method: 'GET', path: `${api.group}/databaseUsers?pageNum=1`, status: 200, auth: 'digest' },
      { method: 'GET', path: `${api.group}/clusters/Cluster0`, status: 200, auth: 'digest' },
    ]);
    expect((await control(em, 'DELETE', 'requests')).status).toBe(204);
    expect((await control(em, 'GET', 'requests')).json()).toEqual([]);
  });

  it('lists the faults still waiting, each counted down as an authenticated request takes it', async () => {
    const em = await start();
    const api = atlas(em);
    expect((await control(em, 'GET', 'faults')).json()).toEqual([]);
    await control(em, 'POST', 'faults', { match: { method: 'GET', path: '/clusters/' }, count: 2, status: 503 });
    await control(em, 'POST', 'faults', { match: { method: 'POST' }, count: 1, status: 500 });
    const waiting = (await control(em, 'GET', 'faults')).json() as { remaining: number; status: number }[];
    expect(waiting.map((f) => [f.status, f.remaining])).toEqual([
      [503, 2],
      [500, 1],
    ]);
    expect((await api.get(`${api.group}/clusters/Cluster0`)).status).toBe(503);
    expect(((await control(em, 'GET', 'faults')).json() as { remaining: number }[]).map((f) => f.remaining)).toEqual([1, 1]);
    expect((await api.get(`${api.group}/clusters/Cluster0`)).status).toBe(503);
    expect((await api.post(`${api.group}/databaseUsers`, newUser(em))).status).toBe(500);
    expect((await control(em, 'GET', 'faults')).json()).toEqual([]);
  });

  it('resets users, faults, the request log, tokens, nonces and the clock', async () => {
    const em = await start({ applyDelayMs: 60_000 });
    const api = atlas(em);
    await api.post(`${api.group}/databaseUsers`, newUser(em));
    await control(em, 'POST', 'faults', { count: 5, status: 500 });
    await advance(em, 3_600_000);
    expect((await control(em, 'POST', 'reset')).status).toBe(204);
    const state = (await control(em, 'GET', 'state')).json();
    expect(state.users).toEqual([]);
    expect(state.tokens).toBe(0);
    expect(state.clusters.Cluster0.changeStatus).toBe('APPLIED');
    expect(Math.abs(Date.parse(state.now) - Date.now())).toBeLessThan(60_000);
    expect((await control(em, 'GET', 'requests')).json()).toEqual([]);
    const fresh = atlas(em);
    expect((await fresh.get(`${fresh.group}/databaseUsers`)).json().results).toEqual([]);
  });

  // A web page in the user's browser can send requests to 127.0.0.1 (cross-site, or through DNS rebinding with
  // its own host name): such requests are told apart by their Origin, Host or Content-Type and refused.
  it.each([
    ['an Origin', 'POST', 'clock', { Origin: 'http://evil.example', 'Content-Type': 'application/json' }, '{"advanceMs":86400000}'],
    ['a null Origin', 'POST', 'clock', { Origin: 'null', 'Content-Type': 'application/json' }, '{"advanceMs":86400000}'],
    ['an Origin on a GET', 'GET', 'state', { Origin: 'http://evil.example' }, undefined],
    ['a foreign Host', 'POST', 'clock', { Host: 'evil.example', 'Content-Type': 'application/json' }, '{"advanceMs":86400000}'],
    [
      'a foreign Host with the right port',
      'POST',
      'clock',
      { Host: 'evil.example:PORT', 'Content-Type': 'application/json' },
      '{"advanceMs":86400000}',
    ],
    ['a foreign Host on a GET', 'GET', 'state', { Host: 'rebound.evil.example:PORT' }, undefined],
    ['the right host with another port', 'GET', 'state', { Host: '127.0.0.1:1' }, undefined],
    ['a text/plain body', 'POST', 'clock', { 'Content-Type': 'text/plain' }, '{"advanceMs":86400000}'],
    ['a form body', 'POST', 'clock', { 'Content-Type': 'application/x-www-form-urlencoded' }, '{"advanceMs":86400000}'],
    ['a JSON body without a Content-Type', 'POST', 'clock', {}, '{"advanceMs":86400000}'],
    ['a POST without a Content-Type and no body', 'POST', 'reset', {}, undefined],
    ['a multipart body', 'POST', 'faults', { 'Content-Type': 'multipart/form-data; boundary=x' }, '--x--'],
  ])('refuses a control request with %s (403), changing nothing', async (_what, method, name, headers, body) => {
    const em = await start();
    const port = new URL(em.url).port;
    const fixed = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, v.replace('PORT', port)]));
    const before = (await control(em, 'GET', 'state')).json();
    const reply = await send(em.url, { method, path: `/__emulator/${name}`, headers: fixed, body });
    expect(reply.status).toBe(403);
    expect(reply.json().error).toMatch(/test controls/);
    const after = (await control(em, 'GET', 'state')).json();
    expect(Date.parse(after.now) - Date.parse(before.now)).toBeLessThan(60_000);
  });

  it.each([
    ['its own address', (url: URL) => url.host],
    ['localhost and its port', (url: URL) => `localhost:${url.port}`],
    ['LOCALHOST in capitals', (url: URL) => `LOCALHOST:${url.port}`],
  ])('accepts a control request whose Host is %s', async (_what, host) => {
    const em = await start();
    const reply = await send(em.url, {
      method: 'POST',
      path: '/__emulator/clock',
      body: '{"advanceMs":1000}',
      headers: { Host: host(new URL(em.url)), 'Content-Type': 'application/json; charset=utf-8' },
    });
    expect(reply.status).toBe(200);
  });

  it('answers unknown controls with 404 and needs no credentials', async () => {
    const em = await start();
    expect((await control(em, 'GET', 'nothing')).status).toBe(404);
    expect((await send(em.url, { path: '/__emulator/state' })).status).toBe(200);
  });
});
