/**
 * What can go wrong talking to Atlas, as facts: which kind of failure, the status, Atlas' error code and
 * parameters, the request and what it was about. No exit code and no advice: `src/cli/error-text.ts` turns
 * these into sentences. This file imports nothing, so the CLI's error printer can load it cheaply.
 * Every text held here has already been redacted of the secrets the request carried.
 */

export type AuthKind = 'apiKey' | 'serviceAccount';

/** How Atlas answered, by status: 400, 401, 403, 404, 406, 409, 429, 5xx, or any other status. */
export type AtlasApiErrorKind =
  | 'bad-request'
  | 'unauthorized'
  | 'forbidden'
  | 'not-found'
  | 'version-rejected'
  | 'conflict'
  | 'rate-limited'
  | 'server'
  | 'unexpected-status';

/** What the failed request was about, for sentences such as "no user named X in project Y". */
export interface AtlasSubject {
  groupId: string;
  authKind: AuthKind;
  /** The database user or cluster the request names. */
  username?: string | undefined;
  cluster?: string | undefined;
  /** Set on the create POST (and its follow-up lookup): only there does a 409 mean "this username is taken". */
  creating?: boolean | undefined;
}

export interface AtlasApiErrorFacts {
  kind: AtlasApiErrorKind;
  status: number;
  errorCode?: string | undefined;
  /** The string parameters of Atlas' error body. */
  parameters?: readonly string[] | undefined;
  /** Atlas' own explanation (detail and field complaints), without a trailing full stop. */
  detail?: string | undefined;
  /** The IP address Atlas named when it refused this machine. */
  callerIp?: string | undefined;
  method: string;
  path: string;
  subject: AtlasSubject;
  /** The answer came from the OAuth token endpoint in RFC 6749 form, not as an Admin API error. */
  tokenEndpoint?: boolean | undefined;
}

/** Atlas answered with an error status (after retries). */
export class AtlasApiError extends Error {
  readonly kind: AtlasApiErrorKind;
  readonly status: number;
  readonly errorCode: string | undefined;
  readonly parameters: readonly string[];
  readonly detail: string | undefined;
  readonly callerIp: string | undefined;
  readonly method: string;
  readonly path: string;
  readonly subject: AtlasSubject;
  readonly tokenEndpoint: boolean;

  constructor(facts: AtlasApiErrorFacts) {
    const code = facts.errorCode === undefined ? '' : ` (${facts.errorCode})`;
    super(
      `Atlas answered HTTP ${facts.status}${code} to ${facts.method} ${facts.path}${facts.detail === undefined ? '' : `: ${facts.detail}`}`,
    );
    this.name = 'AtlasApiError';
    this.kind = facts.kind;
    this.status = facts.status;
    this.errorCode = facts.errorCode;
    this.parameters = facts.parameters ?? [];
    this.detail = facts.detail;
    this.callerIp = facts.callerIp;
    this.method = facts.method;
    this.path = facts.path;
    this.subject = facts.subject;
    this.tokenEndpoint = facts.tokenEndpoint ?? false;
  }
}

/**
 * An answer dynsecret cannot use: a 2xx body that is not what the API promises, a compressed or oversized
 * body, or a digest challenge of a kind dynsecret does not speak.
 */
export class AtlasResponseError extends Error {
  readonly kind: 'unexpected-response' | 'unsupported-auth';
  /** The request it answered (unknown for a digest challenge, which any request may get). */
  readonly method: string | undefined;
  readonly path: string | undefined;
  /** What was wrong with it (field paths and limits, never values). */
  readonly problem: string;

  constructor(kind: AtlasResponseError['kind'], details: { method?: string; path?: string; problem: string }) {
    const request = details.method === undefined || details.path === undefined ? '' : ` to ${details.method} ${details.path}`;
    super(`Atlas sent an unusable response${request}: ${details.problem}`);
    this.name = 'AtlasResponseError';
    this.kind = kind;
    this.method = details.method;
    this.path = details.path;
    this.problem = details.problem;
  }
}

/**
 * Atlas could not be reached or did not answer in time: worth retrying, and unclear for a POST (`timeout`,
 * `unreachable`); or its TLS certificate could not be verified (`tls`), which no retry can fix.
 */
export class AtlasNetworkError extends Error {
  readonly kind: 'timeout' | 'unreachable' | 'tls';
  /** The socket or TLS error code, e.g. ECONNREFUSED or CERT_HAS_EXPIRED. */
  readonly code: string;
  readonly host: string;
  /** What happened, in a few words (ours, or the TLS library's). */
  readonly reason: string;

  constructor(kind: AtlasNetworkError['kind'], details: { code: string; host: string; reason: string; cause: unknown }) {
    super(`${kind} talking to ${details.host}: ${details.reason} (${details.code})`, { cause: details.cause });
    this.name = 'AtlasNetworkError';
    this.kind = kind;
    this.code = details.code;
    this.host = details.host;
    this.reason = details.reason;
  }

  /** Whether another attempt may succeed. */
  get transient(): boolean {
    return this.kind !== 'tls';
  }
}

/** Which check our own input failed before anything was sent. */
type AtlasInputRule =
  | 'project-id'
  | 'base-url-syntax'
  | 'base-url-scheme'
  | 'ca-file-unreadable'
  | 'ca-file-no-certificate'
  | 'proxy-url'
  | 'request-body';

/** Our own input failed a check before it was sent (a wrong value in the config, the options or a request). */
export class AtlasInputError extends Error {
  readonly kind = 'invalid-input' as const;
  readonly rule: AtlasInputRule;
  /** What is wrong, e.g. "invalid database user field roles.0.roleName: …", redacted. */
  readonly problem: string;

  constructor(rule: AtlasInputRule, problem: string, options: { cause?: unknown } = {}) {
    super(problem, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AtlasInputError';
    this.rule = rule;
    this.problem = problem;
  }
}

export type AtlasError = AtlasApiError | AtlasResponseError | AtlasNetworkError | AtlasInputError;

// The error path words a 406 with the API version without loading the client.
export { ATLAS_API_VERSION } from './version.js';
