import type { ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { isOurs } from '../../../src/atlas/create-user.js';
import type { DatabaseUser, NewDatabaseUser } from '../../../src/atlas/index.js';
import { GROUP, makeClient, sendAtlasError, sendJson, startFake, userJson, type Fake, type Seen } from './fake-atlas.js';

const labels = [
  { key: 'dynsecret.config', value: 'app' },
  { key: 'dynsecret.createdAt', value: '2026-08-10T00:00:00.000Z' },
];
const lease: NewDatabaseUser = {
  username: 'ds-app-abc123',
  password: 'pw-abcdefghijklmnopqrstuvwxyz012345',
  roles: [{ roleName: 'readWrite', databaseName: 'app' }],
  labels,
  description: 'dynsecret lease of app',
  deleteAfterDate: '2026-08-10T01:00:00.000Z',
};
const stored = (user: Record<string, unknown>) =>
  userJson(String(user.username), { ...user, password: undefined, deleteAfterDate: '2026-08-10T01:00:00Z' });

type Outcome = 'ok' | '500-applied' | '500-not-applied' | 'reset-applied' | 'reset-pending' | 'hang-applied';

/** Atlas with one users table; each POST's outcome comes from the script, GETs are truthful. */
async function atlasWith(posts: Outcome[]): Promise<{ fake: Fake; users: Map<string, Record<string, unknown>> }> {
  const users = new Map<string, Record<string, unknown>>();
  const pending: Array<Record<string, unknown>> = [];
  let postNo = 0;
  const fake = await startFake((req: Seen, res: ServerResponse) => {
    if (req.method === 'GET') {
      const name = decodeURIComponent(req.path.split('/').pop() ?? '');
      const user = users.get(name);
      // A user "in flight" becomes visible only after the first lookup missed it.
      for (const p of pending.splice(0)) users.set(String(p.username), p);
      return user === undefined
        ? sendAtlasError(res, 404, 'USERNAME_NOT_FOUND', `No user with username ${name} exists.`)
        : sendJson(res, 200, user);
    }
    const body = JSON.parse(req.body) as Record<string, unknown>;
    const outcome = posts[Math.min(postNo, posts.length - 1)];
    postNo += 1;
    if (users.has(String(body.username))) return sendAtlasError(res, 409, 'USER_ALREADY_EXISTS', 'The user already exists.');
    if (outcome === 'reset-pending') {
      pending.push(stored(body));
      res.socket?.destroy();
      return;
    }
    if (outcome !== '500-not-applied') users.set(String(body.username), stored(body));
    if (outcome === 'ok') return sendJson(res, 201, stored(body));
    if (outcome === 'reset-applied') {
      res.socket?.destroy();
      return;
    }
    if (outcome === 'hang-applied') return undefined;
    return sendAtlasError(res, 500, 'UNEXPECTED_ERROR', 'Unexpected error.');
  });
  return { fake, users };
}

let fake: Fake | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const trail = (f: Fake): string => f.seen.map((r) => r.method).join(' ');

describe('createDatabaseUser after an unclear failure', () => {
  it.each<[string, Outcome[], string]>([
    ['created at once', ['ok'], 'POST'],
    ['500 after Atlas applied it: the lookup finds ours', ['500-applied'], 'POST GET'],
    ['connection reset after Atlas applied it', ['reset-applied'], 'POST GET'],
    ['timeout after Atlas applied it', ['hang-applied'], 'POST GET'],
    ['500 before Atlas applied it: created again', ['500-not-applied', 'ok'], 'POST GET POST'],
    ['two unclear failures, then applied', ['500-not-applied', '500-not-applied', '500-applied'], 'POST GET POST GET POST GET'],
    ['in flight: lookup misses, second POST gets 409, ours is found', ['reset-pending', 'ok'], 'POST GET POST GET'],
  ])('%s', async (_name, posts, expected) => {
    const atlas = await atlasWith(posts);
    fake = atlas.fake;
    const { client } = makeClient(fake.baseUrl, { timeouts: { connectMs: 1000, requestMs: 300 } });

    const user = await client.createDatabaseUser(lease);

    expect(user).toMatchObject({ username: lease.username, labels, deleteAfterDate: '2026-08-10T01:00:00Z' });
    expect(trail(fake)).toBe(expected);
    expect(atlas.users.size).toBe(1);
    for (const post of fake.seen.filter((r) => r.method === 'POST')) expect(post.body).toBe(fake.seen[0]?.body);
  });

  it('gives up with the server error after maxAttempts unclear POSTs', async () => {
    fake = (await atlasWith(['500-not-applied'])).fake;
    const { client } = makeClient(fake.baseUrl, { retry: { maxAttempts: 3 } });

    await expect(client.createDatabaseUser(lease)).rejects.toMatchObject({ kind: 'server', status: 500 });

    expect(trail(fake)).toBe('POST GET POST GET POST');
  });

  it('treats a 409 on the first POST as a real conflict', async () => {
    fake = await startFake((_req, res) => sendAtlasError(res, 409, 'USER_ALREADY_EXISTS', 'exists'));
    const { client } = makeClient(fake.baseUrl);

    await expect(client.createDatabaseUser(lease)).rejects.toMatchObject({
      kind: 'conflict',
      status: 409,
      subject: { groupId: GROUP, username: lease.username, creating: true },
    });
    expect(trail(fake)).toBe('POST');
  });

  it.each([
    ['a stranger holds the name after an unclear failure', 'POST GET', (n: number) => (n === 0 ? '500' : 'foreign')],
    [
      'a stranger took the name while we retried',
      'POST GET POST GET',
      (n: number) => (n === 0 ? '500' : n === 1 ? '404' : n === 2 ? '409' : 'foreign'),
    ],
  ])('refuses to claim a user that is not ours: %s', async (_name, expected, step) => {
    let n = 0;
    fake = await startFake((_req, res) => {
      const what = step(n);
      n += 1;
      if (what === '500') return sendAtlasError(res, 500, 'UNEXPECTED_ERROR', 'x');
      if (what === '404') return sendAtlasError(res, 404, 'USERNAME_NOT_FOUND', 'x');
      if (what === '409') return sendAtlasError(res, 409, 'USER_ALREADY_EXISTS', 'x');
      return sendJson(res, 200, userJson(lease.username, { labels: [{ key: 'owner', value: 'someone-else' }] }));
    });
    const { client } = makeClient(fake.baseUrl);

    await expect(client.createDatabaseUser(lease)).rejects.toMatchObject({
      kind: 'conflict',
      status: 409,
      subject: { username: lease.username, creating: true },
    });
    expect(trail(fake)).toBe(expected);
  });
});

describe('isOurs', () => {
  const existing = (extra: Partial<DatabaseUser>): DatabaseUser => ({
    username: lease.username,
    databaseName: 'admin',
    groupId: GROUP,
    roles: [],
    scopes: [],
    labels,
    deleteAfterDate: '2026-08-10T01:00:00Z',
    ...extra,
  });
  it.each<[string, Partial<DatabaseUser>, Partial<NewDatabaseUser>, boolean]>([
    ['same labels and expiry (Atlas drops the milliseconds)', {}, {}, true],
    ['extra labels on the user', { labels: [...labels, { key: 'x', value: 'y' }] }, {}, true],
    ['a label value differs', { labels: [{ key: 'dynsecret.config', value: 'other' }, labels[1]!] }, {}, false],
    ['a label is missing', { labels: [labels[0]!] }, {}, false],
    ['expiry differs by a minute', { deleteAfterDate: '2026-08-10T01:01:00Z' }, {}, false],
    ['the user has no expiry', { deleteAfterDate: undefined }, {}, false],
    ['we sent no expiry', { deleteAfterDate: undefined }, { deleteAfterDate: undefined }, true],
  ])('%s → %s', (_name, user, sent, expected) => {
    expect(isOurs(existing(user), { ...lease, ...sent })).toBe(expected);
  });
});
