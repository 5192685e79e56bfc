import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApiResponse } from './responses.js';
import { sortedJson } from './responses.js';

/** Reading requests and writing responses over node:http. */

export const MAX_BODY_BYTES = 1024 * 1024;

/** The whole body as UTF-8; undefined when it is larger than `limit` (the rest is discarded). */
export async function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= limit) chunks.push(chunk);
  }
  return size > limit ? undefined : Buffer.concat(chunks).toString('utf8');
}

/** Headers Atlas puts on every API answer that passed its front door. */
const SECURITY_HEADERS: Record<string, string> = {
  'Referrer-Policy': 'strict-origin-when-cross-origin',
  'Strict-Transport-Security': 'max-age=31536000; includeSubdomains;',
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'X-Permitted-Cross-Domain-Policies': 'none',
};

export function writeApiResponse(res: ServerResponse, response: ApiResponse, pretty: boolean): void {
  const body = response.raw ?? (response.json === undefined ? '' : sortedJson(response.json, pretty ? 2 : undefined));
  const headers: Record<string, string> = { ...(response.status === 401 ? {} : SECURITY_HEADERS), ...response.headers };
  if (response.status !== 204 && response.status !== 304) headers['Content-Length'] = String(Buffer.byteLength(body));
  res.writeHead(response.status, headers);
  res.end(response.status === 204 ? undefined : body);
}

/** Test-control answers: plain JSON. */
export function writeJson(res: ServerResponse, status: number, value?: unknown): void {
  if (value === undefined) {
    res.writeHead(status);
    res.end();
    return;
  }
  const body = sortedJson(value);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)) });
  res.end(body);
}

/** True for 127.0.0.0/8 and ::1, also in their IPv4-mapped IPv6 form. */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return v4.startsWith('127.') || address === '::1';
}

/** Splits a raw path into URL-decoded segments; undefined when an escape is broken. */
export function decodeSegments(pathname: string): string[] | undefined {
  try {
    return pathname
      .split('/')
      .filter((s) => s !== '')
      .map(decodeURIComponent);
  } catch {
    return undefined;
  }
}
