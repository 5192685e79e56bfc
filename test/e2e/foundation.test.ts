import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DYNSECRET, dynsecret, PASSPHRASE, tempHome } from '../helpers/bin.js';
import { cli } from '../helpers/cli.js';
import { emptyStore } from '../helpers/emulator.js';

const GROUP = '5f1d2c3b4a5968778695a4b3';
const PRIVATE_KEY = '0b5f3c3e-6a0e-4c1e-9f57-PRIVATE-0001';

const createArgs = (name: string, extra: string[] = []) => [
  'create',
  name,
  '--group-id',
  GROUP,
  '--public-key',
  'abcdefgh',
  '--private-key-stdin',
  '--role',
  'readWrite@app',
  '--scope',
  'Cluster0',
  '--default-ttl',
  '30m',
  '--max-ttl',
  '2h',
  '--no-verify',
  ...extra,
];

/**
 * A store with one config, opened with a session key as a user's shell after `eval "$(dynsecret unlock)"`
 * does: a copy of the run's empty template (made with PASSPHRASE, which still opens it, as `withPassphrase`),
 * so only the test about a new store pays for deriving a key.
 */
async function storeWithConfig() {
  const { home, env } = emptyStore();
  const result = await cli(createArgs('app-db'), { env, input: PRIVATE_KEY });
  expect(result.stderr).toContain('Created config app-db');
  expect(result.code).toBe(0);
  return { home, env, withPassphrase: { DYNSECRET_HOME: home, DYNSECRET_PASSPHRASE: PASSPHRASE } };
}

/**
 * The built bin where the process is the point (the version's fast path, the shebang, a closed pipe) and for one
 * success and one failure of each command; the rest runs in this process (helpers/cli.ts), on the same runCli.
 */
