import type { CommanderError } from 'commander';
import { ATLAS_API_VERSION, AtlasApiError, AtlasInputError, AtlasNetworkError, AtlasResponseError } from '../atlas/error-types.js';
import { DynsecretError, ExitCode, InterruptedError, TtlAboveMaxError, type ExitCodeValue } from '../errors.js';

/**
 * The one place that words errors: every error, whoever threw it, becomes a sentence, an optional hint (what
 * to do next) and the exit code of the product contract. `src/atlas/` throws facts (kinds, statuses, Atlas'
 * error codes); dynsecret's own errors already carry their words. Loaded by the CLI's error printer, so it
 * imports nothing heavy (commander is the CLI's own parser, loaded already).
 */
export interface ErrorText {
  message: string;
  hint: string | undefined;
  exitCode: ExitCodeValue;
  /**
   * `expected`: a failure dynsecret foresaw; `usage`: the argument parser's; `unexpected`: a bug or an
   * unforeseen failure (its stack is what helps); `quiet`: nothing to print (Ctrl-C, --help).
   */
  origin: 'expected' | 'usage' | 'unexpected' | 'quiet';
}

type Words = Pick<ErrorText, 'message' | 'hint' | 'exitCode'>;

/**
 * Where the failed command's config came from, so that advice names what exists there: the flags of `create`
 * and `update` (`flags`), a config in the store (`store`: other commands have no such flags), or a `--from-file`
 * document and the environment (`file`).
 */
export type ConfigSource = { kind: 'flags' } | { kind: 'store' } | { kind: 'file'; path: string };

const FROM_FLAGS: ConfigSource = { kind: 'flags' };

/** How advice names a config's project, base URL and CA file, by where the config came from. */
function fieldsOf(source: ConfigSource) {
  switch (source.kind) {
    case 'flags':
      return { groupId: '--group-id', baseUrl: '--base-url', caFile: '--ca-file', addCa: 'pass --ca-file PATH' };
    case 'store':
      return {
        groupId: "the config's project ID (`dynsecret list`)",
        baseUrl: "the config's base URL (`dynsecret update NAME --base-url URL`)",
        caFile: "the config's CA file (`dynsecret update NAME --ca-file PATH`)",
        addCa: 'give the config one with `dynsecret update NAME --ca-file PATH`',
      };
    case 'file':
      return {
        groupId: `groupId in ${source.path}`,
        baseUrl: `MONGODB_ATLAS_BASE_URL or baseUrl in ${source.path}`,
        caFile: `caFile in ${source.path}`,
        addCa: `name it as caFile in ${source.path}`,
      };
  }
}

const words = (message: string, exitCode: ExitCodeValue, hint?: string): Words => ({ message, hint, exitCode });

/** The words of an error dynsecret foresaw (its own or Atlas'); undefined for anything else. */
export function expectedError(error: unknown, source: ConfigSource = FROM_FLAGS): Words | undefined {
  if (error instanceof TtlAboveMaxError) return words(error.message, error.exitCode, raiseMaxTtl(error, source));
  if (error instanceof DynsecretError) return words(error.message, error.exitCode, error.hint);
  const atlas = atlasWords(error, source);
  return atlas === undefined ? undefined : { ...atlas, message: asSentence(atlas.message) };
}

/** A shorter TTL, or a higher limit where the config's limit is kept. */
function raiseMaxTtl(error: TtlAboveMaxError, source: ConfigSource): string {
  const raise =
    source.kind === 'file' ? `set maxTtl in ${source.path} to ${error.ttl}` : `\`dynsecret update NAME --max-ttl ${error.ttl}\``;
  return `use --ttl ${error.maxTtl} or less, or raise the limit: ${raise}`;
}

function atlasWords(error: unknown, source: ConfigSource): Words | undefined {
  if (error instanceof AtlasApiError) return error.tokenEndpoint ? tokenWords(error) : apiWords(error, source);
  if (error instanceof AtlasResponseError) return responseWords(error);
  if (error instanceof AtlasNetworkError) return networkWords(error, source);
  if (error instanceof AtlasInputError) return inputWords(error, source);
  return undefined;
}

/**
 * In the style of dynsecret's own messages: a capital first letter and a full stop. The Atlas words below are
 * built from parts (a finding, then what to do, then Atlas' error code), so they are finished here once.
 */
function asSentence(text: string): string {
  const capitalised = text.charAt(0).toUpperCase() + text.slice(1);
  return /[.!?]$/.test(capitalised) ? capitalised : `${capitalised}.`;
}

/** Any error, as the CLI prints it. */
export function describeError(error: unknown, source: ConfigSource = FROM_FLAGS): ErrorText {
  // Ctrl-C at a prompt needs no words; a signal that ended a lease names what became of it.
  if (error instanceof InterruptedError && error.message === new InterruptedError().message) {
    return { ...words(error.message, error.exitCode), origin: 'quiet' };
  }
  const expected = expectedError(error, source);
  if (expected !== undefined) return { ...expected, origin: 'expected' };
  if (isCommanderError(error)) {
    if (error.exitCode === 0) return { ...words('', ExitCode.ok), origin: 'quiet' };
    return {
      // One line: commander puts its suggestion on a line of its own.
      ...words(
        error.message.replace(/^error: /, '').replaceAll('\n', ' '),
        ExitCode.usage,
        'See dynsecret --help, or dynsecret COMMAND --help.',
      ),
      origin: 'usage',
    };
  }
  const message = `unexpected error: ${error instanceof Error ? error.message : String(error)}`;
  return { ...words(message, ExitCode.failure, 'Run again with --debug for details.'), origin: 'unexpected' };
}

