import type { ServiceContext } from './context.js';
import { readLeaseLabels } from '../rules/labels.js';
import { pruneLeases } from '../rules/status.js';
import { toAtlasDate } from '../rules/ttl.js';
import type { LeaseRecord } from '../store/schema.js';
import { findConfig } from './configs.js';
import { isAbandoned } from './lifecycle.js';

/** A config's leases after comparing the store with Atlas. */
interface Reconciled {
  /** This machine's records of the config, updated. */
  local: LeaseRecord[];
  /** Leases Atlas holds under the config's labels that this machine has no record of (made elsewhere). */
  elsewhere: LeaseRecord[];
}

/**
 * Asks Atlas for every user carrying this config's labels: leases made elsewhere (or by a process that died
 * before recording them) are returned, Atlas' expiry replaces the recorded one, and local leases Atlas no
 * longer has are marked gone (a `creating` one only once it is abandoned: its process may still be creating
 * the user).
 */
export async function reconcile(context: ServiceContext, name: string, now: Date): Promise<Reconciled> {
  const config = await findConfig(context, name);
  const atlas = await context.atlas(config);
  // Only this config's users, and only the fields read below: a project's other users never pile up.
  const users = await atlas.listAllDatabaseUsers((user) => {
    const labels = readLeaseLabels(user);
    return labels?.config === name ? { username: user.username, deleteAfterDate: user.deleteAfterDate, labels } : undefined;
  });
  const remote = new Map(users.map((user) => [user.username, user]));
  const local = await context.store.update((data) => {
    for (const record of data.leases) {
      if (record.config !== name) continue;
      const user = remote.get(record.leaseId);
      if (!user) {
        if (record.status !== 'creating' || isAbandoned(record, now)) record.status = 'gone';
      } else {
        if (user.deleteAfterDate !== undefined) record.expiresAt = toAtlasDate(new Date(user.deleteAfterDate));
        // A `creating` record stays incomplete even though Atlas has the user: its password died with the
        // process that made it, so nobody can use the lease and `revoke --expired` must still clean it up.
        if (record.status === 'gone') record.status = 'active';
      }
    }
    data.leases = pruneLeases(data.leases, now);
    return data.leases.filter((l) => l.config === name);
  });
  const known = new Set(local.map((l) => l.leaseId));
  const elsewhere = users
    .filter((user) => !known.has(user.username))
    .map((user): LeaseRecord => {
      const { labels } = user;
      return {
        leaseId: user.username,
        config: name,
        createdAt: labels.createdAt,
        maxExpiresAt: labels.maxExpiresAt,
        expiresAt: user.deleteAfterDate === undefined ? labels.maxExpiresAt : toAtlasDate(new Date(user.deleteAfterDate)),
        status: 'active',
      };
    });
  return { local, elsewhere };
}
