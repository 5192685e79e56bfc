import type { ApiRequest, EmulatorContext, RouteRequest } from './context.js';
import type { ApiResponse } from './responses.js';
import { JSON_TYPE } from './responses.js';

/**
 * `GET /api/private/ipinfo`: the caller's address as the server sees it (`--client-ip` stands in for a public
 * address, since every test client reaches the emulator from 127.0.0.1). Not part of the versioned API: it
 * takes any Accept and answers plain JSON, after the same authentication.
 */
export function getIpInfo(ctx: EmulatorContext, req: RouteRequest): ApiResponse {
  return { status: 200, headers: { 'Content-Type': JSON_TYPE }, json: { currentIpv4Address: reportedIp(ctx, req) } };
}

/** The caller's address as Atlas would see it: `--client-ip` when given, else the socket's. */
export function reportedIp(ctx: EmulatorContext, req: ApiRequest): string {
  return ctx.options.clientIp ?? req.clientIp;
}
