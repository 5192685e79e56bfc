import type { RenewCap } from '../rules/ttl.js';
import { formatExpiry } from './time.js';

const capWords: Record<Exclude<RenewCap, null>, string> = {
  'max-ttl': "the config's max TTL",
  'atlas-7d': "Atlas' 7-day limit",
};

/** The stderr lines of a renewal (by `renew`, or by `run` keeping its lease alive). */
export function renewalLines(renewal: { leaseId: string; expiresAt: Date; cappedBy: RenewCap; now: Date }): string[] {
  return [
    `Renewed ${renewal.leaseId}; expires ${formatExpiry(renewal.expiresAt, renewal.now)}.`,
    // After the line it explains.
    ...(renewal.cappedBy === null ? [] : [`Capped by ${capWords[renewal.cappedBy]}.`]),
  ];
}

export type RevokeOutcome = 'revoked' | 'absent' | 'failed' | 'dropped';

/** The stderr line of one lease's revoke. */
export function revokeLine(result: { leaseId: string; outcome: RevokeOutcome; error?: string | undefined }): string {
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

/** The command that revokes `leaseId` later: a store-less lease (`--from-file PATH`) needs its config file. */
export function revokeCommandLine(leaseId: string, fromFile: string | undefined): string {
  return `dynsecret revoke ${leaseId}${fromFile === undefined ? '' : ` --from-file ${fromFile}`}`;
}

/**
 * A lease nobody received: revoked, or not (`reason`, an error's sentence), in which case its revoke command
 * (with `fromFile`, the `--from-file` path of a store-less command) is to be run later.
 */
export type UndeliveredFate =
  | { leaseId: string; revoked: true }
  | { leaseId: string; revoked: false; reason: string; fromFile?: string | undefined };

/** What became of a lease whose credentials nobody received, as a clause (no capital, no full stop). */
export function undeliveredFate(fate: UndeliveredFate): string {
  return fate.revoked
    ? `lease ${fate.leaseId} was revoked, since nobody received its credentials`
    : `revoking lease ${fate.leaseId} failed too (${fate.reason.replace(/\.$/, '')}); revoke it with \`${revokeCommandLine(fate.leaseId, fate.fromFile)}\``;
}
