import { STATUS_CODES } from 'node:http';

/** What a route answers; the HTTP layer serializes it. `json` is kept as a value so faults can rewrite it. */
export interface ApiResponse {
  status: number;
  headers: Record<string, string>;
  json?: unknown;
  /** A body sent byte for byte (the 401 challenge body is not compact JSON at Atlas). */
  raw?: string;
}

export const JSON_TYPE = 'application/json';

export function versionedType(version: string): string {
  return `application/vnd.atlas.${version}+json;charset=utf-8`;
}

/** Atlas answers compact JSON with every object's keys in alphabetical order. */
export function sortedJson(value: unknown, indent?: number): string {
  return JSON.stringify(sortKeys(value), null, indent);
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return Object.fromEntries(entries.map(([k, v]) => [k, sortKeys(v)]));
  }
  return value;
}

function reasonPhrase(status: number): string {
  return STATUS_CODES[status] ?? 'Unknown';
}

export function ok(status: number, version: string, json?: unknown): ApiResponse {
  return { status, headers: { 'Content-Type': versionedType(version) }, json };
}

interface FieldViolation {
  field: string;
  description: string;
}

/** Atlas' ApiError: `{detail, error, errorCode, parameters, reason}`, `X-Error-Code` mirrors the code. */
export function apiError(
  status: number,
  errorCode: string,
  detail: string,
  parameters: unknown[] = [],
  violations?: FieldViolation[],
): ApiResponse {
  return {
    status,
    headers: { 'Content-Type': JSON_TYPE, 'X-Error-Code': errorCode },
    json: {
      badRequestDetail: violations === undefined ? undefined : { fields: violations },
      detail,
      error: status,
      errorCode,
      parameters,
      reason: reasonPhrase(status),
    },
  };
}

