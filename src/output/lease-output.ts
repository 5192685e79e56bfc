import type { ChalkInstance } from 'chalk';
import { DynsecretError, ExitCode, UsageError } from '../errors.js';
import { isConnectionString, withCredentials } from '../rules/connection-string.js';
import { renderColumns } from './columns.js';
import { checkVariableName, renderJson, renderVariables, type OutputFormat, type Variable } from './formats.js';
import { formatExpiry, formatIso } from './time.js';

/** Everything `lease` can print about a new lease; the password lives only here and on stdout. */
export interface IssuedLease {
  leaseId: string;
  config: string;
  username: string;
  password: string;
  createdAt: Date;
  expiresAt: Date;
  maxExpiresAt: Date;
  /** The cluster's `mongodb+srv://host` string, when one is known. */
  clusterUri?: string | undefined;
}

export const OUTPUT_FORMATS: readonly OutputFormat[] = ['shell', 'fish', 'powershell', 'dotenv', 'json', 'table'];
/** Every `--format` that `lease` takes: these, and `env` (unquoted NAME=value lines, src/output/env-plain.ts). */
export const LEASE_FORMATS: readonly string[] = [...OUTPUT_FORMATS, 'env'];

export function parseOutputFormat(value: string): OutputFormat {
  if (!(OUTPUT_FORMATS as readonly string[]).includes(value)) {
    throw new UsageError(`Invalid --format ${JSON.stringify(value)}: use one of ${LEASE_FORMATS.join(', ')}.`);
  }
  return value as OutputFormat;
}

/**
 * The connection string with the credentials in it, URI-encoded. A string that breaks the rule (one saved
 * by an older version, before connection strings were checked on arrival) is refused, never printed.
 */
export function connectionString(clusterUri: string, username: string, password: string): string {
  if (!isConnectionString(clusterUri)) {
    throw new DynsecretError(
      'The cluster connection string of this config is not a mongodb:// or mongodb+srv:// URL dynsecret accepts',
      ExitCode.failure,
      {
        hint: 'pass --cluster NAME to read it from Atlas again, or create the config again',
      },
    );
  }
  return withCredentials(clusterUri, username, password);
}

/** Checks `--prefix` up front, before anything is created. */
export function checkPrefix(prefix: string): void {
  if (prefix !== '') checkVariableName(`${prefix}DB_USERNAME`);
}

/** The variables SPEC names, with `--prefix` on the DB_ and MONGODB_ ones. */
export function leaseVariables(lease: IssuedLease, prefix = ''): Variable[] {
  const vars: Variable[] = [
    [`${prefix}DB_USERNAME`, lease.username],
    [`${prefix}DB_PASSWORD`, lease.password],
  ];
  if (lease.clusterUri !== undefined) {
    vars.push([`${prefix}MONGODB_URI`, connectionString(lease.clusterUri, lease.username, lease.password)]);
  }
  vars.push(['DYNSECRET_LEASE_ID', lease.leaseId], ['DYNSECRET_LEASE_EXPIRES_AT', formatIso(lease.expiresAt)]);
  return vars;
}

/** The value of `MONGODB_URI` (whatever its prefix) among a lease's variables, if it has one. */
const uriOf = (variables: readonly Variable[]) => variables.find(([name]) => name.endsWith('MONGODB_URI'))?.[1];

/** The stable JSON of `lease --format json`. */
function leaseJson(lease: IssuedLease, variables: readonly Variable[]) {
  const uri = uriOf(variables);
  return {
    leaseId: lease.leaseId,
    config: lease.config,
    username: lease.username,
    password: lease.password,
    createdAt: formatIso(lease.createdAt),
    expiresAt: formatIso(lease.expiresAt),
    maxExpiresAt: formatIso(lease.maxExpiresAt),
    ...(uri === undefined ? {} : { connectionString: uri }),
  };
}

/**
 * The lease on stdout in `format`, from its variables (`leaseVariables`); `paint`: chalk when a table goes to a
 * terminal with colour on (bold headings), loaded only for a table.
 */
export async function renderLease(
  lease: IssuedLease,
  variables: readonly Variable[],
  format: OutputFormat,
  now: Date,
  paint?: () => Promise<ChalkInstance | undefined>,
): Promise<string> {
  switch (format) {
    case 'json':
      return renderJson(leaseJson(lease, variables));
    case 'table': {
      const rows = variables.map(([name, value]) => [name, value]);
      rows.push(['EXPIRES', formatExpiry(lease.expiresAt, now)], ['MAX EXPIRES', formatIso(lease.maxExpiresAt)]);
      return renderColumns(['NAME', 'VALUE'], rows, await paint?.());
    }
    default:
      return renderVariables(format, variables);
  }
}