/**
 * The argument parser's errors, known by their documented `commander.*` code rather than by class: the class
 * would pull commander into every chunk that words an error, and commander belongs to the entry alone (one
 * module load fewer for every command, `--help` included).
 */
function isCommanderError(error: unknown): error is CommanderError {
  if (!(error instanceof Error)) return false;
  const { code, exitCode } = error as Error & { code?: unknown; exitCode?: unknown };
  return typeof code === 'string' && code.startsWith('commander.') && typeof exitCode === 'number';
}

/** What the audit trail records of a failure: the exit code, and Atlas' error code when Atlas gave one. */
export function failureCodes(error: unknown): { exitCode: ExitCodeValue; errorCode?: string } {
  const { exitCode } = describeError(error);
  // An Atlas error may be the cause of the error that ended the command (a lease revoked after it).
  const atlas =
    error instanceof AtlasApiError ? error : error instanceof Error && error.cause instanceof AtlasApiError ? error.cause : undefined;
  return atlas?.errorCode !== undefined ? { exitCode, errorCode: atlas.errorCode } : { exitCode };
}

const ACCESS_LIST_PLACE = {
  apiKey: "the API key's access list in Atlas (Organization → Access Manager → API Keys)",
  serviceAccount: "the service account's access list in Atlas (Organization → Access Manager → Applications → Service Accounts)",
} as const;

const PRINCIPAL = { apiKey: 'API key', serviceAccount: 'service account' } as const;

const SA_PLACE = 'Organization → Access Manager → Applications → Service Accounts';

/** Atlas error codes of a 400 that have a known cause and fix. */
const BAD_INPUT: Readonly<Record<string, string>> = {
  EXPIRATION_DATE_EXCEEDS_MAX: 'the expiry is more than 7 days ahead: choose a shorter TTL',
  EXPIRATION_DATE_IN_PAST: "the expiry is in the past: check this machine's clock",
  ATLAS_INVALID_ROLE_DATABASE: 'a role is assigned on a database where it does not exist: fix the roles of the config',
  DUPLICATE_DATABASE_ROLES: 'the same role is listed twice: remove the duplicate from the config',
  ATLAS_INVALID_CUSTOM_ROLE_ASSIGNMENT: 'a custom role cannot be combined with other roles: keep only the custom role',
};

/** An Admin API error: what happened and what to do, then Atlas' error code for a search or a support case. */
function apiWords(error: AtlasApiError, source: ConfigSource): Words {
  const [sentence, exitCode, hint] = apiSentence(error, source);
  return words(sentence + (error.errorCode === undefined ? '' : ` (Atlas error ${error.errorCode})`), exitCode, hint);
}

function apiSentence(error: AtlasApiError, source: ConfigSource): [string, ExitCodeValue, string?] {
  const { subject, errorCode: code, detail } = error;
  const fields = fieldsOf(source);
  const where = `${error.method} ${error.path}`;
  const project = subject.groupId;
  switch (error.kind) {
    case 'unauthorized':
      return subject.authKind === 'apiKey'
        ? ['Atlas rejected the API key: check the public and private key', ExitCode.auth]
        : ["Atlas rejected the service account's access token: check the client ID and secret", ExitCode.auth];
    case 'forbidden': {
      if (code === 'IP_ADDRESS_NOT_ON_ACCESS_LIST' || code === 'ORG_REQUIRES_ACCESS_LIST') {
        const who = error.callerIp === undefined ? "this machine's IP address" : `IP address ${error.callerIp}`;
        return [`Atlas refused requests from ${who}: add it to ${ACCESS_LIST_PLACE[subject.authKind]}`, ExitCode.auth];
      }
      if (code === 'GROUP_USERS_LIMIT_EXCEEDED') {
        const limit = /at most (\d+)/.exec(detail ?? '')?.[1];
        return [
          `project ${project} already has the ${limit ?? 100} database users Atlas allows`,
          ExitCode.failure,
          source.kind === 'file'
            ? `Look for strays with \`dynsecret list --from-file ${source.path}\` and revoke them with \`dynsecret revoke ID --from-file ${source.path}\`.`
            : 'Remove expired leases with `dynsecret revoke --expired` and look for strays with `dynsecret list NAME --remote`.',
        ];
      }
      return [
        `the ${PRINCIPAL[subject.authKind]} is not allowed to ${where}: give it the Project Owner role on project ${project}`,
        ExitCode.auth,
      ];
    }
    case 'not-found':
      if (code === 'GROUP_NOT_FOUND') return [`no Atlas project ${project}: check ${fields.groupId}`, ExitCode.notFound];
      if (code === 'USERNAME_NOT_FOUND') {
        return [
          `Atlas has no database user named ${subject.username ?? 'like that'} in project ${project}: it was revoked or has expired`,
          ExitCode.notFound,
        ];
      }
      if (code === 'CLUSTER_NOT_FOUND') {
        return [`no cluster named ${subject.cluster ?? 'like that'} in project ${project}: check the cluster name`, ExitCode.notFound];
      }
      return [`Atlas found nothing at ${where}: check ${fields.baseUrl}`, ExitCode.notFound];
    case 'conflict':
      if (subject.creating === true && subject.username !== undefined) {
        return [
          `a database user named ${subject.username} already exists in project ${project}: choose another username`,
          ExitCode.failure,
        ];
      }
      break;
    case 'bad-request': {
      const known = code === undefined ? undefined : BAD_INPUT[code];
      return [known ?? `Atlas rejected ${where} as invalid: ${detail ?? 'no details given'}`, ExitCode.usage];
    }
    case 'version-rejected':
      return [`Atlas no longer accepts API version ${ATLAS_API_VERSION} for ${where}: update dynsecret`, ExitCode.failure];
    case 'rate-limited':
      return [`Atlas kept rate-limiting requests to project ${project}: wait a minute and try again`, ExitCode.transient];
    case 'server':
      return [`Atlas failed with HTTP ${error.status} on ${where}: try again in a few minutes`, ExitCode.transient];
    case 'unexpected-status':
      break;
  }
  return [`Atlas answered HTTP ${error.status} to ${where}${detail === undefined ? '' : `: ${detail}`}`, ExitCode.failure];
}

