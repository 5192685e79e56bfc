import type { IncomingMessage } from 'node:http';
import { AtlasResponseError } from './error-types.js';
import { networkError, unexpectedResponse } from './errors.js';
import { Connections, type ConnectionOptions } from './connection.js';

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

export interface HttpRequest {
  method: HttpMethod;
  url: URL;
  headers: Record<string, string>;
  body?: string;
}

export interface HttpResponse {
  status: number;
  headers: { get(name: string): string | null };
  text: string;
}

interface TransportOptions extends ConnectionOptions {
  requestMs: number;
  onDebug?: ((line: string) => void) | undefined;
  now?: () => number;
}

/** Responses above this are refused unread: no Atlas answer dynsecret asks for comes near it. */
export const MAX_BODY_BYTES = 5 * 1024 * 1024;

/**
 * Sends single HTTP requests through Node's own client: counts them, times them out, caps the body and writes one
 * debug line each (method, path, status, attempt, time; never headers or bodies).
 */
export class Transport {
  #count = 0;
  readonly #connections: Connections;
  readonly #options: TransportOptions;

  constructor(options: TransportOptions) {
    this.#options = options;
    this.#connections = new Connections(options);
  }

  get requestCount(): number {
    return this.#count;
  }

  async send(request: HttpRequest, attempt: number): Promise<HttpResponse> {
    // The proxy variables and the CA file are checked before the first request is counted.
    await this.#connections.ready();
    const path = request.url.pathname + request.url.search;
    const now = this.#options.now ?? Date.now;
    const started = now();
    const debug = (outcome: string): void =>
      this.#options.onDebug?.(`atlas: ${request.method} ${path} -> ${outcome} (attempt ${attempt}, ${now() - started} ms)`);
    this.#count += 1;
    // The whole exchange, body included; no redirect is followed, and the body is never decompressed.
    const timeout = AbortSignal.timeout(this.#options.requestMs);
    try {
      const response = await this.#connections.send({
        method: request.method,
        url: request.url,
        headers: { ...request.headers, 'accept-encoding': 'identity' },
        body: request.body,
        signal: timeout,
      });
      const status = response.statusCode ?? 0;
      const headers = responseHeaders(response.headers);
      const encoding = headers.get('content-encoding');
      if (encoding !== null && encoding.trim().toLowerCase() !== 'identity') {
        response.destroy();
        debug(`${status}, body encoded`);
        throw unexpectedResponse(request.method, request.url.pathname, 'the body is compressed, which dynsecret does not ask for');
      }
      const text = await readCapped(headers, response);
      if (text === undefined) {
        debug(`${status}, body over the size limit`);
        throw unexpectedResponse(request.method, request.url.pathname, 'the body is larger than 5 MB');
      }
      debug(String(status));
      return { status, headers, text };
    } catch (err) {
      if (err instanceof AtlasResponseError) throw err;
      // Once the request timeout has fired, whatever broke (the socket, the body) broke because of it.
      const failure = networkError(timeout.aborted ? timeout.reason : err, request.url.host);
      debug(failure.kind === 'tls' ? 'TLS certificate error' : failure.code);
      throw failure;
    }
  }

  close(): Promise<void> {
    return this.#connections.close();
  }
}

/** Response headers as `get(name)`, repeated headers joined as fetch's Headers joins them. */
function responseHeaders(raw: IncomingMessage['headers']): HttpResponse['headers'] {
  return {
    get: (name) => {
      const value = raw[name.toLowerCase()];
      if (value === undefined) return null;
      return Array.isArray(value) ? value.join(', ') : value;
    },
  };
}

/** The body as text, or undefined when it is larger than MAX_BODY_BYTES (then it is not read further). */
async function readCapped(headers: HttpResponse['headers'], body: IncomingMessage): Promise<string | undefined> {
  const declared = Number(headers.get('content-length') ?? '0');
  if (declared > MAX_BODY_BYTES) {
    body.destroy();
    return undefined;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.byteLength;
    if (size > MAX_BODY_BYTES) return undefined; // leaving the loop destroys the stream
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
