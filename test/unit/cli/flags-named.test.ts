import type { Program } from '../../../src/commands/define.js';
import { describe, expect, it } from 'vitest';
import { AtlasApiError, AtlasInputError, AtlasNetworkError, AtlasResponseError } from '../../../src/atlas/error-types.js';
import type { AtlasApiErrorKind, AuthKind } from '../../../src/atlas/error-types.js';
import { buildProgram, configSource } from '../../../src/cli.js';
import { describeError } from '../../../src/cli/error-text.js';
import { buildConfig, fileNames, FLAG_NAMES, type ConfigDraft, type DraftNames } from '../../../src/config/draft.js';
import { revokeCommandLine } from '../../../src/output/lease-messages.js';
import { leaseExpiry } from '../../../src/rules/ttl.js';

/**
 * Every hint and every error names what exists where it is printed: each `--flag` a message names is an
 * option of the command that printed it (or of the command a quoted `dynsecret COMMAND …` names), in both
 * modes: with a config from the store (or, for create and update, from flags) and with `--from-file PATH`.
 * The commands and their options are read from the program `buildProgram` builds.
 */

const FILE = 'ci/app-db.json';
const program = await buildProgram(async () => undefined);
const GLOBAL = program.options.map((o) => o.long).filter((l): l is string => l !== undefined);
const commands = new Map(program.commands.map((c) => [c.name(), c]));
const optionsOf = (command: Program) => new Set([...GLOBAL, '--help', ...command.options.map((o) => o.long ?? '')]);