/** An RFC 6749 error from the token endpoint, where a service account gets its access token. */
function tokenWords(error: AtlasApiError): Words {
  const [sentence, exitCode] = tokenSentence(error);
  return words(sentence + (error.errorCode === undefined ? '' : ` (Atlas error ${error.errorCode})`), exitCode);
}

function tokenSentence(error: AtlasApiError): [string, ExitCodeValue] {
  switch (error.kind) {
    case 'unauthorized':
      return [`the service account's client ID or secret is wrong: check them in Atlas (${SA_PLACE})`, ExitCode.auth];
    case 'forbidden':
      return [
        `Atlas refused the service account a token: check in Atlas (${SA_PLACE}) that it is active and allows this machine's IP address`,
        ExitCode.auth,
      ];
    case 'rate-limited':
      return ['Atlas kept rate-limiting token requests for the service account: wait a minute and try again', ExitCode.transient];
    case 'server':
      return [`Atlas failed with HTTP ${error.status} on ${error.method} ${error.path}: try again in a few minutes`, ExitCode.transient];
    default:
      return [
        `Atlas refused the token request with HTTP ${error.status}${error.detail === undefined ? '' : `: ${error.detail}`}`,
        ExitCode.failure,
      ];
  }
}

function responseWords(error: AtlasResponseError): Words {
  if (error.kind === 'unsupported-auth') {
    return words(
      `Atlas asked for a kind of digest authentication dynsecret does not support (${error.problem}): report this to the dynsecret maintainers`,
      ExitCode.failure,
    );
  }
  const request = error.method === undefined || error.path === undefined ? '' : ` to ${error.method} ${error.path}`;
  return words(`Atlas sent an unexpected response${request}: ${error.problem}`, ExitCode.failure);
}

function networkWords(error: AtlasNetworkError, source: ConfigSource): Words {
  const { host, reason, code } = error;
  const fields = fieldsOf(source);
  switch (error.kind) {
    case 'tls':
      return words(
        `could not verify the TLS certificate of ${host}: ${reason} (${code}); if a proxy or private CA signs it, ${fields.addCa} or set NODE_EXTRA_CA_CERTS`,
        ExitCode.failure,
      );
    case 'timeout':
      return words(`no answer in time from ${host} (${reason}): check the network and try again`, ExitCode.transient);
    case 'unreachable':
      return words(
        `could not reach ${host}: ${reason} (${code}); check the network, the proxy settings and ${fields.baseUrl}`,
        ExitCode.transient,
      );
  }
}

function inputWords(error: AtlasInputError, source: ConfigSource): Words {
  const fields = fieldsOf(source);
  switch (error.rule) {
    case 'project-id':
      return words(`${error.problem}: check ${fields.groupId}`, ExitCode.usage);
    case 'base-url-syntax':
      return words(`${error.problem}: pass something like https://cloud.mongodb.com`, ExitCode.usage);
    case 'ca-file-unreadable':
      return words(`${error.problem}: check ${fields.caFile}`, ExitCode.usage);
    case 'ca-file-no-certificate':
      return words(`${error.problem}: pass a file with -----BEGIN CERTIFICATE----- blocks`, ExitCode.usage);
    case 'proxy-url':
      return words(`${error.problem}: set it like http://proxy.example.com:3128, or unset it`, ExitCode.usage);
    case 'base-url-scheme':
    case 'request-body':
      return words(error.problem, ExitCode.usage);
  }
}
