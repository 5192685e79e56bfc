// A scriptable stand-in for Atlas on 127.0.0.1:0, for the client's unit tests. Each test supplies a
// route function; the server records every request it receives.
import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAtlasClient, type AtlasClient, type AtlasClientOptions } from '../../../src/atlas/index.js';

export const GROUP = 'b0123456789abcdef012345b';
export const PUBLIC_KEY = 'pubkey-abcd';
export const PRIVATE_KEY = 'priv-9f8e7d6c-5b4a-3210-fedc-ba9876543210';
export const ATLAS_JSON = 'application/vnd.atlas.2023-01-01+json';

export interface Seen {
  method: string;
  /** Path and query, as on the request line. */
  url: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export type Route = (req: Seen, res: ServerResponse) => void | Promise<void>;

export interface Fake {
  baseUrl: string;
  seen: Seen[];
  server: Server;
  close(): Promise<void>;
}

export async function startFake(route: Route): Promise<Fake> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = req.url ?? '/';
      const entry: Seen = {
        method: req.method ?? '',
        url,
        path: url.split('?')[0] ?? url,
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      };
      seen.push(entry);
      void Promise.resolve(route(entry, res)).catch((err: unknown) => {
        res.statusCode = 599;
        res.end(String(err));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    seen,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': `${ATLAS_JSON};charset=utf-8`, ...headers });
  res.end(text);
}

export function sendAtlasError(
  res: ServerResponse,
  status: number,
  errorCode: string,
  detail: string,
  parameters: unknown[] = [],
  headers: Record<string, string> = {},
): void {
  const reason =
    { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict', 429: 'Too Many Requests' }[status] ??
    'Error';
  res.writeHead(status, { 'Content-Type': 'application/json', 'X-Error-Code': errorCode, ...headers });
  res.end(JSON.stringify({ detail, error: status, errorCode, parameters, reason }));
}

/** A database user as Atlas returns it (keys sorted, all the auth-type fields, no password). */
export function userJson(username: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    awsIAMType: 'NONE',
    databaseName: 'admin',
    groupId: GROUP,
    labels: [],
    ldapAuthType: 'NONE',
    links: [{ href: `http://localhost/api/atlas/v2/groups/${GROUP}/databaseUsers/admin/${username}`, rel: 'self' }],
    oidcAuthType: 'NONE',
    roles: [{ databaseName: 'app', roleName: 'readWrite' }],
    scopes: [],
    username,
    x509Type: 'NONE',
    ...extra,
  };
}

export interface TestClient {
  client: AtlasClient;
  sleeps: number[];
  debug: string[];
}

/** A client against `baseUrl` that records its sleeps instead of waiting and ignores the real proxy env. */
export function makeClient(baseUrl: string, overrides: Partial<AtlasClientOptions> = {}): TestClient {
  const sleeps: number[] = [];
  const debug: string[] = [];
  const client = createAtlasClient({
    baseUrl,
    groupId: GROUP,
    auth: { kind: 'apiKey', publicKey: PUBLIC_KEY, privateKey: PRIVATE_KEY },
    timeouts: { connectMs: 2000, requestMs: 5000 },
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0.5,
    env: {},
    onDebug: (line) => debug.push(line),
    ...overrides,
  });
  return { client, sleeps, debug };
}

const md5 = (text: string): string => createHash('md5').update(text).digest('hex');

/**
 * Atlas' digest gate, written independently of the client's code: real challenge text, nonces that can be
 * made stale, a check of every response hash, and a record of the nonce counts it saw.
 */
export class FakeDigest {
  nonce = 'nonce-0001-abcdefghijklmnopqrstuv';
  readonly staleNonces = new Set<string>();
  readonly ncSeen: string[] = [];
  challenges = 0;

  constructor(
    readonly publicKey = PUBLIC_KEY,
    readonly privateKey = PRIVATE_KEY,
  ) {}

  /** Makes the current nonce stale and issues a new one from now on. */
  rotate(): void {
    this.staleNonces.add(this.nonce);
    this.nonce = `nonce-${String(this.staleNonces.size + 1).padStart(4, '0')}-abcdefghijklmnopqrstuv`;
  }

  /** Wraps a route: requests without a valid digest get the 401 challenge Atlas sends. */
  gate(route: Route): Route {
    return (req, res) => {
      const verdict = this.check(req);
      if (verdict === 'ok') return route(req, res);
      this.challenges += 1;
      res.writeHead(401, {
        'Content-Type': 'application/json',
        'WWW-Authenticate': `Digest realm="MMS Public API", domain="", nonce="${this.nonce}", algorithm=MD5, qop="auth", stale=${verdict === 'stale'}`,
      });
      res.end(
        '{\n  "error" : 401,\n  "reason" : "Unauthorized",\n  "detail" : "You are not authorized for this resource.",\n  "errorCode" : "UNEXPECTED_ERROR"\n}',
      );
    };
  }

  check(req: Seen): 'ok' | 'missing' | 'stale' | 'bad' {
    const header = req.headers.authorization;
    if (header === undefined || !header.startsWith('Digest ')) return 'missing';
    const p = Object.fromEntries([...header.matchAll(/(\w+)=(?:"([^"]*)"|([^\s,]+))/g)].map((m) => [m[1], m[2] ?? m[3]]));
    if (p.username !== this.publicKey || p.uri !== req.url || p.qop !== 'auth') return 'bad';
    const ha1 = md5(`${this.publicKey}:MMS Public API:${this.privateKey}`);
    const expected = md5(`${ha1}:${p.nonce}:${p.nc}:${p.cnonce}:auth:${md5(`${req.method}:${req.url}`)}`);
    if (p.response !== expected) return 'bad';
    if (this.staleNonces.has(p.nonce ?? '')) return 'stale';
    if (p.nonce !== this.nonce) return 'bad';
    this.ncSeen.push(p.nc ?? '');
    return 'ok';
  }
}
