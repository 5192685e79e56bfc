import { AtlasApiError, AtlasInputError } from '../atlas/error-types.js';
import type { Context } from '../context.js';
import type { DynamicSecretConfig } from '../config/schema.js';
import { expectedError } from '../error-text.js';
import { NotFoundError, UsageError } from '../errors.js';
import { generatePassword, generateUsername } from '../lease/credentials.js';
import { parseDuration } from '../lease/duration.js';
import { leaseDescription, leaseLabels } from '../lease/labels.js';
import { pruneLeases } from '../lease/status.js';
import { leaseExpiry, toAtlasDate } from '../lease/ttl.js';
import { checkEnvFile, upsertEnvFile } from '../output/env-file.js';
import type { OutputFormat } from '../output/formats.js';
import { checkPrefix, leaseVariables, parseOutputFormat, renderLease, type IssuedLease } from '../output/lease-output.js';
import { formatExpiry } from '../output/time.js';
import type { LeaseRecord } from '../store/schema.js';

export interface LeaseOptions {
  name: string;
  ttl?: string;
  format?: string;
  prefix?: string;
  envFile?: string;
  cluster?: string;
  /** Wait for the user to be applied to the clusters; a timeout in ms. */
  waitMs?: number;
}

export async function findConfig(context: Context, name: string): Promise<DynamicSecretConfig> {
  const config = (await context.store.read()).configs.find((c) => c.name === name);
  if (!config) throw new NotFoundError(`No config named ${name}.`, { hint: 'See the configs with: dynsecret list' });
  return config;
}

/** Waits until a lease's user is usable on its clusters; provided by the wait module. */
export type WaitForApplied = (context: Context, config: DynamicSecretConfig, lease: IssuedLease, timeoutMs: number) => Promise<void>;

/** Checks what the caller will print or write with these credentials, before the user exists. */
export type CheckDelivery = (lease: IssuedLease) => Promise<void> | void;

/**
 * Creates a lease: validates everything first (the variables it yields and `checkDelivery` included, since
 * the username and password are known before Atlas is asked), records the intent, creates the Atlas user
 * (retry-safe), records the lease, then returns it. Any failure after the user exists revokes it again.
 */
export async function createLease(
  context: Context,
  options: LeaseOptions,
  wait?: WaitForApplied,
  checkDelivery?: CheckDelivery,
): Promise<{ lease: IssuedLease; config: DynamicSecretConfig }> {
  const config = await findConfig(context, options.name);
  const prefix = options.prefix ?? '';
  checkPrefix(prefix);
  const now = context.now();
  const ttlMs = options.ttl === undefined ? undefined : parseDuration(options.ttl, '--ttl');
  const { expiresAt, maxExpiresAt } = leaseExpiry({ now, ttlMs, defaultTtlMs: config.defaultTtlMs, maxTtlMs: config.maxTtlMs });
  const createdAt = new Date(Math.floor(now.getTime() / 1000) * 1000);
  const username = generateUsername({ configName: config.name, template: config.usernameTemplate, now });
  const password = generatePassword();
  const record: LeaseRecord = {
    leaseId: username,
    config: config.name,
    createdAt: toAtlasDate(createdAt),
    expiresAt: toAtlasDate(expiresAt),
    maxExpiresAt: toAtlasDate(maxExpiresAt),
    status: 'creating',
  };

  const atlas = await context.atlas(config);
  // Asked before the user exists: a wrong --cluster must not leave a user whose credentials nobody received.
  const clusterUri = options.cluster === undefined ? config.connectionString : await clusterConnectionString(context, config, options.cluster);
  const lease: IssuedLease = { leaseId: username, config: config.name, username, password, createdAt, expiresAt, maxExpiresAt, clusterUri };
  // Everything that could stop the credentials from reaching anyone fails here, while nothing exists yet.
  leaseVariables(lease, prefix);
  await checkDelivery?.(lease);

  // The intent is recorded first: a process killed after Atlas answered leaves a visible record.
  await context.store.update((data) => {
    data.leases = pruneLeases(data.leases, now);
    data.leases.push(record);
  });
  try {
    await atlas.createDatabaseUser({
      username,
      password,
      roles: config.roles,
      scopes: config.scopes,
      deleteAfterDate: record.expiresAt,
      description: leaseDescription(config.name),
      labels: leaseLabels(record),
    });
  } catch (error) {
    if (definitelyNotCreated(error)) await forget(context, username);
    else await abandon(context, config, username, false);
    throw error;
  }
  try {
    await setStatus(context, username, 'active');
    context.audit.note({ config: config.name, leaseId: username, expiresAt: record.expiresAt });
  } catch (error) {
    // The original failure is the one to report; a record left behind shows as incomplete in `list`.
    await abandon(context, config, username, true).catch(() => undefined);
    throw error;
  }
  if (options.waitMs !== undefined && wait) await wait(context, config, lease, options.waitMs);
  return { lease, config };
}

