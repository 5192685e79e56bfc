import { AtlasApiError } from '../atlas/error-types.js';
import type { ServiceContext } from './context.js';
import type { DynamicSecretConfig } from '../config/schema.js';
import { DynsecretError, ExitCode, NotFoundError, UsageError, type ExitCodeValue } from '../errors.js';
import { LABEL_CONFIG } from '../rules/labels.js';
import type { RevokeOutcome } from '../output/lease-messages.js';
import type { LeaseRecord } from '../store/schema.js';
import { releaseAddresses } from './access-list.js';
import { findConfig } from './configs.js';
import { staleLeasesInAtlas } from './quota.js';
import { isFinished } from './lifecycle.js';

export type { RevokeOutcome } from '../output/lease-messages.js';

/** Which leases to revoke; see `selectTargets`. */
export interface RevokeSelection {
  leaseIds: string[];
  config?: string | undefined;
  all?: boolean | undefined;
  expired?: boolean | undefined;
}

export interface RevokeResult {
  leaseId: string;
  config: string;
  outcome: RevokeOutcome;
  error?: string;
  /** The exit code the failure maps to (exit codes table), for failures only. */
  exitCode?: number;
}

/** Several revokes at a time, few enough to stay well inside Atlas' rate limit. */
export const REVOKE_CONCURRENCY = 8;
/** A lease to revoke. */
interface Target {
  leaseId: string;
  config: string;
}

/**
 * Which leases a revoke means: the ids named (a lease made elsewhere only with `--config`, and only if its
 * Atlas user carries that config's label), every live lease of a config (`all`), or the finished ones
 * (`expired`). Exactly one of the three.
 */
export async function selectTargets(context: ServiceContext, options: RevokeSelection): Promise<Target[]> {
  const modes = [options.leaseIds.length > 0, options.all === true, options.expired === true].filter(Boolean).length;
  if (modes !== 1) {
    throw new UsageError('Name the leases to revoke: LEASE_ID…, or --config NAME --all, or --expired.', {
      hint: 'e.g. dynsecret revoke ds-app-db-1a2b3c4d5e6f',
    });
  }
  const { leases, configs } = await context.store.read();
  const now = context.now();
  if (options.all) {
    if (options.config === undefined) throw new UsageError('--all needs --config NAME.');
    await findConfig(context, options.config);
    return leases.filter((l) => l.config === options.config && l.status !== 'gone');
  }
  if (options.expired) {
    const local = leases.filter((l) => (options.config === undefined || l.config === options.config) && isFinished(l, now));
    // Leases made elsewhere have no record here: Atlas' labelled users are asked too.
    const consulted = options.config === undefined ? configs : [await findConfig(context, options.config)];
    return [...local, ...(await staleLeasesInAtlas(context, consulted, new Set(leases.map((l) => l.leaseId))))];
  }
  const targets = options.leaseIds.map((leaseId) => {
    const record = leases.find((l) => l.leaseId === leaseId);
    if (record) {
      if (options.config !== undefined && options.config !== record.config) {
        throw new NotFoundError(`Lease ${leaseId} belongs to config ${record.config}, not ${options.config}; nothing was revoked.`);
      }
      return { target: record, local: true };
    }
    if (options.config === undefined) {
      throw new NotFoundError(`No lease ${leaseId} on this machine.`, {
        hint: 'For a lease made elsewhere, name its config: dynsecret revoke ID --config NAME',
      });
    }
    return { target: { leaseId, config: options.config }, local: false };
  });
  const remote = targets.filter((t) => !t.local).map((t) => t.target);
  if (remote.length > 0) await checkRemoteTargets(context, options.config!, remote);
  return targets.map((t) => t.target);
}

const isNotFound = (error: unknown) => error instanceof AtlasApiError && error.errorCode === 'USERNAME_NOT_FOUND';

/**
 * A lease this machine does not know is deleted only if Atlas' user carries the config's label: `--config`
 * must never turn revoke into a way to delete any user of the project. Every id is checked before any is
 * deleted; one that is already gone is left to the delete, which counts it as revoked.
 */
async function checkRemoteTargets(context: ServiceContext, configName: string, targets: readonly Target[]): Promise<void> {
  const config = await findConfig(context, configName);
  const atlas = await context.atlas(config);
  const users = await mapBounded(targets, REVOKE_CONCURRENCY, (target) =>
    atlas.getDatabaseUser(target.leaseId).catch((error: unknown) => {
      if (isNotFound(error)) return undefined;
      throw error;
    }),
  );
  targets.forEach((target, index) => {
    const user = users[index];
    const label = user?.labels.find((l) => l.key === LABEL_CONFIG)?.value;
    if (user !== undefined && label !== config.name) {
      throw new NotFoundError(
        `Atlas user ${target.leaseId} is not a lease of config ${config.name} (it has no ${LABEL_CONFIG}=${config.name} label), so it was not deleted; nothing was revoked.`,
      );
    }
  });
}

