import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';
import { isConnectionString } from '../rules/connection-string.js';

// Shapes of the Atlas Admin API v2 (version 2023-01-01) that dynsecret reads and writes. Objects strip
// unknown keys, so new Atlas fields never break parsing; the fields we rely on are checked strictly.
// zod/mini, on every command that calls Atlas: its schemas bundle to a fraction of classic zod's code,
// which a process compiles on every start. English messages, as classic zod has by default, so that an
// unexpected answer names what was wrong.
z.config(en());

const nonEmpty = () => z.string().check(z.minLength(1));
const count = () => z.optional(z.int().check(z.nonnegative()));

const ScopeTypeSchema = z.enum(['CLUSTER', 'DATA_LAKE', 'STREAM']);

const DatabaseUserRoleSchema = z.object({
  roleName: nonEmpty(),
  databaseName: nonEmpty(),
  collectionName: z.optional(nonEmpty()),
});

const UserScopeSchema = z.object({
  name: z.string().check(z.regex(/^[a-zA-Z0-9][a-zA-Z0-9-]*$/)),
  type: ScopeTypeSchema,
});

const LabelSchema = z.object({
  key: z.string().check(z.minLength(1), z.maxLength(255)),
  value: z.string().check(z.minLength(1), z.maxLength(255)),
});

const isoInstant = z.iso.datetime({ offset: true });
/** The longest username Atlas accepts. */
const MAX_USERNAME_LENGTH = 1024;
const labelText = z.string().check(z.maxLength(255));

/** A database user as Atlas returns it (the password is write-only and never comes back). */
export const DatabaseUserSchema = z.object({
  // Atlas' own limit: a longer name is no Atlas user, and would be kept (and grow memory) page after page.
  username: z.string().check(z.minLength(1), z.maxLength(MAX_USERNAME_LENGTH)),
  databaseName: nonEmpty(),
  groupId: z.string(),
  roles: z.array(DatabaseUserRoleSchema),
  scopes: z._default(z.array(UserScopeSchema), []),
  // Atlas' own labels may lack a key or value; such entries cannot be dynsecret's, so they are kept loose.
  labels: z._default(z.array(z.object({ key: z.optional(labelText), value: z.optional(labelText) })).check(z.maxLength(1000)), []),
  description: z.optional(z.string()),
  deleteAfterDate: z.optional(isoInstant),
});

export const DatabaseUserPageSchema = z.object({
  results: z.array(DatabaseUserSchema),
  totalCount: count(),
});

/** What `createDatabaseUser` sends besides the fixed `databaseName: "admin"` and the project ID. */
export const NewDatabaseUserSchema = z.object({
  username: z.string().check(z.minLength(1), z.maxLength(MAX_USERNAME_LENGTH)),
  password: z.string().check(z.minLength(8)),
  roles: z.array(DatabaseUserRoleSchema).check(z.minLength(1)),
  scopes: z.optional(z.array(UserScopeSchema)),
  labels: z.optional(z.array(LabelSchema)),
  description: z.optional(z.string().check(z.maxLength(100))),
  deleteAfterDate: z.optional(isoInstant),
});

/** PATCH replaces only the fields present; an omitted field keeps its value in Atlas. */
export const DatabaseUserPatchSchema = z.partial(z.omit(NewDatabaseUserSchema, { username: true }));

export const ProjectSchema = z.object({
  id: z.string().check(z.regex(/^[a-f0-9]{24}$/)),
  name: nonEmpty(),
  orgId: z.string(),
  clusterCount: z.int().check(z.nonnegative()),
  created: z.string(),
});

/** Checked where it enters: it ends up in env files and shell output (see src/rules/connection-string.ts). */
const ConnectionStringSchema = z.string().check(
  z.refine(isConnectionString, {
    message: 'not a mongodb or mongodb+srv URL with a host and no whitespace, quote or control character',
  }),
);

