import type { Context } from '../cli/context.js';
import { renewLease, type RenewRequest } from '../service/renew.js';
import { toAtlasDate } from '../rules/ttl.js';
import { renderJson } from '../output/formats.js';
import { renewalLines } from '../output/lease-messages.js';
import type { CommandFlags } from './define.js';

/** `dynsecret renew`'s options, as its definition (renew.command.ts) declares them. */
type RenewFlags = CommandFlags['renew'];

/** What `dynsecret renew` is given (renew.command.ts): the lease service's request, and --json. */
export type RenewOptions = RenewRequest & Omit<RenewFlags, 'fromFile'>;

/** `dynsecret renew ID`: new expiry = min(now + TTL, created + max TTL, now + 7 days). */
export async function renew(context: Context, options: RenewOptions): Promise<string> {
  const renewal = await renewLease(context, options);
  for (const line of renewalLines(renewal)) context.io.error(line);
  if (!options.json) return '';
  return renderJson({
    leaseId: renewal.leaseId,
    config: renewal.config.name,
    previousExpiresAt: toAtlasDate(renewal.previousExpiresAt),
    expiresAt: toAtlasDate(renewal.expiresAt),
    cappedBy: renewal.cappedBy,
  });
}
