import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, it } from 'vitest';
import { mustSucceed, parseLease, startEmulator, workspace, type Emulator, type Workspace } from '../helpers/emulator.js';
import { STRESS } from './support/counts.js';
import { type HostileCase, runHostile, throughTheBin } from './support/hostile.js';

/**
 * Hostile argv: every command and flag given values a careless script or an attacker could pass. Each must
 * be refused with its documented exit code and one sentence, print nothing on stdout and leave the store
 * byte for byte as it was.
 */

let em: Emulator;
let ws: Workspace;
let leaseId = '';
beforeAll(async () => {
  em = await startEmulator(['--apply-delay', '0s', '--quiet']);
  ws = await workspace(em, [{ name: 'app', flags: ['--role', 'readWrite@app', '--scope', 'Cluster0', '--max-ttl', '24h'] }]);
  leaseId = parseLease((await mustSucceed(ws.run(['lease', 'app', '--format', 'json']))).stdout).leaseId;
});

const USAGE = 2;
/** The stress run repeats each family of values on every command; `npm test` on the first few. */
const some = <T>(values: readonly T[], count: number): readonly T[] => (STRESS ? values : values.slice(0, count));
const NOT_FOUND = 5;
const simple = (name: string, code: number, args: string[], message?: RegExp): HostileCase => ({
  name,
  code,
  args: () => args,
  ...(message ? { message } : {}),
});

// Most telling first: `npm test` takes the head of each list, the stress run all of it.
const durations: [string, string][] = [
  ['zero', '0'],
  ['a bare number', '15'],
  ['above the max TTL', '2d'],
  ['above 7 days', '8d'],
  ['a capital M', '1M'],
  ['nine quadrillion days', '9999999999999999d'],
  ['a negative', '-1h'],
  ['Arabic-Indic digits', '١h'],
  ['an exponent', '1e3s'],
  ['the empty string', ''],
  ['leading whitespace', ' 1h'],
  ['a fraction', '1.5h'],
  ['a trailing number', '1h30'],
  ['years', '1y'],
  ['zero hours', '0h'],
  ['a full-width unit', '1ｈ'],
  ['ISO 8601', 'P1D'],
  ['a space inside', '1h 30m'],
  ['a sign inside', '1h-30m'],
  ['more seconds than a double holds', `${'9'.repeat(400)}s`],
];

/** Durations no command can read (the rest are well-formed and only outside a limit). */
const malformed = durations.filter(([what]) => !what.startsWith('above'));

const names: [string, string][] = [
  ['path traversal', '../../etc/passwd'],
  ['an escape sequence', 'app\u001b]0;owned\u0007'],
  ['a newline', 'app\nexport X=1'],
  ['command substitution', '$(touch /tmp/dynsecret-pwned)'],
  ['a right-to-left override', 'app\u202egnp.exe'],
  ['non-Latin letters', '名前'],
  ['__proto__', '__proto__'],
  ['ten thousand characters', 'a'.repeat(10_000)],
  ['an absolute path', '/etc/passwd'],
  ['backticks', '`id`'],
  ['a semicolon', 'app;rm -rf ~'],
  ['a pipe', 'app|cat'],
  ['an emoji', 'app🔥'],
  ['constructor', 'constructor'],
  ['a bell', 'app\u0007'],
  ['only spaces', '   '],
];

const createWith = (extra: string[]): string[] => [
  'create',
  'new-config',
  '--group-id',
  'a'.repeat(24),
  '--public-key',
  'abcdefgh',
  '--private-key-stdin',
  '--no-verify',
  ...extra,
];
const create = (name: string, extra: string[], message?: RegExp, files?: (dir: string) => void): HostileCase => ({
  name: `create ${name}`,
  code: USAGE,
  args: (dir) => createWith(extra.map((a) => a.replaceAll('$DIR', dir))),
  input: 'private-key-value-0123',
  ...(message ? { message } : {}),
  ...(files ? { files } : {}),
});

const createNamed = (what: string, name: string): HostileCase => ({
  name: `create ${what}`,
  code: USAGE,
  args: () => ['create', name, ...createWith(['--role', 'read@app']).slice(2)],
  input: 'private-key-value-0123',
  message: /config name/,
});

