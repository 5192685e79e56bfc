import type { DynamicSecretConfig } from '../config/schema.js';
import { StoreError } from '../errors.js';
import { checkEdited, editableCopy, emptyStoreData } from './contents.js';
import type { StoreData } from './schema.js';
import type { Store } from './store-api.js';

/**
 * A store that lives as long as the process and never touches the disk: `--from-file` puts the one config
 * of its file here, so lease, run, renew, revoke and list work unchanged without a store, a passphrase or
 * a folder. Updates are checked against the same schema as the encrypted store's.
 */
export class MemoryStore implements Store {
  /** Checked contents; configs the schema refuses make every read and update fail. */
  #contents: Promise<StoreData>;

  constructor(configs: readonly DynamicSecretConfig[] = []) {
    this.#contents = checkEdited(editableCopy({ ...emptyStoreData(), configs: [...configs] }));
    this.#contents.catch(() => undefined); // reported by read and update, not as an unhandled rejection
  }

  async read(): Promise<StoreData> {
    return this.#contents;
  }

  async update<T>(mutate: (data: StoreData) => T | Promise<T>): Promise<T> {
    const edit = editableCopy(await this.#contents);
    const result = await mutate(edit.data);
    this.#contents = Promise.resolve(await checkEdited(edit));
    return result;
  }

  async sessionKey(): Promise<string> {
    throw new StoreError('A config given with --from-file has no store to unlock.');
  }
}
