import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';
import { UsageError } from '../errors.js';
import { parseDuration } from '../rules/duration.js';
import { validateConfigTtls } from '../rules/ttl.js';
import { validateUsernameTemplate } from '../rules/credentials.js';
import { configSchemas, type DynamicSecretConfig, type Role, type Scope } from './schema.js';
import {
  roleFrom,
  scopeFrom,
  validateBaseUrl,
  validateConfigName,
  validateGroupId,
  validateIdentifier,
  validateRoles,
  validateScopes,
  validateSecret,
} from './rules.js';

/**
 * A config as the user gave it, before validation: every field optional and textual, from flags, the
 * environment, `--from-file` or prompts. `buildConfig` turns a complete draft into a DynamicSecretConfig.
 */
export interface ConfigDraft {
  name?: string | undefined;
  groupId?: string | undefined;
  baseUrl?: string | undefined;
  publicKey?: string | undefined;
  privateKey?: string | undefined;
  clientId?: string | undefined;
  clientSecret?: string | undefined;
  defaultTtl?: string | undefined;
  maxTtl?: string | undefined;
  roles?: string[] | undefined;
  scopes?: string[] | undefined;
  caFile?: string | undefined;
  usernameTemplate?: string | undefined;
}

export const DEFAULT_BASE_URL = 'https://cloud.mongodb.com';
export const DEFAULT_TTL = '1h';
export const DEFAULT_MAX_TTL = '24h';

/**
 * `--from-file`: the same fields as the flags; unknown keys (typos, `__proto__`) are refused. A role or scope
 * may be given as text (`read@app`, `lake1:DATA_LAKE`) or as the object a config stores, whose fields come from
 * the config's schema; a scope's type may be left out (or named in any case) as on the command line, since
 * `parseScope` checks it. zod/mini like the config's schema, with English messages as classic zod gives them.
 */
function buildFileSchema() {
  z.config(en());
  const { roleSchema, scopeSchema } = configSchemas();
  const short = z.string().check(z.maxLength(4096));
  const optionalShort = z.optional(short);
  const roleObject = z.strictObject(roleSchema.shape);
  const scopeObject = z.strictObject({ name: scopeSchema.shape.name, type: z.optional(z.string()) });
  const fileSchema = z.strictObject({
    name: optionalShort,
    groupId: optionalShort,
    baseUrl: optionalShort,
    publicKey: optionalShort,
    privateKey: optionalShort,
    clientId: optionalShort,
    clientSecret: optionalShort,
    defaultTtl: optionalShort,
    maxTtl: optionalShort,
    roles: z.optional(z.array(z.union([short, roleObject])).check(z.maxLength(100))),
    scopes: z.optional(z.array(z.union([short, scopeObject])).check(z.maxLength(100))),
    caFile: optionalShort,
    usernameTemplate: optionalShort,
  });
  return { fileSchema, roleObject, scopeObject };
}

type FileSchemas = ReturnType<typeof buildFileSchema>;
let built: FileSchemas | undefined;
const fileSchemas = (): FileSchemas => (built ??= buildFileSchema());

const roleText = (r: string | z.infer<FileSchemas['roleObject']>) =>
  typeof r === 'string' ? r : `${r.roleName}@${r.databaseName}${r.collectionName === undefined ? '' : `.${r.collectionName}`}`;
const scopeText = (s: string | z.infer<FileSchemas['scopeObject']>) =>
  typeof s === 'string' ? s : `${s.name}${s.type ? `:${s.type}` : ''}`;

/** Parses a `--from-file` document into a draft; `file` names it in messages. */
export function draftFromFile(text: string, file: string): ConfigDraft {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new UsageError(`${file} is not valid JSON.`);
  }
  const parsed = fileSchemas().fileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.length > 0 ? `field ${issue.path.join('.')}` : 'the document';
    const what =
      issue.code === 'unrecognized_keys' ? `unknown field ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}` : issue.message;
    throw new UsageError(`${file}: ${issue.code === 'unrecognized_keys' ? what : `${where}: ${what}`}.`);
  }
  const { roles, scopes, ...rest } = parsed.data;
  return { ...rest, roles: roles?.map(roleText), scopes: scopes?.map(scopeText) };
}

