import { createCipheriv, createDecipheriv } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { StoreError } from '../../../src/errors.js';
import {
  FORMAT_VERSION,
  KDF_DEFAULTS,
  KDF_LIMITS,
  PRODUCTION_KDF,
  deriveWrappingKey,
  newHeader,
  openEnvelope,
  parseEnvelope,
  sealEnvelope,
  unwrapDataKey,
  type Envelope,
} from '../../../src/store/envelope.js';

/**
 * Known answers: a store file written by dynsecret 0.1.0 with a known passphrase, and the keys and plaintext
 * it holds, worked out once with plain node:crypto (scrypt, AES-256-GCM), not with the code under test.
 * Every later version must open this file; a change to the format that cannot is caught here.
 */
const FIXTURE = readFileSync(new URL('../../fixtures/store-0.1.0.json', import.meta.url), 'utf8');
const PASSPHRASE = 'known-answer passphrase 0.1.0';
const WRAPPING_KEY = '4ba2865f223f5f3be18bab76bc1af2965eda59cf527f4372e638e11329a76b64';
const DATA_KEY = Buffer.from('332457d90d595d5e0dce9e0a65f198b36513c52338aaa75766a533c3b3485ff2', 'hex');
const KEY_WRAP_AAD = 'dynsecret store data key v1';
const PLAINTEXT = {
  checked: 1,
  configs: [
    {
      name: 'app-db',
      groupId: '0123456789abcdef01234567',
      baseUrl: 'https://cloud.mongodb.com',
      auth: { kind: 'apiKey', publicKey: 'abcdefgh', privateKey: 'fixture-private-key-not-real' },
      defaultTtlMs: 3_600_000,
      maxTtlMs: 86_400_000,
      roles: [
        { roleName: 'readWrite', databaseName: 'app' },
        { roleName: 'read', databaseName: 'app', collectionName: 'orders' },
      ],
      scopes: [{ name: 'Cluster0', type: 'CLUSTER' }],
      createdAt: '2026-11-29T00:00:00.000Z',
    },
  ],
  leases: [
    {
      leaseId: 'ds-app-db-0123456789ab',
      config: 'app-db',
      createdAt: '2026-11-29T10:00:00Z',
      expiresAt: '2026-11-29T11:00:00Z',
      maxExpiresAt: '2026-11-30T10:00:00Z',
      status: 'active',
    },
  ],
  tokens: [],
};

const fixture = (): Envelope => JSON.parse(FIXTURE) as Envelope;
const b64 = (bytes: number, fill = 7) => Buffer.alloc(bytes, fill).toString('base64');

const DAMAGED_HINT = 'Restore it from a backup, or move it aside to start a new store.';
const damaged = (why: string) => `The store file is damaged or was modified (${why}); it was left as it is.`;
const WEAK = damaged('its key-derivation parameters are weaker or larger than dynsecret accepts');
const UNEXPECTED = damaged('unexpected format');

function parseError(text: string): StoreError {
  try {
    parseEnvelope(text);
  } catch (error) {
    if (error instanceof StoreError) return error;
    throw error;
  }
  throw new Error('expected a StoreError');
}

describe('the 0.1.0 store file (known answer)', () => {
  it('opens with its passphrase, giving back the same keys and plaintext', async () => {
    const envelope = parseEnvelope(FIXTURE);
    expect(envelope).toEqual(fixture());
    const wrappingKey = await deriveWrappingKey(PASSPHRASE, envelope.kdf);
    expect(wrappingKey.toString('hex')).toBe(WRAPPING_KEY);
    const dataKey = unwrapDataKey(envelope, wrappingKey);
    expect(dataKey?.toString('hex')).toBe(DATA_KEY.toString('hex'));
    const plaintext = openEnvelope(envelope, DATA_KEY);
    expect(plaintext).toBe(JSON.stringify(PLAINTEXT));
  });

  it('is the documented format: plain scrypt, then AES-256-GCM twice, readable without dynsecret', () => {
    const envelope = fixture();
    const { kdf, wrappedKey } = envelope;
    const open = (key: Buffer, box: { iv: string; tag: string }, data: string, aad: Buffer) => {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(box.iv, 'base64'));
      decipher.setAAD(aad).setAuthTag(Buffer.from(box.tag, 'base64'));
      return Buffer.concat([decipher.update(Buffer.from(data, 'base64')), decipher.final()]);
    };
    const keyAad = Buffer.from(KEY_WRAP_AAD + JSON.stringify(kdf));
    expect(open(Buffer.from(WRAPPING_KEY, 'hex'), wrappedKey, wrappedKey.key, keyAad)).toEqual(DATA_KEY);
    const headerAad = Buffer.from(JSON.stringify({ dynsecret: envelope.dynsecret, kdf, wrappedKey }));
    expect(open(DATA_KEY, envelope, envelope.data, headerAad).toString('utf8')).toBe(JSON.stringify(PLAINTEXT));
  });

  it('does not unwrap with another passphrase', async () => {
    const envelope = fixture();
    const wrappingKey = await deriveWrappingKey(`${PASSPHRASE} `, envelope.kdf);
    expect(wrappingKey.toString('hex')).not.toBe(WRAPPING_KEY);
    expect(unwrapDataKey(envelope, wrappingKey)).toBeUndefined();
  });
});

