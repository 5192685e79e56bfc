import { AtlasApiError, type AtlasClient } from '../atlas/index.js';
import type { ServiceContext } from './context.js';
import type { DynamicSecretConfig } from '../config/schema.js';
import { DynsecretError, ExitCode } from '../errors.js';
import { readLeaseLabels } from '../rules/labels.js';

/**
 * The project's database-user limit: Atlas refuses a create with 403 GROUP_USERS_LIMIT_EXCEEDED ("Groups can
 * contain at most N database users"). dynsecret says how many of the users are its leases, how many of those
 * are past their expiry or max TTL, and the command that cleans them up; it never retries such a create.
 */

/** Atlas' default limit; a project's own can be raised by support, and Atlas names it when it refuses. */
export const DEFAULT_USER_LIMIT = 100;
/** `list --remote` shows the project's user count once it is this full. */
const NEARLY_FULL = 0.8;

export const isUserLimit = (error: unknown): error is AtlasApiError =>
  error instanceof AtlasApiError && error.errorCode === 'GROUP_USERS_LIMIT_EXCEEDED';

/** The limit Atlas' refusal names: in its detail ("… at most N database users"), else a number among its parameters. */
export function reportedLimit(error: AtlasApiError): number | undefined {
  const text = /at most (\d{1,7})\b/.exec(error.detail ?? '')?.[1] ?? error.parameters.find((p) => /^\d{1,7}$/.test(p.trim()))?.trim();
  return text === undefined ? undefined : Number(text);
}

/** The project's users that carry dynsecret's labels, and those of them past their expiry or max TTL. */
export async function countLeaseUsers(atlas: AtlasClient, now: Date): Promise<{ leases: number; stale: number }> {
  const kinds = await atlas.listAllDatabaseUsers((user) => {
    const labels = readLeaseLabels(user);
    if (labels === undefined) return undefined;
    const expired = user.deleteAfterDate !== undefined && Date.parse(user.deleteAfterDate) <= now.getTime();
    return expired || Date.parse(labels.maxExpiresAt) <= now.getTime() ? 'stale' : 'live';
  });
  return { leases: kinds.length, stale: kinds.filter((k) => k === 'stale').length };
}

/** The command that cleans up in the mode the user is in: the store's configs, or the same --from-file. */
export const cleanupCommand = (fromFile: string | undefined) =>
  fromFile === undefined ? 'dynsecret revoke --expired' : `dynsecret revoke --expired --from-file ${fromFile}`;

/**
 * The refusal in one sentence: the limit Atlas reported, dynsecret's share of the users and how many are
 * stale, and the clean-up command. Counting needs one more read; if that fails, the sentence says less.
 */
export async function userLimitError(
  context: ServiceContext,
  config: DynamicSecretConfig,
  error: AtlasApiError,
  fromFile: string | undefined,
): Promise<DynsecretError> {
  const limit = reportedLimit(error);
  const cap = limit === undefined ? 'its limit of database users' : `its limit of ${limit} database users`;
  const counted = await countLeaseUsers(await context.atlas(config), context.now()).catch(() => undefined);
  const share =
    counted === undefined
      ? ''
      : ` (${counted.leases} of them are dynsecret leases, ${counted.stale} of those past their expiry or max TTL)`;
  return new DynsecretError(
    `Atlas project ${config.groupId} is at ${cap}${share}, so no lease can be created (Atlas error GROUP_USERS_LIMIT_EXCEEDED); clean up with: ${cleanupCommand(fromFile)}`,
    ExitCode.failure,
    { hint: 'Users that are not dynsecret leases count too; ask MongoDB support to raise the limit if the project needs more.' },
  );
}

/** For `list --remote`: the project's user count against the limit, once it is at least 80% full. */
export async function userCountLine(atlas: AtlasClient): Promise<string | undefined> {
  const { totalCount } = await atlas.listDatabaseUsers({ itemsPerPage: 1 });
  if (totalCount === undefined || totalCount < DEFAULT_USER_LIMIT * NEARLY_FULL) return undefined;
  return `The project has ${totalCount} database users of the ${DEFAULT_USER_LIMIT} Atlas allows by default; at the limit no lease can be created.`;
}

/**
 * `revoke --expired` beyond this machine's records: the users Atlas holds under each config's labels that
 * are past their expiry or max TTL and that no record here names (leases made on other machines, or by
 * store-less runs). A config whose users cannot be read is skipped with a warning.
 */
export async function staleLeasesInAtlas(
  context: ServiceContext,
  configs: readonly DynamicSecretConfig[],
  known: ReadonlySet<string>,
): Promise<{ leaseId: string; config: string }[]> {
  const now = context.now().getTime();
  const found: { leaseId: string; config: string }[] = [];
  for (const config of configs) {
    try {
      const atlas = await context.atlas(config);
      const stale = await atlas.listAllDatabaseUsers((user) => {
        const labels = readLeaseLabels(user);
        if (labels?.config !== config.name || known.has(user.username)) return undefined;
        const expired = user.deleteAfterDate !== undefined && Date.parse(user.deleteAfterDate) <= now;
        return expired || Date.parse(labels.maxExpiresAt) <= now ? user.username : undefined;
      });
      for (const leaseId of stale) found.push({ leaseId, config: config.name });
    } catch (error) {
      const text = await context.words(error);
      if (text === undefined) throw error;
      context.notify({ type: 'stale-search-failed', config: config.name, reason: text.message });
    }
  }
  return found;
}
