import { describe, expect, it } from 'vitest';
import { listLeases } from '../../../src/commands/list/leases.js';
import { ABANDONED_AFTER_MS } from '../../../src/service/lifecycle.js';
import type { LeaseRecord } from '../../../src/store/schema.js';
import { fakeContext, H, iso, later, rejection, START } from './fake-context.js';

function record(leaseId: string, overrides: Partial<LeaseRecord> = {}): LeaseRecord {
  return {
    leaseId,
    config: 'app-db',
    createdAt: iso(START),
    expiresAt: iso(later(H)),
    maxExpiresAt: iso(later(24 * H)),
    status: 'active',
    ...overrides,
  };
}

const listed = (output: string) => JSON.parse(output) as { leaseId: string; status: string; source: string; expiresAt: string }[];

describe('list NAME (in-process)', () => {
  it("lists the config's leases from the store with their derived status, oldest first, never asking Atlas", async () => {
    const fakes = await fakeContext({
      leases: [
        record('ds-b', { createdAt: iso(later(1000)) }),
        record('ds-a', { expiresAt: iso(later(-1000)) }),
        record('ds-c', { status: 'creating', createdAt: iso(later(2000)) }),
        record('ds-x', { config: 'other' }),
      ],
    });
    const rows = listed(await listLeases(fakes.context, { name: 'app-db', json: true }));
    expect(rows.map((r) => [r.leaseId, r.status, r.source])).toEqual([
      ['ds-a', 'expired', 'local'],
      ['ds-b', 'active', 'local'],
      ['ds-c', 'incomplete', 'local'],
    ]);
    expect(fakes.atlas.calls).toEqual([]);
  });

  it('prints a table, and warns about interrupted leases', async () => {
    const fakes = await fakeContext({ leases: [record('ds-a'), record('ds-c', { status: 'creating' })] });
    const table = await listLeases(fakes.context, { name: 'app-db' });
    expect(table).toMatch(/^LEASE ID \(USERNAME\)\s+CREATED\s+EXPIRES\s+STATUS/);
    expect(table).toMatch(/ds-a\s+2026-11-29T12:00:00Z\s+2026-11-29T13:00:00Z\s+\(in 1h\)\s+active/);
    expect(fakes.stderr).toEqual([
      '1 lease(s) were interrupted before Atlas answered; `dynsecret list app-db --remote` checks them, `dynsecret revoke --expired` cleans them up.',
    ]);
  });

  it.each([
    [false, 'No leases of app-db on this machine.'],
    [true, 'No leases of app-db in Atlas or on this machine.'],
  ])('says so when there are none (remote: %s)', async (remote, line) => {
    const fakes = await fakeContext();
    expect(await listLeases(fakes.context, { name: 'app-db', remote })).toBe('');
    expect(fakes.stderr).toEqual([line]);
  });

  it('refuses an unknown config with exit 5', async () => {
    const fakes = await fakeContext();
    expect((await rejection(listLeases(fakes.context, { name: 'nope' }))).exitCode).toBe(5);
  });

  it("--remote adds leases made elsewhere, takes Atlas' expiry, and marks a lease Atlas no longer has as gone", async () => {
    const fakes = await fakeContext({ leases: [record('ds-mine'), record('ds-renewed'), record('ds-revoked-elsewhere')] });
    fakes.atlas.addLease(record('ds-mine'));
    fakes.atlas.addLease(record('ds-renewed', { expiresAt: iso(later(3 * H)) }));
    fakes.atlas.addLease(record('ds-theirs', { createdAt: iso(later(5000)) }));
    fakes.atlas.addLease(record('ds-other-config', { config: 'other' }));
    const rows = listed(await listLeases(fakes.context, { name: 'app-db', remote: true, json: true }));
    expect(rows.map((r) => [r.leaseId, r.status, r.source, r.expiresAt])).toEqual([
      ['ds-mine', 'active', 'local', iso(later(H))],
      ['ds-renewed', 'active', 'local', iso(later(3 * H))],
      ['ds-revoked-elsewhere', 'gone', 'local', iso(later(H))],
      ['ds-theirs', 'active', 'remote', iso(later(H))],
    ]);
    expect((await fakes.leases()).map((l) => [l.leaseId, l.status])).toEqual([
      ['ds-mine', 'active'],
      ['ds-renewed', 'active'],
      ['ds-revoked-elsewhere', 'gone'],
    ]);
  });

  // The same rule as revoke --expired: a `creating` record may belong to a lease still being made until then.
  it.each([
    ['younger than the abandon threshold stays incomplete', ABANDONED_AFTER_MS - 1000, 'incomplete'],
    ['at the abandon threshold is gone', ABANDONED_AFTER_MS, 'gone'],
  ])('--remote: a creating record Atlas has no user for, %s', async (_case, elapsed, status) => {
    const fakes = await fakeContext({ leases: [record('ds-c', { status: 'creating' })] });
    fakes.clock.advance(elapsed);
    const rows = listed(await listLeases(fakes.context, { name: 'app-db', remote: true, json: true }));
    expect(rows.map((r) => r.status)).toEqual([status]);
  });

  it('--remote keeps a creating record incomplete even though Atlas has its user (its password is lost)', async () => {
    const fakes = await fakeContext({ leases: [record('ds-c', { status: 'creating' })] });
    fakes.atlas.addLease(record('ds-c'));
    fakes.clock.advance(ABANDONED_AFTER_MS * 2);
    expect(listed(await listLeases(fakes.context, { name: 'app-db', remote: true, json: true })).map((r) => r.status)).toEqual([
      'incomplete',
    ]);
  });
});
