import { AtlasApiError, AtlasInputError } from '../atlas/error-types.js';
import type { ServiceContext } from './context.js';
import { undeliveredFate, type UndeliveredFate } from '../output/lease-messages.js';
import type { DynamicSecretConfig } from '../config/schema.js';
import { DynsecretError, InterruptedError, UsageError } from '../errors.js';
import { generatePassword, generateUsername } from '../rules/credentials.js';
import { parseDuration } from '../rules/duration.js';
import { leaseDescription, leaseLabels } from '../rules/labels.js';
import { pruneLeases } from '../rules/status.js';
import { leaseExpiry, toAtlasDate } from '../rules/ttl.js';
import { checkPrefix, leaseVariables, type IssuedLease } from '../output/lease-output.js';
import type { Variable } from '../output/formats.js';
import type { LeaseRecord } from '../store/schema.js';
import { allowIpLabel } from '../rules/allow-ip.js';
import { allowAddress, resolveAllowIp } from './access-list.js';
import { findConfig } from './configs.js';
import { interruptedBy } from './interrupts.js';
import { revokeTargets } from './revoke.js';
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

/**
 * Waits until a lease's user is usable on its clusters, ending early when `cancel` aborts; provided by the
 * wait module.
 */
export type WaitForApplied = (
  context: ServiceContext,
  config: DynamicSecretConfig,
  lease: IssuedLease,
  timeoutMs: number,
  cancel?: AbortSignal,
) => Promise<void>;

/**
 * Checks what the caller will print or write with these credentials (the lease and its variables, the very
 * ones the outcome carries), before the user exists.
 */
export type CheckDelivery = (lease: IssuedLease, variables: readonly Variable[]) => Promise<void> | void;

/** A lease made: the lease, its config, and its variables (SPEC's names, with `--prefix`), built once here. */
export interface Leased {
  lease: IssuedLease;
  config: DynamicSecretConfig;
  variables: readonly Variable[];
}

/**
 * Creates a lease: validates everything first (its variables and `checkDelivery` included, since the username
 * and password are known before Atlas is asked), records the intent, creates the Atlas user (retry-safe),
 * records the lease, then returns it with its variables. Any failure after the user exists revokes it again.
 */
export async function createLease(
  context: ServiceContext,
  options: LeaseRequest,
  wait?: WaitForApplied,
  checkDelivery?: CheckDelivery,
  cancel?: AbortSignal,
): Promise<Leased> {
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
  const allowed = options.allowIp === undefined ? undefined : await resolveAllowIp(context, atlas, options.allowIp);
  if (allowed !== undefined) record.allowIp = allowed.value;
  const lease: IssuedLease = { leaseId: username, config: config.name, username, password, createdAt, expiresAt, maxExpiresAt, clusterUri };
  // Everything that could stop the credentials from reaching anyone fails here, while nothing exists yet.
  const variables = leaseVariables(lease, prefix);
  await checkDelivery?.(lease, variables);

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
  try {
    if (options.waitMs !== undefined && wait) await wait(context, config, lease, options.waitMs, cancel);
    if (cancel?.aborted) throw interruptedBy(cancel, `before the credentials of ${username} were delivered`);
  } catch (error) {
    return revokeUndelivered(context, config, username, error);
  }
  return { lease, config, variables };
}

/**
 * Ends a command whose lease's credentials were never delivered (a wait that timed out or was interrupted, a
 * stdout or env file that could not be written): the user is revoked, since nobody has its password, and the
 * error that ends the command says so. When the revoke fails too, it says how to retry it, and `error`'s exit
 * code stands.
 */
export async function revokeUndelivered(
  context: ServiceContext,
  config: DynamicSecretConfig,
  leaseId: string,
  error: unknown,
): Promise<never> {
  let fate: UndeliveredFate;
  try {
    const [result] = await revokeTargets(context, [{ leaseId, config: config.name }]);
    if (result?.outcome === 'failed') throw new Error(result.error);
    fate = { leaseId, revoked: true };
  } catch (revokeError) {
    const reason = (await context.words(revokeError))?.message ?? (revokeError as Error).message;
    fate = { leaseId, revoked: false, reason, fromFile: context.configFile?.path };
  }
  const words = await context.words(error);
  if (words === undefined) {
    // An unforeseen error keeps its own words (and stack); the lease's fate gets a line of its own.
    context.notify({ type: 'undelivered', fate });
    throw error;
  }
  const message = `${words.message.replace(/\.$/, '')}; ${undeliveredFate(fate)}.`;
  const options = { cause: error, ...(words.hint === undefined ? {} : { hint: words.hint }) };
  throw error instanceof InterruptedError
    ? new InterruptedError(message, words.exitCode)
    : new DynsecretError(message, words.exitCode, options);
}

async function setStatus(context: ServiceContext, leaseId: string, status: LeaseRecord['status']): Promise<void> {
  await context.store.update((data) => {
    const record = data.leases.find((l) => l.leaseId === leaseId);
    if (record) record.status = status;
  });
}

/**
 * Undoes a lease that cannot be delivered: deletes the user (absent is fine) and the record. When the
 * delete fails too, the record stays as `creating` so `list` shows it and `revoke --expired` cleans it.
 */
export async function abandon(context: ServiceContext, config: DynamicSecretConfig, leaseId: string, created: boolean): Promise<void> {
  try {
    const atlas = await context.atlas(config);
    await atlas.deleteDatabaseUser(leaseId);
  } catch (error) {
    const reason = (await context.words(error))?.message ?? 'error';
    context.notify({ type: 'abandon-failed', leaseId, created, reason, fromFile: context.configFile?.path });
    return;
  }
  await forget(context, leaseId);
}

async function forget(context: ServiceContext, leaseId: string): Promise<void> {
  await context.store.update((data) => {
    data.leases = data.leases.filter((l) => l.leaseId !== leaseId);
  });
}

/** Atlas answered with a client error (or nothing was sent): no user can exist. */
function definitelyNotCreated(error: unknown): boolean {
  if (error instanceof AtlasApiError) return error.status >= 400 && error.status < 500;
  return error instanceof UsageError || error instanceof AtlasInputError;
}

async function clusterConnectionString(context: ServiceContext, config: DynamicSecretConfig, cluster: string): Promise<string> {
  const atlas = await context.atlas(config);
  const found = await atlas.getCluster(cluster);
  const uri = found.connectionStrings?.standardSrv ?? found.connectionStrings?.standard;
  if (uri === undefined) throw new UsageError(`Cluster ${cluster} has no connection string yet (is it still being created?).`);
  return uri;
}
