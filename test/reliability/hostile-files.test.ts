import { execFileSync } from 'node:child_process';
import { lchownSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, usersOf, workspace, type Emulator, type Workspace } from '../helpers/emulator.js';
import { copyOf, type HostileCase, runHostile, throughTheBin } from './support/hostile.js';

/**
 * Hostile files and environment: `--from-file` documents with wrong types, huge values and prototype keys,
 * env files that are binary, loops or devices, and environment variables with broken keys, homes and
 * proxies. Each is refused with its documented exit code and one sentence, and the store keeps its contents.
 */

let em: Emulator;
let ws: Workspace;
beforeAll(async () => {
  em = await startEmulator(['--apply-delay', '0s', '--quiet']);
  ws = await workspace(em, [{ name: 'app' }]);
});

const GROUP = 'a'.repeat(24);
const valid = { name: 'from-file', groupId: GROUP, publicKey: 'abcdefgh', privateKey: 'private-key-value-0123', roles: ['read@app'] };
const fromFile = (name: string, content: string | Buffer | ((dir: string) => void), message?: RegExp): HostileCase => ({
  name: `--from-file ${name}`,
  code: 2,
  args: (dir) => ['create', 'from-file', '--from-file', join(dir, 'config.json'), '--no-verify'],
  files: (dir) => (typeof content === 'function' ? content(dir) : writeFileSync(join(dir, 'config.json'), content)),
  ...(message ? { message } : {}),
});
const withFields = (fields: Record<string, unknown>) => JSON.stringify({ ...valid, ...fields });

const fromFiles: HostileCase[] = [
  fromFile('with a number for the name', withFields({ name: 5 }), /name/),
  fromFile('with a string for the roles', withFields({ roles: 'read@app' }), /roles/),
  fromFile('with numbers for roles', withFields({ roles: [5, 6] }), /roles/),
  fromFile('with a number for the project', withFields({ groupId: 123 }), /groupId/),
  fromFile('with seconds for the TTL', withFields({ defaultTtl: 3600 }), /defaultTtl/),
  fromFile('with a boolean private key', withFields({ privateKey: true }), /privateKey/),
  fromFile('with 20 MB in one field', JSON.stringify({ ...valid, publicKey: 'x'.repeat(20_000_000) }), /1 MiB/),
  fromFile('with 5000 roles', withFields({ roles: Array.from({ length: 5000 }, (_, i) => `read@db${i}`) }), /roles/),
  fromFile('nested 100,000 deep', `${'['.repeat(100_000)}${']'.repeat(100_000)}`),
  fromFile('with __proto__ at the top', `{"__proto__": {"polluted": true}, ${withFields({}).slice(1)}`, /__proto__/),
  fromFile('with constructor.prototype', withFields({ constructor: { prototype: { polluted: true } } }), /constructor/),
  fromFile(
    'with __proto__ in a role',
    `{"name":"from-file","groupId":"${GROUP}","publicKey":"abcdefgh","privateKey":"private-key-value-0123","roles":[{"roleName":"read","databaseName":"app","__proto__":{"polluted":true}}]}`,
    /__proto__/,
  ),
  fromFile('with a role named __proto__', withFields({ roles: ['__proto__@app'] })),
  fromFile('that is an array', '[1, 2, 3]'),
  fromFile('that is null', 'null'),
  fromFile('that is a string', '"create everything"'),
  fromFile('that is binary', Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)), /not valid JSON/),
  fromFile('that starts with a UTF-16 byte order mark', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(withFields({}), 'utf16le')])),
  fromFile(
    'that is a symlink loop',
    (dir) => {
      symlinkSync(join(dir, 'loop'), join(dir, 'config.json'));
      symlinkSync(join(dir, 'config.json'), join(dir, 'loop'));
    },
    /ELOOP/,
  ),
  fromFile('that is a folder', (dir) => mkdirSync(join(dir, 'config.json')), /EISDIR/),
  fromFile('that links to /dev/zero', (dir) => symlinkSync('/dev/zero', join(dir, 'config.json')), /1 MiB/),
  fromFile('with an unknown field', withFields({ privateKeyy: 'typo' }), /unknown field/),
  fromFile('with a cloud metadata URL', withFields({ baseUrl: 'http://169.254.169.254' }), /--base-url/),
  fromFile('with a private key holding a newline', withFields({ privateKey: 'private\nkey-value' }), /private key/),
  fromFile('with a CA file that is not a certificate', withFields({ caFile: '/etc/hostname' }), /PEM/),
  fromFile('with a username template of 5000 characters', withFields({ usernameTemplate: `{random}${'x'.repeat(5000)}` })),
  fromFile('with a TTL of 1e309 hours', withFields({ defaultTtl: '1e309h' }), /default-ttl/),
];

