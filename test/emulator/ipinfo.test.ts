import { describe, expect, it } from 'vitest';
import { ApiError, IpInfo } from './fixtures/atlas-schemas.js';
import { atlas, control, send, start, serviceAccountToken } from './helpers.js';

const IPINFO = '/api/private/ipinfo';

describe('GET /api/private/ipinfo', () => {
  it.each([
    ['Accept: application/json', { Accept: 'application/json' }],
    ['no Accept', {}],
    ['a versioned Accept', { Accept: 'application/vnd.atlas.2023-01-01+json' }],
  ])('answers the socket address as plain JSON with %s', async (_name, headers) => {
    const em = await start();
    const reply = await atlas(em).session.send({ path: IPINFO, headers });
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('application/json');
    expect(IpInfo.parse(reply.json())).toEqual({ currentIpv4Address: '127.0.0.1' });
  });

  it.each([['203.0.113.9'], ['2001:db8::5']])('answers --client-ip %s instead of the socket address', async (clientIp) => {
    const em = await start({ clientIp });
    const reply = await atlas(em).get(IPINFO, { Accept: 'application/json' });
    expect(IpInfo.parse(reply.json()).currentIpv4Address).toBe(clientIp);
  });

  it('names the same address in an IP_ADDRESS_NOT_ON_ACCESS_LIST fault', async () => {
    const em = await start({ clientIp: '203.0.113.9' });
    await control(em, 'POST', 'faults', { count: 1, status: 403, errorCode: 'IP_ADDRESS_NOT_ON_ACCESS_LIST' });
    const api = atlas(em);
    const reply = await api.get(`${api.group}/databaseUsers`);
    expect(ApiError.parse(reply.json()).parameters).toEqual(['203.0.113.9']);
  });

  it('needs credentials like every API call: a challenge without them, a bearer token works', async () => {
    const em = await start();
    const anonymous = await send(em.url, { path: IPINFO, headers: { Accept: 'application/json' } });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers['www-authenticate']).toMatch(/^Digest realm="MMS Public API"/);
    const token = await serviceAccountToken(em);
    const bearer = await send(em.url, { path: IPINFO, headers: { Accept: 'application/json', Authorization: `Bearer ${token}` } });
    expect(bearer.status).toBe(200);
    expect(IpInfo.parse(bearer.json()).currentIpv4Address).toBe('127.0.0.1');
    const wrongToken = await send(em.url, { path: IPINFO, headers: { Authorization: 'Bearer nope' } });
    expect(wrongToken.status).toBe(401);
  });

  it('takes GET only', async () => {
    const em = await start();
    const reply = await atlas(em).call('POST', IPINFO, {});
    expect(reply.status).toBe(405);
    expect(ApiError.parse(reply.json()).errorCode).toBe('METHOD_NOT_ALLOWED');
  });
});
