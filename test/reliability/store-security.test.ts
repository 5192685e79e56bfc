import { spawn } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  chownSync,
  lchownSync,
  watch,
  lstatSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import * as crypto from 'node:crypto';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { DYNSECRET, dynsecret, PASSPHRASE, tempHome } from '../helpers/bin.js';
import { EncryptedStore } from '../../src/store/store.js';
import { recordFigures } from './support/figures.js';
import { storeBytes, storePath } from './support/store.js';

/**
 * The store's defences, checked where the rest of the suite does not: who may own it, how its key is
 * derived, that no nonce repeats, and that derived keys are wiped once used.
 */

// Every key scrypt derives is kept here, so the test can see whether the store wiped it after use.
const derived = vi.hoisted(() => ({ keys: [] as Buffer[], calls: [] as { N: number; r: number; p: number }[] }));
vi.mock('node:crypto', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:crypto')>();
  const scrypt = ((...args: Parameters<typeof real.scrypt>) => {
    const callback = args.at(-1) as (error: Error | null, key: Buffer) => void;
    const options = (args.length === 5 ? args[3] : {}) as { N: number; r: number; p: number };
    derived.calls.push({ N: options.N, r: options.r, p: options.p });
    const rest = args.slice(0, -1) as [crypto.BinaryLike, crypto.BinaryLike, number, crypto.ScryptOptions];
    real.scrypt(...rest, (error, key) => {
      if (key) derived.keys.push(key);
      callback(error, key);
    });
  }) as typeof real.scrypt;
  return { ...real, default: { ...real, scrypt }, scrypt };
});

beforeEach(() => {
  derived.keys.length = 0;
  derived.calls.length = 0;
});

async function newStore(): Promise<{ folder: string; store: EncryptedStore }> {
  const folder = tempHome();
  const store = new EncryptedStore({ folder, keys: { passphrase: PASSPHRASE } });
  await store.update((data) => {
    data.leases.push({
      leaseId: 'ds-x-000000000000',
      config: 'x',
      createdAt: '2026-01-01T00:00:00Z',
      expiresAt: '2026-01-01T01:00:00Z',
      maxExpiresAt: '2026-01-02T00:00:00Z',
      status: 'active',
    });
  });
  return { folder, store };
}

/**
 * A copy of one store that `newStore` made for this file (the same keys and contents), for the tests whose
 * subject is not how a store is created: a copy costs no key derivation.
 */
let template: string | undefined;
async function storeCopy(): Promise<{ folder: string }> {
  template ??= (await newStore()).folder;
  const folder = tempHome();
  copyFileSync(storePath(template), storePath(folder));
  return { folder };
}

const envelope = (folder: string) =>
  JSON.parse(readFileSync(storePath(folder), 'utf8')) as {
    iv: string;
    kdf: { N: number; r: number; p: number; salt: string };
    wrappedKey: { iv: string; key: string };
  };

const isZero = (key: Buffer) => key.every((byte) => byte === 0);

