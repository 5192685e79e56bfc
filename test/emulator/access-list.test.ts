import { describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/server.js';
import { ApiError, NetworkPermissionEntry, NetworkPermissionEntryStatus, PaginatedNetworkAccessView } from './fixtures/atlas-schemas.js';
import { advance, atlas, control, send, start, until, V1, V1_RESPONSE, serviceAccountToken } from './helpers.js';

const inHours = (hours: number, from = Date.now()) => new Date(from + hours * 3_600_000).toISOString();

/** The emulator's own time, for dates that must be valid on its clock rather than the test's. */
async function emulatorNow(em: RunningEmulator): Promise<number> {
  return Date.parse((await control(em, 'GET', 'state')).json().now);
}

describe('project IP access list', () => {
  it('adds an address as Atlas does: 201, the whole list, the address as a /32 with a self link', async () => {
    const em = await start();
    const api = atlas(em);
    const reply = await api.post(`${api.group}/accessList`, [{ ipAddress: '192.0.2.7', comment: 'ci runner' }]);
    expect(reply.status).toBe(201);
    expect(reply.headers['content-type']).toBe(V1_RESPONSE);
    expect(reply.headers['ratelimit-limit']).toBe('10000');
    const body = PaginatedNetworkAccessView.parse(reply.json());
    expect(body.totalCount).toBe(1);
    expect(body.results).toEqual([
      {
        cidrBlock: '192.0.2.7/32',
        comment: 'ci runner',
        groupId: em.groupId,
        ipAddress: '192.0.2.7',
        links: [{ href: `${em.url}${api.group}/accessList/192.0.2.7%2F32`, rel: 'self' }],
      },
    ]);
    expect(body.links[0]).toEqual({ href: `${em.url}${api.group}/accessList`, rel: 'self' });
  });

  it.each([
    ['an address', { ipAddress: '198.51.100.20' }, '198.51.100.20/32', '198.51.100.20'],
    ['a /32 block', { cidrBlock: '198.51.100.20/32' }, '198.51.100.20/32', '198.51.100.20'],
    ['a block', { cidrBlock: '198.51.100.0/24' }, '198.51.100.0/24', undefined],
    ['a block with host bits', { cidrBlock: '198.51.100.77/24' }, '198.51.100.0/24', undefined],
    ['everything', { cidrBlock: '0.0.0.0/0' }, '0.0.0.0/0', undefined],
    ['an IPv6 address', { ipAddress: '2001:DB8:0:0:0:0:0:1' }, '2001:db8::1/128', '2001:db8::1'],
    ['an IPv6 block', { cidrBlock: '2001:db8:85a3::8a2e:370:7334/58' }, '2001:db8:85a3::/58', undefined],
  ])('stores %s as its network', async (_name, posted, cidrBlock, ipAddress) => {
    const em = await start();
    const api = atlas(em);
    const reply = await api.post(`${api.group}/accessList`, [posted]);
    expect(reply.status).toBe(201);
    const [entry] = PaginatedNetworkAccessView.parse(reply.json()).results;
    expect(entry?.cidrBlock).toBe(cidrBlock);
    expect(entry?.ipAddress).toBe(ipAddress);
    const got = await api.get(`${api.group}/accessList/${encodeURIComponent(cidrBlock)}`);
    expect(got.status).toBe(200);
    expect(NetworkPermissionEntry.parse(got.json())).toEqual(entry);
  });

  it('finds a single address by itself and by its encoded /32 block, in either case of %2F', async () => {
    const em = await start();
    const api = atlas(em);
    await api.post(`${api.group}/accessList`, [{ ipAddress: '203.0.113.5' }]);
    for (const value of ['203.0.113.5', '203.0.113.5%2F32', '203.0.113.5%2f32']) {
      const reply = await api.get(`${api.group}/accessList/${value}`);
      expect(reply.status).toBe(200);
      expect(reply.json().ipAddress).toBe('203.0.113.5');
    }
    // A slash left unencoded is another path, which is no resource.
    const raw = await api.get(`${api.group}/accessList/203.0.113.5/32`);
    expect(raw.status).toBe(404);
    expect(raw.json().errorCode).toBe('RESOURCE_NOT_FOUND');
  });

  it('pages the list like the other resources', async () => {
    const em = await start();
    const api = atlas(em);
    const entries = Array.from({ length: 5 }, (_, i) => ({ ipAddress: `192.0.2.${i + 1}` }));
    await api.post(`${api.group}/accessList`, entries);
    const second = PaginatedNetworkAccessView.parse((await api.get(`${api.group}/accessList?itemsPerPage=2&pageNum=2`)).json());
    expect(second.results.map((e) => e.ipAddress)).toEqual(['192.0.2.3', '192.0.2.4']);
    expect(second.totalCount).toBe(5);
    expect(second.links.map((l) => l.rel)).toEqual(['self', 'previous', 'next']);
    const uncounted = PaginatedNetworkAccessView.parse((await api.get(`${api.group}/accessList?includeCount=false`)).json());
    expect(uncounted.totalCount).toBeUndefined();
    expect(uncounted.results).toHaveLength(5);
    const posted = await api.post(`${api.group}/accessList?itemsPerPage=1`, [{ ipAddress: '192.0.2.9' }]);
    expect(posted.json().results).toHaveLength(1);
    expect(posted.json().totalCount).toBe(6);
    const bad = await api.get(`${api.group}/accessList?itemsPerPage=501`);
    expect(bad.status).toBe(400);
    expect(ApiError.parse(bad.json()).errorCode).toBe('INVALID_QUERY_PARAMETER');
  });

  type Case = [string, unknown, number, string, unknown[]?];
  const refused: Case[] = [
    ['no address', [{ comment: 'x' }], 400, 'INVALID_IP_ADDRESS_OR_CIDR_NOTATION', [null]],
    ['an address that is not one', [{ ipAddress: '192.0.2.1dfdfd5' }], 400, 'INVALID_IP_ADDRESS_OR_CIDR_NOTATION', ['192.0.2.1dfdfd5']],
    ['an octet over 255', [{ ipAddress: '192.0.2.256' }], 400, 'INVALID_IP_ADDRESS_OR_CIDR_NOTATION', ['192.0.2.256']],
    ['a block as ipAddress', [{ ipAddress: '192.0.2.0/24' }], 400, 'INVALID_IP_ADDRESS_OR_CIDR_NOTATION', ['192.0.2.0/24']],
    ['a block without a prefix', [{ cidrBlock: '192.0.2.0' }], 400, 'INVALID_IP_ADDRESS_OR_CIDR_NOTATION', ['192.0.2.0']],
    ['a prefix over 32', [{ cidrBlock: '192.0.2.0/33' }], 400, 'INVALID_IP_ADDRESS_OR_CIDR_NOTATION', ['192.0.2.0/33']],
    ['a prefix over 128', [{ cidrBlock: '2001:db8::/129' }], 400, 'INVALID_IP_ADDRESS_OR_CIDR_NOTATION', ['2001:db8::/129']],
    ['a number as address', [{ ipAddress: 3221225985 }], 400, 'INVALID_IP_ADDRESS_OR_CIDR_NOTATION', ['3221225985']],
    ['both forms', [{ ipAddress: '192.0.2.1', cidrBlock: '192.0.2.0/24' }], 400, 'BAD_WHITELIST_ADD_REQUEST'],
    ['an AWS security group', [{ awsSecurityGroup: 'sg-903004f8' }], 400, 'CANNOT_USE_AWS_SECURITY_GROUP_WITHOUT_VPC_PEERING_CONNECTION'],
    ['a security group and an address', [{ awsSecurityGroup: 'sg-903004f8', ipAddress: '192.0.2.1' }], 400, 'BAD_WHITELIST_ADD_REQUEST'],
    ['the same address twice', [{ ipAddress: '192.0.2.1' }, { cidrBlock: '192.0.2.1/32' }], 400, 'DUPLICATE_ADDRESSES_IN_INPUT'],
    ['a comment of 81 characters', [{ ipAddress: '192.0.2.1', comment: 'c'.repeat(81) }], 400, 'INVALID_ATTRIBUTE', ['comment']],
    ['a comment that is not text', [{ ipAddress: '192.0.2.1', comment: 5 }], 400, 'INVALID_ATTRIBUTE', ['comment']],
    ['a date in the past', [{ ipAddress: '192.0.2.1', deleteAfterDate: inHours(-1) }], 400, 'EXPIRATION_DATE_IN_PAST'],
    ['a date 8 days ahead', [{ ipAddress: '192.0.2.1', deleteAfterDate: inHours(8 * 24) }], 400, 'EXPIRATION_DATE_EXCEEDS_MAX', [7]],
    ['a date that is not one', [{ ipAddress: '192.0.2.1', deleteAfterDate: 'tomorrow' }], 400, 'INVALID_ATTRIBUTE', ['deleteAfterDate']],
    [
      'a date without a zone',
      [{ ipAddress: '192.0.2.1', deleteAfterDate: '2030-01-01T00:00:00' }],
      400,
      'INVALID_ATTRIBUTE',
      ['deleteAfterDate'],
    ],
    ['another project', [{ ipAddress: '192.0.2.1', groupId: 'ffffffffffffffffffffffff' }], 400, 'GROUP_MISMATCH'],
    ['an unknown field', [{ ipAddress: '192.0.2.1', note: 'x' }], 400, 'INVALID_ATTRIBUTE', ['note']],
    ['an object instead of an array', { ipAddress: '192.0.2.1' }, 400, 'INVALID_JSON'],
    ['an entry that is not an object', ['192.0.2.1'], 400, 'INVALID_JSON'],
    ['a bad entry after a good one', [{ ipAddress: '192.0.2.2' }, { ipAddress: 'nope' }], 400, 'INVALID_IP_ADDRESS_OR_CIDR_NOTATION'],
    ['broken JSON', '[{"ipAddress":', 400, 'MALFORMED_JSON'],
  ];

  it.each(refused)('refuses %s with %i %s and adds nothing', async (_name, body, status, errorCode, parameters) => {
    const em = await start();
    const api = atlas(em);
    const reply = await api.post(`${api.group}/accessList`, body);
    expect(reply.status).toBe(status);
    expect(reply.headers['content-type']).toBe('application/json');
    expect(reply.headers['x-error-code']).toBe(errorCode);
    const error = ApiError.parse(reply.json());
    expect(error).toMatchObject({ error: status, errorCode });
    if (parameters) expect(error.parameters).toEqual(parameters);
    expect((await api.get(`${api.group}/accessList`)).json().results).toEqual([]);
  });

  it('accepts a comment of exactly 80 characters and a date just inside the week', async () => {
    const em = await start();
    const api = atlas(em);
    const deleteAfterDate = inHours(7 * 24 - 1);
    const reply = await api.post(`${api.group}/accessList`, [{ ipAddress: '192.0.2.1', comment: 'c'.repeat(80), deleteAfterDate }]);
    expect(reply.status).toBe(201);
    const [entry] = PaginatedNetworkAccessView.parse(reply.json()).results;
    expect(entry?.deleteAfterDate).toBe(
      new Date(Math.floor(Date.parse(deleteAfterDate) / 1000) * 1000).toISOString().replace('.000Z', 'Z'),
    );
  });

  it('updates an entry posted again: its comment and date are the new ones, no date makes it permanent', async () => {
    const em = await start();
    const api = atlas(em);
    await api.post(`${api.group}/accessList`, [{ ipAddress: '192.0.2.1', comment: 'first' }]);
    const temporary = await api.post(`${api.group}/accessList`, [
      { cidrBlock: '192.0.2.1/32', comment: 'second', deleteAfterDate: inHours(1) },
    ]);
    expect(temporary.status).toBe(201);
    const list = PaginatedNetworkAccessView.parse(temporary.json());
    expect(list.totalCount).toBe(1);
    expect(list.results[0]).toMatchObject({ comment: 'second', ipAddress: '192.0.2.1' });
    expect(list.results[0]?.deleteAfterDate).toBeDefined();
    const permanent = await api.post(`${api.group}/accessList`, [{ ipAddress: '192.0.2.1' }]);
    expect(PaginatedNetworkAccessView.parse(permanent.json()).results[0]).toEqual({
      cidrBlock: '192.0.2.1/32',
      groupId: em.groupId,
      ipAddress: '192.0.2.1',
      links: [{ href: `${em.url}${api.group}/accessList/192.0.2.1%2F32`, rel: 'self' }],
    });
  });

  it('deletes an entry with 204 and no body, then answers 404 as Atlas does', async () => {
    const em = await start();
    const api = atlas(em);
    await api.post(`${api.group}/accessList`, [{ cidrBlock: '192.0.2.0/24' }]);
    const deleted = await api.del(`${api.group}/accessList/192.0.2.0%2F24`);
    expect(deleted.status).toBe(204);
    expect(deleted.text).toBe('');
    expect(deleted.headers['content-type']).toBe(V1_RESPONSE);
    for (const reply of [
      await api.get(`${api.group}/accessList/192.0.2.0%2F24`),
      await api.del(`${api.group}/accessList/192.0.2.0%2F24`),
    ]) {
      expect(reply.status).toBe(404);
      expect(ApiError.parse(reply.json())).toEqual({
        detail: `IP Address 192.0.2.0/24 not on Atlas access list for group ${em.groupId}.`,
        error: 404,
        errorCode: 'ATLAS_NETWORK_PERMISSION_ENTRY_NOT_FOUND',
        parameters: ['192.0.2.0/24', em.groupId],
        reason: 'Not Found',
      });
    }
    const status = await api.get(`${api.group}/accessList/192.0.2.0%2F24/status`);
    expect(status.status).toBe(404);
    expect(status.json().errorCode).toBe('ATLAS_NETWORK_PERMISSION_ENTRY_NOT_FOUND');
  });

  it('reports PENDING for --access-list-delay after each change, then ACTIVE', async () => {
    const em = await start({ accessListDelayMs: 60_000 });
    const api = atlas(em);
    const status = async () =>
      NetworkPermissionEntryStatus.parse((await api.get(`${api.group}/accessList/192.0.2.1/status`)).json()).STATUS;
    await api.post(`${api.group}/accessList`, [{ ipAddress: '192.0.2.1' }]);
    const first = await api.get(`${api.group}/accessList/192.0.2.1%2F32/status`);
    expect(first.status).toBe(200);
    expect(first.headers['content-type']).toBe(V1_RESPONSE);
    expect(first.json()).toEqual({ STATUS: 'PENDING' });
    await advance(em, 60_000);
    expect(await status()).toBe('ACTIVE');
    await api.post(`${api.group}/accessList`, [{ ipAddress: '192.0.2.1', comment: 'changed' }]);
    expect(await status()).toBe('PENDING');
    expect((await control(em, 'GET', 'state')).json().accessList).toEqual([
      { cidrBlock: '192.0.2.1/32', comment: 'changed', ipAddress: '192.0.2.1', status: 'PENDING' },
    ]);
  });

  it('removes a temporary entry at its deleteAfterDate on an advanced clock', async () => {
    const em = await start();
    const api = atlas(em);
    await api.post(`${api.group}/accessList`, [{ ipAddress: '192.0.2.1', deleteAfterDate: inHours(1) }, { ipAddress: '192.0.2.2' }]);
    await advance(em, 30 * 60_000);
    expect((await api.get(`${api.group}/accessList/192.0.2.1`)).status).toBe(200);
    await advance(em, 31 * 60_000);
    expect((await api.get(`${api.group}/accessList/192.0.2.1`)).status).toBe(404);
    const list = PaginatedNetworkAccessView.parse((await api.get(`${api.group}/accessList`)).json());
    expect(list.results.map((e) => e.ipAddress)).toEqual(['192.0.2.2']);
  });

  it('removes a temporary entry at its deleteAfterDate on a sped-up clock', async () => {
    const em = await start();
    const api = atlas(em);
    const deleteAfterDate = new Date((await emulatorNow(em)) + 3_600_000).toISOString();
    expect((await api.post(`${api.group}/accessList`, [{ ipAddress: '192.0.2.1', deleteAfterDate }])).status).toBe(201);
    // An hour of emulator time in 10 ms of real time.
    expect((await control(em, 'POST', 'clock', { speed: 360_000 })).status).toBe(200);
    await until(async () => (await control(em, 'GET', 'state')).json().accessList.length === 0, 'the entry to expire');
    expect((await api.get(`${api.group}/accessList/192.0.2.1`)).status).toBe(404);
    expect(await emulatorNow(em)).toBeGreaterThanOrEqual(Date.parse(deleteAfterDate));
  });

  it('answers like the other resources: 401 without credentials, 406 without the version, 404 for another project', async () => {
    const em = await start();
    const api = atlas(em);
    const anonymous = await send(em.url, { path: `${api.group}/accessList`, headers: { Accept: V1 } });
    expect(anonymous.status).toBe(401);
    const unversioned = await api.get(`${api.group}/accessList`, { Accept: 'application/json' });
    expect(unversioned.status).toBe(406);
    expect(ApiError.parse(unversioned.json()).errorCode).toBe('INVALID_VERSION_DATE');
    const newer = await api.get(`${api.group}/accessList`, { Accept: 'application/vnd.atlas.2024-08-05+json' });
    expect(newer.status).toBe(406);
    const other = await api.get('/api/atlas/v2/groups/ffffffffffffffffffffffff/accessList');
    expect(other.status).toBe(404);
    expect(other.json().errorCode).toBe('GROUP_NOT_FOUND');
    const wrongMethod = await api.call('PATCH', `${api.group}/accessList/192.0.2.1`, {});
    expect(wrongMethod.status).toBe(405);
  });

  it('accepts a bearer token from the service account', async () => {
    const em = await start();
    const token = await serviceAccountToken(em);
    const reply = await send(em.url, {
      method: 'POST',
      path: `/api/atlas/v2/groups/${em.groupId}/accessList`,
      headers: { Authorization: `Bearer ${token}`, Accept: V1, 'Content-Type': V1 },
      body: JSON.stringify([{ ipAddress: '192.0.2.1' }]),
    });
    expect(reply.status).toBe(201);
  });

  it('clears the access list on reset', async () => {
    const em = await start();
    const api = atlas(em);
    await api.post(`${api.group}/accessList`, [{ ipAddress: '192.0.2.1' }]);
    expect((await control(em, 'POST', 'reset')).status).toBe(204);
    expect((await api.get(`${api.group}/accessList`)).json().results).toEqual([]);
  });
});
