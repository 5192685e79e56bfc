import type { ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import type { AtlasClient } from '../../../src/atlas/index.js';
import { AtlasApiError, AtlasResponseError } from '../../../src/atlas/index.js';
import { ATLAS_JSON, GROUP, makeClient, sendAtlasError, sendJson, startFake, type Fake, type Seen } from './fake-atlas.js';

const G = `/api/atlas/v2/groups/${GROUP}`;
const ENTRY = {
  cidrBlock: '203.0.113.7/32',
  comment: 'dynsecret app-db ds-1',
  deleteAfterDate: '2026-12-01T00:00:00Z',
  groupId: GROUP,
  ipAddress: '203.0.113.7',
  links: [],
};
const notOnList = (r: ServerResponse) =>
  sendAtlasError(r, 404, 'ATLAS_NETWORK_PERMISSION_ENTRY_NOT_FOUND', `IP Address 203.0.113.7 not on Atlas access list for group ${GROUP}.`);

let fake: Fake | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

describe('the access list and ipinfo endpoints', () => {
  it.each<[string, (c: AtlasClient) => Promise<unknown>, string, string, (q: Seen, r: ServerResponse) => void, unknown]>([
    [
      'listAccessList',
      (c) => c.listAccessList(),
      'GET',
      `${G}/accessList?pageNum=1&itemsPerPage=500&includeCount=true`,
      (_q, r) => sendJson(r, 200, { links: [], results: [ENTRY, { cidrBlock: '198.51.100.0/24', groupId: GROUP }], totalCount: 2 }),
      [
        {
          cidrBlock: '203.0.113.7/32',
          comment: 'dynsecret app-db ds-1',
          deleteAfterDate: '2026-12-01T00:00:00Z',
          ipAddress: '203.0.113.7',
        },
        { cidrBlock: '198.51.100.0/24' },
      ],
    ],
    [
      'getAccessListEntry (a CIDR block, its slash encoded)',
      (c) => c.getAccessListEntry('198.51.100.0/24'),
      'GET',
      `${G}/accessList/198.51.100.0%2F24`,
      (_q, r) => sendJson(r, 200, { cidrBlock: '198.51.100.0/24', groupId: GROUP }),
      { cidrBlock: '198.51.100.0/24' },
    ],
    [
      'getAccessListEntry (none)',
      (c) => c.getAccessListEntry('203.0.113.7'),
      'GET',
      `${G}/accessList/203.0.113.7`,
      (_q, r) => notOnList(r),
      undefined,
    ],
    [
      'deleteAccessListEntry',
      (c) => c.deleteAccessListEntry('203.0.113.7'),
      'DELETE',
      `${G}/accessList/203.0.113.7`,
      (_q, r) => r.writeHead(204).end(),
      'deleted',
    ],
    [
      'deleteAccessListEntry (none)',
      (c) => c.deleteAccessListEntry('203.0.113.7'),
      'DELETE',
      `${G}/accessList/203.0.113.7`,
      (_q, r) => notOnList(r),
      'absent',
    ],
    [
      'getAccessListStatus',
      (c) => c.getAccessListStatus('203.0.113.7'),
      'GET',
      `${G}/accessList/203.0.113.7/status`,
      (_q, r) => sendJson(r, 200, { STATUS: 'PENDING' }),
      'PENDING',
    ],
    [
      'getCallerIp',
      (c) => c.getCallerIp(),
      'GET',
      '/api/private/ipinfo',
      (_q, r) => sendJson(r, 200, { currentIpv4Address: '203.0.113.7' }),
      '203.0.113.7',
    ],
  ])('%s → %s %s', async (_name, call, method, url, route, expected) => {
    fake = await startFake(route);
    const { client } = makeClient(fake.baseUrl);
    await expect(call(client)).resolves.toEqual(expected);
    expect(fake.seen).toHaveLength(1);
    expect(fake.seen[0]).toMatchObject({ method, url });
    expect(fake.seen[0]?.headers.accept).toBe(ATLAS_JSON);
  });

  it('addAccessListEntry posts an array of one entry', async () => {
    fake = await startFake((_q, r) => sendJson(r, 201, { links: [], results: [ENTRY], totalCount: 1 }));
    const { client } = makeClient(fake.baseUrl);
    await client.addAccessListEntry({
      ipAddress: '203.0.113.7',
      comment: 'dynsecret app-db ds-1',
      deleteAfterDate: '2026-12-01T00:00:00Z',
    });
    expect(fake.seen[0]).toMatchObject({ method: 'POST', url: `${G}/accessList` });
    expect(JSON.parse(fake.seen[0]!.body)).toEqual([
      { ipAddress: '203.0.113.7', comment: 'dynsecret app-db ds-1', deleteAfterDate: '2026-12-01T00:00:00Z' },
    ]);
  });

  it('refuses to send a comment longer than 80 characters', async () => {
    fake = await startFake((_q, r) => sendJson(r, 201, { results: [] }));
    const { client } = makeClient(fake.baseUrl);
    await expect(client.addAccessListEntry({ ipAddress: '203.0.113.7', comment: 'x'.repeat(81) })).rejects.toThrow(/comment/);
    expect(fake.seen).toEqual([]);
  });

  it.each<[string, (c: AtlasClient) => Promise<unknown>, (q: Seen, r: ServerResponse) => void, unknown]>([
    [
      'a status outside the enum',
      (c) => c.getAccessListStatus('203.0.113.7'),
      (_q, r) => sendJson(r, 200, { STATUS: 'DONE' }),
      AtlasResponseError,
    ],
    ['an ipinfo without the address', (c) => c.getCallerIp(), (_q, r) => sendJson(r, 200, { ip: '203.0.113.7' }), AtlasResponseError],
    [
      'an ipinfo that is not there',
      (c) => c.getCallerIp(),
      (_q, r) => sendAtlasError(r, 404, 'RESOURCE_NOT_FOUND', 'Not found'),
      AtlasApiError,
    ],
    ['a 403 on the list', (c) => c.listAccessList(), (_q, r) => sendAtlasError(r, 403, 'USER_UNAUTHORIZED', 'Forbidden'), AtlasApiError],
  ])('rejects %s', async (_name, call, route, type) => {
    fake = await startFake(route);
    const { client } = makeClient(fake.baseUrl);
    await expect(call(client)).rejects.toBeInstanceOf(type);
  });
});
