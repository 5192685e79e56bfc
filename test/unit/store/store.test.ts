import { chmodSync, chownSync, mkdtempSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExitCode, StoreError } from '../../../src/errors.js';
import { EncryptedStore } from '../../../src/store/store.js';
import { sampleConfig } from '../../helpers/fixtures.js';
import { TEST_KDF } from './test-kdf.js';

const PASSPHRASE = 'correct horse battery staple';
const home = () => mkdtempSync(join(tmpdir(), 'dynsecret-store-'));
const storeAt = (folder: string, keys: ConstructorParameters<typeof EncryptedStore>[0]['keys'] = { passphrase: PASSPHRASE }) =>
  new EncryptedStore({ folder, keys, kdf: TEST_KDF });

const config = (name: string) => sampleConfig(name);

async function seeded() {
  const folder = home();
  await storeAt(folder).update((data) => {
    data.configs.push(config('app-db'));
  });
  return folder;
}

async function expectStoreError(promise: Promise<unknown>, fragment: RegExp) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StoreError);
  expect((error as StoreError).exitCode).toBe(ExitCode.store);
  expect((error as StoreError).message).toMatch(fragment);
}

describe('EncryptedStore', () => {
  it('round-trips data, with the file 0600 and the folder 0700', async () => {
    const folder = await seeded();
    const data = await storeAt(folder).read();
    expect(data.configs.map((c) => c.name)).toEqual(['app-db']);
    const store = storeAt(folder);
    expect(statSync(store.path).mode & 0o777).toBe(0o600);
    expect(statSync(folder).mode & 0o777).toBe(0o700);
  });

  it('never writes secrets or configs in clear', async () => {
    const folder = await seeded();
    const text = readFileSync(storeAt(folder).path, 'utf8');
    expect(text).not.toContain('PRIVATE-KEY-VALUE-1234');
    expect(text).not.toContain('app-db');
    expect(text).not.toContain(PASSPHRASE);
  });

  it('uses a fresh nonce for every write', async () => {
    const folder = await seeded();
    const store = storeAt(folder);
    const first = JSON.parse(readFileSync(store.path, 'utf8')).iv;
    await store.update(() => undefined);
    const second = JSON.parse(readFileSync(store.path, 'utf8')).iv;
    expect(second).not.toBe(first);
  });

  it('reads an absent store as empty without asking for a key', async () => {
    const data = await storeAt(home(), {}).read();
    expect(data).toEqual({ configs: [], leases: [], tokens: [] });
  });

  it('refuses a wrong passphrase and leaves the file byte-for-byte', async () => {
    const folder = await seeded();
    const path = storeAt(folder).path;
    const before = readFileSync(path);
    await expectStoreError(storeAt(folder, { passphrase: 'not the passphrase' }).read(), /Wrong passphrase/);
    await expectStoreError(
      storeAt(folder, { passphrase: 'not the passphrase' }).update(() => undefined),
      /Wrong passphrase/,
    );
    expect(readFileSync(path).equals(before)).toBe(true);
  });

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a test reaches into the parsed file freely
  const tamperings: [string, (envelope: Record<string, any>) => void][] = [
    [
      'ciphertext byte',
      (e) => {
        const b = Buffer.from(e.data, 'base64');
        b[0]! ^= 1;
        e.data = b.toString('base64');
      },
    ],
    [
      'auth tag',
      (e) => {
        const b = Buffer.from(e.tag, 'base64');
        b[3]! ^= 0x80;
        e.tag = b.toString('base64');
      },
    ],
    [
      'nonce',
      (e) => {
        const b = Buffer.from(e.iv, 'base64');
        b[0]! ^= 1;
        e.iv = b.toString('base64');
      },
    ],
    [
      'wrapped key',
      (e) => {
        const b = Buffer.from(e.wrappedKey.key, 'base64');
        b[0]! ^= 1;
        e.wrappedKey.key = b.toString('base64');
      },
    ],
    [
      'salt',
      (e) => {
        const b = Buffer.from(e.kdf.salt, 'base64');
        b[0]! ^= 1;
        e.kdf.salt = b.toString('base64');
      },
    ],
    // Relative to the test policy (N 2^10): below its minimum, and a larger N its limits accept but the AAD does not.
    [
      'weaker KDF',
      (e) => {
        e.kdf.N = 2 ** 9;
      },
    ],
    [
      'larger KDF',
      (e) => {
        e.kdf.N = 2 ** 11;
      },
    ],
    [
      'KDF beyond the limits',
      (e) => {
        e.kdf.N = 2 ** 14;
      },
    ],
    [
      'format version',
      (e) => {
        e.dynsecret = 2;
      },
    ],
    [
      'plaintext planted',
      (e) => {
        e.data = Buffer.from('{"configs":[]}').toString('base64');
      },
    ],
    // Fields the format does not have are tampering too: nothing unauthenticated rides along in the header.
    [
      'header with an unknown top-level field',
      (e) => {
        e.note = 'planted';
      },
    ],
    [
      'header with an unknown field in wrappedKey',
      (e) => {
        e.wrappedKey.alg = 'none';
      },
    ],
    [
      'header with an unknown field in kdf',
      (e) => {
        e.kdf.extra = 1;
      },
    ],
    [
      'header with an unknown field set to null',
      (e) => {
        e.wrappedKey.note = null;
      },
    ],
  ];

  it.each(tamperings)('refuses a file with a modified %s (exit 3, bytes unchanged)', async (_what, tamper) => {
    const folder = await seeded();
    const path = storeAt(folder).path;
    const session = await storeAt(folder).sessionKey();
    const envelope = JSON.parse(readFileSync(path, 'utf8'));
    tamper(envelope);
    writeFileSync(path, JSON.stringify(envelope));
    const before = readFileSync(path);
    await expectStoreError(storeAt(folder).read(), /damaged|modified|Wrong passphrase/);
    await expectStoreError(
      storeAt(folder).update((d) => {
        d.configs = [];
      }),
      /damaged|modified|Wrong passphrase/,
    );
    await expectStoreError(
      storeAt(folder, { session }).update((d) => {
        d.configs = [];
      }),
      /damaged|modified|does not open/,
    );
    expect(readFileSync(path).equals(before)).toBe(true);
  });

  // The last case drops only the closing brace (and the final newline), the smallest cut that matters.
  it.each([0.1, 0.5, 0.9, -2])('refuses a file truncated at %d', async (cut) => {
    const folder = await seeded();
    const path = storeAt(folder).path;
    const full = readFileSync(path);
    writeFileSync(path, full.subarray(0, cut < 0 ? full.length + cut : Math.floor(full.length * cut)));
    const before = readFileSync(path);
    await expectStoreError(storeAt(folder).read(), /damaged/);
    expect(readFileSync(path).equals(before)).toBe(true);
  });

  it('refuses a planted plaintext JSON file instead of trusting it', async () => {
    const folder = await seeded();
    const path = storeAt(folder).path;
    writeFileSync(path, JSON.stringify({ configs: [config('evil')], leases: [], tokens: [] }));
    await expectStoreError(storeAt(folder).read(), /damaged/);
  });

  it('unlocks with the session key alone, and refuses a session key of another store', async () => {
    const folder = await seeded();
    const session = await storeAt(folder).sessionKey();
    expect(session).toMatch(/^ds1_[A-Za-z0-9_-]{43}$/);
    const data = await storeAt(folder, { session }).read();
    expect(data.configs).toHaveLength(1);
    await storeAt(folder, { session }).update((d) => {
      d.configs.push(config('second'));
    });
    expect((await storeAt(folder).read()).configs).toHaveLength(2);

    const other = await seeded();
    await expectStoreError(storeAt(other, { session }).read(), /does not open this store/);
    await expectStoreError(storeAt(folder, { session: 'ds1_short' }).read(), /not a dynsecret session key/);
  });

  it('prompts for the passphrase when none is in the environment, and fails with exit 3 when none can be had', async () => {
    const folder = await seeded();
    const asked: string[] = [];
    const data = await storeAt(folder, {
      prompt: async ({ message }) => {
        asked.push(message);
        return PASSPHRASE;
      },
    }).read();
    expect(data.configs).toHaveLength(1);
    expect(asked).toEqual(['Store passphrase']);
    await expectStoreError(storeAt(folder, {}).read(), /locked/);
  });

  it('creates a new store with a passphrase asked twice, refusing a mismatch (three times) without writing', async () => {
    const folder = home();
    const answers = ['first passphrase', 'second passphrase', 'first passphrase', 'other', 'first passphrase', 'another'];
    await expectStoreError(
      storeAt(folder, { prompt: async () => answers.shift()! }).update(() => undefined),
      /differ/,
    );
    expect(storeAt(folder).exists()).toBe(false);
    const same = ['same passphrase', 'same passphrase'];
    await storeAt(folder, { prompt: async () => same.shift()! }).update(() => undefined);
    expect(storeAt(folder).exists()).toBe(true);
    await expectStoreError(
      storeAt(home(), {}).update(() => undefined),
      /No passphrase/,
    );
  });

  it('narrows a wider store folder to 0700 on write', async () => {
    const folder = home();
    chmodSync(folder, 0o755);
    await storeAt(folder).update(() => undefined);
    expect(statSync(folder).mode & 0o777).toBe(0o700);
  });

  it('serialises concurrent updates in one process without losing any', async () => {
    const folder = await seeded();
    const session = await storeAt(folder).sessionKey();
    await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        storeAt(folder, { session }).update((d) => {
          d.configs.push(config(`c${i}`));
        }),
      ),
    );
    const names = (await storeAt(folder).read()).configs.map((c) => c.name).sort();
    expect(names).toEqual(['app-db', 'c0', 'c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7']);
  });
});

