import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
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
 * Two machines (two DYNSECRET_HOMEs) with the same config: Atlas' labels let each find, renew and revoke
 * the other's leases. The commands run in this process (helpers/cli.ts); the list table, a renewal, a revoke
 * and a refused renewal run through the built bin, as the titles say.
 */

const Listed = z.array(z.object({ leaseId: z.string(), expiresAt: z.string(), status: z.string(), source: z.enum(['local', 'remote']) }));

describe('leases made on another machine (two stores against one emulator)', () => {
  let em: Emulator;
  let here: Workspace;
  let there: Workspace;
  const lease = async (ws: Workspace) => parseLease((await mustSucceed(ws.cli(['lease', 'app-db', '--format', 'json']))).stdout);
  const remoteList = async (ws: Workspace) =>
    Listed.parse(JSON.parse((await mustSucceed(ws.cli(['list', 'app-db', '--remote', '--json']))).stdout));
  const entry = (list: z.infer<typeof Listed>, leaseId: string) => list.find((l) => l.leaseId === leaseId);

  beforeAll(async () => {
    em = await startEmulator();
    [here, there] = await Promise.all([workspace(em, [{ name: 'app-db' }]), workspace(em, [{ name: 'app-db' }])]);
  });

  it("list --remote shows the other machine's leases as remote (the table through the bin) and marks a local lease revoked elsewhere as gone", async () => {
    const mine = await lease(here);
    const theirs = await lease(there);
    const before = await remoteList(here);
    expect(entry(before, mine.leaseId)).toMatchObject({ status: 'active', source: 'local' });
    expect(entry(before, theirs.leaseId)).toMatchObject({ status: 'active', source: 'remote', expiresAt: theirs.expiresAt });
    const table = await here.run(['list', 'app-db', '--remote']);
    expect(table.stdout).toMatch(new RegExp(`^${theirs.leaseId} .* active \\(made elsewhere\\)$`, 'm'));
    expect((await leaseRecords(here, 'app-db')).map((r) => r.leaseId)).not.toContain(theirs.leaseId);

    const revoked = await there.cli(['revoke', mine.leaseId, '--config', 'app-db', '--json']);
    expect(revoked.code).toBe(0);
    expect(JSON.parse(revoked.stdout)).toEqual([{ leaseId: mine.leaseId, config: 'app-db', outcome: 'revoked' }]);
    expect(entry(await remoteList(here), mine.leaseId)).toMatchObject({ status: 'gone', source: 'local' });
  });

  it('renew ID --config NAME works from the machine without the record, and the owner sees the new expiry; renewed through the bin', async () => {
    const theirs = await lease(there);
    const without = await here.cli(['renew', theirs.leaseId, '--ttl', '2h']);
    expect(without.code).toBe(5);
    expect(without.stderr).toMatch(/--config NAME/);

    const renewed = await here.run(['renew', theirs.leaseId, '--config', 'app-db', '--ttl', '2h', '--json']);
    expect(renewed.code).toBe(0);
    const { expiresAt, previousExpiresAt } = z
      .object({ expiresAt: z.string(), previousExpiresAt: z.string() })
      .parse(JSON.parse(renewed.stdout));
    expect(previousExpiresAt).toBe(theirs.expiresAt);
    expect(Date.parse(expiresAt)).toBeGreaterThan(Date.parse(theirs.expiresAt));
    expect((await usersOf(em, 'app-db')).find((u) => u.username === theirs.leaseId)?.deleteAfterDate).toBe(expiresAt);
    expect(entry(await remoteList(there), theirs.leaseId)).toMatchObject({ expiresAt, status: 'active', source: 'local' });
  });

  it('revoke ID --config NAME works from the machine without the record; the owner then sees it gone, through the bin', async () => {
    const theirs = await lease(there);
    const result = await here.run(['revoke', theirs.leaseId, '--config', 'app-db']);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(`Revoked ${theirs.leaseId}.`);
    expect((await usersOf(em, 'app-db')).map((u) => u.username)).not.toContain(theirs.leaseId);
    expect(entry(await remoteList(there), theirs.leaseId)).toMatchObject({ status: 'gone' });
  });

  it('renew --config of a user Atlas does not have is exit 5, through the bin', async () => {
    const result = await here.run(['renew', 'ds-app-db-000000000000', '--config', 'app-db']);
    expect(result.code).toBe(5);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/no longer exists in Atlas/);
  });
});
