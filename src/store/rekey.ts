import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { StoreError } from '../errors.js';
import type { LockOptions } from '../fs/lock.js';
import { removeStaleTempFiles, writeFileSafely } from '../fs/safe-write.js';
import { decodeContents } from './contents.js';
import {
  deriveWrappingKey,
  newHeader,
  openEnvelope,
  parseEnvelope,
  PRODUCTION_KDF,
  sealEnvelope,
  unwrapDataKey,
  type KdfPolicy,
} from './envelope.js';
import { DEFAULT_LOCK, fileVersion, lockStore, STORE_FILE } from './store-file.js';

export const MIN_PASSPHRASE_LENGTH = 8;

/**
 * Re-keys the store: opens it with the current passphrase, then seals the same contents under a new random
 * data key wrapped by the new passphrase (a new salt too), so every earlier session key stops opening it.
 * Under the store's lock, and one atomic replacement of the file (temp file, fsync, rename, folder fsync):
 * killed at any moment, the store is either the old file, which the old passphrase opens, or the new one,
 * which the new passphrase opens, with the same contents either way.
 */
export async function rekeyStore(
  folder: string,
  passphrases: { current: string; next: string },
  lock: Partial<LockOptions> = {},
  /** As the store's `kdf` option: production's unless a test passes a cheaper one. */
  kdf: KdfPolicy = PRODUCTION_KDF,
): Promise<void> {
  if (passphrases.next.length < MIN_PASSPHRASE_LENGTH) {
    throw new StoreError(`The passphrase must be at least ${MIN_PASSPHRASE_LENGTH} characters long; nothing was changed.`);
  }
  const path = join(folder, STORE_FILE);
  await lockStore(path, { ...DEFAULT_LOCK, ...lock }, async (held) => {
    let text: string;
    const version = fileVersion(path);
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new StoreError('There is no store yet, so there is no passphrase to change.', {
          hint: 'Create a config first: dynsecret create NAME …',
        });
      }
      throw new StoreError(`Cannot read the store at ${path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}.`);
    }
    const envelope = parseEnvelope(text, kdf.limits);
    const wrappingKey = await deriveWrappingKey(passphrases.current, envelope.kdf);
    const oldKey = unwrapDataKey(envelope, wrappingKey);
    wrappingKey.fill(0);
    if (!oldKey) throw new StoreError('Wrong passphrase for the store (or its header was modified); nothing was changed.');
    const plaintext = openEnvelope(envelope, oldKey);
    oldKey.fill(0);
    if (plaintext === undefined) throw new StoreError('The store file is damaged or was modified; it was left as it is.');
    await decodeContents(plaintext); // what is re-sealed must be store contents
    const { header, dataKey } = await newHeader(passphrases.next, kdf.cost);
    const sealed = sealEnvelope(header, dataKey, plaintext);
    dataKey.fill(0);
    // Fenced as the store's writes are: re-sealing a version another writer replaced meanwhile would undo its change.
    if (!held.held() || fileVersion(path) !== version) {
      throw new StoreError(
        'The store changed while its passphrase was being changed (this process was stopped or too slow); nothing was changed.',
        {
          hint: 'Run dynsecret passwd again.',
        },
      );
    }
    removeStaleTempFiles(path);
    writeFileSafely(path, sealed, 0o600);
  });
}
