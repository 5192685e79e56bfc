import { AtlasApiError, AtlasNetworkError, type AtlasClient, type DatabaseUser } from '../atlas/index.js';
import type { ServiceContext } from './context.js';
import type { DynamicSecretConfig } from '../config/schema.js';
import { DynsecretError, ExitCode, TransientError } from '../errors.js';
import {
  allowIpOf,
  entryComment,
  entryPlan,
  isEntryFor,
  isEntryOfConfig,
  parseAllowIp,
  reportedAddress,
  type AllowedNetwork,
} from '../rules/allow-ip.js';
import { formatDurationShort } from '../rules/duration.js';
import { LABEL_CONFIG } from '../rules/labels.js';
import { toAtlasDate } from '../rules/ttl.js';

/**
 * `--allow-ip`: a temporary entry on the project's IP access list that lives as long as the lease. The entry's
 * comment names dynsecret, the config and the lease; the lease's Atlas user carries the entry in a label, so
 * any machine can tell which live leases still need an address. An entry that is on the list permanently is
 * never changed or removed.
 */

const POLL_MS = 1000;

/** What `--allow-ip` names, `current` asked of Atlas (before any user exists, so a failure leaves nothing). */
export async function resolveAllowIp(context: Pick<ServiceContext, 'words'>, atlas: AtlasClient, input: string): Promise<AllowedNetwork> {
  const parsed = parseAllowIp(input);
  if (parsed !== 'current') return parsed;
  let reported: string;
  try {
    reported = await atlas.getCallerIp();
  } catch (error) {
    if (error instanceof AtlasNetworkError) throw error;
    const why = (await context.words(error))?.message ?? 'no usable answer';
    throw new DynsecretError(
      `Atlas did not say which address it sees for this machine (GET /api/private/ipinfo: ${why}).`,
      ExitCode.failure,
      {
        hint: 'Give the address or CIDR block instead: --allow-ip 203.0.113.7 or --allow-ip 203.0.113.0/24',
      },
    );
  }
  return reportedAddress(reported);
}

/** A 403 from the access list: the key's role is the cause, named with the roles that may edit it. */
function accessListRefusal(error: unknown): unknown {
  if (!(error instanceof AtlasApiError) || error.status !== 403) return error;
  return new DynsecretError(
    `Atlas refused to change the project's IP access list (${error.errorCode ?? 'HTTP 403'}): the API key needs the Project Network Access Manager or Project Owner role for --allow-ip.`,
    ExitCode.auth,
    { hint: "Give the key that role in the project's Access Manager, or leave --allow-ip out and add the address yourself." },
  );
}

/** Adds or extends the entry so that it lives until `expiresAt`, unless it is permanent or already lives longer. */
async function ensureEntry(
  context: ServiceContext,
  atlas: AtlasClient,
  config: DynamicSecretConfig,
  network: AllowedNetwork,
  lease: { leaseId: string; expiresAt: Date },
): Promise<'add' | 'extend' | 'permanent' | 'keep'> {
  const plan = entryPlan(await atlas.getAccessListEntry(network.value), lease.expiresAt, context.now());
  if (plan === 'permanent') {
    context.notify({ type: 'access-permanent', address: network.value });
  } else if (plan !== 'keep') {
    const { value, ...address } = network;
    await atlas
      .addAccessListEntry({ ...address, comment: entryComment(config.name, lease.leaseId), deleteAfterDate: toAtlasDate(lease.expiresAt) })
      .catch((error: unknown) => Promise.reject(accessListRefusal(error)));
    context.notify({ type: 'access-set', address: value, added: plan === 'add', until: lease.expiresAt });
  }
  return plan;
}

/**
 * Before a lease is handed over: its entry on the access list, and with `waitMs`, until Atlas reports it
 * ACTIVE. An entry this call added is removed again when the wait fails.
 */
export async function allowAddress(
  context: ServiceContext,
  config: DynamicSecretConfig,
  network: AllowedNetwork,
  lease: { leaseId: string; expiresAt: Date },
  waitMs: number | undefined,
): Promise<void> {
  const atlas = await context.atlas(config);
  const plan = await ensureEntry(context, atlas, config, network, lease);
  if (waitMs === undefined || plan === 'permanent') return;
  try {
    await waitUntilActive(context, atlas, network.value, waitMs);
  } catch (error) {
    if (plan === 'add') await atlas.deleteAccessListEntry(network.value).catch(() => undefined);
    throw error;
  }
}

async function waitUntilActive(context: ServiceContext, atlas: AtlasClient, value: string, timeoutMs: number): Promise<void> {
  const started = context.now().getTime();
  for (;;) {
    const status = await atlas.getAccessListStatus(value);
    if (status === 'ACTIVE') return;
    if (status === 'FAILED') {
      throw new DynsecretError(`Atlas could not add ${value} to the project's IP access list (status FAILED).`, ExitCode.failure);
    }
    const elapsed = context.now().getTime() - started;
    if (elapsed >= timeoutMs) {
      throw new TransientError(
        `Timed out after ${formatDurationShort(timeoutMs)} waiting for ${value} to become active on the IP access list.`,
      );
    }
    await context.sleep(Math.min(POLL_MS, timeoutMs - elapsed));
  }
}

/**
 * After a renewal: the entry the lease's user names (its label) lives as long as the lease again. A failure
 * here is a warning: the lease itself is renewed.
 */
export async function extendAddress(
  context: ServiceContext,
  config: DynamicSecretConfig,
  user: Pick<DatabaseUser, 'labels'>,
  lease: { leaseId: string; expiresAt: Date },
): Promise<void> {
  const value = allowIpOf(user);
  if (value === undefined) return;
  try {
    const network = parseAllowIp(value);
    if (network === 'current') return;
    await ensureEntry(context, await context.atlas(config), config, network, lease);
  } catch (error) {
    const text = await context.words(accessListRefusal(error));
    if (text === undefined) throw error;
    context.notify({ type: 'access-extend-failed', address: value, reason: text.message });
  }
}

/**
 * After revokes: removes the config's temporary entries (by their comment) that no live lease of the config
 * still names, so two jobs behind one address keep it until the last one ends. Permanent entries are never
 * considered. A failure is a warning: the entries expire with their leases anyway.
 */
export async function releaseAddresses(context: ServiceContext, config: DynamicSecretConfig, revoked: readonly string[]): Promise<void> {
  try {
    const atlas = await context.atlas(config);
    const entries = (await atlas.listAccessList()).filter((entry) => isEntryOfConfig(entry, config.name));
    if (entries.length === 0) return;
    const gone = new Set(revoked);
    const now = context.now().getTime();
    const needed = await atlas.listAllDatabaseUsers((user) => {
      const live = user.deleteAfterDate === undefined || Date.parse(user.deleteAfterDate) > now;
      const ours = user.labels.some((label) => label.key === LABEL_CONFIG && label.value === config.name);
      return ours && live && !gone.has(user.username) ? allowIpOf(user) : undefined;
    });
    for (const entry of entries) {
      const value = entry.ipAddress ?? entry.cidrBlock;
      if (value === undefined) continue;
      if (needed.some((address) => isEntryFor(entry, address))) {
        context.debug(`access list: ${value} kept, another lease of ${config.name} still needs it`);
        continue;
      }
      if ((await atlas.deleteAccessListEntry(value)) === 'deleted') context.notify({ type: 'access-removed', address: value });
    }
  } catch (error) {
    const text = await context.words(accessListRefusal(error));
    if (text === undefined) throw error;
    context.notify({ type: 'access-cleanup-failed', reason: text.message });
  }
}
