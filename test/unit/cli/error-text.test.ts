import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import {
  AtlasApiError,
  AtlasInputError,
  AtlasNetworkError,
  AtlasResponseError,
  type AtlasApiErrorFacts,
  type AtlasSubject,
} from '../../../src/atlas/error-types.js';
import { describeError, expectedError, failureCodes } from '../../../src/cli/error-text.js';
import {
  DynsecretError,
  InterruptedError,
  NotFoundError,
  StoreError,
  TransientError,
  TtlAboveMaxError,
  UsageError,
} from '../../../src/errors.js';

const GROUP = 'b0123456789abcdef012345b';
const USERS = `/api/atlas/v2/groups/${GROUP}/databaseUsers`;
const PROJECT = `/api/atlas/v2/groups/${GROUP}`;
const KEY: AtlasSubject = { groupId: GROUP, authKind: 'apiKey' };
const SA: AtlasSubject = { groupId: GROUP, authKind: 'serviceAccount' };

const api = (facts: Partial<AtlasApiErrorFacts> & Pick<AtlasApiErrorFacts, 'kind' | 'status'>): AtlasApiError =>
  new AtlasApiError({ method: 'GET', path: PROJECT, subject: KEY, ...facts });
const token = (facts: Partial<AtlasApiErrorFacts> & Pick<AtlasApiErrorFacts, 'kind' | 'status'>): AtlasApiError =>
  new AtlasApiError({ method: 'POST', path: '/api/oauth/token', subject: SA, tokenEndpoint: true, ...facts });
const network = (kind: AtlasNetworkError['kind'], code: string, reason: string): AtlasNetworkError =>
  new AtlasNetworkError(kind, { code, host: 'cloud.mongodb.com', reason, cause: new Error(code) });

interface Row {
  name: string;
  error: unknown;
  exitCode: number;
  /** Fragments of the first line, as users and tests see it. */
  fragments: string[];
  hint?: string | RegExp;
}

