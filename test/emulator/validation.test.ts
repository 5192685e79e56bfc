import { describe, expect, it } from 'vitest';
import { atlas, newUser, start } from './helpers.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const inMs = (ms: number) => new Date(Date.now() + ms).toISOString();
const role = (roleName: string, databaseName: string, collectionName?: string) =>
  collectionName === undefined ? { roleName, databaseName } : { roleName, databaseName, collectionName };

type Case = [string, Record<string, unknown>, number, string | undefined];

/** [what, fields that replace a valid body, expected status, expected errorCode] */
const createCases: Case[] = [
  ['a valid body', {}, 201, undefined],
  ['a password of 7 characters', { password: 'seven77' }, 400, 'INVALID_ATTRIBUTE'],
  ['a password of 8 characters', { password: 'eight888' }, 201, undefined],
  ['no password', { password: undefined }, 400, 'MISSING_ATTRIBUTE'],
  ['a description of 101 characters', { description: 'd'.repeat(101) }, 400, 'INVALID_ATTRIBUTE'],
  ['a description of 100 characters', { description: 'd'.repeat(100) }, 201, undefined],
  ['an empty label key', { labels: [{ key: '', value: 'v' }] }, 400, 'INVALID_ATTRIBUTE'],
  ['a label key of 256', { labels: [{ key: 'k'.repeat(256), value: 'v' }] }, 400, 'INVALID_ATTRIBUTE'],
  ['a label value of 256', { labels: [{ key: 'k', value: 'v'.repeat(256) }] }, 400, 'INVALID_ATTRIBUTE'],
  ['labels of 255', { labels: [{ key: 'k'.repeat(255), value: 'v'.repeat(255) }] }, 201, undefined],
  ['a label without value', { labels: [{ key: 'k' }] }, 400, 'MISSING_ATTRIBUTE'],
  ['a scope name with _', { scopes: [{ name: 'bad_name', type: 'CLUSTER' }] }, 400, 'INVALID_ATTRIBUTE'],
  ['a scope name starting with -', { scopes: [{ name: '-c', type: 'CLUSTER' }] }, 400, 'INVALID_ATTRIBUTE'],
  ['a scope type CLUSTERS', { scopes: [{ name: 'Cluster0', type: 'CLUSTERS' }] }, 400, 'INVALID_ATTRIBUTE'],
  ['a DATA_LAKE scope', { scopes: [{ name: 'lake-1', type: 'DATA_LAKE' }] }, 201, undefined],
  ['a STREAM scope', { scopes: [{ name: 'stream1', type: 'STREAM' }] }, 201, undefined],
  ['scopes that are not a list', { scopes: 'Cluster0' }, 400, 'INVALID_ATTRIBUTE'],
  ...['atlasAdmin', 'backup', 'clusterMonitor', 'dbAdminAnyDatabase', 'enableSharding', 'readAnyDatabase', 'readWriteAnyDatabase'].map(
    (name): Case => [`${name} on another database`, { roles: [role(name, 'app')] }, 400, 'ATLAS_INVALID_ROLE_DATABASE'],
  ),
  ['atlasAdmin on admin', { roles: [role('atlasAdmin', 'admin')] }, 201, undefined],
  ['read on a collection', { roles: [role('read', 'app', 'orders')] }, 201, undefined],
  ['readWrite on a collection', { roles: [role('readWrite', 'app', 'orders')] }, 201, undefined],
  ['dbAdmin on a collection', { roles: [role('dbAdmin', 'app', 'orders')] }, 400, 'INVALID_ATTRIBUTE'],
  ['readAnyDatabase on a collection', { roles: [role('readAnyDatabase', 'admin', 'x')] }, 400, 'INVALID_ATTRIBUTE'],
  ['the same role twice', { roles: [role('read', 'app'), role('read', 'app')] }, 400, 'DUPLICATE_DATABASE_ROLES'],
  ['one role on two databases', { roles: [role('read', 'app'), role('read', 'other')] }, 201, undefined],
  ['a custom role alone', { roles: [role('myCustomRole', 'admin')] }, 201, undefined],
  [
    'a custom role with another role',
    { roles: [role('myCustomRole', 'admin'), role('read', 'app')] },
    400,
    'ATLAS_INVALID_CUSTOM_ROLE_ASSIGNMENT',
  ],
  ['a role name that cannot exist', { roles: [role('no such role', 'admin')] }, 400, 'ATLAS_INVALID_ROLE'],
  ['a role without a database', { roles: [{ roleName: 'read' }] }, 400, 'MISSING_ATTRIBUTE'],
  ['no roles', { roles: undefined }, 400, 'MISSING_ATTRIBUTE'],
  ['no username', { username: undefined }, 400, 'MISSING_ATTRIBUTE'],
  ['a password user on $external', { databaseName: '$external' }, 400, 'INVALID_ATTRIBUTE'],
  ['a password user on app', { databaseName: 'app' }, 400, 'INVALID_ATTRIBUTE'],
  ['no databaseName (admin by default)', { databaseName: undefined }, 201, undefined],
  ['deleteAfterDate in the past', { deleteAfterDate: inMs(-60_000) }, 400, 'EXPIRATION_DATE_IN_PAST'],
  ['deleteAfterDate 7 days and a minute ahead', { deleteAfterDate: inMs(7 * DAY + 60_000) }, 400, 'EXPIRATION_DATE_EXCEEDS_MAX'],
  ['deleteAfterDate 7 days less a minute ahead', { deleteAfterDate: inMs(7 * DAY - 60_000) }, 201, undefined],
  ['deleteAfterDate with an offset', { deleteAfterDate: new Date(Date.now() + HOUR).toISOString().replace('Z', '+00:00') }, 201, undefined],
  ['deleteAfterDate without a zone', { deleteAfterDate: inMs(HOUR).replace('Z', '') }, 400, 'INVALID_ATTRIBUTE'],
  ['deleteAfterDate that is not a date', { deleteAfterDate: 'tomorrow' }, 400, 'INVALID_ATTRIBUTE'],
  ['an unknown field', { nickname: 'al' }, 400, 'INVALID_ATTRIBUTE'],
  ['a groupId of another project', { groupId: 'a'.repeat(24) }, 400, 'GROUP_MISMATCH'],
  ['an unknown awsIAMType', { awsIAMType: 'MAYBE' }, 400, 'INVALID_ENUM_VALUE'],
  ['an x509 user with a password', { x509Type: 'CUSTOMER', databaseName: '$external' }, 400, 'INVALID_ATTRIBUTE'],
  ['an x509 user without a password', { x509Type: 'CUSTOMER', databaseName: '$external', password: undefined }, 201, undefined],
];

