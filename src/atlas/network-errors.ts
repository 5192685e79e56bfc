import { AtlasNetworkError } from './error-types.js';

export { AtlasNetworkError } from './error-types.js';

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
  UND_ERR_SOCKET: 'the connection closed unexpectedly',
  UND_ERR_CLOSED: 'the connection closed unexpectedly',
  UND_ERR_DESTROYED: 'the connection closed unexpectedly',
};

const TIMEOUTS: Record<string, string> = {
  TimeoutError: 'no complete answer within the request timeout',
  ETIMEDOUT: 'the connection timed out',
  UND_ERR_CONNECT_TIMEOUT: 'no connection within the connect timeout',
  UND_ERR_HEADERS_TIMEOUT: 'no answer within the request timeout',
  UND_ERR_BODY_TIMEOUT: 'the answer stalled',
};

/** Maps whatever fetch threw to an AtlasNetworkError: `tls` (no retry), `timeout` or `unreachable`. */
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

/** fetch wraps the socket error in `cause` (sometimes an AggregateError); look through all of it. */
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