describe('deriveWrappingKey', () => {
  const salt = fixture().kdf.salt;
  // The production cost (KDF_DEFAULTS) has its known answer in the 0.1.0 file above; these vary one thing each
  // at a cost of 2^10, so that they take milliseconds (parseEnvelope refuses such a cost in a file).
  const CHEAP = { N: 2 ** 10, r: 8, p: 1 };
  it.each([
    // Worked out with crypto.scryptSync(passphrase, salt, 32, { N, r, p }).
    ['p = 2', PASSPHRASE, { ...CHEAP, p: 2 }, '6b8531a6e12587c329edf901fdbafa8167c56b12c0d7ed24750290a4b60ce031'],
    ['a composed é', 'caf\u00e9 passphrase', CHEAP, '3257235ed57211a0e03fc3bd356e65b35c6649283ea2e0fca786c07e6c310f7a'],
    // The same passphrase typed as e + combining accent derives the same key (NFC first); unnormalised, it
    // would derive 9069bde0….
    ['a decomposed é', 'cafe\u0301 passphrase', CHEAP, '3257235ed57211a0e03fc3bd356e65b35c6649283ea2e0fca786c07e6c310f7a'],
  ])('%s', async (_name, passphrase, params, expected) => {
    const key = await deriveWrappingKey(passphrase, { name: 'scrypt', ...params, salt });
    expect(key.toString('hex')).toBe(expected);
  });
});

describe('parseEnvelope: key-derivation parameters', () => {
  const withKdf = (kdf: Partial<Envelope['kdf']>) => JSON.stringify({ ...fixture(), kdf: { ...fixture().kdf, ...kdf } });

  it.each([
    ['the defaults', {}],
    ['N 2^18 (memory at its bound)', { N: 2 ** 18 }],
    ['r 16 (memory at its bound)', { r: 16 }],
    ['p 4 (work at its bound)', { p: 4 }],
    ['r 16, p 2 (memory and work at their bounds)', { r: 16, p: 2 }],
    ['N 2^18, p 2', { N: 2 ** 18, p: 2 }],
    ['a 16-byte salt', { salt: b64(16) }],
    ['a 32-byte salt', { salt: b64(32) }],
  ])('accepts %s', (_name, kdf) => {
    expect(parseEnvelope(withKdf(kdf)).kdf).toEqual({ ...fixture().kdf, ...kdf });
  });

  it.each([
    ['N 2^16 (weaker than the default)', { N: 2 ** 16 }],
    ['N 2^17 - 1', { N: 2 ** 17 - 1 }],
    ['N 3·2^16 (not a power of two)', { N: 3 * 2 ** 16 }],
    ['N 2^17 + 2^16 (not a power of two)', { N: 2 ** 17 + 2 ** 16 }],
    ['N 1', { N: 1 }],
    ['N 0', { N: 0 }],
    ['N -2^17', { N: -(2 ** 17) }],
    ['N 2^19 (memory above its bound)', { N: 2 ** 19 }],
    ['N 2^20', { N: 2 ** 20 }],
    ['N 2^21', { N: 2 ** 21 }],
    ['N 2^18, r 9 (memory above its bound)', { N: 2 ** 18, r: 9 }],
    ['r 7', { r: 7 }],
    ['r 0', { r: 0 }],
    ['r 17 (memory above its bound)', { r: 17 }],
    ['r 32', { r: 32 }],
    ['r 33', { r: 33 }],
    ['p 0', { p: 0 }],
    ['p -1', { p: -1 }],
    ['p 5 (work above its bound)', { p: 5 }],
    ['r 16, p 3 (work above its bound)', { r: 16, p: 3 }],
    ['N 2^18, p 3 (work above its bound)', { N: 2 ** 18, p: 3 }],
    ['a 15-byte salt', { salt: b64(15) }],
    ['an empty salt', { salt: '' }],
  ])('refuses %s', (_name, kdf) => {
    const error = parseError(withKdf(kdf));
    expect(error.message).toBe(WEAK);
    expect(error.hint).toBe(DAMAGED_HINT);
  });
});

