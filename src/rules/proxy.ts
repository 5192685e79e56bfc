/**
 * Which proxy, if any, an Atlas request goes through, from the proxy variables as curl and most tools read them:
 * the lower-case name wins over the upper-case one, and an empty or blank value counts as unset.
 */
export interface ProxyVariables {
  https_proxy?: string | undefined;
  HTTPS_PROXY?: string | undefined;
  http_proxy?: string | undefined;
  HTTP_PROXY?: string | undefined;
  no_proxy?: string | undefined;
  NO_PROXY?: string | undefined;
}

type Name = 'https_proxy' | 'http_proxy' | 'no_proxy';

/** A proxy variable's value, lower case first; undefined when unset, empty or blank. */
export function proxyVariable(env: ProxyVariables, lowerName: Name): string | undefined {
  const value = env[lowerName] ?? env[lowerName.toUpperCase() as Uppercase<Name>];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

const DEFAULT_PORTS: Record<string, number> = { 'http:': 80, 'https:': 443 };

/**
 * Whether NO_PROXY exempts `target` from the proxy. Entries are separated by commas or white space; `*` alone
 * exempts every host; `example.com`, `.example.com` and `*.example.com` all exempt example.com and its
 * subdomains; an entry with `:PORT` applies to that port only. IPv6 addresses are written in brackets, as in a URL.
 */
export function exempt(target: URL, noProxy: string): boolean {
  if (noProxy.trim() === '*') return true;
  const hostname = target.hostname.toLowerCase();
  const port = target.port === '' ? (DEFAULT_PORTS[target.protocol] ?? 0) : Number(target.port);
  for (const entry of noProxy.split(/[\s,]/)) {
    // Not an empty entry (two separators in a row): it would exempt a name with a final dot, `example.com.`.
    if (entry === '') continue;
    const withPort = /(.+):(\d+)$/.exec(entry);
    if (withPort !== null && Number(withPort[2]) !== port) continue;
    const host = (withPort?.[1] ?? entry).replace(/^\*?\./, '').toLowerCase();
    if (hostname === host || hostname.endsWith(`.${host}`)) return true;
  }
  return false;
}
