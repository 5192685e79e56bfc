import * as z from 'zod/mini';

/**
 * The one definition of a config: how it reaches an Atlas project, what a leased user may do, and how long a
 * lease may live. The store's reader checks stored configs against it (store/schema.ts) and the `--from-file`
 * reader takes its role and scope objects from it (draft.ts). zod/mini, since the store's read path (every
 * command, `list` included) builds it: classic zod would add much of its start-up cost. Built on first use.
 */
export const scopeTypes = ['CLUSTER', 'DATA_LAKE', 'STREAM'] as const;

function buildConfigSchemas() {
  // Schemas are immutable, so one instance serves every field of its kind: fewer to build.
  const text = z.string();
  const optionalText = z.optional(text);
  const positiveInt = z.int().check(z.positive());

  const roleSchema = z.object({ roleName: text, databaseName: text, collectionName: optionalText });
  const scopeSchema = z.object({ name: text, type: z.enum(scopeTypes) });
  const authSchema = z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('apiKey'), publicKey: text, privateKey: text }),
    z.object({ kind: z.literal('serviceAccount'), clientId: text, clientSecret: text }),
  ]);
  const configSchema = z.object({
    name: text,
    groupId: text,
    baseUrl: text,
    auth: authSchema,
    defaultTtlMs: positiveInt,
    maxTtlMs: positiveInt,
    roles: z.array(roleSchema).check(z.minLength(1)),
    scopes: z.array(scopeSchema),
    caFile: optionalText,
    usernameTemplate: optionalText,
    /** `standardSrv` of the one CLUSTER scope, recorded by `create` so `lease` needs no extra request. */
    connectionString: optionalText,
    createdAt: text,
  });
  return { roleSchema, scopeSchema, authSchema, configSchema };
}

type ConfigSchemas = ReturnType<typeof buildConfigSchemas>;
let built: ConfigSchemas | undefined;

/** The config's schemas, built on first use: reading a store that was checked when written needs none of them. */
export const configSchemas = (): ConfigSchemas => (built ??= buildConfigSchemas());

export type Role = z.infer<ConfigSchemas['roleSchema']>;
export type Scope = z.infer<ConfigSchemas['scopeSchema']>;
export type DynamicSecretConfig = z.infer<ConfigSchemas['configSchema']>;
