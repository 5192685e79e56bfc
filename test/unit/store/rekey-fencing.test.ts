import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { sampleConfig } from '../../helpers/fixtures.js';
import { TEST_KDF } from './test-kdf.js';

// Runs `meanwhile` right before the new header is made, between the store's read and its replacement: what
// another writer does while this one is stopped past the lock's stale time.
const hook = vi.hoisted(() => ({ meanwhile: undefined as (() => void) | undefined }));
vi.mock('../../../src/store/envelope.js', async (importOriginal) => {
  const envelope = await importOriginal<typeof import('../../../src/store/envelope.js')>();
  return {
    ...envelope,
    newHeader: (...args: Parameters<typeof envelope.newHeader>) => {
      hook.meanwhile?.();
      return envelope.newHeader(...args);
    },
  };
});
const { rekeyStore } = await import('../../../src/store/rekey.js');
const { EncryptedStore } = await import('../../../src/store/store.js');
const { STORE_FILE } = await import('../../../src/store/store-file.js');

const OLD = 'the old passphrase';
const NEW = 'the new passphrase';

async function twoVersions(): Promise<{ folder: string; path: string; newer: Buffer }> {
  const folder = mkdtempSync(join(tmpdir(), 'dynsecret-rekey-fence-'));
  const store = new EncryptedStore({ folder, keys: { passphrase: OLD }, kdf: TEST_KDF });
  await store.update((data) => {
    data.configs.push(sampleConfig('first'));
  });
  const path = join(folder, STORE_FILE);
  const older = readFileSync(path);
  await store.update((data) => {
    data.configs.push(sampleConfig('meanwhile'));
  });
  const newer = readFileSync(path);
  writeFileSync(path, older);
  return { folder, path, newer };
}

describe('rekeyStore fencing', () => {
  it.each<[string, (path: string, newer: Buffer) => void, string[]]>([
    [
      'the store was replaced by another writer',
      (path, newer) => {
        writeFileSync(`${path}.other`, newer);
        renameSync(`${path}.other`, path);
      },
      ['first', 'meanwhile'],
    ],
    [
      'its lock was taken over',
      (path) => {
        rmdirSync(`${path}.lock`);
        mkdirSync(`${path}.lock`);
      },
      ['first'],
    ],
  ])('writes nothing (exit 3) when %s meanwhile', async (_what, meanwhile, kept) => {
    const { folder, path, newer } = await twoVersions();
    hook.meanwhile = () => meanwhile(path, newer);
    try {
      const error = await rekeyStore(folder, { current: OLD, next: NEW }, {}, TEST_KDF).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect((error as { exitCode?: number }).exitCode).toBe(3);
      expect((error as Error).message).toMatch(/store changed while its passphrase was being changed/);
    } finally {
      hook.meanwhile = undefined;
    }
    const names = (await new EncryptedStore({ folder, keys: { passphrase: OLD }, kdf: TEST_KDF }).read()).configs.map((c) => c.name);
    expect(names).toEqual(kept);
    await expect(new EncryptedStore({ folder, keys: { passphrase: NEW }, kdf: TEST_KDF }).read()).rejects.toThrow(/Wrong passphrase/);
  });

  it('re-keys when nothing happened meanwhile', async () => {
    const { folder } = await twoVersions();
    await rekeyStore(folder, { current: OLD, next: NEW }, {}, TEST_KDF);
    expect((await new EncryptedStore({ folder, keys: { passphrase: NEW }, kdf: TEST_KDF }).read()).configs.map((c) => c.name)).toEqual([
      'first',
    ]);
  });
});
