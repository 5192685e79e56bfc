import { createHash, randomBytes } from 'node:crypto';
import type { Authenticator, UnauthorizedRetry } from './auth.js';
import { AtlasResponseError } from './error-types.js';
import type { HttpResponse } from './transport.js';

// HTTP Digest (RFC 7616) for Atlas API keys, written here rather than taken from digest-fetch 3, which:
// counts nc only after a response arrives (parallel requests send the same nc and look like replays),
// answers every 401 with a new challenge and ignores `stale`, generates cnonces with Math.random,
// and takes the algorithm from its constructor only. (It passes the request's init through to fetch, an undici
// dispatcher included, so proxies, CA files and timeouts would have worked.)

interface DigestChallenge {
  realm: string;
  nonce: string;
  algorithm: 'MD5' | 'SHA-256';
  /** undefined for an RFC 2069 challenge without qop. */
  qop: 'auth' | undefined;
  opaque: string | undefined;
  stale: boolean;
}

const HASHES = { MD5: 'md5', 'SHA-256': 'sha256' } as const;

/** The Digest challenge in a WWW-Authenticate value; undefined when there is none. */
export function parseDigestChallenge(header: string | null): DigestChallenge | undefined {
  const start = header?.search(/(^|[\s,])Digest\s/i) ?? -1;
  if (header === null || header === undefined || start < 0) return undefined;
  const params = new Map<string, string>();
  const pattern = /([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))/g;
  for (const match of header
    .slice(start)
    .replace(/^[\s,]*Digest\s/i, '')
    .matchAll(pattern)) {
    const name = (match[1] ?? '').toLowerCase();
    if (!params.has(name)) params.set(name, match[2] !== undefined ? match[2].replace(/\\(.)/g, '$1') : (match[3] ?? ''));
  }
  const nonce = params.get('nonce');
  if (nonce === undefined || nonce === '') return undefined;
  const algorithm = (params.get('algorithm') ?? 'MD5').toUpperCase();
  const qops = params
    .get('qop')
    ?.split(',')
    .map((q) => q.trim().toLowerCase());
  if ((algorithm !== 'MD5' && algorithm !== 'SHA-256') || (qops !== undefined && !qops.includes('auth'))) {
    throw new AtlasResponseError('unsupported-auth', { problem: `algorithm ${algorithm}, qop ${qops?.join('/') ?? 'none'}` });
  }
  return {
    realm: params.get('realm') ?? '',
    nonce,
    algorithm,
    qop: qops === undefined ? undefined : 'auth',
    opaque: params.get('opaque'),
    stale: params.get('stale')?.toLowerCase() === 'true',
  };
}

export interface DigestInput {
  algorithm: DigestChallenge['algorithm'];
  username: string;
  password: string;
  realm: string;
  nonce: string;
  method: string;
  uri: string;
  qop: 'auth' | undefined;
  nc: string;
  cnonce: string;
}

/** The `response` value: H(H(user:realm:password):nonce:nc:cnonce:qop:H(method:uri)). */
export function digestResponse(input: DigestInput): string {
  const hash = (text: string): string => createHash(HASHES[input.algorithm]).update(text, 'utf8').digest('hex');
  const ha1 = hash(`${input.username}:${input.realm}:${input.password}`);
  const ha2 = hash(`${input.method}:${input.uri}`);
  return input.qop === undefined
    ? hash(`${ha1}:${input.nonce}:${ha2}`)
    : hash(`${ha1}:${input.nonce}:${input.nc}:${input.cnonce}:${input.qop}:${ha2}`);
}

const quote = (value: string): string => `"${value.replace(/[\\"]/g, '\\$&')}"`;

/** The Authorization header value for one request. */
export function digestAuthorization(input: DigestInput, opaque: string | undefined): string {
  const parts = [
    `username=${quote(input.username)}`,
    `realm=${quote(input.realm)}`,
    `nonce=${quote(input.nonce)}`,
    `uri=${quote(input.uri)}`,
    `algorithm=${input.algorithm}`,
    `response=${quote(digestResponse(input))}`,
  ];
  if (input.qop !== undefined) parts.push(`qop=${input.qop}`, `nc=${input.nc}`, `cnonce=${quote(input.cnonce)}`);
  if (opaque !== undefined) parts.push(`opaque=${quote(opaque)}`);
  return `Digest ${parts.join(', ')}`;
}

/**
 * One API key's digest state for the process: the first request learns the nonce from a challenge, every
 * later one reuses it with the next nonce count (one round trip), and `stale=true` earns one new nonce per
 * request.
 */
export class DigestAuthenticator implements Authenticator {
  readonly kind = 'apiKey' as const;
  readonly secrets: readonly string[];
  #challenge: DigestChallenge | undefined;
  #nc = 0;

  constructor(
    private readonly publicKey: string,
    private readonly privateKey: string,
    private readonly makeCnonce: () => string = () => randomBytes(16).toString('hex'),
  ) {
    this.secrets = [privateKey];
  }

  async header(method: string, uri: string): Promise<string | undefined> {
    const challenge = this.#challenge;
    if (challenge === undefined) return undefined;
    // Taken before any await, so parallel requests never share a count.
    this.#nc += 1;
    const nc = this.#nc.toString(16).padStart(8, '0');
    const input = { ...challenge, username: this.publicKey, password: this.privateKey, method, uri, nc, cnonce: this.makeCnonce() };
    return digestAuthorization(input, challenge.opaque);
  }

  /**
   * A request sent without credentials learns the challenge; a nonce that expired (`stale=true`, also on the
   * very first authenticated request, when the nonce died on the way) is answered with the new nonce.
   */
  async shouldRetryUnauthorized(response: HttpResponse, sent: string | undefined): Promise<UnauthorizedRetry | undefined> {
    const challenge = parseDigestChallenge(response.headers.get('www-authenticate'));
    if (challenge === undefined) return undefined;
    const reason = sent === undefined ? 'challenge' : challenge.stale ? 'stale' : undefined;
    if (reason !== undefined && challenge.nonce !== this.#challenge?.nonce) {
      this.#challenge = challenge;
      this.#nc = 0;
    }
    return reason;
  }
}
