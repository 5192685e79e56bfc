import type { IncomingMessage, ServerResponse } from 'node:http';
import { isoSeconds, MAX_CLOCK_SPEED } from './clock.js';
import { connectionStrings } from './clusters.js';
import type { EmulatorContext } from './context.js';
import { parseFaultSpec } from './faults.js';
import { isLoopback, readBody, writeJson } from './http-io.js';
import type { StoredAccessEntry, StoredUser } from './state.js';
import { isObject, parseJson } from './validate.js';

/**
 * Test-only controls under `/__emulator/`: no auth, answered to loopback clients only, and not to requests a web
 * page could make (see `refusedRequest`). They are not part of Atlas; they let tests move the clock, inject
 * faults, inspect and reset state and count round trips.
 */
export async function handleControl(ctx: EmulatorContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const refusal = isLoopback(req.socket.remoteAddress)
    ? refusedRequest(ctx.baseUrl, req)
    : 'the /__emulator/ test controls answer loopback clients only';
  if (refusal !== undefined) {
    writeJson(res, 403, { error: refusal });
    return;
  }
  const name = (req.url ?? '').split('?')[0]?.replace(/^\/__emulator\/?/, '') ?? '';
  const key = `${req.method ?? 'GET'} ${name}`;
  const body = await readBody(req);
  const parsed = body === undefined || body.trim() === '' ? { value: {} } : parseJson(body);
  if (!parsed) {
    writeJson(res, 400, { error: 'the body is not JSON' });
    return;
  }
  try {
    control(ctx, key, parsed.value, res);
  } catch (error) {
    writeJson(res, 400, { error: error instanceof Error ? error.message : String(error) });
  }
}

/**
 * Why a loopback request is still not one of a test's, or undefined. A web page in the user's browser can
 * reach 127.0.0.1 too: cross-site (the browser adds an `Origin`, and a simple POST carries a form or text
 * body) or through DNS rebinding (its own host name in `Host`). Tests, scripts and curl send none of that.
 * - any `Origin` is refused;
 * - `Host` must be the emulator's own address (`127.0.0.1:PORT` as printed) or `localhost:PORT`;
 * - POST, PUT and PATCH, and any request with a body, must be `application/json`: a browser cannot send that
 *   cross-site without a preflight, which is refused by its Origin. GET, HEAD and DELETE without a body need
 *   no Content-Type.
 */
