import { z } from 'zod';

/** How a config reaches an Atlas project, what a leased user may do, and how long a lease may live. */
export const scopeTypes = ['CLUSTER', 'DATA_LAKE', 'STREAM'] as const;

export const roleSchema = z.object({
  roleName: z.string(),
  databaseName: z.string(),
  collectionName: z.string().optional(),
});
export type Role = z.infer<typeof roleSchema>;

export const scopeSchema = z.object({ name: z.string(), type: z.enum(scopeTypes) });
export type Scope = z.infer<typeof scopeSchema>;

export const authSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('apiKey'), publicKey: z.string(), privateKey: z.string() }),
  z.object({ kind: z.literal('serviceAccount'), clientId: z.string(), clientSecret: z.string() }),
]);
export type AtlasCredentials = z.infer<typeof authSchema>;

export const dynamicSecretConfigSchema = z.object({
  name: z.string(),
  groupId: z.string(),
  baseUrl: z.string(),
  auth: authSchema,
  defaultTtlMs: z.number().int().positive(),
  maxTtlMs: z.number().int().positive(),
  roles: z.array(roleSchema).min(1),
  scopes: z.array(scopeSchema),
  caFile: z.string().optional(),
  usernameTemplate: z.string().optional(),
  /** `standardSrv` of the one CLUSTER scope, recorded by `create` so `lease` needs no extra request. */
  connectionString: z.string().optional(),
  createdAt: z.string(),
});
export type DynamicSecretConfig = z.infer<typeof dynamicSecretConfigSchema>;
