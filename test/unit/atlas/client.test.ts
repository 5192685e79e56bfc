import { afterEach, describe, expect, it } from 'vitest';
import { createAtlasClient, type AtlasClient } from '../../../src/atlas/index.js';
import {
  ATLAS_JSON,
  FakeDigest,
  GROUP,
  PRIVATE_KEY,
  PUBLIC_KEY,
  makeClient,
  sendAtlasError,
  sendJson,
  startFake,
  userJson,
  type Fake,
  type Route,
} from './fake-atlas.js';

const G = `/api/atlas/v2/groups/${GROUP}`;
const project = { clusterCount: 2, created: '2026-08-10T03:05:16Z', id: GROUP, name: 'proj', orgId: 'a0123456789abcdef012345a', tags: [] };
const cluster0 = {
  name: 'Cluster0',
  stateName: 'IDLE',
  paused: false,
  connectionStrings: { standard: 'mongodb://h:27017', standardSrv: 'mongodb+srv://cluster0.ab1cd.mongodb.net' },
};

let fake: Fake | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

describe('endpoints', () => {
  it.each<[string, (c: AtlasClient) => Promise<unknown>, string, string, Route, unknown]>([
    [
      'getProject',
      (c) => c.getProject(),
      'GET',
      G,
      (_q, r) => sendJson(r, 200, project),
      { id: GROUP, name: 'proj', orgId: project.orgId, clusterCount: 2, created: project.created },
    ],
    [
      'listDatabaseUsers (defaults)',
      (c) => c.listDatabaseUsers(),
      'GET',
      `${G}/databaseUsers?pageNum=1&itemsPerPage=100&includeCount=true`,
      (_q, r) => sendJson(r, 200, { links: [], results: [userJson('a')], totalCount: 1 }),
      { results: [expect.objectContaining({ username: 'a' })], totalCount: 1 },
    ],
    [
      'listDatabaseUsers (one page of 1)',
      (c) => c.listDatabaseUsers({ pageNum: 3, itemsPerPage: 1 }),
      'GET',
      `${G}/databaseUsers?pageNum=3&itemsPerPage=1&includeCount=true`,
      (_q, r) => sendJson(r, 200, { results: [] }),
      { results: [] },
    ],
    [
      'getDatabaseUser (name encoded)',
      (c) => c.getDatabaseUser('a b/c'),
      'GET',
      `${G}/databaseUsers/admin/a%20b%2Fc`,
      (_q, r) => sendJson(r, 200, userJson('a b/c')),
      expect.objectContaining({ username: 'a b/c' }),
    ],
    [
      'updateDatabaseUser (only the given fields)',
      (c) => c.updateDatabaseUser('u1', { deleteAfterDate: '2026-08-11T00:00:00Z' }),
      'PATCH',
      `${G}/databaseUsers/admin/u1`,
      (q, r) => sendJson(r, 200, userJson('u1', JSON.parse(q.body))),
      expect.objectContaining({ deleteAfterDate: '2026-08-11T00:00:00Z' }),
    ],
    [
      'deleteDatabaseUser',
      (c) => c.deleteDatabaseUser('u1'),
      'DELETE',
      `${G}/databaseUsers/admin/u1`,
      (_q, r) => r.writeHead(204, { 'Content-Type': ATLAS_JSON }).end(),
      'deleted',
    ],
    [
      'deleteDatabaseUser of a user Atlas no longer has',
      (c) => c.deleteDatabaseUser('gone'),
      'DELETE',
      `${G}/databaseUsers/admin/gone`,
      (_q, r) => sendAtlasError(r, 404, 'USERNAME_NOT_FOUND', 'No user with username gone exists.'),
      'absent',
    ],
    [
      'listClusters',
      (c) => c.listClusters(),
      'GET',
      `${G}/clusters?pageNum=1&itemsPerPage=500&includeCount=true`,
      (_q, r) => sendJson(r, 200, { results: [cluster0, { name: 'New1', connectionStrings: {} }], totalCount: 2 }),
      [expect.objectContaining({ name: 'Cluster0' }), { name: 'New1', connectionStrings: {} }],
    ],
    ['getCluster', (c) => c.getCluster('Cluster0'), 'GET', `${G}/clusters/Cluster0`, (_q, r) => sendJson(r, 200, cluster0), cluster0],
    [
      'getCluster while it is created',
      (c) => c.getCluster('New1'),
      'GET',
      `${G}/clusters/New1`,
      (_q, r) => sendJson(r, 200, { name: 'New1', stateName: 'CREATING', connectionStrings: {} }),
      { name: 'New1', stateName: 'CREATING', connectionStrings: {} },
    ],
    [
      'getClusterStatus',
      (c) => c.getClusterStatus('Cluster0'),
      'GET',
      `${G}/clusters/Cluster0/status`,
      (_q, r) => sendJson(r, 200, { changeStatus: 'PENDING', links: [] }),
      'PENDING',
    ],
  ])('%s → %s %s', async (_name, call, method, url, route, expected) => {
    fake = await startFake(route);
    const { client } = makeClient(fake.baseUrl);

    await expect(call(client)).resolves.toEqual(expected);

    expect(fake.seen).toHaveLength(1);
    expect(fake.seen[0]).toMatchObject({ method, url });
    expect(fake.seen[0]?.headers.accept).toBe(ATLAS_JSON);
  });

  it('sends a PATCH body with only the fields being changed', async () => {
    fake = await startFake((q, r) => sendJson(r, 200, userJson('u1')));
    const { client } = makeClient(fake.baseUrl);

    await client.updateDatabaseUser('u1', { deleteAfterDate: '2026-08-11T00:00:00Z', labels: [{ key: 'k', value: 'v' }] });

    expect(JSON.parse(fake.seen[0]?.body ?? '')).toEqual({ deleteAfterDate: '2026-08-11T00:00:00Z', labels: [{ key: 'k', value: 'v' }] });
    expect(fake.seen[0]?.headers['content-type']).toBe(ATLAS_JSON);
  });

  it('does not swallow other 404s on delete', async () => {
    fake = await startFake((_q, r) => sendAtlasError(r, 404, 'GROUP_NOT_FOUND', 'No group.'));
    const { client } = makeClient(fake.baseUrl);

    await expect(client.deleteDatabaseUser('u1')).rejects.toMatchObject({ kind: 'not-found', errorCode: 'GROUP_NOT_FOUND' });
  });
});

