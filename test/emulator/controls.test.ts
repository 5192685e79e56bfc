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

  it('answers unknown controls with 404 and needs no credentials', async () => {
    const em = await start();
    expect((await control(em, 'GET', 'nothing')).status).toBe(404);
    expect((await send(em.url, { path: '/__emulator/state' })).status).toBe(200);
  });
});
