import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dynsecret, PASSPHRASE, tempHome, type RunResult } from '../helpers/bin.js';
import { createFlags, parseLease, startEmulator, type Fault } from '../helpers/emulator.js';
import { recordFigures } from './support/figures.js';
import { openStore, storePath } from './support/store.js';

/**
 * Secret hygiene: every command, with --debug, under faults. Everything dynsecret prints, its audit log and
 * every file it leaves (except the store and the output that was asked for: a lease's stdout, unlock's
 * stdout, the env file) is searched for the API private key, the client secret, the passphrase, the session
 * key, every generated password, the OAuth access token and any Authorization header. The store file is
 * searched too: nothing may be in it in clear.
 */

const FAULTS: Fault[] = [
  { count: 1, status: 500 },
  { count: 1, status: 401, errorCode: 'UNAUTHORIZED' },
  { count: 1, reset: true },
  { count: 1, status: 429, retryAfter: 1 },
  { count: 1, status: 403, errorCode: 'IP_ADDRESS_NOT_ON_ACCESS_LIST' },
  { count: 1, body: 'malformed' },
  { count: 1, body: 'wrong-types' },
  { count: 1, status: 500, afterApply: true },
  { count: 1, status: 400, errorCode: 'INVALID_ATTRIBUTE' },
];

/** Every file under a folder, with its bytes. */
function filesUnder(folder: string): { path: string; bytes: Buffer }[] {
  return readdirSync(folder, { recursive: true, encoding: 'utf8' })
    .map((name) => join(folder, name))
    .filter((path) => statSync(path).isFile())
    .map((path) => ({ path, bytes: readFileSync(path) }));
}

