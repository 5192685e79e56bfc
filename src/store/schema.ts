import * as z from 'zod/mini';
import { configSchemas, type DynamicSecretConfig } from '../config/schema.js';

/**
 * The store's contents, checked before every write and when read from a store that was not checked
 * (see contents.ts). Written with zod/mini, whose schemas bundle to a small fraction of classic zod:
 * this is on the path of every command that opens the store, `list` included. A stored config is checked
 * against the config's own schema (config/schema.ts, zod/mini too); the type check at the bottom keeps the
 * stored config type the config type, should either ever be given a shape of its own.
 */

/**
 * A lease's local record. `creating` is written before Atlas is asked (so a crash between the two is
 * visible); never the password.
 */
const leaseStatuses = ['creating', 'active', 'revoke-failed', 'gone'] as const;

function buildSchemas() {
  // Schemas are immutable, so one instance serves every field of its kind: fewer to build.
  const text = z.string();
  const optionalText = z.optional(text);

  const storedConfigSchema = configSchemas().configSchema;
  const leaseRecordSchema = z.object({
    leaseId: text,
    config: text,
    createdAt: text,
    expiresAt: text,
    maxExpiresAt: text,
    status: z.enum(leaseStatuses),
    lastError: optionalText,
    /** The IP access list entry the lease was given (`--allow-ip`), to be released when it is revoked. */
    allowIp: optionalText,
  });
  // `owner`: a digest of the base URL, client id and secret the token was issued for (a token without one,
  // from an older version, belongs to no one and is never used).
  const cachedTokenSchema = z.object({ config: text, owner: optionalText, accessToken: text, expiresAt: text });
  // Arrays rather than objects keyed by name: a name such as "__proto__" is then just data.
  const storeDataSchema = z.object({
    configs: z._default(z.array(storedConfigSchema), () => []),
    leases: z._default(z.array(leaseRecordSchema), () => []),
    tokens: z._default(z.array(cachedTokenSchema), () => []),
  });
  return { storedConfigSchema, leaseRecordSchema, cachedTokenSchema, storeDataSchema };
}

type Schemas = ReturnType<typeof buildSchemas>;
let built: Schemas | undefined;

/** The schemas, built on first use: reading a store that was checked when written needs none of them. */
export const schemas = (): Schemas => (built ??= buildSchemas());

export type LeaseRecord = z.infer<Schemas['leaseRecordSchema']>;
export type StoreData = z.infer<Schemas['storeDataSchema']>;

// Compile-time guard: the stored config is exactly the config type, optional fields included.
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const sameConfigShape: Same<z.infer<Schemas['storedConfigSchema']>, DynamicSecretConfig> = true;
void sameConfigShape;
