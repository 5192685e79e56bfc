import { TtlAboveMaxError, UsageError } from '../errors.js';
import { formatDuration, formatDurationShort, parseDuration } from './duration.js';

/** Atlas refuses a `deleteAfterDate` more than one week after the request. */
export const ATLAS_MAX_DELETE_AFTER_MS = 7 * 24 * 60 * 60 * 1000;
export const MIN_DEFAULT_TTL_MS = 60 * 1000;
/** The shortest lease anyone may ask for: the same floor as a config's default TTL. */
export const MIN_LEASE_TTL_MS = MIN_DEFAULT_TTL_MS;

const ATLAS_LIMIT_WORDS = formatDuration(ATLAS_MAX_DELETE_AFTER_MS);
const ATLAS_HINT = 'Atlas deletes a user at most 7 days after each create or renew; lease for 7d or less and renew it';

/**
 * Checks a config's default and max TTL; a max beyond Atlas' 7 days is allowed but warned about. `names` are
 * the flags (or a file's fields) the advice names.
 */
export function validateConfigTtls(
  ttls: { defaultTtlMs: number; maxTtlMs: number },
  names: { defaultTtl: string; maxTtl: string } = { defaultTtl: '--default-ttl', maxTtl: '--max-ttl' },
): { warnings: string[] } {
  const { defaultTtlMs, maxTtlMs } = ttls;
  const defaultWords = formatDuration(defaultTtlMs);
  if (defaultTtlMs < MIN_DEFAULT_TTL_MS) {
    throw new UsageError(`The default TTL ${defaultWords} is below the minimum of ${formatDuration(MIN_DEFAULT_TTL_MS)}`);
  }
  if (defaultTtlMs > maxTtlMs) {
    throw new UsageError(`The default TTL ${defaultWords} is above the max TTL ${formatDuration(maxTtlMs)}`, {
      hint: `raise ${names.maxTtl} or lower ${names.defaultTtl}`,
    });
  }
  if (defaultTtlMs > ATLAS_MAX_DELETE_AFTER_MS) {
    throw new UsageError(`The default TTL ${defaultWords} is above Atlas' limit of ${ATLAS_LIMIT_WORDS}`, {
      hint: ATLAS_HINT,
    });
  }
  const warnings: string[] = [];
  if (maxTtlMs > ATLAS_MAX_DELETE_AFTER_MS) {
    warnings.push(
      `The max TTL ${formatDuration(maxTtlMs)} is above ${ATLAS_LIMIT_WORDS}: leases must be renewed to live ` +
        'that long; Atlas deletes a user at most 7 days after each create or renew',
    );
  }
  return { warnings };
}

/**
 * A lease TTL as the user wrote it (`--ttl` of lease, run and renew; the GitHub Action's `ttl` input), in
 * ms: a duration of at least 1 minute. It needs neither the config nor the lease, so the commands check it
 * before anything else; the limits that do (the max TTL) and Atlas' 7 days are leaseExpiry's and renewExpiry's.
 */
export function requestedTtl(text: string): number {
  const ttlMs = parseDuration(text, '--ttl');
  assertMinimumTtl(ttlMs);
  return ttlMs;
}

/** The sentence says what to do: a hint could name a command or a flag that the mode at hand does not have. */
function assertMinimumTtl(ttlMs: number): void {
  if (ttlMs < MIN_LEASE_TTL_MS) {
    throw new UsageError(
      `--ttl ${formatDurationShort(ttlMs)} is below the minimum of ${formatDuration(MIN_LEASE_TTL_MS)}; use --ttl ${formatDurationShort(MIN_LEASE_TTL_MS)} or more`,
    );
  }
}

/** The expiry of a new lease: TTL = the requested one or the config's default. */
export function leaseExpiry(input: { now: Date; ttlMs: number | undefined; defaultTtlMs: number; maxTtlMs: number }): {
  ttlMs: number;
  expiresAt: Date;
  maxExpiresAt: Date;
} {
  const ttlMs = input.ttlMs ?? input.defaultTtlMs;
  assertRequestableTtl(ttlMs, input.maxTtlMs);
  const now = input.now.getTime();
  return {
    ttlMs,
    expiresAt: truncateToSecond(new Date(now + ttlMs)),
    maxExpiresAt: truncateToSecond(new Date(now + input.maxTtlMs)),
  };
}

