import { mkdtempSync, statSync } from 'node:fs';
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