describe('parseEnvelope: each bound of a KDF policy holds on its own', () => {
  // Limits whose memory and work bounds are far away, so that each single bound is the only one that refuses.
  const LOOSE: typeof KDF_LIMITS = {
    minN: 1,
    maxN: 2 ** 4,
    minR: 1,
    maxR: 4,
    minP: 1,
    maxP: 2,
    maxMemoryBytes: 2 ** 40,
    maxWork: 2 ** 40,
  };
  const withKdf = (kdf: Partial<Envelope['kdf']>) => JSON.stringify({ ...fixture(), kdf: { ...fixture().kdf, ...kdf } });
  const cheap = { N: 2, r: 1, p: 1 };

  it.each([
    ['N 2 (the smallest power of two scrypt takes)', { ...cheap }],
    ['N at maxN', { ...cheap, N: 2 ** 4 }],
    ['r at maxR', { ...cheap, r: 4 }],
    ['p at maxP', { ...cheap, p: 2 }],
  ])('accepts %s', (_name, kdf) => {
    expect(parseEnvelope(withKdf(kdf), LOOSE).kdf).toEqual({ ...fixture().kdf, ...kdf });
  });

  it.each([
    ['N 1 (a power of two, but not one scrypt takes)', { ...cheap, N: 1 }],
    ['N 0', { ...cheap, N: 0 }],
    ['N above maxN', { ...cheap, N: 2 ** 5 }],
    ['r above maxR', { ...cheap, r: 5 }],
    ['p above maxP', { ...cheap, p: 3 }],
  ])('refuses %s', (_name, kdf) => {
    expect(() => parseEnvelope(withKdf(kdf), LOOSE)).toThrow(WEAK);
  });

  it('production writes the defaults and reads under the documented limits', () => {
    expect(PRODUCTION_KDF).toEqual({ cost: KDF_DEFAULTS, limits: KDF_LIMITS });
    expect(KDF_LIMITS).toEqual({
      minN: 2 ** 17,
      maxN: 2 ** 20,
      minR: 8,
      maxR: 32,
      minP: 1,
      maxP: 4,
      maxMemoryBytes: 256 * 2 ** 20,
      maxWork: 4 * 2 ** 20,
    });
  });
});

describe('parseEnvelope: format', () => {
  const edit = (change: (envelope: Record<string, unknown> & Envelope) => void) => {
    const envelope = fixture() as Record<string, unknown> & Envelope;
    change(envelope);
    return JSON.stringify(envelope);
  };

  it.each([
    ['empty', ''],
    ['truncated', FIXTURE.slice(0, FIXTURE.length / 2)],
    ['not JSON', 'dynsecret'],
  ])('refuses a file that is %s', (_name, text) => {
    const error = parseError(text);
    expect(error.message).toBe(damaged('not valid JSON, perhaps truncated'));
    expect(error.hint).toBe(DAMAGED_HINT);
  });

  it.each([
    ['JSON null', 'null'],
    ['an array', '[]'],
    [
      'format version 2',
      edit((e) => {
        (e as { dynsecret: number }).dynsecret = 2;
      }),
    ],
    [
      'another KDF',
      edit((e) => {
        (e.kdf as { name: string }).name = 'argon2id';
      }),
    ],
    [
      'a fractional N',
      edit((e) => {
        e.kdf.N = 2 ** 17 + 0.5;
      }),
    ],
    [
      'N as a string',
      edit((e) => {
        (e.kdf as { N: unknown }).N = '131072';
      }),
    ],
    [
      'a salt that is not base64',
      edit((e) => {
        e.kdf.salt = 'not base64!';
      }),
    ],
    [
      'an extra top-level field',
      edit((e) => {
        e.note = 'x';
      }),
    ],
    [
      'an extra KDF field',
      edit((e) => {
        (e.kdf as Record<string, unknown>).dkLen = 64;
      }),
    ],
    [
      'an extra wrapped-key field',
      edit((e) => {
        (e.wrappedKey as Record<string, unknown>).alg = 'none';
      }),
    ],
    [
      'no data',
      edit((e) => {
        delete (e as Partial<Envelope>).data;
      }),
    ],
    [
      'no wrapped key',
      edit((e) => {
        delete (e as Partial<Envelope>).wrappedKey;
      }),
    ],
  ])('refuses %s', (_name, text) => {
    const error = parseError(text);
    expect(error.message).toBe(UNEXPECTED);
    expect(error.hint).toBe(DAMAGED_HINT);
  });

  it('reads the same envelope whatever the formatting and key order', () => {
    const { data, tag, iv, wrappedKey, kdf, dynsecret } = fixture();
    expect(parseEnvelope(JSON.stringify({ data, tag, iv, wrappedKey, kdf, dynsecret }))).toEqual(fixture());
  });
});