describe('dynsecret (built bin)', () => {
  it('prints its version', async () => {
    const result = await dynsecret(['--version']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });

  it('is not confused by Node taking --env-file for itself (run through the shebang, as an installed bin is)', async () => {
    const { execFile } = await import('node:child_process');
    const missing = join(tempHome(), 'not-yet.env');
    const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = execFile(
        DYNSECRET,
        ['lease', 'nope', '--env-file', missing],
        { env: { PATH: process.env.PATH ?? '', DYNSECRET_HOME: tempHome() } },
        () => undefined,
      );
      let stderr = '';
      child.stderr?.on('data', (chunk: string) => {
        stderr += chunk;
      });
      child.on('close', (code) => resolve({ code, stderr }));
    });
    expect(result.stderr).toContain('No config named nope');
    expect(result.code).toBe(5);
  });

  it.each([[['run', '--help']], [['--version']]])(
    'says nothing more when its reader closes the pipe early (`dynsecret %j | head -c 0`)',
    async (args) => {
      const { spawn } = await import('node:child_process');
      const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, ['--', DYNSECRET, ...args], {
          env: { PATH: process.env.PATH ?? '', HOME: tempHome() },
        });
        // Closed before the help is written: the write fails with EPIPE.
        child.stdout.destroy();
        let stderr = '';
        child.stderr.on('data', (chunk: Buffer) => {
          stderr += chunk.toString();
        });
        child.on('close', (code) => resolve({ code, stderr }));
      });
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
    },
  );

  const helpCases = [[['--help']], [['create', '--help']], [['list', '--help']], [['delete', '--help']], [['unlock', '--help']]];
  const expectHelp = (result: { code: number | null; stdout: string }, args: string[]) => {
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: dynsecret');
    if (args.length > 1) expect(result.stdout).toContain('Examples:');
  };
  it.each(helpCases)('prints help with examples for %j', async (args) => expectHelp(await cli(args), args));
  it.each(helpCases.slice(0, 2))('prints help with examples for %j, through the bin', async (args) =>
    expectHelp(await dynsecret(args), args),
  );

  it('creates a store and a config without a TTY (through the bin) and lists it without ever showing a secret', async () => {
    const home = tempHome();
    const env = { DYNSECRET_HOME: home, DYNSECRET_PASSPHRASE: PASSPHRASE };
    const created = await dynsecret(createArgs('app-db'), { env, input: PRIVATE_KEY });
    expect(created.stderr).toContain('Created config app-db');
    expect(created.code).toBe(0);
    const list = await cli(['list'], { env });
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^NAME\s+PROJECT\s+ROLES\s+SCOPES\s+DEFAULT TTL\s+MAX TTL\n/);
    expect(list.stdout).toContain(`app-db  ${GROUP}  readWrite@app  Cluster0:CLUSTER  30m`);
    const json = await cli(['list', '--json'], { env });
    expect(JSON.parse(json.stdout)).toEqual([
      {
        name: 'app-db',
        groupId: GROUP,
        baseUrl: 'https://cloud.mongodb.com',
        auth: 'apiKey',
        publicKey: 'abcdefgh',
        roles: ['readWrite@app'],
        scopes: ['Cluster0:CLUSTER'],
        defaultTtl: '30m',
        defaultTtlSeconds: 1800,
        maxTtl: '2h',
        maxTtlSeconds: 7200,
        createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      },
    ]);
    for (const output of [list.stdout, list.stderr, json.stdout, json.stderr]) expect(output).not.toContain(PRIVATE_KEY);
    const file = join(home, 'store.json');
    expect(readFileSync(file, 'utf8')).not.toContain(PRIVATE_KEY);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(home).mode & 0o777).toBe(0o700);
  });

  it('reads the private key from the Atlas CLI variable and a definition from a JSON file', async () => {
    const home = tempHome();
    const file = join(home, 'def.json');
    writeFileSync(
      file,
      JSON.stringify({
        groupId: GROUP,
        publicKey: 'abcdefgh',
        roles: ['read@reports', { roleName: 'readWrite', databaseName: 'app', collectionName: 'jobs' }],
        scopes: [{ name: 'lake1', type: 'DATA_LAKE' }],
        maxTtl: '10d',
      }),
    );
    const env = { DYNSECRET_HOME: home, DYNSECRET_PASSPHRASE: PASSPHRASE, MONGODB_ATLAS_PRIVATE_API_KEY: PRIVATE_KEY };
    const result = await cli(['create', 'reports', '--from-file', file, '--no-verify'], { env });
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/warning: .*renew/);
    const json = JSON.parse((await cli(['list', '--json'], { env })).stdout);
    expect(json[0]).toMatchObject({
      name: 'reports',
      roles: ['read@reports', 'readWrite@app.jobs'],
      scopes: ['lake1:DATA_LAKE'],
      maxTtl: '10d',
    });
  });

  it('unlock prints a session key that alone opens the store, through the bin', async () => {
    const { home, withPassphrase } = await storeWithConfig();
    const unlock = await dynsecret(['unlock'], { env: withPassphrase });
    expect(unlock.code).toBe(0);
    const match = /^export DYNSECRET_SESSION='(ds1_[A-Za-z0-9_-]+)'\n$/.exec(unlock.stdout);
    expect(match).not.toBeNull();
    const list = await dynsecret(['list', '--json'], { env: { DYNSECRET_HOME: home, DYNSECRET_SESSION: match![1] } });
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout)[0].name).toBe('app-db');
  });

  it('refuses to create over an existing config without --replace, and replaces with it', async () => {
    const { env } = await storeWithConfig();
    const again = await cli(createArgs('app-db'), { env, input: PRIVATE_KEY });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('already exists');
    const replaced = await cli(createArgs('app-db', ['--replace', '--default-ttl', '1h']), { env, input: PRIVATE_KEY });
    expect(replaced.code).toBe(0);
    expect(JSON.parse((await cli(['list', '--json'], { env })).stdout)[0].defaultTtl).toBe('1h');
  });

  it('deletes a config with --yes (through the bin), and refuses without it when there is no terminal', async () => {
    const { env } = await storeWithConfig();
    const refused = await cli(['delete', 'app-db'], { env });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--yes');
    const missing = await cli(['delete', 'nope', '--yes'], { env });
    expect(missing.code).toBe(5);
    const deleted = await dynsecret(['delete', 'app-db', '--yes'], { env });
    expect(deleted.code).toBe(0);
    expect(JSON.parse((await cli(['list', '--json'], { env })).stdout)).toEqual([]);
  });

  it('exits 3 naming the options when the store is locked (through the bin), and on a wrong passphrase', async () => {
    const { home } = await storeWithConfig();
    const locked = await dynsecret(['list'], { env: { DYNSECRET_HOME: home } });
    expect(locked.code).toBe(3);
    expect(locked.stderr).toMatch(/DYNSECRET_SESSION.*DYNSECRET_PASSPHRASE.*terminal/s);
    const wrong = await cli(['list'], { env: { DYNSECRET_HOME: home, DYNSECRET_PASSPHRASE: 'wrong passphrase' } });
    expect(wrong.code).toBe(3);
    expect(wrong.stderr).toContain('Wrong passphrase');
    expect(locked.stdout + wrong.stdout).toBe('');
  });

  describe('usage errors: exit 2, one message on stderr, nothing on stdout, no stack, nothing written', () => {
    const cases: [string, string[], string, RegExp][] = [
      ['unknown command', ['frobnicate'], '', /unknown command/],
      ['unknown option', ['list', '--bogus'], '', /unknown option/],
      ['missing name', ['create'], '', /missing required argument/],
      ['bad name', createArgs('bad name'), PRIVATE_KEY, /Invalid config name/],
      [
        'bad group',
        ['create', 'x', '--group-id', 'XYZ', '--public-key', 'abcdefgh', '--private-key-stdin', '--role', 'read@a', '--no-verify'],
        PRIVATE_KEY,
        /24 lowercase hex/,
      ],
      [
        'no role',
        ['create', 'x', '--group-id', GROUP, '--public-key', 'abcdefgh', '--private-key-stdin', '--no-verify'],
        PRIVATE_KEY,
        /At least one --role/,
      ],
      ['bad role', createArgs('x', ['--role', 'readAnyDatabase@app']), PRIVATE_KEY, /admin database/],
      ['bad scope', createArgs('x', ['--scope', 'bad_name']), PRIVATE_KEY, /--scope/],
      ['bare number TTL', createArgs('x', ['--default-ttl', '15']), PRIVATE_KEY, /15/],
      ['default above max', createArgs('x', ['--default-ttl', '3h']), PRIVATE_KEY, /max/i],
      ['default above 7 days', createArgs('x', ['--default-ttl', '8d', '--max-ttl', '9d']), PRIVATE_KEY, /7 days/],
      [
        'no private key',
        ['create', 'x', '--group-id', GROUP, '--public-key', 'abcdefgh', '--role', 'read@a', '--no-verify'],
        '',
        /--private-key-stdin.*MONGODB_ATLAS_PRIVATE_API_KEY/,
      ],
      ['no credentials', ['create', 'x', '--group-id', GROUP, '--role', 'read@a', '--no-verify'], '', /--public-key/],
      [
        'no group',
        ['create', 'x', '--public-key', 'abcdefgh', '--private-key-stdin', '--role', 'read@a', '--no-verify'],
        PRIVATE_KEY,
        /--group-id/,
      ],
      ['both auth kinds', createArgs('x', ['--client-id', 'mdb_sa_id_1']), PRIVATE_KEY, /not both/],
      ['plain http', createArgs('x', ['--base-url', 'http://cloud.mongodb.com']), PRIVATE_KEY, /use https/],
      ['private key as flag', [...createArgs('x'), '--private-key', 'secret'], PRIVATE_KEY, /unknown option/],
    ];
    let shared: { home: string; env: Record<string, string> };
    beforeAll(async () => {
      shared = await storeWithConfig();
    });
    const refused = async ([, args, input, message]: (typeof cases)[number], via: typeof cli) => {
      const { home, env } = shared;
      const before = readFileSync(join(home, 'store.json'));
      const result = await via(args, { env, input });
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(message);
      expect(result.stderr).not.toMatch(/\n\s+at /);
      expect(result.stderr).not.toContain(PRIVATE_KEY);
      expect(readFileSync(join(home, 'store.json')).equals(before)).toBe(true);
    };
    it.each(cases)('%s', (...usage) => refused(usage, cli));
    // The parser's refusal and one of create's own checks.
    it.each([cases[0]!, cases[3]!])('%s, through the bin', (...usage) => refused(usage, dynsecret));
  });
});
