import { describe, expect, it } from 'vitest';
import { CLUSTER_KEYS, ISO_SECONDS, PROJECT_KEYS, SRV, STATUS_KEYS } from './fixtures/atlas-shapes.js';
import { advance, atlas, control, newUser, start, V1, V1_RESPONSE } from './helpers.js';

const accept = (version: string) => ({ Accept: `application/vnd.atlas.${version}+json` });

describe('clusters', () => {
  it.each([['2023-01-01'], ['2023-02-01'], ['2024-08-05']])('answers getCluster in version %s', async (version) => {
    const em = await start({ clusters: ['Cluster0', 'Analytics-1'] });
    const api = atlas(em);
    const reply = await api.get(`${api.group}/clusters/Analytics-1`, accept(version));
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe(`application/vnd.atlas.${version}+json;charset=utf-8`);
    expect(reply.headers.deprecation !== undefined).toBe(version !== '2024-08-05');
    const cluster = reply.json();
    expect(Object.keys(cluster)).toEqual(expect.arrayContaining(CLUSTER_KEYS));
    expect(cluster).toMatchObject({ name: 'Analytics-1', groupId: em.groupId, stateName: 'IDLE' });
    expect(cluster.createDate).toMatch(ISO_SECONDS);
    expect(cluster.connectionStrings.standardSrv).toMatch(SRV);
    expect(cluster.connectionStrings.standardSrv.startsWith('mongodb+srv://analytics-1.')).toBe(true);
    expect(cluster.connectionStrings.standard).toMatch(/^mongodb:\/\/analytics-1-shard-00-00\.[a-z0-9]{5}\.mongodb\.net:27017,/);
  });

  it('keeps connection strings stable and different per cluster', async () => {
    const em = await start({ clusters: ['Cluster0', 'Cluster1'] });
    const api = atlas(em);
    const srv = async (name: string) => (await api.get(`${api.group}/clusters/${name}`)).json().connectionStrings.standardSrv;
    const first = await srv('Cluster0');
    expect(await srv('Cluster0')).toBe(first);
    expect(await srv('Cluster1')).not.toBe(first.replace('cluster0', 'cluster1'));
  });

  it('lists the clusters with paging', async () => {
    const em = await start({ clusters: ['A0', 'B0', 'C0'] });
    const api = atlas(em);
    const page = (await api.get(`${api.group}/clusters?itemsPerPage=2`)).json();
    expect(page.results.map((c: { name: string }) => c.name)).toEqual(['A0', 'B0']);
    expect(page.totalCount).toBe(3);
  });

  it.each([
    ['clusters/Nope', 'GET'],
    ['clusters/Nope/status', 'GET'],
  ])('answers %s with 404 CLUSTER_NOT_FOUND like Atlas', async (path) => {
    const em = await start();
    const api = atlas(em);
    const reply = await api.get(`${api.group}/${path}`);
    expect(reply.status).toBe(404);
    expect(reply.headers['x-error-code']).toBe('CLUSTER_NOT_FOUND');
    expect(reply.headers['ratelimit-remaining']).toBeDefined();
    expect(reply.json()).toEqual({
      detail: `No cluster named Nope exists in group ${em.groupId}.`,
      error: 404,
      errorCode: 'CLUSTER_NOT_FOUND',
      parameters: ['Nope', em.groupId],
      reason: 'Not Found',
    });
  });
});

