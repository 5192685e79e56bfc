import { afterEach, describe, expect, it } from 'vitest';
import { AtlasApiError } from '../../../src/atlas/index.js';
import {
  ATLAS_JSON,
  FakeDigest,
  GROUP,
  PRIVATE_KEY,
  makeClient,
  sendJson,
  startFake,
  userJson,
  type Fake,
  type Route,
} from './fake-atlas.js';

const project = { clusterCount: 1, created: '2026-08-10T03:05:16Z', id: GROUP, name: 'proj', orgId: 'a0123456789abcdef012345a' };

const atlas: Route = (req, res) => {
  if (req.method === 'POST') return sendJson(res, 201, { ...userJson('u1'), ...JSON.parse(req.body), password: undefined });
  return sendJson(res, 200, project);
};

let fake: Fake | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const newUser = { username: 'u1', password: 'pw-0123456789abcdef', roles: [{ roleName: 'read', databaseName: 'app' }] };

describe('digest authentication against the challenge Atlas sends', () => {
  it('answers the first challenge and re-sends the body with the same headers', async () => {
    const digest = new FakeDigest();
    fake = await startFake(digest.gate(atlas));
    const { client } = makeClient(fake.baseUrl, { userAgent: 'dynsecret/9.9.9' });

    const user = await client.createDatabaseUser(newUser);

    expect(user.username).toBe('u1');
    expect(fake.seen).toHaveLength(2);
    const [challenged, answered] = fake.seen;
    expect(challenged?.headers.authorization).toBeUndefined();
    expect(answered?.headers.authorization).toMatch(/^Digest username="pubkey-abcd", realm="MMS Public API", nonce="nonce-0001/);
    for (const req of fake.seen) {
      expect(JSON.parse(req.body)).toEqual({ ...newUser, databaseName: 'admin', groupId: GROUP });
      expect(req.headers).toMatchObject({ accept: ATLAS_JSON, 'content-type': ATLAS_JSON, 'user-agent': 'dynsecret/9.9.9' });
    }
    expect(client.requestCount).toBe(2);
  });

  it('makes parallel first calls wait for the one challenge instead of drawing one each', async () => {
    const digest = new FakeDigest();
    fake = await startFake(digest.gate(atlas));
    const { client } = makeClient(fake.baseUrl);

    await Promise.all([client.getProject(), client.getProject(), client.getProject(), client.getProject()]);

    expect(fake.seen.filter((req) => req.headers.authorization === undefined)).toHaveLength(1);
    expect(client.requestCount).toBe(5);
  });

  it('lets the waiting calls go when the first exchange fails', async () => {
    let calls = 0;
    const digest = new FakeDigest();
    const gated = digest.gate(atlas);
    fake = await startFake((req, res) => {
      calls += 1;
      if (calls === 1)
        return sendJson(res, 404, { detail: 'No group.', error: 404, errorCode: 'GROUP_NOT_FOUND', parameters: [], reason: 'Not Found' });
      return gated(req, res);
    });
    const { client } = makeClient(fake.baseUrl);

    const [first, second] = await Promise.allSettled([client.getProject(), client.getProject()]);

    expect(first.status).toBe('rejected');
    expect(second).toMatchObject({ status: 'fulfilled', value: { id: GROUP } });
  });

  it('reuses the nonce afterwards: one round trip per request, nonce count rising', async () => {
    const digest = new FakeDigest();
    fake = await startFake(digest.gate(atlas));
    const { client } = makeClient(fake.baseUrl);

    await client.getProject();
    await client.getProject();
    await client.getProject();

    expect(client.requestCount).toBe(4);
    expect(digest.challenges).toBe(1);
    expect(digest.ncSeen).toEqual(['00000001', '00000002', '00000003']);
    expect(fake.seen[3]?.headers).not.toHaveProperty('content-type');
  });

  it('gives parallel requests distinct nonce counts', async () => {
    const digest = new FakeDigest();
    fake = await startFake(digest.gate(atlas));
    const { client } = makeClient(fake.baseUrl);
    await client.getProject();

    await Promise.all(Array.from({ length: 6 }, () => client.getProject()));

    expect(new Set(digest.ncSeen).size).toBe(7);
    expect(client.requestCount).toBe(8);
  });

  it('takes one new challenge when the nonce went stale, and starts its count again', async () => {
    const digest = new FakeDigest();
    fake = await startFake(digest.gate(atlas));
    const { client } = makeClient(fake.baseUrl);
    await client.getProject();
    digest.rotate();

    await client.getProject();

    expect(fake.seen.map((r) => r.headers.authorization === undefined)).toEqual([true, false, false, false]);
    expect(digest.challenges).toBe(2);
    expect(digest.ncSeen).toEqual(['00000001', '00000001']);
    expect(client.requestCount).toBe(4);
  });

  it('answers a nonce that went stale on the very first authenticated request with the new nonce, and succeeds', async () => {
    const digest = new FakeDigest();
    let authorized = 0;
    const staleOnce: Route = (req, res) => {
      if (req.headers.authorization !== undefined && ++authorized === 1) digest.rotate();
      return digest.gate(atlas)(req, res);
    };
    fake = await startFake(staleOnce);
    const { client } = makeClient(fake.baseUrl);

    await expect(client.getProject()).resolves.toMatchObject({ id: GROUP });
    expect(fake.seen.map((r) => r.headers.authorization === undefined)).toEqual([true, false, false]);
    expect(digest.ncSeen).toEqual(['00000001']);
    expect(client.requestCount).toBe(3);
  });

  it.each([
    ['on the first request', false],
    ['on a later request', true],
  ])('stops with an unauthorized error when every nonce is called stale %s: at most one stale re-challenge', async (_name, warm) => {
    const digest = new FakeDigest();
    let stale = false;
    const staleEveryTime: Route = (req, res) => {
      if (stale && req.headers.authorization !== undefined) digest.rotate();
      return digest.gate(atlas)(req, res);
    };
    fake = await startFake(staleEveryTime);
    const { client } = makeClient(fake.baseUrl);
    if (warm) await client.getProject();
    stale = true;
    const before = client.requestCount;

    const error = await client.getProject().catch((err: unknown) => err);

    expect(error).toBeInstanceOf(AtlasApiError);
    expect(error).toMatchObject({ kind: 'unauthorized', status: 401 });
    expect(client.requestCount - before).toBe(warm ? 2 : 3);
  });

  it.each([
    ['a wrong private key', new FakeDigest(undefined, 'another-private-key-000')],
    ['a wrong public key', new FakeDigest('another-public-key', PRIVATE_KEY)],
  ])('turns %s into an unauthorized error after one challenge, naming neither key', async (_name, digest) => {
    fake = await startFake(digest.gate(atlas));
    const { client, debug } = makeClient(fake.baseUrl);

    const error = await client.getProject().catch((err: unknown) => err);

    expect(error).toBeInstanceOf(AtlasApiError);
    expect(error).toMatchObject({ kind: 'unauthorized', status: 401, errorCode: 'UNEXPECTED_ERROR', subject: { authKind: 'apiKey' } });
    expect(`${(error as Error).message} ${JSON.stringify(error)}`).not.toContain(PRIVATE_KEY);
    expect(client.requestCount).toBe(2);
    expect(debug.join('\n')).not.toContain(PRIVATE_KEY);
  });
});
