import { isIP } from 'node:net';
import { AtlasApiError, AtlasResponseError, type AtlasApiErrorKind, type AtlasSubject } from './error-types.js';
import { ApiErrorSchema, type ApiErrorBody } from './schemas.js';

export { AtlasApiError, AtlasResponseError } from './error-types.js';

/** What a failed request was: the request itself, what it was about, and what must not leak from it. */
export interface ErrorContext extends AtlasSubject {
  method: string;
  path: string;
  /** Strings that must never appear in an error (keys, secrets, the password being sent). */
  secrets: readonly string[];
}

/** The kind of failure a status means. */
export function kindOfStatus(status: number): AtlasApiErrorKind {
  switch (status) {
    case 400:
      return 'bad-request';
    case 401:
      return 'unauthorized';
    case 403:
      return 'forbidden';
    case 404:
      return 'not-found';
    case 406:
      return 'version-rejected';
    case 409:
      return 'conflict';
    case 429:
      return 'rate-limited';
    default:
      return status >= 500 ? 'server' : 'unexpected-status';
  }
}

/** Turns an Atlas error response (after retries) into a typed error; every text in it is redacted. */
export function atlasResponseError(status: number, errorCodeHeader: string | null, text: string, ctx: ErrorContext): AtlasApiError {
  const body = parseErrorBody(text);
  const errorCode = body.errorCode ?? errorCodeHeader ?? undefined;
  const detail = cleanDetail(body);
  const { method, path, secrets, ...subject } = ctx;
  return new AtlasApiError({
    kind: kindOfStatus(status),
    status,
    errorCode,
    parameters: (body.parameters ?? []).filter((p): p is string => typeof p === 'string').map((p) => redact(p, secrets)),
    detail: detail === undefined ? undefined : redact(detail, secrets),
    callerIp: callerIp(body),
    method,
    path,
    subject,
  });
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
  return parts
    .map((p) => p.trim().replace(/\.$/, ''))
    .join('; ')
    .slice(0, 500);
}

function callerIp(body: ApiErrorBody): string | undefined {
  const texts = [...(body.parameters ?? []).filter((p): p is string => typeof p === 'string'), body.detail ?? ''];
  for (const text of texts) {
    const ip = text
      .split(/[\s,;()"'[\]]+/)
      .map((t) => t.replace(/\.$/, ''))
      .find((t) => isIP(t) !== 0);
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

/** The username belongs to a user that is not ours (found by a lookup rather than a 409). */
export function usernameTaken(
  username: string,
  subject: Omit<AtlasSubject, 'username' | 'creating'>,
  method: string,
  path: string,
): AtlasApiError {
  return new AtlasApiError({ kind: 'conflict', status: 409, method, path, subject: { ...subject, username, creating: true } });
}

/** A response dynsecret cannot use (a wrong 2xx body, a compressed or oversized one). */
export function unexpectedResponse(method: string, path: string, problem: string): AtlasResponseError {
  return new AtlasResponseError('unexpected-response', { method, path, problem });
}
