import { isAscii } from 'node:buffer';
import { createCipheriv, createDecipheriv, randomBytes, scrypt } from 'node:crypto';
import { StoreError } from '../errors.js';

/**
 * The store file is a JSON envelope: a header (format version, scrypt parameters, the data key wrapped under
 * the passphrase key) and the AES-256-GCM ciphertext of the store's JSON. The header is the ciphertext's
 * additional authenticated data, so changing any header field makes the file fail to open, and a field the
 * format does not have is refused when parsing.
 */
export const FORMAT_VERSION = 1;
export const KDF_DEFAULTS = { N: 2 ** 17, r: 8, p: 1 } as const;

/** The scrypt parameters a new header is written with. */
interface KdfCost {
  N: number;
  r: number;
  p: number;
}

/** The scrypt parameters a file read from disk may claim; anything outside is refused before any derivation. */
interface KdfLimits {
  minN: number;
  maxN: number;
  minR: number;
  maxR: number;
  minP: number;
  maxP: number;
  /** Bound on 128·N·r, the memory one derivation takes. */
  maxMemoryBytes: number;
  /** Bound on N·r·p, the work one derivation takes. */
  maxWork: number;
}

/**
 * What a store writes and accepts. Production always uses `PRODUCTION_KDF`; only tests pass another policy,
 * and a store written under a cheaper one is refused by production's limits (its N is below their minimum).
 */
export interface KdfPolicy {
  cost: KdfCost;
  limits: KdfLimits;
}

/**
 * Files claiming weaker parameters than the defaults are refused; larger ones are bounded so a hostile file
 * cannot exhaust memory. The single bounds still combine into 4 GiB and minutes of work (N 2^20, r 32, p 4), and
 * the header is only authenticated after the derivation, so the combination is bounded too: twice the default
 * memory (128·N·r = 256 MiB) and four times its work (N·r·p).
 */
export const KDF_LIMITS: KdfLimits = {
  minN: 2 ** 17,
  maxN: 2 ** 20,
  minR: 8,
  maxR: 32,
  minP: 1,
  maxP: 4,
  maxMemoryBytes: 2 * 128 * KDF_DEFAULTS.N * KDF_DEFAULTS.r,
  maxWork: 4 * KDF_DEFAULTS.N * KDF_DEFAULTS.r * KDF_DEFAULTS.p,
};

export const PRODUCTION_KDF: KdfPolicy = { cost: KDF_DEFAULTS, limits: KDF_LIMITS };

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const SALT_BYTES = 16;

/** The envelope as stored: the header, then the nonce, tag and ciphertext of the store's JSON. */
export interface Envelope {
  dynsecret: typeof FORMAT_VERSION;
  kdf: { name: 'scrypt'; N: number; r: number; p: number; salt: string };
  wrappedKey: { iv: string; tag: string; key: string };
  iv: string;
  tag: string;
  data: string;
}
type Header = Pick<Envelope, 'dynsecret' | 'kdf' | 'wrappedKey'>;

/**
 * Base64 as zod's `z.base64()` takes it: the alphabet, at most two `=` and only at the end, a length that is a
 * multiple of 4 (the empty string included). Checked by looking for a character outside the alphabet rather
 * than by matching the whole string and decoding it as zod does: the data field is megabytes long, and that
 * took ~7 ms of a cold start at 10,000 leases against ~2 ms.
 */
const NOT_BASE64 = /[^0-9a-zA-Z+/=]/;
const PADDING = /^={1,2}$/;

function isBase64(value: unknown): value is string {
  if (typeof value !== 'string' || value.length % 4 !== 0 || NOT_BASE64.test(value)) return false;
  const padding = value.indexOf('=');
  return padding === -1 || PADDING.test(value.slice(padding));
}

/** A JSON object (not null, not an array) with exactly these keys. */
function isObjectWith(value: unknown, keys: readonly string[]): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const own = Object.keys(value);
  return own.length === keys.length && keys.every((key) => Object.hasOwn(value, key));
}

const isInteger = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value);

const ENVELOPE_KEYS = ['dynsecret', 'kdf', 'wrappedKey', 'iv', 'tag', 'data'] as const;
const KDF_KEYS = ['name', 'N', 'r', 'p', 'salt'] as const;
const WRAPPED_KEY_KEYS = ['iv', 'tag', 'key'] as const;