async function revokeOne(context: ServiceContext, config: DynamicSecretConfig | undefined, target: Target): Promise<RevokeResult> {
  const base = { leaseId: target.leaseId, config: target.config };
  try {
    if (!config) throw new NotFoundError(`No config named ${target.config}.`);
    const atlas = await context.atlas(config);
    return { ...base, outcome: (await atlas.deleteDatabaseUser(target.leaseId)) === 'deleted' ? 'revoked' : 'absent' };
  } catch (error) {
    const text = await context.words(error);
    if (text === undefined) throw error;
    return { ...base, outcome: 'failed', error: text.message, exitCode: text.exitCode };
  }
}

/** Runs `work` over `items` with at most `limit` in flight, keeping the input order in the result. */
async function mapBounded<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * Revokes the targets (at most REVOKE_CONCURRENCY at a time) and records the outcomes: a revoked or absent
 * lease is forgotten; a failed one stays as `revoke-failed` with its error, unless `force` drops it too.
 * The caller adds the audit lines (`auditRevokes`) once whatever follows the revoke is done.
 */
export async function revokeTargets(
  context: ServiceContext,
  targets: readonly Target[],
  options: { force?: boolean | undefined } = {},
): Promise<RevokeResult[]> {
  const { configs, leases } = await context.store.read();
  const results = await mapBounded(targets, REVOKE_CONCURRENCY, (target) =>
    revokeOne(
      context,
      configs.find((c) => c.name === target.config),
      target,
    ),
  );

  await context.store.update((data) => {
    for (const result of results) {
      const record = data.leases.find((l) => l.leaseId === result.leaseId);
      if (result.outcome !== 'failed' || options.force) {
        data.leases = data.leases.filter((l) => l.leaseId !== result.leaseId);
        if (result.outcome === 'failed') result.outcome = 'dropped';
      } else if (record) {
        record.status = 'revoke-failed';
        record.lastError = result.error;
      }
    }
  });
  await releaseRevoked(context, configs, results, leases);
  return results;
}

/**
 * Once per config: its access list entries that no live lease needs any more go (see access-list.ts). Only
 * when a revoked lease had one (its record says so) or was made elsewhere (no record to say it had none).
 */
async function releaseRevoked(
  context: ServiceContext,
  configs: readonly DynamicSecretConfig[],
  results: readonly RevokeResult[],
  records: readonly LeaseRecord[],
): Promise<void> {
  const mayHaveEntry = (leaseId: string) => {
    const record = records.find((l) => l.leaseId === leaseId);
    return record === undefined || record.allowIp !== undefined;
  };
  const done = results.filter((r) => (r.outcome === 'revoked' || r.outcome === 'absent') && mayHaveEntry(r.leaseId));
  for (const config of configs.filter((c) => done.some((r) => r.config === c.name))) {
    await releaseAddresses(
      context,
      config,
      done.filter((r) => r.config === config.name).map((r) => r.leaseId),
    );
  }
}

/** One audit line per outcome. */
export function auditRevokes(context: ServiceContext, results: readonly RevokeResult[]): void {
  for (const result of results) {
    context.audit.note({
      config: result.config,
      leaseId: result.leaseId,
      outcome: result.outcome === 'failed' ? 'error' : 'ok',
      ...(result.exitCode === undefined ? {} : { exitCode: result.exitCode }),
    });
  }
}

/** The error of a revoke where some leases failed (their own exit code when they agree), or undefined. */
export function revokeFailure(results: readonly RevokeResult[]): DynsecretError | undefined {
  const failed = results.filter((r) => r.outcome === 'failed');
  if (failed.length === 0) return undefined;
  const codes = new Set(failed.map((r) => r.exitCode ?? ExitCode.failure));
  const code = codes.size === 1 ? (failed[0]!.exitCode as ExitCodeValue) : ExitCode.failure;
  return new DynsecretError(`${failed.length} of ${results.length} revoke(s) failed; they stay listed as "revoke failed".`, code, {
    hint: 'Run the same revoke again, or pass --force to forget them locally.',
  });
}

/**
 * Revokes what `selection` names as `dynsecret revoke` does: the records, one audit line and one event per
 * lease; throws `revokeFailure`'s error when some could not be revoked. (`run` at its end, `delete` first.)
 */
export async function revokeSelection(context: ServiceContext, selection: RevokeSelection): Promise<void> {
  const results = await revokeTargets(context, await selectTargets(context, selection));
  auditRevokes(context, results);
  for (const { leaseId, outcome, error } of results) context.notify({ type: 'revoked', leaseId, outcome, error });
  const failure = revokeFailure(results);
  if (failure) throw failure;
}