const envFile = (name: string, make: (path: string) => void, message?: RegExp): HostileCase => ({
  name: `lease --env-file ${name}`,
  code: 2,
  args: (dir) => ['lease', 'app', '--env-file', join(dir, 'app.env')],
  files: (dir) => make(join(dir, 'app.env')),
  // The lease is made, the file refuses it, the user is revoked again: the store is rewritten, not changed.
  rewrites: true,
  ...(message ? { message } : {}),
});

const envFiles: HostileCase[] = [
  envFile('with NUL bytes', (path) => writeFileSync(path, 'KEEP=1\n\0\0\0binary\n'), /NUL/),
  envFile('that is not UTF-8', (path) => writeFileSync(path, Buffer.from([0x4b, 0x3d, 0xc3, 0x28, 0x0a])), /UTF-8/),
  envFile(
    'that is a symlink loop',
    (path) => {
      symlinkSync(`${path}.other`, path);
      symlinkSync(path, `${path}.other`);
    },
    /loop/,
  ),
  envFile('that is a folder', (path) => mkdirSync(path), /not a regular file/),
  envFile('that is a named pipe', (path) => execFileSync('mkfifo', [path]), /not a regular file/),
  envFile('that links to /dev/null', (path) => symlinkSync('/dev/null', path), /not a regular file/),
  envFile('that links to /dev/zero', (path) => symlinkSync('/dev/zero', path), /not a regular file/),
  envFile('in a folder that does not exist', (path) => symlinkSync(join(path, '..', 'missing', 'x.env'), path), /does not exist/),
  // Only root can hand a file to another user (CI runs as root); the cases exist only then.
  ...(process.getuid?.() === 0
    ? [
        envFile(
          'that is a symlink of another user',
          (path) => {
            writeFileSync(`${path}.victim`, 'KEEP=1\n');
            symlinkSync(`${path}.victim`, path);
            lchownSync(path, 65534, 65534);
          },
          /symlink .* is owned by another user \(uid 65534\)/,
        ),
        envFile(
          'that is a file of another user',
          (path) => {
            writeFileSync(path, 'KEEP=1\n');
            lchownSync(path, 65534, 65534);
          },
          /is owned by another user \(uid 65534\)/,
        ),
      ]
    : []),
];

const environment = (
  name: string,
  code: number,
  args: string[],
  env: (dir: string) => Record<string, string>,
  extra: Partial<HostileCase> = {},
): HostileCase => ({
  name,
  code,
  args: () => args,
  env,
  ...extra,
});
const createArgs = ['create', 'env-config', '--group-id', GROUP, '--role', 'read@app', '--no-verify'];
const apiKey = { MONGODB_ATLAS_PUBLIC_API_KEY: 'abcdefgh', MONGODB_ATLAS_PRIVATE_API_KEY: 'private-key-value-0123' };

