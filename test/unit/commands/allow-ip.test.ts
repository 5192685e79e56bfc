import { describe, expect, it } from 'vitest';
import { lease, type LeaseCommandOptions } from '../../../src/commands/lease/lease.js';
import { renew } from '../../../src/commands/renew.js';
import { revoke } from '../../../src/commands/revoke.js';
import { waitForApplied } from '../../../src/service/wait.js';
import { atlasError, fakeContext, H, iso, later, rejection, type Fakes } from './fake-context.js';

const storeOnly = { fromFile: false, audit: {} };
const IP = '203.0.113.7';
const CIDR = `${IP}/32`;

async function leaseWith(fakes: Fakes, options: Partial<LeaseCommandOptions> = {}): Promise<string> {
  const written = fakes.stdout.length;
  await lease(fakes.context, { name: 'app-db', format: 'json', ...options }, storeOnly, waitForApplied);
  // The command writes the credentials on stdout itself.
  return (JSON.parse(fakes.stdout.slice(written).join('')) as { leaseId: string }).leaseId;
}

describe('lease --allow-ip (in-process, fake Atlas)', () => {
  it.each([
    { allowIp: 'current', key: CIDR, ipAddress: IP },
    { allowIp: '198.51.100.9', key: '198.51.100.9/32', ipAddress: '198.51.100.9' },
    { allowIp: '198.51.100.0/24', key: '198.51.100.0/24', ipAddress: undefined },
  ])('adds $allowIp until the lease expires, with a comment naming it, ACTIVE before hand-over', async ({ allowIp, key, ipAddress }) => {
    const fakes = await fakeContext();
    fakes.atlas.accessStatuses = ['PENDING', 'PENDING', 'ACTIVE'];
    const leaseId = await leaseWith(fakes, { allowIp, waitMs: 60_000 });
    expect(fakes.atlas.accessList.get(key)).toEqual({
      cidrBlock: key,
      ...(ipAddress === undefined ? {} : { ipAddress }),
      comment: `dynsecret app-db ${leaseId}`,
      deleteAfterDate: iso(later(H)),
    });
    expect((await fakes.leases())[0]!.allowIp).toBe(allowIp === 'current' ? IP : allowIp);
    expect(fakes.atlas.users.get(leaseId)!.labels).toContainEqual({
      key: 'dynsecret.allowIp',
      value: allowIp === 'current' ? IP : allowIp,
    });
    expect(fakes.atlas.calls.filter((c) => c.method === 'getAccessListStatus')).toHaveLength(3);
    expect(fakes.atlas.calls.some((c) => c.method === 'getCallerIp')).toBe(allowIp === 'current');
    expect(fakes.stderr).toContain(`Added ${ipAddress ?? key} on the project's IP access list until ${iso(later(H))}.`);
  });

  it('does not poll the entry without --wait', async () => {
    const fakes = await fakeContext();
    await leaseWith(fakes, { allowIp: IP });
    expect(fakes.atlas.accessList.has(CIDR)).toBe(true);
    expect(fakes.atlas.calls.filter((c) => c.method === 'getAccessListStatus')).toEqual([]);
  });

  it('leaves a permanent entry for the address as it is', async () => {
    const fakes = await fakeContext();
    const permanent = { cidrBlock: CIDR, ipAddress: IP, comment: 'office' };
    fakes.atlas.accessList.set(CIDR, permanent);
    const leaseId = await leaseWith(fakes, { allowIp: 'current', waitMs: 60_000 });
    expect(fakes.atlas.accessList.get(CIDR)).toEqual(permanent);
    expect(fakes.atlas.calls.filter((c) => c.method === 'addAccessListEntry')).toEqual([]);
    expect(fakes.stderr).toContain(`${IP} is on the project's IP access list permanently; left as it is.`);
    await revoke(fakes.context, { leaseIds: [leaseId] });
    expect(fakes.atlas.accessList.get(CIDR)).toEqual(permanent);
  });

  it('keeps a temporary entry that already outlives the lease, and extends one that ends sooner', async () => {
    const fakes = await fakeContext();
    fakes.atlas.accessList.set(CIDR, { cidrBlock: CIDR, ipAddress: IP, deleteAfterDate: iso(later(2 * H)) });
    await leaseWith(fakes, { allowIp: IP });
    expect(fakes.atlas.accessList.get(CIDR)!.deleteAfterDate).toBe(iso(later(2 * H)));
    await leaseWith(fakes, { allowIp: IP, ttl: '3h' });
    expect(fakes.atlas.accessList.get(CIDR)!.deleteAfterDate).toBe(iso(later(3 * H)));
  });

  it.each([
    {
      why: 'ipinfo is not there',
      error: atlasError(404, 'RESOURCE_NOT_FOUND'),
      code: 1,
      says: /^Atlas did not say which address it sees for this machine/,
    },
    { why: 'the key may not read it', error: atlasError(401, 'UNAUTHORIZED'), code: 1, says: /^Atlas did not say which address/ },
  ])('fails clearly, before any user exists, when $why', async ({ error, code, says }) => {
    const fakes = await fakeContext();
    fakes.atlas.fail('getCallerIp', error);
    const failure = await rejection(leaseWith(fakes, { allowIp: 'current' }));
    expect(failure.exitCode).toBe(code);
    expect(failure.message).toMatch(says);
    expect(failure.hint).toMatch(/--allow-ip 203\.0\.113\.7/);
    expect(fakes.atlas.users.size).toBe(0);
    expect(await fakes.leases()).toEqual([]);
  });

  it.each(['nope', '10.0.0.0/40'])('refuses --allow-ip %s (exit 2) before asking Atlas anything', async (allowIp) => {
    const fakes = await fakeContext();
    const failure = await rejection(leaseWith(fakes, { allowIp }));
    expect(failure.exitCode).toBe(2);
    expect(fakes.atlas.users.size).toBe(0);
  });

  it('names the roles when the key may not edit the access list (exit 4), and revokes the undelivered lease', async () => {
    const fakes = await fakeContext();
    fakes.atlas.fail('addAccessListEntry', atlasError(403, 'USER_UNAUTHORIZED'));
    const failure = await rejection(leaseWith(fakes, { allowIp: IP }));
    expect(failure.exitCode).toBe(4);
    expect(failure.message).toMatch(/needs the Project Network Access Manager or Project Owner role/);
    expect(fakes.atlas.users.size).toBe(0);
    expect(await fakes.leases()).toEqual([]);
  });

  it.each([
    { statuses: ['PENDING' as const], code: 6, says: /^Timed out after 5s waiting for 203\.0\.113\.7 to become active/ },
    { statuses: ['PENDING' as const, 'FAILED' as const], code: 1, says: /status FAILED/ },
  ])('revokes the lease and removes the entry it added when the entry never becomes active ($code)', async ({ statuses, code, says }) => {
    const fakes = await fakeContext();
    fakes.atlas.accessStatuses = statuses;
    const failure = await rejection(leaseWith(fakes, { allowIp: IP, waitMs: 5000 }));
    expect(failure.exitCode).toBe(code);
    expect(failure.message).toMatch(says);
    expect(fakes.atlas.accessList.size).toBe(0);
    expect(fakes.atlas.users.size).toBe(0);
  });
});

