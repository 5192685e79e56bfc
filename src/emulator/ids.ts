import { randomBytes, randomInt, randomUUID } from 'node:crypto';

const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const LOWER_DIGITS = 'abcdefghijklmnopqrstuvwxyz0123456789';

function pick(alphabet: string, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

/** A 24-hex id like Atlas' project, org and cluster ids. */
export const randomObjectId = (): string => randomBytes(12).toString('hex');

/** Atlas public API keys are 8 lowercase letters; private keys are UUIDs. */
export const randomPublicKey = (): string => pick(LOWER, 8);
export const randomPrivateKey = (): string => randomUUID();

/** Service account credentials in the `mdb_sa_id_…` / `mdb_sa_sk_…` form Atlas hands out. */
export const randomClientId = (): string => `mdb_sa_id_${randomObjectId()}`;
export const randomClientSecret = (): string => `mdb_sa_sk_${randomBytes(30).toString('base64url')}`;

/** The 5-character host label in `cluster0.ab1cd.mongodb.net`. */
export const randomHostLabel = (): string => pick(LOWER_DIGITS, 5);
export const randomReplicaSetLabel = (): string => pick(LOWER_DIGITS, 6);

/** 24 random bytes in base64 are 32 characters, the length of Atlas' digest nonces. */
export const randomNonce = (): string => randomBytes(24).toString('base64');

export const randomToken = (): string => randomBytes(32).toString('base64url');
