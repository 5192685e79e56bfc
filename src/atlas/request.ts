import type * as z from 'zod/mini';
import type { Authenticator } from './auth.js';
import { atlasResponseError, unexpectedResponse, type ErrorContext } from './errors.js';
import { withRetries, type RetryDeps } from './retry.js';
import type { HttpMethod, HttpRequest, HttpResponse, Transport } from './transport.js';
import { ATLAS_MEDIA_TYPE } from './version.js';

interface CallOptions {
  query?: Record<string, string | number | boolean>;
  body?: unknown;
  /** What the call is about, for error messages. */
  subject?: Pick<ErrorContext, 'username' | 'cluster' | 'creating'>;
  /** Extra strings to keep out of messages, such as the password in the body. */
  secrets?: readonly string[];
}

interface RequesterDeps {
  transport: Transport;
  auth: Authenticator;
  url: (path: string) => URL;
  groupId: string;
  userAgent: string;
  retry: RetryDeps;
}

const IDEMPOTENT: ReadonlySet<HttpMethod> = new Set(['GET', 'DELETE', 'PATCH']);

/** Sends authenticated, versioned Admin API requests with retries, and turns failures into messages. */
export class Requester {
  /** The client's first exchange: it teaches the authenticator its digest nonce or bearer token. */
  #first: Promise<unknown> | undefined;

  constructor(private readonly deps: RequesterDeps) {}

  /** How this client authenticates, for errors raised outside a request. */
  get authKind(): RequesterDeps['auth']['kind'] {
    return this.deps.auth.kind;
  }

  /** A 2xx response, or a thrown Atlas error that says what went wrong. */
  async call(method: HttpMethod, path: string, options: CallOptions = {}): Promise<HttpResponse> {
    const url = this.deps.url(path);
    for (const [key, value] of Object.entries(options.query ?? {})) url.searchParams.set(key, String(value));
    const headers: Record<string, string> = { Accept: ATLAS_MEDIA_TYPE, 'User-Agent': this.deps.userAgent };
    if (options.body !== undefined) headers['Content-Type'] = ATLAS_MEDIA_TYPE;
    const request: HttpRequest = { method, url, headers };
    if (options.body !== undefined) request.body = JSON.stringify(options.body);

    // POST is not retried after a 5xx or a network error here: createDatabaseUser decides that.
    const response = await withRetries((n) => this.#sendAuthorized(request, n), IDEMPOTENT.has(method), this.deps.retry);
    if (response.status >= 200 && response.status < 300) return response;
    throw atlasResponseError(response.status, response.headers.get('x-error-code'), response.text, {
      method,
      path: url.pathname,
      groupId: this.deps.groupId,
      authKind: this.deps.auth.kind,
      ...options.subject,
      secrets: [...this.deps.auth.secrets, ...(options.secrets ?? [])],
    });
  }

  /** `call`, then the body parsed with `schema`. */
  async json<S extends z.ZodMiniType>(method: HttpMethod, path: string, schema: S, options: CallOptions = {}): Promise<z.output<S>> {
    const response = await this.call(method, path, options);
    return parseBody(schema, response.text, method, this.deps.url(path).pathname);
  }

  /**
   * Exchanges started while the first one is unanswered wait for it, so they reuse what it learned: eight
   * parallel deletes draw one digest challenge (or one token request), not eight.
   */
  async #sendAuthorized(request: HttpRequest, attempt: number): Promise<HttpResponse> {
    if (this.#first === undefined) {
      const exchange = this.#exchange(request, attempt);
      this.#first = exchange.catch(() => undefined);
      return exchange;
    }
    await this.#first;
    return this.#exchange(request, attempt);
  }

  /**
   * One attempt: with the current credentials, and again while a 401 says fresh ones can succeed, each
   * reason once (a digest exchange is at most: no credentials, a challenge, a stale nonce's new challenge).
   */
  async #exchange(request: HttpRequest, attempt: number): Promise<HttpResponse> {
    const uri = request.url.pathname + request.url.search;
    const tried = new Set<string>();
    for (;;) {
      const header = await this.deps.auth.header(request.method, uri);
      const response = await this.deps.transport.send(withAuthorization(request, header), attempt);
      if (response.status !== 401) return response;
      const reason = await this.deps.auth.shouldRetryUnauthorized(response, header);
      if (reason === undefined || tried.has(reason)) return response;
      tried.add(reason);
    }
  }
}

function withAuthorization(request: HttpRequest, header: string | undefined): HttpRequest {
  return header === undefined ? request : { ...request, headers: { ...request.headers, Authorization: header } };
}

/** Parses a success body; names the first wrong fields (their paths, never their values). */
function parseBody<S extends z.ZodMiniType>(schema: S, text: string, method: string, path: string): z.output<S> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw unexpectedResponse(method, path, 'the body is not JSON');
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.length === 0 ? 'body' : issue.path.join('.')}: ${issue.message}`);
  throw unexpectedResponse(method, path, problems.join('; '));
}
