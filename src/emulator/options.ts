import { isIP } from 'node:net';
import { parseArgs } from 'node:util';
import ms from 'ms';
import { MAX_CLOCK_SPEED } from './clock.js';

export interface EmulatorOptions {
  host: string;
  /** 0 picks any free port. */
  port: number;
  publicKey: string;
  privateKey: string;
  groupId: string;
  clusters: string[];
  /** How long a cluster stays PENDING after a user change that concerns it. */
  applyDelayMs: number;
  /** How long an access list entry stays PENDING after it is added or changed. */
  accessListDelayMs: number;
  maxUsers: number;
  /** Emulator milliseconds per real millisecond (1 = real time). */
  clockSpeed: number;
  /** The caller's address as `GET /api/private/ipinfo` reports it; undefined = the socket's. */
  clientIp: string | undefined;
  nonceLifetimeMs: number;
  /** Added to every `/api/…` request. */
  latencyMs: number;
  clientId: string;
  clientSecret: string;
  stateFile: string | undefined;
  /** Paths to PEM files; both or neither. */
  tlsCert: string | undefined;
  tlsKey: string | undefined;
  rateCapacity: number;
  ratePerMinute: number;
  /** Receives one line per request and lifecycle event; never secrets. */
  log: ((line: string) => void) | undefined;
}

/** Defaults that are not random (credentials, ids and cluster names come from the state file or are generated). */
export const DEFAULTS = {
  host: '127.0.0.1',
  port: 0,
  clusters: ['Cluster0'],
  applyDelayMs: 2000,
  accessListDelayMs: 1000,
  maxUsers: 100,
  clockSpeed: 1,
  nonceLifetimeMs: 5 * 60_000,
  latencyMs: 0,
  rateCapacity: 10_000,
  ratePerMinute: 5_000,
} as const;

export const GROUP_ID_PATTERN = /^[a-f0-9]{24}$/;
export const CLUSTER_NAME_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9-]*$/;

export class OptionError extends Error {}

export const USAGE = `Usage: dynsecret-atlas-emulator [options]

A local emulator of the Atlas Administration API v2 parts that dynsecret uses.
Prints one JSON line {url, publicKey, privateKey, groupId, clusters, clientId, clientSecret} on stdout.

Options:
  --host HOST              interface to listen on (default 127.0.0.1)
  --port N                 port, 0 = any free port (default 0)
  --public-key KEY         API public key (default: random)
  --private-key KEY        API private key (default: random)
  --group-id ID            project id, 24 hex characters (default: random)
  --clusters A,B           cluster names (default Cluster0)
  --apply-delay 2s         how long clusters stay PENDING after a user change (default 2s)
  --access-list-delay 1s   how long access list entries stay PENDING after a change (default 1s)
  --max-users N            database users per project (default 100; POST /__emulator/limits changes it)
  --clock-speed N          emulator time runs N times faster than real time, 0 stops it (default 1)
  --client-ip IP           the caller's address GET /api/private/ipinfo reports (default: the socket's)
  --nonce-lifetime 5m      digest nonce lifetime (default 5m)
  --latency 0ms            latency added to every API request (default 0ms)
  --rate-capacity N        token bucket capacity per project (default 10000)
  --rate-per-minute N      token bucket refill per minute (default 5000)
  --client-id ID           service account client id (default: random)
  --client-secret SECRET   service account client secret (default: random)
  --state-file PATH        keep state in PATH across restarts
  --tls-cert PATH          serve HTTPS with this certificate (PEM)
  --tls-key PATH           and this private key (PEM)
  --quiet                  no request log on stderr
  -h, --help               show this help

Test controls under /__emulator/ (loopback clients only, no auth; no Origin, the emulator's own Host or
localhost:PORT, JSON bodies): clock (advanceMs, speed), faults, limits (maxUsers), state, reset,
requests. See the emulator's README for their bodies.
`;

interface ParsedArgv {
  options: Partial<EmulatorOptions>;
  help: boolean;
  quiet: boolean;
}

