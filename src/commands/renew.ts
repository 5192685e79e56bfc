import type { Context } from '../cli/context.js';
import { renewLease, type RenewRequest } from '../service/renew.js';
import { toAtlasDate } from '../rules/ttl.js';
import { renderJson } from '../output/formats.js';
import { renewalLines } from '../output/lease-messages.js';
import type { FlagSchema } from './define.js';

/** What `dynsecret renew` parses from its command line (renew.command.ts). */
export const RENEW_FLAGS = { ttl: 'value', config: 'value', fromFile: 'value', json: 'switch' } as const satisfies FlagSchema;

export interface RenewOptions extends RenewRequest {
  json?: boolean;
}

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
