import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EncryptedStore } from '../../../src/store/store.js';
import type { StoreData } from '../../../src/store/schema.js';
import type { Workspace } from '../../helpers/emulator.js';

/**
 * The store as the test sees it: opened in this process with the workspace's session key, independently of
 * the binary under test, so "the store opens" is checked by code that did not write it.
 */
export const storePath = (home: string) => join(home, 'store.json');

export function openStore(ws: Pick<Workspace, 'home' | 'env'>): Promise<StoreData> {
  const keys = { session: ws.env.DYNSECRET_SESSION || undefined, passphrase: ws.env.DYNSECRET_PASSPHRASE || undefined };
  return new EncryptedStore({ folder: ws.home, keys }).read();
}

/** Changes the store under its lock, as another dynsecret process would (to age a record, say). */
export function editStore(ws: Pick<Workspace, 'home' | 'env'>, mutate: (data: StoreData) => void): Promise<void> {
  return new EncryptedStore({ folder: ws.home, keys: { session: ws.env.DYNSECRET_SESSION } }).update(mutate);
}

export const storeBytes = (home: string): Buffer | undefined => {
  try {
    return readFileSync(storePath(home));
  } catch {
    return undefined;
  }
};