/** `dynsecret lease NAME`: the stdout text, written by the CLI only after everything succeeded. */
export async function lease(context: Context, options: LeaseOptions, wait?: WaitForApplied): Promise<string> {
  const format: OutputFormat | undefined = options.format === undefined ? undefined : parseOutputFormat(options.format);
  const prefix = options.prefix ?? '';
  const chosen = format ?? (options.envFile !== undefined ? undefined : context.io.stdoutIsTty ? 'table' : 'shell');
  // The output and the env file are tried before the user is created: a value a format cannot carry, or a
  // file that cannot be written, ends the command while there is nothing to revoke.
  const checkDelivery: CheckDelivery = async (issued) => {
    if (chosen !== undefined) await renderLease(issued, chosen, prefix, context.now());
    if (options.envFile !== undefined) await checkEnvFile(options.envFile, leaseVariables(issued, prefix));
  };
  const { lease: issued, config } = await createLease(context, options, wait, checkDelivery);
  const now = context.now();
  let output: string;
  try {
    if (options.envFile !== undefined) await upsertEnvFile(options.envFile, leaseVariables(issued, prefix));
    output = chosen === undefined ? '' : await renderLease(issued, chosen, prefix, now, () => context.io.painter('stdout'));
  } catch (error) {
    // Nobody can use credentials that were never delivered: revoke rather than leave them alive.
    await abandon(context, config, issued.leaseId, true);
    throw error;
  }
  context.io.error(`Leased ${issued.leaseId} from ${config.name}; expires ${formatExpiry(issued.expiresAt, now)}.`);
  if (options.envFile !== undefined) context.io.error(`Wrote the credentials to ${options.envFile}.`);
  return output;
}

async function setStatus(context: Context, leaseId: string, status: LeaseRecord['status']): Promise<void> {
  await context.store.update((data) => {
    const record = data.leases.find((l) => l.leaseId === leaseId);
    if (record) record.status = status;
  });
}

/**
 * Undoes a lease that cannot be delivered: deletes the user (absent is fine) and the record. When the
 * delete fails too, the record stays as `creating` so `list` shows it and `revoke --expired` cleans it.
 */
export async function abandon(context: Context, config: DynamicSecretConfig, leaseId: string, created: boolean): Promise<void> {
  try {
    const atlas = await context.atlas(config);
    await atlas.deleteDatabaseUser(leaseId);
  } catch (error) {
    context.io.error(`warning: could not ${created ? 'revoke' : 'check for'} ${leaseId} in Atlas (${expectedError(error)?.message ?? 'error'}); run \`dynsecret revoke --expired\` later.`);
    return;
  }
  await forget(context, leaseId);
}

async function forget(context: Context, leaseId: string): Promise<void> {
  await context.store.update((data) => {
    data.leases = data.leases.filter((l) => l.leaseId !== leaseId);
  });
}

/** Atlas answered with a client error (or nothing was sent): no user can exist. */
function definitelyNotCreated(error: unknown): boolean {
  if (error instanceof AtlasApiError) return error.status >= 400 && error.status < 500;
  return error instanceof UsageError || error instanceof AtlasInputError;
}

async function clusterConnectionString(context: Context, config: DynamicSecretConfig, cluster: string): Promise<string> {
  const atlas = await context.atlas(config);
  const found = await atlas.getCluster(cluster);
  const uri = found.connectionStrings?.standardSrv ?? found.connectionStrings?.standard;
  if (uri === undefined) throw new UsageError(`Cluster ${cluster} has no connection string yet (is it still being created?).`);
  return uri;
}
