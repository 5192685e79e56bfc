import { graceEnd, nextStep, retryDelay, type RotationPlan, type RotationReason } from '../rules/rotation.js';

/** A lease as the rotation loop sees it. */
export interface RotatingLease {
  leaseId: string;
  createdAt: Date;
  expiresAt: Date;
  maxExpiresAt: Date;
}

/** How a failure is to be taken: `class` groups failures for warnings (one per class in a row). */
export interface FailureKind {
  class: string;
  message: string;
  /** No retry can help: the user is gone, or a renewal is refused for good. */
  final: boolean;
  /** The user no longer exists. */
  gone: boolean;
}

/** What the loop needs from the outside: leases, the hand-over, a clock and a sleep that an abort ends. */
export interface RotationDeps<L extends RotatingLease> {
  now(): number;
  sleep(ms: number, signal: AbortSignal): Promise<void>;
  /** Renews `lease`; the new expiry. */
  renew(lease: L): Promise<Date>;
  /** Leases the next user and waits until Atlas has applied it (revoking it again if that fails). */
  lease(): Promise<L>;
  /** Gives `next` to whoever uses the credentials (restart, rewrite and signal); false: nobody is left to take it. */
  handOver(next: L, previous: L): Promise<boolean>;
  revoke(lease: L): Promise<{ ok: boolean; message?: string }>;
  classify(error: unknown): FailureKind;
  /** Told of each step as it happens; awaited, so an audit line is written before the loop goes on. */
  onEvent(event: RotationEvent<L>): void | Promise<void>;
}

export type RotationEvent<L extends RotatingLease> =
  | { type: 'renewed'; lease: L; expiresAt: Date }
  | { type: 'renew-failed'; lease: L; failure: FailureKind; retryInMs?: number; firstOfClass: boolean }
  | { type: 'renew-recovered'; lease: L }
  | { type: 'rotated'; previous: L; next: L; reason: RotationReason; graceEndsAt: Date }
  | { type: 'rotation-failed'; lease: L; failure: FailureKind; retryInMs: number; firstOfClass: boolean }
  | { type: 'rotation-recovered'; lease: L }
  | { type: 'expired'; lease: L }
  | { type: 'grace-ended'; lease: L; ok: boolean; message?: string | undefined }
  | { type: 'revoked'; lease: L; ok: boolean; message?: string | undefined };

export interface RotationOptions {
  /** The TTL each lease and renewal asks for. */
  ttlMs: number;
  /** Renew ahead of expiry up to the max TTL (false: --no-renew; leases are then replaced before they expire). */
  renewing: boolean;
  graceMs: number;
  /** The longest a hand-over may take (a restart's stop timeout). */
  handoverMs: number;
  /** How long the first lease took from create to applied. */
  firstPrepMs?: number;
}

/** A running rotation loop. */
export interface Rotation<L extends RotatingLease> {
  /** The lease in use now. */
  current(): L;
  /**
   * Ends the loop (waiting for a step in flight; a lease made meanwhile is revoked), then revokes the leases
   * in grace and, unless `keepCurrent`, the current one. Returns the current lease.
   */
  stop(options?: { keepCurrent?: boolean }): Promise<L>;
  /** Settles (never rejects) when the loop ends: after `stop`, or when a dependency failed in a way it must not. */
  readonly done: Promise<void>;
  /** What ended the loop early (an error no step expects, a bug), if anything did. */
  failure(): unknown;
}

interface Tracked<L> {
  lease: L;
  renewable: boolean;
  renewRetryAt?: number | undefined;
  renewFailures: number;
}

/**
 * Keeps a working lease for as long as it runs: renews the current lease ahead of its expiry up to its max
 * TTL, and ahead of its end (rules/rotation.ts) leases the next user, waits until it is applied, hands it
 * over, and revokes the old one after the grace. A failed renewal or rotation is retried with backoff and
 * reported; nothing here stops whoever uses the credentials. Prints nothing: every step is an event.
 */
