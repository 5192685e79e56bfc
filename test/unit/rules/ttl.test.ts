import { describe, expect, it } from 'vitest';
import { DynsecretError, TtlAboveMaxError, UsageError } from '../../../src/errors.js';
import {
  ATLAS_MAX_DELETE_AFTER_MS,
  MIN_DEFAULT_TTL_MS,
  MIN_LEASE_TTL_MS,
  leaseExpiry,
  renewExpiry,
  requestedTtl,
  toAtlasDate,
  truncateToSecond,
  validateConfigTtls,
} from '../../../src/rules/ttl.js';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;
const at = (iso: string) => new Date(iso);
const NOW = at('2026-11-29T14:33:35.250Z');

function thrown(fn: () => unknown): DynsecretError {
  try {
    fn();
  } catch (error) {
    if (error instanceof DynsecretError) return error;
    throw error;
  }
  throw new Error('expected a DynsecretError');
}

describe('constants', () => {
  it('matches Atlas and the spec', () => {
    expect(ATLAS_MAX_DELETE_AFTER_MS).toBe(7 * D);
    expect(MIN_DEFAULT_TTL_MS).toBe(M);
    expect(MIN_LEASE_TTL_MS).toBe(M);
  });
});

const UNDER_A_MINUTE = (shown: string) => `--ttl ${shown} is below the minimum of 1 minute; use --ttl 1m or more`;

describe('requestedTtl: a lease TTL as the user wrote it', () => {
  it.each([
    ['1m', M],
    ['60s', M],
    ['1m1s', M + S],
    ['90s', 90 * S],
    ['15m', 15 * M],
    ['2h', 2 * H],
    ['7d', 7 * D],
    // The limits that need the config or Atlas' rule (max TTL, 7 days) are leaseExpiry's and renewExpiry's.
    ['8d', 8 * D],
  ])('%s → %d ms', (text, ttlMs) => {
    expect(requestedTtl(text)).toBe(ttlMs);
  });

  it.each([
    ['1s', UNDER_A_MINUTE('1s')],
    ['10s', UNDER_A_MINUTE('10s')],
    ['30s', UNDER_A_MINUTE('30s')],
    ['59s', UNDER_A_MINUTE('59s')],
    ['0m59s', UNDER_A_MINUTE('59s')],
    ['0s', 'Invalid --ttl "0s": must be greater than zero'],
    ['10', 'Invalid --ttl "10": a bare number has no unit'],
    ['1M', 'Invalid --ttl "1M": units are lowercase: s, m, h, d, w'],
  ])('refuses %s: %s', (text, message) => {
    const error = thrown(() => requestedTtl(text));
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toBe(message);
  });

  it('says what to do in the sentence itself, with no hint that could name a command or flag of another mode', () => {
    expect(thrown(() => requestedTtl('30s')).hint).toBeUndefined();
  });
});

