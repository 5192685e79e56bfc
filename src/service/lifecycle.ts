import type { LeaseRecord } from '../store/schema.js';

/**
 * A `creating` record is the intent written before Atlas is asked. While it is younger than this, the
 * process that wrote it may still be creating the user (a slow Atlas, retries, a wait on a timeout); older,
 * that process is taken for dead. One rule for both readers: `revoke --expired` deletes such a lease, and
 * `list --remote` marks it gone when Atlas has no user for it. Ten minutes is far above the longest a create
 * can take with the default timeouts and retries, so neither ever races a live `lease`.
 */
export const ABANDONED_AFTER_MS = 10 * 60 * 1000;

/** Whether a `creating` record belongs to a process that died. */
export function isAbandoned(record: Pick<LeaseRecord, 'status' | 'createdAt'>, now: Date): boolean {
  return record.status === 'creating' && Date.parse(record.createdAt) + ABANDONED_AFTER_MS <= now.getTime();
}

/** What `revoke --expired` cleans up: gone, failed to revoke, abandoned while creating, or past its expiry. */
export function isFinished(record: LeaseRecord, now: Date): boolean {
  if (record.status === 'gone' || record.status === 'revoke-failed') return true;
  if (record.status === 'creating') return isAbandoned(record, now);
  return Date.parse(record.expiresAt) <= now.getTime();
}