describe('the header is bound to the data and the wrapped key', () => {
  it.each([
    ['N', { N: 2 ** 18 }],
    ['r', { r: 16 }],
    ['p', { p: 2 }],
    ['salt', { salt: b64(16) }],
  ] as const)('a changed KDF %s opens neither the data nor the wrapped key', (_name, kdf) => {
    const changed = { ...fixture(), kdf: { ...fixture().kdf, ...kdf } };
    expect(openEnvelope(changed, DATA_KEY)).toBeUndefined();
    // The same wrapping key, as if scrypt had given it: the key-wrap AAD covers the KDF parameters.
    expect(unwrapDataKey(changed, Buffer.from(WRAPPING_KEY, 'hex'))).toBeUndefined();
  });

  it.each([
    ['iv', (w: Envelope['wrappedKey']) => ({ ...w, iv: b64(12) })],
    ['tag', (w: Envelope['wrappedKey']) => ({ ...w, tag: b64(16) })],
    ['key', (w: Envelope['wrappedKey']) => ({ ...w, key: b64(32) })],
  ])('a changed wrapped-key %s fails to open the data and to unwrap', (_name, change) => {
    const changed = { ...fixture(), wrappedKey: change(fixture().wrappedKey) };
    expect(openEnvelope(changed, DATA_KEY)).toBeUndefined();
    expect(unwrapDataKey(changed, Buffer.from(WRAPPING_KEY, 'hex'))).toBeUndefined();
  });

  it.each([
    ['the data iv', (e: Envelope) => ({ ...e, iv: b64(12) })],
    ['the data tag', (e: Envelope) => ({ ...e, tag: b64(16) })],
    ['the data', (e: Envelope) => ({ ...e, data: Buffer.from('{}').toString('base64') })],
    ['a 16-byte iv', (e: Envelope) => ({ ...e, iv: Buffer.concat([Buffer.from(e.iv, 'base64'), Buffer.alloc(4)]).toString('base64') })],
    ['an 8-byte iv', (e: Envelope) => ({ ...e, iv: Buffer.from(e.iv, 'base64').subarray(0, 8).toString('base64') })],
    ['a 12-byte tag', (e: Envelope) => ({ ...e, tag: Buffer.from(e.tag, 'base64').subarray(0, 12).toString('base64') })],
  ])('changing %s fails to open', (_name, change) => {
    expect(openEnvelope(change(fixture()), DATA_KEY)).toBeUndefined();
  });

  it('another data key fails to open', () => {
    expect(openEnvelope(fixture(), Buffer.alloc(32, 1))).toBeUndefined();
  });

  it.each([
    ['an 8-byte wrapped-key iv', { iv: Buffer.from(fixture().wrappedKey.iv, 'base64').subarray(0, 8).toString('base64') }],
    ['a 12-byte wrapped-key tag', { tag: Buffer.from(fixture().wrappedKey.tag, 'base64').subarray(0, 12).toString('base64') }],
  ])('%s fails to unwrap', (_name, change) => {
    const changed = { ...fixture(), wrappedKey: { ...fixture().wrappedKey, ...change } };
    expect(unwrapDataKey(changed, Buffer.from(WRAPPING_KEY, 'hex'))).toBeUndefined();
  });

  it.each([
    [32, true],
    [16, false],
    [31, false],
    [33, false],
    [0, false],
  ])('a wrapped key of %d bytes under the right AAD is %s', (length, accepted) => {
    // Wrapped by hand the way the format does, so only the length differs.
    const envelope = fixture();
    const secret = Buffer.alloc(length, 0x5a);
    const iv = Buffer.alloc(12, 3);
    const cipher = createCipheriv('aes-256-gcm', Buffer.from(WRAPPING_KEY, 'hex'), iv);
    cipher.setAAD(Buffer.from(KEY_WRAP_AAD + JSON.stringify(envelope.kdf)));
    const key = Buffer.concat([cipher.update(secret), cipher.final()]);
    const wrappedKey = { iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), key: key.toString('base64') };
    const unwrapped = unwrapDataKey({ ...envelope, wrappedKey }, Buffer.from(WRAPPING_KEY, 'hex'));
    expect(unwrapped?.toString('hex')).toBe(accepted ? secret.toString('hex') : undefined);
  });
});

