// How a failure becomes one of the typed errors of error-types.ts: an HTTP answer Atlas gave, or a connection
// that failed. What the errors say to a person is src/cli/error-text.ts's business.
import { isIP } from 'node:net';
import { AtlasApiError, AtlasNetworkError, AtlasResponseError, type AtlasApiErrorKind, type AtlasSubject } from './error-types.js';
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

// What a failed connection becomes.

// Certificate problems: retrying cannot help, and the fix is a CA, not patience.
const TLS_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_REVOKED',
  'CERT_SIGNATURE_FAILURE',
  'INVALID_CA',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

const REASONS: Record<string, string> = {
  ECONNREFUSED: 'the connection was refused',
  ECONNRESET: 'the connection was reset',
  EPIPE: 'the connection was closed',
  ENOTFOUND: 'the host name does not resolve',
  EAI_AGAIN: 'the host name could not be resolved',
  EHOSTUNREACH: 'the host is unreachable',
  ENETUNREACH: 'the network is unreachable',
};

const TIMEOUTS: Record<string, string> = {
  TimeoutError: 'no complete answer within the request timeout',
  ETIMEDOUT: 'the connection timed out',
  CONNECT_TIMEOUT: 'no connection within the connect timeout',
};

/** Maps whatever the request threw to an AtlasNetworkError: `tls` (no retry), `timeout` or `unreachable`. */
export function networkError(err: unknown, host: string): AtlasNetworkError {
  const code = findCode(err) ?? 'UNKNOWN';
  if (TLS_CODES.has(code)) {
    return new AtlasNetworkError('tls', { code, host, reason: findMessage(err, code) ?? code, cause: err });
  }
  const timeout = TIMEOUTS[code];
  if (timeout !== undefined) return new AtlasNetworkError('timeout', { code, host, reason: timeout, cause: err });
  const reason = REASONS[code] ?? findMessage(err, code) ?? 'an unknown network error';
  return new AtlasNetworkError('unreachable', { code, host, reason, cause: err });
}

/** The code may be on a wrapped error (`cause`, or one of an AggregateError's `errors`); look through all of it. */
function findCode(err: unknown, depth = 0): string | undefined {
  if (typeof err !== 'object' || err === null || depth > 5) return undefined;
  const record = err as { name?: unknown; code?: unknown; cause?: unknown; errors?: unknown };
  if (record.name === 'TimeoutError') return 'TimeoutError';
  const inner = findCode(record.cause, depth + 1);
  if (inner !== undefined) return inner;
  if (Array.isArray(record.errors)) {
    for (const e of record.errors) {
      const code = findCode(e, depth + 1);
      if (code !== undefined) return code;
    }
  }
  return typeof record.code === 'string' ? record.code : undefined;
}

function findMessage(err: unknown, code: string, depth = 0): string | undefined {
  if (typeof err !== 'object' || err === null || depth > 5) return undefined;
  const record = err as { code?: unknown; message?: unknown; cause?: unknown };
  if (record.code === code && typeof record.message === 'string') return record.message;
  return findMessage(record.cause, code, depth + 1);
}
