import type { StoreData } from './schema.js';

/**
 * What commands need of a store: read the contents, change them under the store's own rules, and hand out
 * the session key. The encrypted store on disk is one; the in-memory store of `--from-file` is the other.
 */
export interface Store {
  /** The contents, frozen. */
  read(): Promise<StoreData>;
  /** Runs `mutate` on a fresh, mutable copy and keeps the result. */
  update<T>(mutate: (data: StoreData) => T | Promise<T>): Promise<T>;
  /** The unwrapped data key as a `DYNSECRET_SESSION` value. */
  sessionKey(): Promise<string>;
}
