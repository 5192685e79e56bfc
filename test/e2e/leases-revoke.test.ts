import { beforeAll, describe, expect, it } from 'vitest';
import { DigestSession } from '../emulator/helpers.js';
import {
  configRecords,
  leaseRecords,
  mustSucceed,
  parseLease,
  startEmulator,
  usersOf,
  workspace,
  type Emulator,
  type Workspace,
} from '../helpers/emulator.js';

/**
 * `revoke`, `list NAME` and `delete NAME` against the emulator. The commands run in this process (helpers/cli.ts);
 * each runs through the built bin once on its success path and once on a failure path, as the titles say.
 */

const THROUGH_THE_BIN = ', through the bin';

interface Listed {
  leaseId: string;
  status: string;
}

describe('dynsecret revoke, list NAME and delete NAME (against the emulator)', () => {
  let em: Emulator;
  let ws: Workspace;
  const lease = async (config = 'app-db') => parseLease((await mustSucceed(ws.cli(['lease', config, '--format', 'json']))).stdout).leaseId;
  const listed = async (config = 'app-db') => JSON.parse((await mustSucceed(ws.cli(['list', config, '--json']))).stdout) as Listed[];
  /** The ids the store holds, read in-process where `list` is not what is tested. */
  const recorded = async (config = 'app-db') => (await leaseRecords(ws, config)).map((r) => r.leaseId);
  const inAtlas = async (config = 'app-db') => (await usersOf(em, config)).map((u) => u.username);
  /** The next DELETE of this lease's user is refused with a 403. */
  const refuseDelete = (leaseId: string) =>
    em.addFault({ match: { method: 'DELETE', path: leaseId }, count: 1, status: 403, errorCode: 'USER_UNAUTHORIZED' });

  beforeAll(async () => {
    em = await startEmulator();
    ws = await workspace(em, [{ name: 'app-db' }, { name: 'temp-db' }]);
  });

  it('revoke ID ID --json deletes both users and records and reports each, through the bin', async () => {
    const [a, b] = [await lease(), await lease()];
    const result = await ws.run(['revoke', a, b, '--json']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual([
      { leaseId: a, config: 'app-db', outcome: 'revoked' },
      { leaseId: b, config: 'app-db', outcome: 'revoked' },
    ]);
    expect(result.stderr).toContain(`Revoked ${a}.\nRevoked ${b}.\n`);
    expect(await inAtlas()).not.toContain(a);
    expect(await recorded()).not.toContain(b);
  });

  it.each([
    ['no lease named', 2, [], /Name the leases to revoke/],
    [
      `an id this machine does not know, without --config${THROUGH_THE_BIN}`,
      5,
      ['ds-app-db-000000000000'],
      /No lease ds-app-db-000000000000 on this machine/,
    ],
    ['--all without --config', 2, ['--all', '--yes'], /--all needs --config/],
    ['--all of an unknown config', 5, ['--all', '--config', 'nope', '--yes'], /No config named nope/],
    ['ids and --expired together', 2, ['ds-app-db-000000000000', '--expired'], /Name the leases to revoke/],
  ])('refuses %s (exit %i) and revokes nothing', async (what, code, args, message) => {
    const id = (await recorded())[0] ?? (await lease());
    const result = await (what.endsWith(THROUGH_THE_BIN) ? ws.run : ws.cli)(['revoke', ...args]);
    expect(result.code).toBe(code);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(message);
    expect(await inAtlas()).toContain(id);
  });

  it('--config NAME --all needs --yes without a terminal, then revokes every lease of that config only', async () => {
    await lease();
    const other = await lease('temp-db');
    const refused = await ws.cli(['revoke', '--config', 'app-db', '--all']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/pass --yes/);
    const before = await inAtlas();
    expect(before.length).toBeGreaterThan(1);

    const result = await ws.cli(['revoke', '--config', 'app-db', '--all', '--yes', '--json']);
    expect(result.code).toBe(0);
    const outcomes = JSON.parse(result.stdout) as { leaseId: string; outcome: string }[];
    expect(outcomes.map((o) => o.leaseId).sort()).toEqual([...before].sort());
    expect(new Set(outcomes.map((o) => o.outcome))).toEqual(new Set(['revoked']));
    expect(await inAtlas()).toEqual([]);
    expect(await recorded()).toEqual([]);
    expect(await inAtlas('temp-db')).toEqual([other]);
  });

  it('a failed revoke exits non-zero and stays listed as "revoke failed"; revoke --expired retries it', async () => {
    const id = await lease();
    await refuseDelete(id);
    const failed = await ws.cli(['revoke', id, '--json']);
    expect(failed.code).toBe(4);
    expect(failed.stdout).toBe('');
    expect(failed.stderr).toMatch(new RegExp(`Could not revoke ${id}: .*not allowed`));
    expect((await listed()).find((l) => l.leaseId === id)?.status).toBe('revoke failed');
    expect((await ws.cli(['list', 'app-db'])).stdout).toMatch(new RegExp(`^${id} .* revoke failed$`, 'm'));
    expect(await inAtlas()).toContain(id);

    const retried = await ws.cli(['revoke', '--expired', '--json']);
    expect(retried.code).toBe(0);
    expect(JSON.parse(retried.stdout)).toEqual([{ leaseId: id, config: 'app-db', outcome: 'revoked' }]);
    expect(await inAtlas()).not.toContain(id);
    expect(await recorded()).not.toContain(id);
  });

  it('--force forgets a lease Atlas would not revoke, says so, and exits 0 (README decision)', async () => {
    const id = await lease();
    await refuseDelete(id);
    const result = await ws.cli(['revoke', id, '--force', '--json']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual([
      { leaseId: id, config: 'app-db', outcome: 'dropped', error: expect.stringMatching(/not allowed/), exitCode: 4 },
    ]);
    expect(result.stderr).toMatch(new RegExp(`Could not revoke ${id} \\(.*\\); forgotten locally because of --force`));
    expect(await recorded()).not.toContain(id);
    expect(await inAtlas()).toContain(id);
    await mustSucceed(ws.cli(['revoke', id, '--config', 'app-db']));
  });

  it("revoke ID --config NAME refuses (exit 5) an Atlas user without that config's label, and deletes nothing", async () => {
    const api = new DigestSession(em.url, em.publicKey, em.privateKey);
    const accept = 'application/vnd.atlas.2023-01-01+json';
    const plain = (username: string, labels: { key: string; value: string }[] = []) =>
      api.send({
        method: 'POST',
        path: `/api/atlas/v2/groups/${em.groupId}/databaseUsers`,
        headers: { Accept: accept, 'Content-Type': accept },
        body: JSON.stringify({
          username,
          password: 'a-long-password-1234',
          databaseName: 'admin',
          groupId: em.groupId,
          labels,
          roles: [{ roleName: 'readWrite', databaseName: 'app' }],
        }),
      });
    expect((await plain('prod-app')).status).toBe(201);
    expect((await plain('other-app', [{ key: 'dynsecret.config', value: 'other-db' }])).status).toBe(201);
    const usernames = async () => (await em.state()).users.map((u) => u.username);
    for (const [id, why] of [
      ['prod-app', /prod-app is not a lease of config app-db/],
      ['other-app', /other-app is not a lease of config app-db/],
    ] as const) {
      for (const extra of [[], ['--force']]) {
        const result = await ws.cli(['revoke', id, '--config', 'app-db', ...extra]);
        expect(result.code).toBe(5);
        expect(result.stdout).toBe('');
        expect(result.stderr).toMatch(why);
        expect(await usernames()).toContain(id);
      }
    }
    // Named with another lease that is one: the whole command is refused before any delete.
    const id = await lease();
    const mixed = await ws.cli(['revoke', id, 'prod-app', '--config', 'app-db']);
    expect(mixed.code).toBe(5);
    expect(await usernames()).toEqual(expect.arrayContaining([id, 'prod-app']));
    expect(await recorded()).toContain(id);
    const otherConfig = await ws.cli(['revoke', id, '--config', 'temp-db']);
    expect(otherConfig.code).toBe(5);
    expect(otherConfig.stderr).toMatch(new RegExp(`Lease ${id} belongs to config app-db, not temp-db`));
    expect(await usernames()).toContain(id);
  });

  it('list NAME --json gives the documented fields; the table shows the same leases and an unknown NAME is exit 5, through the bin', async () => {
    const id = await lease();
    const entry = (await listed()).find((l) => l.leaseId === id);
    expect(entry).toEqual({
      leaseId: id,
      config: 'app-db',
      username: id,
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      expiresAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      maxExpiresAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      status: 'active',
      source: 'local',
    });
    const table = await ws.run(['list', 'app-db']);
    expect(table.stdout).toMatch(/^LEASE ID \(USERNAME\) +CREATED +EXPIRES +STATUS\n/);
    expect(table.stdout).toMatch(new RegExp(`^${id} +\\S+Z +\\S+Z +\\(in (1h|59m)\\) +active$`, 'm'));
    const unknown = await ws.run(['list', 'nope', '--json']);
    expect(unknown.code).toBe(5);
    expect(unknown.stdout).toBe('');
    expect(unknown.stderr).toMatch(/No config named nope/);
  });

  it('delete NAME refuses without --yes, keeps the config when a revoke fails, and with --yes revokes the leases first; refused and deleted through the bin', async () => {
    const ids = [await lease('temp-db'), await lease('temp-db')];
    const refused = await ws.run(['delete', 'temp-db']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/pass --yes/);

    await refuseDelete(ids[0]!);
    const blocked = await ws.cli(['delete', 'temp-db', '--yes']);
    expect(blocked.code).toBe(4);
    expect(blocked.stderr).toMatch(/Config temp-db was kept/);
    expect((await leaseRecords(ws, 'temp-db')).map((l) => [l.leaseId, l.status])).toEqual([[ids[0], 'revoke-failed']]);

    const deleted = await ws.run(['delete', 'temp-db', '--yes']);
    expect(deleted.code).toBe(0);
    expect(deleted.stderr).toContain(`Revoked ${ids[0]}.`);
    expect(deleted.stderr).toMatch(/Deleted config temp-db\.$/m);
    expect(await inAtlas('temp-db')).toEqual([]);
    expect((await configRecords(ws)).map((c) => c.name)).toEqual(['app-db']);
  });
});
