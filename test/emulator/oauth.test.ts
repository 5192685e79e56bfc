import { describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/server.js';
import { advance, control, newUser, send, start, V1 } from './helpers.js';

const FORM = 'application/x-www-form-urlencoded';
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

function token(em: RunningEmulator, headers: Record<string, string> = {}, body = 'grant_type=client_credentials') {
  return send(em.url, {
    method: 'POST',
    path: '/api/oauth/token',
    headers: { Authorization: basic(em.clientId, em.clientSecret), 'Content-Type': FORM, ...headers },
    body,
  });
}

const withBearer = (em: RunningEmulator, accessToken: string, path = `/api/atlas/v2/groups/${em.groupId}/databaseUsers`) =>
  send(em.url, { path, headers: { Accept: V1, Authorization: `Bearer ${accessToken}` } });

describe('OAuth client credentials', () => {
  it('issues a bearer token for 3600 s that the API accepts', async () => {
    const em = await start();
    const reply = await token(em);
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('application/json');
    expect(reply.headers['cache-control']).toBe('no-store');
    const body = reply.json();
    expect(Object.keys(body)).toEqual(['access_token', 'expires_in', 'token_type']);
    expect(body).toMatchObject({ expires_in: 3600, token_type: 'Bearer' });
    const created = await send(em.url, {
      method: 'POST',
      path: `/api/atlas/v2/groups/${em.groupId}/databaseUsers`,
      headers: { Accept: V1, 'Content-Type': V1, Authorization: `Bearer ${body.access_token}` },
      body: JSON.stringify(newUser(em)),
    });
    expect(created.status).toBe(201);
    const log = (await control(em, 'GET', 'requests')).json();
    expect(log.map((r: { auth: string }) => r.auth)).toEqual(['basic', 'bearer']);
  });

  it.each([
    ['a wrong secret', { Authorization: basic('x', 'y') }, 'grant_type=client_credentials', 401, 'invalid_client'],
    ['no credentials', { Authorization: '' }, 'grant_type=client_credentials', 401, 'invalid_client'],
    ['another grant type', {}, 'grant_type=password', 400, 'unsupported_grant_type'],
    ['no grant type', {}, '', 400, 'invalid_request'],
    ['a JSON body', { 'Content-Type': 'application/json' }, '{"grant_type":"client_credentials"}', 400, 'invalid_request'],
  ])('refuses %s', async (_what, headers, body, status, error) => {
    const em = await start();
    const reply = await token(em, headers, body);
    expect(reply.status).toBe(status);
    expect(reply.json().error).toBe(error);
  });

  it('takes client credentials from the form body too (RFC 6749 §2.3.1)', async () => {
    const em = await start();
    const body = new URLSearchParams({ grant_type: 'client_credentials', client_id: em.clientId, client_secret: em.clientSecret });
    const reply = await token(em, { Authorization: '' }, body.toString());
    expect(reply.status).toBe(200);
  });

  it('refuses a token after 3600 s on the emulator clock', async () => {
    const em = await start();
    const accessToken = (await token(em)).json().access_token as string;
    await advance(em, 3_599_000);
    expect((await withBearer(em, accessToken)).status).toBe(200);
    await advance(em, 1_000);
    const expired = await withBearer(em, accessToken);
    expect(expired.status).toBe(401);
    expect(expired.headers['www-authenticate']).toMatch(/^Digest /);
  });

  it('revokes a token; revoking again or an unknown token is still 200', async () => {
    const em = await start();
    const accessToken = (await token(em)).json().access_token as string;
    const revoke = (value: string) =>
      send(em.url, {
        method: 'POST',
        path: '/api/oauth/revoke',
        headers: { Authorization: basic(em.clientId, em.clientSecret), 'Content-Type': FORM },
        body: new URLSearchParams({ token: value, token_type_hint: 'access_token' }).toString(),
      });
    expect((await revoke(accessToken)).status).toBe(200);
    expect((await withBearer(em, accessToken)).status).toBe(401);
    expect((await revoke(accessToken)).status).toBe(200);
    expect((await revoke('never-issued')).status).toBe(200);
  });

  it.each([['not-a-token'], ['']])('refuses the bearer token %j', async (value) => {
    const em = await start();
    expect((await withBearer(em, value)).status).toBe(401);
  });
});
