import type { ServiceContext } from './context.js';
import type { DynamicSecretConfig } from '../config/schema.js';
import { NotFoundError } from '../errors.js';

/** The stored config of that name; none is a not-found error pointing at `list`. */
export async function findConfig(context: ServiceContext, name: string): Promise<DynamicSecretConfig> {
  const config = (await context.store.read()).configs.find((c) => c.name === name);
  if (!config) throw new NotFoundError(`No config named ${name}.`, { hint: 'See the configs with: dynsecret list' });
  return config;
}

/** The one config a `--from-file` context holds. */
export async function fileConfig(context: ServiceContext): Promise<DynamicSecretConfig> {
  const [config, ...others] = (await context.store.read()).configs;
  if (config === undefined || others.length > 0) throw new Error('a --from-file context holds exactly one config');
  return config;
}

/**
 * The cluster whose connection string a `--from-file` lease prints, when none is named: the config's only
 * CLUSTER scope (what `create` records after verifying a stored config), looked up before the user exists.
 */
export function defaultCluster(config: DynamicSecretConfig): string | undefined {
  const clusters = config.scopes.filter((scope) => scope.type === 'CLUSTER');
  return clusters.length === 1 ? clusters[0]!.name : undefined;
}

/** Checks a config against Atlas before it is saved (the credentials, the scopes), as `create` and `update` do. */
export type VerifyConfig = (context: ServiceContext, config: DynamicSecretConfig) => Promise<DynamicSecretConfig>;
