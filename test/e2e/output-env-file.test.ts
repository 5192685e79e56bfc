import { chmodSync, existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempHome } from '../helpers/bin.js';
import { leaseRecords, mustSucceed, startEmulator, usersOf, workspace, type Emulator, type Workspace } from '../helpers/emulator.js';

/**
 * `lease --env-file` and `revoke --env-file` on real files: comments, CRLF, modes, symlinks, two writers. The
 * commands run in this process (helpers/cli.ts) but for one lease and revoke, one refusal and the two writers
 * racing each other, which run the built bin.
 */

const KEYS = ['DB_USERNAME', 'DB_PASSWORD', 'MONGODB_URI', 'DYNSECRET_LEASE_ID', 'DYNSECRET_LEASE_EXPIRES_AT'];
const ORIGINAL = "# app settings\r\nAPP_MODE=dev\r\n\r\n# database\r\nDB_USERNAME=old-user\r\nexport OTHER='x y'\r\n";
const KEPT = ['# app settings', 'APP_MODE=dev', '', '# database', "export OTHER='x y'"];

const leasedId = (stderr: string) => /^Leased (\S+) from/m.exec(stderr)?.[1] ?? 'none';
const mode = (path: string) => statSync(path).mode & 0o777;

/** key → every value it has in the file (a key written twice shows up twice). */
function assignments(text: string): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const line of text.split(/\r?\n/)) {
    const match = /^(?:export )?([A-Za-z_][A-Za-z0-9_]*)='([^']*)'$/.exec(line) ?? /^([A-Za-z_][A-Za-z0-9_]*)=(\S*)$/.exec(line);
    if (match) found.set(match[1]!, [...(found.get(match[1]!) ?? []), match[2]!]);
  }
  return found;
}