describe('renew and revoke with --allow-ip (in-process, fake Atlas)', () => {
  it('renew extends the entry with the lease', async () => {
    const fakes = await fakeContext();
    const leaseId = await leaseWith(fakes, { allowIp: IP });
    fakes.clock.advance(H / 2);
    await renew(fakes.context, { leaseId, ttl: '2h' });
    expect(fakes.atlas.accessList.get(CIDR)!.deleteAfterDate).toBe(iso(later(2.5 * H)));
  });

  it('renew warns, and still renews, when the entry cannot be extended', async () => {
    const fakes = await fakeContext();
    const leaseId = await leaseWith(fakes, { allowIp: IP });
    fakes.atlas.fail('addAccessListEntry', atlasError(403, 'USER_UNAUTHORIZED'));
    fakes.clock.advance(H / 2);
    await renew(fakes.context, { leaseId, ttl: '2h' });
    expect(fakes.atlas.users.get(leaseId)!.deleteAfterDate).toBe(iso(later(2.5 * H)));
    expect(fakes.stderr.some((l) => /^warning: could not extend 203\.0\.113\.7 on the IP access list/.test(l))).toBe(true);
  });

  it('revoke removes the entry; two leases from one address keep it until the last one ends', async () => {
    const fakes = await fakeContext();
    const first = await leaseWith(fakes, { allowIp: IP });
    const second = await leaseWith(fakes, { allowIp: IP, ttl: '2h' });
    expect(fakes.atlas.accessList.get(CIDR)!.deleteAfterDate).toBe(iso(later(2 * H)));
    await revoke(fakes.context, { leaseIds: [second] });
    expect(fakes.atlas.accessList.has(CIDR)).toBe(true);
    await revoke(fakes.context, { leaseIds: [first] });
    expect(fakes.atlas.accessList.has(CIDR)).toBe(false);
    expect(fakes.stderr).toContain(`Removed ${IP} from the project's IP access list.`);
  });

  it("revoke leaves other configs' and other people's entries alone", async () => {
    const fakes = await fakeContext();
    const theirs = {
      cidrBlock: '198.51.100.1/32',
      ipAddress: '198.51.100.1',
      comment: 'dynsecret other-db ds-x',
      deleteAfterDate: iso(later(H)),
    };
    const office = { cidrBlock: '198.51.100.2/32', ipAddress: '198.51.100.2', comment: 'office', deleteAfterDate: iso(later(H)) };
    fakes.atlas.accessList.set(theirs.cidrBlock, theirs);
    fakes.atlas.accessList.set(office.cidrBlock, office);
    const leaseId = await leaseWith(fakes, { allowIp: IP });
    await revoke(fakes.context, { leaseIds: [leaseId] });
    expect([...fakes.atlas.accessList.values()]).toEqual([theirs, office]);
  });

  it('revoke of a lease recorded without --allow-ip does not read the access list; one made elsewhere does', async () => {
    const fakes = await fakeContext();
    const leaseId = await leaseWith(fakes);
    expect((await fakes.leases())[0]!.allowIp).toBeUndefined();
    await revoke(fakes.context, { leaseIds: [leaseId] });
    expect(fakes.atlas.calls.filter((c) => c.method.includes('Access'))).toEqual([]);

    const elsewhere = await fakeContext();
    const remote = await leaseWith(elsewhere, { allowIp: IP });
    await elsewhere.store.update((data) => {
      data.leases = [];
    });
    await revoke(elsewhere.context, { leaseIds: [remote], config: 'app-db' });
    expect(elsewhere.atlas.accessList.size).toBe(0);
  });

  it('a revoke whose access list clean-up fails still revokes, with a warning', async () => {
    const fakes = await fakeContext();
    const leaseId = await leaseWith(fakes, { allowIp: IP });
    fakes.atlas.fail('deleteAccessListEntry', atlasError(403, 'USER_UNAUTHORIZED'));
    await revoke(fakes.context, { leaseIds: [leaseId] });
    expect(fakes.atlas.users.size).toBe(0);
    expect(fakes.stderr.some((l) => /^warning: could not clean up the IP access list \(.*Project Network Access Manager/.test(l))).toBe(
      true,
    );
  });
});