/** The flags a text names, each with the command it belongs to: a quoted `dynsecret X …` is X's. */
function namedFlags(text: string, printedBy: string): [flag: string, command: string][] {
  const found: [string, string][] = [];
  const outside = text.replace(/`dynsecret ([a-z]+)([^`]*)`/g, (_all, command: string, rest: string) => {
    for (const flag of rest.match(/--[a-z][a-z-]*/g) ?? []) found.push([flag, command]);
    return '';
  });
  for (const flag of outside.match(/--[a-z][a-z-]*/g) ?? []) found.push([flag, printedBy]);
  return found;
}

// Every error the Atlas client can throw, with the words and the advice each gets.
const subject = (authKind: AuthKind) => ({
  groupId: 'b0123456789abcdef012345b',
  authKind,
  username: 'ds-app-db-0123',
  cluster: 'Cluster0',
});
const api = (
  kind: AtlasApiErrorKind,
  status: number,
  errorCode?: string,
  extra: Partial<{ tokenEndpoint: boolean; authKind: AuthKind; creating: boolean }> = {},
) =>
  new AtlasApiError({
    kind,
    status,
    errorCode,
    method: 'GET',
    path: '/api/atlas/v2/groups/b0123456789abcdef012345b/databaseUsers',
    subject: { ...subject(extra.authKind ?? 'apiKey'), creating: extra.creating },
    tokenEndpoint: extra.tokenEndpoint,
  });
const ATLAS_ERRORS: [string, unknown][] = [
  ...(['apiKey', 'serviceAccount'] as const).map((k): [string, unknown] => [
    `401 (${k})`,
    api('unauthorized', 401, 'UNAUTHORIZED', { authKind: k }),
  ]),
  ['403 access list', api('forbidden', 403, 'IP_ADDRESS_NOT_ON_ACCESS_LIST')],
  ['403 user limit', api('forbidden', 403, 'GROUP_USERS_LIMIT_EXCEEDED')],
  ['403 permission', api('forbidden', 403, 'USER_UNAUTHORIZED')],
  ['404 project', api('not-found', 404, 'GROUP_NOT_FOUND')],
  ['404 user', api('not-found', 404, 'USERNAME_NOT_FOUND')],
  ['404 cluster', api('not-found', 404, 'CLUSTER_NOT_FOUND')],
  ['404 other', api('not-found', 404, undefined)],
  ['409 username', api('conflict', 409, 'USER_ALREADY_EXISTS', { creating: true })],
  ['400 known', api('bad-request', 400, 'EXPIRATION_DATE_EXCEEDS_MAX')],
  ['400 other', api('bad-request', 400, 'INVALID_ATTRIBUTE')],
  ['406', api('version-rejected', 406, 'INVALID_VERSION')],
  ['429', api('rate-limited', 429, 'RATE_LIMITED')],
  ['5xx', api('server', 503, 'SERVICE_UNAVAILABLE')],
  ['other status', api('unexpected-status', 418, undefined)],
  ...(['unauthorized', 'forbidden', 'rate-limited', 'server', 'bad-request'] as const).map((kind): [string, unknown] => [
    `token endpoint ${kind}`,
    api(kind, 400, 'invalid_client', { tokenEndpoint: true, authKind: 'serviceAccount' }),
  ]),
  ['unexpected response', new AtlasResponseError('unexpected-response', { method: 'GET', path: '/x', problem: 'not JSON' })],
  ['unsupported auth', new AtlasResponseError('unsupported-auth', { problem: 'algorithm SHA-512' })],
  ...(['tls', 'timeout', 'unreachable'] as const).map((kind): [string, unknown] => [
    `network ${kind}`,
    new AtlasNetworkError(kind, { code: 'ECODE', host: 'cloud.mongodb.com', reason: 'a reason', cause: undefined }),
  ]),
  ...(
    [
      'project-id',
      'base-url-syntax',
      'base-url-scheme',
      'ca-file-unreadable',
      'ca-file-no-certificate',
      'proxy-url',
      'request-body',
    ] as const
  ).map((rule): [string, unknown] => [`input ${rule}`, new AtlasInputError(rule, `the problem with ${rule}`)]),
];

// Every refusal of a config's rules (what `create`, `update` and every `--from-file` command check).
const GOOD: ConfigDraft = {
  name: 'app-db',
  groupId: 'b0123456789abcdef012345b',
  publicKey: 'abcdefgh',
  privateKey: 'secret-1',
  roles: ['read@app'],
};
const CONFIG_DRAFTS: [string, ConfigDraft][] = [
  ['no name', { ...GOOD, name: undefined }],
  ['no project', { ...GOOD, groupId: undefined }],
  ['a bad project ID', { ...GOOD, groupId: 'zz' }],
  ['a bad base URL', { ...GOOD, baseUrl: 'http://example.com' }],
  ['a base URL that is no URL', { ...GOOD, baseUrl: 'not a url' }],
  ['a base URL with a path', { ...GOOD, baseUrl: 'https://cloud.mongodb.com/api' }],
  ['no credentials', { ...GOOD, publicKey: undefined, privateKey: undefined }],
  ['no public key', { ...GOOD, publicKey: undefined }],
  ['no private key', { ...GOOD, privateKey: undefined }],
  ['both kinds of credentials', { ...GOOD, clientId: 'mdb_sa_id' }],
  ['no client ID', { ...GOOD, publicKey: undefined, privateKey: undefined, clientSecret: 'x' }],
  ['no client secret', { ...GOOD, publicKey: undefined, privateKey: undefined, clientId: 'mdb_sa_id' }],
  ['a bad public key', { ...GOOD, publicKey: 'a b' }],
  ['a bad client ID', { ...GOOD, publicKey: undefined, privateKey: undefined, clientId: 'a b', clientSecret: 'x' }],
  ['a bad default TTL', { ...GOOD, defaultTtl: '15' }],
  ['a bad max TTL', { ...GOOD, maxTtl: 'soon' }],
  ['a default TTL above the max', { ...GOOD, defaultTtl: '2h', maxTtl: '1h' }],
  ['no role', { ...GOOD, roles: [] }],
  ['a role without a database', { ...GOOD, roles: ['read'] }],
  ['a role Atlas refuses', { ...GOOD, roles: ['atlasAdmin@app'] }],
  ['a bad scope name', { ...GOOD, scopes: ['-x'] }],
  ['a bad scope type', { ...GOOD, scopes: ['x:WRONG'] }],
];
const configError = (draft: ConfigDraft, names: DraftNames): unknown => {
  try {
    buildConfig(draft, new Date(), names);
  } catch (error) {
    return error;
  }
  throw new Error('expected a refusal');
};

const TTLS: [string, number][] = [
  ['a TTL under a minute', 30_000],
  ['a TTL above the max TTL', 9 * 3_600_000],
  ["a TTL above Atlas' 7 days", 8 * 86_400_000],
];
const ttlError = (ttlMs: number): unknown => {
  try {
    leaseExpiry({ now: new Date(), ttlMs, defaultTtlMs: 3_600_000, maxTtlMs: 8 * 3_600_000 });
  } catch (error) {
    return error;
  }
  throw new Error('expected a refusal');
};

interface Case {
  command: string;
  mode: 'store' | 'from-file';
  error: string;
  text: string;
}

/** Each command, in each mode it has, with every error it can print. */
const cases: Case[] = [];
for (const [name, command] of commands) {
  const fromFile = command.options.some((o) => o.long === '--from-file');
  const modes: Case['mode'][] = fromFile ? ['store', 'from-file'] : ['store'];
  for (const mode of modes) {
    if (mode === 'from-file') command.setOptionValue('fromFile', FILE);
    else command.setOptionValue('fromFile', undefined);
    const source = configSource(command);
    const words = (error: unknown) => {
      const text = describeError(error, source);
      return `${text.message}\n${text.hint ?? ''}`;
    };
    for (const [what, error] of ATLAS_ERRORS) cases.push({ command: name, mode, error: what, text: words(error) });
    // The config's rules: by flags in create and update, by the file's fields with --from-file.
    const names = mode === 'from-file' ? fileNames(FILE, GOOD) : name === 'create' || name === 'update' ? FLAG_NAMES : undefined;
    // (update keeps the saved project: it cannot be missing or malformed there.)
    const drafts = name === 'update' && mode === 'store' ? CONFIG_DRAFTS.filter(([, d]) => d.groupId === GOOD.groupId) : CONFIG_DRAFTS;
    if (names) for (const [what, draft] of drafts) cases.push({ command: name, mode, error: what, text: words(configError(draft, names)) });
    // A lease's TTL against its config's limits, for the commands that take one.
    if (command.options.some((o) => o.long === '--ttl')) {
      for (const [what, ttlMs] of TTLS) cases.push({ command: name, mode, error: what, text: words(ttlError(ttlMs)) });
    }
    // A lease nobody received, whose revoke failed: the command that retries it.
    const fromFile = mode === 'from-file' ? FILE : undefined;
    cases.push({ command: name, mode, error: 'revoke retry', text: `revoke it with \`${revokeCommandLine('ds-app-db-0123', fromFile)}\`` });
  }
  command.setOptionValue('fromFile', undefined);
}

