import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
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
 * `renew` against the emulator: new expiry = min(now + TTL, created + max TTL, now + 7 days). The commands run in
 * this process (helpers/cli.ts), and through the built bin once on a success path and once on a failure path,
 * as the titles say.
 */

const HOUR = 3_600_000;
const THROUGH_THE_BIN = ', through the bin';
const Renewed = z.strictObject({
  leaseId: z.string(),
  config: z.string(),
  previousExpiresAt: z.string(),
  expiresAt: z.string(),
  cappedBy: z.enum(['max-ttl', 'atlas-7d']).nullable(),
});

describe('dynsecret renew (against the emulator)', () => {
  let em: Emulator;
  let ws: Workspace;
  const lease = async (...flags: string[]): Promise<LeaseJson> =>
    parseLease((await mustSucceed(ws.cli(['lease', 'app-db', '--format', 'json', ...flags]))).stdout);
  const deleteAfter = async (leaseId: string) => (await em.state()).users.find((u) => u.username === leaseId)?.deleteAfterDate;
  // The store read in-process: `list` is tested elsewhere.
  const listedAll = () => leaseRecords(ws, 'app-db');
  const listed = async (leaseId: string) => (await listedAll()).find((l) => l.leaseId === leaseId);

  beforeAll(async () => {
    em = await startEmulator();
    ws = await workspace(em, [
      { name: 'app-db', flags: ['--role', 'readWrite@app', '--scope', 'Cluster0', '--default-ttl', '30m', '--max-ttl', '2h'] },
      { name: 'sa-db', auth: 'serviceAccount' },
    ]);
  });

  it('a service-account config leases, renews and revokes on one OAuth token shared by every process, through the bin', async () => {
    await em.clearRequests();
    const issued = parseLease((await mustSucceed(ws.run(['lease', 'sa-db', '--format', 'json']))).stdout);
    const renewed = await mustSucceed(ws.run(['renew', issued.leaseId, '--ttl', '2h']));
    const revoked = await mustSucceed(ws.run(['revoke', issued.leaseId]));
    const state = await em.state();
    expect(state.users.map((u) => u.username)).not.toContain(issued.leaseId);
    expect(state.tokens).toBe(1);
    const calls = await em.requests();
    expect(calls.filter((r) => r.path.startsWith('/api/oauth/'))).toEqual([]);
    expect(calls.map((r) => `${r.method} ${r.status} ${r.auth}`)).toEqual(['POST 201 bearer', 'PATCH 200 bearer', 'DELETE 204 bearer']);
    for (const text of [renewed.stderr, revoked.stderr, em.stderr(), JSON.stringify(calls)]) expect(text).not.toContain(em.clientSecret);
  });

  it('--ttl 1h --json moves the expiry to an hour from now, in Atlas and in the store', async () => {
    const issued = await lease();
    const started = Math.floor(Date.now() / 1000) * 1000;
    const result = await ws.cli(['renew', issued.leaseId, '--ttl', '1h', '--json']);
    const ended = Date.now();
    expect(result.code).toBe(0);
    const renewed = Renewed.parse(JSON.parse(result.stdout));
    expect(renewed).toMatchObject({ leaseId: issued.leaseId, config: 'app-db', previousExpiresAt: issued.expiresAt, cappedBy: null });
    expect(Date.parse(renewed.expiresAt)).toBeGreaterThanOrEqual(started + HOUR);
    expect(Date.parse(renewed.expiresAt)).toBeLessThanOrEqual(ended + HOUR);
    // An hour from a clock reading cut to the second: 59m, or 1h when the reading fell on a whole second.
    expect(result.stderr).toMatch(new RegExp(`Renewed ${issued.leaseId}; expires ${renewed.expiresAt} \\(in (59m|1h)\\)`));
    expect(result.stderr).not.toMatch(/Capped/);
    expect(await deleteAfter(issued.leaseId)).toBe(renewed.expiresAt);
    expect(await listed(issued.leaseId)).toMatchObject({ expiresAt: renewed.expiresAt, status: 'active' });
  });

  it('without --json prints nothing on stdout and the summary on stderr', async () => {
    const issued = await lease();
    const result = await ws.cli(['renew', issued.leaseId, '--ttl', '45m']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(new RegExp(`^Renewed ${issued.leaseId}; expires \\S+Z \\(in 4[45]m\\)\\.$`, 'm'));
    expect(await deleteAfter(issued.leaseId)).toBe((await listed(issued.leaseId))?.expiresAt);
  });

  it('caps at the max TTL saying so, then refuses a renewal that cannot extend the lease (exit 5)', async () => {
    const issued = await lease('--ttl', '1h');
    const capped = await ws.cli(['renew', issued.leaseId, '--ttl', '2h', '--json']);
    expect(capped.code).toBe(0);
    expect(capped.stderr).toMatch(/^Capped by the config's max TTL\.$/m);
    expect(Renewed.parse(JSON.parse(capped.stdout))).toMatchObject({ cappedBy: 'max-ttl', expiresAt: issued.maxExpiresAt });
    expect(await deleteAfter(issued.leaseId)).toBe(issued.maxExpiresAt);

    await em.clearRequests();
    for (const ttl of ['1h', '2h']) {
      const refused = await ws.cli(['renew', issued.leaseId, '--ttl', ttl, '--json']);
      expect(refused.code).toBe(5);
      expect(refused.stdout).toBe('');
      expect(refused.stderr).toContain(`lease ${issued.leaseId} is at its max TTL, expires ${issued.maxExpiresAt}`);
    }
    expect((await ws.cli(['renew', issued.leaseId, '--ttl', '8d'])).code).toBe(2);
    expect((await em.requests()).filter((r) => r.method === 'PATCH')).toEqual([]);
    expect(await listed(issued.leaseId)).toMatchObject({ expiresAt: issued.maxExpiresAt, status: 'active' });
  });

  it.each([
    [`a TTL above 7 days${THROUGH_THE_BIN}`, ['--ttl', '8d'], 2, /Atlas' limit of 7 days/],
    ['a zero TTL', ['--ttl', '0m'], 2, /greater than zero/],
    ['a garbled TTL', ['--ttl', '1 hour'], 2, /whitespace/],
  ])('refuses %s with exit 2 and no call to Atlas', async (what, flags, code, message) => {
    const leaseId = (await listedAll()).find((l) => l.expiresAt < l.maxExpiresAt)?.leaseId ?? (await lease()).leaseId;
    await em.clearRequests();
    const result = await (what.endsWith(THROUGH_THE_BIN) ? ws.run : ws.cli)(['renew', leaseId, ...flags]);
    expect(result.code).toBe(code);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(message);
    expect(await em.requests()).toEqual([]);
  });

  it.each([
    ['an id this machine never leased', ['ds-app-db-000000000000'], /No lease ds-app-db-000000000000 on this machine/],
    [
      'a lease of another machine under a config that does not exist',
      ['ds-app-db-000000000000', '--config', 'nope'],
      /No config named nope/,
    ],
  ])('refuses %s with exit 5', async (_what, args, message) => {
    const result = await ws.cli(['renew', ...args]);
    expect(result.code).toBe(5);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(message);
  });
});