const cases: HostileCase[] = [
  simple('an unknown option', USAGE, ['--bogus']),
  simple('an unknown command', USAGE, ['nope']),
  simple('lease without a name', USAGE, ['lease']),
  simple('lease with two names', USAGE, ['lease', 'app', 'extra']),
  simple('--ttl without a value', USAGE, ['lease', 'app', '--ttl']),
  simple('an option where the name goes', USAGE, ['lease', '-rf']),
  ...some(durations, 10).map(([what, value]) => simple(`lease --ttl ${what}`, USAGE, ['lease', 'app', '--ttl', value], /TTL|ttl/)),
  // A negative value reads as an unknown option: still exit 2, in commander's words.
  ...some(malformed, 2).map(([what, value]) => simple(`lease --wait ${what}`, USAGE, ['lease', 'app', '--wait', value])),
  ...some(malformed, 2).map(([what, value]) =>
    simple(`renew --ttl ${what}`, USAGE, ['renew', 'ds-app-000000000000', '--ttl', value], /--ttl/),
  ),
  ...some(durations, 2).map(([what, value]) => create(`--default-ttl ${what}`, ['--role', 'read@app', '--default-ttl', value], /ttl/i)),
  create('--max-ttl below the default TTL', ['--role', 'read@app', '--default-ttl', '2h', '--max-ttl', '1h']),
  create('--default-ttl under a minute', ['--role', 'read@app', '--default-ttl', '30s']),
  simple('lease --format xml', USAGE, ['lease', 'app', '--format', 'xml'], /--format/),
  simple('lease --format with an escape sequence', USAGE, ['lease', 'app', '--format', 'json\u001b[2J'], /--format/),
  ...['1BAD', 'A B', '$(id)', 'APP-', 'A\u001b[31m', 'ÄPP_'].map((prefix) =>
    simple(`lease --prefix ${JSON.stringify(prefix)}`, USAGE, ['lease', 'app', '--prefix', prefix], /variable name/),
  ),
  simple('revoke --prefix with a shell metacharacter', USAGE, ['revoke', 'ds-app-000000000000', '--prefix', 'A;B'], /variable name/),
  ...some(names, 8).map(([what, name]) => simple(`lease of a config named with ${what}`, NOT_FOUND, ['lease', name], /No config named/)),
  // `__proto__` and `constructor` are valid config names (and harmless: the store keeps configs in arrays).
  ...some(
    names.filter(([, name]) => !/^[A-Za-z0-9._-]{1,64}$/.test(name)),
    4,
  ).map(([what, name]) => createNamed(`a config named with ${what}`, name)),
  createNamed('a config name of 65 characters', 'a'.repeat(65)),
  createNamed('an empty config name', ''),
  ...some(names, 2).map(([what, name]) => simple(`renew of a lease id with ${what}`, NOT_FOUND, ['renew', name], /No lease/)),
  ...some(names, 2).map(([what, name]) => simple(`revoke of a lease id with ${what}`, NOT_FOUND, ['revoke', name], /No lease/)),
  simple('lease --cluster with path traversal', NOT_FOUND, ['lease', 'app', '--cluster', '../../x'], /No cluster named/),
  simple('renew --config of an unknown config', NOT_FOUND, ['renew', 'ds-app-000000000000', '--config', '../x'], /No config named/),
  { name: 'renew of a live lease beyond 7 days', code: USAGE, args: () => ['renew', leaseId, '--ttl', '8d'], message: /7 days/ },
  simple(
    'lease --ttl under a minute',
    USAGE,
    ['lease', 'app', '--ttl', '30s'],
    /^dynsecret: --ttl 30s is below the minimum of 1 minute; use --ttl 1m or more$/,
  ),
  simple('run --ttl under a minute', USAGE, ['run', 'app', '--ttl', '59s', '--', 'true'], /below the minimum of 1 minute/),
  {
    name: 'renew of a live lease under a minute',
    code: USAGE,
    args: () => ['renew', leaseId, '--ttl', '10s'],
    message: /below the minimum of 1 minute/,
  },
  {
    name: 'renew of a live lease under another config',
    code: NOT_FOUND,
    args: () => ['renew', leaseId, '--config', 'other'],
    message: /belongs to config app/,
  },
  {
    name: 'revoke of a live lease with a bad --prefix',
    code: USAGE,
    args: (dir) => ['revoke', leaseId, '--env-file', `${dir}/app.env`, '--prefix', '1X'],
  },
  simple('revoke with nothing named', USAGE, ['revoke']),
  simple('revoke --all without --config', USAGE, ['revoke', '--all', '--yes']),
  simple('revoke --all without --yes and no terminal', USAGE, ['revoke', '--all', '--config', 'app']),
  simple('revoke of ids and --expired together', USAGE, ['revoke', 'ds-app-000000000000', '--expired']),
  simple('list --remote without a config', USAGE, ['list', '--remote']),
  simple('list of an unknown config', NOT_FOUND, ['list', '$(id)']),
  simple('delete without --yes and no terminal', USAGE, ['delete', 'app']),
  simple('delete of an unknown config', NOT_FOUND, ['delete', '../app', '--yes']),
  simple('run without a command', USAGE, ['run', 'app']),
  simple('run of an unknown config', NOT_FOUND, ['run', '$(id)', '--', 'true']),
  simple('unlock with an argument', USAGE, ['unlock', 'now']),
  create('--group-id that is not hex', ['--role', 'read@app', '--group-id', 'zz'.repeat(12)], /--group-id/),
  create('--group-id in upper case', ['--role', 'read@app', '--group-id', 'A'.repeat(24)], /--group-id/),
  create('--group-id with path traversal', ['--role', 'read@app', '--group-id', '../../../../etc/passwd'], /--group-id/),
  create('no role', []),
  ...['bad', 'read@', '@app', 'atlasAdmin@app', 'readWrite@app/x', 'read@app$', 'dbAdmin@app.orders', 'read@' + 'd'.repeat(65)].map(
    (role) => create(`--role ${JSON.stringify(role)}`, ['--role', role]),
  ),
  create('a custom role beside another role', ['--role', 'myRole@admin', '--role', 'read@app']),
  create('the same role twice', ['--role', 'read@app', '--role', 'read@app']),
  ...['-bad', 'x:WRONG', 'a b', 'x:cluster:extra', '../x'].map((scope) =>
    create(`--scope ${JSON.stringify(scope)}`, ['--role', 'read@app', '--scope', scope]),
  ),
  ...[
    'ftp://cloud.mongodb.com',
    'http://example.com',
    'https://cloud.mongodb.com/api',
    'not a url',
    'https://user:pass@cloud.mongodb.com',
    'javascript:alert(1)',
    'http://127.attacker.example',
    'http://127.0.0.1.nip.io',
    'http://localhost.evil',
    'http://[::ffff:127.0.0.1]',
  ].map((url) => create(`--base-url ${url}`, ['--role', 'read@app', '--base-url', url], /--base-url/)),
  create('--ca-file that does not exist', ['--role', 'read@app', '--ca-file', '$DIR/missing.pem']),
  create('--ca-file that is a folder', ['--role', 'read@app', '--ca-file', '$DIR'], undefined),
  create('--ca-file that never ends (/dev/zero)', ['--role', 'read@app', '--ca-file', '/dev/zero']),
  create('--ca-file without a certificate', ['--role', 'read@app', '--ca-file', '$DIR/not.pem'], /PEM/, (dir) =>
    writeFileSync(join(dir, 'not.pem'), 'hello'),
  ),
  ...['{config}', '{random}$(id)', '{nope}{random}', '../{random}', '{random}'.repeat(20)].map((template) =>
    create(`--username-template ${JSON.stringify(template)}`, ['--role', 'read@app', '--username-template', template]),
  ),
  simple('--private-key as a flag value', USAGE, [
    'create',
    'x',
    '--group-id',
    'a'.repeat(24),
    '--public-key',
    'abcdefgh',
    '--private-key',
    'secret-value',
    '--role',
    'read@app',
  ]),
  { ...create('an empty private key on stdin', ['--role', 'read@app']), input: '' },
  create('both secrets from stdin', ['--role', 'read@app', '--client-secret-stdin']),
  create('an API key and a service account', ['--role', 'read@app', '--client-id', 'mdb_sa_id_x']),
  create('--from-file in a folder that does not exist', ['--from-file', '$DIR/none/config.json']),
  { ...create('--from-file that is a folder', ['--from-file', '$DIR/sub']), files: (dir) => mkdirSync(join(dir, 'sub')) },
];

const labelled = cases.map((c) => ({ ...c, label: `${c.name} → exit ${c.code}` }));

describe.concurrent('hostile argv', () => {
  it.each(labelled)('$label', async (hostile) => {
    await runHostile(ws, hostile, 'argv');
  });
});

describe.concurrent('hostile argv, through the bin', () => {
  it.each(throughTheBin(labelled, 12))('$label', async (hostile) => {
    await runHostile(ws, hostile, undefined, 'bin');
  });
});