/** Turns argv into options; throws OptionError with a message fit for stderr. */
export function parseArgv(argv: string[]): ParsedArgv {
  const { values } = parseArgsOrThrow(argv);
  const options: Partial<EmulatorOptions> = {};
  if (values.host !== undefined) options.host = values.host;
  if (values.port !== undefined) options.port = integer('--port', values.port, 0, 65_535);
  if (values['public-key'] !== undefined) options.publicKey = nonEmpty('--public-key', values['public-key']);
  if (values['private-key'] !== undefined) options.privateKey = nonEmpty('--private-key', values['private-key']);
  if (values['group-id'] !== undefined) options.groupId = groupId(values['group-id']);
  if (values.clusters !== undefined) options.clusters = clusterNames(values.clusters);
  if (values['apply-delay'] !== undefined) options.applyDelayMs = duration('--apply-delay', values['apply-delay']);
  if (values['max-users'] !== undefined) options.maxUsers = integer('--max-users', values['max-users'], 1, 1_000_000);
  if (values['access-list-delay'] !== undefined) {
    options.accessListDelayMs = duration('--access-list-delay', values['access-list-delay']);
  }
  if (values['clock-speed'] !== undefined) options.clockSpeed = clockSpeed('--clock-speed', values['clock-speed']);
  if (values['client-ip'] !== undefined) options.clientIp = ipAddress('--client-ip', values['client-ip']);
  if (values['nonce-lifetime'] !== undefined) {
    options.nonceLifetimeMs = duration('--nonce-lifetime', values['nonce-lifetime']);
    // A nonce that is stale on arrival would answer every request with another challenge.
    if (options.nonceLifetimeMs < 1000) throw new OptionError('--nonce-lifetime must be at least 1s');
  }
  if (values.latency !== undefined) options.latencyMs = duration('--latency', values.latency);
  if (values['rate-capacity'] !== undefined) options.rateCapacity = integer('--rate-capacity', values['rate-capacity'], 1, 1e9);
  if (values['rate-per-minute'] !== undefined) options.ratePerMinute = integer('--rate-per-minute', values['rate-per-minute'], 1, 1e9);
  if (values['client-id'] !== undefined) options.clientId = nonEmpty('--client-id', values['client-id']);
  if (values['client-secret'] !== undefined) options.clientSecret = nonEmpty('--client-secret', values['client-secret']);
  if (values['state-file'] !== undefined) options.stateFile = nonEmpty('--state-file', values['state-file']);
  if (values['tls-cert'] !== undefined) options.tlsCert = nonEmpty('--tls-cert', values['tls-cert']);
  if (values['tls-key'] !== undefined) options.tlsKey = nonEmpty('--tls-key', values['tls-key']);
  if ((options.tlsCert === undefined) !== (options.tlsKey === undefined)) {
    throw new OptionError('--tls-cert and --tls-key go together: give both or neither');
  }
  return { options, help: values.help === true, quiet: values.quiet === true };
}

function parseArgsOrThrow(argv: string[]) {
  const text = { type: 'string' } as const;
  try {
    return parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        host: text,
        port: text,
        'public-key': text,
        'private-key': text,
        'group-id': text,
        clusters: text,
        'apply-delay': text,
        'max-users': text,
        'access-list-delay': text,
        'clock-speed': text,
        'client-ip': text,
        'nonce-lifetime': text,
        latency: text,
        'rate-capacity': text,
        'rate-per-minute': text,
        'client-id': text,
        'client-secret': text,
        'state-file': text,
        'tls-cert': text,
        'tls-key': text,
        quiet: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new OptionError(error instanceof Error ? error.message : String(error));
  }
}

function nonEmpty(flag: string, value: string): string {
  if (value.trim() === '') throw new OptionError(`${flag} needs a value`);
  return value;
}

function integer(flag: string, value: string, min: number, max: number): number {
  const n = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new OptionError(`${flag} must be a whole number from ${min} to ${max}, got "${value}"`);
  }
  return n;
}

/** Durations as `ms` reads them (`2s`, `5m`, `0ms`, `1500`), never negative. */
export function duration(flag: string, value: string): number {
  const n = ms(value as ms.StringValue) as number | undefined;
  if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) {
    throw new OptionError(`${flag} must be a duration such as 2s, 5m or 0ms, got "${value}"`);
  }
  return n;
}

/** A speed-up factor: a number from 0 (time stands still) to MAX_CLOCK_SPEED. */
export function clockSpeed(flag: string, value: string): number {
  const n = /^\d+(\.\d+)?$/.test(value) ? Number(value) : NaN;
  if (!Number.isFinite(n) || n > MAX_CLOCK_SPEED) {
    throw new OptionError(`${flag} must be a number from 0 to ${MAX_CLOCK_SPEED}, got "${value}"`);
  }
  return n;
}

function ipAddress(flag: string, value: string): string {
  if (isIP(value) === 0) throw new OptionError(`${flag} must be an IPv4 or IPv6 address, got "${value}"`);
  return value;
}

function groupId(value: string): string {
  if (!GROUP_ID_PATTERN.test(value)) {
    throw new OptionError(`--group-id must be 24 lowercase hex characters, got "${value}"`);
  }
  return value;
}

function clusterNames(value: string): string[] {
  const names = value.split(',').map((name) => name.trim());
  for (const name of names) {
    if (!CLUSTER_NAME_PATTERN.test(name)) {
      throw new OptionError(`--clusters: "${name}" is not a cluster name (letters, digits and -, e.g. Cluster0)`);
    }
  }
  if (new Set(names).size !== names.length) throw new OptionError('--clusters: a name appears twice');
  return names;
}
