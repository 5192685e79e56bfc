import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { EncryptedStore } from '../../src/store/store.js';
import { startDynsecret, until } from '../helpers/bin.js';
import { leaseRecords, mustSucceed, parseLease, usersOf, type Emulator, type Fault, type Workspace } from '../helpers/emulator.js';
import { fleet, type Fleet } from '../helpers/fleet.js';

/**
 * Atlas misbehaving, through the emulator's fault controls: every lease ends in success or its documented
 * exit code, stdout stays empty on failure, no user is left without a record and no record is lost.
 */

const POST_USERS = { method: 'POST', path: '/databaseUsers' };
const Listed = z.array(z.object({ leaseId: z.string(), status: z.string(), source: z.string() }));

/** The store records exactly the users Atlas holds under the config, all active: no orphan, no lost or stuck record. */
async function expectRecordsMatchAtlas(em: Emulator, ws: Workspace): Promise<void> {
  const records = (await leaseRecords(ws, 'app-db')).map((r) => [r.leaseId, r.status]).sort();
  const inAtlas = (await usersOf(em, 'app-db')).map((u) => u.username).sort();
  expect(records).toEqual(inAtlas.map((id) => [id, 'active']));
}

let machines: Fleet;
beforeAll(async () => {
  machines = await fleet([{ name: 'app-db' }]);
});

/** Where a case runs: in this process (test/helpers/cli.ts), or through the bin for a sample of each outcome. */
type Via = 'in-process' | 'through the bin';
const via = (ws: Workspace, how: Via) => (how === 'in-process' ? ws.cli : ws.run);

// Each case has an emulator and a store of its own (a copy of one template), so the cases run side by side.
// What lease decides under a fault runs in this process; a success and a refusal also run through the bin.
describe.concurrent('lease under injected Atlas faults (against the emulator)', () => {
  const all: [string, number, Fault, RegExp | undefined, number][] = [
    ['429 with Retry-After', 0, { match: POST_USERS, count: 1, status: 429, retryAfter: 1 }, undefined, 429],
    ['429 without Retry-After', 0, { match: POST_USERS, count: 1, status: 429, errorCode: 'RATE_LIMITED' }, undefined, 429],
    ['500 before the user exists', 0, { match: POST_USERS, count: 1, status: 500 }, undefined, 500],
    ['503 twice', 0, { match: POST_USERS, count: 2, status: 503 }, undefined, 503],
    ['a connection reset', 0, { match: POST_USERS, count: 1, reset: true }, undefined, 0],
    ['500 after the user was created', 0, { match: POST_USERS, count: 1, status: 500, afterApply: true }, undefined, 500],
    ['a reset after the user was created', 0, { match: POST_USERS, count: 1, reset: true, afterApply: true }, undefined, 0],
    ['401', 4, { match: POST_USERS, count: 1, status: 401 }, /Atlas rejected the API key/, 401],
    [
      '403 IP_ADDRESS_NOT_ON_ACCESS_LIST',
      4,
      { match: POST_USERS, count: 1, status: 403, errorCode: 'IP_ADDRESS_NOT_ON_ACCESS_LIST' },
      /Atlas refused requests from IP address 127\.0\.0\.1: add it to .*access list.*IP_ADDRESS_NOT_ON_ACCESS_LIST/,
      403,
    ],
    [
      '404 for the project',
      5,
      { match: POST_USERS, count: 1, status: 404, errorCode: 'GROUP_NOT_FOUND' },
      /No Atlas project .*check the config's project ID/,
      404,
    ],
    ['503 on every attempt', 6, { match: POST_USERS, count: 5, status: 503 }, /HTTP 503 .*try again/, 503],
  ];
  const sample = new Set(['500 after the user was created', '401']);
  const cases = [
    ...all.map((c) => [...c, 'in-process'] as const),
    ...all.filter(([what]) => sample.has(what)).map(([what, ...rest]) => [`${what}, through the bin`, ...rest, 'through the bin'] as const),
  ];

  it.each(cases)('%s: exit %i', async (_what, code, fault, message, injected, how) => {
    const em = await machines.emulator();
    const ws = await machines.workspace(em);
    await em.addFault(fault);
    const result = await via(ws, how)(['lease', 'app-db', '--format', 'json']);
    expect(result.code, result.stderr).toBe(code);
    expect((await em.requests()).map((r) => r.status)).toContain(injected);
    const created = (await usersOf(em, 'app-db')).map((u) => u.username);
    if (code === 0) {
      expect(created).toEqual([parseLease(result.stdout).leaseId]);
    } else {
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(message!);
      expect(result.stderr).not.toMatch(/\n\s+at /);
      expect(created).toEqual([]);
    }
    await expectRecordsMatchAtlas(em, ws);
    // And `list --remote` shows every Atlas user of the config as a local, active lease.
    const listed = Listed.parse(JSON.parse((await mustSucceed(ws.cli(['list', 'app-db', '--remote', '--json']))).stdout));
    expect(listed.map((l) => [l.leaseId, l.status, l.source]).sort()).toEqual(created.map((id) => [id, 'active', 'local']));
  });
});

