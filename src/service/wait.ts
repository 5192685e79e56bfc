import type { ServiceContext } from './context.js';
import type { DynamicSecretConfig } from '../config/schema.js';
import { InterruptedError, TransientError } from '../errors.js';
import { parseDuration, formatDurationShort } from '../rules/duration.js';
import type { IssuedLease } from '../output/lease-output.js';

export const DEFAULT_WAIT_MS = 5 * 60 * 1000;
const FIRST_POLL_MS = 1000;
const MAX_POLL_MS = 5000;
const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/** `--wait` alone means the default timeout; `--wait 2m` sets it; absent means no wait. */
export function waitOption(value: string | boolean | undefined): { waitMs?: number } {
  if (value === undefined || value === false) return {};
  if (value === true) return { waitMs: DEFAULT_WAIT_MS };
  return { waitMs: parseDuration(value, '--wait') };
}

/**
 * Polls the change status of the lease's clusters (its CLUSTER scopes, else every cluster of the project)
 * until all are APPLIED: Atlas applies a new user asynchronously and it cannot log in before.
 */
export async function waitForApplied(
  context: ServiceContext,
  config: DynamicSecretConfig,
  lease: IssuedLease,
  timeoutMs: number,
  { keptOnFailure = true }: { keptOnFailure?: boolean } = {},
): Promise<void> {
  const fate = keptOnFailure ? 'the lease was kept' : 'revoking it';
  const atlas = await context.atlas(config);
  const scoped = config.scopes.filter((s) => s.type === 'CLUSTER').map((s) => s.name);
  const clusters = scoped.length > 0 ? scoped : (await atlas.listClusters()).map((c) => c.name);
  const started = context.now().getTime();
  let pending = new Set(clusters);
  let interval = FIRST_POLL_MS;
  let frame = 0;
  const ctrlC = watchCtrlC(context);
  try {
    for (;;) {
      const statuses = await Promise.all([...pending].map(async (name) => [name, await atlas.getClusterStatus(name)] as const));
      pending = new Set(statuses.filter(([, status]) => status !== 'APPLIED').map(([name]) => name));
      if (pending.size === 0) break;
      const elapsed = context.now().getTime() - started;
      if (elapsed >= timeoutMs) {
        throw new TransientError(
          `Timed out after ${formatDurationShort(timeoutMs)} waiting for Atlas to apply ${lease.leaseId} to ${[...pending].join(', ')}; ${fate}.`,
          keptOnFailure
            ? {
                hint: `It may work shortly; check with \`dynsecret list ${config.name}\`, or revoke it with \`dynsecret revoke ${lease.leaseId}\`.`,
              }
            : {},
        );
      }
      context.io.progress(
        `${SPINNER[frame++ % SPINNER.length]} waiting for Atlas to apply ${lease.leaseId} to ${[...pending].join(', ')} (${Math.round(elapsed / 1000)}s)`,
      );
      await context.sleep(Math.min(interval, Math.max(0, timeoutMs - elapsed)), ctrlC.signal);
      if (ctrlC.signal.aborted) {
        context.io.progress(undefined);
        context.io.error(
          `Interrupted while waiting for Atlas to apply ${lease.leaseId}; ${fate}.${keptOnFailure ? ` Revoke it with: dynsecret revoke ${lease.leaseId}` : ''}`,
        );
        throw new InterruptedError();
      }
      interval = Math.min(MAX_POLL_MS, Math.round(interval * 1.5));
    }
  } finally {
    ctrlC.release();
    context.io.progress(undefined);
  }
  context.io.error(
    `Applied to ${clusters.length === 0 ? 'the project' : clusters.join(', ')} after ${Math.round((context.now().getTime() - started) / 1000)}s.`,
  );
}

/**
 * Ctrl-C during the wait: without this the process would die silently and leave a lease whose credentials
 * were never printed and whose name nobody saw. (The store's dependencies hook SIGINT too and may still end
 * the process by the signal once the message is out: a shell sees 130 either way.)
 */
function watchCtrlC(context: ServiceContext): { signal: AbortSignal; release(): void } {
  const controller = new AbortController();
  const abort = () => controller.abort();
  context.signals.on('SIGINT', abort);
  return { signal: controller.signal, release: () => context.signals.off('SIGINT', abort) };
}
