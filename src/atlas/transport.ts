import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { Dispatcher } from 'undici';
import { AtlasResponseError } from './error-types.js';
import { networkError, unexpectedResponse } from './errors.js';
import { buildDispatcher, type DispatcherOptions } from './dispatcher.js';

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

interface TransportOptions extends DispatcherOptions {
  requestMs: number;
  onDebug?: ((line: string) => void) | undefined;
  now?: () => number;
}

/** Responses above this are refused unread: no Atlas answer dynsecret asks for comes near it. */
export const MAX_BODY_BYTES = 5 * 1024 * 1024;

/**
 * Sends single HTTP requests through one undici dispatcher: counts them, times them out, caps the body
 * and writes one debug line each (method, path, status, attempt, time; never headers or bodies).
 */
export class Transport {
  #ready: Promise<Dispatcher> | undefined;
  #count = 0;
  /** The dispatcher #ready resolved to, once it has. */
  #dispatcher: Dispatcher | undefined;
  readonly #options: TransportOptions;

  constructor(options: TransportOptions) {
    this.#options = options;
  }

  get requestCount(): number {
    return this.#count;
  }

  async send(request: HttpRequest, attempt: number): Promise<HttpResponse> {
    const dispatcher = await this.#undici();
    const path = request.url.pathname + request.url.search;
    const now = this.#options.now ?? Date.now;
    const started = now();
    const debug = (outcome: string): void =>
      this.#options.onDebug?.(`atlas: ${request.method} ${path} -> ${outcome} (attempt ${attempt}, ${now() - started} ms)`);
    this.#count += 1;
    const connectFailed = new AbortController();
    const stopWatching = watchConnectErrors(request.url.hostname, (error) => {
      connectFailed.abort(error);
      this.#discard(dispatcher);
    });
    try {
      // undici's request API: no redirect is followed, no body is decompressed (none is asked for).
      const response = await dispatcher.request({
        origin: request.url.origin,
        path,
        method: request.method,
        // Bodies are read as they come: a compressed answer (never asked for) is refused, not inflated.
        headers: { ...request.headers, 'accept-encoding': 'identity' },
        body: request.body ?? null,
        signal: AbortSignal.any([connectFailed.signal, AbortSignal.timeout(this.#options.requestMs)]),
      });
      const headers = responseHeaders(response.headers);
      const encoding = headers.get('content-encoding');
      if (encoding !== null && encoding.trim().toLowerCase() !== 'identity') {
        discard(response.body);
        debug(`${response.statusCode}, body encoded`);
        throw unexpectedResponse(request.method, request.url.pathname, 'the body is compressed, which dynsecret does not ask for');
      }
      const text = await readCapped(headers, response.body);
      if (text === undefined) {
        debug(`${response.statusCode}, body over the size limit`);
        throw unexpectedResponse(request.method, request.url.pathname, 'the body is larger than 5 MB');
      }
      debug(String(response.statusCode));
      return { status: response.statusCode, headers, text };
    } catch (err) {
      if (err instanceof AtlasResponseError) throw err;
      const failure = networkError(err, request.url.host);
      debug(failure.kind === 'tls' ? 'TLS certificate error' : failure.code);
      throw failure;
    } finally {
      stopWatching();
    }
  }

  async close(): Promise<void> {
    if (this.#ready === undefined) return;
    const dispatcher = await this.#ready;
    await dispatcher.close();
  }

  /**
   * Drops a dispatcher whose connections keep failing in a way undici would retry by itself forever (it
   * keeps the request queued and reconnects at once); the next attempt, after its backoff, builds a new one.
   */
  #discard(dispatcher: Dispatcher): void {
    if (this.#dispatcher === dispatcher) {
      this.#ready = undefined;
      this.#dispatcher = undefined;
    }
    dispatcher.destroy().catch(() => undefined);
  }

  #undici(): Promise<Dispatcher> {
    this.#ready ??= (async () => {
      const dispatcher = await buildDispatcher(this.#options);
      // Once undici and the Node modules under it are loaded, before its first connection compiles its parser.
      await preferQuickWasm();
      this.#dispatcher = dispatcher;
      return dispatcher;
    })();
    return this.#ready;
  }
}

const CONNECT_ERROR = 'undici:client:connectError';

/**
 * Calls `onError` when a connection to `hostname` closes before it could carry the request (a proxy that
 * closes the tunnel it was asked for). undici keeps such a request queued and reconnects at once: tens of
 * thousands of connections a second, even after the request was given up. Ending the attempt and dropping
 * the dispatcher on the first such failure makes it one attempt of the retry budget, with its backoff.
 */
function watchConnectErrors(hostname: string, onError: (error: unknown) => void): () => void {
  const listener = (message: unknown): void => {
    const { connectParams, error } = message as { connectParams?: { hostname?: string }; error?: { code?: unknown } };
    // Other connect errors (refused, unreachable, TLS) already fail the request; this one is retried silently.
    if (connectParams?.hostname === hostname && error?.code === 'UND_ERR_SOCKET') onError(error);
  };
  subscribe(CONNECT_ERROR, listener);
  return () => {
    unsubscribe(CONNECT_ERROR, listener);
  };
}

/**
 * undici parses HTTP/1.1 with a WebAssembly module. V8 compiles it quickly, then recompiles it optimised
 * on a background thread, and a process that is done waits for that thread before it exits: 50 to 150 ms
 * added to every command, for a parser that reads two short answers. The quick compile is kept
 * (`--liftoff-only`, through Node's public `v8.setFlagsFromString`; the one place dynsecret changes a V8 flag).
 * It is set after undici and the Node modules under it are loaded: Node's built-in modules come with code
 * compiled under the default flags, which V8 refuses once the flags differ.
 */
let quickWasm: Promise<void> | undefined;

function preferQuickWasm(): Promise<void> {
  quickWasm ??= import('node:v8').then(({ setFlagsFromString }) => setFlagsFromString('--liftoff-only'));
  return quickWasm;
}

/** Response headers as `get(name)`, repeated headers joined as fetch's Headers joins them. */
function responseHeaders(raw: Dispatcher.ResponseData['headers']): HttpResponse['headers'] {
  return {
    get: (name) => {
      const value = raw[name.toLowerCase()];
      if (value === undefined) return null;
      return Array.isArray(value) ? value.join(', ') : value;
    },
  };
}

/** Stops reading a body; undici reports the abort as an error event, which nobody is waiting for here. */
function discard(body: Dispatcher.ResponseData['body']): void {
  body.on('error', () => undefined);
  body.destroy();
}

/** The body as text, or undefined when it is larger than MAX_BODY_BYTES (then it is not read further). */
async function readCapped(headers: HttpResponse['headers'], body: Dispatcher.ResponseData['body']): Promise<string | undefined> {
  const declared = Number(headers.get('content-length') ?? '0');
  if (declared > MAX_BODY_BYTES) {
    discard(body);
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
