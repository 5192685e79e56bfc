import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { revoke, type RevokeOptions } from '../../../src/commands/revoke.js';
import { describeError } from '../../../src/cli/error-text.js';
import { ABANDONED_AFTER_MS } from '../../../src/service/lifecycle.js';
import type { LeaseRecord } from '../../../src/store/schema.js';
import { atlasError, config, fakeContext, H, iso, later, rejection, START, type FakeOptions } from './fake-context.js';

const M = 60_000;

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

/** A context whose leases also exist in Atlas. */
async function withLeases(leases: LeaseRecord[], options: FakeOptions = {}) {
  const fakes = await fakeContext({ configs: [config(), config({ name: 'other' })], ...options, leases });
  for (const lease of leases) fakes.atlas.addLease(lease);
  return fakes;
}

describe('revoke (in-process, fake Atlas)', () => {
  it('deletes the users, forgets the records, notes each outcome and says what happened to each', async () => {
    const fakes = await withLeases([record('ds-a'), record('ds-b'), record('ds-c')]);
    fakes.atlas.users.delete('ds-b');
    const output = await revoke(fakes.context, { leaseIds: ['ds-a', 'ds-b'], json: true });
    expect(JSON.parse(output)).toEqual([
      { leaseId: 'ds-a', config: 'app-db', outcome: 'revoked' },
      { leaseId: 'ds-b', config: 'app-db', outcome: 'absent' },
    ]);
    expect([...fakes.atlas.users.keys()]).toEqual(['ds-c']);
    expect((await fakes.leases()).map((l) => l.leaseId)).toEqual(['ds-c']);
    expect(fakes.audit).toEqual([
      { config: 'app-db', leaseId: 'ds-a', outcome: 'ok' },
      { config: 'app-db', leaseId: 'ds-b', outcome: 'ok' },
    ]);
    expect(fakes.stderr).toEqual(['Revoked ds-a.', 'ds-b was already gone from Atlas; counted as revoked.']);
  });

  it('keeps a lease Atlas could not delete as "revoke failed", and fails with that error\'s exit code', async () => {
    const fakes = await withLeases([record('ds-a'), record('ds-b')]);
    fakes.atlas.fail('deleteDatabaseUser', atlasError(401, 'UNAUTHORIZED'));
    const error = await rejection(revoke(fakes.context, { leaseIds: ['ds-a', 'ds-b'] }));
    expect(error.exitCode).toBe(4);
    expect(error.message).toBe('1 of 2 revoke(s) failed; they stay listed as "revoke failed".');
    expect(error.hint).toBe('Run the same revoke again, or pass --force to forget them locally.');
    const refused = describeError(atlasError(401, 'UNAUTHORIZED')).message;
    expect(await fakes.leases()).toEqual([record('ds-a', { status: 'revoke-failed', lastError: refused })]);
    expect(fakes.audit[0]).toEqual({ config: 'app-db', leaseId: 'ds-a', outcome: 'error', exitCode: 4 });
    expect(fakes.stderr[0]).toBe(`Could not revoke ds-a: ${refused}`);
  });

  it('fails with exit 1 when the failures disagree on their exit code', async () => {
    const fakes = await withLeases([record('ds-a'), record('ds-b')]);
    fakes.atlas.fail('deleteDatabaseUser', atlasError(401, 'UNAUTHORIZED'), atlasError(500, 'UNEXPECTED_ERROR'));
    expect((await rejection(revoke(fakes.context, { leaseIds: ['ds-a', 'ds-b'] }))).exitCode).toBe(1);
  });

  it('--force forgets a lease Atlas could not delete, and succeeds', async () => {
    const fakes = await withLeases([record('ds-a')]);
    fakes.atlas.fail('deleteDatabaseUser', atlasError(500, 'UNEXPECTED_ERROR'));
    expect(await revoke(fakes.context, { leaseIds: ['ds-a'], force: true })).toBe('');
    expect(await fakes.leases()).toEqual([]);
    const failed = describeError(atlasError(500, 'UNEXPECTED_ERROR')).message;
    expect(fakes.stderr).toEqual([`Could not revoke ds-a (${failed}); forgotten locally because of --force.`]);
  });

  it.each<[string, Partial<RevokeOptions>, FakeOptions, number, string]>([
    ['nothing named', {}, {}, 2, 'Name the leases to revoke: LEASE_ID…, or --config NAME --all, or --expired.'],
    [
      'ids and --all at once',
      { leaseIds: ['ds-a'], all: true, config: 'app-db' },
      {},
      2,
      'Name the leases to revoke: LEASE_ID…, or --config NAME --all, or --expired.',
    ],
    [
      '--all and --expired at once',
      { all: true, expired: true, config: 'app-db' },
      {},
      2,
      'Name the leases to revoke: LEASE_ID…, or --config NAME --all, or --expired.',
    ],
    ['--all without --config', { all: true }, {}, 2, '--all needs --config NAME.'],
    ['--all of an unknown config', { all: true, config: 'nope' }, {}, 5, 'No config named nope.'],
    [
      '--all without --yes and without a terminal',
      { all: true, config: 'app-db' },
      {},
      2,
      'Revoking every lease of app-db needs confirmation: pass --yes.',
    ],
    [
      'an id of another config',
      { leaseIds: ['ds-a'], config: 'other' },
      {},
      5,
      'Lease ds-a belongs to config app-db, not other; nothing was revoked.',
    ],
    ['an id this machine does not know', { leaseIds: ['ds-a', 'ds-zz'] }, {}, 5, 'No lease ds-zz on this machine.'],
    [
      'a prefix that makes bad names',
      { leaseIds: ['ds-a'], prefix: '1-' },
      {},
      2,
      'Invalid variable name "1-DB_USERNAME": it must match ^[A-Za-z_][A-Za-z0-9_]*$',
    ],
  ])('refuses %s, revoking nothing', async (_case, options, fake, exitCode, message) => {
    const fakes = await withLeases([record('ds-a')], fake);
    const error = await rejection(revoke(fakes.context, { leaseIds: [], ...options }));
    expect({ exitCode: error.exitCode, message: error.message }).toEqual({ exitCode, message });
    expect(fakes.atlas.calls.filter((c) => c.method === 'deleteDatabaseUser')).toEqual([]);
    expect((await fakes.leases()).map((l) => l.leaseId)).toEqual(['ds-a']);
  });

  it("revokes a lease made elsewhere only when its Atlas user carries the config's label", async () => {
    const fakes = await withLeases([]);
    fakes.atlas.addLease(record('ds-theirs'));
    fakes.atlas.addLease(record('ds-not-ours', { config: 'other' }));
    const error = await rejection(revoke(fakes.context, { leaseIds: ['ds-theirs', 'ds-not-ours'], config: 'app-db' }));
    expect(error.exitCode).toBe(5);
    expect(error.message).toBe(
      'Atlas user ds-not-ours is not a lease of config app-db (it has no dynsecret.config=app-db label), so it was not deleted; nothing was revoked.',
    );
    expect(fakes.atlas.users.size).toBe(2);
    await revoke(fakes.context, { leaseIds: ['ds-theirs', 'ds-gone'], config: 'app-db' });
    expect([...fakes.atlas.users.keys()]).toEqual(['ds-not-ours']);
    expect(fakes.stderr).toEqual(['Revoked ds-theirs.', 'ds-gone was already gone from Atlas; counted as revoked.']);
  });

  it('--all asks on a terminal, and a "no" revokes nothing', async () => {
    const fakes = await withLeases([record('ds-a'), record('ds-b', { status: 'gone' }), record('ds-c', { config: 'other' })], {
      interactive: true,
    });
    expect(await revoke(fakes.context, { leaseIds: [], all: true, config: 'app-db' })).toBe('');
    expect(fakes.prompts.asked).toEqual(['Revoke 1 lease(s) of app-db?']);
    expect(fakes.atlas.users.size).toBe(3);
    fakes.prompts.confirmed = true;
    await revoke(fakes.context, { leaseIds: [], all: true, config: 'app-db' });
    expect([...fakes.atlas.users.keys()].sort()).toEqual(['ds-b', 'ds-c']);
  });

  // One rule decides when a `creating` record is abandoned: list --remote and revoke --expired share it.
  it.each<[string, Partial<LeaseRecord>, number, boolean]>([
    ['an active lease before its expiry', {}, H - 1000, false],
    ['an active lease at its expiry', {}, H, true],
    ['a lease Atlas no longer has (gone)', { status: 'gone' }, 0, true],
    ['a failed revoke', { status: 'revoke-failed' }, 0, true],
    ['a creating record younger than the abandon threshold', { status: 'creating' }, ABANDONED_AFTER_MS - 1000, false],
    ['a creating record at the abandon threshold', { status: 'creating' }, ABANDONED_AFTER_MS, true],
  ])('--expired: %s → revoked: %s', async (_case, overrides, elapsed, revoked) => {
    const fakes = await withLeases([record('ds-a', overrides)]);
    fakes.clock.advance(elapsed);
    await revoke(fakes.context, { leaseIds: [], expired: true });
    expect(fakes.atlas.users.has('ds-a')).toBe(!revoked);
    expect(fakes.stderr).toEqual(revoked ? ['Revoked ds-a.'] : ['Nothing to revoke.']);
  });

  it('the abandon threshold is ten minutes', () => {
    expect(ABANDONED_AFTER_MS).toBe(10 * M);
  });

  describe('--env-file', () => {
    let folder: string | undefined;
    afterEach(async () => {
      if (folder) await rm(folder, { recursive: true, force: true });
    });

    it.each([
      ['the revoked lease', 'ds-a', true, "Removed the lease's variables from FILE."],
      ['another lease', 'ds-other', false, 'FILE holds another lease (ds-other); left unchanged.'],
    ])('removes the variables only while the file holds %s', async (_case, holder, removed, line) => {
      folder = await mkdtemp(join(tmpdir(), 'dynsecret-revoke-'));
      const file = join(folder, '.env');
      const text = `KEEP=1\nAPP_DB_USERNAME='${holder}'\nAPP_DB_PASSWORD='x'\nDYNSECRET_LEASE_ID='${holder}'\n`;
      await writeFile(file, text, { mode: 0o600 });
      const fakes = await withLeases([record('ds-a')]);
      await revoke(fakes.context, { leaseIds: ['ds-a'], envFile: file, prefix: 'APP_' });
      expect(await readFile(file, 'utf8')).toBe(removed ? 'KEEP=1\n' : text);
      // The file is dealt with before the outcomes are printed.
      expect(fakes.stderr).toEqual([line.replace('FILE', file), 'Revoked ds-a.']);
    });
  });
});
