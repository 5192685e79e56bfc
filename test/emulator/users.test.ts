import { describe, expect, it } from 'vitest';
import { ERROR_KEYS, ISO_SECONDS, PERMANENT_USER_KEYS, TEMPORARY_USER_KEYS, USER_LIST_KEYS } from './fixtures/atlas-shapes.js';
import { atlas, newUser, start, V1_RESPONSE } from './helpers.js';

/** True when every object in the value lists its keys in alphabetical order. */
function keysSorted(value: unknown): boolean {
  if (Array.isArray(value)) return value.every(keysSorted);
  if (value === null || typeof value !== 'object') return true;
  const keys = Object.keys(value);
  return keys.join() === [...keys].sort().join() && Object.values(value).every(keysSorted);
}

describe('database users', () => {
  it('creates a user and answers like Atlas: 201, versioned type, rate-limit headers, sorted compact JSON', async () => {
    const em = await start();
    const api = atlas(em);
    const body = newUser(em, { labels: [{ key: 'dynsecret', value: 'yes' }], scopes: [{ name: 'Cluster0', type: 'CLUSTER' }] });
    const reply = await api.post(`${api.group}/databaseUsers`, body);
    expect(reply.status).toBe(201);
    expect(reply.headers['content-type']).toBe(V1_RESPONSE);
    expect(reply.headers['ratelimit-limit']).toBe('10000');
    expect(reply.headers['ratelimit-remaining']).toBe('9999');
    expect(reply.text).not.toMatch(/\n|": /);
    const user = reply.json();
    expect(keysSorted(user)).toBe(true);
    expect(Object.keys(user)).toEqual(TEMPORARY_USER_KEYS);
    expect(user).toMatchObject({
      awsIAMType: 'NONE',
      databaseName: 'admin',
      groupId: em.groupId,
      labels: [{ key: 'dynsecret', value: 'yes' }],
      links: [{ href: `${em.url}${api.group}/databaseUsers/admin/${String(body.username)}`, rel: 'self' }],
      roles: [{ databaseName: 'app', roleName: 'readWrite' }],
      scopes: [{ name: 'Cluster0', type: 'CLUSTER' }],
      username: body.username,
      x509Type: 'NONE',
    });
    expect(user.deleteAfterDate).toMatch(ISO_SECONDS);
    expect(Date.parse(user.deleteAfterDate)).toBe(Math.floor(Date.parse(String(body.deleteAfterDate)) / 1000) * 1000);
    expect(reply.text).not.toContain(String(body.password));
  });

  it.each([
    ['a temporary user', {}, TEMPORARY_USER_KEYS],
    ['a permanent user', { deleteAfterDate: undefined }, PERMANENT_USER_KEYS],
    ['a user with a description', { description: 'lease 1' }, [...TEMPORARY_USER_KEYS, 'description'].sort()],
  ])('reads back %s with the same keys', async (_name, overrides, keys) => {
    const em = await start();
    const api = atlas(em);
    const body = newUser(em, overrides);
    await api.post(`${api.group}/databaseUsers`, body);
    const reply = await api.get(`${api.group}/databaseUsers/admin/${String(body.username)}`);
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe(V1_RESPONSE);
    expect(Object.keys(reply.json())).toEqual(keys);
  });

  it.each([['team/alice'], ['a b+c'], ['ünïcødé'], ['50%']])('finds %j through its URL-encoded path', async (username) => {
    const em = await start();
    const api = atlas(em);
    expect((await api.post(`${api.group}/databaseUsers`, newUser(em, { username }))).status).toBe(201);
    const path = `${api.group}/databaseUsers/admin/${encodeURIComponent(username)}`;
    const reply = await api.get(path);
    expect(reply.status).toBe(200);
    expect(reply.json().links[0].href).toBe(em.url + path);
  });

  it('updates roles, scopes and expiry, then only the password, keeping the rest', async () => {
    const em = await start();
    const api = atlas(em);
    const body = newUser(em);
    await api.post(`${api.group}/databaseUsers`, body);
    const path = `${api.group}/databaseUsers/admin/${String(body.username)}`;
    const later = new Date(Date.now() + 2 * 3_600_000).toISOString();
    const update = {
      roles: [{ roleName: 'read', databaseName: 'app' }],
      scopes: [{ name: 'Cluster0', type: 'CLUSTER' }],
      deleteAfterDate: later,
    };
    const patched = await api.patch(path, update);
    expect(patched.status).toBe(200);
    expect(patched.json()).toMatchObject({ roles: update.roles, scopes: update.scopes, deleteAfterDate: later.replace(/\.\d+Z$/, 'Z') });
    const passwordOnly = await api.patch(path, { password: 'another-password' });
    expect(passwordOnly.status).toBe(200);
    expect(passwordOnly.json()).toMatchObject({ roles: update.roles, scopes: update.scopes });
  });

  it('deletes with 204 and no body, after which the user is not found', async () => {
    const em = await start();
    const api = atlas(em);
    const body = newUser(em);
    await api.post(`${api.group}/databaseUsers`, body);
    const path = `${api.group}/databaseUsers/admin/${String(body.username)}`;
    const deleted = await api.del(path);
    expect(deleted.status).toBe(204);
    expect(deleted.text).toBe('');
    expect(deleted.headers['content-type']).toBe(V1_RESPONSE);
    const gone = await api.get(path);
    expect(gone.status).toBe(404);
    expect(gone.headers['content-type']).toBe('application/json');
    expect(gone.headers['x-error-code']).toBe('USERNAME_NOT_FOUND');
    expect(gone.headers['ratelimit-limit']).toBe('10000');
    expect(Object.keys(gone.json())).toEqual(ERROR_KEYS);
    expect(gone.json()).toEqual({
      detail: `No user with username ${String(body.username)} exists.`,
      error: 404,
      errorCode: 'USERNAME_NOT_FOUND',
      parameters: [body.username],
      reason: 'Not Found',
    });
    expect((await api.del(path)).status).toBe(404);
  });
});

describe('listing database users', () => {
  async function withUsers(count: number) {
    const em = await start();
    const api = atlas(em);
    const names: string[] = [];
    for (let i = 0; i < count; i++) {
      const name = `user-${i}`;
      names.push(name);
      await api.post(`${api.group}/databaseUsers`, newUser(em, { username: name }));
    }
    return { em, api, names };
  }

  it.each([
    ['', [0, 7], ['self'], 7],
    ['?pageNum=1&itemsPerPage=3', [0, 3], ['self', 'next'], 7],
    ['?pageNum=2&itemsPerPage=3', [3, 6], ['self', 'previous', 'next'], 7],
    ['?pageNum=3&itemsPerPage=3', [6, 7], ['self', 'previous'], 7],
    ['?pageNum=4&itemsPerPage=3', [7, 7], ['self', 'previous'], 7],
    ['?includeCount=false&itemsPerPage=500', [0, 7], ['self'], undefined],
    ['?includeCount=true&pageNum=1&itemsPerPage=100', [0, 7], ['self'], 7],
  ])('pages %j', async (query, [from, to], rels, totalCount) => {
    const { em, api, names } = await withUsers(7);
    const reply = await api.get(`${api.group}/databaseUsers${query}`);
    expect(reply.status).toBe(200);
    const body = reply.json();
    expect(Object.keys(body)).toEqual(totalCount === undefined ? ['links', 'results'] : USER_LIST_KEYS);
    expect(body.results.map((u: { username: string }) => u.username)).toEqual(names.slice(from, to));
    expect(body.links.map((l: { rel: string }) => l.rel)).toEqual(rels);
    expect(body.links[0].href).toBe(`${em.url}${api.group}/databaseUsers${query}`);
    expect(body.totalCount).toBe(totalCount);
  });

  it('links next to the following page', async () => {
    const { api } = await withUsers(3);
    const first = (await api.get(`${api.group}/databaseUsers?itemsPerPage=2`)).json();
    const next = new URL(first.links.find((l: { rel: string }) => l.rel === 'next').href);
    const second = (await api.get(next.pathname + next.search)).json();
    expect(second.results.map((u: { username: string }) => u.username)).toEqual(['user-2']);
  });

  it.each([
    ['itemsPerPage=0', 'itemsPerPage'],
    ['itemsPerPage=501', 'itemsPerPage'],
    ['itemsPerPage=ten', 'itemsPerPage'],
    ['pageNum=0', 'pageNum'],
    ['pageNum=-1', 'pageNum'],
    ['includeCount=maybe', 'includeCount'],
  ])('refuses %s', async (query, parameter) => {
    const { api } = await withUsers(0);
    const reply = await api.get(`${api.group}/databaseUsers?${query}`);
    expect(reply.status).toBe(400);
    expect(reply.json()).toMatchObject({ errorCode: 'INVALID_QUERY_PARAMETER', parameters: [parameter] });
  });
});