describe('secret hygiene', () => {
  it('no secret appears in anything printed, logged or left behind, under faults and --debug', async () => {
    const em = await startEmulator(['--apply-delay', '0s', '--quiet']);
    const home = tempHome();
    const work = mkdtempSync(join(tmpdir(), 'dynsecret-secrets-'));
    const envFile = join(work, 'app.env');
    const printed: { what: string; text: string }[] = [];
    const passwords: string[] = [];
    let faults = 0;
    let session = '';
    const env = () =>
      session === '' ? { DYNSECRET_HOME: home, DYNSECRET_PASSPHRASE: PASSPHRASE } : { DYNSECRET_HOME: home, DYNSECRET_SESSION: session };

    /** Runs a command with --debug after injecting the next fault; `requested` is stdout the user asked for. */
    const step = async (args: string[], options: { input?: string; requested?: boolean; fault?: boolean } = {}): Promise<RunResult> => {
      if (options.fault !== false) {
        await em.addFault(FAULTS[faults++ % FAULTS.length]!);
      }
      const result = await dynsecret(['--debug', ...args], {
        env: env(),
        ...(options.input === undefined ? {} : { input: options.input }),
      });
      await em.clearFaults();
      printed.push({ what: `${args.join(' ')} (stderr)`, text: result.stderr });
      if (!options.requested) printed.push({ what: `${args.join(' ')} (stdout)`, text: result.stdout });
      return result;
    };
    const lease = async (args: string[], fault = true) => {
      const result = await step(args, { requested: true, fault });
      if (result.code === 0 && args.includes('json')) passwords.push(parseLease(result.stdout).password);
      return result;
    };

    // The store is made with the passphrase and unlocked; the later steps open it with the session key, as a
    // shell after `eval "$(dynsecret unlock)"` does (each passphrase is a key derivation at full cost).
    await step(createFlags(em, { name: 'key-db' }), { input: em.privateKey, fault: false });
    const unlocked = await step(['unlock'], { requested: true, fault: false });
    session = /DYNSECRET_SESSION='([^']+)'/.exec(unlocked.stdout)?.[1] ?? '';
    expect(session).not.toBe('');
    await step(createFlags(em, { name: 'key-db-2' }), { input: em.privateKey });
    await step(createFlags(em, { name: 'sa-db', auth: 'serviceAccount', flags: ['--role', 'read@app'] }), {
      input: em.clientSecret,
      fault: false,
    });

    for (let i = 0; i < FAULTS.length; i++) await lease(['lease', i % 2 === 0 ? 'key-db' : 'sa-db', '--format', 'json']);
    for (const format of ['shell', 'dotenv', 'fish', 'powershell']) await lease(['lease', 'key-db', '--format', format]);
    expect((await lease(['lease', 'key-db', '--env-file', envFile, '--wait', '30s'], false)).code).toBe(0);
    passwords.push(/DB_PASSWORD='([^']+)'/.exec(readFileSync(envFile, 'utf8'))![1]!);
    await lease(['run', 'sa-db', '--', process.execPath, '-e', 'process.exit(0)']);

    const leases = (await openStore({ home, env: { DYNSECRET_SESSION: session } })).leases.map((l) => l.leaseId);
    for (const id of leases.slice(0, 4)) await step(['renew', id, '--ttl', '2h', '--json']);
    await step(['list']);
    await step(['list', 'key-db', '--remote', '--json']);
    await step(['list', 'sa-db', '--remote']);
    await step(['list', '--audit']);
    await step(['revoke', leases[0]!, '--env-file', envFile]);
    await step(['revoke', '--config', 'key-db', '--all', '--yes', '--json']);
    // One more command opens the store with the passphrase.
    const unlockedSession = session;
    session = '';
    await step(['revoke', '--expired'], {});
    session = unlockedSession;
    await step(['list', 'key-db'], { fault: false });
    await step(['delete', 'sa-db', '--yes']);
    await step(['delete', 'key-db-2', '--yes', '--force']);
    // update: a refused rotation (a key Atlas does not know) and a plain change; passwd last.
    const wrongKey = 'NOT-THE-PRIVATE-KEY-0123456789';
    await step(['update', 'key-db', '--private-key-stdin'], { input: wrongKey, fault: false });
    await step(['update', 'key-db', '--max-ttl', '8h', '--scope', em.clusters[0] ?? 'Cluster0']);
    await step(['completion', '--list-configs'], { fault: false });

    const data = await openStore({ home, env: { DYNSECRET_SESSION: session } });
    const tokens = data.tokens.map((t) => t.accessToken);
    const newPassphrase = 'the new passphrase 98765';
    session = '';
    expect((await step(['passwd', '--new-passphrase-stdin'], { input: newPassphrase, fault: false })).code).toBe(0);
    const sessionKey = /DYNSECRET_SESSION='ds1_([^']+)'/.exec(unlocked.stdout)?.[1] ?? '';
    const secrets: [string, string][] = [
      ['the API private key', em.privateKey],
      ['the client secret', em.clientSecret],
      ['the passphrase', PASSPHRASE],
      ['the new passphrase', newPassphrase],
      ['a refused private key', wrongKey],
      ['the session key', sessionKey],
      ...passwords.map((p, i): [string, string] => [`generated password ${i + 1}`, p]),
      ...tokens.map((t, i): [string, string] => [`access token ${i + 1}`, t]),
    ];
    expect(passwords.length).toBeGreaterThan(3);
    expect(printed.some((p) => p.text.includes('debug: atlas:'))).toBe(true);

    const leftBehind = [
      ...filesUnder(home).filter((f) => f.path !== storePath(home)),
      ...filesUnder(work).filter((f) => f.path !== envFile),
    ];
    expect(leftBehind.map((f) => f.path)).toContain(join(home, 'audit.log'));
    const haystacks = [...printed, ...leftBehind.map((f) => ({ what: f.path, text: f.bytes.toString('latin1') }))];
    const found: string[] = [];
    for (const { what, text } of haystacks) {
      for (const [name, secret] of secrets) if (secret.length >= 8 && text.includes(secret)) found.push(`${name} in ${what}`);
      if (/authorization:|digest username=|bearer [a-z0-9]/i.test(text)) found.push(`an Authorization header in ${what}`);
    }
    const store = readFileSync(storePath(home)).toString('latin1');
    for (const [name, secret] of secrets) if (store.includes(secret)) found.push(`${name} in clear in the store`);
    // Quotes, "-" and "_" are not base64 characters: these cannot occur in the ciphertext by chance.
    for (const name of ['key-db', 'sa-db', '"roleName"', em.clientId])
      if (store.includes(name)) found.push(`${name} in clear in the store`);
    expect(found).toEqual([]);

    await recordFigures('secrets', {
      commandsRun: printed.filter((p) => p.what.endsWith('(stderr)')).length,
      faultsInjected: faults,
      secretsSearchedFor: secrets.length,
      generatedPasswords: passwords.length,
      filesScanned: leftBehind.length + 1,
      bytesScanned: haystacks.reduce((n, h) => n + h.text.length, 0) + store.length,
      found: found.length,
    });
  }, 240_000);
});
