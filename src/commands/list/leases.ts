import type { Context } from '../../cli/context.js';
import { findConfig } from '../../service/configs.js';
import { userCountLine } from '../../service/quota.js';
import { reconcile } from '../../service/reconcile.js';
import { leaseStatus, type LeaseStatus } from '../../rules/status.js';
import { renderColumns } from '../../output/columns.js';
import { renderJson } from '../../output/formats.js';
import { formatRelative } from '../../output/time.js';
import type { LeaseRecord } from '../../store/schema.js';

interface ListLeasesOptions {
  name: string;
  json?: boolean;
  remote?: boolean;
}

/** The stable JSON shape of a lease in `list NAME --json`. */
interface LeaseSummary {
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

/** `dynsecret list NAME`: the config's leases. */
export async function listLeases(context: Context, options: ListLeasesOptions): Promise<string> {
  const now = context.now();
  const leases = options.remote
    ? await reconcile(context, options.name, now).then(({ local, elsewhere }) => [
        ...local.map((r) => summary(r, now, 'local')),
        ...elsewhere.map((r) => summary(r, now, 'remote')),
      ])
    : await findConfig(context, options.name).then(async () =>
        (await context.store.read()).leases.filter((l) => l.config === options.name).map((r) => summary(r, now, 'local')),
      );
  leases.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.leaseId.localeCompare(b.leaseId));
  if (options.remote) await nearLimitNotice(context, options.name);
  if (options.json) return renderJson(leases);
  if (leases.length === 0) {
    context.io.error(`No leases of ${options.name}${options.remote ? ' in Atlas or' : ''} on this machine.`);
    return '';
  }
  const incomplete = leases.filter((l) => l.status === 'incomplete').length;
  if (incomplete > 0) {
    context.io.error(
      `${incomplete} lease(s) were interrupted before Atlas answered; \`dynsecret list ${options.name} --remote\` checks them, \`dynsecret revoke --expired\` cleans them up.`,
    );
  }
  return renderColumns(
    ['LEASE ID (USERNAME)', 'CREATED', 'EXPIRES', '', 'STATUS'],
    leases.map((l) => [
      l.leaseId,
      l.createdAt,
      l.expiresAt,
      `(${formatRelative(new Date(l.expiresAt), now)})`,
      l.source === 'remote' ? `${l.status} (made elsewhere)` : l.status,
    ]),
    await context.io.painter('stdout'),
  );
}

/** With --remote: the project's user count against Atlas' limit once it is nearly full (a failure says nothing). */
async function nearLimitNotice(context: Context, name: string): Promise<void> {
  const line = await userCountLine(await context.atlas(await findConfig(context, name))).catch(() => undefined);
  if (line !== undefined) context.io.error(line);
}