describe('other faults, one after another on one emulator', () => {
  let em: Emulator;
  let ws: Workspace;
  beforeAll(async () => {
    em = await machines.emulator();
    ws = await machines.workspace(em);
  });

  describe('other commands', () => {
    let leaseId: string;
    beforeAll(async () => {
      leaseId = parseLease((await mustSucceed(ws.cli(['lease', 'app-db', '--format', 'json']))).stdout).leaseId;
    });

    // In this order: the revoke ends the lease the others use.
    it.each([
      ['list --remote: 429 on the GET', { method: 'GET', path: '/databaseUsers' }, 429, () => ['list', 'app-db', '--remote'], 'in-process'],
      [
        'renew: 503 on the PATCH',
        { method: 'PATCH', path: '/databaseUsers/' },
        503,
        (id: string) => ['renew', id, '--ttl', '2h'],
        'in-process',
      ],
      [
        'revoke through the bin: 500 on the DELETE',
        { method: 'DELETE', path: '/databaseUsers/' },
        500,
        (id: string) => ['revoke', id],
        'through the bin',
      ],
    ] as const)('%s once is ridden out', async (_what, match, status, args, how: Via) => {
      await em.clearRequests();
      await em.addFault({ match, count: 1, status, ...(status === 429 ? { retryAfter: 1 } : {}) });
      const result = await via(ws, how)(args(leaseId));
      await em.clearFaults();
      expect(result.code, result.stderr).toBe(0);
      expect((await em.requests()).map((r) => r.status)).toContain(status);
      await expectRecordsMatchAtlas(em, ws);
    });
  });

  describe('timeouts and retries from the environment', () => {
    it('DYNSECRET_REQUEST_TIMEOUT=1s and DYNSECRET_RETRIES=1: a 4 s answer times out twice, exit 6 in seconds, through the bin', async () => {
      await em.clearRequests();
      await em.addFault({ match: { method: 'GET', path: '/databaseUsers' }, count: 2, latencyMs: 4000 });
      const started = Date.now();
      const result = await ws.run(['list', 'app-db', '--remote'], { env: { DYNSECRET_REQUEST_TIMEOUT: '1s', DYNSECRET_RETRIES: '1' } });
      const took = Date.now() - started;
      await em.clearFaults();
      expect(result.code, result.stderr).toBe(6);
      expect(result.stderr).toMatch(/No answer in time from /);
      expect(took).toBeLessThan(20_000);
    });

    it.each([
      ['DYNSECRET_REQUEST_TIMEOUT', 'forever'],
      ['DYNSECRET_CONNECT_TIMEOUT', '0s'],
      ['DYNSECRET_RETRIES', 'many'],
    ])('%s=%s is exit 2 naming the variable, before any request', async (name, value) => {
      await em.clearRequests();
      const result = await ws.cli(['lease', 'app-db', '--format', 'json'], { env: { [name]: value } });
      expect(result.code, result.stderr).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(new RegExp(`^dynsecret: Invalid ${name} `, 'm'));
      // lease sends only POSTs; a GET here is the timed-out `list --remote` above, answered late.
      expect((await em.requests()).filter((r) => r.method !== 'GET')).toEqual([]);
    });
  });

  it('a lease killed while Atlas creates its user stays incomplete, also after list --remote found the user', async () => {
    const before = (await usersOf(em, 'app-db')).map((u) => u.username);
    await em.clearRequests();
    await em.addFault({ match: POST_USERS, count: 1, latencyMs: 2500 });
    const { child, done } = startDynsecret(['lease', 'app-db'], ws.env);
    // The signed POST takes the fault when it arrives, and then sits in the emulator's latency.
    await until(async () => (await em.faultsWaiting()) === 0);
    child.kill('SIGKILL');
    await done;
    let created: string[] = [];
    await until(async () => {
      created = (await usersOf(em, 'app-db')).map((u) => u.username).filter((id) => !before.includes(id));
      return created.length > 0;
    });
    const statusOf = async (args: string[]) =>
      Listed.parse(JSON.parse((await mustSucceed(ws.cli(['list', 'app-db', '--json', ...args]))).stdout)).find(
        (l) => l.leaseId === created[0],
      );
    expect(await statusOf([])).toMatchObject({ status: 'incomplete', source: 'local' });
    // Its password died with the process: Atlas having the user does not make the lease usable.
    expect(await statusOf(['--remote'])).toMatchObject({ status: 'incomplete', source: 'local' });
    expect((await ws.cli(['list', 'app-db'])).stderr).toMatch(/1 lease\(s\) were interrupted/);

    // Ten minutes on, `revoke --expired` takes such leases for dead: age the record as time would.
    await new EncryptedStore({ folder: ws.home, keys: { session: ws.env.DYNSECRET_SESSION } }).update((data) => {
      const record = data.leases.find((l) => l.leaseId === created[0]);
      if (record) record.createdAt = new Date(Date.parse(record.createdAt) - 11 * 60_000).toISOString();
    });
    const cleaned = await ws.cli(['revoke', '--expired', '--json']);
    expect(cleaned.code, cleaned.stderr).toBe(0);
    expect(JSON.parse(cleaned.stdout)).toEqual([{ leaseId: created[0], config: 'app-db', outcome: 'revoked' }]);
    expect((await usersOf(em, 'app-db')).map((u) => u.username)).not.toContain(created[0]);
  });
});