/** Fills gaps in `draft` from the Atlas CLI's environment variables. */
export function draftFromEnv(env: Record<string, string | undefined>): ConfigDraft {
  const value = (name: string) => (env[name] ? env[name] : undefined);
  return {
    publicKey: value('MONGODB_ATLAS_PUBLIC_API_KEY'),
    privateKey: value('MONGODB_ATLAS_PRIVATE_API_KEY'),
    clientId: value('MONGODB_ATLAS_CLIENT_ID'),
    clientSecret: value('MONGODB_ATLAS_CLIENT_SECRET'),
    baseUrl: value('MONGODB_ATLAS_BASE_URL'),
  };
}

/** Later drafts win, field by field; an empty list counts as absent. */
export function mergeDrafts(...drafts: ConfigDraft[]): ConfigDraft {
  const merged: ConfigDraft = {};
  for (const draft of drafts) {
    for (const [key, value] of Object.entries(draft) as [keyof ConfigDraft, ConfigDraft[keyof ConfigDraft]][]) {
      if (value === undefined || (Array.isArray(value) && value.length === 0)) continue;
      (merged as Record<string, unknown>)[key] = value;
    }
  }
  return merged;
}

const missing = (what: string, how: string) => new UsageError(`Missing ${what}: ${how}.`);

type Named = 'groupId' | 'baseUrl' | 'publicKey' | 'clientId' | 'defaultTtl' | 'maxTtl' | 'roles' | 'scopes';
type Missing = 'name' | 'groupId' | 'credentials' | 'publicKey' | 'privateKey' | 'clientId' | 'clientSecret' | 'both';

/**
 * How a draft's messages name its fields and say how to give a missing one: by the flags of `create` and
 * `update`, or, for a `--from-file` config, by the file's fields and the environment variables (never a flag
 * the command running it does not have).
 */
export interface DraftNames {
  field: Readonly<Record<Named, string>>;
  missing: Readonly<Record<Missing, string>>;
}

export const FLAG_NAMES: DraftNames = {
  field: {
    groupId: '--group-id',
    baseUrl: '--base-url',
    publicKey: '--public-key',
    clientId: '--client-id',
    defaultTtl: '--default-ttl',
    maxTtl: '--max-ttl',
    roles: '--role',
    scopes: '--scope',
  },
  missing: {
    name: 'give it as the first argument',
    groupId: 'pass --group-id',
    credentials: 'pass --public-key (or set MONGODB_ATLAS_PUBLIC_API_KEY), or use a service account with --client-id',
    publicKey: 'pass --public-key or set MONGODB_ATLAS_PUBLIC_API_KEY',
    privateKey: 'pipe it to --private-key-stdin or set MONGODB_ATLAS_PRIVATE_API_KEY',
    clientId: 'pass --client-id or set MONGODB_ATLAS_CLIENT_ID',
    clientSecret: 'pipe it to --client-secret-stdin or set MONGODB_ATLAS_CLIENT_SECRET',
    both: 'Give either an API key (--public-key) or a service account (--client-id), not both.',
  },
};

/**
 * The names for a config read from the file `path`: a field the file gives is `FIELD in PATH`; one it leaves
 * to the environment is named by its variable.
 */
