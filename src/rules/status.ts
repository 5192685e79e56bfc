/** How a lease looks to a user: derived from its record and the clock, never stored. */
export type LeaseStatus = 'active' | 'expired' | 'revoke failed' | 'gone' | 'incomplete';

/** The part of a lease record the rules read (the store's `LeaseRecord` has it). */
interface LeaseState {
  status: 'active' | 'creating' | 'revoke-failed' | 'gone';
  expiresAt: string;
}

export function leaseStatus(record: LeaseState, now: Date): LeaseStatus {
  switch (record.status) {
    case 'gone':
      return 'gone';
    case 'revoke-failed':
      return 'revoke failed';
    case 'creating':
      // A lease whose process died between asking Atlas and recording the answer.
      return 'incomplete';
    case 'active':
      return Date.parse(record.expiresAt) <= now.getTime() ? 'expired' : 'active';
  }
}

/** Records that ended more than a week ago are dropped so the store stays small. */
const PRUNE_AFTER_MS = 7 * 24 * 60 * 60 * 1000;

export function pruneLeases<T extends LeaseState>(leases: readonly T[], now: Date): T[] {
  const cutoff = now.getTime() - PRUNE_AFTER_MS;
  return leases.filter((lease) => {
    const ended = lease.status === 'gone' || (lease.status === 'active' && Date.parse(lease.expiresAt) <= now.getTime());
    return !(ended && Date.parse(lease.expiresAt) < cutoff);
  });
}
