import { z } from 'zod';
import { isConnectionString } from '../lease/connection-string.js';

// Shapes of the Atlas Admin API v2 (version 2023-01-01) that dynsecret reads and writes. Objects strip
// unknown keys, so new Atlas fields never break parsing; the fields we rely on are checked strictly.

export const ScopeTypeSchema = z.enum(['CLUSTER', 'DATA_LAKE', 'STREAM']);

export const DatabaseUserRoleSchema = z.object({
  roleName: z.string().min(1),
  databaseName: z.string().min(1),
  collectionName: z.string().min(1).optional(),
});

export const UserScopeSchema = z.object({
  name: z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9-]*$/),
  type: ScopeTypeSchema,
});

export const LabelSchema = z.object({
  key: z.string().min(1).max(255),
  value: z.string().min(1).max(255),
});

const isoInstant = z.iso.datetime({ offset: true });

/** A database user as Atlas returns it (the password is write-only and never comes back). */
export const DatabaseUserSchema = z.object({
  username: z.string().min(1),
  databaseName: z.string().min(1),
  groupId: z.string(),
  roles: z.array(DatabaseUserRoleSchema),
  scopes: z.array(UserScopeSchema).default([]),
  // Atlas' own labels may lack a key or value; such entries cannot be dynsecret's, so they are kept loose.
  labels: z.array(z.object({ key: z.string().optional(), value: z.string().optional() })).default([]),
  description: z.string().optional(),
  deleteAfterDate: isoInstant.optional(),
});

export const DatabaseUserPageSchema = z.object({
  results: z.array(DatabaseUserSchema),
  totalCount: z.number().int().nonnegative().optional(),
});

/** What `createDatabaseUser` sends besides the fixed `databaseName: "admin"` and the project ID. */
export const NewDatabaseUserSchema = z.object({
  username: z.string().min(1).max(1024),
  password: z.string().min(8),
  roles: z.array(DatabaseUserRoleSchema).min(1),
  scopes: z.array(UserScopeSchema).optional(),
  labels: z.array(LabelSchema).optional(),
  description: z.string().max(100).optional(),
  deleteAfterDate: isoInstant.optional(),
});

/** PATCH replaces only the fields present; an omitted field keeps its value in Atlas. */
export const DatabaseUserPatchSchema = NewDatabaseUserSchema.omit({ username: true }).partial();

export const ProjectSchema = z.object({
  id: z.string().regex(/^[a-f0-9]{24}$/),
  name: z.string().min(1),
  orgId: z.string(),
  clusterCount: z.number().int().nonnegative(),
  created: z.string(),
});

/** Checked where it enters: it ends up in env files and shell output (see src/lease/connection-string.ts). */
const ConnectionStringSchema = z.string().refine(isConnectionString, {
  message: 'not a mongodb or mongodb+srv URL with a host and no whitespace, quote or control character',
});

export const ClusterSchema = z.object({
  name: z.string().min(1),
  stateName: z.string().optional(),
  paused: z.boolean().optional(),
  // `{}` while the cluster is being created: the connection string is not known yet.
  connectionStrings: z
    .object({ standard: ConnectionStringSchema.optional(), standardSrv: ConnectionStringSchema.optional() })
    .default({}),
});

export const ClusterPageSchema = z.object({
  results: z.array(ClusterSchema),
  totalCount: z.number().int().nonnegative().optional(),
});

export const ClusterStatusSchema = z.object({ changeStatus: z.enum(['PENDING', 'APPLIED']) });

/** RFC 6750 `b64token`: what a bearer token may hold, so it can never break a header line. */
export const ACCESS_TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
export const MAX_ACCESS_TOKEN_LENGTH = 8192;
/** Atlas issues tokens for an hour; a server claiming more than a day is not believed. */
export const MAX_TOKEN_LIFETIME_S = 86_400;

export const TokenResponseSchema = z.object({
  access_token: z.string().max(MAX_ACCESS_TOKEN_LENGTH).regex(ACCESS_TOKEN),
  expires_in: z.number().int().positive().max(MAX_TOKEN_LIFETIME_S),
  token_type: z.string().regex(/^bearer$/i),
});

/** Atlas' error body (`ApiError`); every field is optional so a proxy's page still yields a message. */
export const ApiErrorSchema = z.object({
  detail: z.string().nullish(),
  error: z.number().optional(),
  errorCode: z.string().optional(),
  parameters: z.array(z.unknown()).optional(),
  reason: z.string().nullish(),
  badRequestDetail: z
    .object({ fields: z.array(z.object({ field: z.string(), description: z.string() })).optional() })
    .nullish(),
});

/** RFC 6749 error body of the OAuth token endpoint. */
export const OAuthErrorSchema = z.object({
  error: z.string(),
  error_description: z.string().optional(),
});

export type ScopeType = z.infer<typeof ScopeTypeSchema>;
export type DatabaseUserRole = z.infer<typeof DatabaseUserRoleSchema>;
export type UserScope = z.infer<typeof UserScopeSchema>;
export type Label = z.infer<typeof LabelSchema>;
export type DatabaseUser = z.infer<typeof DatabaseUserSchema>;
export type NewDatabaseUser = z.infer<typeof NewDatabaseUserSchema>;
export type DatabaseUserPatch = z.infer<typeof DatabaseUserPatchSchema>;
export type AtlasProject = z.infer<typeof ProjectSchema>;
export type Cluster = z.infer<typeof ClusterSchema>;
export type ClusterChangeStatus = z.infer<typeof ClusterStatusSchema>['changeStatus'];
export type ApiErrorBody = z.infer<typeof ApiErrorSchema>;
