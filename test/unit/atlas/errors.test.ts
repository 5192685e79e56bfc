import type { ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { AtlasApiError, type AtlasClient } from '../../../src/atlas/index.js';
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
  exitCode: number;
  fragments: string[];
  errorCode?: string;
}

const rows: Row[] = [
  { name: '401', call: getProject, respond: (r) => sendAtlasError(r, 401, 'UNEXPECTED_ERROR', 'You are not authorized for this resource.'), exitCode: 4, fragments: ['Atlas rejected the API key: check the public and private key'] },
  {
    name: '403 IP not on the access list (IP in parameters)',
    call: getProject,
    respond: (r) => sendAtlasError(r, 403, 'IP_ADDRESS_NOT_ON_ACCESS_LIST', 'IP address 203.0.113.7 is not allowed to access this resource.', ['203.0.113.7']),
    exitCode: 4,
    fragments: ['IP address 203.0.113.7', "API key's access list", 'Organization → Access Manager → API Keys'],
  },
  {
    name: '403 IP not on the access list (IPv6 in detail only)',
    call: getProject,
    respond: (r) => sendAtlasError(r, 403, 'IP_ADDRESS_NOT_ON_ACCESS_LIST', 'IP address 2001:db8::5 is not allowed to access this resource.'),
    exitCode: 4,
    fragments: ['IP address 2001:db8::5', 'Organization → Access Manager → API Keys'],
  },
  {
    name: '403 organization requires an access list',
    call: getProject,
    respond: (r) => sendAtlasError(r, 403, 'ORG_REQUIRES_ACCESS_LIST', 'This organization requires access through an access list of ip ranges.'),
    exitCode: 4,
    fragments: ["this machine's IP address", 'Organization → Access Manager → API Keys'],
  },
  {
    name: '403 missing permission',
    call: create,
    respond: (r) => sendAtlasError(r, 403, 'USER_CANNOT_ACCESS_GROUP', 'Forbidden.'),
    exitCode: 4,
    fragments: [`Project Owner role on project ${GROUP}`, `POST /api/atlas/v2/groups/${GROUP}/databaseUsers`],
  },
  {
    name: '403 project full',
    call: create,
    respond: (r) => sendAtlasError(r, 403, 'GROUP_USERS_LIMIT_EXCEEDED', 'Too many users.'),
    exitCode: 1,
    fragments: ['`dynsecret revoke --expired`', '`dynsecret list NAME --remote`', '100 database users'],
  },
  {
    name: '404 unknown project',
    call: getProject,
    respond: (r) => sendAtlasError(r, 404, 'GROUP_NOT_FOUND', `No group with ID ${GROUP} exists.`, [GROUP]),
    exitCode: 5,
    fragments: [`no Atlas project ${GROUP}: check --group-id`],
  },
  {
    name: '404 unknown user',
    call: (c) => c.getDatabaseUser('ds-app-x1'),
    respond: (r) => sendAtlasError(r, 404, 'USERNAME_NOT_FOUND', 'No user with username ds-app-x1 exists.'),
    exitCode: 5,
    fragments: ['no database user named ds-app-x1'],
  },
  {
    name: '404 unknown cluster',
    call: (c) => c.getClusterStatus('Cluster0'),
    respond: (r) => sendAtlasError(r, 404, 'CLUSTER_NOT_FOUND', `No cluster named Cluster0 exists in group ${GROUP}.`, ['Cluster0', GROUP]),
    exitCode: 5,
    fragments: [`no cluster named Cluster0 in project ${GROUP}`],
  },
  {
    name: '404 from something that is not Atlas',
    call: getProject,
    respond: (r) => r.writeHead(404, { 'Content-Type': 'text/html' }).end('<html>nope</html>'),
    exitCode: 5,
    fragments: ['check --base-url'],
  },
  {
    name: '409 username taken on create',
    call: create,
    respond: (r) => sendAtlasError(r, 409, 'USER_ALREADY_EXISTS', 'The specified database user already exists.'),
    exitCode: 1,
    fragments: [`a database user named u1 already exists in project ${GROUP}`],
  },
  {
    name: '400 with Atlas detail',
    call: create,
    respond: (r) => sendAtlasError(r, 400, 'INVALID_ATTRIBUTE', 'Invalid attribute description specified.'),
    exitCode: 2,
    fragments: ['Atlas rejected POST', ': Invalid attribute description specified (Atlas error INVALID_ATTRIBUTE)'],
  },
  {
    name: '400 with field violations',
    call: create,
    respond: (r) =>
      r.writeHead(400, { 'Content-Type': 'application/json' }).end(
        JSON.stringify({ detail: 'Bad input.', error: 400, errorCode: 'VALIDATION_ERROR', badRequestDetail: { fields: [{ field: 'scopes[0].name', description: 'must match pattern' }] } }),
      ),
    exitCode: 2,
    fragments: ['Bad input; scopes[0].name: must match pattern'],
  },
  {
    name: '400 expiry too far ahead',
    call: create,
    respond: (r) => sendAtlasError(r, 400, 'EXPIRATION_DATE_EXCEEDS_MAX', 'Expiration date exceeds max.'),
    exitCode: 2,
    fragments: ['more than 7 days ahead'],
  },
  {
    name: '400 whose detail echoes the password and the key',
    call: create,
    respond: (r) => sendAtlasError(r, 400, 'INVALID_ATTRIBUTE', `Bad value ${PASSWORD} near ${PRIVATE_KEY}.`),
    exitCode: 2,
    fragments: ['Bad value *** near ***'],
  },
  {
    name: '406 unknown version',
    call: getProject,
    respond: (r) => sendAtlasError(r, 406, 'INVALID_VERSION_DATE', 'The version is not supported.'),
    exitCode: 1,
    fragments: ['API version 2023-01-01', 'update dynsecret'],
  },
  {
    name: '429 after every retry',
    call: getProject,
    respond: (r) => sendAtlasError(r, 429, 'RATE_LIMITED_TOKEN_BUCKET', 'Too many requests.', [], { 'Retry-After': '1' }),
    exitCode: 6,
    fragments: [`rate-limiting requests to project ${GROUP}`],
  },
  {
    name: '500 after every retry',
    call: getProject,
    respond: (r) => sendAtlasError(r, 500, 'UNEXPECTED_ERROR', 'Unexpected error.'),
    exitCode: 6,
    fragments: ['HTTP 500', 'try again in a few minutes'],
  },
  {
    name: '503 with the code only in the header',
    call: getProject,
    respond: (r) => r.writeHead(503, { 'X-Error-Code': 'SERVICE_UNAVAILABLE' }).end('upstream down'),
    exitCode: 6,
    fragments: ['HTTP 503', '(Atlas error SERVICE_UNAVAILABLE)'],
    errorCode: 'SERVICE_UNAVAILABLE',
  },
  {
    name: 'an unplanned status',
    call: getProject,
    respond: (r) => sendAtlasError(r, 402, 'PAYMENT_REQUIRED', 'Pay first.'),
    exitCode: 1,
    fragments: ['Atlas answered HTTP 402', 'Pay first'],
  },
];

let fake: Fake | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

describe('Atlas error responses', () => {
  it.each(rows)('$name → exit $exitCode', async (row) => {
    fake = await startFake((_req, res) => row.respond(res));
    const { client, debug } = makeClient(fake.baseUrl);

    const error = await row.call(client).catch((err: unknown) => err);

    expect(error).toBeInstanceOf(AtlasApiError);
    const { message, exitCode, errorCode } = error as AtlasApiError;
    expect(exitCode).toBe(row.exitCode);
    for (const fragment of row.fragments) expect(message).toContain(fragment);
    if (errorCode !== undefined) expect(message.endsWith(` (Atlas error ${errorCode})`)).toBe(true);
    if (row.errorCode !== undefined) expect(errorCode).toBe(row.errorCode);
    for (const text of [message, ...debug]) {
      expect(text).not.toContain(PRIVATE_KEY);
      expect(text).not.toContain(PASSWORD);
      expect(text).not.toMatch(/authorization/i);
    }
    expect(message.split(/\.\s/)).toHaveLength(1);
  });
});
