import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run, type RunOptions } from '../../../src/commands/run/run.js';
import { atlasError, config, fakeContext, rejection, START, type FakeChild, type Fakes } from './fake-context.js';

const M = 60 * 1000;
const ENV = { PATH: '/usr/bin', DYNSECRET_PASSPHRASE: 'pass phrase' };

/**
 * A fake world for `run --rotate`: a config with a 2-minute max TTL and a 1-minute TTL, a clock that moves
 * when the command sleeps (after letting the children's events through), children that exit on SIGTERM
 * (unless `stubborn`) and whose last one exits by itself when the clock passes `endMs`. At every sleep, the
 * user of the child running then must exist in Atlas until the sleep ends.
 */
async function rotatingWorld(
  options: {
    endMs?: number;
    stubborn?: boolean;
    lastExit?: number;
    userOf?: (child: FakeChild) => string;
    env?: Record<string, string>;
  } = {},
) {
  const fakes = await fakeContext({ env: { ...ENV, ...options.env }, configs: [config({ defaultTtlMs: M, maxTtlMs: 2 * M })] });
  const endMs = options.endMs ?? 10 * M;
  const running = new Set<FakeChild>();
  const gaps: string[] = [];
  const usersSeen = new Map<string, { expiresAt: string | undefined }>();
  const elapsed = () => fakes.clock.now.getTime() - START.getTime();
  const exit = (child: FakeChild, code: number | null, signal: NodeJS.Signals | null) => {
    if (!running.delete(child)) return;
    setImmediate(() => child.options.onExit(code, signal));
  };
  fakes.onSpawn = (child) => running.add(child);
  const spawn = fakes.context.spawn;
  const userOf = options.userOf ?? ((child: FakeChild) => child.env.DB_USERNAME!);
  const sleep = async (ms: number, signal?: AbortSignal) => {
    // Events already under way (a child exiting, a signal) come before the clock moves.
    for (let i = 0; i < 2; i++) await new Promise((resolve) => setImmediate(resolve));
    if (signal?.aborted) return;
    for (const child of running) {
      const user = fakes.atlas.users.get(userOf(child));
      const until = new Date(fakes.clock.now.getTime() + ms);
      if (user === undefined || Date.parse(user.deleteAfterDate!) < until.getTime()) {
        gaps.push(`${userOf(child)} of a running child is gone before ${until.toISOString()}`);
      }
    }
    for (const [name, user] of fakes.atlas.users) usersSeen.set(name, { expiresAt: user.deleteAfterDate });
    fakes.clock.advance(Math.min(ms, Math.max(0, endMs - elapsed()) + 1000));
    if (elapsed() >= endMs) for (const child of running) exit(child, options.lastExit ?? 0, null);
  };
  const context = {
    ...fakes.context,
    sleep,
    spawn: async (...args: Parameters<typeof spawn>) => {
      const handle = await spawn(...args);
      const child = fakes.children.at(-1)!;
      return {
        kill: (signal: NodeJS.Signals) => {
          handle.kill(signal);
          if (signal === 'SIGKILL' || (!options.stubborn && signal !== 'SIGHUP')) exit(child, null, signal);
        },
      };
    },
  };
  return { fakes, context, gaps, running, usersSeen };
}

type World = Awaited<ReturnType<typeof rotatingWorld>>;

const rotate = (world: World, options: Partial<RunOptions> = {}) =>
  run(world.context, { name: 'app-db', command: ['server'], rotate: true, ...options });

const rotatedLines = (fakes: Fakes) => fakes.stderr.filter((line) => line.startsWith('Rotated '));

