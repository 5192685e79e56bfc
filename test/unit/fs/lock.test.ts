import { existsSync, mkdirSync, mkdtempSync, rmdirSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLockFs } from '../../../src/fs/lock-fs.js';
import { withLock, type LockErrors } from '../../../src/fs/lock.js';

const OPTIONS = { timeoutMs: 30_000, staleMs: 5_000 };
class TimedOut extends Error {}
class Failed extends Error {}
const ERRORS: LockErrors = {
  timedOut: (target, timeoutMs) => new TimedOut(`${target} ${timeoutMs}`),
  failed: (target) => new Failed(target),
};
const newTarget = () => join(mkdtempSync(join(tmpdir(), 'dynsecret-lock-')), 'store.json');

const umaskBefore = process.umask();
afterEach(() => {
  process.umask(umaskBefore);
});

describe('withLock', () => {
  it.each(['000', '002', '022', '077'])('creates the lock folder 0700 under umask %s', async (umask) => {
    process.umask(Number.parseInt(umask, 8));
    const target = join(mkdtempSync(join(tmpdir(), 'dynsecret-lock-')), 'store.json');
    const mode = await withLock(target, OPTIONS, ERRORS, async () => statSync(`${target}.lock`).mode & 0o777);
    expect(mode.toString(8)).toBe('700');
  });
});

describe("the lock's mkdir", () => {
  it('changes no mode after the mkdir: a symlink put in place of the new folder is not followed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dynsecret-lock-'));
    const victim = join(dir, 'victim');
    writeFileSync(victim, 'x', { mode: 0o644 });
    const folder = join(dir, 'store.json.lock');
    const done = new Promise<NodeJS.ErrnoException | null>((resolve) => createLockFs().fs.mkdir(folder, resolve));
    // The mkdir runs on libuv's thread pool; its callback only on this thread, after this synchronous block:
    // in between, the folder becomes a symlink to another file, as another process could make it.
    while (!existsSync(folder)) {
      // wait for the thread pool's mkdir
    }
    rmdirSync(folder);
    symlinkSync(victim, folder);
    expect(await done).toBeNull();
    expect((statSync(victim).mode & 0o777).toString(8)).toBe('644');
  });
});

describe('withLock when the lock is taken over', () => {
  it("reports the lock as no longer held, and leaves the new holder's lock folder in place", async () => {
    const target = join(mkdtempSync(join(tmpdir(), 'dynsecret-lock-')), 'store.json');
    const folder = `${target}.lock`;
    let identity = '';
    const seen = await withLock(target, { ...OPTIONS, staleMs: 60_000 }, ERRORS, async (lock) => {
      const before = lock.held();
      // What a writer that found this lock stale does: remove it and make its own.
      rmdirSync(folder);
      mkdirSync(folder);
      const stats = statSync(folder, { bigint: true });
      identity = `${stats.ino}:${stats.birthtimeNs}`;
      return { before, after: lock.held() };
    });
    expect(seen).toEqual({ before: true, after: false });
    const stats = statSync(folder, { bigint: true });
    expect(`${stats.ino}:${stats.birthtimeNs}`).toBe(identity);
  });

  it('removes its own lock folder on release', async () => {
    const target = join(mkdtempSync(join(tmpdir(), 'dynsecret-lock-')), 'store.json');
    await withLock(target, OPTIONS, ERRORS, async (lock) => {
      expect(lock.held()).toBe(true);
    });
    expect(existsSync(`${target}.lock`)).toBe(false);
  });
});

describe('withLock when the lock cannot be had', () => {
  it("gives up after the timeout with the caller's error, and leaves the holder's lock alone", async () => {
    const target = newTarget();
    await withLock(target, OPTIONS, ERRORS, async () => {
      const started = Date.now();
      const error = await withLock(target, { ...OPTIONS, timeoutMs: 150 }, ERRORS, async () => 'ran').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TimedOut);
      expect((error as Error).message).toBe(`${target} 150`);
      expect(Date.now() - started).toBeGreaterThanOrEqual(150);
      expect(existsSync(`${target}.lock`)).toBe(true);
    });
  });

  it("reports any other failure with the caller's error", async () => {
    const target = join(newTarget(), 'missing-folder', 'store.json');
    await expect(withLock(target, OPTIONS, ERRORS, async () => 'ran')).rejects.toBeInstanceOf(Failed);
  });

  it('takes over a lock left stale by a dead process', async () => {
    const target = newTarget();
    mkdirSync(`${target}.lock`);
    const old = new Date(Date.now() - 60_000);
    utimesSync(`${target}.lock`, old, old);
    expect(await withLock(target, { ...OPTIONS, timeoutMs: 2_000 }, ERRORS, async (lock) => lock.held())).toBe(true);
    expect(existsSync(`${target}.lock`)).toBe(false);
  });
});
