import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { dynsecret } from '../helpers/bin.js';
import { cli } from '../helpers/cli.js';
import { configFile, type ConfigFile } from '../helpers/config-file.js';
import { mustSucceed, parseLease, startEmulator, workspace, type Emulator, type LeaseJson, type Workspace } from '../helpers/emulator.js';
import { failedStdout } from '../helpers/shells.js';

/**
 * A lease TTL under a minute (the floor of a config's default TTL) is refused by lease, run and renew alike,
 * from the store or a file: exit 2, one sentence that says what to do, nothing asked of Atlas, nothing written.
 * The refusals run in this process (helpers/cli.ts), each command's also through the built bin once.
 */

/** Every file under `folder` with its bytes: the whole of what a command could have changed there. */
function snapshot(folder: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const entry of readdirSync(folder, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) files[join(entry.parentPath, entry.name)] = readFileSync(join(entry.parentPath, entry.name), 'base64');
  }
  return files;
}

const refusal = (shown: string) => `dynsecret: --ttl ${shown} is below the minimum of 1 minute; use --ttl 1m or more\n`;

let em: Emulator;
let ws: Workspace;
let file: ConfigFile;
let live: LeaseJson;
let marker: string;

beforeAll(async () => {
  em = await startEmulator(['--apply-delay', '0s']);
  ws = await workspace(em, [{ name: 'app-db', flags: ['--role', 'readWrite@app', '--scope', 'Cluster0', '--max-ttl', '2h'] }]);
  file = configFile(em);
  live = parseLease((await mustSucceed(ws.cli(['lease', 'app-db', '--ttl', '1h', '--format', 'json']))).stdout);
  marker = join(mkdtempSync(join(tmpdir(), 'dynsecret-ttl-')), 'started');
});

// One at a time: each case reads the emulator's request log.
describe('a lease TTL under a minute (against the emulator)', () => {
  const fromStore: [string, () => string[], string][] = [
    ['lease --ttl 30s', () => ['lease', 'app-db', '--ttl', '30s'], '30s'],
    ['run --ttl 59s', () => ['run', 'app-db', '--ttl', '59s', '--', 'touch', marker], '59s'],
    ['renew of a live lease --ttl 10s', () => ['renew', live.leaseId, '--ttl', '10s'], '10s'],
    ['lease --keep-fresh --ttl 1s', () => ['lease', 'app-db', '--env-file', join(ws.home, 'app.env'), '--keep-fresh', '--ttl', '1s'], '1s'],
  ];
  const refusedFromStore = async (args: () => string[], shown: string, via: Workspace['cli']) => {
    const users = (await em.state()).users;
    const before = snapshot(ws.home);
    await em.clearRequests();
    const result = await via(args());
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(refusal(shown));
    expect(result.stdout).toBe(failedStdout(args()));
    expect(await em.requests()).toEqual([]);
    expect((await em.state()).users).toEqual(users);
    expect(snapshot(ws.home)).toEqual(before);
    expect(existsSync(marker)).toBe(false);
  };
  it.each(fromStore)('%s: exit 2, no request to Atlas, the store and the rest of the home untouched', (_what, args, shown) =>
    refusedFromStore(args, shown, ws.cli),
  );
  it.each([fromStore[0]!, fromStore[2]!])(
    '%s: exit 2, no request to Atlas, the store and the rest of the home untouched, through the bin',
    (_what, args, shown) => refusedFromStore(args, shown, ws.run),
  );

  const fromFile: [string, () => string[], string][] = [
    ['lease --ttl 30s', () => ['lease', '--from-file', file.path, '--ttl', '30s'], '30s'],
    ['run --ttl 59s', () => ['run', '--from-file', file.path, '--ttl', '59s', '--', 'touch', marker], '59s'],
    ['renew --ttl 10s', () => ['renew', live.leaseId, '--from-file', file.path, '--ttl', '10s'], '10s'],
  ];
  const refusedFromFile = async (args: () => string[], shown: string, via: typeof cli) => {
    const users = (await em.state()).users;
    const before = snapshot(file.folder);
    await em.clearRequests();
    const result = await via(args(), { env: file.env });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(refusal(shown));
    expect(result.stdout).toBe(failedStdout(args()));
    expect(await em.requests()).toEqual([]);
    expect((await em.state()).users).toEqual(users);
    expect(snapshot(file.folder)).toEqual(before);
    expect(existsSync(file.home)).toBe(false);
    expect(existsSync(marker)).toBe(false);
  };
  it.each(fromFile)('--from-file, %s: exit 2 in the same words (nothing but --ttl named), nothing asked or written', (_what, args, shown) =>
    refusedFromFile(args, shown, cli),
  );
  it.each(fromFile.slice(1, 2))(
    '--from-file, %s: exit 2 in the same words (nothing but --ttl named), nothing asked or written, through the bin',
    (_what, args, shown) => refusedFromFile(args, shown, dynsecret),
  );

  it('a TTL of exactly a minute is a lease like any other, through the bin', async () => {
    const lease = parseLease((await mustSucceed(ws.run(['lease', 'app-db', '--ttl', '1m', '--format', 'json']))).stdout);
    const user = (await em.state()).users.find((u) => u.username === lease.leaseId);
    expect(user?.deleteAfterDate).toBe(lease.expiresAt);
    expect((await mustSucceed(ws.cli(['revoke', lease.leaseId]))).code).toBe(0);
  });
});
