import type { DynamicSecretConfig } from '../config/schema.js';
import { NotFoundError } from '../errors.js';
import type { IssuedLease } from '../output/lease-output.js';
import { abandon, createLease, type LeaseRequest } from './create.js';
import { renewLease } from './renew.js';
import { auditRevokes, revokeTargets } from './revoke.js';
import type { RotationDeps } from './rotate.js';
import { waitForApplied } from './wait.js';

/** What the lease service's functions take (the CLI's context provides it). */
type LeaseContext = Parameters<typeof createLease>[0];

/** A renewal refused because Atlas no longer has the user. */
export class LeaseGoneError extends NotFoundError {}

/**
 * The lease functions of a rotation, on the lease service's own code paths: `createLease` (then the same
 * wait as `--wait`, without its spinner and messages, revoking the user when it fails), `renewLease` and
 * `revokeTargets`, each with its store record and audit note. The caller adds the hand-over, the events and
 * how failures are classified.
 */
export function rotationLeases(
  context: LeaseContext,
  config: DynamicSecretConfig,
  request: LeaseRequest,
): Pick<RotationDeps<IssuedLease>, 'now' | 'sleep' | 'renew' | 'lease' | 'revoke'> {
  // The wait's own lines would interleave with the command's; its outcome is the event the command words.
  const quiet: LeaseContext = {
    ...context,
    notify: () => undefined,
  };
  return {
    now: () => context.now().getTime(),
    sleep: (ms, signal) => context.sleep(ms, signal),
    renew: async (lease) => {
      try {
        return (await renewLease(context, { leaseId: lease.leaseId, ...(request.ttl === undefined ? {} : { ttl: request.ttl }) }))
          .expiresAt;
      } catch (error) {
        const record = (await context.store.read()).leases.find((l) => l.leaseId === lease.leaseId);
        if (error instanceof NotFoundError && record?.status === 'gone') throw new LeaseGoneError(error.message);
        throw error;
      }
    },
    lease: async () => {
      const { waitMs, ...create } = request;
      const { lease } = await createLease(context, create);
      if (waitMs === undefined) return lease;
      try {
        await waitForApplied(quiet, config, lease, waitMs);
      } catch (error) {
        await abandon(context, config, lease.leaseId, true);
        throw error;
      }
      return lease;
    },
    revoke: async (lease) => {
      const results = await revokeTargets(context, [{ leaseId: lease.leaseId, config: lease.config }]);
      auditRevokes(context, results);
      const [result] = results;
      return result?.outcome === 'failed' ? { ok: false, message: result.error ?? 'error' } : { ok: true };
    },
  };
}