/**
 * The envelope's shape, checked by hand: the file is untrusted, and this runs on every command that opens the
 * store. Strict objects: a field the format does not have would be carried along unauthenticated (the AAD is
 * rebuilt from the known fields), so a header with one is refused as modified rather than silently stripped.
 * The result is built in the format's field order, whatever the file's.
 */
function envelopeOf(json: unknown): Envelope | undefined {
  if (!isObjectWith(json, ENVELOPE_KEYS) || json.dynsecret !== FORMAT_VERSION) return undefined;
  const { kdf, wrappedKey, iv, tag, data } = json;
  if (
    !isObjectWith(kdf, KDF_KEYS) ||
    kdf.name !== 'scrypt' ||
    !isInteger(kdf.N) ||
    !isInteger(kdf.r) ||
    !isInteger(kdf.p) ||
    !isBase64(kdf.salt)
  )
    return undefined;
  if (!isObjectWith(wrappedKey, WRAPPED_KEY_KEYS) || !isBase64(wrappedKey.iv) || !isBase64(wrappedKey.tag) || !isBase64(wrappedKey.key)) {
    return undefined;
  }
  if (!isBase64(iv) || !isBase64(tag) || !isBase64(data)) return undefined;
  return {
    dynsecret: FORMAT_VERSION,
    kdf: { name: 'scrypt', N: kdf.N, r: kdf.r, p: kdf.p, salt: kdf.salt },
    wrappedKey: { iv: wrappedKey.iv, tag: wrappedKey.tag, key: wrappedKey.key },
    iv,
    tag,
    data,
  };
}

const corrupt = (why: string) =>
  new StoreError(`The store file is damaged or was modified (${why}); it was left as it is.`, {
    hint: 'Restore it from a backup, or move it aside to start a new store.',
  });

/** Parses an envelope's text, refusing anything malformed or with weak KDF parameters. */
export function parseEnvelope(text: string, limits: KdfLimits = KDF_LIMITS): Envelope {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw corrupt('not valid JSON, perhaps truncated');
  }
  const envelope = envelopeOf(json);
  if (envelope === undefined) throw corrupt('unexpected format');
  const { N, r, p, salt } = envelope.kdf;
  const powerOfTwo = N > 1 && (N & (N - 1)) === 0;
  if (
    !powerOfTwo ||
    N < limits.minN ||
    N > limits.maxN ||
    r < limits.minR ||
    r > limits.maxR ||
    p < limits.minP ||
    p > limits.maxP ||
    Buffer.from(salt, 'base64').length < SALT_BYTES ||
    128 * N * r > limits.maxMemoryBytes ||
    N * r * p > limits.maxWork
  ) {
    throw corrupt('its key-derivation parameters are weaker or larger than dynsecret accepts');
  }
  return envelope;
}

/** Derives the key-wrapping key from a passphrase (scrypt; about 128 MiB of memory at the defaults). */
export function deriveWrappingKey(passphrase: string, kdf: Envelope['kdf']): Promise<Buffer> {
  const memory = 128 * kdf.N * kdf.r * kdf.p;
  return new Promise((resolve, reject) => {
    scrypt(
      passphrase.normalize('NFC'),
      Buffer.from(kdf.salt, 'base64'),
      KEY_BYTES,
      { N: kdf.N, r: kdf.r, p: kdf.p, maxmem: memory * 2 },
      (error, key) => (error ? reject(error) : resolve(key)),
    );
  });
}

function headerAad(header: Header): Buffer {
  // Rebuilt from parsed values in a fixed order, so the AAD does not depend on the file's formatting.
  const { dynsecret, kdf, wrappedKey } = header;
  return Buffer.from(
    JSON.stringify({
      dynsecret,
      kdf: { name: kdf.name, N: kdf.N, r: kdf.r, p: kdf.p, salt: kdf.salt },
      wrappedKey: { iv: wrappedKey.iv, tag: wrappedKey.tag, key: wrappedKey.key },
    }),
  );
}

const KEY_WRAP_AAD = Buffer.from('dynsecret store data key v1');

/** `first` and `last` as one buffer; GCM's final() gives nothing, so usually `first` itself, not a megabyte copy. */
const joined = (first: Buffer, last: Buffer): Buffer => (last.length === 0 ? first : Buffer.concat([first, last]));

/**
 * Encrypts `plaintext` (text as UTF-8) under a fresh nonce. Text is handed to the cipher as it is: Node encodes it
 * into a buffer it frees at once, where a buffer of ours would hold megabytes until the next garbage collection.
 */
