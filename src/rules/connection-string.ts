/**
 * The cluster connection strings dynsecret accepts from Atlas and prints: `mongodb://` or `mongodb+srv://`,
 * one or more hosts (names, IPv4 or bracketed IPv6 literals, ports, commas), no credentials, then an
 * optional path and query of URL characters. No whitespace, quote, backtick, `$`, backslash or control
 * character can occur, so the string reads the same in every output format and no shell sees code in it.
 */
const CONNECTION_STRING = /^mongodb(?:\+srv)?:\/\/[A-Za-z0-9[][A-Za-z0-9.:,[\]-]*(?:[/?][A-Za-z0-9\-._~%!&()*+,;=:@/?#[\]]*)?$/;
const MAX_CONNECTION_STRING_LENGTH = 4096;

export function isConnectionString(value: string): boolean {
  return value.length <= MAX_CONNECTION_STRING_LENGTH && CONNECTION_STRING.test(value);
}

/** The connection string with URI-encoded credentials inserted after the scheme. */
export function withCredentials(uri: string, username: string, password: string): string {
  const start = uri.indexOf('://') + 3;
  return `${uri.slice(0, start)}${encodeURIComponent(username)}:${encodeURIComponent(password)}@${uri.slice(start)}`;
}
