import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { sampleConfig } from '../../helpers/fixtures.js';
import { TEST_KDF } from './test-kdf.js';

// Counts decryptions while keeping the real envelope code.
const opened = vi.hoisted(() => ({ count: 0 }));
vi.mock('../../../src/store/envelope.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../../src/store/envelope.js')>();
  return {
    ...actual,
    openEnvelope: (...args: Parameters<typeof actual.openEnvelope>) => {
      opened.count += 1;
      return actual.openEnvelope(...args);
    },
  };
});
const { EncryptedStore } = await import('../../../src/store/store.js');

const PASSPHRASE = 'correct horse battery staple';
const config = (name: string) => sampleConfig(name);

async function seeded() {
  const folder = mkdtempSync(join(tmpdir(), 'dynsecret-snapshot-'));
  const store = new EncryptedStore({ folder, keys: { passphrase: PASSPHRASE }, kdf: TEST_KDF });
  await store.update((data) => {
    data.configs.push(config('app-db'));
  });
  return { folder, session: await store.sessionKey() };
}

describe('one decryption per version of the file', () => {
  beforeEach(() => {
    opened.count = 0;
  });

  it.each<[string, number, (store: InstanceType<typeof EncryptedStore>) => Promise<unknown>]>([
    ['one read', 1, (s) => s.read()],
    [
      'three reads',
      1,
      async (s) => {
        await s.read();
        await s.read();
        await s.read();
      },
    ],
    [
      'a read, then two updates',
      1,
      async (s) => {
        await s.read();
        await s.update(() => undefined);
        await s.update(() => undefined);
      },
    ],
    [
      'an update, then reads',
      1,
      async (s) => {
        await s.update(() => undefined);
        await s.read();
        await s.read();
      },
    ],
  ])('%s in one process: %i decryption', async (_what, decryptions, work) => {
    const { folder, session } = await seeded();
    opened.count = 0;
    await work(new EncryptedStore({ folder, keys: { session }, kdf: TEST_KDF }));
    expect(opened.count).toBe(decryptions);
  });

  it('decrypts again when another process wrote the same contents again (a file of the same size, other bytes)', async () => {
    const { folder, session } = await seeded();
    const mine = new EncryptedStore({ folder, keys: { session }, kdf: TEST_KDF });
    await mine.read();
    const before = readFileSync(mine.path);
    await new EncryptedStore({ folder, keys: { session }, kdf: TEST_KDF }).update(() => undefined);
    expect(readFileSync(mine.path)).toHaveLength(before.length);
    opened.count = 0;
    await mine.read();
    expect(opened.count).toBe(1);
  });

  it.each([
    ['its first', 'first'],
    ['its last', 'last'],
  ])('reads a large file again that differs from what it wrote only in %s bytes', async (_where, which) => {
    const { folder, session } = await seeded();
    const mine = new EncryptedStore({ folder, keys: { session }, kdf: TEST_KDF });
    await mine.update((data) => {
      for (let i = 0; i < 2000; i++) {
        data.leases.push({
          leaseId: `ds-app-db-${i}`,
          config: 'app-db',
          createdAt: 'a',
          expiresAt: 'b',
          maxExpiresAt: 'c',
          status: 'active',
        });
      }
    });
    const bytes = readFileSync(mine.path);
    expect(bytes.length).toBeGreaterThan(3 * 64 * 1024);
    // A letter of the ciphertext's base64 (before any padding), near the start or near the end of the file.
    const index = which === 'first' ? bytes.indexOf('"data": "') + 9 : bytes.lastIndexOf('"') - 3;
    bytes[index] = bytes[index] === 0x41 ? 0x42 : 0x41; // another base64 letter: the same size, a damaged ciphertext
    writeFileSync(mine.path, bytes);
    opened.count = 0;
    await expect(mine.read()).rejects.toThrow(/damaged/);
    expect(opened.count).toBe(1);
  });

  it('decrypts again when another process changed the file, and sees the change', async () => {
    const { folder, session } = await seeded();
    const mine = new EncryptedStore({ folder, keys: { session }, kdf: TEST_KDF });
    expect((await mine.read()).configs.map((c) => c.name)).toEqual(['app-db']);
    await new EncryptedStore({ folder, keys: { session }, kdf: TEST_KDF }).update((data) => {
      data.configs.push(config('second'));
    });
    opened.count = 0;
    expect((await mine.read()).configs.map((c) => c.name)).toEqual(['app-db', 'second']);
    expect(opened.count).toBe(1);
  });
});

describe('contents in memory', () => {
  it('are frozen for readers; an update works on its own copy', async () => {
    const { folder, session } = await seeded();
    const store = new EncryptedStore({ folder, keys: { session }, kdf: TEST_KDF });
    const before = await store.read();
    expect(() => before.configs.push(config('sneaky'))).toThrow(TypeError);
    await store.update((data) => {
      data.configs[0]!.roles.push({ roleName: 'read', databaseName: 'other' });
    });
    expect(before.configs[0]!.roles).toHaveLength(1);
    expect((await store.read()).configs[0]!.roles).toHaveLength(2);
  });

  it('stay as they were, on disk and in memory, when an update fails halfway', async () => {
    const { folder, session } = await seeded();
    const store = new EncryptedStore({ folder, keys: { session }, kdf: TEST_KDF });
    const file = readFileSync(store.path);
    await expect(
      store.update((data) => {
        data.configs = [];
        throw new Error('changed its mind');
      }),
    ).rejects.toThrow('changed its mind');
    expect(readFileSync(store.path).equals(file)).toBe(true);
    expect((await store.read()).configs.map((c) => c.name)).toEqual(['app-db']);
  });

  it('are sealed with the mark that lets later reads skip the schema check', async () => {
    const { folder, session } = await seeded();
    const { openEnvelope, parseEnvelope } = await import('../../../src/store/envelope.js');
    const { decodeSession } = await import('../../../src/store/keys.js');
    const text = readFileSync(new EncryptedStore({ folder, keys: { session }, kdf: TEST_KDF }).path, 'utf8');
    const plaintext = openEnvelope(parseEnvelope(text, TEST_KDF.limits), decodeSession(session));
    expect(JSON.parse(plaintext!)).toMatchObject({ checked: 1, configs: [{ name: 'app-db' }] });
  });
});