function refusedRequest(baseUrl: string, req: Pick<IncomingMessage, 'method' | 'headers'>): string | undefined {
  const { headers } = req;
  if (headers.origin !== undefined) return 'the /__emulator/ test controls refuse requests from web pages (Origin)';
  const own = new URL(baseUrl);
  const allowed = new Set([own.host.toLowerCase(), `localhost:${own.port}`]);
  if (headers.host === undefined || !allowed.has(headers.host.toLowerCase())) {
    return `the /__emulator/ test controls answer requests for ${[...allowed].join(' or ')} only (Host)`;
  }
  const method = (req.method ?? 'GET').toUpperCase();
  const hasBody = headers['transfer-encoding'] !== undefined || Number(headers['content-length'] ?? 0) > 0;
  const mediaType = (headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if ((hasBody || ['POST', 'PUT', 'PATCH'].includes(method)) && mediaType !== 'application/json') {
    return 'the /__emulator/ test controls take application/json bodies only (Content-Type)';
  }
  return undefined;
}

function control(ctx: EmulatorContext, key: string, body: unknown, res: ServerResponse): void {
  switch (key) {
    case 'POST clock': {
      const { advanceMs, speed } = readClockBody(body);
      // The speed first: the jump then lands on a clock already running at the new rate.
      if (speed !== undefined) ctx.clock.setSpeed(speed);
      if (advanceMs !== undefined) ctx.clock.advance(advanceMs);
      ctx.changed();
      writeJson(res, 200, clockView(ctx));
      return;
    }
    case 'POST limits': {
      const maxUsers = isObject(body) ? body.maxUsers : undefined;
      if (typeof maxUsers !== 'number' || !Number.isSafeInteger(maxUsers) || maxUsers < 1) {
        throw new TypeError('"maxUsers" must be a whole number ≥ 1');
      }
      ctx.limits.maxUsers = maxUsers;
      writeJson(res, 200, { maxUsers });
      return;
    }
    case 'POST faults': {
      const spec = parseFaultSpec(body, ctx.state.project.groupId);
      ctx.faults.add(spec);
      writeJson(res, 201, spec);
      return;
    }
    case 'GET faults':
      writeJson(res, 200, ctx.faults.list());
      return;
    case 'DELETE faults':
      ctx.faults.clear();
      writeJson(res, 204);
      return;
    case 'GET state':
      if (ctx.state.sweepExpired(ctx.clock.now(), ctx.options.applyDelayMs) > 0) ctx.changed();
      writeJson(res, 200, dumpState(ctx));
      return;
    case 'POST reset':
      ctx.state.reset();
      ctx.faults.clear();
      ctx.requests.clear();
      ctx.nonces.clear();
      ctx.rateLimiter.clear();
      ctx.clock.setOffset(0);
      ctx.clock.setSpeed(ctx.options.clockSpeed);
      ctx.limits.maxUsers = ctx.options.maxUsers;
      ctx.changed();
      writeJson(res, 204);
      return;
    case 'GET requests':
      writeJson(res, 200, ctx.requests.list());
      return;
    case 'DELETE requests':
      ctx.requests.clear();
      writeJson(res, 204);
      return;
    default:
      writeJson(res, 404, { error: `no test control ${key}` });
  }
}

/** `{"advanceMs": N}`, `{"speed": N}` or both; anything else is refused. */
function readClockBody(body: unknown): { advanceMs?: number; speed?: number } {
  if (!isObject(body)) throw new TypeError('the body must be a JSON object');
  for (const key of Object.keys(body)) {
    if (key !== 'advanceMs' && key !== 'speed') throw new TypeError(`unknown clock field "${key}"`);
  }
  const { advanceMs, speed } = body;
  if (advanceMs === undefined && speed === undefined) throw new TypeError('give "advanceMs", "speed" or both');
  if (advanceMs !== undefined && (typeof advanceMs !== 'number' || !Number.isFinite(advanceMs) || advanceMs < 0)) {
    throw new TypeError('"advanceMs" must be a number of milliseconds ≥ 0');
  }
  if (speed !== undefined && (typeof speed !== 'number' || !Number.isFinite(speed) || speed < 0 || speed > MAX_CLOCK_SPEED)) {
    throw new TypeError(`"speed" must be a number from 0 to ${MAX_CLOCK_SPEED}`);
  }
  return { advanceMs, speed };
}

function clockView(ctx: EmulatorContext): { now: string; offsetMs: number; speed: number } {
  return { now: new Date(ctx.clock.now()).toISOString(), offsetMs: ctx.clock.offsetMs, speed: ctx.clock.speed };
}

/** The stored users in full (labels, description, a password hash) and each cluster's change status. */
function dumpState(ctx: EmulatorContext): object {
  const now = ctx.clock.now();
  const user = (u: StoredUser) => ({
    ...u,
    deleteAfterMs: undefined,
    deleteAfterDate: u.deleteAfterMs === undefined ? undefined : isoSeconds(u.deleteAfterMs),
    createdAt: new Date(u.createdAt).toISOString(),
    updatedAt: new Date(u.updatedAt).toISOString(),
  });
  const clusters = Object.fromEntries(
    [...ctx.state.clusters.values()].map((c) => [
      c.name,
      {
        changeStatus: now < c.pendingUntil ? 'PENDING' : 'APPLIED',
        connectionStrings: connectionStrings(c),
        id: c.id,
        pendingUntil: c.pendingUntil > now ? new Date(c.pendingUntil).toISOString() : null,
      },
    ]),
  );
  const entry = (e: StoredAccessEntry) => ({
    cidrBlock: e.cidrBlock,
    comment: e.comment,
    deleteAfterDate: e.deleteAfterMs === undefined ? undefined : isoSeconds(e.deleteAfterMs),
    ipAddress: e.ipAddress,
    status: now < e.pendingUntil ? 'PENDING' : 'ACTIVE',
  });
  return {
    accessList: [...ctx.state.accessList.values()].map(entry),
    clock: { offsetMs: ctx.clock.offsetMs, speed: ctx.clock.speed },
    clusters,
    groupId: ctx.state.project.groupId,
    maxUsers: ctx.limits.maxUsers,
    now: new Date(now).toISOString(),
    tokens: ctx.state.tokens.size,
    users: [...ctx.state.users.values()].map(user),
  };
}
