import type { ServiceContext } from './context.js';
import type { DynamicSecretConfig } from '../config/schema.js';
import { AtlasApiError } from '../atlas/error-types.js';
import { NotFoundError } from '../errors.js';

/**
 * Checks a config against Atlas before it is saved: the credentials can list database users, and every
 * CLUSTER scope names a cluster of the project. With exactly one CLUSTER scope, its `standardSrv`
 * connection string is recorded so `lease` can print MONGODB_URI without another request.
 */
export async function verifyConfig(context: ServiceContext, config: DynamicSecretConfig): Promise<DynamicSecretConfig> {
  const atlas = await context.atlas(config);
  await atlas.listDatabaseUsers({ itemsPerPage: 1 });
  const clusters = config.scopes.filter((scope) => scope.type === 'CLUSTER');
  const found = await Promise.all(
    clusters.map(async (scope) => {
      try {
        return await atlas.getCluster(scope.name);
      } catch (error) {
        if (error instanceof AtlasApiError && error.errorCode === 'CLUSTER_NOT_FOUND') {
          throw new NotFoundError(`Project ${config.groupId} has no cluster named ${scope.name}: check --scope.`, { cause: error });
        }
        throw error;
      }
    }),
  );
  const connectionString = found.length === 1 ? found[0]!.connectionStrings?.standardSrv : undefined;
  const { connectionString: _stale, ...rest } = config;
  return connectionString === undefined ? rest : { ...rest, connectionString };
}
