import { ATLAS_MAX_DELETE_AFTER_MS, truncateToSecond } from './ttl.js';

/**
 * When a long-running lease is renewed, replaced by a new one (rotation) and, once replaced, revoked. Pure:
 * every function takes `now` (ms since the epoch) and the lease's times, so each rule is a table of cases.
 */

/** A lease's times, in ms since the epoch. */
export interface LeaseTimes {
  expiresAt: number;
  maxExpiresAt: number;
}

/** A renewal is never left later than this before expiry (for long TTLs), nor later than half the TTL (short ones). */
const MAX_RENEW_MARGIN_MS = 5 * 60 * 1000;

/**
 * How long before expiry a renewal starts: a third of the TTL, but at least min(half the TTL, 5 minutes),
 * so a slow or briefly failing Atlas still leaves time for retries. 1h renews 20 minutes ahead, 5m 2.5
 * minutes ahead, 6s 3 seconds ahead. (`run` without --rotate renews on the same rule.)
 */
export function renewMargin(ttlMs: number): number {
  return Math.max(ttlMs / 3, Math.min(ttlMs / 2, MAX_RENEW_MARGIN_MS));
}

/** A rotation never starts less than this ahead of the old user's end (unless the lease is too short for it). */
export const MIN_LEAD_MS = 15_000;
export const DEFAULT_GRACE_MS = 2 * 60_000;
export const DEFAULT_STOP_TIMEOUT_MS = 10_000;
const FIRST_RETRY_MS = 5_000;
const MAX_RETRY_MS = 60_000;
const MIN_RETRY_MS = 500;

/** Why a lease is replaced: it reaches its max TTL, or (not renewed, or its renewal failing) its expiry. */
export type RotationReason = 'max-ttl' | 'expiry';

/**
 * How long before the old user's end a rotation starts:
 *
 *   lead = min(max(TTL / 3, 2 × lastPrep + handover, 15s), lifeSpan / 2)
 *
 * `lastPrep` is how long the last lease took from create to applied (the first lease's for the first
 * rotation), so a slow Atlas moves rotations earlier; `handover` is what handing over may take (the stop
 * timeout of a restart). Capped at half the lease's life span (created to max expiry) so that a short lease
 * is still used for half its life instead of being replaced as soon as it is made.
 */
export function rotationLead(input: { ttlMs: number; lifeSpanMs: number; lastPrepMs: number; handoverMs: number }): number {
  const wanted = Math.max(input.ttlMs / 3, 2 * input.lastPrepMs + input.handoverMs, MIN_LEAD_MS);
  return Math.min(wanted, input.lifeSpanMs / 2);
}

/**
 * The last moment the lease's user exists if nothing else happens: its max expiry while it is renewed,
 * else its current expiry (renewal off, refused, or failing).
 */
export function lastMoment(lease: LeaseTimes, renewable: boolean): number {
  return renewable ? Math.max(lease.expiresAt, lease.maxExpiresAt) : lease.expiresAt;
}

/** The reason a rotation made now would give: see `lastMoment`. */
export function rotationReason(lease: LeaseTimes, renewable: boolean): RotationReason {
  return renewable || lease.expiresAt >= lease.maxExpiresAt ? 'max-ttl' : 'expiry';
}

/**
 * The expiry a renewal at `now` would set: min(now + TTL, max expiry, now + 7 days), to the second (the
 * same caps as `renew`; Atlas' 7 days bound each expiry, and renewing moves that bound along).
 */
export function renewalTarget(lease: LeaseTimes, ttlMs: number, now: number): number {
  return truncateToSecond(new Date(Math.min(now + ttlMs, lease.maxExpiresAt, now + ATLAS_MAX_DELETE_AFTER_MS))).getTime();
}

/**
 * When the lease is next renewed: `renewMargin(TTL)` before its expiry (as `run` without --rotate), or
 * undefined when a renewal then would not make it any longer (it is at its max TTL).
 */
export function renewalDue(lease: LeaseTimes, ttlMs: number): number | undefined {
  const at = lease.expiresAt - renewMargin(ttlMs);
  return renewalTarget(lease, ttlMs, at) > lease.expiresAt ? at : undefined;
}

/** When an old lease is revoked after the hand-over: after the grace, or at its own expiry if that comes first. */
export function graceEnd(handedOverAt: number, graceMs: number, old: LeaseTimes): number {
  return Math.min(handedOverAt + graceMs, old.expiresAt);
}

/**
 * How long to wait before retrying after the `failures`-th failure in a row: 5s, 10s, 20s, … 60s; while
 * `deadline` (when the current user dies) is ahead, at most half the time left, but not under 0.5s.
 */
export function retryDelay(failures: number, now: number, deadline: number): number {
  const backoff = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.max(0, failures - 1));
  if (deadline <= now) return backoff;
  return Math.min(backoff, Math.max(MIN_RETRY_MS, (deadline - now) / 2));
}

/** What the loop does next, and when. */
export type RotationStep =
  | { kind: 'end-grace'; at: number; leaseId: string }
  | { kind: 'renew'; at: number }
  | { kind: 'rotate'; at: number; reason: RotationReason };

/** What the next step is computed from. */
export interface RotationPlan {
  current: LeaseTimes & {
    /** false once a renewal was refused for good (the user is gone, a cap Atlas enforces). */
    renewable: boolean;
    /** Set while renewals fail: when to try again (the user then counts as ending at its expiry). */
    renewRetryAt?: number | undefined;
  };
  renewing: boolean;
  ttlMs: number;
  lifeSpanMs: number;
  lastPrepMs: number;
  handoverMs: number;
  /** Set while rotations fail: when to try again. */
  rotateRetryAt?: number | undefined;
  grace: readonly { leaseId: string; endsAt: number }[];
}

/**
 * The earliest thing to do: end a grace, renew the current lease, or rotate it (see `rotationLead`). On a
 * tie the grace ends first, then a renewal, then the rotation.
 */
export function nextStep(plan: RotationPlan): RotationStep {
  const { current } = plan;
  const renewable = plan.renewing && current.renewable;
  const healthy = renewable && current.renewRetryAt === undefined;
  const rotateAt = plan.rotateRetryAt ?? lastMoment(current, healthy) - rotationLead(plan);
  let step: RotationStep = { kind: 'rotate', at: rotateAt, reason: rotationReason(current, healthy) };
  const renewAt = renewable ? (current.renewRetryAt ?? renewalDue(current, plan.ttlMs)) : undefined;
  if (renewAt !== undefined && renewAt <= step.at) step = { kind: 'renew', at: renewAt };
  for (const old of plan.grace) if (old.endsAt <= step.at) step = { kind: 'end-grace', at: old.endsAt, leaseId: old.leaseId };
  return step;
}
