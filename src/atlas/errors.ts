import { isIP } from 'node:net';
import { DynsecretError, ExitCode, type ExitCodeValue } from '../errors.js';
import { ApiErrorSchema, type ApiErrorBody } from './schemas.js';
import { ATLAS_API_VERSION } from './version.js';

/** An error response from Atlas; callers branch on `errorCode` (e.g. `USERNAME_NOT_FOUND`). */
export class AtlasApiError extends DynsecretError {
  readonly status: number;
  readonly errorCode: string | undefined;

  constructor(message: string, exitCode: ExitCodeValue, details: { status: number; errorCode?: string | undefined; hint?: string }) {
    super(message, exitCode, details.hint === undefined ? {} : { hint: details.hint });
    this.status = details.status;
    this.errorCode = details.errorCode;
  }
}

/** What an error message may name: the request, the project and the resource it was about. */
export interface ErrorContext {
  method: string;
  path: string;
  groupId: string;
  authKind: 'apiKey' | 'serviceAccount';
  /** The database user or cluster the request is about, for messages such as "no user named X". */
  username?: string | undefined;
  cluster?: string | undefined;
  /** Set on the create POST: only there does a 409 mean "this username is taken". */
  creating?: boolean;
  /** Strings that must never appear in a message (keys, secrets, the password being sent). */
  secrets: readonly string[];
}

const ACCESS_LIST_PLACE = {
  apiKey: "the API key's access list in Atlas (Organization → Access Manager → API Keys)",
  serviceAccount: "the service account's access list in Atlas (Organization → Access Manager → Applications → Service Accounts)",
} as const;

const PRINCIPAL = { apiKey: 'API key', serviceAccount: 'service account' } as const;

const BAD_INPUT: Record<string, string> = {
  EXPIRATION_DATE_EXCEEDS_MAX: 'the expiry is more than 7 days ahead: choose a shorter TTL',
  EXPIRATION_DATE_IN_PAST: "the expiry is in the past: check this machine's clock",
  ATLAS_INVALID_ROLE_DATABASE: 'a role is assigned on a database where it does not exist: fix the roles of the config',
  DUPLICATE_DATABASE_ROLES: 'the same role is listed twice: remove the duplicate from the config',
  ATLAS_INVALID_CUSTOM_ROLE_ASSIGNMENT: 'a custom role cannot be combined with other roles: keep only the custom role',
};

/** Turns an Atlas error response (after retries) into one sentence that says what to do. */
export function atlasResponseError(status: number, errorCodeHeader: string | null, text: string, ctx: ErrorContext): AtlasApiError {
  const body = parseErrorBody(text);
  const errorCode = body.errorCode ?? errorCodeHeader ?? undefined;
  const [sentence, exitCode] = describe(status, errorCode, body, ctx);
  const suffix = errorCode === undefined ? '' : ` (Atlas error ${errorCode})`;
  return new AtlasApiError(redact(sentence + suffix, ctx.secrets), exitCode, { status, errorCode });
}

