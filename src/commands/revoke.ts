import { AtlasApiError } from '../atlas/error-types.js';
import type { Context } from '../context.js';
import type { DynamicSecretConfig } from '../config/schema.js';
import { DynsecretError, ExitCode, NotFoundError, UsageError, type ExitCodeValue } from '../errors.js';
import { LABEL_CONFIG } from '../lease/labels.js';
import { removeFromEnvFile } from '../output/env-file.js';
import { checkPrefix } from '../output/lease-output.js';
import { renderJson } from '../output/formats.js';
import type { LeaseRecord } from '../store/schema.js';
import { expectedError } from '../error-text.js';
import { findConfig } from './lease.js';

export interface RevokeOptions {
  leaseIds: string[];
  config?: string;
  all?: boolean;
  expired?: boolean;
  force?: boolean;
  yes?: boolean;
  json?: boolean;
  envFile?: string;
  prefix?: string;
}

export type RevokeOutcome = 'revoked' | 'absent' | 'failed' | 'dropped';
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
/** A `creating` record this old belongs to a process that died; `--expired` cleans it up. */
const ABANDONED_AFTER_MS = 10 * 60 * 1000;

interface Target {
  leaseId: string;
  config: string;
}

async function selectTargets(context: Context, options: RevokeOptions): Promise<Target[]> {
  const modes = [options.leaseIds.length > 0, options.all === true, options.expired === true].filter(Boolean).length;
  if (modes !== 1) {
    throw new UsageError('Name the leases to revoke: LEASE_ID…, or --config NAME --all, or --expired.', {
      hint: 'e.g. dynsecret revoke ds-app-db-1a2b3c4d5e6f',
    });
  }
  const { leases } = await context.store.read();
  const now = context.now().getTime();
  if (options.all) {
    if (options.config === undefined) throw new UsageError('--all needs --config NAME.');
    await findConfig(context, options.config);
    return leases.filter((l) => l.config === options.config && l.status !== 'gone');
  }
  if (options.expired) {
    return leases.filter((l) => (options.config === undefined || l.config === options.config) && isFinished(l, now));
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
async function checkRemoteTargets(context: Context, configName: string, targets: readonly Target[]): Promise<void> {
  const config = await findConfig(context, configName);
  const atlas = await context.atlas(config);
  const users = await mapBounded(targets, REVOKE_CONCURRENCY, (target) =>
    atlas.getDatabaseUser(target.leaseId).catch((error: unknown) => {
      if (isNotFound(error)) return undefined;
      throw error;
    }));
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

function isFinished(lease: LeaseRecord, now: number): boolean {
  if (lease.status === 'gone' || lease.status === 'revoke-failed') return true;
  if (lease.status === 'creating') return Date.parse(lease.createdAt) + ABANDONED_AFTER_MS <= now;
  return Date.parse(lease.expiresAt) <= now;
}

async function revokeOne(context: Context, config: DynamicSecretConfig | undefined, target: Target): Promise<RevokeResult> {
  const base = { leaseId: target.leaseId, config: target.config };
  try {
    if (!config) throw new NotFoundError(`No config named ${target.config}.`);
    const atlas = await context.atlas(config);
    return { ...base, outcome: await atlas.deleteDatabaseUser(target.leaseId) === 'deleted' ? 'revoked' : 'absent' };
  } catch (error) {
    const text = expectedError(error);
    if (text === undefined) throw error;
    return { ...base, outcome: 'failed', error: text.message, exitCode: text.exitCode };
  }
}

/** Runs `work` over `items` with at most `limit` in flight, keeping the input order in the result. */
export async function mapBounded<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
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

/** `dynsecret revoke`: deletes the Atlas users; a failure stays listed as "revoke failed" unless --force. */
export async function revoke(context: Context, options: RevokeOptions): Promise<string> {
  if (options.prefix !== undefined) checkPrefix(options.prefix);
  const targets = await selectTargets(context, options);
  if (options.all && targets.length > 0 && !options.yes) {
    if (!context.io.interactive) throw new UsageError(`Revoking every lease of ${options.config} needs confirmation: pass --yes.`);
    const confirmed = await context.prompts.confirm({ message: `Revoke ${targets.length} lease(s) of ${options.config}?`, default: false });
    if (!confirmed) return '';
  }
  const { configs } = await context.store.read();
  const results = await mapBounded(targets, REVOKE_CONCURRENCY, (target) =>
    revokeOne(context, configs.find((c) => c.name === target.config), target));

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
  if (options.envFile !== undefined) await clearEnvFile(context, options.envFile, options.prefix ?? '', results);

  for (const result of results) {
    context.audit.note({
      config: result.config, leaseId: result.leaseId, outcome: result.outcome === 'failed' ? 'error' : 'ok',
      ...(result.exitCode === undefined ? {} : { exitCode: result.exitCode }),
    });
    context.io.error(describe(result));
  }
  if (targets.length === 0) context.io.error('Nothing to revoke.');
  const failed = results.filter((r) => r.outcome === 'failed');
  const output = options.json ? renderJson(results) : '';
  if (failed.length > 0) {
    const codes = new Set(failed.map((r) => r.exitCode ?? ExitCode.failure));
    const code = codes.size === 1 ? (failed[0]!.exitCode as ExitCodeValue) : ExitCode.failure;
    throw new DynsecretError(`${failed.length} of ${results.length} revoke(s) failed; they stay listed as "revoke failed".`, code, {
      hint: 'Run the same revoke again, or pass --force to forget them locally.',
    });
  }
  return output;
}

function describe(result: RevokeResult): string {
  switch (result.outcome) {
    case 'revoked':
      return `Revoked ${result.leaseId}.`;
    case 'absent':
      return `${result.leaseId} was already gone from Atlas; counted as revoked.`;
    case 'dropped':
      return `Could not revoke ${result.leaseId} (${result.error}); forgotten locally because of --force.`;
    case 'failed':
      return `Could not revoke ${result.leaseId}: ${result.error}`;
  }
}

/** Removes the lease's variables from an env file, only while the file still holds that lease. */
async function clearEnvFile(context: Context, path: string, prefix: string, results: readonly RevokeResult[]): Promise<void> {
  const { readFile } = await import('node:fs/promises');
  const text = await readFile(path, 'utf8').catch(() => undefined);
  if (text === undefined) return;
  const done = results.filter((r) => r.outcome !== 'failed').map((r) => r.leaseId);
  const holder = /^(?:export\s+)?DYNSECRET_LEASE_ID=['"]?([A-Za-z0-9._-]+)['"]?\s*$/m.exec(text)?.[1];
  if (holder === undefined || !done.includes(holder)) {
    context.io.error(`${path} holds ${holder === undefined ? 'no lease' : `another lease (${holder})`}; left unchanged.`);
    return;
  }
  const names = [`${prefix}DB_USERNAME`, `${prefix}DB_PASSWORD`, `${prefix}MONGODB_URI`, 'DYNSECRET_LEASE_ID', 'DYNSECRET_LEASE_EXPIRES_AT'];
  await removeFromEnvFile(path, names);
  context.io.error(`Removed the lease's variables from ${path}.`);
}
