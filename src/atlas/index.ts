// The Atlas Admin API client: everything the rest of dynsecret may import from src/atlas/.
export { createAtlasClient, type AtlasClient, type AtlasClientOptions } from './client.js';
export type { AtlasAuth, TokenCache } from './auth.js';
export { AtlasApiError, AtlasInputError, AtlasNetworkError, AtlasResponseError, type AtlasError } from './error-types.js';
export { ATLAS_API_VERSION } from './version.js';
export type {
  AccessListEntry,
  AccessListStatus,
  NewAccessListEntry,
  AtlasProject,
  Cluster,
  ClusterChangeStatus,
  DatabaseUser,
  DatabaseUserPatch,
  DatabaseUserRole,
  Label,
  NewDatabaseUser,
  ScopeType,
  UserScope,
} from './schemas.js';