describe('cluster change status', () => {
  const status = async (em: Awaited<ReturnType<typeof start>>, name: string) => {
    const api = atlas(em);
    const reply = await api.get(`${api.group}/clusters/${name}/status`);
    expect(reply.headers['content-type']).toBe(V1_RESPONSE);
    expect(Object.keys(reply.json())).toEqual(STATUS_KEYS);
    return reply.json().changeStatus as string;
  };

  it.each([
    ['an unscoped user', [], { A0: 'PENDING', B0: 'PENDING' }],
    ['a user scoped to B0', [{ name: 'B0', type: 'CLUSTER' }], { A0: 'APPLIED', B0: 'PENDING' }],
    ['a user scoped to a data lake only', [{ name: 'lake', type: 'DATA_LAKE' }], { A0: 'APPLIED', B0: 'APPLIED' }],
  ])('marks the clusters concerned by %s PENDING for --apply-delay', async (_who, scopes, expected) => {
    const em = await start({ clusters: ['A0', 'B0'], applyDelayMs: 10_000 });
    const api = atlas(em);
    expect(await status(em, 'A0')).toBe('APPLIED');
    await api.post(`${api.group}/databaseUsers`, newUser(em, { scopes }));
    expect({ A0: await status(em, 'A0'), B0: await status(em, 'B0') }).toEqual(expected);
    await advance(em, 5_000);
    expect(await status(em, 'B0')).toBe(expected.B0);
    await advance(em, 5_000);
    expect({ A0: await status(em, 'A0'), B0: await status(em, 'B0') }).toEqual({ A0: 'APPLIED', B0: 'APPLIED' });
  });

  it.each([
    ['an update', 'PATCH'],
    ['a delete', 'DELETE'],
  ])('marks clusters PENDING again after %s', async (_what, method) => {
    const em = await start({ applyDelayMs: 1000 });
    const api = atlas(em);
    await api.post(`${api.group}/databaseUsers`, newUser(em, { username: 'x1' }));
    await advance(em, 1000);
    expect(await status(em, 'Cluster0')).toBe('APPLIED');
    await api.call(method, `${api.group}/databaseUsers/admin/x1`, method === 'PATCH' ? { password: 'a-new-password' } : undefined);
    expect(await status(em, 'Cluster0')).toBe('PENDING');
  });

  it('moving a user from one cluster to another concerns both', async () => {
    const em = await start({ clusters: ['A0', 'B0', 'C0'], applyDelayMs: 1000 });
    const api = atlas(em);
    await api.post(`${api.group}/databaseUsers`, newUser(em, { username: 'mover', scopes: [{ name: 'A0', type: 'CLUSTER' }] }));
    await advance(em, 1000);
    await api.patch(`${api.group}/databaseUsers/admin/mover`, { scopes: [{ name: 'B0', type: 'CLUSTER' }] });
    expect([await status(em, 'A0'), await status(em, 'B0'), await status(em, 'C0')]).toEqual(['PENDING', 'PENDING', 'APPLIED']);
  });
});

describe('expiry', () => {
  it('deletes a user at its deleteAfterDate, as Atlas does, and marks its clusters PENDING then', async () => {
    const em = await start({ applyDelayMs: 5000 });
    const api = atlas(em);
    await api.post(
      `${api.group}/databaseUsers`,
      newUser(em, { username: 'brief', deleteAfterDate: new Date(Date.now() + 60_000).toISOString() }),
    );
    await api.post(`${api.group}/databaseUsers`, newUser(em, { username: 'lasting' }));
    await advance(em, 55_000);
    expect((await api.get(`${api.group}/databaseUsers/admin/brief`)).status).toBe(200);
    await advance(em, 5_000);
    expect((await api.get(`${api.group}/databaseUsers/admin/brief`)).status).toBe(404);
    expect((await api.get(`${api.group}/databaseUsers/admin/lasting`)).status).toBe(200);
    const names = (await api.get(`${api.group}/databaseUsers`)).json().results.map((u: { username: string }) => u.username);
    expect(names).toEqual(['lasting']);
    expect((await api.get(`${api.group}/clusters/Cluster0/status`)).json().changeStatus).toBe('PENDING');
    const state = (await control(em, 'GET', 'state')).json();
    expect(state.users.map((u: { username: string }) => u.username)).toEqual(['lasting']);
  });
});

describe('project', () => {
  it('answers getGroup with the project and its own rate-limit bucket', async () => {
    const em = await start({ clusters: ['A0', 'B0'] });
    const api = atlas(em);
    const reply = await api.get(api.group, { Accept: V1 });
    expect(reply.status).toBe(200);
    expect(reply.headers['ratelimit-limit']).toBe('1200');
    const project = reply.json();
    expect(Object.keys(project)).toEqual(PROJECT_KEYS);
    expect(project).toMatchObject({ id: em.groupId, clusterCount: 2 });
    expect(project.orgId).toMatch(/^[a-f0-9]{24}$/);
    expect(project.created).toMatch(ISO_SECONDS);
  });
});
