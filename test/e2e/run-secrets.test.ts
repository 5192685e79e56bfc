import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DYNSECRET } from '../helpers/bin.js';
import { configFile, type ConfigFile } from '../helpers/config-file.js';
import { startEmulator, type Emulator } from '../helpers/emulator.js';

/**
 * `run` promises its command no readable copy of dynsecret's secrets. The command here looks where a process
 * of the same user can look: /proc/PID/environ of its parent and of every process it can read. The secret
 * values are random per test (the emulator's key too), so a hit can only come from dynsecret's own
 * processes, even as root, where every process is readable (so no second user is needed here).
 */

const shells = (['dash', 'bash', 'busybox'] as const).filter((sh) => spawnSync('sh', ['-c', `command -v ${sh}`]).status === 0);
const shellArgv = (sh: string) => (sh === 'busybox' ? ['busybox', 'sh'] : [sh]);

const LOOK = resolve('test/fixtures/look-for-secrets.cjs');

let em: Emulator;
let file: ConfigFile;
let work: string;

beforeAll(async () => {
  em = await startEmulator(['--apply-delay', '0s']);
  work = mkdtempSync(join(tmpdir(), 'dynsecret-run-secrets-'));
  file = configFile(em, {}, work);
});

/** Runs `argv` and collects its stdout; the test's timeout bounds it. */
function collect(argv: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(argv[0]!, argv.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('error', fail);
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}

const secretEnv = (overrides: Record<string, string> = {}) => {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: work,
    NO_COLOR: '1',
    ...file.env,
    // Not used without a store, and withheld all the same.
    DYNSECRET_PASSPHRASE: `pass-${randomBytes(12).toString('hex')}`,
    DYNSECRET_SESSION: `session-${randomBytes(12).toString('hex')}`,
    ...overrides,
  };
  const secrets = Object.fromEntries(
    ['DYNSECRET_PASSPHRASE', 'DYNSECRET_SESSION', 'MONGODB_ATLAS_PRIVATE_API_KEY', 'MONGODB_ATLAS_CLIENT_SECRET']
      .filter((name) => env[name] !== undefined)
      .map((name) => [name, env[name]!]),
  );
  return { env, secrets };
};

interface Look {
  hits: string[];
  parentHasPath: boolean;
}

describe('run: the command finds no copy of the secrets dynsecret withholds', () => {
  it.each(shells)('started through its first line under %s: no /proc/*/environ holds them', async (sh) => {
    const { env, secrets } = secretEnv();
    const argv = [...shellArgv(sh), DYNSECRET, 'run', '--from-file', file.path, '--', process.execPath, LOOK, JSON.stringify(secrets)];
    const result = await collect(argv, env);
    expect(result.stderr).toMatch(/^Leased /m);
    expect(result.code).toBe(0);
    const look = JSON.parse(result.stdout) as Look;
    // The parent's environment was read (so the look is real), and it holds none of the secrets.
    expect(look.parentHasPath).toBe(true);
    expect(look.hits).toEqual([]);
  });

  it('with a service account: the client secret is withheld the same way', async () => {
    const { env, secrets } = secretEnv({ MONGODB_ATLAS_CLIENT_ID: em.clientId, MONGODB_ATLAS_CLIENT_SECRET: em.clientSecret });
    delete env.MONGODB_ATLAS_PUBLIC_API_KEY;
    delete env.MONGODB_ATLAS_PRIVATE_API_KEY;
    delete secrets.MONGODB_ATLAS_PRIVATE_API_KEY;
    const result = await collect(
      ['sh', DYNSECRET, 'run', '--from-file', file.path, '--', process.execPath, LOOK, JSON.stringify(secrets)],
      env,
    );
    expect(result.code).toBe(0);
    expect((JSON.parse(result.stdout) as Look).hits).toEqual([]);
  });

  it('the look finds the copy when Node is started without the first line (what the shell part prevents)', async () => {
    const { env, secrets } = secretEnv();
    const result = await collect(
      [process.execPath, '--', DYNSECRET, 'run', '--from-file', file.path, '--', process.execPath, LOOK, JSON.stringify(secrets)],
      env,
    );
    expect(result.code).toBe(0);
    expect((JSON.parse(result.stdout) as Look).hits).toEqual(
      expect.arrayContaining([expect.stringMatching(/environ: MONGODB_ATLAS_PRIVATE_API_KEY$/)]),
    );
  });
});

