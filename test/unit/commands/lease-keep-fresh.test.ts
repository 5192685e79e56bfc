import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lease, type LeaseCommandOptions } from '../../../src/commands/lease/lease.js';
import type { WaitForApplied } from '../../../src/service/create.js';
import { waitForApplied } from '../../../src/service/wait.js';
import { config, fakeContext, rejection, START, type FakeChild } from './fake-context.js';

const M = 60 * 1000;
const storeOnly = { fromFile: false, audit: {} };

/**
 * `lease --keep-fresh` on a fake clock that moves when the command sleeps: a 1-minute TTL and a 2-minute
 * max TTL; SIGTERM arrives when the clock passes `endMs`. At every sleep, the user the file names must exist
 * until the sleep ends. On-change commands exit with `onChangeExit`.
 */
async function freshWorld(
  options: { endMs?: number; onChangeExit?: number; signal?: NodeJS.Signals; onSleep?: (elapsedMs: number) => void } = {},
) {
  const fakes = await fakeContext({
    env: { PATH: '/usr/bin', DYNSECRET_SESSION: 'session key' },
    configs: [config({ defaultTtlMs: M, maxTtlMs: 2 * M })],
  });
  const folder = mkdtempSync(join(tmpdir(), 'dynsecret-fresh-'));
  const envFile = join(folder, '.env');
  writeFileSync(envFile, '# local settings\nPORT=3000\r\nDEBUG=app:*\n');
  // Nothing, when the path is not a readable file (a test may break it).
  const fileText = () => {
    try {
      return readFileSync(envFile, 'utf8');
    } catch {
      return '';
    }
  };
  const fileUser = () => /^DB_USERNAME='(.*)'$/m.exec(fileText())?.[1];
  const fileExpiry = () => /^DYNSECRET_LEASE_EXPIRES_AT='(.*)'$/m.exec(fileText())?.[1];
  const gaps: string[] = [];
  const staleExpiries: string[] = [];
  const onChanges: { child: FakeChild; user: string | undefined }[] = [];
  const endMs = options.endMs ?? 10 * M;
  let signalled = false;
  fakes.onSpawn = (child) => {
    onChanges.push({ child, user: fileUser() });
    setImmediate(() => child.options.onExit(options.onChangeExit ?? 0, null));
  };
  const sleep = async (ms: number, signal?: AbortSignal) => {
    await new Promise((resolve) => setImmediate(resolve));
    if (signal?.aborted) return;
    const user = fileUser();
    const until = fakes.clock.now.getTime() + ms;
    const alive = user !== undefined && fakes.atlas.users.get(user);
    if (!alive || Date.parse(alive.deleteAfterDate!) < until) gaps.push(`${user} gone before ${new Date(until).toISOString()}`);
    if (alive && Date.parse(fileExpiry() ?? '') !== Date.parse(alive.deleteAfterDate!)) {
      staleExpiries.push(`${user}: the file says ${fileExpiry()}, Atlas ${alive.deleteAfterDate}`);
    }
    fakes.clock.advance(ms);
    options.onSleep?.(fakes.clock.now.getTime() - START.getTime());
    if (!signalled && fakes.clock.now.getTime() - START.getTime() >= endMs) {
      signalled = true;
      setImmediate(() => fakes.signals.emit(options.signal ?? 'SIGTERM'));
    }
  };
  const context = { ...fakes.context, sleep };
  const keepFresh = (extra: Partial<LeaseCommandOptions> = {}) =>
    lease(context, { name: 'app-db', envFile, keepFresh: true, ...extra }, storeOnly, waitForApplied);
  return { fakes, envFile, fileUser, gaps, staleExpiries, onChanges, keepFresh };
}