export const ClusterSchema = z.object({
  name: nonEmpty(),
  stateName: z.optional(z.string()),
  paused: z.optional(z.boolean()),
  // `{}` while the cluster is being created: the connection string is not known yet.
  connectionStrings: z._default(
    z.object({ standard: z.optional(ConnectionStringSchema), standardSrv: z.optional(ConnectionStringSchema) }),
    {},
  ),
});

export const ClusterPageSchema = z.object({
  results: z.array(ClusterSchema),
  totalCount: count(),
});

export const ClusterStatusSchema = z.object({ changeStatus: z.enum(['PENDING', 'APPLIED']) });

/**
 * One entry of the project IP access list (`NetworkPermissionEntry`). Atlas shows an address entry with both
 * `ipAddress` and its `/32` (or `/128`) `cidrBlock`; a security group entry has neither, only
 * `awsSecurityGroup`. No `deleteAfterDate` means a permanent entry.
 */
export const AccessListEntrySchema = z.object({
  ipAddress: z.optional(z.string().check(z.maxLength(64))),
  cidrBlock: z.optional(z.string().check(z.maxLength(64))),
  awsSecurityGroup: z.optional(z.string().check(z.maxLength(128))),
  comment: z.optional(z.string()),
  deleteAfterDate: z.optional(isoInstant),
});

export const AccessListPageSchema = z.object({
  results: z.array(AccessListEntrySchema),
  totalCount: count(),
});

/** What `addAccessListEntry` sends: one address or one CIDR block, a comment, and when Atlas removes it. */
export const NewAccessListEntrySchema = z.object({
  ipAddress: z.optional(z.string().check(z.minLength(1), z.maxLength(64))),
  cidrBlock: z.optional(z.string().check(z.minLength(1), z.maxLength(64))),
  comment: z.optional(z.string().check(z.maxLength(80))),
  deleteAfterDate: z.optional(isoInstant),
});

export const AccessListStatusSchema = z.object({ STATUS: z.enum(['PENDING', 'FAILED', 'ACTIVE']) });

/** `GET /api/private/ipinfo`: the address Atlas sees for the caller. */
export const IpInfoSchema = z.object({ currentIpv4Address: z.string().check(z.minLength(1), z.maxLength(64)) });

/** RFC 6750 `b64token`: what a bearer token may hold, so it can never break a header line. */
export const ACCESS_TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
export const MAX_ACCESS_TOKEN_LENGTH = 8192;
/** Atlas issues tokens for an hour; a server claiming more than a day is not believed. */
export const MAX_TOKEN_LIFETIME_S = 86_400;

export const TokenResponseSchema = z.object({
  access_token: z.string().check(z.maxLength(MAX_ACCESS_TOKEN_LENGTH), z.regex(ACCESS_TOKEN)),
  expires_in: z.int().check(z.positive(), z.lte(MAX_TOKEN_LIFETIME_S)),
  token_type: z.string().check(z.regex(/^bearer$/i)),
});

/** Atlas' error body (`ApiError`); every field is optional so a proxy's page still yields a message. */
export const ApiErrorSchema = z.object({
  detail: z.nullish(z.string()),
  error: z.optional(z.number()),
  errorCode: z.optional(z.string()),
  parameters: z.optional(z.array(z.unknown())),
  reason: z.nullish(z.string()),
  badRequestDetail: z.nullish(z.object({ fields: z.optional(z.array(z.object({ field: z.string(), description: z.string() }))) })),
});

/** RFC 6749 error body of the OAuth token endpoint. */
export const OAuthErrorSchema = z.object({
  error: z.string(),
  error_description: z.optional(z.string()),
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
export type AccessListEntry = z.infer<typeof AccessListEntrySchema>;
export type NewAccessListEntry = z.infer<typeof NewAccessListEntrySchema>;
export type AccessListStatus = z.infer<typeof AccessListStatusSchema>['STATUS'];
