import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startDynsecret, until } from '../helpers/bin.js';
import { configFile } from '../helpers/config-file.js';
import { startEmulator, type Emulator } from '../helpers/emulator.js';

/**
 * The long-running modes against the real emulator, in real time: a config with a 1-minute TTL and max TTL,
 * so one rotation comes within a minute. Each test has its own emulator and runs beside the others; each
 * waits for lines and emulator state, never for a fixed time.
 */

/**
 * A probe command: every 250 ms it asks the emulator whether its user (DB_USERNAME, or the one in `envFile`
 * after a SIGHUP) exists and has not reached its deleteAfterDate. It says `probe ok USER` once per user it
 * found, exits 1 with `probe lost USER` the moment its user is gone, and exits 0 on SIGTERM.
 */
const probe = (em: Emulator, envFile = '') => [
  process.execPath,
  '-e',
  `
    const [url, file] = process.argv.slice(1);
    let user = process.env.DB_USERNAME;
    let confirmed;
    process.on('SIGHUP', () => {
      user = /^DB_USERNAME='([^']*)'$/m.exec(require('fs').readFileSync(file, 'utf8'))[1];
      console.error('probe reloaded ' + user);
    });
    process.on('SIGTERM', () => process.exit(0));
    (async () => {
      for (;;) {
        const state = await (await fetch(url + '/__emulator/state')).json();
        const found = state.users.find((u) => u.username === user);
        if (!found || Date.parse(found.deleteAfterDate) <= Date.parse(state.now)) {
          console.error('probe lost ' + user);
          process.exit(1);
        }
        if (confirmed !== user) console.error('probe ok ' + (confirmed = user));
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    })();`,
  em.url,
  envFile,
];

const shortLived = async () => {
  const em = await startEmulator(['--apply-delay', '1s']);
  const file = configFile(em, { defaultTtl: '1m', maxTtl: '1m' });
  return { em, file };
};

const matchOf = (text: string, pattern: RegExp) => pattern.exec(text)?.[1];
const usernames = async (em: Emulator) => (await em.state()).users.map((u) => u.username);

describe.concurrent('long-running leases (built bin, real emulator, real time)', () => {
  it('run --rotate restarts the command with the next user before the max TTL, retrying failed creates; the old user is revoked after --grace; SIGTERM revokes the rest', async () => {
    const { em, file } = await shortLived();
    const log = join(file.folder, 'audit.jsonl');
    // A long stop timeout moves the rotation early (the lead covers it); the probe stops at once anyway.
    const started = startDynsecret(
      ['run', '--from-file', file.path, '--rotate', '--stop-timeout', '40s', '--grace', '3s', '--', ...probe(em)],
      {
        ...file.env,
        DYNSECRET_AUDIT_LOG: log,
      },
    );
    await until(() => /^Leased /m.test(started.stderr()));
    const first = matchOf(started.stderr(), /^Leased (\S+) from/m)!;
    // The next two creates fail as at the project's user limit: warned once, retried, never fatal.
    await em.addFault({
      match: { method: 'POST', path: '/databaseUsers' },
      count: 2,
      status: 403,
      errorCode: 'GROUP_USERS_LIMIT_EXCEEDED',
    });
    await until(() => /^Rotated to /m.test(started.stderr()));
    const next = matchOf(started.stderr(), /^Rotated to (\S+) /m)!;
    await until(() => started.stderr().includes(`probe ok ${next}`));
    await until(() => started.stderr().includes(`Revoked ${first} (its grace is over).`));
    expect(await usernames(em)).toEqual([next]);
    started.child.kill('SIGTERM');
    const result = await started.done;
    expect(result.stderr).not.toContain('probe lost');
    expect(result.stderr.match(/^warning: could not lease the next user to replace /gm)).toHaveLength(1);
    expect(result.stderr).toMatch(new RegExp(`^Rotated to ${next} \\(${first} reaches its max TTL\\); expires `, 'm'));
    expect(result.stderr).toContain(`Revoked ${next}.`);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('');
    expect(await usernames(em)).toEqual([]);
    const records = readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records).toContainEqual(expect.objectContaining({ command: 'run', leaseId: next, replaces: first, reason: 'max-ttl' }));
  });

  it('run --rotate --signal HUP --env-file rewrites the file in place and signals the same command, which switches users', async () => {
    const { em, file } = await shortLived();
    const envFile = join(file.folder, 'app.env');
    writeFileSync(envFile, '# app\nPORT=8080\n');
    const started = startDynsecret(
      ['run', '--from-file', file.path, '--rotate', '--signal', 'HUP', '--env-file', envFile, '--grace', '3s', '--', ...probe(em, envFile)],
      file.env,
    );
    await until(() => /^Rotated to /m.test(started.stderr()));
    const next = matchOf(started.stderr(), /^Rotated to (\S+) /m)!;
    await until(() => started.stderr().includes(`probe ok ${next}`));
    expect(started.stderr()).toContain(`probe reloaded ${next}`);
    expect(readFileSync(envFile, 'utf8')).toMatch(new RegExp(`^# app\\nPORT=8080\\n(.*\\n)*DB_USERNAME='${next}'\\n`));
    started.child.kill('SIGTERM');
    const result = await started.done;
    expect(result.stderr).not.toContain('probe lost');
    expect(result.code).toBe(0);
    expect(readFileSync(envFile, 'utf8')).toBe('# app\nPORT=8080\n');
    expect(await usernames(em)).toEqual([]);
  });

  it('lease --env-file --keep-fresh rotates the file before the max TTL, runs --on-change, and on SIGINT revokes all and cleans the file', async () => {
    const { em, file } = await shortLived();
    const envFile = join(file.folder, '.env');
    writeFileSync(envFile, 'PORT=3000\n');
    const started = startDynsecret(
      [
        'lease',
        '--from-file',
        file.path,
        '--env-file',
        envFile,
        '--keep-fresh',
        '--grace',
        '2s',
        '--on-change',
        'echo "changed to $DB_USERNAME"',
      ],
      file.env,
    );
    await until(() => /^Rotated to /m.test(started.stderr()));
    const next = matchOf(started.stderr(), /^Rotated to (\S+) /m)!;
    await until(() => started.stderr().includes(`changed to ${next}`));
    expect(readFileSync(envFile, 'utf8')).toContain(`DB_USERNAME='${next}'`);
    await until(async () => (await usernames(em)).join() === next);
    started.child.kill('SIGINT');
    const result = await started.done;
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`Revoked ${next}.`);
    expect(result.stderr).toContain(`Removed the credentials from ${envFile}.`);
    expect(readFileSync(envFile, 'utf8')).toBe('PORT=3000\n');
    expect(await usernames(em)).toEqual([]);
  });
});