describe('validateConfigTtls', () => {
  it.each([
    [M, M, []],
    [H, D, []],
    [7 * D, 7 * D, []],
    [H, 7 * D + S, ['max TTL']],
    [D, 30 * D, ['max TTL']],
  ])('default %d, max %d → warnings %j', (defaultTtlMs, maxTtlMs, warnings) => {
    const result = validateConfigTtls({ defaultTtlMs, maxTtlMs });
    expect(result.warnings).toHaveLength(warnings.length);
    for (const [i, w] of warnings.entries()) expect(result.warnings[i]).toContain(w);
  });

  it('explains the 7-day renew rule in the warning', () => {
    const [warning] = validateConfigTtls({ defaultTtlMs: H, maxTtlMs: 30 * D }).warnings;
    expect(warning).toContain('30 days');
    expect(warning).toContain('leases must be renewed to live that long');
    expect(warning).toContain('Atlas deletes a user at most 7 days after each create or renew');
  });

  it.each([
    [59 * S, D, /default TTL 59 seconds is below the minimum of 1 minute/],
    [0, D, /below the minimum of 1 minute/],
    [2 * D, D, /default TTL 2 days is above the max TTL 1 day/],
    [8 * D, 30 * D, /default TTL 8 days is above Atlas' limit of 7 days/],
    [7 * D + S, 7 * D + S, /Atlas' limit of 7 days/],
  ])('refuses default %d with max %d', (defaultTtlMs, maxTtlMs, message) => {
    const error = thrown(() => validateConfigTtls({ defaultTtlMs, maxTtlMs }));
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toMatch(message);
  });
});

describe('toAtlasDate and truncateToSecond', () => {
  it.each([
    ['2026-11-29T14:33:35.250Z', '2026-11-29T14:33:35Z'],
    ['2026-11-29T14:33:35.999Z', '2026-11-29T14:33:35Z'],
    ['2026-11-29T14:33:35.000Z', '2026-11-29T14:33:35Z'],
    ['1969-12-31T23:59:59.500Z', '1969-12-31T23:59:59Z'],
  ])('%s → %s', (iso, expected) => {
    expect(toAtlasDate(at(iso))).toBe(expected);
    expect(truncateToSecond(at(iso)).toISOString()).toBe(expected.replace('Z', '.000Z'));
  });

  it('refuses an invalid date', () => {
    expect(() => toAtlasDate(new Date(Number.NaN))).toThrow(RangeError);
  });
});

describe('leaseExpiry', () => {
  it.each([
    ['default TTL', undefined, H, D, '2026-11-29T15:33:35Z', '2026-11-30T14:33:35Z'],
    ['explicit TTL', 30 * M, H, D, '2026-11-29T15:03:35Z', '2026-11-30T14:33:35Z'],
    ['TTL = max', D, H, D, '2026-11-30T14:33:35Z', '2026-11-30T14:33:35Z'],
    ['TTL = 7d under a longer max', 7 * D, H, 30 * D, '2026-12-06T14:33:35Z', '2026-12-29T14:33:35Z'],
    ['TTL = the 1-minute minimum', M, H, D, '2026-11-29T14:34:35Z', '2026-11-30T14:33:35Z'],
  ])('%s', (_name, ttlMs, defaultTtlMs, maxTtlMs, expiresAt, maxExpiresAt) => {
    const result = leaseExpiry({ now: NOW, ttlMs, defaultTtlMs, maxTtlMs });
    expect(toAtlasDate(result.expiresAt)).toBe(expiresAt);
    expect(toAtlasDate(result.maxExpiresAt)).toBe(maxExpiresAt);
    expect(result.ttlMs).toBe(ttlMs ?? defaultTtlMs);
  });

  it('truncates the expiry to the whole second Atlas keeps', () => {
    const { expiresAt, maxExpiresAt } = leaseExpiry({ now: NOW, ttlMs: H, defaultTtlMs: H, maxTtlMs: D });
    expect(expiresAt.getUTCMilliseconds()).toBe(0);
    expect(maxExpiresAt.getUTCMilliseconds()).toBe(0);
    expect(expiresAt.getTime()).toBeLessThanOrEqual(NOW.getTime() + H);
  });

  it.each([
    [2 * D, H, D, UsageError, 'TTL 2d is above the max TTL of this config (1 day)'],
    [D + 30 * M, H, D, UsageError, 'TTL 1d30m is above the max TTL of this config (1 day)'],
    [8 * D, H, 30 * D, UsageError, "TTL 8d is above Atlas' limit of 7 days"],
    [0, H, D, UsageError, 'TTL must be greater than zero'],
    [-S, H, D, UsageError, 'TTL must be greater than zero'],
    [S, H, D, UsageError, UNDER_A_MINUTE('1s')],
    [30 * S, H, D, UsageError, UNDER_A_MINUTE('30s')],
    [M - S, H, D, UsageError, UNDER_A_MINUTE('59s')],
    [M - 1, H, D, UsageError, UNDER_A_MINUTE('59s')],
  ])('refuses TTL %d (default %d, max %d)', (ttlMs, defaultTtlMs, maxTtlMs, type, message) => {
    const error = thrown(() => leaseExpiry({ now: NOW, ttlMs, defaultTtlMs, maxTtlMs }));
    expect(error).toBeInstanceOf(type);
    expect(error.message).toBe(message);
  });

  it.each([
    [2 * D, D, { ttl: '2d', maxTtl: '1d' }],
    [9 * H, 8 * H, { ttl: '9h', maxTtl: '8h' }],
    [H + 30 * M, H, { ttl: '1h30m', maxTtl: '1h' }],
  ])('gives the limits of a TTL %d above the max %d, for the fix', (ttlMs, maxTtlMs, limits) => {
    const error = thrown(() => leaseExpiry({ now: NOW, ttlMs, defaultTtlMs: H, maxTtlMs }));
    expect(error).toBeInstanceOf(TtlAboveMaxError);
    expect({ ttl: (error as TtlAboveMaxError).ttl, maxTtl: (error as TtlAboveMaxError).maxTtl }).toEqual(limits);
  });

  it('gives a hint for the Atlas limit', () => {
    const error = thrown(() => leaseExpiry({ now: NOW, ttlMs: 8 * D, defaultTtlMs: H, maxTtlMs: 30 * D }));
    expect(error.hint).toMatch(/renew/);
  });
});

describe('renewExpiry', () => {
  const createdAt = at('2026-11-29T10:00:00.500Z');
  it.each([
    ['not capped', H, D, '2026-11-29T15:00:00Z', '2026-11-29T15:33:35Z', null],
    ['capped by the max TTL', 2 * H, 6 * H, '2026-11-29T15:00:00Z', '2026-11-29T16:00:00Z', 'max-ttl'],
    ['TTL reaching the max TTL exactly', 86 * M + 25 * S, 6 * H, '2026-11-29T15:00:00Z', '2026-11-29T16:00:00Z', null],
    ['a TTL of exactly 7 days', 7 * D, 30 * D, '2026-11-29T15:00:00Z', '2026-12-06T14:33:35Z', null],
    ['long TTL under a long max', 6 * D, 30 * D, '2026-11-29T15:00:00Z', '2026-12-05T14:33:35Z', null],
    ['a TTL of exactly 1 minute', M, D, '2026-11-29T14:34:00Z', '2026-11-29T14:34:35Z', null],
  ])('%s', (_name, ttlMs, maxTtlMs, current, expected, cappedBy) => {
    const result = renewExpiry({ now: NOW, ttlMs, createdAt, maxTtlMs, currentExpiresAt: at(current) });
    if (!result.ok) throw new Error(`refused: ${result.reason}`);
    expect(toAtlasDate(result.expiresAt)).toBe(expected);
    expect(result.expiresAt.getUTCMilliseconds()).toBe(0);
    expect(result.cappedBy).toBe(cappedBy);
  });

  it.each([
    ['at the max TTL', H, 5 * H, '2026-11-29T15:00:00Z', { ok: false, reason: 'at-limit', limit: 'max-ttl' }],
    ['a TTL that would shorten it', 10 * M, D, '2026-11-29T15:00:00Z', { ok: false, reason: 'not-longer' }],
    ['expired', H, D, '2026-11-29T14:33:35Z', { ok: false, reason: 'expired' }],
    ['expiring exactly now', H, D, '2026-11-29T14:33:35.250Z', { ok: false, reason: 'expired' }],
    ['expired long ago', H, D, '2026-11-01T00:00:00Z', { ok: false, reason: 'expired' }],
  ])('refuses: %s', (_name, ttlMs, maxTtlMs, current, verdict) => {
    expect(renewExpiry({ now: NOW, ttlMs, createdAt, maxTtlMs, currentExpiresAt: at(current) })).toEqual(verdict);
  });

  it.each([
    ['TTL above 7 days', 8 * D, 30 * D, "TTL 8d is above Atlas' limit of 7 days"],
    ['zero TTL', 0, D, 'TTL must be greater than zero'],
    ['TTL of 1 second', S, D, UNDER_A_MINUTE('1s')],
    ['TTL of 10 seconds', 10 * S, D, UNDER_A_MINUTE('10s')],
    ['TTL one second under a minute', M - S, D, UNDER_A_MINUTE('59s')],
  ])('a TTL that cannot be asked for is a usage error: %s', (_name, ttlMs, maxTtlMs, message) => {
    const error = thrown(() => renewExpiry({ now: NOW, ttlMs, createdAt, maxTtlMs, currentExpiresAt: at('2026-11-29T15:00:00Z') }));
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toBe(message);
  });

  it('compares at whole seconds, so a renew within the same second is refused', () => {
    // max TTL ends at 15:00:00.5; truncated that is the current expiry, so nothing would change.
    expect(renewExpiry({ now: NOW, ttlMs: D, createdAt, maxTtlMs: 5 * H, currentExpiresAt: at('2026-11-29T15:00:00Z') })).toEqual({
      ok: false,
      reason: 'at-limit',
      limit: 'max-ttl',
    });
  });
});

describe('boundaries and exact messages', () => {
  const createdAt = at('2026-11-29T10:00:00.500Z');

  it.each([
    ['at the exact millisecond of now', '2026-11-29T14:33:35.250Z'],
    ['one millisecond before now', '2026-11-29T14:33:35.249Z'],
  ])('a lease expiring %s has expired', (_name, current) => {
    expect(renewExpiry({ now: NOW, ttlMs: H, createdAt, maxTtlMs: D, currentExpiresAt: at(current) })).toEqual({
      ok: false,
      reason: 'expired',
    });
  });

  it('a lease expiring one millisecond after now can still be renewed', () => {
    const result = renewExpiry({ now: NOW, ttlMs: H, createdAt, maxTtlMs: D, currentExpiresAt: at('2026-11-29T14:33:35.251Z') });
    expect(result).toEqual({ ok: true, expiresAt: at('2026-11-29T15:33:35.000Z'), cappedBy: null });
  });

  it.each([
    ['the same second as now', '2026-11-29T15:33:35.000Z'],
    ['later in that second', '2026-11-29T15:33:35.999Z'],
  ])('refuses a renew that ends at %s as the current expiry', (_name, current) => {
    expect(renewExpiry({ now: NOW, ttlMs: H, createdAt, maxTtlMs: D, currentExpiresAt: at(current) })).toEqual({
      ok: false,
      reason: 'not-longer',
    });
  });

  it('extends a lease by one second', () => {
    const result = renewExpiry({ now: NOW, ttlMs: H, createdAt, maxTtlMs: D, currentExpiresAt: at('2026-11-29T15:33:34.999Z') });
    expect(result).toEqual({ ok: true, expiresAt: at('2026-11-29T15:33:35.000Z'), cappedBy: null });
  });

  it.each([
    ['a max TTL one second past the request', H + 4 * H + 33 * M + 36 * S, '2026-11-29T15:33:35Z', null],
    ['a max TTL one second short of the request', 5 * H + 33 * M + 34 * S, '2026-11-29T15:33:34Z', 'max-ttl'],
  ])('%s', (_name, maxTtlMs, expected, cappedBy) => {
    const result = renewExpiry({ now: NOW, ttlMs: H, createdAt, maxTtlMs, currentExpiresAt: at('2026-11-29T15:00:00Z') });
    if (!result.ok) throw new Error(`refused: ${result.reason}`);
    expect(toAtlasDate(result.expiresAt)).toBe(expected);
    expect(result.cappedBy).toBe(cappedBy);
  });

  it.each([
    ['NaN', Number.NaN, 'TTL must be greater than zero'],
    ['one millisecond past 7 days', 7 * D + 1, "TTL 7d is above Atlas' limit of 7 days"],
  ])('renewExpiry refuses a TTL of %s', (_name, ttlMs, message) => {
    const error = thrown(() => renewExpiry({ now: NOW, ttlMs, createdAt, maxTtlMs: 30 * D, currentExpiresAt: at('2026-11-29T15:00:00Z') }));
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toBe(message);
  });

  it.each([
    ['NaN', Number.NaN, 'TTL must be greater than zero'],
    ['one millisecond past the max', D + 1, 'TTL 1d is above the max TTL of this config (1 day)'],
    ['one millisecond past 7 days', 7 * D + 1, "TTL 7d is above Atlas' limit of 7 days"],
  ])('leaseExpiry refuses a TTL of %s', (_name, ttlMs, message) => {
    const maxTtlMs = ttlMs > 7 * D ? 30 * D : D;
    const error = thrown(() => leaseExpiry({ now: NOW, ttlMs, defaultTtlMs: H, maxTtlMs }));
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toBe(message);
  });

  it('gives the same hint for the 7-day limit on create, renew and config', () => {
    const hint = 'Atlas deletes a user at most 7 days after each create or renew; lease for 7d or less and renew it';
    expect(thrown(() => leaseExpiry({ now: NOW, ttlMs: 8 * D, defaultTtlMs: H, maxTtlMs: 30 * D })).hint).toBe(hint);
    expect(
      thrown(() => renewExpiry({ now: NOW, ttlMs: 8 * D, createdAt, maxTtlMs: 30 * D, currentExpiresAt: at('2026-11-29T15:00:00Z') })).hint,
    ).toBe(hint);
    expect(thrown(() => validateConfigTtls({ defaultTtlMs: 8 * D, maxTtlMs: 30 * D })).hint).toBe(hint);
  });

  it.each([
    [M - 1, D, 'The default TTL 59 seconds is below the minimum of 1 minute', undefined],
    [2 * D, D, 'The default TTL 2 days is above the max TTL 1 day', 'raise --max-ttl or lower --default-ttl'],
    [D + 1, D, 'The default TTL 1 day is above the max TTL 1 day', 'raise --max-ttl or lower --default-ttl'],
    [
      7 * D + 1,
      30 * D,
      "The default TTL 7 days is above Atlas' limit of 7 days",
      'Atlas deletes a user at most 7 days after each create or renew; lease for 7d or less and renew it',
    ],
  ])('validateConfigTtls refuses default %d with max %d', (defaultTtlMs, maxTtlMs, message, hint) => {
    const error = thrown(() => validateConfigTtls({ defaultTtlMs, maxTtlMs }));
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toBe(message);
    expect(error.hint).toBe(hint);
  });

  it('warns about a max TTL one millisecond past 7 days, in full', () => {
    expect(validateConfigTtls({ defaultTtlMs: H, maxTtlMs: 7 * D + 1 }).warnings).toEqual([
      'The max TTL 7 days is above 7 days: leases must be renewed to live that long; Atlas deletes a user at most 7 days after each create or renew',
    ]);
    expect(validateConfigTtls({ defaultTtlMs: 7 * D, maxTtlMs: 7 * D }).warnings).toEqual([]);
  });

  it('gives the max expiry from the max TTL, not the TTL', () => {
    const result = leaseExpiry({ now: NOW, ttlMs: undefined, defaultTtlMs: M, maxTtlMs: 7 * D });
    expect(result).toEqual({
      ttlMs: M,
      expiresAt: at('2026-11-29T14:34:35.000Z'),
      maxExpiresAt: at('2026-12-06T14:33:35.000Z'),
    });
  });

  it('names the invalid date', () => {
    expect(() => truncateToSecond(new Date(Number.NaN))).toThrow(new RangeError('invalid date'));
  });
});