describe('listAllDatabaseUsers and listClusters read every page', () => {
  it.each([
    ['1100 users with totalCount', 1100, true, ['1', '2', '3']],
    ['exactly 500 with totalCount', 500, true, ['1']],
    ['exactly 1000 without totalCount (an empty page ends it)', 1000, false, ['1', '2', '3']],
    ['none', 0, true, ['1']],
  ])('%s', async (_name, total, withCount, pages) => {
    fake = await startFake((q, r) => {
      const params = new URL(q.url, 'http://x').searchParams;
      const page = Number(params.get('pageNum'));
      const size = Number(params.get('itemsPerPage'));
      const count = Math.max(0, Math.min(size, total - (page - 1) * size));
      const results = Array.from({ length: count }, (_v, i) => userJson(`u${(page - 1) * size + i}`));
      sendJson(r, 200, withCount ? { results, totalCount: total } : { results });
    });
    const { client } = makeClient(fake.baseUrl);

    const all = await client.listAllDatabaseUsers();

    expect(all).toHaveLength(total);
    expect(new Set(all.map((u) => u.username)).size).toBe(total);
    expect(fake.seen.map((q) => new URL(q.url, 'http://x').searchParams.get('pageNum'))).toEqual(pages);
    expect(fake.seen.every((q) => q.url.includes('itemsPerPage=500'))).toBe(true);
  });
});

describe('listAllDatabaseUsers with a selection', () => {
  it('keeps only what select returns, across pages, and still reads every page', async () => {
    fake = await startFake((q, r) => {
      const page = Number(new URL(q.url, 'http://x').searchParams.get('pageNum'));
      const count = page < 3 ? 500 : 7;
      const results = Array.from({ length: count }, (_v, i) => userJson(`u${(page - 1) * 500 + i}`));
      sendJson(r, 200, { results, totalCount: 1007 });
    });
    const { client } = makeClient(fake.baseUrl);

    const kept = await client.listAllDatabaseUsers((user) => (user.username.endsWith('00') ? user.username : undefined));

    expect(kept).toEqual(['u100', 'u200', 'u300', 'u400', 'u500', 'u600', 'u700', 'u800', 'u900', 'u1000']);
    expect(fake.seen).toHaveLength(3);
  });
});

