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

/** A service account's bearer token, kept encrypted in the store so later commands skip the token request. */
function storeTokenCache(store: Store, config: string): TokenCache {
  return {
    load: async () => (await store.read()).tokens.find((t) => t.config === config),
    save: async (token) => {
      await store.update((data) => {
        data.tokens = [...data.tokens.filter((t) => t.config !== config), { config, ...token }];
      });
    },
  };
}

/** The Atlas client for one config, loaded on first use so commands without Atlas never import it. */
export async function atlasClientFor(deps: AtlasDeps, config: DynamicSecretConfig): Promise<AtlasClient> {
  const { connectMs, requestMs, maxAttempts } = networkSettings(deps.env);
  const { createAtlasClient } = await import('../atlas/index.js');
  const auth =
    config.auth.kind === 'apiKey' || deps.store === undefined
      ? config.auth
      : { ...config.auth, tokenCache: storeTokenCache(deps.store, config.name) };
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
