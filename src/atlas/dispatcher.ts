import { readFile } from 'node:fs/promises';
import { rootCertificates } from 'node:tls';
import type { Dispatcher } from 'undici';
import { AtlasInputError } from './error-types.js';

export interface DispatcherOptions {
  connectMs: number;
  requestMs: number;
  /** A PEM file with extra CAs to trust besides the default ones. */
  caFile?: string | undefined;
  /** Where HTTPS_PROXY / HTTP_PROXY / NO_PROXY (either case) and NODE_EXTRA_CA_CERTS are read. */
  env: Record<string, string | undefined>;
}

/** A direct Agent, or undici's EnvHttpProxyAgent (which honours NO_PROXY) when a proxy is configured. */
export async function buildDispatcher(options: DispatcherOptions): Promise<Dispatcher> {
  const ca = await trustedCas(options);
  const tls = { timeout: options.connectMs, ...(ca === undefined ? {} : { ca }) };
  const common = { connect: tls, headersTimeout: options.requestMs, bodyTimeout: options.requestMs };
  const httpProxy = proxyUrl(options.env, 'http_proxy');
  const httpsProxy = proxyUrl(options.env, 'https_proxy');
  // undici through its public index, imported on the first request so that a command that makes none does
  // not load it. (Its files one by one, the HTTP/1.1 client and the request API without the fetch stack, were
  // measured too: on Node 24 with the compile cache warm, `lease` was no faster; and a path inside the package
  // is not part of its API.)
  const mod = await import('undici');
  // A bundle with code splitting may expose a CommonJS package only as `default`; Node exposes both.
  const { Agent, EnvHttpProxyAgent } = (mod as unknown as { default?: typeof mod }).default ?? mod;
  if (httpProxy === undefined && httpsProxy === undefined) return new Agent(common);
  // Empty strings, not undefined: undici would otherwise fall back to process.env behind our back.
  return new EnvHttpProxyAgent({
    ...common,
    httpProxy: httpProxy ?? '',
    httpsProxy: httpsProxy ?? '',
    noProxy: envVar(options.env, 'no_proxy') ?? '',
    // Through a tunnel, `connect` is replaced: the target's TLS and the proxy's TLS are set separately.
    requestTls: tls,
    proxyTls: tls,
  });
}

/** Lower case wins, as in curl; an empty value counts as unset. */
function envVar(env: Record<string, string | undefined>, lowerName: string): string | undefined {
  const value = env[lowerName] ?? env[lowerName.toUpperCase()];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

/** A proxy variable that is set must be a URL; its value is not repeated, as it may hold a password. */
function proxyUrl(env: Record<string, string | undefined>, lowerName: string): string | undefined {
  const value = envVar(env, lowerName);
  if (value !== undefined && !URL.canParse(value)) {
    throw new AtlasInputError('proxy-url', `${lowerName.toUpperCase()} (or ${lowerName}) is not a URL`);
  }
  return value;
}

/**
 * Passing `ca` replaces Node's trust store, so the default roots are passed along with the extra CA, and
 * so is NODE_EXTRA_CA_CERTS, which Node would otherwise stop applying to this connection.
 */
async function trustedCas(options: DispatcherOptions): Promise<string[] | undefined> {
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