export function startRotation<L extends RotatingLease>(deps: RotationDeps<L>, first: L, options: RotationOptions): Rotation<L> {
  const controller = new AbortController();
  const { signal } = controller;
  let current: Tracked<L> = { lease: first, renewable: options.renewing, renewFailures: 0 };
  const grace: { lease: L; endsAt: number }[] = [];
  let lastPrepMs = options.firstPrepMs ?? 0;
  let rotateFailures = 0;
  let rotateRetryAt: number | undefined;
  let expiredSaid = false;
  const warned = { renew: new Set<string>(), rotate: new Set<string>() };

  const plan = (): RotationPlan => ({
    current: {
      expiresAt: current.lease.expiresAt.getTime(),
      maxExpiresAt: current.lease.maxExpiresAt.getTime(),
      renewable: current.renewable,
      renewRetryAt: current.renewRetryAt,
    },
    renewing: options.renewing,
    ttlMs: options.ttlMs,
    lifeSpanMs: current.lease.maxExpiresAt.getTime() - current.lease.createdAt.getTime(),
    lastPrepMs,
    handoverMs: options.handoverMs,
    rotateRetryAt,
    grace: grace.map((g) => ({ leaseId: g.lease.leaseId, endsAt: g.endsAt })),
  });

  const renew = async () => {
    const tracked = current;
    let expiresAt: Date;
    try {
      expiresAt = await deps.renew(tracked.lease);
    } catch (error) {
      await renewFailed(tracked, error);
      return;
    }
    tracked.lease = { ...tracked.lease, expiresAt };
    const recovered = tracked.renewFailures > 0;
    tracked.renewFailures = 0;
    tracked.renewRetryAt = undefined;
    warned.renew.clear();
    if (recovered) await deps.onEvent({ type: 'renew-recovered', lease: tracked.lease });
    await deps.onEvent({ type: 'renewed', lease: tracked.lease, expiresAt });
  };

  const renewFailed = async (tracked: Tracked<L>, error: unknown) => {
    const failure = deps.classify(error);
    const firstOfClass = !warned.renew.has(failure.class);
    warned.renew.add(failure.class);
    if (failure.final) {
      // Renewing is over for this lease: the rotation now aims at its expiry (at once if the user is gone).
      tracked.renewable = false;
      tracked.renewRetryAt = undefined;
      if (failure.gone) tracked.lease = { ...tracked.lease, expiresAt: new Date(Math.min(tracked.lease.expiresAt.getTime(), deps.now())) };
      await deps.onEvent({ type: 'renew-failed', lease: tracked.lease, failure, firstOfClass });
      return;
    }
    tracked.renewFailures++;
    const now = deps.now();
    const retryInMs = retryDelay(tracked.renewFailures, now, tracked.lease.expiresAt.getTime());
    tracked.renewRetryAt = now + retryInMs;
    await deps.onEvent({ type: 'renew-failed', lease: tracked.lease, failure, retryInMs, firstOfClass });
  };

  const rotate = async (reason: RotationReason) => {
    const previous = current;
    const started = deps.now();
    let next: L;
    try {
      next = await deps.lease();
    } catch (error) {
      await rotationFailed(previous.lease, error);
      return;
    }
    let handedOver: boolean;
    try {
      handedOver = !signal.aborted && (await deps.handOver(next, previous.lease));
    } catch (error) {
      await deps.revoke(next);
      await rotationFailed(previous.lease, error);
      return;
    }
    if (!handedOver) {
      // Stopped while the next user was being made or handed over: nobody will ever use it.
      await deps.onEvent({ type: 'revoked', lease: next, ...(await deps.revoke(next)) });
      return;
    }
    const handedOverAt = deps.now();
    lastPrepMs = handedOverAt - started;
    const endsAt = graceEnd(handedOverAt, options.graceMs, {
      expiresAt: previous.lease.expiresAt.getTime(),
      maxExpiresAt: previous.lease.maxExpiresAt.getTime(),
    });
    grace.push({ lease: previous.lease, endsAt });
    current = { lease: next, renewable: options.renewing, renewFailures: 0 };
    if (rotateFailures > 0) await deps.onEvent({ type: 'rotation-recovered', lease: next });
    rotateFailures = 0;
    rotateRetryAt = undefined;
    expiredSaid = false;
    warned.rotate.clear();
    await deps.onEvent({ type: 'rotated', previous: previous.lease, next, reason, graceEndsAt: new Date(endsAt) });
  };

  const rotationFailed = async (lease: L, error: unknown) => {
    const failure = deps.classify(error);
    const firstOfClass = !warned.rotate.has(failure.class);
    warned.rotate.add(failure.class);
    rotateFailures++;
    const now = deps.now();
    const retryInMs = retryDelay(rotateFailures, now, lease.expiresAt.getTime());
    rotateRetryAt = now + retryInMs;
    await deps.onEvent({ type: 'rotation-failed', lease, failure, retryInMs, firstOfClass });
  };

  const endGrace = async (leaseId: string) => {
    const index = grace.findIndex((g) => g.lease.leaseId === leaseId);
    const [old] = grace.splice(index, 1);
    const result = await deps.revoke(old!.lease);
    await deps.onEvent({ type: 'grace-ended', lease: old!.lease, ...result });
  };

  const loop = async () => {
    while (!signal.aborted) {
      const step = nextStep(plan());
      const now = deps.now();
      if (!expiredSaid && now >= current.lease.expiresAt.getTime()) {
        expiredSaid = true;
        await deps.onEvent({ type: 'expired', lease: current.lease });
      }
      if (step.at > now) await deps.sleep(step.at - now, signal);
      if (signal.aborted) return;
      // A sleep may end early (a clock that jumps): the plan is made again before acting.
      if (deps.now() < step.at) continue;
      if (step.kind === 'renew') await renew();
      else if (step.kind === 'rotate') await rotate(step.reason);
      else await endGrace(step.leaseId);
    }
  };

  let failure: unknown;
  const done = loop().catch((error: unknown) => {
    failure = error;
  });
  return {
    current: () => current.lease,
    done,
    failure: () => failure,
    stop: async ({ keepCurrent = false } = {}) => {
      controller.abort();
      await done;
      const left = [...grace.splice(0).map((g) => g.lease), ...(keepCurrent ? [] : [current.lease])];
      for (const lease of left) await deps.onEvent({ type: 'revoked', lease, ...(await deps.revoke(lease)) });
      return current.lease;
    },
  };
}
