import type { ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { AtlasApiError, AtlasResponseError, type AtlasClient } from '../../../src/atlas/index.js';
import { MAX_BODY_BYTES } from '../../../src/atlas/transport.js';
import { GROUP, makeClient, sendJson, startFake, userJson, type Fake } from './fake-atlas.js';

let fake: Fake | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const users = `/api/atlas/v2/groups/${GROUP}/databaseUsers`;

const cluster = (standardSrv: string) => JSON.stringify({ name: 'c0', connectionStrings: { standardSrv } });

describe('cluster connection strings', () => {
  it.each([
    ['a command substitution in single quotes', "mongodb+srv://cluster0.example.net/?x='$(touch${IFS}/tmp/p)'"],
    ['a double quote', 'mongodb+srv://c0.example.net/?x="y"'],
    ['a backtick', 'mongodb+srv://c0.example.net/?x=`id`'],
    ['a dollar sign', 'mongodb+srv://c0.example.net/?x=$HOME'],
    ['a backslash', 'mongodb+srv://c0.example.net/?x=a\\b'],
    ['a space', 'mongodb+srv://c0.example.net/?x=a b'],
    ['a newline', 'mongodb+srv://c0.example.net/\nexport X=1'],
    ['a tab', 'mongodb+srv://c0.example.net/\t'],
    ['an escape character', 'mongodb+srv://c0.example.net/\u001b[2J'],
    ['a C1 control character', 'mongodb+srv://c0.example.net/\u009b'],
    ['not a URL', 'not a url'],
    ['another scheme', 'https://c0.example.net'],
    ['no host', 'mongodb+srv://'],
    ['no host before the path', 'mongodb+srv:///admin'],
    ['credentials in it', 'mongodb+srv://user:pw@c0.example.net'],
    ['an over-long string', `mongodb+srv://c0.example.net/?x=${'a'.repeat(5000)}`],
  ])('refuses %s as an unexpected response, without repeating it', async (_name, uri) => {
    fake = await startFake((_req, res) => sendJson(res, 200, cluster(uri)));
    const { client } = makeClient(fake.baseUrl);

    const error = await client.getCluster('c0').catch((err: unknown) => err);

    expect(error).toBeInstanceOf(AtlasResponseError);
    expect(error).toMatchObject({
      kind: 'unexpected-response',
      method: 'GET',
      problem: expect.stringContaining('connectionStrings.standardSrv'),
    });
    expect(`${(error as Error).message} ${JSON.stringify(error)}`).not.toContain(uri);
  });

  it.each([
    'mongodb+srv://cluster0.ab1cd.mongodb.net',
    'mongodb+srv://cluster0.ab1cd.mongodb.net/?retryWrites=true&w=majority',
    'mongodb://h1.example.net:27017,h2.example.net:27017/?ssl=true&replicaSet=atlas-x-shard-0&authSource=admin',
    'mongodb://127.0.0.1:27017',
    'mongodb://[::1]:27017/app',
  ])('accepts %s', async (uri) => {
    fake = await startFake((_req, res) => sendJson(res, 200, cluster(uri)));
    const { client } = makeClient(fake.baseUrl);

    await expect(client.getCluster('c0')).resolves.toMatchObject({ connectionStrings: { standardSrv: uri } });
  });
});

describe('success responses that break the contract', () => {
  it.each<[string, (c: AtlasClient) => Promise<unknown>, string, string]>([
    [
      'a body that is not JSON',
      (c) => c.getProject(),
      '<html>maintenance</html>',
      `GET /api/atlas/v2/groups/${GROUP}: the body is not JSON`,
    ],
    ['an empty body', (c) => c.getDatabaseUser('u1'), '', `GET ${users}/admin/u1: the body is not JSON`],
    [
      'a project without a name',
      (c) => c.getProject(),
      JSON.stringify({ id: GROUP, orgId: 'x', clusterCount: 0, created: 'x' }),
      'name: Invalid input',
    ],
    [
      'a user whose roles are a string',
      (c) => c.getDatabaseUser('u1'),
      JSON.stringify(userJson('u1', { roles: 'readWrite' })),
      'roles: Invalid input: expected array',
    ],
    [
      'a user with an unreadable expiry',
      (c) => c.getDatabaseUser('u1'),
      JSON.stringify(userJson('u1', { deleteAfterDate: 'tomorrow' })),
      'deleteAfterDate: Invalid ISO datetime',
    ],
    [
      'a user with an unknown scope type',
      (c) => c.getDatabaseUser('u1'),
      JSON.stringify(userJson('u1', { scopes: [{ name: 'c0', type: 'GALAXY' }] })),
      'scopes.0.type',
    ],
    [
      'a list whose results is an object',
      (c) => c.listDatabaseUsers(),
      JSON.stringify({ results: {} }),
      'results: Invalid input: expected array',
    ],
    [
      'a list entry with a numeric username',
      (c) => c.listAllDatabaseUsers(),
      JSON.stringify({ results: [userJson('u1', { username: 7 })] }),
      'results.0.username',
    ],
    [
      'a cluster status nobody knows',
      (c) => c.getClusterStatus('c0'),
      JSON.stringify({ changeStatus: 'DONE' }),
      'changeStatus: Invalid option',
    ],
    ['a cluster without a name', (c) => c.getCluster('c0'), JSON.stringify({ connectionStrings: {} }), 'name: Invalid input'],
  ])('%s → an unexpected response', async (_name, call, body, fragment) => {
    fake = await startFake((_req, res) => sendJson(res, 200, body));
    const { client } = makeClient(fake.baseUrl);

    const error = await call(client).catch((err: unknown) => err);

    expect(error).not.toBeInstanceOf(AtlasApiError);
    expect(error).toBeInstanceOf(AtlasResponseError);
    expect(error).toMatchObject({
      kind: 'unexpected-response',
      method: expect.stringMatching(/^(GET|POST)$/),
      path: expect.stringMatching(/^\/api\/atlas\/v2\//),
    });
    expect((error as Error).message).toContain(fragment);
    expect(client.requestCount).toBe(1);
  });

  it.each<[string, (res: ServerResponse) => void]>([
    ['declared in Content-Length', (res) => res.writeHead(200, { 'Content-Length': String(MAX_BODY_BYTES + 1) }).end()],
    [
      'streamed without a length',
      (res) => {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        const chunk = Buffer.alloc(1024 * 1024, 0x20);
        for (let i = 0; i < 6; i += 1) res.write(chunk);
        res.end('{}');
      },
    ],
  ])('refuses a body over 5 MB %s, without retrying', async (_name, respond) => {
    fake = await startFake((_req, res) => respond(res));
    const { client } = makeClient(fake.baseUrl);

    await expect(client.getProject()).rejects.toMatchObject({
      kind: 'unexpected-response',
      method: 'GET',
      path: `/api/atlas/v2/groups/${GROUP}`,
      problem: 'the body is larger than 5 MB',
    });
    expect(client.requestCount).toBe(1);
  });

  it('keeps unknown fields out and tolerates missing optional ones', async () => {
    fake = await startFake((_req, res) =>
      sendJson(res, 200, { ...userJson('u1'), scopes: undefined, labels: undefined, futureField: { a: 1 } }),
    );
    const { client } = makeClient(fake.baseUrl);

    const user = await client.getDatabaseUser('u1');

    expect(user).toEqual({
      username: 'u1',
      databaseName: 'admin',
      groupId: GROUP,
      roles: [{ databaseName: 'app', roleName: 'readWrite' }],
      scopes: [],
      labels: [],
    });
  });
});
