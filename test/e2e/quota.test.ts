import { beforeAll, describe, expect, it } from 'vitest';
import { createAtlasClient } from '../../src/atlas/index.js';
import { dynsecret, type RunResult } from '../helpers/bin.js';
import { cli } from '../helpers/cli.js';
import { configFile, type ConfigFile } from '../helpers/config-file.js';
import { LeaseJson, startEmulator, usersOf, type Emulator } from '../helpers/emulator.js';

/**
 * The project's database-user limit, and `revoke --expired` reaching leases this machine has no record of. The
 * commands run in this process (helpers/cli.ts) but for the refused lease and `revoke --expired`, which run the
 * built bin.
 */

let em: Emulator;
let file: ConfigFile;

beforeAll(async () => {
  em = await startEmulator(['--apply-delay', '0s']);
  file = configFile(em);
});

const run = (args: string[], via: typeof cli = cli) => via([...args, '--from-file', file.path], { env: file.env });
async function ok(pending: Promise<RunResult>): Promise<RunResult> {
  const result = await pending;
  expect(result.code, result.stderr).toBe(0);
  return result;
}

describe('the database-user limit', () => {
  it('is one sentence with the limit Atlas named, the leases and a clean-up command for this mode, after one create (the refused lease through the bin)', async () => {
    const first = LeaseJson.parse(JSON.parse((await ok(run(['lease', '--format', 'json']))).stdout));
    const users = (await em.state()).users.length;
    await em.setMaxUsers(users);
    await em.clearRequests();
    const refused = await run(['lease', '--format', 'json'], dynsecret);
    await em.setMaxUsers(100);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toContain(
      `Atlas project ${em.groupId} is at its limit of ${users} database users (1 of them are dynsecret leases, 0 of those past their expiry or max TTL), so no lease can be created (Atlas error GROUP_USERS_LIMIT_EXCEEDED); clean up with: dynsecret revoke --expired --from-file ${file.path}`,
    );
    const creates = (await em.requests()).filter((r) => r.method === 'POST' && r.path.endsWith('/databaseUsers'));
    expect(creates.map((r) => r.status)).toEqual([403]);
    await ok(run(['revoke', first.leaseId]));
  });

  it('revoke --expired --from-file reaches a stale lease made elsewhere and leaves the live ones (revoke --expired through the bin)', async () => {
    const live = LeaseJson.parse(JSON.parse((await ok(run(['lease', '--format', 'json']))).stdout));
    // A lease of this config made by another machine, past its max TTL while Atlas still has the user.
    const client = createAtlasClient({
      baseUrl: em.url,
      groupId: em.groupId,
      auth: { kind: 'apiKey', publicKey: em.publicKey, privateKey: em.privateKey },
      env: {},
    });
    const now = Date.parse((await em.state()).now);
    const at = (ms: number) => `${new Date(now + ms).toISOString().slice(0, 19)}Z`;
    await client.createDatabaseUser({
      username: 'ds-app-db-elsewhere01',
      password: 'elsewhere-password-0123456789abcdef',
      roles: [{ roleName: 'read', databaseName: 'app' }],
      labels: [
        { key: 'dynsecret.config', value: 'app-db' },
        { key: 'dynsecret.createdAt', value: at(-3_600_000) },
        { key: 'dynsecret.maxExpiresAt', value: at(-60_000) },
      ],
      deleteAfterDate: at(3_600_000),
    });
    await client.close();

    const result = await ok(run(['revoke', '--expired', '--json'], dynsecret));
    expect((JSON.parse(result.stdout) as { leaseId: string; outcome: string }[]).map((r) => [r.leaseId, r.outcome])).toEqual([
      ['ds-app-db-elsewhere01', 'revoked'],
    ]);
    expect((await usersOf(em, 'app-db')).map((u) => u.username)).toEqual([live.leaseId]);
    await ok(run(['revoke', live.leaseId]));
  });
});
