import { readFile } from 'node:fs/promises';
import { Agent as HttpAgent, request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest, type AgentOptions, type RequestOptions } from 'node:https';
import type { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import { rootCertificates, TLSSocket } from 'node:tls';
import { exempt, proxyVariable } from '../rules/proxy.js';
import { AtlasInputError } from './error-types.js';

export interface ConnectionOptions {
  connectMs: number;
  /** A PEM file with extra CAs to trust besides the default ones. */
  caFile?: string | undefined;
  /** Where HTTPS_PROXY / HTTP_PROXY / NO_PROXY (either case) and NODE_EXTRA_CA_CERTS are read. */
  env: Record<string, string | undefined>;
}

/**
 * Connections are kept for the command's next request, but not idle for longer than 4 s: servers commonly close
 * an idle connection after 5 s, and a request sent on one as it closes fails (Node destroys an idle socket of
 * the pool when this timeout fires; a socket in use only reports it).
 */
const KEEP_ALIVE = { keepAlive: true, timeout: 4_000 };

export interface Exchange {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body?: string | undefined;
  signal: AbortSignal;
}

/**
 * Node's own HTTP/1.1 client: kept-alive connections per origin, direct or through a forward proxy's CONNECT
 * tunnel, with a connect timeout (Node has none of its own) and the trust the config asks for.
 */
export class Connections {
  readonly #options: ConnectionOptions;
  #ready: Promise<Ready> | undefined;
  readonly #tunnels = new Map<string, HttpsAgent>();

  constructor(options: ConnectionOptions) {
    this.#options = options;
  }

  /**
   * Checks the proxy variables and reads the CA file, once: a variable that is set must be a URL even when this
   * host is exempt from it, and a CA file that cannot be used stops the command before its first request.
   */
  ready(): Promise<Ready> {
    this.#ready ??= (async () => {
      const proxies = { http: proxyUrl(this.#options.env, 'http_proxy'), https: proxyUrl(this.#options.env, 'https_proxy') };
      const ca = await trustedCas(this.#options);
      const tls = { ...KEEP_ALIVE, ...(ca === undefined ? {} : { ca }) };
      return { proxies, tls, http: new HttpAgent(KEEP_ALIVE), https: new HttpsAgent(tls) };
    })();
    return this.#ready;
  }

  /** Sends one request; resolves once the response's headers arrived (its body is the caller's to read). */
  async send(exchange: Exchange): Promise<IncomingMessage> {
    const { url } = exchange;
    const ready = await this.ready();
    // http is only ever loopback (the client refuses any other http base URL), and loopback is never proxied.
    const proxy = url.protocol === 'https:' ? (ready.proxies.https ?? ready.proxies.http) : undefined;
    const direct = proxy === undefined || exempt(url, proxyVariable(this.#options.env, 'no_proxy') ?? '');
    const agent = url.protocol === 'http:' ? ready.http : direct ? ready.https : this.#tunnel(proxy, ready.tls);
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const headers =
      exchange.body === undefined ? exchange.headers : { ...exchange.headers, 'content-length': String(Buffer.byteLength(exchange.body)) };
    return new Promise((resolve, reject) => {
      const request = send(url, { method: exchange.method, headers, agent, signal: exchange.signal });
      request.once('socket', (socket) => this.#watchConnect(request, socket));
      request.once('response', resolve);
      request.on('error', reject);
      request.end(exchange.body);
    });
  }

  /** Closes every kept-alive connection. */
  async close(): Promise<void> {
    // Nothing to close when the set-up failed (its error went to the request that asked for it).
    const ready = await this.#ready?.catch(() => undefined);
    ready?.http.destroy();
    ready?.https.destroy();
    for (const agent of this.#tunnels.values()) agent.destroy();
  }

  /** A new connection that is not up within connectMs ends the request. */
  #watchConnect(request: ClientRequest, socket: Socket): void {
    if (!socket.connecting) return;
    const timer = setTimeout(() => request.destroy(connectTimeout(this.#options.connectMs)), this.#options.connectMs);
    socket.once(socket instanceof TLSSocket ? 'secureConnect' : 'connect', () => clearTimeout(timer));
    socket.once('close', () => clearTimeout(timer));
  }

  /** One agent per proxy, whose connections are TLS sessions with the target inside CONNECT tunnels. */
  #tunnel(proxy: URL, tls: AgentOptions): HttpsAgent {
    const agent = this.#tunnels.get(proxy.href) ?? new TunnelAgent(proxy, this.#options.connectMs, tls);
    this.#tunnels.set(proxy.href, agent);
    return agent;
  }
}

interface Ready {
  proxies: { http: URL | undefined; https: URL | undefined };
  tls: AgentOptions;
  http: HttpAgent;
  https: HttpsAgent;
}

/** An https agent that reaches each target through a CONNECT tunnel (the proxy itself over http or https). */
class TunnelAgent extends HttpsAgent {
  readonly #proxy: URL;
  readonly #connectMs: number;
  readonly #tls: AgentOptions;

  constructor(proxy: URL, connectMs: number, options: AgentOptions) {
    super(options);
    this.#proxy = proxy;
    this.#connectMs = connectMs;
    this.#tls = options;
  }

  /** Node's documented hook: the socket may be handed to `callback` once the tunnel is up. */
  override createConnection(options: RequestOptions, callback?: (error: Error | null, socket: Duplex) => void): undefined {
    const target = `${options.host ?? ''}:${options.port ?? 443}`;
    openTunnel(this.#proxy, target, this.#connectMs, this.#tls).then(
      // The TLS session with the target, over the tunnel, made as Node makes every https connection.
      (socket) => callback?.(null, super.createConnection({ ...options, socket } as RequestOptions) as Duplex),
      (error: Error) => callback?.(error, undefined as unknown as Duplex),
    );
    return undefined;
  }
}

/** Asks the proxy for a tunnel to `target` (host:port); resolves with the raw socket once it answered 200. */
function openTunnel(proxy: URL, target: string, connectMs: number, tls: AgentOptions): Promise<Socket> {
  const send = proxy.protocol === 'https:' ? httpsRequest : httpRequest;
  const headers: Record<string, string> = { host: target };
  if (proxy.username !== '' && proxy.password !== '') {
    const credentials = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`;
    headers['proxy-authorization'] = `Basic ${Buffer.from(credentials).toString('base64')}`;
  }
  return new Promise((resolve, reject) => {
    const request = send({
      host: proxy.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: proxy.port === '' ? (proxy.protocol === 'https:' ? 443 : 80) : Number(proxy.port),
      method: 'CONNECT',
      path: target,
      headers,
      agent: false,
      ...(proxy.protocol === 'https:' && tls.ca !== undefined ? { ca: tls.ca } : {}),
    });
    // The tunnel is the connection: its whole set-up (connect, the proxy's answer) has the connect timeout.
    const timer = setTimeout(() => request.destroy(connectTimeout(connectMs)), connectMs);
    request.once('connect', (response, socket) => {
      clearTimeout(timer);
      if (response.statusCode === 200) return resolve(socket);
      socket.destroy();
      reject(Object.assign(new Error(`the proxy answered ${response.statusCode ?? '?'} to CONNECT ${target}`), { code: 'PROXY_REFUSED' }));
    });
    request.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    request.end();
  });
}

function connectTimeout(connectMs: number): Error {
  return Object.assign(new Error(`no connection within ${connectMs} ms`), { code: 'CONNECT_TIMEOUT' });
}

/** A proxy variable, if set, as a URL; one that is not a URL is refused, and its value (it may hold a password) not repeated. */
function proxyUrl(env: Record<string, string | undefined>, lowerName: 'https_proxy' | 'http_proxy'): URL | undefined {
  const value = proxyVariable(env, lowerName);
  if (value === undefined) return undefined;
  const names = `${lowerName.toUpperCase()} (or ${lowerName})`;
  if (!URL.canParse(value)) throw new AtlasInputError('proxy-url', `${names} is not a URL`);
  const url = new URL(value);
  // A tunnel is asked for in HTTP: a SOCKS or other proxy would not answer it, and the command would wait.
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new AtlasInputError(
      'proxy-url',
      `${names} is a ${url.protocol.slice(0, -1)} proxy; dynsecret speaks to http:// and https:// proxies`,
    );
  }
  return url;
}

/**
 * Passing `ca` replaces Node's trust store, so the default roots are passed along with the extra CA, and
 * so is NODE_EXTRA_CA_CERTS, which Node would otherwise stop applying to this connection.
 */
async function trustedCas(options: ConnectionOptions): Promise<string[] | undefined> {
  if (options.caFile === undefined) return undefined;
  const extra = await readPem(options.caFile);
  const nodeExtraPath = options.env.NODE_EXTRA_CA_CERTS;
  const nodeExtra = nodeExtraPath ? await readFile(nodeExtraPath, 'utf8').catch(() => undefined) : undefined;
  return [...rootCertificates, extra, ...(nodeExtra === undefined ? [] : [nodeExtra])];
}

async function readPem(path: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as { code?: string }).code ?? 'unreadable';
    throw new AtlasInputError('ca-file-unreadable', `could not read the CA file ${path} (${code})`, { cause: err });
  }
  if (!text.includes('-----BEGIN CERTIFICATE-----')) {
    throw new AtlasInputError('ca-file-no-certificate', `the CA file ${path} holds no PEM certificate`);
  }
  return text;
}