describe('every flag an error or hint names exists on the command that prints it', () => {
  it('covers every command, in both modes where it has them', () => {
    expect(new Set(cases.map((c) => c.command))).toEqual(new Set(commands.keys()));
    expect(cases.filter((c) => c.mode === 'from-file').map((c) => c.command)).toEqual(
      expect.arrayContaining(['lease', 'run', 'renew', 'revoke', 'list']),
    );
  });

  it.each(cases)('$command ($mode): $error', ({ command, text }) => {
    for (const [flag, owner] of namedFlags(text, command)) {
      const ownerCommand = commands.get(owner);
      expect(ownerCommand, `${text}\nnames the command ${owner}`).toBeDefined();
      expect([...optionsOf(ownerCommand!)], `${text}\nnames ${flag}, which ${owner} does not have`).toContain(flag);
    }
  });

  it('names the file and its fields with --from-file', () => {
    const lease = cases.filter((c) => c.command === 'lease' && c.mode === 'from-file');
    expect(lease.find((c) => c.error === 'a bad project ID')?.text).toMatch(/^Invalid groupId in ci\/app-db\.json "zz"/);
    expect(lease.find((c) => c.error === 'no private key')?.text).toMatch(/MONGODB_ATLAS_PRIVATE_API_KEY/);
    expect(lease.find((c) => c.error === 'network unreachable')?.text).toMatch(/MONGODB_ATLAS_BASE_URL or baseUrl in ci\/app-db\.json/);
    expect(lease.find((c) => c.error === 'a TTL above the max TTL')?.text).toMatch(
      /raise the limit: set maxTtl in ci\/app-db\.json to 9h$/,
    );
    expect(lease.find((c) => c.error === 'revoke retry')?.text).toBe(
      'revoke it with `dynsecret revoke ds-app-db-0123 --from-file ci/app-db.json`',
    );
  });
});
