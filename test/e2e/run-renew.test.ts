import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { dynsecret } from '../helpers/bin.js';
import { configFile, type ConfigFile } from '../helpers/config-file.js';
import { startEmulator, usersOf, type Emulator } from '../helpers/emulator.js';

let em: Emulator;
let file: ConfigFile;

beforeAll(async () => {
  em = await startEmulator(['--apply-delay', '0s']);
  file = configFile(em);
});

/**
 * The command `run` starts: for `seconds`, it asks the emulator every 250 ms whether its user (DB_USERNAME)
 * still exists and has not reached its deleteAfterDate (the emulator deletes expired users as Atlas does).
 * It exits 1 the moment the user is gone.
 */
const watcher = (seconds: number, emulator: Emulator = em) => [
  process.execPath,
  '-e',
  `
    const url = process.argv[1];
    const end = Date.now() + ${seconds * 1000};
    let checks = 0;
    (async () => {
      while (Date.now() < end) {
        const state = await (await fetch(url + '/__emulator/state')).json();
        const user = state.users.find((u) => u.username === process.env.DB_USERNAME);
        if (!user || Date.parse(user.deleteAfterDate) <= Date.parse(state.now)) {
          console.error('user gone at ' + state.now + ' after ' + checks + ' checks');
          process.exit(1);
        }
        checks++;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      console.error('user alive for all ' + checks + ' checks');
    })();`,
  emulator.url,
];

// Each test waits on real TTLs (seconds) and shares nothing but the emulator: they run side by side.
describe.concurrent('run keeps its lease alive', () => {
  it('renews a 4s lease while a command runs for more than three TTLs; the user works throughout and is revoked at the end', async () => {
    const log = join(file.folder, 'renew-audit.jsonl');
    const result = await dynsecret(['run', '--from-file', file.path, '--ttl', '4s', '--wait=1m', '--', ...watcher(13)], {
      env: { ...file.env, DYNSECRET_AUDIT_LOG: log },
    });
    expect(result.stderr).toMatch(/user alive for all \d+ checks/);
    expect(result.code).toBe(0);
    const leaseId = /Leased (ds-app-db-\w+)/.exec(result.stderr)?.[1];
    expect(leaseId).toBeDefined();
    const renewed = result.stderr.match(/^Renewed ds-app-db-\w+; expires/gm) ?? [];
    expect(renewed.length).toBeGreaterThanOrEqual(4);
    expect(result.stderr).toContain(`Revoked ${leaseId}.`);
    expect((await usersOf(em, 'app-db')).some((u) => u.username === leaseId)).toBe(false);
    // One audit line per renewal, between the lease and the revoke, each with a later expiry.
    const lines = readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { command: string; leaseId?: string; expiresAt?: string });
    expect(lines.every((l) => l.command === 'run' && l.leaseId === leaseId)).toBe(true);
    const expiries = lines.slice(1, -1).map((l) => l.expiresAt!);
    expect(expiries.length).toBe(renewed.length);
    expect([...expiries].sort()).toEqual(expiries);
    expect(new Set(expiries).size).toBe(expiries.length);
  });

  it('warns about a failed renewal, retries it before the expiry and goes on; the command never notices', async () => {
    // An emulator of its own: the fault must meet this run's renewal, not another test's.
    const own = await startEmulator(['--apply-delay', '0s']);
    const ownFile = configFile(own);
    await own.addFault({ match: { method: 'PATCH' }, count: 1, status: 403 });
    const result = await dynsecret(['run', '--from-file', ownFile.path, '--ttl', '4s', '--', ...watcher(7, own)], { env: ownFile.env });
    expect(result.stderr).toMatch(/^warning: could not renew ds-app-db-\w+ \(.+\); retrying in \ds, before it expires/m);
    expect(result.stderr).toMatch(/^Renewal of ds-app-db-\w+ succeeded again\.$/m);
    expect(result.stderr).toMatch(/user alive for all \d+ checks/);
    expect(result.code).toBe(0);
  });

  it('with --no-renew, the same command loses its user at the TTL (and run still revokes and exits with its status)', async () => {
    const result = await dynsecret(['run', '--from-file', file.path, '--ttl', '2s', '--no-renew', '--', ...watcher(6)], { env: file.env });
    expect(result.stderr).toMatch(/user gone at/);
    expect(result.stderr).not.toMatch(/^Renewed/m);
    expect(result.code).toBe(1);
  });

  it('says once, ahead of time and with the time, when the max TTL ends the lease before the command', async () => {
    const short = configFile(em, { name: 'short', defaultTtl: '1m', maxTtl: '1m' });
    const result = await dynsecret(['run', '--from-file', short.path, '--', 'true'], { env: short.env });
    expect(result.code).toBe(0);
    const notices = result.stderr.match(/reaches its max TTL at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/g) ?? [];
    expect(notices).toHaveLength(1);
  });
});