export function fileNames(path: string, file: ConfigDraft): DraftNames {
  const from = (key: keyof ConfigDraft, variable?: string) =>
    file[key] === undefined && variable !== undefined ? variable : `${key} in ${path}`;
  return {
    field: {
      groupId: from('groupId'),
      baseUrl: from('baseUrl', 'MONGODB_ATLAS_BASE_URL'),
      publicKey: from('publicKey', 'MONGODB_ATLAS_PUBLIC_API_KEY'),
      clientId: from('clientId', 'MONGODB_ATLAS_CLIENT_ID'),
      defaultTtl: from('defaultTtl'),
      maxTtl: from('maxTtl'),
      roles: `role in ${path}`,
      scopes: `scope in ${path}`,
    },
    missing: {
      name: `add "name" to ${path}, or give it as the first argument`,
      groupId: `add "groupId" to ${path}`,
      credentials: `set MONGODB_ATLAS_PUBLIC_API_KEY and MONGODB_ATLAS_PRIVATE_API_KEY, or MONGODB_ATLAS_CLIENT_ID and MONGODB_ATLAS_CLIENT_SECRET for a service account (or give them in ${path})`,
      publicKey: `set MONGODB_ATLAS_PUBLIC_API_KEY (or "publicKey" in ${path})`,
      privateKey: `set MONGODB_ATLAS_PRIVATE_API_KEY (or "privateKey" in ${path})`,
      clientId: `set MONGODB_ATLAS_CLIENT_ID (or "clientId" in ${path})`,
      clientSecret: `set MONGODB_ATLAS_CLIENT_SECRET (or "clientSecret" in ${path})`,
      both: `Give either an API key or a service account, not both: ${path} and the MONGODB_ATLAS_* variables name some of each.`,
    },
  };
}

/** Validates a complete draft; every rule of SPEC's config table, one message per field, named by `names`. */
export function buildConfig(
  draft: ConfigDraft,
  now: Date,
  names: DraftNames = FLAG_NAMES,
): { config: DynamicSecretConfig; warnings: string[] } {
  const { field } = names;
  if (draft.name === undefined) throw missing('config name', names.missing.name);
  const name = validateConfigName(draft.name);
  if (draft.groupId === undefined) throw missing('project ID', names.missing.groupId);
  const groupId = validateGroupId(draft.groupId, field.groupId);
  const baseUrl = validateBaseUrl(draft.baseUrl ?? DEFAULT_BASE_URL, field.baseUrl);

  const hasApiKey = draft.publicKey !== undefined || draft.privateKey !== undefined;
  const hasServiceAccount = draft.clientId !== undefined || draft.clientSecret !== undefined;
  if (hasApiKey && hasServiceAccount) throw new UsageError(names.missing.both);
  let auth: DynamicSecretConfig['auth'];
  if (hasServiceAccount) {
    if (draft.clientId === undefined) throw missing('service account client ID', names.missing.clientId);
    if (draft.clientSecret === undefined) throw missing('service account client secret', names.missing.clientSecret);
    auth = {
      kind: 'serviceAccount',
      clientId: validateIdentifier(draft.clientId, field.clientId),
      clientSecret: validateSecret(draft.clientSecret, 'client secret'),
    };
  } else {
    if (draft.publicKey === undefined && draft.privateKey === undefined) throw missing('Atlas credentials', names.missing.credentials);
    if (draft.publicKey === undefined) throw missing('API public key', names.missing.publicKey);
    if (draft.privateKey === undefined) throw missing('API private key', names.missing.privateKey);
    auth = {
      kind: 'apiKey',
      publicKey: validateIdentifier(draft.publicKey, field.publicKey),
      privateKey: validateSecret(draft.privateKey, 'private key'),
    };
  }

  const defaultTtlMs = parseDuration(draft.defaultTtl ?? DEFAULT_TTL, field.defaultTtl);
  const maxTtlMs = parseDuration(draft.maxTtl ?? DEFAULT_MAX_TTL, field.maxTtl);
  const { warnings } = validateConfigTtls({ defaultTtlMs, maxTtlMs }, field);

  const roles: Role[] = validateRoles(
    (draft.roles ?? []).map((spec) => roleFrom(spec, field.roles)),
    field.roles,
  );
  const scopes: Scope[] = validateScopes((draft.scopes ?? []).map((spec) => scopeFrom(spec, field.scopes)));
  if (draft.usernameTemplate !== undefined) validateUsernameTemplate(draft.usernameTemplate);

  const config: DynamicSecretConfig = {
    name,
    groupId,
    baseUrl,
    auth,
    defaultTtlMs,
    maxTtlMs,
    roles,
    scopes,
    createdAt: now.toISOString(),
    ...(draft.caFile === undefined ? {} : { caFile: draft.caFile }),
    ...(draft.usernameTemplate === undefined ? {} : { usernameTemplate: draft.usernameTemplate }),
  };
  return { config, warnings };
}
