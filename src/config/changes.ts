import { mergeDrafts, type ConfigDraft } from './draft.js';
import type { DynamicSecretConfig } from './schema.js';

/** One thing an update changed in a config. Never carries a value: some are secrets. */
export type ConfigChange =
  | 'auth-now-api-key'
  | 'auth-now-service-account'
  | 'public-key'
  | 'private-key'
  | 'client-id'
  | 'client-secret'
  | 'base-url'
  | 'ca-file'
  | 'default-ttl'
  | 'max-ttl'
  | 'roles'
  | 'scopes'
  | 'username-template';

/** How each change is named in `update`'s summary. */
export const CHANGE_WORDS: Readonly<Record<ConfigChange, string>> = {
  'auth-now-api-key': 'credentials (now an API key)',
  'auth-now-service-account': 'credentials (now a service account)',
  'public-key': 'public key',
  'private-key': 'private key',
  'client-id': 'client ID',
  'client-secret': 'client secret',
  'base-url': 'base URL',
  'ca-file': 'CA file',
  'default-ttl': 'default TTL',
  'max-ttl': 'max TTL',
  roles: 'roles',
  scopes: 'scopes',
  'username-template': 'username template',
};

/** Changes that Atlas must confirm before they are saved: who dynsecret is, where it goes, what it reaches. */
const VERIFIED: ReadonlySet<ConfigChange> = new Set<ConfigChange>([
  'auth-now-api-key',
  'auth-now-service-account',
  'public-key',
  'private-key',
  'client-id',
  'client-secret',
  'base-url',
  'ca-file',
  'scopes',
]);

export const needsVerification = (changes: readonly ConfigChange[]) => changes.some((change) => VERIFIED.has(change));

/** A saved config as a draft, so the same rules (`buildConfig`) judge the updated whole. */
export function draftOfConfig(config: DynamicSecretConfig): ConfigDraft {
  return {
    name: config.name,
    groupId: config.groupId,
    baseUrl: config.baseUrl,
    ...(config.auth.kind === 'apiKey'
      ? { publicKey: config.auth.publicKey, privateKey: config.auth.privateKey }
      : { clientId: config.auth.clientId, clientSecret: config.auth.clientSecret }),
    // Whole seconds, exactly: every TTL dynsecret accepts is a whole number of seconds.
    defaultTtl: `${Math.round(config.defaultTtlMs / 1000)}s`,
    maxTtl: `${Math.round(config.maxTtlMs / 1000)}s`,
    roles: config.roles.map((r) => `${r.roleName}@${r.databaseName}${r.collectionName === undefined ? '' : `.${r.collectionName}`}`),
    scopes: config.scopes.map((s) => `${s.name}:${s.type}`),
    caFile: config.caFile,
    usernameTemplate: config.usernameTemplate,
  };
}

/**
 * The saved config's draft with `changes` laid over it. Credentials of the other kind (a service account
 * over an API key, or the reverse) replace the old ones entirely; lists given replace the saved lists.
 */
export function applyChanges(saved: ConfigDraft, changes: ConfigDraft): ConfigDraft {
  const toServiceAccount = changes.clientId !== undefined || changes.clientSecret !== undefined;
  const toApiKey = changes.publicKey !== undefined || changes.privateKey !== undefined;
  const base: ConfigDraft = { ...saved };
  if (toServiceAccount && saved.publicKey !== undefined) {
    delete base.publicKey;
    delete base.privateKey;
  }
  if (toApiKey && saved.clientId !== undefined) {
    delete base.clientId;
    delete base.clientSecret;
  }
  return mergeDrafts(base, changes);
}

/** What differs between two configs, in the order `update` reports it. */
export function configChanges(before: DynamicSecretConfig, after: DynamicSecretConfig): ConfigChange[] {
  const changes: ConfigChange[] = [];
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  if (before.auth.kind !== after.auth.kind) changes.push(after.auth.kind === 'apiKey' ? 'auth-now-api-key' : 'auth-now-service-account');
  else if (before.auth.kind === 'apiKey' && after.auth.kind === 'apiKey') {
    if (before.auth.publicKey !== after.auth.publicKey) changes.push('public-key');
    if (before.auth.privateKey !== after.auth.privateKey) changes.push('private-key');
  } else if (before.auth.kind === 'serviceAccount' && after.auth.kind === 'serviceAccount') {
    if (before.auth.clientId !== after.auth.clientId) changes.push('client-id');
    if (before.auth.clientSecret !== after.auth.clientSecret) changes.push('client-secret');
  }
  if (before.baseUrl !== after.baseUrl) changes.push('base-url');
  if (before.caFile !== after.caFile) changes.push('ca-file');
  if (before.defaultTtlMs !== after.defaultTtlMs) changes.push('default-ttl');
  if (before.maxTtlMs !== after.maxTtlMs) changes.push('max-ttl');
  if (!same(before.roles, after.roles)) changes.push('roles');
  if (!same(before.scopes, after.scopes)) changes.push('scopes');
  if (before.usernameTemplate !== after.usernameTemplate) changes.push('username-template');
  return changes;
}
