import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dynsecret } from '../helpers/bin.js';
import { configFile } from '../helpers/config-file.js';
import { startEmulator, usersOf } from '../helpers/emulator.js';

/**
 * `run`'s lease over the built bin and the emulator, in what can be seen without waiting for a real expiry.
 * The renewal loop runs on dynsecret's own timers, which the emulator's clock does not move, and a lease
 * lasts at least a minute: renewing ahead of each expiry, retrying a failed renewal and warning ahead of the
 * max TTL are checked in-process on a fake clock (test/unit/commands/run.test.ts, test/unit/service/keep-alive.test.ts).
 */

/**
 * A command for `run` to start: it reads its own user (DB_USERNAME) from the emulator, after moving the
 * emulator's clock `advanceMs` forward, and reports on stderr what Atlas holds: `user alive, expires in Ns` (exit 0)
 * or `user gone` (exit 1; the emulator deletes users at their deleteAfterDate, as Atlas does).
 */
const lookAtOwnUser = (url: string, advanceMs = 0) => [
  process.execPath,
  '-e',
  `
    const url = process.argv[1];
    (async () => {
      if (${advanceMs} > 0) {
        const moved = await fetch(url + '/__emulator/clock', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ advanceMs: ${advanceMs} }),
        });
        if (!moved.ok) throw new Error('the clock did not move: ' + moved.status);
      }
      const state = await (await fetch(url + '/__emulator/state')).json();
      const user = state.users.find((u) => u.username === process.env.DB_USERNAME);
      if (!user) {
        console.error('user gone at ' + state.now);
        process.exit(1);
      }
      console.error('user alive, expires in ' + (Date.parse(user.deleteAfterDate) - Date.parse(state.now)) / 1000 + 's');
    })();`,
  url,
];

// Each test has an emulator of its own (one moves its clock): they run side by side.
describe.concurrent('run and its lease', () => {
  it('leases for the --ttl asked, hands the command a live user, writes the lease and the revoke to the audit log, and revokes at the end', async () => {
    const em = await startEmulator(['--apply-delay', '0s']);
    const file = configFile(em);
    const log = join(file.folder, 'run-audit.jsonl');
    const result = await dynsecret(['run', '--from-file', file.path, '--ttl', '1m', '--wait=1m', '--', ...lookAtOwnUser(em.url)], {
      env: { ...file.env, DYNSECRET_AUDIT_LOG: log },
    });
    expect(result.code).toBe(0);
    const left = Number(/user alive, expires in ([0-9.]+)s/.exec(result.stderr)?.[1]);
    expect(left).toBeGreaterThan(0);
    expect(left).toBeLessThanOrEqual(60);
    const leaseId = /Leased (ds-app-db-\w+)/.exec(result.stderr)?.[1];
    expect(leaseId).toBeDefined();
    expect(result.stderr).toContain(`Revoked ${leaseId}.`);
    // The command ended long before the renewal fell due.
    expect(result.stderr).not.toMatch(/^Renewed /m);
    expect((await em.requests()).filter((r) => r.method === 'PATCH')).toEqual([]);
    expect(await usersOf(em, 'app-db')).toEqual([]);
    const lines = readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { command: string; leaseId?: string; outcome?: string });
    expect(lines.map((l) => [l.command, l.leaseId, l.outcome])).toEqual([
      ['run', leaseId, 'ok'],
      ['run', leaseId, 'ok'],
    ]);
  });

  it('with --no-renew the user ends at its TTL on Atlas’ clock; run still revokes (already gone) and exits with the command’s status', async () => {
    const em = await startEmulator(['--apply-delay', '0s']);
    const file = configFile(em);
    const result = await dynsecret(
      ['run', '--from-file', file.path, '--ttl', '1m', '--no-renew', '--', ...lookAtOwnUser(em.url, 2 * 60_000)],
      {
        env: file.env,
      },
    );
    expect(result.stderr).toMatch(/^user gone at /m);
    expect(result.stderr).not.toMatch(/^Renewed /m);
    expect(result.stderr).toMatch(/^ds-app-db-\w+ was already gone from Atlas; counted as revoked\.$/m);
    expect(result.code).toBe(1);
    expect((await em.requests()).filter((r) => r.method === 'PATCH')).toEqual([]);
  });

  it('says once, ahead of time and with the time, when the max TTL ends the lease before the command', async () => {
    const em = await startEmulator(['--apply-delay', '0s']);
    const short = configFile(em, { name: 'short', defaultTtl: '1m', maxTtl: '1m' });
    const result = await dynsecret(['run', '--from-file', short.path, '--', 'true'], { env: short.env });
    expect(result.code).toBe(0);
    const notices = result.stderr.match(/reaches its max TTL at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/g) ?? [];
    expect(notices).toHaveLength(1);
  });
});
