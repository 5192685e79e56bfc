import { AtlasApiError, AtlasInputError } from '../atlas/error-types.js';
import type { Context } from '../cli/context.js';
import type { DynamicSecretConfig } from '../config/schema.js';
import { expectedError } from '../cli/error-text.js';
import { UsageError } from '../errors.js';
import { generatePassword, generateUsername } from '../rules/credentials.js';
import { parseDuration } from '../rules/duration.js';
import { leaseDescription, leaseLabels } from '../rules/labels.js';
import { pruneLeases } from '../rules/status.js';
import { leaseExpiry, toAtlasDate } from '../rules/ttl.js';
import { checkPrefix, leaseVariables, type IssuedLease } from '../output/lease-output.js';
import type { LeaseRecord } from '../store/schema.js';
import { allowIpLabel } from '../rules/allow-ip.js';
import { allowAddress, resolveAllowIp } from './access-list.js';
import { findConfig } from './configs.js';
import { isUserLimit, userLimitError } from './quota.js';

/** What a new lease is asked for. */
export interface LeaseRequest {
  name: string;
  ttl?: string | undefined;
  prefix?: string | undefined;
  cluster?: string | undefined;
  /** Wait for the user to be applied to the clusters; a timeout in ms. */
  waitMs?: number | undefined;
  /** `--allow-ip`: an address, a CIDR block or `current`, put on the project's IP access list for the lease. */
  allowIp?: string | undefined;
  /** The `--from-file` path, for the clean-up command a refusal names. */
  fromFile?: string | undefined;
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
  options: LeaseRequest,
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
  const clusterUri =
    options.cluster === undefined ? config.connectionString : await clusterConnectionString(context, config, options.cluster);
  const allowed = options.allowIp === undefined ? undefined : await resolveAllowIp(atlas, options.allowIp);
  if (allowed !== undefined) record.allowIp = allowed.value;
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
      labels: [...leaseLabels(record), ...(allowed === undefined ? [] : [allowIpLabel(allowed)])],
    });
  } catch (error) {
    if (definitelyNotCreated(error)) await forget(context, username);
    else await abandon(context, config, username, false);
    if (isUserLimit(error)) throw await userLimitError(context, config, error, options.fromFile);
    throw error;
  }
  try {
    await setStatus(context, username, 'active');
    context.audit.note({ config: config.name, leaseId: username, expiresAt: record.expiresAt });
    if (allowed !== undefined) await allowAddress(context, config, allowed, { leaseId: username, expiresAt }, options.waitMs);
  } catch (error) {
    // The original failure is the one to report; a record left behind shows as incomplete in `list`.
    await abandon(context, config, username, true).catch(() => undefined);
    throw error;
  }
  if (options.waitMs !== undefined && wait) await wait(context, config, lease, options.waitMs);
  return { lease, config };
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
    context.io.error(
      `warning: could not ${created ? 'revoke' : 'check for'} ${leaseId} in Atlas (${expectedError(error)?.message ?? 'error'}); run \`dynsecret revoke --expired\` later.`,
    );
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
