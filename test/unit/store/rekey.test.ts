import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StoreError } from '../../../src/errors.js';
import { encodeSession } from '../../../src/store/keys.js';
import { rekeyStore } from '../../../src/store/rekey.js';
import { EncryptedStore } from '../../../src/store/store.js';
import { sampleConfig } from '../../helpers/fixtures.js';
import { TEST_KDF } from './test-kdf.js';

const OLD = 'the old passphrase';
const NEW = 'the new passphrase';

async function storeWith(names: string[]): Promise<{ folder: string; session: string }> {
  const folder = mkdtempSync(join(tmpdir(), 'dynsecret-rekey-'));
  const store = new EncryptedStore({ folder, keys: { passphrase: OLD }, kdf: TEST_KDF });
  await store.update((data) => {
    for (const name of names) data.configs.push(sampleConfig(name));
  });
  return { folder, session: await store.sessionKey() };
}

const names = (folder: string, keys: { passphrase?: string; session?: string }) =>
  new EncryptedStore({ folder, keys, kdf: TEST_KDF }).read().then((d) => d.configs.map((c) => c.name));

describe('rekeyStore', () => {
  it('re-seals the same contents under a new data key and the new passphrase', async () => {
    const { folder, session } = await storeWith(['a', 'b']);
    await rekeyStore(folder, { current: OLD, next: NEW }, {}, TEST_KDF);
    expect(await names(folder, { passphrase: NEW })).toEqual(['a', 'b']);
    await expect(names(folder, { passphrase: OLD })).rejects.toThrow(/Wrong passphrase/);
    await expect(names(folder, { session })).rejects.toThrow(/DYNSECRET_SESSION does not open this store/);
    const newSession = await new EncryptedStore({ folder, keys: { passphrase: NEW }, kdf: TEST_KDF }).sessionKey();
    expect(newSession).not.toBe(session);
    expect(newSession).not.toBe(encodeSession(Buffer.alloc(32)));
  });

  it.each([
    ['a wrong current passphrase', { current: 'wrong passphrase', next: NEW }, /Wrong passphrase/],
    ['an empty new passphrase', { current: OLD, next: '' }, /at least 8 characters/],
    ['a short new passphrase', { current: OLD, next: 'short' }, /at least 8 characters/],
  ])('%s is a store error and the file is byte for byte the same', async (_case, passphrases, message) => {
    const { folder } = await storeWith(['a']);
    const before = readFileSync(join(folder, 'store.json'));
    const error = await rekeyStore(folder, passphrases, {}, TEST_KDF).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(StoreError);
    expect((error as Error).message).toMatch(message);
    expect(readFileSync(join(folder, 'store.json')).equals(before)).toBe(true);
  });

  it('takes the store lock: an update running at the same time is either in the new store or refused, never lost silently', async () => {
    const { folder } = await storeWith(['a']);
    const writer = new EncryptedStore({ folder, keys: { passphrase: OLD }, kdf: TEST_KDF });
    const [rekeyed, updated] = await Promise.allSettled([
      rekeyStore(folder, { current: OLD, next: NEW }, {}, TEST_KDF),
      writer.update((data) => {
        data.configs.push(sampleConfig('b'));
      }),
    ]);
    expect(rekeyed.status).toBe('fulfilled');
    const after = await names(folder, { passphrase: NEW });
    if (updated.status === 'fulfilled') expect(after).toEqual(['a', 'b']);
    else {
      expect(updated.reason).toBeInstanceOf(StoreError);
      expect(after).toEqual(['a']);
    }
  });

  it('refuses when there is no store', async () => {
    await expect(rekeyStore(mkdtempSync(join(tmpdir(), 'dynsecret-rekey-')), { current: OLD, next: NEW }, {}, TEST_KDF)).rejects.toThrow(
      /no store yet/,
    );
  });
});