describe('env files end to end', () => {
  let em: Emulator;
  let ws: Workspace;
  let dir: string;
  const fileWith = (name: string, text: string, fileMode = 0o644) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    chmodSync(path, fileMode);
    return path;
  };

  beforeAll(async () => {
    em = await startEmulator();
    ws = await workspace(em, [{ name: 'app-db' }]);
    dir = tempHome();
  });

  it('lease --env-file keeps comments, other keys and CRLF, replaces in place, tightens 0644 to 0600; revoke --env-file takes the keys out again, through the bin', async () => {
    const file = fileWith('crlf.env', ORIGINAL);
    const leased = await ws.run(['lease', 'app-db', '--env-file', file]);
    expect(leased.code).toBe(0);
    expect(leased.stdout).toBe('');
    expect(leased.stderr).toContain(`Wrote the credentials to ${file}.`);
    const id = leasedId(leased.stderr);
    const text = readFileSync(file, 'utf8');
    expect(text.replaceAll('\r\n', '')).not.toContain('\n');
    expect(text.endsWith('\r\n')).toBe(true);
    const lines = text.split('\r\n');
    expect(lines.filter((line) => !/^(DB_|MONGODB_|DYNSECRET_)/.test(line))).toEqual([...KEPT, '']);
    expect(lines.indexOf(`DB_USERNAME='${id}'`)).toBe(4);
    const values = assignments(text);
    expect(KEYS.map((k) => values.get(k)?.length)).toEqual([1, 1, 1, 1, 1]);
    expect(values.get('DYNSECRET_LEASE_ID')).toEqual([id]);
    expect(mode(file)).toBe(0o600);

    const revoked = await ws.run(['revoke', id, '--env-file', file]);
    expect(revoked.code).toBe(0);
    expect(revoked.stderr).toContain(`Removed the lease's variables from ${file}.`);
    expect(readFileSync(file, 'utf8')).toBe(`${KEPT.join('\r\n')}\r\n`);
    expect((await usersOf(em, 'app-db')).map((u) => u.username)).not.toContain(id);
  });

  it('follows a symlink: the link stays a link, its target gets the variables and mode 0600', async () => {
    const target = fileWith('target.env', 'KEEP=1\n');
    const link = join(dir, 'link.env');
    symlinkSync('target.env', link);
    const leased = await ws.cli(['lease', 'app-db', '--env-file', link]);
    expect(leased.code).toBe(0);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe('target.env');
    expect(mode(target)).toBe(0o600);
    const text = readFileSync(target, 'utf8');
    expect(text.startsWith('KEEP=1\n')).toBe(true);
    expect(assignments(text).get('DYNSECRET_LEASE_ID')).toEqual([leasedId(leased.stderr)]);
  });

  it('two concurrent lease --env-file on one file (two processes): both succeed, the file holds one complete set from one of them', async () => {
    const file = fileWith('shared.env', '# shared\nKEEP=1\n', 0o600);
    const [first, second] = await Promise.all([
      ws.run(['lease', 'app-db', '--env-file', file]),
      ws.run(['lease', 'app-db', '--env-file', file]),
    ]);
    expect([first.code, second.code]).toEqual([0, 0]);
    const ids = [leasedId(first.stderr), leasedId(second.stderr)];
    const text = readFileSync(file, 'utf8');
    expect(text.startsWith('# shared\nKEEP=1\n')).toBe(true);
    const values = assignments(text);
    expect(KEYS.map((k) => values.get(k)?.length)).toEqual([1, 1, 1, 1, 1]);
    const holder = values.get('DYNSECRET_LEASE_ID')![0]!;
    expect(ids).toContain(holder);
    expect(values.get('DB_USERNAME')).toEqual([holder]);
    expect(values.get('MONGODB_URI')![0]).toContain(`//${holder}:${values.get('DB_PASSWORD')![0]}@`);
    expect(text.split('\n').filter((line) => line !== '')).toHaveLength(2 + KEYS.length);
  });

  const badFiles = [
    ['holds a NUL byte', (file: string) => writeFileSync(file, Buffer.from('KEEP=1\0\n')), /contains NUL bytes/],
    ['is not UTF-8', (file: string) => writeFileSync(file, Buffer.from([0x4b, 0x3d, 0xff, 0xfe, 0x0a])), /not valid UTF-8/],
    ['is a folder', (file: string) => mkdirSync(file), /not a regular file/],
    ['is in a folder that does not exist', () => undefined, /does not exist/],
  ] as const;
  // Each bad file with the dotenv writer (the default) and with --format env, which has a writer of its own.
  const badCases = badFiles.flatMap(([name, make, message]) => [
    [name, 'json', make, message] as const,
    [name, 'env', make, message] as const,
  ]);
  const refused = async ([name, format, make, message]: (typeof badCases)[number], via: Workspace['cli'], suffix = ''): Promise<void> => {
    const base = join(dir, `${name.replaceAll(' ', '-')}-${format}${suffix}`);
    const file = name.includes('does not exist') ? join(base, '.env') : `${base}.env`;
    make(file);
    const bytes = existsSync(file) && statSync(file).isFile() ? readFileSync(file) : undefined;
    const before = (await usersOf(em, 'app-db')).map((u) => u.username);
    await em.clearRequests();
    const result = await via(['lease', 'app-db', '--env-file', file, '--format', format]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(message);
    if (bytes !== undefined) expect(readFileSync(file).equals(bytes)).toBe(true);
    expect((await usersOf(em, 'app-db')).map((u) => u.username)).toEqual(before);
    // Checked before Atlas is asked: no user exists that nobody received.
    const calls = (await em.requests()).filter((r) => r.status !== 401).map((r) => `${r.method} ${r.status}`);
    expect(calls.filter((call) => !call.startsWith('GET'))).toEqual([]);
    expect((await leaseRecords(ws, 'app-db')).map((l) => l.leaseId).filter((id) => !before.includes(id))).toEqual([]);
  };
  it.each(badCases)('an env file that %s (--format %s): exit 2, nothing on stdout, the file untouched and no user ever created', (...bad) =>
    refused(bad, ws.cli),
  );
  it.each(badCases.slice(0, 1))(
    'an env file that %s (--format %s): exit 2, nothing on stdout, the file untouched and no user ever created, through the bin',
    (...bad) => refused(bad, ws.run, '-bin'),
  );

  it('revoke --env-file leaves a file that holds another lease untouched; --prefix finds prefixed keys', async () => {
    const file = fileWith('prefixed.env', 'KEEP=1\n', 0o600);
    const holder = leasedId((await mustSucceed(ws.cli(['lease', 'app-db', '--env-file', file, '--prefix', 'APP_']))).stderr);
    const other = leasedId((await mustSucceed(ws.cli(['lease', 'app-db', '--format', 'json']))).stderr);
    const before = readFileSync(file, 'utf8');
    const unrelated = await ws.cli(['revoke', other, '--env-file', file, '--prefix', 'APP_']);
    expect(unrelated.code).toBe(0);
    expect(unrelated.stderr).toContain(`holds another lease (${holder}); left unchanged`);
    expect(readFileSync(file, 'utf8')).toBe(before);

    const revoked = await ws.cli(['revoke', holder, '--env-file', file, '--prefix', 'APP_']);
    expect(revoked.code).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe('KEEP=1\n');
  });
});
