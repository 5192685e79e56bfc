import type { Authenticator, TokenCache, UnauthorizedRetry } from './auth.js';
import { AtlasApiError, atlasResponseError, kindOfStatus, redact, unexpectedResponse } from './errors.js';
import { withRetries, type RetryDeps } from './retry.js';
import {
  ACCESS_TOKEN,
  ApiErrorSchema,
  MAX_ACCESS_TOKEN_LENGTH,
  MAX_TOKEN_LIFETIME_S,
  OAuthErrorSchema,
  TokenResponseSchema,
} from './schemas.js';
import type { HttpResponse, Transport } from './transport.js';

const TOKEN_PATH = '/api/oauth/token';
/** A token from the cache is used only with this much life left, so it cannot die mid-command. */
const CACHED_TOKEN_MIN_LIFE_MS = 5 * 60_000;
/** A token held in memory is replaced this close to its expiry. */
const MEMORY_TOKEN_MIN_LIFE_MS = 60_000;

interface ServiceAccountDeps {
  transport: Transport;
  url: (path: string) => URL;
  userAgent: string;
  groupId: string;
  retry: RetryDeps;
}

interface Token {
  accessToken: string;
  expiresAtMs: number;
}

/** OAuth 2.0 client credentials: one token for the whole process, shared through an optional cache. */
export class ServiceAccountAuthenticator implements Authenticator {
  readonly kind = 'serviceAccount' as const;
  readonly secrets: readonly string[];
  #token: Token | undefined;
  #pending: Promise<Token> | undefined;
  #cacheConsulted = false;

  constructor(
    private readonly clientId: string,
    private readonly clientSecret: string,
    private readonly tokenCache: TokenCache | undefined,
    private readonly deps: ServiceAccountDeps,
  ) {
    this.secrets = [clientSecret];
  }

  async header(): Promise<string> {
    const token = this.#token;
    if (token !== undefined && token.expiresAtMs - this.deps.retry.now() > MEMORY_TOKEN_MIN_LIFE_MS) return `Bearer ${token.accessToken}`;
    // Parallel requests wait for the same token request instead of each asking for one.
    this.#pending ??= this.#obtain().finally(() => {
      this.#pending = undefined;
    });
    return `Bearer ${(await this.#pending).accessToken}`;
  }

  async shouldRetryUnauthorized(_response: HttpResponse, sent: string | undefined): Promise<UnauthorizedRetry | undefined> {
    if (sent === undefined) return undefined;
    // Drop the token only if no one has replaced it meanwhile; the caller retries once either way.
    if (this.#token !== undefined && sent === `Bearer ${this.#token.accessToken}`) this.#token = undefined;
    return 'token';
  }

  async #obtain(): Promise<Token> {
    if (!this.#cacheConsulted && this.tokenCache !== undefined) {
      this.#cacheConsulted = true;
      const cached = await this.tokenCache.load().catch(() => undefined);
      const expiresAtMs = cached === undefined ? NaN : Date.parse(cached.expiresAt);
      const left = expiresAtMs - this.deps.retry.now();
      // A cached token is checked like a new one: a bad one would fail every command until it expired.
      if (
        cached !== undefined &&
        isAccessToken(cached.accessToken) &&
        left > CACHED_TOKEN_MIN_LIFE_MS &&
        left <= MAX_TOKEN_LIFETIME_S * 1000
      ) {
        this.#token = { accessToken: cached.accessToken, expiresAtMs };
        return this.#token;
      }
    }
    this.#cacheConsulted = true;
    const token = await this.#requestToken();
    this.#token = token;
    // A cache that cannot be written only costs a token request in the next process.
    await this.tokenCache
      ?.save({ accessToken: token.accessToken, expiresAt: new Date(token.expiresAtMs).toISOString() })
      .catch(() => undefined);
    return token;
  }

  async #requestToken(): Promise<Token> {
    const form = (value: string): string => new URLSearchParams({ v: value }).toString().slice(2);
    const basic = Buffer.from(`${form(this.clientId)}:${form(this.clientSecret)}`).toString('base64');
    const request = {
      method: 'POST' as const,
      url: this.deps.url(TOKEN_PATH),
      headers: {
        Authorization: `Basic ${basic}`,
        Accept: 'application/json',
        'Content-Type': 'application/x-www-form-urlencoded',
        'User-Agent': this.deps.userAgent,
      },
      body: 'grant_type=client_credentials',
    };
    // Asking for a token twice is harmless, so network errors and 5xx are retried like a GET.
    const response = await withRetries((n) => this.deps.transport.send(request, n), true, this.deps.retry);
    if (response.status !== 200) throw this.#error(response);
    let parsed;
    try {
      parsed = TokenResponseSchema.safeParse(JSON.parse(response.text));
    } catch {
      throw unexpectedResponse('POST', TOKEN_PATH, 'the body is not JSON');
    }
    if (!parsed.success) throw unexpectedResponse('POST', TOKEN_PATH, 'it is not an OAuth token response');
    return { accessToken: parsed.data.access_token, expiresAtMs: this.deps.retry.now() + parsed.data.expires_in * 1000 };
  }

  #error(response: HttpResponse): AtlasApiError {
    let json: unknown;
    try {
      json = JSON.parse(response.text);
    } catch {
      json = undefined;
    }
    const oauth = OAuthErrorSchema.safeParse(json);
    const atlas = ApiErrorSchema.safeParse(json);
    if (!oauth.success && atlas.success && atlas.data.errorCode !== undefined) {
      // An Atlas-style body (e.g. the IP access list) gets the same words as any other Atlas error.
      const ctx = { method: 'POST', path: TOKEN_PATH, groupId: this.deps.groupId, authKind: this.kind, secrets: this.secrets };
      return atlasResponseError(response.status, response.headers.get('x-error-code'), response.text, ctx);
    }
    const code = oauth.success ? oauth.data.error : undefined;
    const description = oauth.success ? oauth.data.error_description : undefined;
    // RFC 6749 answers a wrong client with 400 or 401 and `invalid_client`: either way the credentials are wrong.
    return new AtlasApiError({
      kind: code === 'invalid_client' ? 'unauthorized' : kindOfStatus(response.status),
      status: response.status,
      errorCode: code,
      detail: description === undefined ? undefined : redact(description, this.secrets),
      method: 'POST',
      path: TOKEN_PATH,
      subject: { groupId: this.deps.groupId, authKind: this.kind },
      tokenEndpoint: true,
    });
  }
}

function isAccessToken(token: string): boolean {
  return token.length <= MAX_ACCESS_TOKEN_LENGTH && ACCESS_TOKEN.test(token);
}