describe('input checked before it is sent (an input error, no request)', () => {
  const base = { username: 'u1', password: 'long-enough-password', roles: [{ roleName: 'read', databaseName: 'app' }] };
  it.each<[string, (c: AtlasClient) => Promise<unknown>, string]>([
    ['a short password', (c) => c.createDatabaseUser({ ...base, password: 'short7!' }), 'password'],
    ['no roles', (c) => c.createDatabaseUser({ ...base, roles: [] }), 'roles'],
    ['a long description', (c) => c.createDatabaseUser({ ...base, description: 'x'.repeat(101) }), 'description'],
    ['an expiry that is not ISO 8601', (c) => c.createDatabaseUser({ ...base, deleteAfterDate: 'next week' }), 'deleteAfterDate'],
    ['an empty label', (c) => c.createDatabaseUser({ ...base, labels: [{ key: '', value: 'v' }] }), 'labels.0.key'],
    ['a bad scope name', (c) => c.createDatabaseUser({ ...base, scopes: [{ name: '-x', type: 'CLUSTER' }] }), 'scopes.0.name'],
    ['a short password in a PATCH', (c) => c.updateDatabaseUser('u1', { password: 'short7!' }), 'password'],
  ])('%s', async (_name, call, field) => {
    fake = await startFake((_q, r) => sendJson(r, 500, {}));
    const { client } = makeClient(fake.baseUrl);

    const error = await call(client).catch((err: unknown) => err);

    expect(error).toMatchObject({ kind: 'invalid-input', rule: 'request-body', problem: expect.stringContaining(field) });
    expect(`${(error as Error).message} ${JSON.stringify(error)}`).not.toContain('short7!');
    expect(fake.seen).toHaveLength(0);
  });

  it.each([
    ['a project ID that is not 24 hex characters', { groupId: 'ABC' }, 'project-id', 'the project ID ABC is not 24'],
    ['a base URL that is not a URL', { baseUrl: 'cloud.mongodb.com' }, 'base-url-syntax', 'is not a URL'],
    ['a base URL with another scheme', { baseUrl: 'ftp://cloud.mongodb.com' }, 'base-url-scheme', 'must start with https://'],
    [
      'plain http to a name that starts with 127.',
      { baseUrl: 'http://127.attacker.example' },
      'base-url-scheme',
      'must start with https://',
    ],
    [
      'plain http to a name under a loopback address',
      { baseUrl: 'http://127.0.0.1.nip.io' },
      'base-url-scheme',
      'must start with https://',
    ],
    [
      'plain http to a name that starts with localhost',
      { baseUrl: 'http://localhost.evil' },
      'base-url-scheme',
      'must start with https://',
    ],
    ['plain http to another host', { baseUrl: 'http://cloud.mongodb.com' }, 'base-url-scheme', 'must start with https://'],
  ])('refuses %s when the client is made', (_name, override, rule, fragment) => {
    const make = () =>
      createAtlasClient({
        baseUrl: 'https://cloud.mongodb.com',
        groupId: GROUP,
        auth: { kind: 'apiKey', publicKey: 'a', privateKey: 'b' },
        env: {},
        ...override,
      });
    expect(make).toThrow(expect.objectContaining({ kind: 'invalid-input', rule, problem: expect.stringContaining(fragment) }));
  });
});

describe('base URL', () => {
  it.each([
    ['with a trailing slash', '/', `${G}`],
    ['with a path prefix', '/proxy/atlas/', `/proxy/atlas${G}`],
  ])('%s', async (_name, suffix, path) => {
    fake = await startFake((_q, r) => sendJson(r, 200, project));
    const { client } = makeClient(fake.baseUrl + suffix);

    await client.getProject();

    expect(fake.seen[0]?.url).toBe(path);
  });
});

describe('requestCount and debug lines', () => {
  it('counts every request, challenges included, and logs one safe line each', async () => {
    const digest = new FakeDigest();
    let reads = 0;
    fake = await startFake(
      digest.gate((q, r) => {
        if (q.method === 'POST') return sendJson(r, 201, userJson('u1'));
        reads += 1;
        return reads === 1 ? sendAtlasError(r, 503, 'SERVICE_UNAVAILABLE', 'later') : sendJson(r, 200, project);
      }),
    );
    const password = 'Generated-Password-For-Debug-Check-0001';
    const { client, debug } = makeClient(fake.baseUrl);

    await client.createDatabaseUser({ username: 'u1', password, roles: [{ roleName: 'read', databaseName: 'app' }] });
    await client.getProject();

    // challenge + POST, then a 503 and the retried GET
    expect(client.requestCount).toBe(4);
    expect(debug).toHaveLength(4);
    expect(debug[0]).toMatch(new RegExp(`^atlas: POST ${G}/databaseUsers -> 401 \\(attempt 1, \\d+ ms\\)$`));
    expect(debug[1]).toMatch(/-> 201 \(attempt 1, \d+ ms\)$/);
    expect(debug[2]).toMatch(/^atlas: GET .* -> 503 \(attempt 1, /);
    expect(debug[3]).toMatch(/^atlas: GET .* -> 200 \(attempt 2, /);
    for (const line of debug) {
      for (const secret of [PRIVATE_KEY, password, 'Digest', PUBLIC_KEY]) expect(line).not.toContain(secret);
      expect(line).not.toMatch(/authorization/i);
    }
  });

  it('starts at zero and makes no request until asked', () => {
    const { client } = makeClient('http://127.0.0.1:9');
    expect(client.requestCount).toBe(0);
  });
});
