import { setTimeout as sleep } from 'node:timers/promises';
import type { ApiRequest, EmulatorContext, RouteRequest } from './context.js';
import { challengeHeader, verifyDigest } from './digest.js';
import type { Outcome } from './faults.js';
import { applyFault } from './faults.js';
import { reportedIp } from './ipinfo.js';
import { bearerIsValid, handleOAuth } from './oauth.js';
import { GROUP_ID_PATTERN } from './options.js';
import { authKind } from './request-log.js';
import type { ApiResponse } from './responses.js';
import { errors, JSON_TYPE, UNAUTHORIZED_BODY } from './responses.js';
import { matchRoute, negotiateVersion } from './routes.js';

/**
 * The path of every `/api/…` request, in Atlas' order: authentication, then the resource, its version,
 * the project, the project's rate limit, and the route. Faults cut in before or after authentication.
 */
export async function handleApi(ctx: EmulatorContext, req: ApiRequest): Promise<Outcome> {
  if (ctx.options.latencyMs > 0) await sleep(ctx.options.latencyMs);
  if (ctx.state.sweepExpired(ctx.clock.now(), ctx.options.applyDelayMs) > 0) ctx.changed();
  const isOAuth = req.pathname.startsWith('/api/oauth/');
  const run = async (): Promise<ApiResponse> => (isOAuth ? handleOAuth(ctx, req) : dispatch(ctx, req));

  const early = ctx.faults.take(req.method, req.target, true);
  const facts = { clientIp: reportedIp(ctx, req), maxUsers: ctx.limits.maxUsers };
  if (early) return applyFault(early, async () => (isOAuth ? undefined : authenticate(ctx, req)) ?? run(), facts);

  const denied = isOAuth ? undefined : authenticate(ctx, req);
  if (denied) return { kind: 'respond', response: denied };
  const fault = ctx.faults.take(req.method, req.target, false);
  if (fault) return applyFault(fault, run, facts);
  return { kind: 'respond', response: await run() };
}

/** Digest with the API key, or a bearer token from the token endpoint; anything else gets the challenge. */
function authenticate(ctx: EmulatorContext, req: ApiRequest): ApiResponse | undefined {
  const header = req.headers.authorization ?? '';
  const kind = authKind(header);
  if (kind === 'bearer' && bearerIsValid(ctx, header)) return undefined;
  if (kind === 'digest') {
    const verdict = verifyDigest(
      {
        header,
        method: req.method,
        requestUri: req.target,
        publicKey: ctx.state.credentials.publicKey,
        privateKey: ctx.state.credentials.privateKey,
        now: ctx.clock.nonceNow(),
      },
      ctx.nonces,
    );
    if (verdict === 'ok') return undefined;
    return challenge(ctx, verdict === 'stale');
  }
  return challenge(ctx, false);
}

function challenge(ctx: EmulatorContext, stale: boolean): ApiResponse {
  const nonce = ctx.nonces.issue(ctx.clock.nonceNow());
  return {
    status: 401,
    headers: { 'Content-Type': JSON_TYPE, 'WWW-Authenticate': challengeHeader(nonce, stale), Vary: 'Accept-Encoding' },
    raw: UNAUTHORIZED_BODY,
  };
}

function dispatch(ctx: EmulatorContext, req: ApiRequest): ApiResponse {
  const match = matchRoute(req.method, req.segments);
  if (match.kind === 'none') return errors.resourceNotFound(req.pathname);
  if (match.kind === 'wrong-method') return errors.methodNotAllowed(req.method);
  const { route, params } = match;
  // A private resource outside the versioned API (ipinfo) takes any Accept and belongs to no project.
  if (route.versions.length === 0) return route.handle(ctx, routeRequest(req, '', '', params));
  const version = negotiateVersion(req.headers.accept, route.versions);
  if (!version) return errors.invalidVersion();
  const groupId = params.groupId ?? '';
  if (!GROUP_ID_PATTERN.test(groupId)) return errors.invalidGroupId(groupId);
  if (groupId !== ctx.state.project.groupId) return errors.groupNotFound(groupId);

  const rate = ctx.rateLimiter.take(groupId, route.family, ctx.clock.now());
  const response = rate.allowed ? route.handle(ctx, routeRequest(req, groupId, version, params)) : undefined;
  const answer = response ?? errors.rateLimited(rate.allowed ? 1 : rate.retryAfterSeconds);
  answer.headers['RateLimit-Limit'] = String(rate.limit);
  answer.headers['RateLimit-Remaining'] = String(rate.allowed ? rate.remaining : 0);
  return answer;
}

function routeRequest(req: ApiRequest, groupId: string, version: string, params: Record<string, string>): RouteRequest {
  return {
    ...req,
    groupId,
    version,
    param: (name) => params[name] ?? '',
    json: () => readJsonBody(req),
  };
}

/** Atlas takes JSON bodies (versioned or plain `application/json`); a broken one is a 400 before anything else. */
function readJsonBody(req: ApiRequest): { value: unknown } | { error: ApiResponse } {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (type !== '' && type !== 'application/json' && !/^application\/vnd\.atlas\.[\w.-]+\+json$/.test(type)) {
    return { error: errors.unsupportedMediaType(type) };
  }
  if (req.body.trim() === '') return { error: errors.invalidJson() };
  try {
    return { value: JSON.parse(req.body) as unknown };
  } catch {
    return { error: errors.malformedJson() };
  }
}
