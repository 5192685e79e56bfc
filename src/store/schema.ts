import { z } from 'zod';
import { dynamicSecretConfigSchema } from '../config/schema.js';

/**
 * A lease's local record. `creating` is written before Atlas is asked (so a crash between the two is
 * visible); never the password.
 */
export const leaseStatuses = ['creating', 'active', 'revoke-failed', 'gone'] as const;
export const leaseRecordSchema = z.object({
  leaseId: z.string(),
  config: z.string(),
  createdAt: z.string(),
  expiresAt: z.string(),
  maxExpiresAt: z.string(),
  status: z.enum(leaseStatuses),
  lastError: z.string().optional(),
});
export type LeaseRecord = z.infer<typeof leaseRecordSchema>;

export const cachedTokenSchema = z.object({ config: z.string(), accessToken: z.string(), expiresAt: z.string() });
export type CachedToken = z.infer<typeof cachedTokenSchema>;

// Arrays rather than objects keyed by name: a name such as "__proto__" is then just data.
export const storeDataSchema = z.object({
  configs: z.array(dynamicSecretConfigSchema).default([]),
  leases: z.array(leaseRecordSchema).default([]),
  tokens: z.array(cachedTokenSchema).default([]),
});
export type StoreData = z.infer<typeof storeDataSchema>;

export const emptyStoreData = (): StoreData => ({ configs: [], leases: [], tokens: [] });
