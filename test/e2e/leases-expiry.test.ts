import { beforeAll, describe, expect, it } from 'vitest';
import { EncryptedStore } from '../../src/store/store.js';
import {
  leaseRecords,
  mustSucceed,
  parseLease,
  startEmulator,
  workspace,
  type Emulator,
  type LeaseJson,
  type Workspace,
} from '../helpers/emulator.js';

/**
 * Leases that ended: deleted by Atlas at their deleteAfterDate (the emulator's clock is moved forward for
 * that), or expired on this machine's clock too. dynsecret keeps the real clock, which no test moves: the
 * lease that has expired here is aged in the store instead, as if it had been leased earlier. The commands run in
 * this process (helpers/cli.ts); a revoke and a refused renewal run through the built bin, as the titles say.
 */

const MOVED_MS = 2 * 60_000;
const earlier = (iso: string) => `${new Date(Date.parse(iso) - MOVED_MS).toISOString().slice(0, 19)}Z`;

interface Listed {
  leaseId: string;
  status: string;
}

describe('expired leases and users Atlas already deleted (against the emulator)', () => {
  let em: Emulator;
  let ws: Workspace;
  let short: LeaseJson;
  let revokedByAtlas: LeaseJson;
  let renewedAfterAtlas: LeaseJson;
  let alive: LeaseJson;
  const lease = async (ttl: string) =>
    parseLease((await mustSucceed(ws.cli(['lease', 'app-db', '--format', 'json', '--ttl', ttl]))).stdout);
  const listed = async () => JSON.parse((await mustSucceed(ws.cli(['list', 'app-db', '--json']))).stdout) as Listed[];
  const statusOf = async (lease: LeaseJson) => (await listed()).find((l) => l.leaseId === lease.leaseId)?.status;

  beforeAll(async () => {
    em = await startEmulator();
    ws = await workspace(em, [
      { name: 'app-db', flags: ['--role', 'readWrite@app', '--scope', 'Cluster0', '--default-ttl', '30m', '--max-ttl', '2h'] },
    ]);
    // Made before the emulator's clock moves: afterwards Atlas would find a minute's expiry in its past.
    short = await lease('1m');
    revokedByAtlas = await lease('1m');
    renewedAfterAtlas = await lease('1m');
    alive = await lease('30m');
    await em.advanceClock(MOVED_MS);
    // Atlas' clock moved two minutes on; `short`'s record moves two minutes back, under the store's lock, as
    // another dynsecret process would write it: both now see it expired.
    await new EncryptedStore({ folder: ws.home, keys: { session: ws.env.DYNSECRET_SESSION } }).update((data) => {
      const record = data.leases.find((l) => l.leaseId === short.leaseId)!;
      record.createdAt = earlier(record.createdAt);
      record.expiresAt = earlier(record.expiresAt);
      record.maxExpiresAt = earlier(record.maxExpiresAt);
    });
    short = { ...short, expiresAt: earlier(short.expiresAt) };
  });

  it('Atlas deleted the users whose deleteAfterDate passed, and only those', async () => {
    const users = (await em.state()).users.map((u) => u.username);
    expect(users).toEqual([alive.leaseId]);
  });

  it('revoke of a user Atlas already deleted: a notice, exit 0, record gone, through the bin', async () => {
    const result = await ws.run(['revoke', revokedByAtlas.leaseId, '--json']);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(`${revokedByAtlas.leaseId} was already gone from Atlas; counted as revoked.`);
    expect(JSON.parse(result.stdout)).toEqual([{ leaseId: revokedByAtlas.leaseId, config: 'app-db', outcome: 'absent' }]);
    expect((await leaseRecords(ws, 'app-db')).map((r) => r.leaseId)).not.toContain(revokedByAtlas.leaseId);
  });

  it('renew of a user Atlas already deleted: exit 5 and the record is marked gone, through the bin', async () => {
    const result = await ws.run(['renew', renewedAfterAtlas.leaseId, '--ttl', '30m', '--json']);
    expect(result.code).toBe(5);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/no longer exists in Atlas/);
    expect((await leaseRecords(ws, 'app-db')).find((r) => r.leaseId === renewedAfterAtlas.leaseId)?.status).toBe('gone');
    const table = await ws.cli(['list', 'app-db']);
    expect(table.stdout).toMatch(new RegExp(`^${renewedAfterAtlas.leaseId} .* gone$`, 'm'));
  });

  it('renew of a lease past its expiry: exit 5 without asking Atlas', async () => {
    expect(Date.parse(short.expiresAt)).toBeLessThan(Date.now());
    expect(await statusOf(short)).toBe('expired');
    await em.clearRequests();
    const result = await ws.cli(['renew', short.leaseId, '--ttl', '30m']);
    expect(result.code).toBe(5);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`lease ${short.leaseId} has expired (${short.expiresAt})`);
    expect(await em.requests()).toEqual([]);
  });

  it('revoke --expired clears the gone and expired records and leaves the live one', async () => {
    const result = await ws.cli(['revoke', '--expired', '--json']);
    expect(result.code).toBe(0);
    const outcomes = JSON.parse(result.stdout) as { leaseId: string; outcome: string }[];
    expect(outcomes.map((o) => [o.leaseId, o.outcome]).sort()).toEqual(
      [
        [short.leaseId, 'absent'],
        [renewedAfterAtlas.leaseId, 'absent'],
      ].sort(),
    );
    expect((await leaseRecords(ws, 'app-db')).map((l) => [l.leaseId, l.status])).toEqual([[alive.leaseId, 'active']]);
    expect((await em.state()).users.map((u) => u.username)).toEqual([alive.leaseId]);
  });
});