describe('a new header and a sealed envelope', () => {
  it('uses the default parameters, a fresh salt and a data key the passphrase unwraps', async () => {
    expect(FORMAT_VERSION).toBe(1);
    expect(KDF_DEFAULTS).toEqual({ N: 2 ** 17, r: 8, p: 1 });
    const { header, dataKey } = await newHeader('a new passphrase');
    expect(header.dynsecret).toBe(1);
    expect(header.kdf).toMatchObject({ name: 'scrypt', N: 2 ** 17, r: 8, p: 1 });
    expect(Object.keys(header.kdf)).toEqual(['name', 'N', 'r', 'p', 'salt']);
    expect(Buffer.from(header.kdf.salt, 'base64')).toHaveLength(16);
    expect(Buffer.from(header.wrappedKey.iv, 'base64')).toHaveLength(12);
    expect(Buffer.from(header.wrappedKey.tag, 'base64')).toHaveLength(16);
    expect(Buffer.from(header.wrappedKey.key, 'base64')).toHaveLength(32);
    expect(dataKey).toHaveLength(32);
    expect(header.kdf.salt).not.toBe(fixture().kdf.salt);

    const text = sealEnvelope(header, dataKey, '{"configs":[]}').toString('utf8');
    const envelope = parseEnvelope(text);
    expect(text).toBe(`${JSON.stringify(envelope, undefined, 2)}\n`);
    expect(Object.keys(envelope)).toEqual(['dynsecret', 'kdf', 'wrappedKey', 'iv', 'tag', 'data']);
    expect(Buffer.from(envelope.iv, 'base64')).toHaveLength(12);
    expect(Buffer.from(envelope.tag, 'base64')).toHaveLength(16);
    expect(openEnvelope(envelope, dataKey)).toBe('{"configs":[]}');
    const wrappingKey = await deriveWrappingKey('a new passphrase', envelope.kdf);
    expect(unwrapDataKey(envelope, wrappingKey)?.toString('hex')).toBe(dataKey.toString('hex'));
  });

  it('seals under the fixture header so that the 0.1.0 reader opens it, with a fresh nonce each time', () => {
    const { dynsecret, kdf, wrappedKey } = fixture();
    const plaintext = JSON.stringify(PLAINTEXT);
    const first = parseEnvelope(sealEnvelope({ dynsecret, kdf, wrappedKey }, DATA_KEY, plaintext).toString('utf8'));
    const second = parseEnvelope(sealEnvelope({ dynsecret, kdf, wrappedKey }, DATA_KEY, plaintext).toString('utf8'));
    expect(first.iv).not.toBe(second.iv);
    expect(first.data).not.toBe(second.data);
    for (const envelope of [first, second]) {
      const headerAad = Buffer.from(JSON.stringify({ dynsecret, kdf, wrappedKey }));
      const decipher = createDecipheriv('aes-256-gcm', DATA_KEY, Buffer.from(envelope.iv, 'base64'));
      decipher.setAAD(headerAad).setAuthTag(Buffer.from(envelope.tag, 'base64'));
      const opened = Buffer.concat([decipher.update(Buffer.from(envelope.data, 'base64')), decipher.final()]);
      expect(opened.toString('utf8')).toBe(plaintext);
    }
  });

  it('keeps text that is not ASCII intact', () => {
    const { dynsecret, kdf, wrappedKey } = fixture();
    const plaintext = '{"note":"café ☕ \\u0000 \\"quoted\\""}';
    expect(openEnvelope(parseEnvelope(sealEnvelope({ dynsecret, kdf, wrappedKey }, DATA_KEY, plaintext).toString('utf8')), DATA_KEY)).toBe(
      plaintext,
    );
  });
});

