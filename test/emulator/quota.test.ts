import { describe, expect, it } from 'vitest';
import { ApiError } from './fixtures/atlas-schemas.js';
import { atlas, control, newUser, start } from './helpers.js';

/** Atlas' answer when a project holds as many database users as it may. */
const quotaBody = (max: number) => ({
  detail: `Groups can contain at most ${max} database users.`,
  error: 403,
  errorCode: 'GROUP_USERS_LIMIT_EXCEEDED',
  parameters: [max],
  reason: 'Forbidden',
});

describe('the database user limit', () => {
  it('answers a create in a full project with 403 GROUP_USERS_LIMIT_EXCEEDED naming the limit', async () => {
    const em = await start({ maxUsers: 2 });
    const api = atlas(em);
    for (let i = 0; i < 2; i++) expect((await api.post(`${api.group}/databaseUsers`, newUser(em))).status).toBe(201);
    const full = await api.post(`${api.group}/databaseUsers`, newUser(em));
    expect(full.status).toBe(403);
    expect(full.headers['content-type']).toBe('application/json');
    expect(full.headers['x-error-code']).toBe('GROUP_USERS_LIMIT_EXCEEDED');
    expect(ApiError.parse(full.json())).toEqual(quotaBody(2));
  });

  it('defaults to 100 users, as Atlas', async () => {
    const em = await start();
    expect((await control(em, 'GET', 'state')).json().maxUsers).toBe(100);
  });

  it('changes the limit while running through POST /__emulator/limits, and reset restores it', async () => {
    const em = await start({ maxUsers: 1 });
    const api = atlas(em);
    expect((await api.post(`${api.group}/databaseUsers`, newUser(em))).status).toBe(201);
    expect((await api.post(`${api.group}/databaseUsers`, newUser(em))).status).toBe(403);
    const raised = await control(em, 'POST', 'limits', { maxUsers: 3 });
    expect(raised.status).toBe(200);
    expect(raised.json()).toEqual({ maxUsers: 3 });
    expect((await api.post(`${api.group}/databaseUsers`, newUser(em))).status).toBe(201);
    expect((await control(em, 'POST', 'limits', { maxUsers: 2 })).status).toBe(200);
    expect((await api.post(`${api.group}/databaseUsers`, newUser(em))).json()).toEqual(quotaBody(2));
    await control(em, 'POST', 'reset');
    expect((await control(em, 'GET', 'state')).json().maxUsers).toBe(1);
  });

  it.each([[{}], [{ maxUsers: 0 }], [{ maxUsers: 1.5 }], [{ maxUsers: '5' }]])('refuses the limits body %j', async (body) => {
    const em = await start();
    expect((await control(em, 'POST', 'limits', body)).status).toBe(400);
  });
});

describe('failing the next user creations', () => {
  it('fails the next N creations with the real quota body, creates nothing, then lets creations through', async () => {
    const em = await start({ maxUsers: 50 });
    const api = atlas(em);
    const armed = await control(em, 'POST', 'faults', { failCreates: 2, kind: 'quota' });
    expect(armed.status).toBe(201);
    for (let i = 0; i < 2; i++) {
      const reply = await api.post(`${api.group}/databaseUsers`, newUser(em));
      expect(reply.status).toBe(403);
      expect(reply.headers['x-error-code']).toBe('GROUP_USERS_LIMIT_EXCEEDED');
      expect(ApiError.parse(reply.json())).toEqual(quotaBody(50));
    }
    expect((await control(em, 'GET', 'state')).json().users).toEqual([]);
    expect((await api.post(`${api.group}/databaseUsers`, newUser(em))).status).toBe(201);
  });

  it('defaults to quota and names the limit in force', async () => {
    const em = await start();
    const api = atlas(em);
    await control(em, 'POST', 'limits', { maxUsers: 7 });
    await control(em, 'POST', 'faults', { failCreates: 1 });
    expect((await api.post(`${api.group}/databaseUsers`, newUser(em))).json()).toEqual(quotaBody(7));
  });

  it('fails with a 500 for kind 5xx', async () => {
    const em = await start();
    const api = atlas(em);
    await control(em, 'POST', 'faults', { failCreates: 1, kind: '5xx' });
    const reply = await api.post(`${api.group}/databaseUsers`, newUser(em));
    expect(reply.status).toBe(500);
    expect(ApiError.parse(reply.json()).errorCode).toBe('UNEXPECTED_ERROR');
  });

  it('leaves reads, updates, deletions and other resources alone', async () => {
    const em = await start();
    const api = atlas(em);
    const body = newUser(em);
    expect((await api.post(`${api.group}/databaseUsers`, body)).status).toBe(201);
    await control(em, 'POST', 'faults', { failCreates: 1 });
    const path = `${api.group}/databaseUsers/admin/${String(body.username)}`;
    expect((await api.get(`${api.group}/databaseUsers`)).status).toBe(200);
    expect((await api.get(path)).status).toBe(200);
    expect((await api.patch(path, { description: 'x' })).status).toBe(200);
    expect((await api.post(`${api.group}/accessList`, [{ ipAddress: '192.0.2.1' }])).status).toBe(201);
    expect((await api.post(path, newUser(em))).status).toBe(405);
    expect((await api.del(path)).status).toBe(204);
    expect((await api.post(`${api.group}/databaseUsers`, newUser(em))).status).toBe(403);
  });

  it('gives the quota body to a plain fault with that errorCode too', async () => {
    const em = await start({ maxUsers: 9 });
    const api = atlas(em);
    await control(em, 'POST', 'faults', {
      match: { method: 'POST', path: '/databaseUsers' },
      count: 1,
      errorCode: 'GROUP_USERS_LIMIT_EXCEEDED',
    });
    expect((await api.post(`${api.group}/databaseUsers`, newUser(em))).json()).toEqual(quotaBody(9));
  });

  it.each([
    [{ failCreates: 0 }],
    [{ failCreates: -1 }],
    [{ failCreates: 'two' }],
    [{ failCreates: 1, kind: '4xx' }],
    [{ failCreates: 1, count: 2 }],
  ])('refuses the body %j', async (body) => {
    const em = await start();
    expect((await control(em, 'POST', 'faults', body)).status).toBe(400);
  });
});
