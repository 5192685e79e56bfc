import { createHash, randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { EmulatorOptions } from '../../src/emulator/options.js';
import type { RunningEmulator } from '../../src/emulator/server.js';
import { startEmulator } from '../../src/emulator/server.js';
import { atTestEnd } from '../helpers/file-end.js';

/**
 * Test helpers: a raw HTTP client and an RFC 2617 digest client written here from the RFC, independent of
 * src/emulator/digest.ts, so the emulator is checked against a second implementation.
 */

export const V1 = 'application/vnd.atlas.2023-01-01+json';
export const V1_RESPONSE = 'application/vnd.atlas.2023-01-01+json;charset=utf-8';

const running: RunningEmulator[] = [];

/** Stops every emulator `start` started; run after each test (see test/helpers/file-end.ts). */
export async function closeEmulators(): Promise<void> {
  await Promise.all(running.splice(0).map((em) => em.close()));
}
atTestEnd(closeEmulators);

/** An emulator on 127.0.0.1:0, closed after the test. No apply delay unless asked. */
export async function start(options: Partial<EmulatorOptions> = {}): Promise<RunningEmulator> {
  const em = await startEmulator({ applyDelayMs: 0, ...options });
  running.push(em);
  return em;
}

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  json(): any; // eslint-disable-line @typescript-eslint/no-explicit-any -- test assertions read arbitrary JSON
}

export interface RawRequest {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
  ca?: Buffer;
}

export function send(baseUrl: string, req: RawRequest): Promise<Reply> {
  const url = new URL(req.path, baseUrl);
  const requester = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const r = requester(url, { method: req.method ?? 'GET', headers: { ...req.headers }, ca: req.ca, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) });
      });
      res.on('error', reject);
    });
    r.on('error', reject);
    r.end(req.body);
  });
}

const md5 = (s: string) => createHash('md5').update(s).digest('hex');

/** RFC 2617 §3.2.2.1 request-digest for qop=auth. */
export function rfc2617Response(p: {
  user: string;
  realm: string;
  password: string;
  method: string;
  uri: string;
  nonce: string;
  nc: string;
  cnonce: string;
}): string {
  const ha1 = md5(`${p.user}:${p.realm}:${p.password}`);
  const ha2 = md5(`${p.method}:${p.uri}`);
  return md5(`${ha1}:${p.nonce}:${p.nc}:${p.cnonce}:auth:${ha2}`);
}

export function challengeParams(header: string | string[] | undefined): Record<string, string> {
  const text = Array.isArray(header) ? (header[0] ?? '') : (header ?? '');
  const out: Record<string, string> = {};
  for (const m of text.matchAll(/(\w+)=(?:"([^"]*)"|([^,\s]*))/g)) out[m[1] ?? ''] = m[2] ?? m[3] ?? '';
  return out;
}

/** A digest client that keeps its nonce and counts nc, like a real one; `nc` can be forced to replay. */
export class DigestSession {
  nonce: string | undefined;
  nc = 0;
  realm = 'MMS Public API';

  constructor(
    readonly baseUrl: string,
    readonly user: string,
    readonly password: string,
  ) {}

  authorization(method: string, uri: string, nc = ++this.nc): string {
    const ncHex = nc.toString(16).padStart(8, '0');
    const cnonce = randomBytes(8).toString('hex');
    const nonce = this.nonce ?? '';
    const response = rfc2617Response({
      user: this.user,
      realm: this.realm,
      password: this.password,
      method,
      uri,
      nonce,
      nc: ncHex,
      cnonce,
    });
    return `Digest username="${this.user}", realm="${this.realm}", nonce="${nonce}", uri="${uri}", algorithm=MD5, response="${response}", qop=auth, nc=${ncHex}, cnonce="${cnonce}"`;
  }

  /** Sends with the current nonce; on a 401 takes the new nonce and sends once more (as clients do). */
  async send(req: RawRequest): Promise<Reply> {
    const method = req.method ?? 'GET';
    const attempt = () =>
      send(this.baseUrl, {
        ...req,
        headers: { ...req.headers, ...(this.nonce ? { Authorization: this.authorization(method, req.path) } : {}) },
      });
    let reply = await attempt();
    if (reply.status === 401 && reply.headers['www-authenticate']) {
      this.nonce = challengeParams(reply.headers['www-authenticate']).nonce;
      this.nc = 0;
      reply = await attempt();
    }
    return reply;
  }
}

/** A digest client for one emulator with Atlas' Accept header by default. */
export function atlas(em: RunningEmulator) {
  const session = new DigestSession(em.url, em.publicKey, em.privateKey);
  const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    session.send({
      method,
      path,
      headers: { Accept: V1, ...(body === undefined ? {} : { 'Content-Type': V1 }), ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
  const group = `/api/atlas/v2/groups/${em.groupId}`;
  return {
    session,
    group,
    call,
    get: (path: string, headers?: Record<string, string>) => call('GET', path, undefined, headers),
    post: (path: string, body: unknown, headers?: Record<string, string>) => call('POST', path, body, headers),
    patch: (path: string, body: unknown) => call('PATCH', path, body),
    del: (path: string) => call('DELETE', path),
  };
}

/** Test-control calls under /__emulator/. */
/** A bearer token for the emulator's service account, from its token endpoint. */
export async function serviceAccountToken(em: RunningEmulator): Promise<string> {
  const reply = await send(em.url, {
    method: 'POST',
    path: '/api/oauth/token',
    headers: {
      Authorization: `Basic ${Buffer.from(`${em.clientId}:${em.clientSecret}`).toString('base64')}`,
      'Content-Type': 'application/x-www-form-urlencoded',
    },
    body: 'grant_type=client_credentials',
  });
  return reply.json().access_token as string;
}

export async function control(em: RunningEmulator, method: string, name: string, body?: unknown): Promise<Reply> {
  return send(em.url, {
    method,
    path: `/__emulator/${name}`,
    // As the controls require: JSON for a body, and for a POST even without one.
    headers: body === undefined && method !== 'POST' ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

export const advance = (em: RunningEmulator, ms: number) => control(em, 'POST', 'clock', { advanceMs: ms });

/**
 * Waits for an event: polls `check` (each poll a round trip to the emulator) until it holds, with a deadline
 * generous enough for a busy machine. For what a sped-up or advanced emulator clock brings about.
 */
export async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** A valid create-user body for this emulator's project. */
export function newUser(em: RunningEmulator, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    username: `u-${randomBytes(4).toString('hex')}`,
    password: 'correct-horse-battery',
    databaseName: 'admin',
    groupId: em.groupId,
    roles: [{ roleName: 'readWrite', databaseName: 'app' }],
    deleteAfterDate: new Date(Date.now() + 3_600_000).toISOString(),
    ...overrides,
  };
}
