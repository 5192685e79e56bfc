import { revokeCommandLine, revokeLine, undeliveredFate } from '../output/lease-messages.js';
import { formatExpiry } from '../output/time.js';
import { formatDurationShort } from '../rules/duration.js';
import { toAtlasDate } from '../rules/ttl.js';
import type { ServiceEvent } from '../service/events.js';
import type { Io } from './io.js';

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/**
 * Where an event's words go: a `line` on stderr; a `step` that says a long step began (written where stderr
 * is a log; a terminal has the status line instead); the transient `status` line (undefined clears it).
 */
export type Notice = { to: 'line' | 'step'; text: string } | { to: 'status'; text: string | undefined };

const line = (text: string): Notice => ({ to: 'line', text });
const clusterList = (clusters: readonly string[]) => (clusters.length === 0 ? 'the project' : clusters.join(', '));
const seconds = (ms: number) => Math.round(ms / 1000);

/** The words of a lease service event (src/service/events.ts), and where they go. */
export function noticeOf(event: ServiceEvent): Notice {
  switch (event.type) {
    case 'wait-started':
      return {
        to: 'step',
        text: `Waiting up to ${formatDurationShort(event.timeoutMs)} for Atlas to apply ${event.leaseId} to ${clusterList(event.clusters)}.`,
      };
    case 'wait-pending':
      return {
        to: 'status',
        text: `${SPINNER[event.poll % SPINNER.length]} waiting for Atlas to apply ${event.leaseId} to ${event.pending.join(', ')} (${seconds(event.elapsedMs)}s)`,
      };
    case 'wait-ended':
      return { to: 'status', text: undefined };
    case 'applied':
      return line(`Applied to ${clusterList(event.clusters)} after ${seconds(event.elapsedMs)}s.`);
    case 'access-permanent':
      return line(`${event.address} is on the project's IP access list permanently; left as it is.`);
    case 'access-set':
      return line(
        `${event.added ? 'Added' : 'Extended'} ${event.address} on the project's IP access list until ${toAtlasDate(event.until)}.`,
      );
    case 'access-removed':
      return line(`Removed ${event.address} from the project's IP access list.`);
    case 'access-extend-failed':
      return line(
        `warning: could not extend ${event.address} on the IP access list (${event.reason}); it ends at the lease's earlier expiry.`,
      );
    case 'access-cleanup-failed':
      return line(`warning: could not clean up the IP access list (${event.reason}); its temporary entries end with their leases.`);
    case 'stale-search-failed':
      return line(`warning: could not look for expired leases of ${event.config} in Atlas (${event.reason}).`);
    case 'revoked':
      return line(revokeLine(event));
    case 'abandon-failed': {
      // A store-less command has no record for `revoke --expired` to find: the lease is retried by its id.
      const retry = event.fromFile === undefined ? 'dynsecret revoke --expired' : revokeCommandLine(event.leaseId, event.fromFile);
      return line(
        `warning: could not ${event.created ? 'revoke' : 'check for'} ${event.leaseId} in Atlas (${event.reason}); run \`${retry}\` later.`,
      );
    }
    case 'undelivered': {
      const fate = undeliveredFate(event.fate);
      return line(`${fate.charAt(0).toUpperCase()}${fate.slice(1)}.`);
    }
    case 'keep-alive-at-max':
      return line(
        `warning: ${event.leaseId} reaches its max TTL at ${formatExpiry(event.maxExpiresAt, event.now)}; it cannot be renewed past that, and the command loses its database user then if it still runs.`,
      );
    case 'keep-alive-expired':
      return line(`warning: ${event.leaseId} expired before it could be renewed; Atlas deletes its user.`);
    case 'keep-alive-recovered':
      return line(`Renewal of ${event.leaseId} succeeded again.`);
    case 'keep-alive-stopped':
      return line(`warning: stopped renewing ${event.leaseId}: ${event.reason}`);
    case 'keep-alive-retry':
      return line(
        `warning: could not renew ${event.leaseId} (${event.reason}); retrying in ${Math.ceil(event.retryInMs / 1000)}s, before it expires ${formatExpiry(event.expiresAt, event.now)}.`,
      );
  }
}

/** Tells the terminal of an event: the one place the service's events become text. */
export function tell(io: Pick<Io, 'error' | 'step' | 'progress'>, event: ServiceEvent): void {
  const notice = noticeOf(event);
  if (notice.to === 'status') io.progress(notice.text);
  else if (notice.to === 'step') io.step(notice.text);
  else io.error(notice.text);
}