const rows: Row[] = [
  // Admin API answers, by kind.
  {
    name: '401 with an API key',
    error: api({ kind: 'unauthorized', status: 401, errorCode: 'UNEXPECTED_ERROR' }),
    exitCode: 4,
    fragments: ['Atlas rejected the API key: check the public and private key (Atlas error UNEXPECTED_ERROR)'],
  },
  {
    name: '401 with a service account',
    error: api({ kind: 'unauthorized', status: 401, subject: SA }),
    exitCode: 4,
    fragments: ["Atlas rejected the service account's access token: check the client ID and secret"],
  },
  {
    name: '403 IP not on the access list, IP known',
    error: api({ kind: 'forbidden', status: 403, errorCode: 'IP_ADDRESS_NOT_ON_ACCESS_LIST', callerIp: '203.0.113.7' }),
    exitCode: 4,
    fragments: [
      'Atlas refused requests from IP address 203.0.113.7: add it to',
      "API key's access list",
      'Organization → Access Manager → API Keys',
      '(Atlas error IP_ADDRESS_NOT_ON_ACCESS_LIST)',
    ],
  },
  {
    name: '403 organization requires an access list, service account',
    error: api({ kind: 'forbidden', status: 403, errorCode: 'ORG_REQUIRES_ACCESS_LIST', subject: SA }),
    exitCode: 4,
    fragments: ["this machine's IP address", "service account's access list", 'Applications → Service Accounts'],
  },
  {
    name: '403 missing permission',
    error: api({ kind: 'forbidden', status: 403, errorCode: 'USER_CANNOT_ACCESS_GROUP', method: 'POST', path: USERS }),
    exitCode: 4,
    fragments: [`The API key is not allowed to POST ${USERS}`, `Project Owner role on project ${GROUP}`],
  },
  {
    name: '403 project full',
    error: api({ kind: 'forbidden', status: 403, errorCode: 'GROUP_USERS_LIMIT_EXCEEDED', method: 'POST', path: USERS }),
    exitCode: 1,
    fragments: [`Project ${GROUP} already has the 100 database users Atlas allows (Atlas error GROUP_USERS_LIMIT_EXCEEDED).`],
    hint: 'Remove expired leases with `dynsecret revoke --expired` and look for strays with `dynsecret list NAME --remote`.',
  },
  {
    name: '404 unknown project',
    error: api({ kind: 'not-found', status: 404, errorCode: 'GROUP_NOT_FOUND' }),
    exitCode: 5,
    fragments: [`No Atlas project ${GROUP}: check --group-id`],
  },
  {
    name: '404 unknown user',
    error: api({ kind: 'not-found', status: 404, errorCode: 'USERNAME_NOT_FOUND', subject: { ...KEY, username: 'ds-app-x1' } }),
    exitCode: 5,
    fragments: [`Atlas has no database user named ds-app-x1 in project ${GROUP}: it was revoked or has expired`],
  },
  {
    name: '404 unknown cluster',
    error: api({ kind: 'not-found', status: 404, errorCode: 'CLUSTER_NOT_FOUND', subject: { ...KEY, cluster: 'Cluster0' } }),
    exitCode: 5,
    fragments: [`No cluster named Cluster0 in project ${GROUP}: check the cluster name`],
  },
  {
    name: '404 from something that is not Atlas',
    error: api({ kind: 'not-found', status: 404 }),
    exitCode: 5,
    fragments: [`Atlas found nothing at GET ${PROJECT}: check --base-url`],
  },
  {
    name: '409 on create: the username is taken',
    error: api({
      kind: 'conflict',
      status: 409,
      errorCode: 'USER_ALREADY_EXISTS',
      method: 'POST',
      path: USERS,
      subject: { ...KEY, username: 'u1', creating: true },
    }),
    exitCode: 1,
    fragments: [`A database user named u1 already exists in project ${GROUP}: choose another username`],
  },
  {
    name: '409 elsewhere',
    error: api({ kind: 'conflict', status: 409, detail: 'Busy' }),
    exitCode: 1,
    fragments: [`Atlas answered HTTP 409 to GET ${PROJECT}: Busy`],
  },
  {
    name: '400 with Atlas detail',
    error: api({
      kind: 'bad-request',
      status: 400,
      errorCode: 'INVALID_ATTRIBUTE',
      detail: 'Invalid attribute description specified',
      method: 'POST',
      path: USERS,
    }),
    exitCode: 2,
    fragments: [`Atlas rejected POST ${USERS} as invalid: Invalid attribute description specified (Atlas error INVALID_ATTRIBUTE)`],
  },
  {
    name: '400 without detail',
    error: api({ kind: 'bad-request', status: 400 }),
    exitCode: 2,
    fragments: ['as invalid: no details given'],
  },
  {
    name: '400 expiry too far ahead',
    error: api({ kind: 'bad-request', status: 400, errorCode: 'EXPIRATION_DATE_EXCEEDS_MAX' }),
    exitCode: 2,
    fragments: ['more than 7 days ahead: choose a shorter TTL'],
  },
  {
    name: '400 expiry in the past',
    error: api({ kind: 'bad-request', status: 400, errorCode: 'EXPIRATION_DATE_IN_PAST' }),
    exitCode: 2,
    fragments: ["check this machine's clock"],
  },
  {
    name: '400 role on a wrong database',
    error: api({ kind: 'bad-request', status: 400, errorCode: 'ATLAS_INVALID_ROLE_DATABASE' }),
    exitCode: 2,
    fragments: ['fix the roles of the config'],
  },
  {
    name: '400 duplicate roles',
    error: api({ kind: 'bad-request', status: 400, errorCode: 'DUPLICATE_DATABASE_ROLES' }),
    exitCode: 2,
    fragments: ['remove the duplicate'],
  },
  {
    name: '400 custom role mixed',
    error: api({ kind: 'bad-request', status: 400, errorCode: 'ATLAS_INVALID_CUSTOM_ROLE_ASSIGNMENT' }),
    exitCode: 2,
    fragments: ['keep only the custom role'],
  },
  {
    name: '406 unknown version',
    error: api({ kind: 'version-rejected', status: 406 }),
    exitCode: 1,
    fragments: ['API version 2023-01-01', 'update dynsecret'],
  },
  {
    name: '429 after every retry',
    error: api({ kind: 'rate-limited', status: 429 }),
    exitCode: 6,
    fragments: [`rate-limiting requests to project ${GROUP}: wait a minute and try again`],
  },
  {
    name: '503 after every retry',
    error: api({ kind: 'server', status: 503, errorCode: 'SERVICE_UNAVAILABLE' }),
    exitCode: 6,
    fragments: ['HTTP 503', 'try again in a few minutes (Atlas error SERVICE_UNAVAILABLE)'],
  },
  {
    name: 'an unplanned status',
    error: api({ kind: 'unexpected-status', status: 402, detail: 'Pay first' }),
    exitCode: 1,
    fragments: [`Atlas answered HTTP 402 to GET ${PROJECT}: Pay first`],
  },

  // The token endpoint, in RFC 6749 form.
  {
    name: 'token: wrong client',
    error: token({ kind: 'unauthorized', status: 400, errorCode: 'invalid_client' }),
    exitCode: 4,
    fragments: ["The service account's client ID or secret is wrong", '(Atlas error invalid_client)'],
  },
  {
    name: 'token: refused',
    error: token({ kind: 'forbidden', status: 403, errorCode: 'access_denied' }),
    exitCode: 4,
    fragments: ['Atlas refused the service account a token', "allows this machine's IP address"],
  },
  {
    name: 'token: rate-limited',
    error: token({ kind: 'rate-limited', status: 429 }),
    exitCode: 6,
    fragments: ['rate-limiting token requests'],
  },
  {
    name: 'token: server',
    error: token({ kind: 'server', status: 500 }),
    exitCode: 6,
    fragments: ['HTTP 500 on POST /api/oauth/token: try again in a few minutes'],
  },
  {
    name: 'token: another answer',
    error: token({ kind: 'bad-request', status: 400, errorCode: 'invalid_grant', detail: 'nope' }),
    exitCode: 1,
    fragments: ['Atlas refused the token request with HTTP 400: nope (Atlas error invalid_grant)'],
  },

  // Answers dynsecret cannot use.
  {
    name: 'an unexpected response',
    error: new AtlasResponseError('unexpected-response', { method: 'GET', path: PROJECT, problem: 'the body is not JSON' }),
    exitCode: 1,
    fragments: [`Atlas sent an unexpected response to GET ${PROJECT}: the body is not JSON`],
  },
  {
    name: 'an unsupported digest challenge',
    error: new AtlasResponseError('unsupported-auth', { problem: 'algorithm SHA-512, qop auth' }),
    exitCode: 1,
    fragments: ['digest authentication dynsecret does not support (algorithm SHA-512, qop auth): report this'],
  },

  // The network.
  {
    name: 'TLS',
    error: network('tls', 'CERT_HAS_EXPIRED', 'certificate has expired'),
    exitCode: 1,
    fragments: [
      'Could not verify the TLS certificate of cloud.mongodb.com: certificate has expired (CERT_HAS_EXPIRED)',
      'pass --ca-file PATH or set NODE_EXTRA_CA_CERTS',
    ],
  },
  {
    name: 'timeout',
    error: network('timeout', 'TimeoutError', 'no complete answer within the request timeout'),
    exitCode: 6,
    fragments: [
      'No answer in time from cloud.mongodb.com (no complete answer within the request timeout): check the network and try again.',
    ],
  },
  {
    name: 'unreachable',
    error: network('unreachable', 'ECONNREFUSED', 'the connection was refused'),
    exitCode: 6,
    fragments: [
      'Could not reach cloud.mongodb.com: the connection was refused (ECONNREFUSED); check the network, the proxy settings and --base-url',
    ],
  },

  // Our own input, refused before anything was sent.
  {
    name: 'a wrong project ID',
    error: new AtlasInputError('project-id', 'the project ID ABC is not 24 lowercase hexadecimal characters'),
    exitCode: 2,
    fragments: ['The project ID ABC is not 24', ': check --group-id'],
  },
  {
    name: 'a base URL that is not one',
    error: new AtlasInputError('base-url-syntax', 'the Atlas base URL x is not a URL'),
    exitCode: 2,
    fragments: ['is not a URL: pass something like https://cloud.mongodb.com'],
  },
  {
    name: 'a base URL over http',
    error: new AtlasInputError('base-url-scheme', 'the Atlas base URL http://x must start with https://'),
    exitCode: 2,
    fragments: ['must start with https://'],
  },
  {
    name: 'an unreadable CA file',
    error: new AtlasInputError('ca-file-unreadable', 'could not read the CA file /x (ENOENT)'),
    exitCode: 2,
    fragments: ['Could not read the CA file /x (ENOENT): check --ca-file.'],
  },
  {
    name: 'a CA file without certificates',
    error: new AtlasInputError('ca-file-no-certificate', 'the CA file /x holds no PEM certificate'),
    exitCode: 2,
    fragments: ['holds no PEM certificate: pass a file with -----BEGIN CERTIFICATE----- blocks'],
  },
  {
    name: 'a proxy variable that is not a URL',
    error: new AtlasInputError('proxy-url', 'HTTPS_PROXY (or https_proxy) is not a URL'),
    exitCode: 2,
    fragments: ['is not a URL: set it like http://proxy.example.com:3128, or unset it'],
  },
  {
    name: 'a request that fails its schema',
    error: new AtlasInputError('request-body', 'invalid database user field password: too short'),
    exitCode: 2,
    fragments: ['Invalid database user field password: too short.'],
  },

  // dynsecret's own errors carry their words.
  {
    name: 'a usage error',
    error: new UsageError('Bad TTL.', { hint: 'use e.g. 1h' }),
    exitCode: 2,
    fragments: ['Bad TTL.'],
    hint: 'use e.g. 1h',
  },
  { name: 'a store error', error: new StoreError('Wrong passphrase.'), exitCode: 3, fragments: ['Wrong passphrase.'] },
  { name: 'a not-found error', error: new NotFoundError('No config named x.'), exitCode: 5, fragments: ['No config named x.'] },
  { name: 'a transient error', error: new TransientError('Timed out.'), exitCode: 6, fragments: ['Timed out.'] },
];

