import { createHash } from 'node:crypto';
import type { AtlasClient, TokenCache } from '../atlas/index.js';
import { networkSettings } from '../config/network-env.js';
import type { DynamicSecretConfig } from '../config/schema.js';
import type { Store } from '../store/store-api.js';
import { VERSION } from '../version.js';

interface AtlasDeps {
  /** Where service-account tokens are cached between commands; none, none cached. */
  store?: Store | undefined;
  env: Record<string, string | undefined>;
  debug(line: string): void;
}

/**
 * A service account's bearer token, kept encrypted in the store so later commands skip the token request. A
 * token belongs to the base URL, client id and secret it was issued for: after any of them changes (`update`,
 * `create --replace`) the cached one is neither sent to the new host nor taken as proof of the new secret.
 */
function storeTokenCache(store: Store, config: DynamicSecretConfig, auth: { clientId: string; clientSecret: string }): TokenCache {
  const owner = tokenOwner(config.baseUrl, auth.clientId, auth.clientSecret);
  return {
    load: async () => {
      const token = (await store.read()).tokens.find((t) => t.config === config.name && t.owner === owner);
      return token && { accessToken: token.accessToken, expiresAt: token.expiresAt };
    },
    save: async (token) => {
      await store.update((data) => {
        data.tokens = [...data.tokens.filter((t) => t.config !== config.name), { config: config.name, owner, ...token }];
      });
    },
  };
}

/** Who a cached token belongs to: a digest, so the store holds no second copy of the secret in a new place. */
export function tokenOwner(baseUrl: string, clientId: string, clientSecret: string): string {
  return createHash('sha256')
    .update(JSON.stringify([baseUrl, clientId, clientSecret]))
    .digest('base64url');
}

/** The Atlas client for one config, loaded on first use so commands without Atlas never import it. */
export async function atlasClientFor(deps: AtlasDeps, config: DynamicSecretConfig): Promise<AtlasClient> {
  const { connectMs, requestMs, maxAttempts } = networkSettings(deps.env);
  const { createAtlasClient } = await import('../atlas/index.js');
  const auth =
    config.auth.kind === 'apiKey' || deps.store === undefined
      ? config.auth
      : { ...config.auth, tokenCache: storeTokenCache(deps.store, config, config.auth) };
  return createAtlasClient({
    baseUrl: config.baseUrl,
    groupId: config.groupId,
    auth,
    ...(config.caFile === undefined ? {} : { caFile: config.caFile }),
    env: deps.env,
    timeouts: { connectMs, requestMs },
    retry: { maxAttempts },
    onDebug: deps.debug,
    userAgent: `dynsecret/${VERSION}`,
  });
}
