import { AtlasApiError } from '../atlas/error-types.js';
import type { Context } from '../context.js';
import type { DynamicSecretConfig } from '../config/schema.js';
import { NotFoundError } from '../errors.js';
import { parseDuration } from '../lease/duration.js';
import { readLeaseLabels } from '../lease/labels.js';
import { renewExpiry, toAtlasDate, type RenewCap } from '../lease/ttl.js';
import { renderJson } from '../output/formats.js';
import { formatExpiry } from '../output/time.js';
import { findConfig } from './lease.js';

export interface RenewOptions {
  leaseId: string;
  ttl?: string;
  config?: string;
  json?: boolean;
}

interface LeaseFacts {
  config: DynamicSecretConfig;
  createdAt: Date;
  expiresAt: Date;
  maxExpiresAt: Date;
}

const isNotFound = (error: unknown) => error instanceof AtlasApiError && error.errorCode === 'USERNAME_NOT_FOUND';

/** The lease as this machine knows it, or as Atlas' labels tell it when `--config` names a lease made elsewhere. */
async function leaseFacts(context: Context, options: RenewOptions): Promise<LeaseFacts> {
  const record = (await context.store.read()).leases.find((l) => l.leaseId === options.leaseId);
  if (record && record.status !== 'gone') {
    if (options.config !== undefined && options.config !== record.config) {
      throw new NotFoundError(`Lease ${options.leaseId} belongs to config ${record.config}, not ${options.config}.`);
    }
    const config = await findConfig(context, record.config);
    return { config, createdAt: new Date(record.createdAt), expiresAt: new Date(record.expiresAt), maxExpiresAt: new Date(record.maxExpiresAt) };
  }
  if (options.config === undefined) {
    throw new NotFoundError(`No lease ${options.leaseId} on this machine.`, {
      hint: 'For a lease made elsewhere, name its config: dynsecret renew ID --config NAME',
    });
  }
  const config = await findConfig(context, options.config);
  const atlas = await context.atlas(config);
  const user = await atlas.getDatabaseUser(options.leaseId).catch((error: unknown) => {
    throw isNotFound(error) ? new NotFoundError(`Lease ${options.leaseId} no longer exists in Atlas.`) : error;
  });
  const labels = readLeaseLabels(user);
  if (!labels || labels.config !== config.name || user.deleteAfterDate === undefined) {
    throw new NotFoundError(`Atlas user ${options.leaseId} is not a lease of config ${config.name}.`);
  }
  return { config, createdAt: new Date(labels.createdAt), expiresAt: new Date(user.deleteAfterDate), maxExpiresAt: new Date(labels.maxExpiresAt) };
}

const capWords: Record<Exclude<RenewCap, null>, string> = {
  'max-ttl': "the config's max TTL",
  'atlas-7d': "Atlas' 7-day limit",
};

/**
 * The TTL rules, except that a live lease already at its max TTL is refused as such: the rules alone would
 * suggest a longer TTL, which cannot help either. A bad TTL is still a usage error first.
 */
function newExpiry(facts: LeaseFacts, input: { now: Date; ttlMs: number; maxTtlMs: number; leaseId: string }): ReturnType<typeof renewExpiry> {
  try {
    return renewExpiry({ ...input, createdAt: facts.createdAt, currentExpiresAt: facts.expiresAt });
  } catch (error) {
    const live = facts.expiresAt.getTime() > input.now.getTime();
    const atMax = facts.expiresAt.getTime() >= facts.createdAt.getTime() + input.maxTtlMs;
    if (!(error instanceof NotFoundError) || !live || !atMax) throw error;
    throw new NotFoundError(`lease ${input.leaseId} is at its max TTL, expires ${toAtlasDate(facts.expiresAt)}`, {
      hint: `Lease a new one instead: dynsecret lease ${facts.config.name}`,
    });
  }
}

/** `dynsecret renew ID`: new expiry = min(now + TTL, created + max TTL, now + 7 days). */
export async function renew(context: Context, options: RenewOptions): Promise<string> {
  const ttlMs = options.ttl === undefined ? undefined : parseDuration(options.ttl, '--ttl');
  const facts = await leaseFacts(context, options);
  const { config } = facts;
  const now = context.now();
  // The max the lease was issued with, or the config's if it has been lowered since.
  const maxTtlMs = Math.min(config.maxTtlMs, facts.maxExpiresAt.getTime() - facts.createdAt.getTime());
  const { expiresAt, cappedBy } = newExpiry(facts, { now, ttlMs: ttlMs ?? config.defaultTtlMs, maxTtlMs, leaseId: options.leaseId });
  const atlas = await context.atlas(config);
  try {
    await atlas.updateDatabaseUser(options.leaseId, { deleteAfterDate: toAtlasDate(expiresAt) });
  } catch (error) {
    if (!isNotFound(error)) throw error;
    await context.store.update((data) => {
      const record = data.leases.find((l) => l.leaseId === options.leaseId);
      if (record) record.status = 'gone';
    });
    throw new NotFoundError(`Lease ${options.leaseId} no longer exists in Atlas (revoked or expired).`);
  }
  await context.store.update((data) => {
    const record = data.leases.find((l) => l.leaseId === options.leaseId);
    if (record) {
      record.expiresAt = toAtlasDate(expiresAt);
      record.status = 'active';
    } else {
      data.leases.push({
        leaseId: options.leaseId, config: config.name, createdAt: toAtlasDate(facts.createdAt),
        expiresAt: toAtlasDate(expiresAt), maxExpiresAt: toAtlasDate(facts.maxExpiresAt), status: 'active',
      });
    }
  });
  context.audit.note({ config: config.name, leaseId: options.leaseId, expiresAt: toAtlasDate(expiresAt) });
  if (cappedBy !== null) context.io.error(`Capped by ${capWords[cappedBy]}.`);
  context.io.error(`Renewed ${options.leaseId}; expires ${formatExpiry(expiresAt, now)}.`);
  if (!options.json) return '';
  return renderJson({
    leaseId: options.leaseId,
    config: config.name,
    previousExpiresAt: toAtlasDate(facts.expiresAt),
    expiresAt: toAtlasDate(expiresAt),
    cappedBy,
  });
}
