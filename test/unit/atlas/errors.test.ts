import type { ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { AtlasApiError, type AtlasClient } from '../../../src/atlas/index.js';
import type { AtlasApiErrorKind } from '../../../src/atlas/error-types.js';
import { describeError } from '../../../src/cli/error-text.js';
import { GROUP, PRIVATE_KEY, makeClient, sendAtlasError, startFake, type Fake } from './fake-atlas.js';

const PASSWORD = 'generated-Password-0123456789';
const newUser = { username: 'u1', password: PASSWORD, roles: [{ roleName: 'read', databaseName: 'app' }] };

type Call = (client: AtlasClient) => Promise<unknown>;
const getProject: Call = (c) => c.getProject();
const create: Call = (c) => c.createDatabaseUser(newUser);

interface Row {
  name: string;
  call: Call;
  respond: (res: ServerResponse) => void;
  kind: AtlasApiErrorKind;
  /** What else the error must carry: status, error code, Atlas' detail, the subject of the request. */
  facts: Partial<Record<keyof AtlasApiError, unknown>>;
}

const POST_USERS = { method: 'POST', path: `/api/atlas/v2/groups/${GROUP}/databaseUsers` };
const GET_PROJECT = { method: 'GET', path: `/api/atlas/v2/groups/${GROUP}` };

const rows: Row[] = [
  {
    name: '401',
    call: getProject,
    respond: (r) => sendAtlasError(r, 401, 'UNEXPECTED_ERROR', 'You are not authorized for this resource.'),
    kind: 'unauthorized',
    facts: { status: 401, errorCode: 'UNEXPECTED_ERROR', ...GET_PROJECT, subject: { groupId: GROUP, authKind: 'apiKey' } },
  },
  {
    name: '403 IP not on the access list (IP in parameters)',
    call: getProject,
    respond: (r) =>
      sendAtlasError(r, 403, 'IP_ADDRESS_NOT_ON_ACCESS_LIST', 'IP address 203.0.113.7 is not allowed to access this resource.', [
        '203.0.113.7',
      ]),
    kind: 'forbidden',
    facts: { status: 403, errorCode: 'IP_ADDRESS_NOT_ON_ACCESS_LIST', callerIp: '203.0.113.7', parameters: ['203.0.113.7'] },
  },
  {
    name: '403 IP not on the access list (IPv6 in detail only)',
    call: getProject,
    respond: (r) =>
      sendAtlasError(r, 403, 'IP_ADDRESS_NOT_ON_ACCESS_LIST', 'IP address 2001:db8::5 is not allowed to access this resource.'),
    kind: 'forbidden',
    facts: { callerIp: '2001:db8::5', detail: 'IP address 2001:db8::5 is not allowed to access this resource' },
  },
  {
    name: '403 organization requires an access list',
    call: getProject,
    respond: (r) =>
      sendAtlasError(r, 403, 'ORG_REQUIRES_ACCESS_LIST', 'This organization requires access through an access list of ip ranges.'),
    kind: 'forbidden',
    facts: { errorCode: 'ORG_REQUIRES_ACCESS_LIST', callerIp: undefined },
  },
  {
    name: '403 missing permission',
    call: create,
    respond: (r) => sendAtlasError(r, 403, 'USER_CANNOT_ACCESS_GROUP', 'Forbidden.'),
    kind: 'forbidden',
    facts: { errorCode: 'USER_CANNOT_ACCESS_GROUP', ...POST_USERS },
  },
  {
    name: '403 project full',
    call: create,
    respond: (r) => sendAtlasError(r, 403, 'GROUP_USERS_LIMIT_EXCEEDED', 'Too many users.'),
    kind: 'forbidden',
    facts: { errorCode: 'GROUP_USERS_LIMIT_EXCEEDED', subject: { groupId: GROUP, authKind: 'apiKey', username: 'u1', creating: true } },
  },
  {
    name: '404 unknown project',
    call: getProject,
    respond: (r) => sendAtlasError(r, 404, 'GROUP_NOT_FOUND', `No group with ID ${GROUP} exists.`, [GROUP]),
    kind: 'not-found',
    facts: { status: 404, errorCode: 'GROUP_NOT_FOUND', parameters: [GROUP], detail: `No group with ID ${GROUP} exists` },
  },
  {
    name: '404 unknown user',
    call: (c) => c.getDatabaseUser('ds-app-x1'),
    respond: (r) => sendAtlasError(r, 404, 'USERNAME_NOT_FOUND', 'No user with username ds-app-x1 exists.'),
    kind: 'not-found',
    facts: { errorCode: 'USERNAME_NOT_FOUND', subject: { groupId: GROUP, authKind: 'apiKey', username: 'ds-app-x1' } },
  },
  {
    name: '404 unknown cluster',
    call: (c) => c.getClusterStatus('Cluster0'),
    respond: (r) => sendAtlasError(r, 404, 'CLUSTER_NOT_FOUND', `No cluster named Cluster0 exists in group ${GROUP}.`, ['Cluster0', GROUP]),
    kind: 'not-found',
    facts: { errorCode: 'CLUSTER_NOT_FOUND', subject: { groupId: GROUP, authKind: 'apiKey', cluster: 'Cluster0' } },
  },
  {
    name: '404 from something that is not Atlas',
    call: getProject,
    respond: (r) => r.writeHead(404, { 'Content-Type': 'text/html' }).end('<html>nope</html>'),
    kind: 'not-found',
    facts: { status: 404, errorCode: undefined, detail: undefined, parameters: [] },
  },
  {
    name: '409 username taken on create',
    call: create,
    respond: (r) => sendAtlasError(r, 409, 'USER_ALREADY_EXISTS', 'The specified database user already exists.'),
    kind: 'conflict',
    facts: {
      status: 409,
      errorCode: 'USER_ALREADY_EXISTS',
      subject: { groupId: GROUP, authKind: 'apiKey', username: 'u1', creating: true },
    },
  },
  {
    name: '400 with Atlas detail',
    call: create,
    respond: (r) => sendAtlasError(r, 400, 'INVALID_ATTRIBUTE', 'Invalid attribute description specified.'),
    kind: 'bad-request',
    facts: { status: 400, errorCode: 'INVALID_ATTRIBUTE', detail: 'Invalid attribute description specified' },
  },
  {
    name: '400 with field violations',
    call: create,
    respond: (r) =>
      r.writeHead(400, { 'Content-Type': 'application/json' }).end(
        JSON.stringify({
          detail: 'Bad input.',
          error: 400,
          errorCode: 'VALIDATION_ERROR',
          badRequestDetail: { fields: [{ field: 'scopes[0].name', description: 'must match pattern' }] },
        }),
      ),
    kind: 'bad-request',
    facts: { errorCode: 'VALIDATION_ERROR', detail: 'Bad input; scopes[0].name: must match pattern' },
  },
  {
    name: '400 expiry too far ahead',
    call: create,
    respond: (r) => sendAtlasError(r, 400, 'EXPIRATION_DATE_EXCEEDS_MAX', 'Expiration date exceeds max.'),
    kind: 'bad-request',
    facts: { errorCode: 'EXPIRATION_DATE_EXCEEDS_MAX' },
  },
  {
    name: '400 whose detail and parameters echo the password and the key',
    call: create,
    respond: (r) => sendAtlasError(r, 400, 'INVALID_ATTRIBUTE', `Bad value ${PASSWORD} near ${PRIVATE_KEY}.`, [`password=${PASSWORD}`]),
    kind: 'bad-request',
    facts: { detail: 'Bad value *** near ***', parameters: ['password=***'] },
  },
  {
    name: '406 unknown version',
    call: getProject,
    respond: (r) => sendAtlasError(r, 406, 'INVALID_VERSION_DATE', 'The version is not supported.'),
    kind: 'version-rejected',
    facts: { status: 406, errorCode: 'INVALID_VERSION_DATE' },
  },
  {
    name: '429 after every retry',
    call: getProject,
    respond: (r) => sendAtlasError(r, 429, 'RATE_LIMITED_TOKEN_BUCKET', 'Too many requests.', [], { 'Retry-After': '1' }),
    kind: 'rate-limited',
    facts: { status: 429, errorCode: 'RATE_LIMITED_TOKEN_BUCKET' },
  },
  {
    name: '500 after every retry',
    call: getProject,
    respond: (r) => sendAtlasError(r, 500, 'UNEXPECTED_ERROR', 'Unexpected error.'),
    kind: 'server',
    facts: { status: 500 },
  },
  {
    name: '503 with the code only in the header',
    call: getProject,
    respond: (r) => r.writeHead(503, { 'X-Error-Code': 'SERVICE_UNAVAILABLE' }).end('upstream down'),
    kind: 'server',
    facts: { status: 503, errorCode: 'SERVICE_UNAVAILABLE', detail: undefined },
  },
  {
    name: 'an unplanned status',
    call: getProject,
    respond: (r) => sendAtlasError(r, 402, 'PAYMENT_REQUIRED', 'Pay first.'),
    kind: 'unexpected-status',
    facts: { status: 402, errorCode: 'PAYMENT_REQUIRED', detail: 'Pay first', ...GET_PROJECT },
  },
];

let fake: Fake | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

describe('Atlas error responses', () => {
  it.each(rows)('$name → $kind', async (row) => {
    fake = await startFake((_req, res) => row.respond(res));
    const { client, debug } = makeClient(fake.baseUrl);

    const error = await row.call(client).catch((err: unknown) => err);

    expect(error).toBeInstanceOf(AtlasApiError);
    expect(error).toMatchObject({ kind: row.kind, ...row.facts });
    expect(error).not.toHaveProperty('exitCode');
    expect(error).not.toHaveProperty('hint');
    // Neither the facts nor the words made of them carry a secret of the request.
    const { message, hint } = describeError(error);
    for (const text of [JSON.stringify(error), (error as Error).message, message, hint ?? '', ...debug]) {
      expect(text).not.toContain(PRIVATE_KEY);
      expect(text).not.toContain(PASSWORD);
      expect(text).not.toMatch(/authorization/i);
    }
  });
});