const environments: HostileCase[] = [
  environment('DYNSECRET_SESSION that is not a session key', 3, ['list'], () => ({ DYNSECRET_SESSION: 'not-a-key' }), {
    message: /DYNSECRET_SESSION/,
  }),
  environment(
    'DYNSECRET_SESSION of another store',
    3,
    ['list', 'app'],
    () => ({ DYNSECRET_SESSION: `ds1_${Buffer.alloc(32, 7).toString('base64url')}` }),
    { message: /does not open this store/ },
  ),
  environment('DYNSECRET_SESSION with an escape sequence', 3, ['list'], () => ({ DYNSECRET_SESSION: 'ds1_\u001b]0;owned\u0007' })),
  environment('no key at all', 3, ['list'], () => ({ DYNSECRET_SESSION: '' }), { message: /locked/ }),
  environment('a wrong DYNSECRET_PASSPHRASE', 3, ['list'], () => ({ DYNSECRET_SESSION: '', DYNSECRET_PASSPHRASE: 'not the passphrase' }), {
    message: /Wrong passphrase/,
  }),
  // 100 kB: a single environment string may not exceed 128 kB on Linux.
  environment('a 100 kB DYNSECRET_PASSPHRASE', 3, ['list'], () => ({ DYNSECRET_SESSION: '', DYNSECRET_PASSPHRASE: 'p'.repeat(100_000) }), {
    message: /Wrong passphrase/,
  }),
  environment(
    'DYNSECRET_HOME that is a file',
    3,
    ['list'],
    (dir) => {
      writeFileSync(join(dir, 'file'), 'x');
      return { DYNSECRET_HOME: join(dir, 'file') };
    },
    { message: /ENOTDIR/ },
  ),
  environment(
    'DYNSECRET_HOME that is a symlink loop',
    3,
    ['list'],
    (dir) => {
      symlinkSync(join(dir, 'b'), join(dir, 'a'));
      symlinkSync(join(dir, 'a'), join(dir, 'b'));
      return { DYNSECRET_HOME: join(dir, 'a') };
    },
    { message: /ELOOP/ },
  ),
  environment('HTTPS_PROXY that is not a URL', 2, ['lease', 'app'], () => ({ HTTPS_PROXY: 'http://[::1', HTTP_PROXY: 'http://[::1' }), {
    message: /PROXY/,
    rewrites: true,
  }),
  environment(
    'MONGODB_ATLAS_PUBLIC_API_KEY with a newline',
    2,
    createArgs,
    () => ({ ...apiKey, MONGODB_ATLAS_PUBLIC_API_KEY: 'abc\ndef' }),
    { message: /--public-key/ },
  ),
  environment(
    'MONGODB_ATLAS_PRIVATE_API_KEY with a space',
    2,
    createArgs,
    () => ({ ...apiKey, MONGODB_ATLAS_PRIVATE_API_KEY: 'private key' }),
    { message: /private key/ },
  ),
  environment('MONGODB_ATLAS_BASE_URL on ftp', 2, createArgs, () => ({ ...apiKey, MONGODB_ATLAS_BASE_URL: 'ftp://cloud.mongodb.com' }), {
    message: /--base-url/,
  }),
  environment(
    'MONGODB_ATLAS_BASE_URL with a password in it',
    2,
    createArgs,
    () => ({ ...apiKey, MONGODB_ATLAS_BASE_URL: 'https://admin:hunter2-secret@cloud.mongodb.com' }),
    { message: /\*\*\*@/ },
  ),
  environment(
    'both an API key and a service account',
    2,
    createArgs,
    () => ({ ...apiKey, MONGODB_ATLAS_CLIENT_ID: 'mdb_sa_id_x', MONGODB_ATLAS_CLIENT_SECRET: 'secret-value-0123' }),
    { message: /not both/ },
  ),
];

describe.concurrent('hostile files and environment', () => {
  it.each(fromFiles.map((c) => ({ ...c, label: c.name })))('$label', async (hostile) => {
    await runHostile(ws, hostile, 'files');
  });

  it.each(envFiles.map((c) => ({ ...c, label: c.name })))('$label', async (hostile) => {
    const result = await runHostile(ws, hostile, 'files');
    const leased = /Leased (\S+)/.exec(result.stderr)?.[1];
    if (leased !== undefined) expect((await usersOf(em, 'app')).map((u) => u.username)).not.toContain(leased);
  });

  it.each(environments.map((c) => ({ ...c, label: c.name })))('$label', async (hostile) => {
    const result = await runHostile(ws, hostile, 'environment');
    expect(result.stderr).not.toContain('hunter2');
  });

  it.each(throughTheBin([...fromFiles, ...envFiles, ...environments], 8).map((c) => ({ ...c, label: c.name })))(
    '$label, through the bin',
    async (hostile) => {
      const result = await runHostile(ws, hostile, undefined, 'bin');
      expect(result.stderr).not.toContain('hunter2');
    },
  );

  it('an audit log that cannot be written: the lease is still delivered, with a warning', async () => {
    const copy = copyOf(ws);
    const result = await copy.run(['lease', 'app', '--format', 'json'], { env: { DYNSECRET_AUDIT_LOG: copy.home } });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toHaveProperty('password');
    expect(result.stderr).toMatch(/warning: could not append to the audit log .* \(EISDIR\)/);
  });
});

describe('prototype pollution', () => {
  it('a --from-file with __proto__ keys pollutes nothing (the refusal is checked above; this checks the parser)', async () => {
    const { draftFromFile } = await import('../../src/config/draft.js');
    expect(() => draftFromFile('{"__proto__": {"polluted": true}, "name": "x"}', 'config.json')).toThrow(/__proto__/);
    expect(() =>
      draftFromFile('{"roles": [{"roleName": "read", "databaseName": "app", "__proto__": {"polluted": true}}]}', 'c.json'),
    ).toThrow(/__proto__/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