/**
 * The shell part's round trip, byte for byte, under each shell: a stand-in for `node` on PATH runs the bin's
 * reader (bin/secret-fd.js) and prints what it got, whether descriptor 9 is still open, and its own environ.
 */
describe('the first lines move the secret variables to descriptor 9 and back, exactly', () => {
  let fakeBin: string;
  beforeAll(() => {
    fakeBin = mkdtempSync(join(tmpdir(), 'dynsecret-fake-node-'));
    const report = `
const fs = require('node:fs');
if (process.env.DYNSECRET_SECRET_FD === '9') { delete process.env.DYNSECRET_SECRET_FD; require(${JSON.stringify(resolve('bin/secret-fd.js'))}).takeSecrets(process.env, 9); }
const names = ['DYNSECRET_PASSPHRASE', 'DYNSECRET_SESSION', 'MONGODB_ATLAS_PRIVATE_API_KEY', 'MONGODB_ATLAS_CLIENT_SECRET'];
let fd9 = true; try { fs.fstatSync(9); } catch { fd9 = false; }
const environ = fs.readFileSync('/proc/self/environ', 'latin1');
console.log(JSON.stringify({ values: Object.fromEntries(names.filter((n) => n in process.env).map((n) => [n, process.env[n]])), fd9, environ: names.filter((n) => environ.includes(n + '=')), args: process.argv.slice(2) }));
`;
    writeFileSync(join(fakeBin, 'report.js'), report);
    writeFileSync(
      join(fakeBin, 'node'),
      `#!/bin/sh\n[ "$1" = -- ] && shift\nshift\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(join(fakeBin, 'report.js'))} "$@"\n`,
    );
    chmodSync(join(fakeBin, 'node'), 0o755);
  });

  const tricky: [string, Record<string, string>][] = [
    ['no secret at all', {}],
    ['one plain value', { DYNSECRET_PASSPHRASE: 'correct horse battery staple' }],
    ['an empty value (set, not unset)', { DYNSECRET_SESSION: '' }],
    ['newlines, leading, inner and trailing', { DYNSECRET_PASSPHRASE: '\nfirst\n\nlast\n\n' }],
    ['shell syntax', { MONGODB_ATLAS_PRIVATE_API_KEY: 'a\\b \\\\ $(touch /tmp/x) `id` ${HOME} "q" \'s\' ; & | * ? ~' }],
    ['the here-document end and its prefix', { MONGODB_ATLAS_CLIENT_SECRET: '//DYNSECRET_SECRETS\nDYNSECRET_SECRETS\n//' }],
    ['a header look-alike', { DYNSECRET_PASSPHRASE: 'x\nDYNSECRET_SESSION 0\ny', DYNSECRET_SESSION: 'real' }],
    ['UTF-8 and tabs', { DYNSECRET_PASSPHRASE: 'pässwörd\t🙂\tend' }],
    [
      'all four',
      { DYNSECRET_PASSPHRASE: 'p', DYNSECRET_SESSION: 's', MONGODB_ATLAS_PRIVATE_API_KEY: 'k', MONGODB_ATLAS_CLIENT_SECRET: 'c' },
    ],
  ];

  for (const sh of shells) {
    it.each(tricky)(`${sh}: %s`, (_what, values) => {
      const result = spawnSync(shellArgv(sh)[0]!, [...shellArgv(sh).slice(1), DYNSECRET, 'lease', '--x', 'a b'], {
        encoding: 'utf8',
        env: { PATH: `${fakeBin}:${process.env.PATH ?? ''}`, HOME: work, _ds_p: 'exported by the caller', ...values },
      });
      expect(result.stderr).toBe('');
      const report = JSON.parse(result.stdout) as { values: Record<string, string>; fd9: boolean; environ: string[]; args: string[] };
      expect(report.values).toEqual(values);
      // Descriptor 9 is closed once read; with no secret it is left as the caller had it.
      if (Object.keys(values).length > 0) expect(report.fd9).toBe(false);
      expect(report.environ).toEqual([]);
      expect(report.args).toEqual(['lease', '--x', 'a b']);
    });
  }
});
