import { chmodSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { StoreError } from '../errors.js';
import {
  newHeader, openEnvelope, parseEnvelope, sealEnvelope, deriveWrappingKey, unwrapDataKey, type Envelope,
} from './envelope.js';
import { decodeSession, encodeSession, noKeyError, promptNewPassphrase, type KeySources } from './keys.js';
import { DEFAULT_LOCK, withLock, type LockOptions } from './lock.js';
import { loadConf } from './load-conf.js';
import { emptyStoreData, storeDataSchema, type StoreData } from './schema.js';

export const STORE_FILE = 'store.json';

export interface StoreOptions {
  folder: string;
  keys: KeySources;
  lock?: Partial<LockOptions>;
  /** Where a repaired permission is reported. */
  warn?: (message: string) => void;
}

type Header = Pick<Envelope, 'dynsecret' | 'kdf' | 'wrappedKey'>;

const damaged = () =>
  new StoreError('The store file is damaged or was modified; it was left as it is.', {
    hint: 'Restore it from a backup, or move it aside to start a new store.',
  });

/**
 * The encrypted store: one file holding configs and lease records. Reads need no lock (writes replace the
 * file atomically); every change is a read-modify-write under a cross-process lock. The data key is
 * resolved once per process and reused for every read and write.
 */
export class EncryptedStore {
  readonly folder: string;
  readonly path: string;
  readonly #keys: KeySources;
  readonly #lock: LockOptions;
  readonly #warn: (message: string) => void;
  #checked = false;
  #unlocked: { header: Header; dataKey: Buffer } | undefined;

  constructor(options: StoreOptions) {
    this.folder = options.folder;
    this.path = join(options.folder, STORE_FILE);
    this.#keys = options.keys;
    this.#lock = { ...DEFAULT_LOCK, ...options.lock };
    this.#warn = options.warn ?? (() => undefined);
  }

  exists(): boolean {
    try {
      return statSync(this.path).isFile();
    } catch {
      return false;
    }
  }

  /** The store's contents; an absent store reads as empty without asking for a key. */
  async read(): Promise<StoreData> {
    const text = this.#readText();
    return text === undefined ? emptyStoreData() : this.#decrypt(text);
  }

  /** Runs `mutate` on a fresh read under the lock and writes the result; creates the store when absent. */
  async update<T>(mutate: (data: StoreData) => T | Promise<T>): Promise<T> {
    this.#ensureFolder();
    // Loaded before the lock is taken: under load, loading conf inside the lock made every waiter pay for it.
    const conf = loadConf();
    conf.catch(() => undefined);
    return withLock(this.path, this.#lock, async () => {
      const text = this.#readText();
      const data = text === undefined ? emptyStoreData() : await this.#decrypt(text);
      if (text === undefined) await this.#createKey();
      const result = await mutate(data);
      await this.#write(storeDataSchema.parse(data), await conf);
      return result;
    });
  }

  /** The unwrapped data key as a `DYNSECRET_SESSION` value. */
  async sessionKey(): Promise<string> {
    const text = this.#readText();
    if (text === undefined) {
      throw new StoreError('There is no store yet, so there is nothing to unlock.', {
        hint: 'Create a config first: dynsecret create NAME …',
      });
    }
    await this.#decrypt(text);
    return encodeSession(this.#unlocked!.dataKey);
  }

  #readText(): string | undefined {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new StoreError(`Cannot read the store at ${this.path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}.`);
    }
    this.#checkPermissions();
    return text;
  }

  async #decrypt(text: string): Promise<StoreData> {
    const envelope = parseEnvelope(text);
    return this.#open(envelope, await this.#keyFor(envelope));
  }

  #open(envelope: Envelope, dataKey: Buffer): StoreData {
    const plaintext = openEnvelope(envelope, dataKey);
    if (plaintext === undefined) throw damaged();
    let json: unknown;
    try {
      json = JSON.parse(plaintext);
    } catch {
      throw damaged();
    }
    const parsed = storeDataSchema.safeParse(json);
    if (!parsed.success) throw damaged();
    return parsed.data;
  }

  async #keyFor(envelope: Envelope): Promise<Buffer> {
    const known = this.#unlocked;
    if (known && known.header.wrappedKey.key === envelope.wrappedKey.key && known.header.kdf.salt === envelope.kdf.salt) {
      return known.dataKey;
    }
    const header: Header = { dynsecret: envelope.dynsecret, kdf: envelope.kdf, wrappedKey: envelope.wrappedKey };
    const { session, passphrase, prompt } = this.#keys;
    let dataKey: Buffer | undefined;
    if (session) {
      dataKey = decodeSession(session);
      if (openEnvelope(envelope, dataKey) === undefined) {
        throw new StoreError('DYNSECRET_SESSION does not open this store (it belongs to another store, or the store was damaged).', {
          hint: 'Run `eval "$(dynsecret unlock)"` again, or unset DYNSECRET_SESSION.',
        });
      }
    } else {
      const secret = passphrase ?? (prompt ? await prompt({ message: 'Store passphrase', confirm: false }) : undefined);
      if (secret === undefined) throw noKeyError(false);
      const wrappingKey = await deriveWrappingKey(secret, envelope.kdf);
      dataKey = unwrapDataKey(envelope, wrappingKey);
      wrappingKey.fill(0);
      if (!dataKey) {
        throw new StoreError('Wrong passphrase for the store (or its header was modified); nothing was changed.', {
          hint: passphrase === undefined ? undefined : 'Check DYNSECRET_PASSPHRASE.',
        });
      }
    }
    this.#unlocked = { header, dataKey };
    return dataKey;
  }

  async #createKey(): Promise<void> {
    const { passphrase, prompt } = this.#keys;
    const secret = passphrase ?? (prompt ? await promptNewPassphrase(prompt) : undefined);
    if (secret === undefined) throw noKeyError(true);
    if (secret.length < 8) throw new StoreError('The passphrase must be at least 8 characters long.');
    this.#unlocked = await newHeader(secret);
  }

  async #write(data: StoreData, Conf: typeof import('conf').default): Promise<void> {
    const { header, dataKey } = this.#unlocked!;
    // conf owns the file's location, the atomic write (temp file, fsync, rename) and its mode; the
    // envelope is ours. Its constructor reads the current file back through `deserialize`.
    const conf = new Conf<StoreData>({
      cwd: this.folder,
      configName: 'store',
      fileExtension: 'json',
      configFileMode: 0o600,
      clearInvalidConfig: false,
      accessPropertiesByDotNotation: false,
      serialize: (value) => sealEnvelope(header, dataKey, JSON.stringify(value)),
      deserialize: (text) => this.#open(parseEnvelope(text), dataKey),
    });
    conf.store = data;
  }

  /**
   * A store owned by someone else could have been planted: refuse it. One readable by others is narrowed
   * back to 0600 (folder 0700) with a warning: the file is encrypted, but its owner never meant to share it.
   */
  #checkPermissions(): void {
    if (this.#checked) return;
    const uid = process.getuid?.();
    for (const [path, wanted] of [[this.folder, 0o700], [this.path, 0o600]] as const) {
      const stats = statSync(path);
      if (uid !== undefined && stats.uid !== uid) {
        throw new StoreError(`${path} belongs to another user (uid ${stats.uid}); dynsecret only opens a store you own.`);
      }
      if ((stats.mode & 0o077) !== 0) {
        chmodSync(path, wanted);
        this.#warn(`warning: ${path} was accessible to other users (mode ${(stats.mode & 0o777).toString(8)}); narrowed to ${wanted.toString(8)}.`);
      }
    }
    this.#checked = true;
  }

  #ensureFolder(): void {
    mkdirSync(this.folder, { recursive: true, mode: 0o700 });
    // A folder the user pointed DYNSECRET_HOME at may be wider; it holds secrets, so narrow it.
    chmodSync(this.folder, 0o700);
  }
}