describe('creating a user: Atlas validation', () => {
  it.each(createCases)('%s → %i %s', async (_what, overrides, status, errorCode) => {
    const em = await start();
    const api = atlas(em);
    const reply = await api.post(`${api.group}/databaseUsers`, newUser(em, overrides));
    expect(reply.status).toBe(status);
    if (errorCode) {
      expect(reply.json().errorCode).toBe(errorCode);
      expect(reply.headers['x-error-code']).toBe(errorCode);
      expect(reply.headers['content-type']).toBe('application/json');
    }
  });

  it.each([
    ['malformed JSON', '{"username": "a",', 'MALFORMED_JSON'],
    ['a JSON array', '[]', 'INVALID_JSON'],
    ['an empty body', '', 'INVALID_JSON'],
  ])('refuses %s', async (_what, raw, errorCode) => {
    const em = await start();
    const api = atlas(em);
    const reply = await api.post(`${api.group}/databaseUsers`, raw);
    expect(reply.status).toBe(400);
    expect(reply.json().errorCode).toBe(errorCode);
  });

  it('refuses a username that exists with 409 USER_ALREADY_EXISTS', async () => {
    const em = await start();
    const api = atlas(em);
    const body = newUser(em);
    expect((await api.post(`${api.group}/databaseUsers`, body)).status).toBe(201);
    const again = await api.post(`${api.group}/databaseUsers`, body);
    expect(again.status).toBe(409);
    expect(again.json()).toMatchObject({ errorCode: 'USER_ALREADY_EXISTS', parameters: [body.username] });
  });

  it('refuses more users than --max-users with 403 GROUP_USERS_LIMIT_EXCEEDED', async () => {
    const em = await start({ maxUsers: 2 });
    const api = atlas(em);
    for (let i = 0; i < 2; i++) expect((await api.post(`${api.group}/databaseUsers`, newUser(em))).status).toBe(201);
    const third = await api.post(`${api.group}/databaseUsers`, newUser(em));
    expect(third.status).toBe(403);
    expect(third.json()).toMatchObject({ errorCode: 'GROUP_USERS_LIMIT_EXCEEDED', parameters: [2] });
  });

  it('names the violated field in badRequestDetail', async () => {
    const em = await start();
    const api = atlas(em);
    const reply = await api.post(`${api.group}/databaseUsers`, newUser(em, { labels: [{ key: 'k', value: '' }] }));
    expect(reply.json().badRequestDetail.fields[0].field).toBe('labels[0].value');
  });
});

const patchCases: Case[] = [
  ['the same username', { username: 'patched' }, 200, undefined],
  ['another username', { username: 'renamed' }, 409, 'DATABASE_USERNAME_CANNOT_BE_CHANGED'],
  ['another databaseName', { databaseName: '$external' }, 409, 'DATABASE_NAME_CANNOT_BE_CHANGED'],
  ['another auth type', { x509Type: 'MANAGED' }, 409, 'AUTH_TYPE_CANNOT_BE_CHANGED'],
  ['a short password', { password: 'short' }, 400, 'INVALID_ATTRIBUTE'],
  ['deleteAfterDate in the past', { deleteAfterDate: inMs(-1000) }, 400, 'EXPIRATION_DATE_IN_PAST'],
  ['deleteAfterDate beyond 7 days', { deleteAfterDate: inMs(8 * DAY) }, 400, 'EXPIRATION_DATE_EXCEEDS_MAX'],
  ['an admin-only role elsewhere', { roles: [role('atlasAdmin', 'app')] }, 400, 'ATLAS_INVALID_ROLE_DATABASE'],
  ['duplicate roles', { roles: [role('read', 'a'), role('read', 'a')] }, 400, 'DUPLICATE_DATABASE_ROLES'],
  ['a new expiry', { deleteAfterDate: inMs(2 * HOUR) }, 200, undefined],
];

describe('updating a user: Atlas validation', () => {
  it.each(patchCases)('%s → %i %s', async (_what, body, status, errorCode) => {
    const em = await start();
    const api = atlas(em);
    await api.post(`${api.group}/databaseUsers`, newUser(em, { username: 'patched' }));
    const reply = await api.patch(`${api.group}/databaseUsers/admin/patched`, body);
    expect(reply.status).toBe(status);
    if (errorCode) expect(reply.json().errorCode).toBe(errorCode);
  });

  it('answers 404 USERNAME_NOT_FOUND for a user that does not exist', async () => {
    const em = await start();
    const api = atlas(em);
    const reply = await api.patch(`${api.group}/databaseUsers/admin/nobody`, { password: 'long-enough' });
    expect(reply.status).toBe(404);
    expect(reply.json().errorCode).toBe('USERNAME_NOT_FOUND');
  });
});