function assertRequestableTtl(ttlMs: number, maxTtlMs: number): void {
  assertAtlasTtl(ttlMs);
  if (ttlMs > maxTtlMs) {
    throw new TtlAboveMaxError(`TTL ${formatDurationShort(ttlMs)} is above the max TTL of this config (${formatDuration(maxTtlMs)})`, {
      ttl: formatDurationShort(ttlMs),
      maxTtl: formatDurationShort(maxTtlMs),
    });
  }
}

function assertAtlasTtl(ttlMs: number): void {
  if (!(ttlMs > 0)) throw new UsageError('TTL must be greater than zero');
  assertMinimumTtl(ttlMs);
  if (ttlMs > ATLAS_MAX_DELETE_AFTER_MS) {
    throw new UsageError(`TTL ${formatDurationShort(ttlMs)} is above Atlas' limit of ${ATLAS_LIMIT_WORDS}`, {
      hint: ATLAS_HINT,
    });
  }
}

export type RenewCap = null | 'max-ttl' | 'atlas-7d';

/**
 * Whether a lease may be renewed, and to when. A refusal says why, for the caller to word: `expired` (its
 * expiry has passed), `not-longer` (the TTL asked for would not extend it), `at-limit` (a cap stops it where
 * it already is: `limit` says which).
 */
export type RenewVerdict =
  | { ok: true; expiresAt: Date; cappedBy: RenewCap }
  | { ok: false; reason: 'expired' }
  | { ok: false; reason: 'not-longer' }
  | { ok: false; reason: 'at-limit'; limit: Exclude<RenewCap, null> };

/**
 * The new expiry of a renewed lease: min(now + TTL, created-at + max TTL, now + 7 days), truncated to the
 * second. The TTL is the requested one or the config default (never above 7 days, so in practice the
 * Atlas cap cannot bind; it is computed anyway). Refuses a lease that has expired or would not get longer;
 * a TTL that is not requestable at all is a usage error.
 */
export function renewExpiry(input: { now: Date; ttlMs: number; createdAt: Date; maxTtlMs: number; currentExpiresAt: Date }): RenewVerdict {
  const { ttlMs, currentExpiresAt } = input;
  assertAtlasTtl(ttlMs);
  const now = input.now.getTime();
  if (currentExpiresAt.getTime() <= now) return { ok: false, reason: 'expired' };

  const requested = now + ttlMs;
  const maxTtlCap = input.createdAt.getTime() + input.maxTtlMs;
  const atlasCap = now + ATLAS_MAX_DELETE_AFTER_MS;
  const limit = Math.min(maxTtlCap, atlasCap);
  const cappedBy: RenewCap = requested <= limit ? null : maxTtlCap <= atlasCap ? 'max-ttl' : 'atlas-7d';
  const expiresAt = truncateToSecond(new Date(Math.min(requested, limit)));

  if (expiresAt.getTime() <= truncateToSecond(currentExpiresAt).getTime()) {
    return cappedBy === null ? { ok: false, reason: 'not-longer' } : { ok: false, reason: 'at-limit', limit: cappedBy };
  }
  return { ok: true, expiresAt, cappedBy };
}

/** Atlas' limit on `deleteAfterDate`, in words ("7 days"). */
export const ATLAS_LIMIT = ATLAS_LIMIT_WORDS;

/** Atlas keeps `deleteAfterDate` to the second, so every expiry is cut to the second before use. */
export function truncateToSecond(date: Date): Date {
  const time = date.getTime();
  if (Number.isNaN(time)) throw new RangeError('invalid date');
  return new Date(Math.floor(time / 1000) * 1000);
}

/** `YYYY-MM-DDTHH:MM:SSZ`, the form Atlas takes and returns for `deleteAfterDate`. */
export function toAtlasDate(date: Date): string {
  return `${truncateToSecond(date).toISOString().slice(0, 19)}Z`;
}
