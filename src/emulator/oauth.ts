import { timingSafeEqual } from 'node:crypto';
import type { ApiRequest, EmulatorContext } from './context.js';
import { randomToken } from './ids.js';
import type { ApiResponse } from './responses.js';
import { JSON_TYPE } from './responses.js';

/**
 * Service accounts: OAuth 2.0 client credentials (RFC 6749 §4.4) at `POST /api/oauth/token`, revocation
 * (RFC 7009) at `POST /api/oauth/revoke`; tokens live 3600 s on the emulator clock.
 */

const TOKEN_LIFETIME_SECONDS = 3600;

function oauthError(status: number, error: string, description: string): ApiResponse {
  const headers: Record<string, string> = { 'Content-Type': JSON_TYPE, 'Cache-Control': 'no-store' };
  if (status === 401) headers['WWW-Authenticate'] = 'Basic realm="oauth"';
  return { status, headers, json: { error, error_description: description } };
}

const sameSecret = (a: string, b: string): boolean => {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
};

/** Client credentials from HTTP Basic, or from the form body as RFC 6749 §2.3.1 also allows. */
function clientCredentials(req: ApiRequest, form: URLSearchParams): { id: string; secret: string } | undefined {
  const header = req.headers.authorization;
  if (header && /^Basic\s+/i.test(header)) {
    const decoded = Buffer.from(header.replace(/^Basic\s+/i, ''), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return undefined;
    return { id: decodeURIComponent(decoded.slice(0, colon)), secret: decodeURIComponent(decoded.slice(colon + 1)) };
  }
  const id = form.get('client_id');
  const secret = form.get('client_secret');
  return id !== null && secret !== null ? { id, secret } : undefined;
}

export function handleOAuth(ctx: EmulatorContext, req: ApiRequest): ApiResponse {
  const action = req.pathname.replace(/^\/api\/oauth\//, '');
  if (action !== 'token' && action !== 'revoke') {
    return oauthError(404, 'invalid_request', `Unknown OAuth endpoint ${req.pathname}.`);
  }
  if (req.method !== 'POST') return oauthError(405, 'invalid_request', 'Use POST.');
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') {
    return oauthError(400, 'invalid_request', 'The body must be application/x-www-form-urlencoded.');
  }
  const form = new URLSearchParams(req.body);
  let client: { id: string; secret: string } | undefined;
  try {
    client = clientCredentials(req, form);
  } catch {
    client = undefined;
  }
  const { clientId, clientSecret } = ctx.state.credentials;
  if (!client || client.id !== clientId || !sameSecret(client.secret, clientSecret)) {
    return oauthError(401, 'invalid_client', 'Invalid client credentials.');
  }
  return action === 'token' ? issueToken(ctx, form) : revokeToken(ctx, form);
}

function issueToken(ctx: EmulatorContext, form: URLSearchParams): ApiResponse {
  const grant = form.get('grant_type');
  if (grant === null) return oauthError(400, 'invalid_request', 'grant_type is required.');
  if (grant !== 'client_credentials') {
    return oauthError(400, 'unsupported_grant_type', 'Only client_credentials is supported.');
  }
  const token = randomToken();
  ctx.state.tokens.set(token, {
    clientId: ctx.state.credentials.clientId,
    expiresAt: ctx.clock.now() + TOKEN_LIFETIME_SECONDS * 1000,
  });
  ctx.changed();
  return {
    status: 200,
    headers: { 'Content-Type': JSON_TYPE, 'Cache-Control': 'no-store', Pragma: 'no-cache' },
    json: { access_token: token, expires_in: TOKEN_LIFETIME_SECONDS, token_type: 'Bearer' },
  };
}

/** RFC 7009 §2.2: revoking an unknown or already revoked token also answers 200. */
function revokeToken(ctx: EmulatorContext, form: URLSearchParams): ApiResponse {
  const token = form.get('token');
  if (token === null) return oauthError(400, 'invalid_request', 'token is required.');
  if (ctx.state.tokens.delete(token)) ctx.changed();
  return { status: 200, headers: { 'Cache-Control': 'no-store' } };
}

/** A bearer token is good while it was issued here, is unrevoked and unexpired. */
export function bearerIsValid(ctx: EmulatorContext, header: string): boolean {
  const token = header.replace(/^Bearer\s+/i, '').trim();
  const record = ctx.state.tokens.get(token);
  return record !== undefined && record.expiresAt > ctx.clock.now();
}