describe('parseEnvelope: refuses exactly what the format schema refuses', () => {
  // The envelope's schema as zod/mini wrote it before the check was written by hand (so that reading the store
  // loads no zod, and the megabytes of the data field are scanned once). Every input below must get the same
  // verdict from both.
  const b64Schema = z.base64();
  const reference = z.strictObject({
    dynsecret: z.literal(FORMAT_VERSION),
    kdf: z.strictObject({ name: z.literal('scrypt'), N: z.int(), r: z.int(), p: z.int(), salt: b64Schema }),
    wrappedKey: z.strictObject({ iv: b64Schema, tag: b64Schema, key: b64Schema }),
    iv: b64Schema,
    tag: b64Schema,
    data: b64Schema,
  });
  /** The format's verdict: the key-derivation bounds are checked after it (and tested above). */
  const verdict = (text: string) => {
    try {
      parseEnvelope(text);
      return 'accepted';
    } catch (error) {
      const { message } = error as Error;
      return message === UNEXPECTED ? 'refused' : message === WEAK ? 'accepted' : message;
    }
  };
  const expected = (json: unknown) => (reference.safeParse(json).success ? 'accepted' : 'refused');

  const base64Values: [string, unknown][] = [
    ['empty', ''],
    ['4 characters', 'AAAA'],
    ['8 characters', 'AAAAAAAA'],
    ['one pad', 'AAA='],
    ['two pads', 'AA=='],
    ['two pads after a group', 'AAAAAA=='],
    ['non-zero bits before the pad', 'AB=='],
    ['+ and /', '+/+/'],
    ['3 characters', 'AAA'],
    ['5 characters', 'AAAAA'],
    ['three pads', 'A==='],
    ['four pads', '===='],
    ['a pad in the middle', 'AA=A'],
    ['a pad then a group', 'AA==AAAA'],
    ['a pad first', '=AAA'],
    ['base64url characters', 'AA-_'],
    ['a space', 'AA A'],
    ['a leading space', ' AAAAAAA'],
    ['a newline at the end', 'AAAAAAA\n'],
    ['a newline in the middle', 'AAAA\nAAA'],
    ['a tab', 'AAA\t'],
    ['a letter beyond ASCII', 'AAAé'],
    ['an emoji', 'AA😀'],
    ['a NUL', 'AAA\u0000'],
    ['a dot', 'AAA.'],
    ['a number', 1234],
    ['null', null],
    ['an array', ['AAAA']],
    ['an object', { a: 'AAAA' }],
    ['true', true],
  ];
  const intValues: [string, unknown][] = [
    ['2^17', 2 ** 17],
    ['0', 0],
    ['-0', -0],
    ['-1', -1],
    ['2^53 - 1', 2 ** 53 - 1],
    ['2^53', 2 ** 53],
    ['-(2^53)', -(2 ** 53)],
    ['1.5', 1.5],
    ['1e300', 1e300],
    ['a string', '8'],
    ['null', null],
    ['true', true],
    ['an array', [8]],
  ];
  const typeValues: [string, unknown][] = [
    ['null', null],
    ['a string', 'x'],
    ['a number', 1],
    ['an array', []],
    ['an empty object', {}],
    ['true', true],
  ];

  const cases: [string, unknown][] = [];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the cases edit the envelope's JSON freely
  type Loose = Record<string, any>;
  const edited = (change: (e: Loose) => void) => {
    const e = fixture() as unknown as Loose;
    change(e);
    return e;
  };
  cases.push(['the fixture', fixture()]);
  for (const [name, value] of base64Values) {
    for (const field of ['iv', 'tag', 'data'])
      cases.push([
        `${field}: ${name}`,
        edited((e) => {
          e[field] = value;
        }),
      ]);
    for (const field of ['iv', 'tag', 'key'])
      cases.push([
        `wrappedKey.${field}: ${name}`,
        edited((e) => {
          e.wrappedKey[field] = value;
        }),
      ]);
    cases.push([
      `kdf.salt: ${name}`,
      edited((e) => {
        e.kdf.salt = value;
      }),
    ]);
  }
  for (const [name, value] of intValues) {
    for (const field of ['N', 'r', 'p'])
      cases.push([
        `kdf.${field}: ${name}`,
        edited((e) => {
          e.kdf[field] = value;
        }),
      ]);
  }
  for (const [name, value] of [...typeValues, ['2', 2], ['"1"', '1'], ['1.0 as written', 1.0]] as [string, unknown][]) {
    cases.push([
      `dynsecret: ${name}`,
      edited((e) => {
        e.dynsecret = value;
      }),
    ]);
  }
  for (const [name, value] of [...typeValues, ['"SCRYPT"', 'SCRYPT'], ['"scrypt " with a space', 'scrypt ']] as [string, unknown][]) {
    cases.push([
      `kdf.name: ${name}`,
      edited((e) => {
        e.kdf.name = value;
      }),
    ]);
  }
  for (const [name, value] of typeValues) {
    cases.push([
      `kdf: ${name}`,
      edited((e) => {
        e.kdf = value;
      }),
    ]);
    cases.push([
      `wrappedKey: ${name}`,
      edited((e) => {
        e.wrappedKey = value;
      }),
    ]);
    cases.push([`the whole envelope: ${name}`, value]);
  }
  for (const field of ['dynsecret', 'kdf', 'wrappedKey', 'iv', 'tag', 'data']) {
    cases.push([
      `no ${field}`,
      edited((e) => {
        delete e[field];
      }),
    ]);
    cases.push([
      `${field}: undefined (dropped by JSON)`,
      edited((e) => {
        e[field] = undefined;
      }),
    ]);
  }
  for (const field of ['name', 'N', 'r', 'p', 'salt'])
    cases.push([
      `no kdf.${field}`,
      edited((e) => {
        delete e.kdf[field];
      }),
    ]);
  for (const field of ['iv', 'tag', 'key'])
    cases.push([
      `no wrappedKey.${field}`,
      edited((e) => {
        delete e.wrappedKey[field];
      }),
    ]);
  for (const [where, pick] of [
    ['the envelope', (e: Loose) => e],
    ['kdf', (e: Loose) => e.kdf],
    ['wrappedKey', (e: Loose) => e.wrappedKey],
  ] as const) {
    cases.push([
      `an extra field in ${where}`,
      edited((e) => {
        pick(e).extra = 1;
      }),
    ]);
    cases.push([
      `an extra null field in ${where}`,
      edited((e) => {
        pick(e).extra = null;
      }),
    ]);
  }
  const texts: [string, string][] = [
    ...cases.map(([name, json]): [string, string] => [name, JSON.stringify(json) ?? 'undefined']),
    // Keys JSON.stringify cannot write from an object literal.
    ['a __proto__ key in the envelope', FIXTURE.replace('{', '{"__proto__": {"x": 1},')],
    ['a __proto__ key in kdf', FIXTURE.replace('"kdf": {', '"kdf": {"__proto__": null,')],
    ['a __proto__ key in wrappedKey', FIXTURE.replace('"wrappedKey": {', '"wrappedKey": {"__proto__": {},')],
    ['a duplicate key (the last one counts)', FIXTURE.replace('"dynsecret": 1', '"dynsecret": 2, "dynsecret": 1')],
    ['a duplicate key, the last one wrong', FIXTURE.replace('"dynsecret": 1', '"dynsecret": 1, "dynsecret": 2')],
    ['N written as 131072.0', FIXTURE.replace('"N": 131072', '"N": 131072.0')],
    ['N written as 1.31072e5', FIXTURE.replace('"N": 131072', '"N": 1.31072e5')],
    ['N beyond the doubles', FIXTURE.replace('"N": 131072', '"N": 1e400')],
  ];

  it('has cases that each side accepts and refuses', () => {
    const verdicts = new Set(texts.map(([, text]) => expected(JSON.parse(text === 'undefined' ? 'null' : text))));
    expect(verdicts).toEqual(new Set(['accepted', 'refused']));
    expect(FIXTURE).toContain('"N": 131072');
    expect(FIXTURE).toContain('"kdf": {');
    expect(FIXTURE).toContain('"wrappedKey": {');
  });

  it.each(texts)('%s', (_name, text) => {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = Symbol('not JSON');
    }
    expect(verdict(text)).toBe(typeof json === 'symbol' ? damaged('not valid JSON, perhaps truncated') : expected(json));
  });
});
