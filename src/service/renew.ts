import { AtlasApiError } from '../atlas/error-types.js';
import type { ServiceContext } from './context.js';
import type { DynamicSecretConfig } from '../config/schema.js';
import { NotFoundError } from '../errors.js';
import { formatDuration, parseDuration } from '../rules/duration.js';
import { readLeaseLabels } from '../rules/labels.js';
import { ATLAS_LIMIT, renewExpiry, toAtlasDate, type RenewCap, type RenewVerdict } from '../rules/ttl.js';
import { extendAddress } from './access-list.js';
import { findConfig } from './configs.js';

export interface RenewRequest {
  leaseId: string;
  ttl?: string | undefined;
  /** The config of a lease made on another machine (its Atlas labels must name it). */
  config?: string | undefined;
}

/** A renewal done: Atlas and the store hold the new expiry, and the audit trail has a line for it. */
export interface Renewal {
  leaseId: string;
  config: DynamicSecretConfig;
  previousExpiresAt: Date;
  expiresAt: Date;
  cappedBy: RenewCap;
  /** The clock reading the renewal was computed at. */
  now: Date;
}

interface LeaseFacts {
  config: DynamicSecretConfig;
  createdAt: Date;
  expiresAt: Date;
  maxExpiresAt: Date;
}

const isNotFound = (error: unknown) => error instanceof AtlasApiError && error.errorCode === 'USERNAME_NOT_FOUND';

/** The lease as this machine knows it, or as Atlas' labels tell it when `--config` names a lease made elsewhere. */
async function leaseFacts(context: ServiceContext, options: RenewRequest): Promise<LeaseFacts> {
  const record = (await context.store.read()).leases.find((l) => l.leaseId === options.leaseId);
  if (record && record.status !== 'gone') {
    if (options.config !== undefined && options.config !== record.config) {
      throw new NotFoundError(`Lease ${options.leaseId} belongs to config ${record.config}, not ${options.config}.`);
    }
    const config = await findConfig(context, record.config);
    return {
      config,
      createdAt: new Date(record.createdAt),
      expiresAt: new Date(record.expiresAt),
      maxExpiresAt: new Date(record.maxExpiresAt),
    };
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
  return {
    config,
    createdAt: new Date(labels.createdAt),
    expiresAt: new Date(user.deleteAfterDate),
    maxExpiresAt: new Date(labels.maxExpiresAt),
  };
}

/**
 * A refused renewal in words. A live lease already at its max TTL is refused as such whatever the rule's
 * reason: the rule alone might suggest a longer TTL, which cannot help either.
 */
function renewRefusal(
  verdict: Exclude<RenewVerdict, { ok: true }>,
  lease: { leaseId: string; configName: string; createdAt: Date; expiresAt: Date; maxTtlMs: number; ttlMs: number; now: Date },
): NotFoundError {
  const current = toAtlasDate(lease.expiresAt);
  const live = lease.expiresAt.getTime() > lease.now.getTime();
  const atMax = lease.expiresAt.getTime() >= lease.createdAt.getTime() + lease.maxTtlMs;
  if (live && atMax) {
    return new NotFoundError(`lease ${lease.leaseId} is at its max TTL, expires ${current}`, {
      hint: `Lease a new one instead: dynsecret lease ${lease.configName}`,
    });
  }
  switch (verdict.reason) {
    case 'expired':
      return new NotFoundError(`lease ${lease.leaseId} has expired (${current})`);
    case 'not-longer':
      return new NotFoundError(
        `renewing lease ${lease.leaseId} for ${formatDuration(lease.ttlMs)} would not extend it; it expires ${current}`,
        {
          hint: 'ask for a longer TTL',
        },
      );
    case 'at-limit':
      return new NotFoundError(
        `lease ${lease.leaseId} is at ${verdict.limit === 'max-ttl' ? 'its max TTL' : `Atlas' limit of ${ATLAS_LIMIT}`}, expires ${current}`,
      );
  }
}

/**
 * Renews a lease: new expiry = min(now + TTL, created + max TTL, now + 7 days), set in Atlas, then in the
 * store (a lease made elsewhere gets a record). A user Atlas no longer has marks the record gone.
 */
export async function renewLease(context: ServiceContext, options: RenewRequest): Promise<Renewal> {
  const ttl = options.ttl === undefined ? undefined : parseDuration(options.ttl, '--ttl');
  const facts = await leaseFacts(context, options);
  const { config } = facts;
  const now = context.now();
  // The max the lease was issued with, or the config's if it has been lowered since.
  const maxTtlMs = Math.min(config.maxTtlMs, facts.maxExpiresAt.getTime() - facts.createdAt.getTime());
  const ttlMs = ttl ?? config.defaultTtlMs;
  const verdict = renewExpiry({ now, ttlMs, maxTtlMs, createdAt: facts.createdAt, currentExpiresAt: facts.expiresAt });
  if (!verdict.ok) {
    throw renewRefusal(verdict, {
      leaseId: options.leaseId,
      configName: config.name,
      createdAt: facts.createdAt,
      expiresAt: facts.expiresAt,
      maxTtlMs,
      ttlMs,
      now,
    });
  }
  const { expiresAt, cappedBy } = verdict;
  const atlas = await context.atlas(config);
  let renewed;
  try {
    renewed = await atlas.updateDatabaseUser(options.leaseId, { deleteAfterDate: toAtlasDate(expiresAt) });
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
        leaseId: options.leaseId,
        config: config.name,
        createdAt: toAtlasDate(facts.createdAt),
        expiresAt: toAtlasDate(expiresAt),
        maxExpiresAt: toAtlasDate(facts.maxExpiresAt),
        status: 'active',
      });
    }
  });
  context.audit.note({ config: config.name, leaseId: options.leaseId, expiresAt: toAtlasDate(expiresAt) });
  await extendAddress(context, config, renewed, { leaseId: options.leaseId, expiresAt });
  return { leaseId: options.leaseId, config, previousExpiresAt: facts.expiresAt, expiresAt, cappedBy, now };
}
