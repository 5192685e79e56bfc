import type { IncomingMessage, ServerResponse } from 'node:http';
import { isoSeconds } from './clock.js';
import { connectionStrings } from './clusters.js';
import type { EmulatorContext } from './context.js';
import { parseFaultSpec } from './faults.js';
import { isLoopback, readBody, writeJson } from './http-io.js';
import type { StoredUser } from './state.js';
import { isObject, parseJson } from './validate.js';

/**
 * Test-only controls under `/__emulator/`: no auth, answered to loopback clients only. They are not part of
 * Atlas; they let tests move the clock, inject faults, inspect and reset state and count round trips.
 */
export async function handleControl(ctx: EmulatorContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (!isLoopback(req.socket.remoteAddress)) {
    writeJson(res, 403, { error: 'the /__emulator/ test controls answer loopback clients only' });
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

function control(ctx: EmulatorContext, key: string, body: unknown, res: ServerResponse): void {
  switch (key) {
    case 'POST clock': {
      const advanceMs = isObject(body) ? body.advanceMs : undefined;
      if (typeof advanceMs !== 'number' || !Number.isFinite(advanceMs) || advanceMs < 0) {
        throw new TypeError('"advanceMs" must be a number of milliseconds ≥ 0');
      }
      ctx.clock.advance(advanceMs);
      ctx.changed();
      writeJson(res, 200, { now: new Date(ctx.clock.now()).toISOString(), offsetMs: ctx.clock.offsetMs });
      return;
    }
    case 'POST faults': {
      const spec = parseFaultSpec(body);
      ctx.faults.add(spec);
      writeJson(res, 201, spec);
      return;
    }
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

/** The stored users in full (labels, description, a password hash) and each cluster's change status. */
export function dumpState(ctx: EmulatorContext): object {
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
  return {
    clusters,
    groupId: ctx.state.project.groupId,
    now: new Date(now).toISOString(),
    tokens: ctx.state.tokens.size,
    users: [...ctx.state.users.values()].map(user),
  };
}
