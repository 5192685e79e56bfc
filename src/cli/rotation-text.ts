import { NotFoundError } from '../errors.js';
import { formatExpiry } from '../output/time.js';
import type { RotationReason } from '../rules/rotation.js';
import type { FailureKind, RotatingLease, RotationEvent } from '../service/rotate.js';
import { LeaseGoneError } from '../service/rotation-leases.js';
import { expectedError, failureCodes } from './error-text.js';

const REASON_WORDS: Record<RotationReason, string> = {
  'max-ttl': 'reaches its max TTL',
  expiry: 'reaches its expiry',
};

const seconds = (ms: number) => `${Math.max(1, Math.ceil(ms / 1000))}s`;

/**
 * The stderr line of a rotation event (`run --rotate`, `lease --keep-fresh`), or undefined for one that is
 * not worth a line: a failure already warned about in its class, a recovery a "Rotated" line tells anyway.
 */
export function rotationLine(event: RotationEvent<RotatingLease>, now: Date): string | undefined {
  switch (event.type) {
    case 'renewed':
      return `Renewed ${event.lease.leaseId}; expires ${formatExpiry(event.expiresAt, now)}.`;
    case 'renew-failed':
      if (!event.firstOfClass) return undefined;
      return event.retryInMs === undefined
        ? `warning: stopped renewing ${event.lease.leaseId}: ${event.failure.message} The next user is leased before it ends.`
        : `warning: could not renew ${event.lease.leaseId} (${event.failure.message}); retrying in ${seconds(event.retryInMs)}.`;
    case 'renew-recovered':
      return `Renewal of ${event.lease.leaseId} succeeded again.`;
    case 'rotated':
      return (
        `Rotated to ${event.next.leaseId} (${event.previous.leaseId} ${REASON_WORDS[event.reason]}); ` +
        `expires ${formatExpiry(event.next.expiresAt, now)}; ${event.previous.leaseId} is revoked ${formatExpiry(event.graceEndsAt, now)}.`
      );
    case 'rotation-failed':
      if (!event.firstOfClass) return undefined;
      return (
        `warning: could not lease the next user to replace ${event.lease.leaseId} (${event.failure.message}); ` +
        `retrying in ${seconds(event.retryInMs)}, and on with backoff; ${event.lease.leaseId} ends ${formatExpiry(event.lease.expiresAt, now)}.`
      );
    case 'rotation-recovered':
      return undefined;
    case 'expired':
      return `warning: ${event.lease.leaseId} expired before the next user could be leased; still trying.`;
    case 'grace-ended':
      return event.ok
        ? `Revoked ${event.lease.leaseId} (its grace is over).`
        : `warning: could not revoke ${event.lease.leaseId} after its grace (${event.message}); Atlas deletes it at ${formatExpiry(event.lease.expiresAt, now)}.`;
    case 'revoked':
      return event.ok
        ? `Revoked ${event.lease.leaseId}.`
        : `warning: could not revoke ${event.lease.leaseId} (${event.message}); Atlas deletes it by itself at ${formatExpiry(event.lease.expiresAt, now)}.`;
  }
}

/**
 * How the rotation loop takes a failure: its class is the exit code and Atlas' error code (the same trouble
 * again is not warned about twice); a NotFoundError ends renewing the lease, and a user gone replaces it at once.
 */
export function classifyFailure(error: unknown): FailureKind {
  const words = expectedError(error);
  const { exitCode, errorCode } = failureCodes(error);
  return {
    class: `${exitCode}/${errorCode ?? ''}`,
    message: words?.message ?? (error instanceof Error ? error.message : 'unexpected error'),
    final: error instanceof NotFoundError,
    gone: error instanceof LeaseGoneError,
  };
}
