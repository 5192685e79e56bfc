import { describe, expect, it } from 'vitest';
import { renew, type RenewOptions } from '../../../src/commands/renew.js';
import type { LeaseRecord } from '../../../src/store/schema.js';
import { atlasError, config, fakeContext, H, iso, later, rejection, START } from './fake-context.js';

const ID = 'ds-app-db-1a2b3c4d5e6f';
const M = 60_000;

function record(overrides: Partial<LeaseRecord> = {}): LeaseRecord {
  return {
    leaseId: ID,
    config: 'app-db',
    createdAt: iso(START),
    expiresAt: iso(later(H)),
    maxExpiresAt: iso(later(24 * H)),
    status: 'active',
    ...overrides,
  };
}

/** A context holding one lease, known to this machine and to Atlas, with the clock `elapsed` after it was made. */
async function withLease(elapsed: number, lease: LeaseRecord = record(), options: { maxTtlMs?: number } = {}) {
  const fakes = await fakeContext({
    leases: [lease],
    configs: [config(options.maxTtlMs === undefined ? {} : { maxTtlMs: options.maxTtlMs })],
  });
  fakes.atlas.addLease(lease);
  fakes.clock.advance(elapsed);
  return fakes;
}

describe('renew (in-process, fake Atlas)', () => {
  it('sets now + the default TTL in Atlas and in the record, notes it, and prints the new expiry (JSON with --json)', async () => {
    const fakes = await withLease(30 * M);
    const output = await renew(fakes.context, { leaseId: ID, json: true });
    expect(JSON.parse(output)).toEqual({
      leaseId: ID,
      config: 'app-db',
      previousExpiresAt: iso(later(H)),
      expiresAt: iso(later(90 * M)),
      cappedBy: null,
    });
    expect(fakes.atlas.users.get(ID)!.deleteAfterDate).toBe(iso(later(90 * M)));
    expect((await fakes.leases())[0]).toMatchObject({ expiresAt: iso(later(90 * M)), status: 'active' });
    expect(fakes.audit).toEqual([{ config: 'app-db', leaseId: ID, expiresAt: iso(later(90 * M)) }]);
    expect(fakes.stderr).toEqual([`Renewed ${ID}; expires ${iso(later(90 * M))} (in 1h).`]);
  });

  it('caps at the max TTL the lease was issued with, and says so', async () => {
    const fakes = await withLease(90 * M, record({ expiresAt: iso(later(100 * M)), maxExpiresAt: iso(later(2 * H)) }));
    expect(await renew(fakes.context, { leaseId: ID })).toBe('');
    expect(fakes.atlas.users.get(ID)!.deleteAfterDate).toBe(iso(later(2 * H)));
    expect(fakes.stderr).toEqual([`Renewed ${ID}; expires ${iso(later(2 * H))} (in 30m).`, "Capped by the config's max TTL."]);
  });

  it("caps at the config's max TTL when it was lowered after the lease was made", async () => {
    const fakes = await withLease(90 * M, record({ expiresAt: iso(later(100 * M)) }), { maxTtlMs: 2 * H });
    await renew(fakes.context, { leaseId: ID });
    expect(fakes.atlas.users.get(ID)!.deleteAfterDate).toBe(iso(later(2 * H)));
  });

  it('renews a lease made elsewhere when --config names the config its Atlas labels carry, and records it', async () => {
    const fakes = await fakeContext();
    fakes.atlas.addLease(record());
    fakes.clock.advance(30 * M);
    await renew(fakes.context, { leaseId: ID, config: 'app-db', ttl: '2h' });
    expect(await fakes.leases()).toEqual([record({ expiresAt: iso(later(150 * M)) })]);
  });

  it.each<[string, number, LeaseRecord | undefined, Partial<RenewOptions>, number, string, string | undefined]>([
    [
      'a lease this machine does not know',
      0,
      undefined,
      {},
      5,
      `No lease ${ID} on this machine.`,
      'For a lease made elsewhere, name its config: dynsecret renew ID --config NAME',
    ],
    ['a lease of another config', 0, record(), { config: 'other' }, 5, `Lease ${ID} belongs to config app-db, not other.`, undefined],
    [
      'a bare number as TTL',
      0,
      record(),
      { ttl: '10' },
      2,
      'Invalid --ttl "10": a bare number has no unit',
      'use e.g. 30m, 1h, 1h30m, 2d12h, 7d',
    ],
    ['a TTL under a minute', 0, record(), { ttl: '10s' }, 2, '--ttl 10s is below the minimum of 1 minute; use --ttl 1m or more', undefined],
    [
      "a TTL above Atlas' 7 days",
      0,
      record(),
      { ttl: '8d' },
      2,
      "TTL 8d is above Atlas' limit of 7 days",
      'Atlas deletes a user at most 7 days after each create or renew; lease for 7d or less and renew it',
    ],
    ['an expired lease', 2 * H, record(), {}, 5, `lease ${ID} has expired (${iso(later(H))})`, undefined],
    ['an expiry exactly now', H, record(), {}, 5, `lease ${ID} has expired (${iso(later(H))})`, undefined],
    [
      'a TTL that would not extend it',
      0,
      record(),
      { ttl: '10m' },
      5,
      `renewing lease ${ID} for 10 minutes would not extend it; it expires ${iso(later(H))}`,
      'ask for a longer TTL',
    ],
    [
      'a lease at its max TTL',
      30 * M,
      record({ expiresAt: iso(later(H)), maxExpiresAt: iso(later(H)) }),
      {},
      5,
      `lease ${ID} is at its max TTL, expires ${iso(later(H))}`,
      'Lease a new one instead: dynsecret lease app-db',
    ],
    [
      'a lease at its max TTL, even for a short TTL',
      30 * M,
      record({ expiresAt: iso(later(H)), maxExpiresAt: iso(later(H)) }),
      { ttl: '1m' },
      5,
      `lease ${ID} is at its max TTL, expires ${iso(later(H))}`,
      'Lease a new one instead: dynsecret lease app-db',
    ],
  ])('refuses %s', async (_case, elapsed, lease, options, exitCode, message, hint) => {
    const fakes = await fakeContext({ leases: lease === undefined ? [] : [lease] });
    if (lease) fakes.atlas.addLease(lease);
    fakes.clock.advance(elapsed);
    const before = await fakes.leases();
    const error = await rejection(renew(fakes.context, { leaseId: ID, ...options }));
    expect({ exitCode: error.exitCode, message: error.message, hint: error.hint }).toEqual({ exitCode, message, hint });
    expect(fakes.atlas.calls.filter((c) => c.method === 'updateDatabaseUser')).toEqual([]);
    expect(await fakes.leases()).toEqual(before);
    expect(fakes.audit).toEqual([]);
  });

  it('marks the record gone when Atlas no longer has the user', async () => {
    const fakes = await withLease(30 * M);
    fakes.atlas.users.clear();
    const error = await rejection(renew(fakes.context, { leaseId: ID }));
    expect(error.message).toBe(`Lease ${ID} no longer exists in Atlas (revoked or expired).`);
    expect(error.exitCode).toBe(5);
    expect((await fakes.leases())[0]!.status).toBe('gone');
  });

  it.each([
    ['absent in Atlas', () => undefined, `Lease ${ID} no longer exists in Atlas.`],
    [
      'not labelled for the config',
      (atlas: { users: Map<string, { labels: unknown[] }> }) => {
        atlas.users.get(ID)!.labels = [];
      },
      `Atlas user ${ID} is not a lease of config app-db.`,
    ],
  ])('refuses a lease made elsewhere that is %s', async (_case, change, message) => {
    const fakes = await fakeContext();
    if (message.startsWith('Atlas user')) fakes.atlas.addLease(record());
    change(fakes.atlas);
    const error = await rejection(renew(fakes.context, { leaseId: ID, config: 'app-db' }));
    expect(error.message).toBe(message);
    expect(await fakes.leases()).toEqual([]);
  });

  it('passes on any other Atlas failure unchanged, leaving the record as it was', async () => {
    const fakes = await withLease(30 * M);
    const failure = atlasError(401, 'UNAUTHORIZED');
    fakes.atlas.fail('updateDatabaseUser', failure);
    await expect(renew(fakes.context, { leaseId: ID })).rejects.toBe(failure);
    expect(await fakes.leases()).toEqual([record()]);
  });
});