function describe(status: number, code: string | undefined, body: ApiErrorBody, ctx: ErrorContext): [string, ExitCodeValue] {
  const where = `${ctx.method} ${ctx.path}`;
  const detail = cleanDetail(body);
  if (status === 401) {
    return ctx.authKind === 'apiKey'
      ? ['Atlas rejected the API key: check the public and private key', ExitCode.auth]
      : ["Atlas rejected the service account's access token: check the client ID and secret", ExitCode.auth];
  }
  if (status === 403) {
    if (code === 'IP_ADDRESS_NOT_ON_ACCESS_LIST' || code === 'ORG_REQUIRES_ACCESS_LIST') {
      const ip = callerIp(body);
      const who = ip === undefined ? "this machine's IP address" : `IP address ${ip}`;
      return [`Atlas refused requests from ${who}: add it to ${ACCESS_LIST_PLACE[ctx.authKind]}`, ExitCode.auth];
    }
    if (code === 'GROUP_USERS_LIMIT_EXCEEDED') {
      return [
        `project ${ctx.groupId} already has the 100 database users Atlas allows: remove expired leases with \`dynsecret revoke --expired\` and look for strays with \`dynsecret list NAME --remote\``,
        ExitCode.failure,
      ];
    }
    return [`the ${PRINCIPAL[ctx.authKind]} is not allowed to ${where}: give it the Project Owner role on project ${ctx.groupId}`, ExitCode.auth];
  }
  if (status === 404) {
    if (code === 'GROUP_NOT_FOUND') return [`no Atlas project ${ctx.groupId}: check --group-id`, ExitCode.notFound];
    if (code === 'USERNAME_NOT_FOUND') {
      return [`Atlas has no database user named ${ctx.username ?? 'like that'} in project ${ctx.groupId}: it was revoked or has expired`, ExitCode.notFound];
    }
    if (code === 'CLUSTER_NOT_FOUND') {
      return [`no cluster named ${ctx.cluster ?? 'like that'} in project ${ctx.groupId}: check the cluster name`, ExitCode.notFound];
    }
    return [`Atlas found nothing at ${where}: check --base-url`, ExitCode.notFound];
  }
  if (status === 409 && ctx.creating === true && ctx.username !== undefined) {
    return [usernameTakenSentence(ctx.username, ctx.groupId), ExitCode.failure];
  }
  if (status === 400) {
    const known = code === undefined ? undefined : BAD_INPUT[code];
    return [known ?? `Atlas rejected ${where} as invalid: ${detail ?? 'no details given'}`, ExitCode.usage];
  }
  if (status === 406) return [`Atlas no longer accepts API version ${ATLAS_API_VERSION} for ${where}: update dynsecret`, ExitCode.failure];
  if (status === 429) return [`Atlas kept rate-limiting requests to project ${ctx.groupId}: wait a minute and try again`, ExitCode.transient];
  if (status >= 500) return [`Atlas failed with HTTP ${status} on ${where}: try again in a few minutes`, ExitCode.transient];
  return [`Atlas answered HTTP ${status} to ${where}${detail === undefined ? '' : `: ${detail}`}`, ExitCode.failure];
}

function parseErrorBody(text: string): ApiErrorBody {
  try {
    const parsed = ApiErrorSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : {};
  } catch {
    return {};
  }
}

/** Atlas' detail plus any per-field complaints, without a trailing full stop (it sits mid-sentence). */
function cleanDetail(body: ApiErrorBody): string | undefined {
  const fields = (body.badRequestDetail?.fields ?? []).map((f) => `${f.field}: ${f.description}`);
  const parts = [body.detail ?? undefined, ...fields].filter((p): p is string => p !== undefined && p.trim() !== '');
  if (parts.length === 0) return undefined;
  return parts.map((p) => p.trim().replace(/\.$/, '')).join('; ').slice(0, 500);
}

function callerIp(body: ApiErrorBody): string | undefined {
  const texts = [...(body.parameters ?? []).filter((p): p is string => typeof p === 'string'), body.detail ?? ''];
  for (const text of texts) {
    const ip = text.split(/[\s,;()"'[\]]+/).map((t) => t.replace(/\.$/, '')).find((t) => isIP(t) !== 0);
    if (ip !== undefined) return ip;
  }
  return undefined;
}

/** Replaces every secret with `***`; short strings are skipped so that words are not mangled. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length >= 4) out = out.split(secret).join('***');
  }
  return out;
}

const usernameTakenSentence = (username: string, groupId: string): string =>
  `a database user named ${username} already exists in project ${groupId}: choose another username`;

/** The username belongs to a user that is not ours (found by a lookup rather than a 409). */
export function usernameTaken(username: string, groupId: string): AtlasApiError {
  return new AtlasApiError(usernameTakenSentence(username, groupId), ExitCode.failure, { status: 409 });
}

/** A 2xx response that is not what the spec promises. */
export function unexpectedResponse(method: string, path: string, what: string): DynsecretError {
  return new DynsecretError(`Atlas sent an unexpected response to ${method} ${path}: ${what}`, ExitCode.failure);
}
