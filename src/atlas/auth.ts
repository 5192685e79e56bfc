import type { HttpResponse } from './transport.js';

/** A place that keeps a service account's access token between processes (e.g. the encrypted store). */
export interface TokenCache {
  load(): Promise<{ accessToken: string; expiresAt: string } | undefined>;
  save(token: { accessToken: string; expiresAt: string }): Promise<void>;
}

export type AtlasAuth =
  | { kind: 'apiKey'; publicKey: string; privateKey: string }
  | { kind: 'serviceAccount'; clientId: string; clientSecret: string; tokenCache?: TokenCache };

/** `challenge`: the request went without credentials; `stale`: a digest nonce expired; `token`: a new token. */
export type UnauthorizedRetry = 'challenge' | 'stale' | 'token';

/** How requests prove who they are: HTTP Digest for API keys, bearer tokens for service accounts. */
export interface Authenticator {
  readonly kind: AtlasAuth['kind'];
  /** Values that must never appear in a message: the private key or client secret. */
  readonly secrets: readonly string[];
  /** The Authorization header for a request, or undefined while none can be made yet (before a challenge). */
  header(method: string, uri: string): Promise<string | undefined>;
  /**
   * After a 401 to a request sent with `sent`: why one more try with a fresh header can succeed, or
   * undefined. The requester retries each reason at most once per request, so no server can loop it.
   */
  shouldRetryUnauthorized(response: HttpResponse, sent: string | undefined): Promise<UnauthorizedRetry | undefined>;
}