describe('error text: every error → a sentence, a hint and an exit code', () => {
  it.each(rows)('$name → exit $exitCode', (row) => {
    const text = describeError(row.error);

    expect(text.origin).toBe('expected');
    expect(text.exitCode).toBe(row.exitCode);
    for (const fragment of row.fragments) expect(text.message).toContain(fragment);
    if (row.hint === undefined) expect(text.hint).toBeUndefined();
    else expect(text.hint).toMatch(row.hint);
    // One line, one sentence: the printer adds the hint on its own line.
    expect(text.message).not.toMatch(/\n/);
    if (row.error instanceof AtlasApiError) expect(text.message.split(/\.\s/)).toHaveLength(1);
    expect(expectedError(row.error)).toEqual({ message: text.message, hint: text.hint, exitCode: text.exitCode });
  });

  it('ends an Atlas sentence with the error code Atlas gave, and only then', () => {
    expect(describeError(api({ kind: 'server', status: 500, errorCode: 'X_Y' })).message).toMatch(/ \(Atlas error X_Y\)\.$/);
    expect(describeError(api({ kind: 'server', status: 500 })).message).not.toContain('Atlas error');
  });

  it('gives no words of its own to an error it did not foresee, and keeps Ctrl-C and --help quiet', () => {
    expect(expectedError(new TypeError('boom'))).toBeUndefined();
    expect(describeError(new TypeError('boom'))).toEqual({
      message: 'unexpected error: boom',
      hint: 'Run again with --debug for details.',
      exitCode: 1,
      origin: 'unexpected',
    });
    expect(describeError('a string')).toMatchObject({ message: 'unexpected error: a string', exitCode: 1 });
    expect(describeError(new InterruptedError())).toMatchObject({ exitCode: 130, origin: 'quiet' });
    expect(describeError(new CommanderError(0, 'commander.helpDisplayed', '(outputHelp)'))).toMatchObject({ exitCode: 0, origin: 'quiet' });
    expect(describeError(new CommanderError(1, 'commander.unknownOption', "error: unknown option '--x'"))).toEqual({
      message: "unknown option '--x'",
      hint: 'See dynsecret --help, or dynsecret COMMAND --help.',
      exitCode: 2,
      origin: 'usage',
    });
  });

  it('records the exit code and, for an Atlas answer, its error code', () => {
    expect(failureCodes(api({ kind: 'not-found', status: 404, errorCode: 'GROUP_NOT_FOUND' }))).toEqual({
      exitCode: 5,
      errorCode: 'GROUP_NOT_FOUND',
    });
    expect(failureCodes(api({ kind: 'server', status: 500 }))).toEqual({ exitCode: 6 });
    expect(failureCodes(network('timeout', 'ETIMEDOUT', 'the connection timed out'))).toEqual({ exitCode: 6 });
    expect(failureCodes(new DynsecretError('x', 3))).toEqual({ exitCode: 3 });
    // Another error's `errorCode` property is not Atlas': it is not recorded as one.
    expect(failureCodes(Object.assign(new Error('x'), { errorCode: 'FAKE' }))).toEqual({ exitCode: 1 });
  });
});