/** The Atlas error codes the emulator answers, with Atlas' wording. */
export const errors = {
  groupNotFound: (groupId: string) => apiError(404, 'GROUP_NOT_FOUND', `No group with ID ${groupId} exists.`, [groupId]),
  invalidGroupId: (groupId: string) => apiError(404, 'INVALID_GROUP_ID', `An invalid group ID ${groupId} was specified.`, [groupId]),
  usernameNotFound: (username: string) => apiError(404, 'USERNAME_NOT_FOUND', `No user with username ${username} exists.`, [username]),
  clusterNotFound: (name: string, groupId: string) =>
    apiError(404, 'CLUSTER_NOT_FOUND', `No cluster named ${name} exists in group ${groupId}.`, [name, groupId]),
  resourceNotFound: (path: string) => apiError(404, 'RESOURCE_NOT_FOUND', `Cannot find resource ${path}.`, [path]),
  methodNotAllowed: (method: string) => apiError(405, 'METHOD_NOT_ALLOWED', `Method ${method} is not allowed for this resource.`, [method]),
  invalidVersion: () => apiError(406, 'INVALID_VERSION_DATE', 'Invalid accept header or version date.'),
  unsupportedMediaType: (type: string) => apiError(415, 'UNSUPPORTED_MEDIA_TYPE', `Unsupported content type ${type}.`, [type]),
  malformedJson: () => apiError(400, 'MALFORMED_JSON', 'Received JSON is malformed.'),
  invalidJson: () => apiError(400, 'INVALID_JSON', 'Received JSON does not match expected format.'),
  invalidAttribute: (attribute: string, violations?: FieldViolation[]) =>
    apiError(400, 'INVALID_ATTRIBUTE', `Invalid attribute ${attribute} specified.`, [attribute], violations),
  missingAttribute: (attribute: string) =>
    apiError(400, 'MISSING_ATTRIBUTE', `The required attribute ${attribute} was not specified.`, [attribute]),
  invalidEnumValue: (value: string) => apiError(400, 'INVALID_ENUM_VALUE', `An invalid enumeration value ${value} was specified.`, [value]),
  invalidQueryParameter: (name: string) => apiError(400, 'INVALID_QUERY_PARAMETER', `Invalid query parameter ${name} specified.`, [name]),
  groupMismatch: (groupId: string) =>
    apiError(400, 'GROUP_MISMATCH', `The specified group ID ${groupId} does not match the URL.`, [groupId]),
  expirationInPast: () => apiError(400, 'EXPIRATION_DATE_IN_PAST', 'The specified expiration date must be in the future.'),
  expirationExceedsMax: (days: number) =>
    apiError(400, 'EXPIRATION_DATE_EXCEEDS_MAX', `The specified expiration date can be at most ${days} days in the future.`, [days]),
  invalidRoleDatabase: (role: string, database: string) =>
    apiError(400, 'ATLAS_INVALID_ROLE_DATABASE', `The specified role ${role} only exists for database ${database}.`, [role, database]),
  invalidRole: (role: string, database: string) =>
    apiError(400, 'ATLAS_INVALID_ROLE', `The specified role ${role}@${database} does not exist.`, [role, database]),
  duplicateRoles: (username: string, roles: string) =>
    apiError(400, 'DUPLICATE_DATABASE_ROLES', `Duplicate database roles specified for user ${username}: ${roles}.`, [username, roles]),
  invalidCustomRoleAssignment: () =>
    apiError(400, 'ATLAS_INVALID_CUSTOM_ROLE_ASSIGNMENT', 'If assigned a custom DB role, a user can only be assigned one role.'),
  userAlreadyExists: (username: string) =>
    apiError(409, 'USER_ALREADY_EXISTS', `A user with username ${username} already exists.`, [username]),
  usernameCannotChange: () =>
    apiError(409, 'DATABASE_USERNAME_CANNOT_BE_CHANGED', 'Cannot modify the username of an existing database user.'),
  databaseNameCannotChange: () =>
    apiError(409, 'DATABASE_NAME_CANNOT_BE_CHANGED', 'Cannot modify the authentication database of an existing database user.'),
  authTypeCannotChange: () =>
    apiError(409, 'AUTH_TYPE_CANNOT_BE_CHANGED', 'Cannot modify the authentication type of an existing database user.'),
  usersLimitExceeded: (max: number) =>
    apiError(403, 'GROUP_USERS_LIMIT_EXCEEDED', `Groups can contain at most ${max} database users.`, [max]),
  accessEntryNotFound: (entry: string, groupId: string) =>
    apiError(404, 'ATLAS_NETWORK_PERMISSION_ENTRY_NOT_FOUND', `IP Address ${entry} not on Atlas access list for group ${groupId}.`, [
      entry,
      groupId,
    ]),
  invalidAddress: (address: string | null) =>
    apiError(400, 'INVALID_IP_ADDRESS_OR_CIDR_NOTATION', `The address ${address} must be in valid IP address or CIDR notation.`, [address]),
  addressAndCidr: () => apiError(400, 'BAD_WHITELIST_ADD_REQUEST', 'Should not specify both the IP address and the CIDR block.'),
  duplicateAddresses: () =>
    apiError(400, 'DUPLICATE_ADDRESSES_IN_INPUT', 'Two or more of the IP addresses being added to the whitelist are the same.'),
  awsSecurityGroupWithoutPeering: () =>
    apiError(
      400,
      'CANNOT_USE_AWS_SECURITY_GROUP_WITHOUT_VPC_PEERING_CONNECTION',
      'Cannot use aws security groups as whitelist entries without a vpc peering connection.',
    ),
  rateLimited: (retryAfterSeconds: number) => {
    const response = apiError(
      429,
      'RATE_LIMITED_TOKEN_BUCKET',
      `You have exceeded the rate limit of this resource. Retry after ${retryAfterSeconds} seconds.`,
    );
    response.headers['Retry-After'] = String(retryAfterSeconds);
    return response;
  },
  payloadTooLarge: () => apiError(413, 'REQUEST_TOO_LARGE', 'The request body is too large.'),
  unexpected: () => apiError(500, 'UNEXPECTED_ERROR', 'Unexpected error.'),
};

/** Atlas' 401 body, byte for byte as recorded: pretty-printed with ` : `, keys not sorted, 142 bytes. */
export const UNAUTHORIZED_BODY =
  '{\n  "error" : 401,\n  "reason" : "Unauthorized",\n  "detail" : "You are not authorized for this resource.",\n  "errorCode" : "UNEXPECTED_ERROR"\n}';