describe('lease --env-file --keep-fresh (in-process, fake Atlas, fake clock)', () => {
  it('keeps the file holding a working user for 10 minutes (>= 4 rotations), runs --on-change after each rewrite, and on SIGTERM revokes all and cleans the file', async () => {
    const world = await freshWorld();
    const output = await world.keepFresh({ onChange: 'kill -HUP "$(cat server.pid)"', grace: '30s' });
    const { fakes } = world;
    expect(output).toBe('');
    expect(fakes.stdout).toEqual([]);
    expect(world.gaps).toEqual([]);
    const rotated = fakes.stderr.filter((l) => l.startsWith('Rotated to '));
    expect(rotated.length).toBeGreaterThanOrEqual(4);
    // Renewals rewrite the file too: its expiry is always the one Atlas holds.
    expect(fakes.stderr.filter((l) => l.startsWith('Renewed ')).length).toBeGreaterThanOrEqual(4);
    expect(world.staleExpiries).toEqual([]);
    // One on-change per new user, run through sh -c with its stdout sent to stderr, after the file changed; a
    // renewal's rewrite (a new expiry only) runs none.
    expect(world.onChanges.map((c) => c.user)).toEqual(rotated.map((l) => /^Rotated to (\S+) /.exec(l)![1]));
    for (const { child, user } of world.onChanges) {
      expect([child.file, ...child.args]).toEqual(['sh', '-c', 'exec 1>&2\nkill -HUP "$(cat server.pid)"']);
      expect(child.env).toMatchObject({ PATH: '/usr/bin', DB_USERNAME: user });
      expect(child.env.DYNSECRET_SESSION).toBeUndefined();
    }
    // Everything it made is revoked, and the file is as it was before.
    expect(fakes.atlas.users.size).toBe(0);
    expect(await fakes.leases()).toEqual([]);
    expect(readFileSync(world.envFile, 'utf8')).toBe('# local settings\nPORT=3000\r\nDEBUG=app:*\n');
    expect(fakes.stderr.at(-1)).toBe(`Removed the credentials from ${world.envFile}.`);
    expect(fakes.signals.count()).toBe(0);
    expect(fakes.audit.filter((n) => n.replaces !== undefined)).toHaveLength(rotated.length);
  });

  it('SIGINT while a replaced user is still in grace revokes both', async () => {
    const world = await freshWorld({ endMs: 100 * 1000, signal: 'SIGINT' });
    expect(await world.keepFresh({ grace: '5m' })).toBe('');
    const { fakes } = world;
    const revoked = fakes.stderr.filter((l) => /^Revoked \S+\.$/.test(l));
    expect(revoked).toHaveLength(2);
    expect(fakes.atlas.users.size).toBe(0);
    expect(world.fileUser()).toBeUndefined();
  });

  it('a renewal whose rewrite fails is a warning; the lease is still revoked at the end', async () => {
    let broken = false;
    const world = await freshWorld({
      endMs: 50 * 1000,
      onSleep: (elapsedMs) => {
        // After the first write, before the first renewal (at 30 s): the path becomes a folder.
        if (broken || elapsedMs < 10 * 1000) return;
        broken = true;
        rmSync(world.envFile);
        mkdirSync(world.envFile);
      },
    });
    expect(await world.keepFresh({ onChange: 'true' })).toBe('');
    const { stderr } = world.fakes;
    const renewed = stderr.findIndex((l) => l.startsWith('Renewed '));
    expect(renewed).toBeGreaterThanOrEqual(0);
    expect(stderr[renewed + 1]).toMatch(
      new RegExp(
        `^warning: renewed \\S+, but could not rewrite ${world.envFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} with its new expiry: `,
      ),
    );
    expect(world.onChanges).toEqual([]);
    expect(world.fakes.atlas.users.size).toBe(0);
  });

  it('a failing --on-change is a warning, not the end', async () => {
    const world = await freshWorld({ endMs: 4 * M, onChangeExit: 3 });
    expect(await world.keepFresh({ onChange: 'false' })).toBe('');
    const warnings = world.fakes.stderr.filter((l) => l.startsWith('warning: --on-change failed'));
    expect(warnings[0]).toBe('warning: --on-change failed: it exited with 3.');
    expect(warnings.length).toBe(world.onChanges.length);
    expect(world.onChanges.length).toBeGreaterThanOrEqual(2);
  });

  // Right after the lease is made or the file written (before the loop starts): the signal still revokes all.
  it.each<[string, NodeJS.Signals]>([
    ['Wrote ', 'SIGINT'],
    ['Leased ', 'SIGTERM'],
  ])('%s… then %s: the lease is revoked and the file cleaned', async (line, signal) => {
    const world = await freshWorld({ endMs: 100 * M });
    const { fakes } = world;
    const { io } = fakes.context;
    const error = io.error;
    io.error = (text) => {
      error(text);
      if (text.startsWith(line)) fakes.signals.emit(signal);
    };
    expect(await world.keepFresh({ onChange: 'true' })).toBe('');
    expect(fakes.stderr.filter((l) => l.startsWith('Rotated '))).toEqual([]);
    expect(world.onChanges).toEqual([]);
    expect(fakes.atlas.users.size).toBe(0);
    expect(await fakes.leases()).toEqual([]);
    expect(readFileSync(world.envFile, 'utf8')).toBe('# local settings\nPORT=3000\r\nDEBUG=app:*\n');
    expect(fakes.signals.count()).toBe(0);
  });

  it('SIGINT during --wait ends the wait at once, revokes the user nobody received and leaves the file as it was', async () => {
    const world = await freshWorld();
    const { fakes } = world;
    const waitedFor: string[] = [];
    const wait: WaitForApplied = async (_context, _config, leased, _timeoutMs, cancel) => {
      waitedFor.push(leased.username);
      fakes.signals.emit('SIGINT');
      // Atlas never applies the user: only the signal ends this wait.
      if (!cancel?.aborted) await new Promise((resolve) => cancel?.addEventListener('abort', resolve));
    };
    const options: LeaseCommandOptions = { name: 'app-db', envFile: world.envFile, keepFresh: true, waitMs: 5 * M };
    const error = await rejection(lease({ ...fakes.context }, options, storeOnly, wait));
    expect(error.exitCode).toBe(130);
    expect(waitedFor).toHaveLength(1);
    expect(fakes.atlas.users.size).toBe(0);
    expect(readFileSync(world.envFile, 'utf8')).toBe('# local settings\nPORT=3000\r\nDEBUG=app:*\n');
    expect(fakes.signals.count()).toBe(0);
  });

  it.each<[string, Partial<LeaseCommandOptions>, RegExp]>([
    ['--keep-fresh without --env-file', { envFile: undefined }, /^--keep-fresh needs --env-file PATH/],
    ['--keep-fresh with --format json', { format: 'json' }, /^--keep-fresh writes the env file in dotenv form/],
    ['--keep-fresh with --github-env', { githubEnv: true }, /^--keep-fresh keeps --env-file fresh/],
    ['--on-change without --keep-fresh', { keepFresh: undefined, onChange: 'true' }, /^--on-change goes with --keep-fresh/],
    ['--grace without --keep-fresh', { keepFresh: undefined, grace: '1m' }, /^--grace goes with --keep-fresh/],
    ['a bad --grace', { grace: 'soon' }, /--grace/],
  ])('refuses %s (exit 2), leasing nothing', async (_case, options, message) => {
    const world = await freshWorld();
    const error = await rejection(world.keepFresh(options));
    expect(error.exitCode).toBe(2);
    expect(error.message).toMatch(message);
    expect(world.fakes.atlas.calls.filter((c) => c.method === 'createDatabaseUser')).toEqual([]);
    expect(readFileSync(world.envFile, 'utf8')).toBe('# local settings\nPORT=3000\r\nDEBUG=app:*\n');
  });
});