describe('run --rotate (in-process, fake Atlas, fake clock)', () => {
  it('keeps a working user for 10 minutes with a 2m max TTL: >= 4 rotations, each a restart with the new variables, no gap', async () => {
    const world = await rotatingWorld({ lastExit: 7 });
    const result = await rotate(world);
    const { fakes } = world;
    expect(world.gaps).toEqual([]);
    expect(result).toEqual({ exitCode: 7 });
    const rotated = rotatedLines(fakes);
    expect(rotated.length).toBeGreaterThanOrEqual(4);
    // One child per user, each started with that user's variables; every one but the last stopped by SIGTERM.
    expect(fakes.children).toHaveLength(rotated.length + 1);
    const usernames = fakes.children.map((c) => c.env.DB_USERNAME);
    expect(new Set(usernames).size).toBe(usernames.length);
    for (const [index, line] of rotated.entries()) {
      expect(line).toMatch(new RegExp(`^Rotated to ${usernames[index + 1]} \\(${usernames[index]} reaches its max TTL\\); expires `));
    }
    expect(fakes.children.slice(0, -1).every((c) => c.killed.join() === 'SIGTERM')).toBe(true);
    expect(fakes.children.at(-1)!.killed).toEqual([]);
    // The passwords differ, and dynsecret's own secrets never reach a child.
    expect(new Set(fakes.children.map((c) => c.env.DB_PASSWORD)).size).toBe(fakes.children.length);
    expect(fakes.children.every((c) => c.env.DYNSECRET_PASSPHRASE === undefined)).toBe(true);
    // Each old user revoked at the end of its grace (or at the end of run if still in grace), the last at the
    // end: nothing left in Atlas or the store.
    const revoked = fakes.stderr.filter((l) => /^Revoked ds-app-db-\S+( \(its grace is over\))?\.$/.test(l));
    expect(revoked.filter((l) => l.includes('grace')).length).toBeGreaterThanOrEqual(rotated.length - 1);
    expect(revoked.map((l) => l.split(' ')[1]!.replace(/\.$/, '')).sort()).toEqual([...usernames].sort());
    expect(fakes.atlas.users.size).toBe(0);
    expect(await fakes.leases()).toEqual([]);
    // One audit record per rotation: the new id, the old one and why.
    const records = fakes.audit.filter((note) => note.replaces !== undefined);
    expect(records.map((r) => [r.leaseId, r.replaces, r.reason])).toEqual(
      usernames.slice(1).map((name, index) => [name, usernames[index], 'max-ttl']),
    );
  });

  it('on GitHub Actions, masks each new password and URI before the command gets them', async () => {
    const world = await rotatingWorld({ endMs: 3 * M, env: { GITHUB_ACTIONS: 'true' } });
    await rotate(world);
    const { stderr, children } = world.fakes;
    expect(children.length).toBeGreaterThanOrEqual(2);
    for (const [index, child] of children.entries()) {
      const mask = stderr.indexOf(`::add-mask::${child.env.DB_PASSWORD}`);
      expect(mask).toBeGreaterThanOrEqual(0);
      expect(stderr.indexOf(`::add-mask::${child.env.MONGODB_URI}`)).toBe(mask + 1);
      if (index > 0) expect(mask).toBeLessThan(stderr.findIndex((l) => l.startsWith(`Rotated to ${child.env.DB_USERNAME} `)));
    }
  });

  it('--keep keeps the current lease at the end (and the env file); those in grace are still revoked', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'dynsecret-rotate-'));
    const envFile = join(folder, '.env');
    const world = await rotatingWorld({ endMs: 110 * 1000 });
    await rotate(world, { keep: true, envFile, grace: '10m' });
    const { fakes } = world;
    const last = fakes.children.at(-1)!.env.DB_USERNAME!;
    expect(fakes.children).toHaveLength(2);
    expect([...fakes.atlas.users.keys()]).toEqual([last]);
    expect(fakes.stderr.at(-1)).toMatch(new RegExp(`^Kept ${last} \\(--keep\\); it expires `));
    expect(readFileSync(envFile, 'utf8')).toContain(`DB_USERNAME='${last}'`);
  });

  it('a child that ignores SIGTERM is killed after --stop-timeout', async () => {
    const world = await rotatingWorld({ endMs: 3 * M, stubborn: true });
    await rotate(world, { stopTimeout: '3s' });
    const first = world.fakes.children[0]!;
    expect(first.killed).toEqual(['SIGTERM', 'SIGKILL']);
    expect(world.gaps).toEqual([]);
  });

  it('retries a failed rotation (the next creates fail), warning once per kind of failure; the child keeps running', async () => {
    const world = await rotatingWorld({ endMs: 4 * M });
    const quota = atlasError(409, 'DATABASE_USER_LIMIT_EXCEEDED');
    const down = atlasError(503, 'SERVICE_UNAVAILABLE');
    // The first lease is made before the failures are armed.
    const spawn = world.context.spawn;
    world.context.spawn = async (...args) => {
      if (world.fakes.children.length === 0) world.fakes.atlas.fail('createDatabaseUser', quota, quota, down);
      return spawn(...args);
    };
    const result = await rotate(world);
    const { fakes } = world;
    expect(result).toEqual({ exitCode: 0 });
    const warnings = fakes.stderr.filter((l) => l.startsWith('warning: could not lease the next user'));
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/DATABASE_USER_LIMIT_EXCEEDED.*retrying in 5s/);
    expect(warnings[1]).toMatch(/SERVICE_UNAVAILABLE/);
    expect(rotatedLines(fakes).length).toBeGreaterThanOrEqual(1);
    expect(fakes.children[0]!.killed).toEqual(['SIGTERM']);
    expect(world.gaps).toEqual([]);
  });

  it('SIGTERM to run stops the child and revokes every lease still alive, in grace or current', async () => {
    const world = await rotatingWorld({ endMs: 60 * M });
    const { fakes } = world;
    const spawn = world.context.spawn;
    world.context.spawn = async (...args) => {
      const handle = await spawn(...args);
      // The second child: its predecessor's user is in grace. Then run is told to stop.
      if (fakes.children.length === 2) setImmediate(() => fakes.signals.emit('SIGTERM'));
      return handle;
    };
    const result = await run({ ...world.context }, { name: 'app-db', command: ['server'], rotate: true, grace: '10m' });
    expect(result).toEqual({ exitCode: 143 });
    expect(fakes.children).toHaveLength(2);
    expect(fakes.children[1]!.killed).toEqual(['SIGTERM']);
    expect(fakes.atlas.users.size).toBe(0);
    const revoked = fakes.stderr.filter((l) => /^Revoked ds-app-db-\S+\.$/.test(l));
    expect(revoked).toEqual(fakes.children.map((c) => `Revoked ${c.env.DB_USERNAME}.`));
    expect(fakes.signals.count()).toBe(0);
  });

  // Between the end of the wait and the first command's start: a signal there must not be lost (a real process
  // would die of it, leaving the lease alive), but passed on to the command once it exists, and stop the run.
  it.each<[string, 'Leased' | 'Wrote' | 'spawn', NodeJS.Signals]>([
    ['SIGTERM as the lease is named', 'Leased', 'SIGTERM'],
    ['SIGINT as the env file is written', 'Wrote', 'SIGINT'],
    ['SIGTERM while the first command starts', 'spawn', 'SIGTERM'],
  ])('%s: the first command gets it once started, and every lease is revoked', async (_case, when, signal) => {
    const world = await rotatingWorld({ endMs: 60 * M });
    const { fakes } = world;
    const folder = mkdtempSync(join(tmpdir(), 'dynsecret-rotate-'));
    const envFile = join(folder, '.env');
    writeFileSync(envFile, 'PORT=8080\n');
    const { io, spawn } = world.context;
    const context = {
      ...world.context,
      io: {
        ...io,
        error: (line: string) => {
          io.error(line);
          if (line.startsWith(`${when} `)) fakes.signals.emit(signal);
        },
      },
      spawn: async (...args: Parameters<typeof spawn>) => {
        if (when === 'spawn' && fakes.children.length === 0) fakes.signals.emit(signal);
        return spawn(...args);
      },
    };
    const result = await run(context, { name: 'app-db', command: ['server'], rotate: true, envFile });
    expect(fakes.stderr.filter((l) => l.startsWith(`${when} `)).length).toBeLessThanOrEqual(1);
    expect(fakes.children).toHaveLength(1);
    expect(fakes.children[0]!.killed).toEqual([signal]);
    expect(result).toEqual({ exitCode: signal === 'SIGINT' ? 130 : 143 });
    expect(fakes.atlas.users.size).toBe(0);
    expect(await fakes.leases()).toEqual([]);
    expect(readFileSync(envFile, 'utf8')).toBe('PORT=8080\n');
    expect(fakes.signals.count()).toBe(0);
  });

  it('is still listening for signals while it revokes at the end', async () => {
    const world = await rotatingWorld({ endMs: 3 * M });
    const { fakes } = world;
    const listeners: number[] = [];
    const deleteUser = fakes.atlas.deleteDatabaseUser.bind(fakes.atlas);
    fakes.atlas.deleteDatabaseUser = async (username: string) => {
      listeners.push(fakes.signals.count());
      return deleteUser(username);
    };
    await rotate(world, { grace: '10m' });
    // Old users in grace and the current one, all revoked at the end, each with a listener in place.
    expect(listeners.length).toBeGreaterThanOrEqual(2);
    expect(listeners.every((count) => count > 0)).toBe(true);
    expect(fakes.atlas.users.size).toBe(0);
    expect(fakes.signals.count()).toBe(0);
  });

  it('--signal HUP with --env-file: rewrites the file in place (other lines kept) and signals the same child', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'dynsecret-rotate-'));
    const envFile = join(folder, '.env');
    writeFileSync(envFile, '# app\nPORT=8080\n');
    const fileUser = () => /^DB_USERNAME='(.*)'$/m.exec(readFileSync(envFile, 'utf8'))?.[1] ?? '';
    const world = await rotatingWorld({ endMs: 5 * M, userOf: fileUser });
    const seen: string[] = [];
    const spawn = world.context.spawn;
    world.context.spawn = async (...args) => {
      const handle = await spawn(...args);
      return {
        kill: (signal: NodeJS.Signals) => {
          seen.push(fileUser());
          handle.kill(signal);
        },
      };
    };
    const result = await rotate(world, { signal: 'hup', envFile });
    const { fakes } = world;
    expect(result).toEqual({ exitCode: 0 });
    expect(fakes.children).toHaveLength(1);
    const rotated = rotatedLines(fakes).map((l) => /^Rotated to (\S+) /.exec(l)![1]);
    expect(rotated.length).toBeGreaterThanOrEqual(2);
    expect(fakes.children[0]!.killed).toEqual(rotated.map(() => 'SIGHUP'));
    // When signalled, the file already held the new user.
    expect(seen).toEqual(rotated);
    // At the end the variables are gone and the other lines are as they were.
    expect(readFileSync(envFile, 'utf8')).toBe('# app\nPORT=8080\n');
    expect(world.gaps).toEqual([]);
  });

  it.each<[string, Partial<RunOptions>, RegExp]>([
    ['--signal without --env-file', { signal: 'HUP' }, /^--signal needs --env-file PATH/],
    ['--restart with --signal', { restart: true, signal: 'HUP', envFile: '/tmp/x' }, /^--restart and --signal/],
    ['an unknown signal', { signal: 'NOPE', envFile: '/tmp/x' }, /^--signal NOPE is not a signal name/],
    ['--stop-timeout with --signal', { signal: 'HUP', envFile: '/tmp/x', stopTimeout: '5s' }, /^--stop-timeout goes with --restart/],
    ['a bad --grace', { grace: '5' }, /--grace/],
  ])('refuses %s (exit 2), leasing nothing', async (_case, options, message) => {
    const world = await rotatingWorld();
    const error = await rejection(rotate(world, options));
    expect(error.exitCode).toBe(2);
    expect(error.message).toMatch(message);
    expect(world.fakes.atlas.calls).toEqual([]);
  });

  it.each<[string, Partial<RunOptions>]>([
    ['--grace', { grace: '1m' }],
    ['--signal', { signal: 'HUP' }],
    ['--env-file', { envFile: '.env' }],
    ['--restart', { restart: true }],
  ])('refuses %s without --rotate (exit 2)', async (flag, options) => {
    const world = await rotatingWorld();
    const error = await rejection(run(world.context, { name: 'app-db', command: ['server'], ...options }));
    expect(error.exitCode).toBe(2);
    expect(error.message).toContain(`${flag} goes with --rotate`);
  });
});
