import { chmodSync, closeSync, fstatSync, mkdirSync, openSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { StoreError } from '../errors.js';
import type { LockOptions } from '../fs/lock.js';
import { removeStaleTempFiles, writeFileSafely } from '../fs/safe-write.js';
import { checkEdited, damaged, decodeContents, editableCopy, emptyStoreData, encodeContents } from './contents.js';
import {
  newHeader,
  openEnvelope,
  parseEnvelope,
  sealEnvelope,
  deriveWrappingKey,
  unwrapDataKey,
  utf8Text,
  PRODUCTION_KDF,
  type Envelope,
  type KdfPolicy,
} from './envelope.js';
import { decodeSession, encodeSession, noKeyError, promptNewPassphrase, type KeySources } from './keys.js';
import type { StoreData } from './schema.js';
import type { Store } from './store-api.js';
import { DEFAULT_LOCK, fileVersion, lockStore, sameBytes, STORE_FILE, versionOf } from './store-file.js';

interface StoreOptions {
  folder: string;
  keys: KeySources;
  lock?: Partial<LockOptions>;
  /** Where a repaired permission is reported. */
  warn?: (message: string) => void;
  /**
   * The scrypt cost of a new store and the costs accepted when reading one: `PRODUCTION_KDF` unless a test
   * passes a cheaper policy. A store written under a cheaper policy is refused by the production one.
   */
  kdf?: KdfPolicy;
}

type Header = Pick<Envelope, 'dynsecret' | 'kdf' | 'wrappedKey'>;

/** How often a write is redone on a newer store before giving up (each redo follows a lost lock or a change). */
const MAX_WRITE_ATTEMPTS = 5;

/**
 * The encrypted store: one file holding configs and lease records. Reads need no lock (writes replace the
 * file atomically); every change is a read-modify-write under a cross-process lock. The data key is
 * resolved once per process, and each version of the file is decrypted once: while the file's bytes are
 * the ones this process last read or wrote, its contents are taken from memory.
 */
export class EncryptedStore implements Store {
  readonly folder: string;
  readonly path: string;
  readonly #keys: KeySources;
  readonly #lock: LockOptions;
  readonly #warn: (message: string) => void;
  readonly #kdf: KdfPolicy;
  #checked = false;
  #refused = false;
  #unlocked: { header: Header; dataKey: Buffer } | undefined;
  /**
   * The file as last read or written here: its exact bytes and its frozen contents. A read compares the file's
   * bytes with these (a memcmp) before anything else: decoding megabytes as UTF-8 only to find the same text
   * costs more than reading them.
   */
  #snapshot: { bytes: Buffer; contents: StoreData } | undefined;

  constructor(options: StoreOptions) {
    this.folder = options.folder;
    this.path = join(options.folder, STORE_FILE);
    this.#keys = options.keys;
    this.#lock = { ...DEFAULT_LOCK, ...options.lock };
    this.#warn = options.warn ?? (() => undefined);
    this.#kdf = options.kdf ?? PRODUCTION_KDF;
  }

  /**
   * Whether the store's folder or file was refused as another user's: that folder is then not this user's to
   * write in, so the audit log beside the store is not appended to either.
   */
  get refused(): boolean {
    return this.#refused;
  }

  exists(): boolean {
    try {
      return statSync(this.path).isFile();
    } catch {
      return false;
    }
  }

  /** The store's contents, frozen; an absent store reads as empty without asking for a key. */
  async read(): Promise<StoreData> {
    const { bytes } = this.#readVersion();
    return bytes === undefined ? emptyStoreData() : this.#contents(bytes);
  }

  /**
   * Runs `mutate` on a fresh read under the lock and writes the result; creates the store when absent.
   *
   * Fencing: right before the rename, the writer checks that the lock is still its own and that the file is
   * still the version it read. A writer stopped past the lock's stale time (SIGSTOP, a suspended laptop) finds
   * either changed when it resumes; it then takes the lock again and redoes the read-modify-write on the
   * newer store, so a late writer never replaces a change committed meanwhile. `mutate` may therefore run
   * more than once, each time on a fresh copy.
   */
  async update<T>(mutate: (data: StoreData) => T | Promise<T>): Promise<T> {
    this.#ensureFolder();
    // A planted store is refused before the lock folder is made beside it.
    if (this.exists()) this.#checkPermissions();
    for (let attempt = 1; ; attempt++) {
      const outcome = await lockStore(this.path, this.#lock, async (lock) => {
        const read = this.#readVersion();
        const edit = editableCopy(read.bytes === undefined ? undefined : await this.#contents(read.bytes));
        if (read.bytes === undefined) await this.#createKey();
        const result = await mutate(edit.data);
        const contents = await checkEdited(edit);
        if (!lock.held() || fileVersion(this.path) !== read.version) return { superseded: true as const };
        this.#write(contents);
        return { superseded: false as const, result };
      });
      if (!outcome.superseded) return outcome.result;
      if (attempt >= MAX_WRITE_ATTEMPTS) {
        throw new StoreError(`The store kept changing under this write (${attempt} tries); nothing was written.`, {
          hint: 'Another process may be writing the store without its lock; try again.',
        });
      }
      this.#warn(
        `warning: ${this.path} changed while this process held its lock (it was stopped or too slow); writing again on the newer store.`,
      );
    }
  }

  /** The unwrapped data key as a `DYNSECRET_SESSION` value. */
  async sessionKey(): Promise<string> {
    const { bytes } = this.#readVersion();
    if (bytes === undefined) {
      throw new StoreError('There is no store yet, so there is nothing to unlock.', {
        hint: 'Create a config first: dynsecret create NAME …',
      });
    }
    await this.#contents(bytes);
    return encodeSession(this.#unlocked!.dataKey);
  }

  /** The file's bytes and the version they were read from (the identity of the open file), or both absent. */
  #readVersion(): { bytes: Buffer | undefined; version: string | undefined } {
    let fd: number;
    try {
      fd = openSync(this.path, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { bytes: undefined, version: undefined };
      throw new StoreError(`Cannot read the store at ${this.path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}.`);
    }
    let bytes: Buffer;
    let version: string;
    try {
      this.#checkPermissions(); // first: narrowing a mode changes the file's ctime, so its version
      const stats = fstatSync(fd, { bigint: true });
      version = versionOf(stats);
      const known = this.#snapshot?.bytes;
      bytes = known !== undefined && BigInt(known.length) === stats.size && sameBytes(fd, known) ? known : readFileSync(fd);
    } catch (error) {
      if (error instanceof StoreError) throw error;
      throw new StoreError(`Cannot read the store at ${this.path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}.`);
    } finally {
      closeSync(fd);
    }
    return { bytes, version };
  }

  async #contents(bytes: Buffer): Promise<StoreData> {
    if (this.#snapshot !== undefined && (this.#snapshot.bytes === bytes || this.#snapshot.bytes.equals(bytes)))
      return this.#snapshot.contents;
    const envelope = parseEnvelope(utf8Text(bytes), this.#kdf.limits);
    const contents = await decodeContents(await this.#decrypt(envelope));
    this.#snapshot = { bytes, contents };
    return contents;
  }

  /** The envelope's plaintext, finding the data key first if this process has none for it yet. */
  async #decrypt(envelope: Envelope): Promise<string> {
    const known = this.#unlocked;
    if (known && known.header.wrappedKey.key === envelope.wrappedKey.key && known.header.kdf.salt === envelope.kdf.salt) {
      const plaintext = openEnvelope(envelope, known.dataKey);
      if (plaintext === undefined) throw damaged();
      return plaintext;
    }
    const header: Header = { dynsecret: envelope.dynsecret, kdf: envelope.kdf, wrappedKey: envelope.wrappedKey };
    // `prompt` is read only when it is the key's source: deciding it asks whether stdin is a terminal.
    const { session, passphrase } = this.#keys;
    let dataKey: Buffer | undefined;
    let plaintext: string | undefined;
    if (session) {
      dataKey = decodeSession(session);
      // Opening the store is the check of the session key: one decryption serves as check and read.
      plaintext = openEnvelope(envelope, dataKey);
      if (plaintext === undefined) {
        throw new StoreError('DYNSECRET_SESSION does not open this store (it belongs to another store, or the store was damaged).', {
          hint: 'Run `eval "$(dynsecret unlock)"` again, or unset DYNSECRET_SESSION.',
        });
      }
    } else {
      const prompt = passphrase === undefined ? this.#keys.prompt : undefined;
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
      plaintext = openEnvelope(envelope, dataKey);
      if (plaintext === undefined) throw damaged();
    }
    this.#unlocked = { header, dataKey };
    return plaintext;
  }

  async #createKey(): Promise<void> {
    const { passphrase } = this.#keys;
    const prompt = passphrase === undefined ? this.#keys.prompt : undefined;
    const secret = passphrase ?? (prompt ? await promptNewPassphrase(prompt) : undefined);
    if (secret === undefined) throw noKeyError(true);
    if (secret.length < 8) throw new StoreError('The passphrase must be at least 8 characters long.');
    this.#unlocked = await newHeader(secret, this.#kdf.cost);
  }

  /** Seals checked contents under a fresh nonce and replaces the file (0600). Runs under the lock. */
  #write(contents: StoreData): void {
    const { header, dataKey } = this.#unlocked!;
    const bytes = sealEnvelope(header, dataKey, encodeContents(contents));
    removeStaleTempFiles(this.path);
    writeFileSafely(this.path, bytes, 0o600);
    this.#snapshot = { bytes, contents };
  }

  /**
   * A store owned by someone else could have been planted: refuse it. One readable by others is narrowed
   * back to 0600 (folder 0700) with a warning: the file is encrypted, but its owner never meant to share it.
   */
  #checkPermissions(): void {
    if (this.#checked) return;
    const uid = process.getuid?.();
    for (const [path, wanted] of [
      [this.folder, 0o700],
      [this.path, 0o600],
    ] as const) {
      const stats = statSync(path);
      if (uid !== undefined && stats.uid !== uid) throw this.#foreign(path, stats.uid);
      if ((stats.mode & 0o077) !== 0) {
        chmodSync(path, wanted);
        this.#warn(
          `warning: ${path} was accessible to other users (mode ${(stats.mode & 0o777).toString(8)}); narrowed to ${wanted.toString(8)}.`,
        );
      }
    }
    this.#checked = true;
  }

  /**
   * Checked before anything is written into the folder (the lock included): a folder another user owns is
   * refused, so that nothing of this user's goes where someone else can swap or read it.
   */
  #ensureFolder(): void {
    try {
      mkdirSync(this.folder, { recursive: true, mode: 0o700 });
    } catch (error) {
      throw new StoreError(`Cannot create the store folder ${this.folder}: ${(error as NodeJS.ErrnoException).code ?? 'error'}.`);
    }
    const stats = statSync(this.folder);
    const uid = process.getuid?.();
    if (uid !== undefined && stats.uid !== uid) throw this.#foreign(this.folder, stats.uid);
    // A folder the user pointed DYNSECRET_HOME at may be wider; it holds secrets, so narrow it.
    if ((stats.mode & 0o777) !== 0o700) {
      try {
        chmodSync(this.folder, 0o700);
      } catch (error) {
        throw new StoreError(
          `Cannot make the store folder ${this.folder} private (0700): ${(error as NodeJS.ErrnoException).code ?? 'error'}.`,
        );
      }
    }
  }

  /** Refuses a path of the store that another user owns, and remembers it: see `refused`. */
  #foreign(path: string, owner: number): StoreError {
    this.#refused = true;
    return new StoreError(`${path} belongs to another user (uid ${owner}); dynsecret only uses a store you own.`, {
      hint: 'Point DYNSECRET_HOME at a folder of your own.',
    });
  }
}