// Each test with an emulator of its own, side by side: they wait on the emulator's clock.
describe.concurrent('lease --wait while Atlas applies users slowly', () => {
  const slowGroup = async () => {
    const em = await machines.emulator(['--nonce-lifetime', '1s', '--apply-delay', '3s']);
    return { em, ws: await machines.workspace(em) };
  };

  it('a --wait timeout is exit 6 with nothing on stdout; the lease, which nobody received, is revoked and named', async () => {
    const { em, ws } = await slowGroup();
    const result = await ws.cli(['lease', 'app-db', '--wait', '1s', '--format', 'json']);
    expect(result.code).toBe(6);
    expect(result.stdout).toBe('');
    const leaseId = /waiting for Atlas to apply (\S+) to Cluster0; lease \1 was revoked/.exec(result.stderr)?.[1];
    expect(leaseId, result.stderr).toBeDefined();
    expect((await usersOf(em, 'app-db')).map((u) => u.username)).not.toContain(leaseId);
    expect(await leaseRecords(ws, 'app-db')).toEqual([]);
  });

  it('Ctrl-C during the wait: exit 130, nothing on stdout, the lease is revoked and named', async () => {
    const { em, ws } = await slowGroup();
    const running = startDynsecret(['lease', 'app-db', '--wait', '--format', 'json'], ws.env);
    // The first status poll answered PENDING: the process is now between polls.
    await until(async () => (await em.requests()).some((r) => r.path.endsWith('/status') && r.status === 200));
    running.child.kill('SIGINT');
    const { code, stdout, stderr } = await running.done;
    expect(code, stderr).toBe(130);
    expect(stdout).toBe('');
    const leaseId = /Interrupted by SIGINT while waiting for Atlas to apply (\S+); lease \1 was revoked/.exec(stderr)?.[1];
    expect(leaseId, stderr).toBeDefined();
    expect(await leaseRecords(ws, 'app-db')).toEqual([]);
    expect((await usersOf(em, 'app-db')).map((u) => u.username)).not.toContain(leaseId);
  });

  it('re-authenticates when the digest nonce goes stale between polls, and succeeds', async () => {
    const { em, ws } = await slowGroup();
    const result = await ws.cli(['lease', 'app-db', '--wait', '1m', '--format', 'json']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/Applied to Cluster0/);
    const log = await em.requests();
    const firstSuccess = log.findIndex((r) => r.status >= 200 && r.status < 300);
    const staleAt = log.findIndex((r, i) => i > firstSuccess && r.status === 401 && r.auth === 'digest');
    expect(firstSuccess).toBeGreaterThanOrEqual(0);
    expect(staleAt).toBeGreaterThan(firstSuccess);
    expect(log[staleAt + 1]).toMatchObject({ auth: 'digest' });
    expect(log.at(-1)?.status).toBe(200);
    const { leaseId } = parseLease(result.stdout);
    expect((await usersOf(em, 'app-db')).map((u) => u.username)).toContain(leaseId);
  });
});