describe('EncryptedStore key derivation', () => {
  it('writes a new store at the production cost by default, and refuses a store written at a test cost', async () => {
    const folder = home();
    await new EncryptedStore({ folder, keys: { passphrase: PASSPHRASE } }).update(() => undefined);
    expect(JSON.parse(readFileSync(join(folder, 'store.json'), 'utf8')).kdf).toMatchObject({ N: 2 ** 17, r: 8, p: 1 });

    const cheap = await seeded();
    expect(JSON.parse(readFileSync(join(cheap, 'store.json'), 'utf8')).kdf).toMatchObject({ N: 2 ** 10 });
    const production = new EncryptedStore({ folder: cheap, keys: { passphrase: PASSPHRASE } });
    await expectStoreError(production.read(), /key-derivation parameters are weaker/);
  });
});

describe('EncryptedStore fencing', () => {
  // The file replaced by another version while this writer held the lock, as when the writer was stopped past
  // the lock's stale time and another writer committed meanwhile: the write is redone on the newer store.
  it('redoes a write whose store changed under it, keeping the change made meanwhile', async () => {
    const folder = await seeded();
    const path = storeAt(folder).path;
    const before = readFileSync(path);
    await storeAt(folder).update((d) => {
      d.configs.push(config('meanwhile'));
    });
    const meanwhile = readFileSync(path);
    writeFileSync(path, before);
    const warnings: string[] = [];
    const store = new EncryptedStore({ folder, keys: { passphrase: PASSPHRASE }, warn: (m) => warnings.push(m), kdf: TEST_KDF });
    let calls = 0;
    const result = await store.update((d) => {
      calls += 1;
      if (calls === 1) writeFileSync(`${path}.other`, meanwhile);
      if (calls === 1) renameSync(`${path}.other`, path);
      d.configs.push(config('late'));
      return d.configs.length;
    });
    expect(calls).toBe(2);
    expect(result).toBe(3);
    expect((await storeAt(folder).read()).configs.map((c) => c.name)).toEqual(['app-db', 'meanwhile', 'late']);
    expect(warnings.join('\n')).toMatch(/changed while this process held its lock/);
  });

  it('gives up (exit 3) when the store keeps changing, leaving the last version as it is', async () => {
    const folder = await seeded();
    const path = storeAt(folder).path;
    const versions: Buffer[] = [];
    for (let i = 0; i < 6; i++) {
      await storeAt(folder).update((d) => {
        d.configs.push(config(`v${i}`));
      });
      versions.push(readFileSync(path));
    }
    writeFileSync(path, versions[0]!);
    let calls = 0;
    await expectStoreError(
      storeAt(folder).update((d) => {
        writeFileSync(`${path}.other`, versions[++calls]!);
        renameSync(`${path}.other`, path);
        d.configs = [];
      }),
      /kept changing/,
    );
    expect(readFileSync(path).equals(versions[calls]!)).toBe(true);
  });
});

describe('EncryptedStore permissions', () => {
  it('narrows a store file or folder readable by others back to 0600/0700, with a warning', async () => {
    const folder = await seeded();
    const warnings: string[] = [];
    const store = new EncryptedStore({ folder, keys: { passphrase: PASSPHRASE }, warn: (m) => warnings.push(m), kdf: TEST_KDF });
    chmodSync(store.path, 0o644);
    chmodSync(folder, 0o755);
    expect((await store.read()).configs).toHaveLength(1);
    expect(statSync(store.path).mode & 0o777).toBe(0o600);
    expect(statSync(folder).mode & 0o777).toBe(0o700);
    expect(warnings.join('\n')).toMatch(/644.*narrowed to 600/s);
  });

  // Only root can hand a file to another user (CI runs as root).
  it.runIf(process.getuid?.() === 0)('refuses a store owned by another user', async () => {
    const folder = await seeded();
    const store = storeAt(folder);
    chownSync(store.path, 12345, 12345);
    await expectStoreError(store.read(), /belongs to another user/);
  });
});