describe('store security', () => {
  it('wipes every passphrase-derived key once the data key is wrapped or unwrapped', async () => {
    const { folder } = await newStore();
    expect(derived.keys).toHaveLength(1);
    await new EncryptedStore({ folder, keys: { passphrase: PASSPHRASE } }).read();
    await new EncryptedStore({ folder, keys: { passphrase: 'not the passphrase' } }).read().catch(() => undefined);
    expect(derived.keys).toHaveLength(3);
    expect(derived.keys.map(isZero)).toEqual([true, true, true]);
  });

  it('never repeats a nonce: 300 writes under one data key, each with a fresh IV', async () => {
    const { folder, store } = await newStore();
    const first = envelope(folder);
    const ivs = new Set<string>([first.iv, first.wrappedKey.iv]);
    for (let i = 0; i < 300; i++) {
      await store.update((data) => {
        data.leases[0]!.expiresAt = new Date(Date.UTC(2026, 0, 1, 1, i)).toISOString();
      });
      const now = envelope(folder);
      expect(now.wrappedKey).toEqual(first.wrappedKey);
      ivs.add(now.iv);
    }
    expect(ivs.size).toBe(302);
    await recordFigures('store', { writesChecked: 300, distinctNonces: ivs.size - 1, wrappedKeyUnchanged: true });
  });

  const headers: [string, { N?: number; r?: number; p?: number; salt?: string }][] = [
    ['N weaker than 2^17', { N: 2 ** 16 }],
    ['r weaker than 8', { r: 4 }],
    ['N not a power of two', { N: 2 ** 17 + 1 }],
    ['a short salt', { salt: Buffer.alloc(8).toString('base64') }],
    ['N 2^21', { N: 2 ** 21 }],
    ['N 2^20 with r 32 and p 4 (4 GiB, each bound alone allowed)', { N: 2 ** 20, r: 32, p: 4 }],
    ['N 2^20 (1 GiB)', { N: 2 ** 20 }],
    ['r 32 (512 MiB)', { r: 32 }],
    ['p 4 with N 2^18 (8 times the work)', { N: 2 ** 18, p: 4 }],
    ['p 16', { p: 16 }],
  ];
  it.each(headers)('refuses a header claiming %s before deriving anything, leaving the file as it was', async (_what, kdf) => {
    const { folder } = await storeCopy();
    const file = envelope(folder);
    writeFileSync(storePath(folder), JSON.stringify({ ...file, kdf: { ...file.kdf, ...kdf } }));
    const before = storeBytes(folder)!;
    derived.calls.length = 0;
    const error = await new EncryptedStore({ folder, keys: { passphrase: PASSPHRASE } }).read().catch((e: unknown) => e);
    expect(error).toMatchObject({ exitCode: 3, message: expect.stringMatching(/key-derivation parameters/) });
    expect(derived.calls).toEqual([]);
    expect(storeBytes(folder)!.equals(before)).toBe(true);
  });

  it('a store file and folder readable by others are narrowed back, with a warning', async () => {
    const { folder } = await storeCopy();
    chmodSync(folder, 0o755);
    chmodSync(storePath(folder), 0o644);
    const result = await dynsecret(['list'], { env: { DYNSECRET_HOME: folder, DYNSECRET_PASSPHRASE: PASSPHRASE } });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/accessible to other users \(mode 755\); narrowed to 700/);
    expect(result.stderr).toMatch(/accessible to other users \(mode 644\); narrowed to 600/);
    expect(statSync(folder).mode & 0o777).toBe(0o700);
    expect(statSync(storePath(folder)).mode & 0o777).toBe(0o600);
  });

  // Only root can hand a file to another user; defined only then, so nothing is skipped elsewhere.
  if (process.getuid?.() === 0) {
    it('a store owned by another user is refused with exit 3 and left as it was', async () => {
      const { folder } = await storeCopy();
      chownSync(storePath(folder), 65534, 65534);
      const before = storeBytes(folder)!;
      const result = await dynsecret(['list'], { env: { DYNSECRET_HOME: folder, DYNSECRET_PASSPHRASE: PASSPHRASE } });
      expect(result.code).toBe(3);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(/belongs to another user \(uid 65534\)/);
      expect(storeBytes(folder)!.equals(before)).toBe(true);
    });

    const createArgs = [
      'create',
      'x',
      '--group-id',
      '5f1d2c3b4a5968778695a4b3',
      '--public-key',
      'abcdefgh',
      '--role',
      'read@app',
      '--no-verify',
    ];
    const createEnv = (folder: string) => ({
      DYNSECRET_HOME: folder,
      DYNSECRET_PASSPHRASE: PASSPHRASE,
      MONGODB_ATLAS_PRIVATE_API_KEY: 'private-key-1',
    });

    it('a store folder owned by another user is refused with exit 3, and nothing is written into it', async () => {
      const folder = tempHome();
      chmodSync(folder, 0o700);
      lchownSync(folder, 65534, 65534);
      const result = await dynsecret(createArgs, { env: createEnv(folder) });
      expect(result.code, result.stderr).toBe(3);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(/belongs to another user \(uid 65534\)/);
      expect(readdirSync(folder)).toEqual([]);
      expect(statSync(folder).mode & 0o777).toBe(0o700);
    });

    it('a planted store in the store folder is refused with exit 3, and no audit line is appended beside it', async () => {
      const { folder } = await storeCopy();
      chownSync(storePath(folder), 65534, 65534);
      const before = storeBytes(folder)!;
      const result = await dynsecret(createArgs, { env: createEnv(folder) });
      expect(result.code, result.stderr).toBe(3);
      expect(result.stderr).toMatch(/belongs to another user \(uid 65534\)/);
      expect(storeBytes(folder)!.equals(before)).toBe(true);
      expect(readdirSync(folder).sort()).toEqual(['store.json']);
      // Not even for a moment: the lock folder is never made beside a refused store.
      const watcher = watch(folder);
      const seen: string[] = [];
      watcher.on('change', (_event, name) => seen.push(String(name)));
      const again = await dynsecret(createArgs, { env: createEnv(folder) });
      await new Promise((r) => setTimeout(r, 100));
      watcher.close();
      expect(again.code).toBe(3);
      expect(seen).toEqual([]);
    });

    it.each([
      ['a symlink', (path: string, target: string) => symlinkSync(target, path)],
      [
        'a file owned by another user',
        (path: string) => {
          writeFileSync(path, 'theirs\n');
          lchownSync(path, 65534, 65534);
        },
      ],
    ])('an audit log that is %s is not written to: the command still succeeds, with a warning', async (_what, plant) => {
      const folder = tempHome();
      const target = join(tempHome(), 'target.txt');
      writeFileSync(target, 'untouched\n');
      const audit = join(folder, 'audit.log');
      plant(audit, target);
      const before = lstatSync(audit);
      const result = await dynsecret(createArgs, { env: createEnv(folder) });
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toMatch(/could not append to the audit log/);
      expect(readFileSync(target, 'utf8')).toBe('untouched\n');
      const after = lstatSync(audit);
      expect([after.size, after.mtimeMs, after.uid]).toEqual([before.size, before.mtimeMs, before.uid]);
    });

    // The same as the user it happens to: `nobody` given a store folder that root owns.
    it('a store folder the user cannot change gives exit 3 and a sentence, not an unexpected error', async () => {
      const folder = tempHome();
      chmodSync(folder, 0o755);
      const result = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
        const child = spawn(process.execPath, ['--', DYNSECRET, ...createArgs], {
          env: { PATH: process.env.PATH ?? '', HOME: '/tmp', NO_COLOR: '1', ...createEnv(folder) },
          uid: 65534,
          gid: 65534,
        });
        let stderr = '';
        child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
          stderr += chunk;
        });
        child.on('error', reject);
        child.on('close', (code) => resolve({ code, stderr }));
      });
      expect(result.code, result.stderr).toBe(3);
      expect(result.stderr).toMatch(/belongs to another user \(uid 0\)/);
      expect(result.stderr).not.toMatch(/unexpected error|EPERM/);
      expect(readdirSync(folder)).toEqual([]);
    });
  }
});
