import { describe, expect, it } from 'vitest';
import { deleteConfig, type DeleteOptions } from '../../../src/commands/delete.js';
import type { LeaseRecord } from '../../../src/store/schema.js';
import { atlasError, config, fakeContext, H, iso, later, rejection, START, type FakeOptions } from './fake-context.js';

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

async function withLeases(options: FakeOptions = {}) {
  const leases = [record('ds-a'), record('ds-gone', { status: 'gone' }), record('ds-other', { config: 'other' })];
  const fakes = await fakeContext({ configs: [config(), config({ name: 'other' })], leases, ...options });
  for (const lease of leases) if (lease.status !== 'gone') fakes.atlas.addLease(lease);
  await fakes.store.update((data) => {
    data.tokens = [{ config: 'app-db', accessToken: 'tok', expiresAt: iso(later(H)) }];
  });
  return fakes;
}

describe('delete NAME (in-process, fake Atlas)', () => {
  it('revokes the live leases, then removes the config, its records and its cached token', async () => {
    const fakes = await withLeases();
    await deleteConfig(fakes.context, { name: 'app-db', yes: true });
    expect([...fakes.atlas.users.keys()]).toEqual(['ds-other']);
    const data = await fakes.store.read();
    expect(data.configs.map((c) => c.name)).toEqual(['other']);
    expect(data.leases.map((l) => l.leaseId)).toEqual(['ds-other']);
    expect(data.tokens).toEqual([]);
    expect(fakes.stderr).toEqual(['Revoked ds-a.', 'Deleted config app-db.']);
    expect(fakes.audit).toEqual([{ config: 'app-db', leaseId: 'ds-a', outcome: 'ok' }, { config: 'app-db' }]);
  });

  it('keeps the config when a lease cannot be revoked, and says why', async () => {
    const fakes = await withLeases();
    fakes.atlas.fail('deleteDatabaseUser', atlasError(500, 'UNEXPECTED_ERROR'));
    const error = await rejection(deleteConfig(fakes.context, { name: 'app-db', yes: true }));
    expect(error.message).toBe('1 of 1 revoke(s) failed; they stay listed as "revoke failed".');
    expect((await fakes.store.read()).configs.map((c) => c.name)).toEqual(['app-db', 'other']);
    expect(fakes.stderr.at(-1)).toBe('Config app-db was kept so its remaining leases can still be revoked (or pass --force).');
  });

  it('--force removes the config even so', async () => {
    const fakes = await withLeases();
    fakes.atlas.fail('deleteDatabaseUser', atlasError(500, 'UNEXPECTED_ERROR'));
    await deleteConfig(fakes.context, { name: 'app-db', yes: true, force: true });
    expect((await fakes.store.read()).configs.map((c) => c.name)).toEqual(['other']);
    expect(fakes.stderr.at(-1)).toBe('Deleted config app-db.');
  });

  it.each<[string, Partial<DeleteOptions>, FakeOptions, number, string]>([
    ['an unknown config', { name: 'nope', yes: true }, {}, 5, 'No config named nope.'],
    ['no --yes without a terminal', {}, {}, 2, 'Deleting config app-db needs confirmation: pass --yes.'],
  ])('refuses %s, changing nothing', async (_case, options, fake, exitCode, message) => {
    const fakes = await withLeases(fake);
    const before = await fakes.store.read();
    const error = await rejection(deleteConfig(fakes.context, { name: 'app-db', ...options }));
    expect({ exitCode: error.exitCode, message: error.message }).toEqual({ exitCode, message });
    expect(await fakes.store.read()).toEqual(before);
    expect(fakes.atlas.calls).toEqual([]);
  });

  it('asks on a terminal, naming the leases it would revoke; a "no" deletes nothing', async () => {
    const fakes = await withLeases({ interactive: true });
    await deleteConfig(fakes.context, { name: 'app-db' });
    expect(fakes.prompts.asked).toEqual(['Delete config app-db and revoke its 1 lease(s)?']);
    expect(fakes.stderr).toEqual(['Nothing was deleted.']);
    expect((await fakes.store.read()).configs).toHaveLength(2);
  });
});
