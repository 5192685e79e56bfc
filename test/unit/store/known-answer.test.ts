import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExitCode, StoreError } from '../../../src/errors.js';
import { EncryptedStore } from '../../../src/store/store.js';
import { STORE_FILE } from '../../../src/store/store-file.js';

/**
 * A store file written by dynsecret 0.1.0, with its passphrase, the session key `dynsecret unlock` printed
 * for it, and its contents in clear. Every later version must open it as it is (or migrate it explicitly
 * and say so here): a change to the file format cannot pass unnoticed.
 */
const FIXTURE = new URL('../../fixtures/store-0.1.0/', import.meta.url);
const PASSPHRASE = 'known answer: a store written by dynsecret 0.1.0';
const SESSION = 'ds1_EWMI7oxTV11p-_8SFYpnw9nPOilIEbbMoYEbG-o1v-E';
const expected = JSON.parse(readFileSync(new URL('contents.json', FIXTURE), 'utf8')) as unknown;

function copyOfFixture(): string {
  const folder = mkdtempSync(join(tmpdir(), 'dynsecret-known-answer-'));
  copyFileSync(new URL(STORE_FILE, FIXTURE), join(folder, STORE_FILE));
  return folder;
}

describe('a store written by 0.1.0', () => {
  it('opens with its passphrase, with exactly the contents it was written with, and is left as it was', async () => {
    const folder = copyOfFixture();
    const before = readFileSync(join(folder, STORE_FILE));
    const store = new EncryptedStore({ folder, keys: { passphrase: PASSPHRASE } });
    expect(await store.read()).toEqual(expected);
    expect(await store.sessionKey()).toBe(SESSION);
    expect(readFileSync(join(folder, STORE_FILE)).equals(before)).toBe(true);
  });

  it("opens with the session key 0.1.0's unlock printed, and takes a write", async () => {
    const folder = copyOfFixture();
    const store = new EncryptedStore({ folder, keys: { session: SESSION } });
    expect(await store.read()).toEqual(expected);
    await store.update((data) => {
      data.leases = data.leases.filter((l) => l.status !== 'creating');
    });
    const reopened = new EncryptedStore({ folder, keys: { session: SESSION } });
    expect((await reopened.read()).leases.map((l) => l.leaseId)).toEqual(['ds-app-db-1a2b3c4d5e6f']);
  });

  it('refuses a wrong passphrase with exit 3', async () => {
    const store = new EncryptedStore({ folder: copyOfFixture(), keys: { passphrase: `${PASSPHRASE}!` } });
    const error = await store.read().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).exitCode).toBe(ExitCode.store);
  });
});
