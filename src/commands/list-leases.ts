import type { Context } from '../context.js';
import { readLeaseLabels } from '../lease/labels.js';
import { leaseStatus, pruneLeases, type LeaseStatus } from '../lease/status.js';
import { toAtlasDate } from '../lease/ttl.js';
import { renderColumns } from '../output/columns.js';
import { renderJson } from '../output/formats.js';
import { formatRelative } from '../output/time.js';
import type { LeaseRecord } from '../store/schema.js';
import { findConfig } from './lease.js';

export interface ListLeasesOptions {
  name: string;
  json?: boolean;
  remote?: boolean;
}

/** The stable JSON shape of a lease in `list NAME --json`. */
export interface LeaseSummary {
  leaseId: string;
  config: string;
  username: string;
  createdAt: string;
  expiresAt: string;
  maxExpiresAt: string;
  status: LeaseStatus;
  /** `local`: recorded on this machine; `remote`: found in Atlas by its labels (made elsewhere). */
  source: 'local' | 'remote';
}

const summary = (record: LeaseRecord, now: Date, source: LeaseSummary['source']): LeaseSummary => ({
  leaseId: record.leaseId,
  config: record.config,
  username: record.leaseId,
  createdAt: record.createdAt,
  expiresAt: record.expiresAt,
  maxExpiresAt: record.maxExpiresAt,
  status: leaseStatus(record, now),
  source,
});

/**
 * With --remote, asks Atlas for every user carrying this config's labels: leases made elsewhere (or by a
 * process that died before recording them) appear, and local leases Atlas no longer has are marked gone.
 */
async function reconcile(context: Context, name: string, now: Date): Promise<LeaseSummary[]> {
  const config = await findConfig(context, name);
  const atlas = await context.atlas(config);
  // Only this config's users, and only the fields read below: a project's other users never pile up.
  const users = await atlas.listAllDatabaseUsers((user) => {
    const labels = readLeaseLabels(user);
    return labels?.config === name ? { username: user.username, deleteAfterDate: user.deleteAfterDate, labels } : undefined;
  });
  const remote = new Map(users.map((user) => [user.username, user]));
  const updated = await context.store.update((data) => {
    for (const record of data.leases) {
      if (record.config !== name) continue;
      const user = remote.get(record.leaseId);
      if (!user) {
        if (record.status !== 'creating' || Date.parse(record.createdAt) < now.getTime() - 60_000) record.status = 'gone';
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
  const known = new Set(updated.map((l) => l.leaseId));
  const elsewhere = users.filter((user) => !known.has(user.username)).map((user) => {
    const { labels } = user;
    const record: LeaseRecord = {
      leaseId: user.username, config: name, createdAt: labels.createdAt, maxExpiresAt: labels.maxExpiresAt,
      expiresAt: user.deleteAfterDate === undefined ? labels.maxExpiresAt : toAtlasDate(new Date(user.deleteAfterDate)),
      status: 'active',
    };
    return summary(record, now, 'remote');
  });
  return [...updated.map((r) => summary(r, now, 'local')), ...elsewhere];
}

/** `dynsecret list NAME`: the config's leases. */
export async function listLeases(context: Context, options: ListLeasesOptions): Promise<string> {
  const now = context.now();
  const leases = options.remote
    ? await reconcile(context, options.name, now)
    : await findConfig(context, options.name).then(async () =>
      (await context.store.read()).leases.filter((l) => l.config === options.name).map((r) => summary(r, now, 'local')));
  leases.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.leaseId.localeCompare(b.leaseId));
  if (options.json) return renderJson(leases);
  if (leases.length === 0) {
    context.io.error(`No leases of ${options.name}${options.remote ? ' in Atlas or' : ''} on this machine.`);
    return '';
  }
  const incomplete = leases.filter((l) => l.status === 'incomplete').length;
  if (incomplete > 0) {
    context.io.error(`${incomplete} lease(s) were interrupted before Atlas answered; \`dynsecret list ${options.name} --remote\` checks them, \`dynsecret revoke --expired\` cleans them up.`);
  }
  return renderColumns(
    ['LEASE ID (USERNAME)', 'CREATED', 'EXPIRES', '', 'STATUS'],
    leases.map((l) => [l.leaseId, l.createdAt, l.expiresAt, `(${formatRelative(new Date(l.expiresAt), now)})`, l.source === 'remote' ? `${l.status} (made elsewhere)` : l.status]),
    await context.io.painter('stdout'),
  );
}
