import { createHash, timingSafeEqual } from 'node:crypto';
import { randomNonce } from './ids.js';

/** HTTP Digest (RFC 7616, MD5 with qop=auth) the way Atlas runs it for API keys. */

const DIGEST_REALM = 'MMS Public API';

/** Atlas' challenge, byte for byte: no opaque, `domain=""`, stale unquoted. */
export function challengeHeader(nonce: string, stale: boolean): string {
  return `Digest realm="${DIGEST_REALM}", domain="", nonce="${nonce}", algorithm=MD5, qop="auth", stale=${stale}`;
}

const md5 = (text: string): string => createHash('md5').update(text, 'utf8').digest('hex');

export interface DigestInput {
  username: string;
  realm: string;
  password: string;
  method: string;
  uri: string;
  nonce: string;
  nc: string;
  cnonce: string;
  qop: string;
}

/** The `response` value of RFC 2617 §3.2.2.1 for qop=auth. */
export function digestResponse(input: DigestInput): string {
  const ha1 = md5(`${input.username}:${input.realm}:${input.password}`);
  const ha2 = md5(`${input.method}:${input.uri}`);
  return md5(`${ha1}:${input.nonce}:${input.nc}:${input.cnonce}:${input.qop}:${ha2}`);
}

/**
 * Parses the parameters of `Digest a="x", b=y`; undefined when the header is not a Digest header or is
 * garbled. Quoted strings may contain commas and backslash escapes.
 */
export function parseDigestHeader(header: string): Map<string, string> | undefined {
  const match = /^Digest\s+/i.exec(header);
  if (!match) return undefined;
  const params = new Map<string, string>();
  const pattern = /\s*([A-Za-z][A-Za-z0-9_-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,"]*))\s*(?:,|$)/y;
  pattern.lastIndex = match[0].length;
  while (!/^[\s,]*$/.test(header.slice(pattern.lastIndex))) {
    const part = pattern.exec(header);
    if (!part) return undefined;
    const name = (part[1] ?? '').toLowerCase();
    const value = part[2] !== undefined ? part[2].replace(/\\(.)/g, '$1') : (part[3] ?? '');
    params.set(name, value);
  }
  return params;
}

interface NonceRecord {
  issuedAt: number;
  /** nc values already used with this nonce: RFC 7616 §3.4, a repeated nc is a replay. */
  seen: Set<number>;
}

const MAX_NONCES = 50_000;

export class NonceStore {
  private readonly nonces = new Map<string, NonceRecord>();

  constructor(private readonly lifetimeMs: number) {}

  issue(now: number): string {
    if (this.nonces.size >= MAX_NONCES) this.prune(now);
    const nonce = randomNonce();
    this.nonces.set(nonce, { issuedAt: now, seen: new Set() });
    return nonce;
  }

  get(nonce: string): NonceRecord | undefined {
    return this.nonces.get(nonce);
  }

  isExpired(record: NonceRecord, now: number): boolean {
    return now - record.issuedAt >= this.lifetimeMs;
  }

  clear(): void {
    this.nonces.clear();
  }

  private prune(now: number): void {
    for (const [nonce, record] of this.nonces) {
      if (this.isExpired(record, now)) this.nonces.delete(nonce);
    }
    // Still full of live nonces (a client that never authenticates): drop the oldest.
    for (const nonce of this.nonces.keys()) {
      if (this.nonces.size < MAX_NONCES) break;
      this.nonces.delete(nonce);
    }
  }
}

type DigestVerdict = 'ok' | 'invalid' | 'stale' | 'replay';

interface DigestCheck {
  header: string;
  method: string;
  /** The request-target as received, which the client must have hashed. */
  requestUri: string;
  publicKey: string;
  privateKey: string;
  now: number;
}

/**
 * Checks an Authorization: Digest header. A correct response for a nonce the server no longer knows (expired,
 * or issued before a restart) is `stale`: the client knows the key and may simply retry with a new nonce.
 */
export function verifyDigest(check: DigestCheck, nonces: NonceStore): DigestVerdict {
  const params = parseDigestHeader(check.header);
  if (!params) return 'invalid';
  const get = (name: string): string => params.get(name) ?? '';
  const nc = get('nc');
  const algorithm = params.get('algorithm');
  if (
    get('username') !== check.publicKey ||
    get('realm') !== DIGEST_REALM ||
    get('qop') !== 'auth' ||
    (algorithm !== undefined && algorithm.toUpperCase() !== 'MD5') ||
    !/^[0-9a-fA-F]{8}$/.test(nc) ||
    get('cnonce') === '' ||
    get('nonce') === '' ||
    !sameTarget(get('uri'), check.requestUri)
  ) {
    return 'invalid';
  }
  const expected = digestResponse({
    username: check.publicKey,
    realm: DIGEST_REALM,
    password: check.privateKey,
    method: check.method,
    uri: get('uri'),
    nonce: get('nonce'),
    nc,
    cnonce: get('cnonce'),
    qop: 'auth',
  });
  if (!equalHex(expected, get('response').toLowerCase())) return 'invalid';
  const record = nonces.get(get('nonce'));
  if (!record || nonces.isExpired(record, check.now)) return 'stale';
  const count = Number.parseInt(nc, 16);
  if (record.seen.has(count)) return 'replay';
  record.seen.add(count);
  return 'ok';
}

/** RFC 7616 §3.4: the digest-uri must name the request-target (clients behind proxies send it absolute). */
function sameTarget(uri: string, requestUri: string): boolean {
  if (uri === requestUri) return true;
  try {
    const parsed = new URL(uri);
    return parsed.pathname + parsed.search === requestUri;
  } catch {
    return false;
  }
}

function equalHex(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
