import { beforeAll, describe, expect, it } from 'vitest';
import { createAtlasClient } from '../../src/atlas/index.js';
import { failedStdout } from '../helpers/shells.js';
import { dynsecret, type RunResult } from '../helpers/bin.js';
import { cli } from '../helpers/cli.js';
import { configFile, type ConfigFile } from '../helpers/config-file.js';
import { LeaseJson, startEmulator, type Emulator } from '../helpers/emulator.js';

/**
 * `--allow-ip` with the built binary against the emulator, which reports 203.0.113.7 as the caller's address
 * and keeps each access list change PENDING for a second. `lease`, `renew` and `revoke` run in this process
 * (helpers/cli.ts), and through the bin where a title says so; `run` past its checks runs the bin.
 */

const IP = '203.0.113.7';
let em: Emulator;
let file: ConfigFile;

beforeAll(async () => {
  em = await startEmulator(['--apply-delay', '0s', '--access-list-delay', '1s', '--client-ip', IP]);
  file = configFile(em);
});

async function ok(pending: Promise<RunResult>): Promise<RunResult> {
  const result = await pending;
  expect(result.code, result.stderr).toBe(0);
  return result;
}

const THROUGH_THE_BIN = ', through the bin';
const run = (args: string[]) => cli([...args, '--from-file', file.path], { env: file.env });
const runBin = (args: string[]) => dynsecret([...args, '--from-file', file.path], { env: file.env });
const leasedVia = async (via: typeof run, args: string[]) =>
  LeaseJson.parse(JSON.parse((await ok(via(['lease', '--format', 'json', ...args]))).stdout));
const leased = (...args: string[]) => leasedVia(run, args);
const entry = async (cidrBlock: string) => (await em.accessList()).find((e) => e.cidrBlock === cidrBlock);
/** An entry without its status, which moves from PENDING to ACTIVE by itself. */
const entryFields = async (cidrBlock: string) => {
  const found = await entry(cidrBlock);
  if (found === undefined) return undefined;
  const { status: _status, ...fields } = found;
  return fields;
};

describe('--allow-ip', () => {
  it('lease --allow-ip current --wait adds an ACTIVE entry that ends with the lease (through the bin); renew extends it; revoke removes it', async () => {
    const lease = await leasedVia(runBin, ['--allow-ip', 'current', '--wait']);
    expect(await entry(`${IP}/32`)).toEqual({
      cidrBlock: `${IP}/32`,
      ipAddress: IP,
      comment: `dynsecret app-db ${lease.leaseId}`,
      deleteAfterDate: lease.expiresAt,
      status: 'ACTIVE',
    });

    const renewed = JSON.parse((await ok(run(['renew', lease.leaseId, '--ttl', '2h', '--json']))).stdout) as { expiresAt: string };
    expect((await entry(`${IP}/32`))?.deleteAfterDate).toBe(renewed.expiresAt);

    const revoked = await ok(run(['revoke', lease.leaseId]));
    expect(revoked.stderr).toContain(`Removed ${IP} from the project's IP access list.`);
    expect(await entry(`${IP}/32`)).toBeUndefined();
  });

  it('the entry goes with the lease at its expiry', async () => {
    const lease = await leased('--allow-ip', '198.51.100.0/24', '--ttl', '10m');
    expect((await entry('198.51.100.0/24'))?.deleteAfterDate).toBe(lease.expiresAt);
    await em.advanceClock(11 * 60_000);
    expect(await entry('198.51.100.0/24')).toBeUndefined();
    expect((await em.state()).users.map((u) => u.username)).not.toContain(lease.leaseId);
  });

  it('two leases from one address keep the entry until the last one ends, at the later expiry', async () => {
    const first = await leased('--allow-ip', 'current', '--ttl', '1h');
    const second = await leased('--allow-ip', 'current', '--ttl', '2h');
    expect((await entry(`${IP}/32`))?.deleteAfterDate).toBe(second.expiresAt);
    await ok(run(['revoke', second.leaseId]));
    expect(await entry(`${IP}/32`)).toBeDefined();
    await ok(run(['revoke', first.leaseId]));
    expect(await entry(`${IP}/32`)).toBeUndefined();
  });

  it('never changes or removes an entry that is on the list permanently', async () => {
    const client = createAtlasClient({
      baseUrl: em.url,
      groupId: em.groupId,
      auth: { kind: 'apiKey', publicKey: em.publicKey, privateKey: em.privateKey },
      env: {},
    });
    await client.addAccessListEntry({ ipAddress: '192.0.2.10', comment: 'office' });
    await client.close();
    const before = await entryFields('192.0.2.10/32');
    expect(before).toEqual({ cidrBlock: '192.0.2.10/32', ipAddress: '192.0.2.10', comment: 'office' });

    const lease = await leased('--allow-ip', '192.0.2.10', '--wait');
    expect(await entryFields('192.0.2.10/32')).toEqual(before);
    await ok(run(['revoke', lease.leaseId]));
    expect(await entryFields('192.0.2.10/32')).toEqual(before);
  });

  it('run --allow-ip has the entry ACTIVE before the command starts, and removes it after', async () => {
    const script = `const s = await (await fetch(process.argv[1] + '/__emulator/state')).json();
      const e = s.accessList.find((x) => x.cidrBlock === '${IP}/32');
      process.exit(e && e.status === 'ACTIVE' ? 0 : 9);`;
    const command = [process.execPath, '--input-type=module', '-e', script, em.url];
    const result = await ok(dynsecret(['run', '--from-file', file.path, '--allow-ip', 'current', '--', ...command], { env: file.env }));
    expect(result.stderr).toContain(`Removed ${IP} from the project's IP access list.`);
    expect(await entry(`${IP}/32`)).toBeUndefined();
  });

  it.each([
    [['--allow-ip', 'somewhere'], 2, THROUGH_THE_BIN, /--allow-ip somewhere is not an IP address/],
    [['--allow-ip', 'current', '--ttl', '8d'], 2, '', /above Atlas' limit/],
  ])('refuses %j with exit %i and leaves the list and the users as they were%s', async (args, code, via, says) => {
    const before = await em.state();
    const result = await (via === THROUGH_THE_BIN ? runBin : run)(['lease', ...args]);
    expect(result.code).toBe(code);
    expect(result.stderr).toMatch(says);
    // A failed lease in its default format (shell, off a terminal) ends stdout with a statement that fails.
    expect(result.stdout).toBe(failedStdout(['lease', ...args]));
    const after = await em.state();
    expect(after.users.length).toBe(before.users.length);
    expect(await em.accessList()).toEqual(((before as { accessList?: unknown }).accessList ?? []) as unknown[]);
  });
});
