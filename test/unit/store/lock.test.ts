import { existsSync, mkdirSync, mkdtempSync, rmdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_LOCK, withLock } from '../../../src/store/lock.js';

const umaskBefore = process.umask();
afterEach(() => {
  process.umask(umaskBefore);
});

describe('withLock', () => {
  it.each(['000', '002', '022', '077'])('creates the lock folder 0700 under umask %s', async (umask) => {
    process.umask(Number.parseInt(umask, 8));
    const target = join(mkdtempSync(join(tmpdir(), 'dynsecret-lock-')), 'store.json');
    const mode = await withLock(target, DEFAULT_LOCK, async () => statSync(`${target}.lock`).mode & 0o777);
    expect(mode.toString(8)).toBe('700');
  });
});

describe('withLock when the lock is taken over', () => {
  it('reports the lock as no longer held, and leaves the new holder\'s lock folder in place', async () => {
    const target = join(mkdtempSync(join(tmpdir(), 'dynsecret-lock-')), 'store.json');
    const folder = `${target}.lock`;
    let identity = '';
    const seen = await withLock(target, { ...DEFAULT_LOCK, staleMs: 60_000 }, async (lock) => {
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
    await withLock(target, DEFAULT_LOCK, async (lock) => {
      expect(lock.held()).toBe(true);
    });
    expect(existsSync(`${target}.lock`)).toBe(false);
  });
});
