import { describe, expect, it } from 'vitest';
import { negotiateVersion } from '../../src/emulator/routes.js';
import { ERROR_KEYS } from './fixtures/atlas-shapes.js';
import { atlas, send, start, V1 } from './helpers.js';

describe('version negotiation', () => {
  it.each([
    ['application/vnd.atlas.2023-01-01+json', ['2023-01-01'], '2023-01-01'],
    ['application/vnd.atlas.2023-01-01+json;charset=utf-8', ['2023-01-01'], '2023-01-01'],
    ['application/json, application/vnd.atlas.2024-08-05+json', ['2023-01-01', '2024-08-05'], '2024-08-05'],
    ['APPLICATION/VND.ATLAS.2023-01-01+JSON', ['2023-01-01'], '2023-01-01'],
    ['application/vnd.atlas.2024-08-05+json', ['2023-01-01'], undefined],
    ['application/vnd.atlas.2022-12-31+json', ['2023-01-01'], undefined],
    ['application/json', ['2023-01-01'], undefined],
    ['*/*', ['2023-01-01'], undefined],
    [undefined, ['2023-01-01'], undefined],
  ])('Accept %j with versions %j → %s', (accept, versions, expected) => {
    expect(negotiateVersion(accept, versions)).toBe(expected);
  });

  it.each([
    ['no Accept header', undefined],
    ['application/json', 'application/json'],
    ['a version databaseUsers does not have', 'application/vnd.atlas.2024-08-05+json'],
    ['a date that is no version', 'application/vnd.atlas.2023-06-01+json'],
  ])('answers %s with 406 INVALID_VERSION_DATE', async (_what, acceptHeader) => {
    const em = await start();
    const api = atlas(em);
    const reply = await api.session.send({
      path: `${api.group}/databaseUsers`,
      headers: acceptHeader === undefined ? {} : { Accept: acceptHeader },
    });
    expect(reply.status).toBe(406);
    expect(reply.headers['x-error-code']).toBe('INVALID_VERSION_DATE');
    expect(reply.headers['content-type']).toBe('application/json');
    expect(Object.keys(reply.json())).toEqual(ERROR_KEYS);
    expect(reply.json()).toMatchObject({ error: 406, reason: 'Not Acceptable', errorCode: 'INVALID_VERSION_DATE' });
  });
});

describe('the project in the path', () => {
  it('answers another project with 404 GROUP_NOT_FOUND, as recorded, without rate-limit headers', async () => {
    const em = await start();
    const api = atlas(em);
    const other = '111111111111111111111111';
    const reply = await api.post(`/api/atlas/v2/groups/${other}/databaseUsers`, { username: 'x' });
    expect(reply.status).toBe(404);
    expect(reply.text).toBe(
      `{"detail":"No group with ID ${other} exists.","error":404,"errorCode":"GROUP_NOT_FOUND","parameters":["${other}"],"reason":"Not Found"}`,
    );
    expect(reply.headers['ratelimit-limit']).toBeUndefined();
  });

  it.each([['abc'], ['111111111111111111111111x'], ['AAAAAAAAAAAAAAAAAAAAAAAA']])(
    'answers a malformed project id %j with 404 INVALID_GROUP_ID',
    async (groupId) => {
      const em = await start();
      const reply = await atlas(em).get(`/api/atlas/v2/groups/${groupId}/databaseUsers`);
      expect(reply.status).toBe(404);
      expect(reply.json().errorCode).toBe('INVALID_GROUP_ID');
    },
  );
});

describe('routing', () => {
  it.each([
    ['GET', '/api/atlas/v2/groups/{g}/nothingHere', 404, 'RESOURCE_NOT_FOUND'],
    ['GET', '/api/atlas/v1.0/groups/{g}/databaseUsers', 404, 'RESOURCE_NOT_FOUND'],
    ['PUT', '/api/atlas/v2/groups/{g}/databaseUsers', 405, 'METHOD_NOT_ALLOWED'],
    ['DELETE', '/api/atlas/v2/groups/{g}/clusters/Cluster0', 405, 'METHOD_NOT_ALLOWED'],
  ])('%s %s → %i %s', async (method, path, status, errorCode) => {
    const em = await start();
    const reply = await atlas(em).call(method, path.replace('{g}', em.groupId));
    expect(reply.status).toBe(status);
    expect(reply.json().errorCode).toBe(errorCode);
  });

  it('authenticates before it looks at the resource, the version or the project', async () => {
    const em = await start();
    for (const path of ['/api/atlas/v2/groups/111111111111111111111111/databaseUsers', '/api/nowhere']) {
      const reply = await send(em.url, { path });
      expect(reply.status).toBe(401);
    }
  });

  it('refuses a body that is not JSON by its Content-Type with 415', async () => {
    const em = await start();
    const api = atlas(em);
    const reply = await api.post(`${api.group}/databaseUsers`, 'username=a', { 'Content-Type': 'text/plain', Accept: V1 });
    expect(reply.status).toBe(415);
  });

  it('answers paths outside /api/ with 404 and does not log them', async () => {
    const em = await start();
    expect((await send(em.url, { path: '/' })).status).toBe(404);
    expect((await send(em.url, { path: '/__emulator/requests' })).json()).toEqual([]);
  });

  it('pretty-prints when asked with pretty=true', async () => {
    const em = await start();
    const api = atlas(em);
    const reply = await api.get(`${api.group}/clusters/Cluster0/status?pretty=true`);
    expect(reply.text).toContain('\n  "changeStatus": "APPLIED"');
  });
});