describe('a TTL above the max TTL: the fix names where the limit is kept', () => {
  const error = new TtlAboveMaxError('TTL 9h is above the max TTL of this config (8 hours)', { ttl: '9h', maxTtl: '8h' });
  it.each([
    [{ kind: 'store' } as const, 'use --ttl 8h or less, or raise the limit: `dynsecret update NAME --max-ttl 9h`'],
    [{ kind: 'flags' } as const, 'use --ttl 8h or less, or raise the limit: `dynsecret update NAME --max-ttl 9h`'],
    [{ kind: 'file', path: 'app-db.json' } as const, 'use --ttl 8h or less, or raise the limit: set maxTtl in app-db.json to 9h'],
  ])('from %o', (source, hint) => {
    expect(describeError(error, source)).toEqual({
      message: 'TTL 9h is above the max TTL of this config (8 hours)',
      hint,
      exitCode: 2,
      origin: 'expected',
    });
  });
});

describe('src/atlas states facts only', () => {
  it('imports neither the exit codes nor the error words, and writes no dynsecret command into a text', async () => {
    const dir = join(import.meta.dirname, '../../../src/atlas');
    const files = (await readdir(dir)).filter((f) => f.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) {
      const text = await readFile(join(dir, file), 'utf8');
      expect(text, file).not.toMatch(/from '\.\.\/(errors|error-text)\.js'/);
      expect(text, file).not.toMatch(/ExitCode|exitCode/);
      expect(text.replace(/^\s*(\/\/|\*|\/\*\*).*$/gm, ''), file).not.toMatch(
        /[`'"][^`'"\n]*(dynsecret (revoke|list|lease)|check --|pass --)/,
      );
    }
  });
});