function seal(key: Buffer, plaintext: Buffer | string, aad: Buffer) {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES }).setAAD(aad);
  const data = joined(typeof plaintext === 'string' ? cipher.update(plaintext, 'utf8') : cipher.update(plaintext), cipher.final());
  return { iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data };
}

/** Decrypts `data` (base64 text, decoded by the decipher as it reads it); undefined when the key or tag does not fit. */
function unseal(key: Buffer, box: { iv: string; tag: string }, data: string, aad: Buffer): Buffer | undefined {
  const iv = Buffer.from(box.iv, 'base64');
  const tag = Buffer.from(box.tag, 'base64');
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES }).setAAD(aad).setAuthTag(tag);
    const opened = decipher.update(data, 'base64');
    return joined(opened, decipher.final()); // final() checks the tag: nothing is returned before it has
  } catch {
    return undefined;
  }
}

/** Unwraps the data key with a passphrase-derived key; undefined when the passphrase is wrong. */
export function unwrapDataKey(envelope: Envelope, wrappingKey: Buffer): Buffer | undefined {
  const { wrappedKey } = envelope;
  const aad = Buffer.concat([KEY_WRAP_AAD, Buffer.from(JSON.stringify(envelope.kdf))]);
  const key = unseal(wrappingKey, wrappedKey, wrappedKey.key, aad);
  return key?.length === KEY_BYTES ? key : undefined;
}

/** A fresh header: new salt, new random data key, wrapped under the passphrase. */
export async function newHeader(passphrase: string, cost: KdfCost = KDF_DEFAULTS): Promise<{ header: Header; dataKey: Buffer }> {
  const kdf = { name: 'scrypt' as const, N: cost.N, r: cost.r, p: cost.p, salt: randomBytes(SALT_BYTES).toString('base64') };
  const wrappingKey = await deriveWrappingKey(passphrase, kdf);
  const dataKey = randomBytes(KEY_BYTES);
  const aad = Buffer.concat([KEY_WRAP_AAD, Buffer.from(JSON.stringify(kdf))]);
  const boxed = seal(wrappingKey, dataKey, aad);
  wrappingKey.fill(0);
  return {
    header: { dynsecret: FORMAT_VERSION, kdf, wrappedKey: { iv: boxed.iv, tag: boxed.tag, key: boxed.data.toString('base64') } },
    dataKey,
  };
}

/** Encrypts the store's JSON under the data key with a fresh nonce, bound to the header: the file's bytes. */
export function sealEnvelope(header: Header, dataKey: Buffer, plaintext: string): Buffer {
  const boxed = seal(dataKey, plaintext, headerAad(header));
  const envelope: Envelope = { ...header, iv: boxed.iv, tag: boxed.tag, data: '' };
  // The UTF-8 of stringifying the whole envelope (and a newline), without copying megabytes of base64 through
  // JSON.stringify and a string: base64 needs no escaping, is ASCII (so its Latin-1 bytes are its UTF-8), and
  // `data` is the last field.
  const shell = JSON.stringify(envelope, undefined, 2);
  const at = shell.lastIndexOf('""') + 1;
  const head = Buffer.from(shell.slice(0, at), 'utf8');
  const tail = Buffer.from(`${shell.slice(at)}\n`, 'utf8');
  const data = boxed.data.toString('base64');
  // Written whole into one buffer of exactly its size: no further megabyte copies.
  const bytes = Buffer.allocUnsafe(head.length + data.length + tail.length);
  head.copy(bytes, 0);
  const written = bytes.write(data, head.length, 'latin1');
  tail.copy(bytes, head.length + written);
  if (head.length + written + tail.length !== bytes.length) throw new Error('sealEnvelope: the envelope was not written whole');
  return bytes;
}

/** Decrypts the store's JSON; undefined when the data key does not open it (wrong key or tampering). */
export function openEnvelope(envelope: Envelope, dataKey: Buffer): string | undefined {
  const plaintext = unseal(dataKey, envelope, envelope.data, headerAad(envelope));
  return plaintext === undefined ? undefined : utf8Text(plaintext);
}

/**
 * UTF-8 bytes as text. ASCII, which the store file always is and its JSON nearly always, reads the same as
 * Latin-1, whose decoding is a copy: decoding megabytes as UTF-8 costs milliseconds more.
 */
export const utf8Text = (bytes: Buffer): string => (isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8'));
