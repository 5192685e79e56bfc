import { describe, expect, it } from 'vitest';
import { formatExpiry, formatIso, formatRelative } from '../../../src/output/time.js';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;
const NOW = new Date('2026-11-29T14:33:35.400Z');
const after = (ms: number) => new Date(NOW.getTime() + ms);

describe('formatRelative', () => {
  it.each([
    [0, 'now'],
    [499, 'now'],
    [-499, 'now'],
    [500, 'in 1s'],
    [-500, '1s ago'],
    [1 * S, 'in 1s'],
    // A 30-second lease, printed a few milliseconds after it was made.
    [30 * S - 12, 'in 30s'],
    [29 * S + 999, 'in 30s'],
    [29 * S + 400, 'in 29s'],
    [-29 * S - 999, '30s ago'],
    [30 * S, 'in 30s'],
    [59 * S, 'in 59s'],
    [59 * S + 499, 'in 59s'],
    [59 * S + 500, 'in 1m'],
    [-(59 * S + 700), '1m ago'],
    [M, 'in 1m'],
    // Rounded to the nearest of the smallest unit shown, half up.
    [M + 29 * S, 'in 1m'],
    [M + 29 * S + 999, 'in 1m'],
    [M + 30 * S, 'in 2m'],
    [-(M + 30 * S), '2m ago'],
    [59 * M + 29 * S, 'in 59m'],
    [59 * M + 30 * S, 'in 1h'],
    [59 * M + 59 * S, 'in 1h'],
    // A 1-hour lease, printed a few milliseconds after it was made.
    [H - 12, 'in 1h'],
    [H, 'in 1h'],
    [H + 29 * S, 'in 1h'],
    [H + 30 * S, 'in 1h 1m'],
    [H + 5 * M, 'in 1h 5m'],
    [H + 5 * M + 29 * S, 'in 1h 5m'],
    [H + 5 * M + 59 * S, 'in 1h 6m'],
    [2 * H - 20 * S, 'in 2h'],
    [23 * H + 59 * M, 'in 23h 59m'],
    [23 * H + 59 * M + 29 * S, 'in 23h 59m'],
    [23 * H + 59 * M + 30 * S, 'in 1d'],
    [D - 12, 'in 1d'],
    [D, 'in 1d'],
    [D + 29 * M, 'in 1d'],
    [D + 30 * M, 'in 1d 1h'],
    [D + 23 * H + 30 * M, 'in 2d'],
    [2 * D + 3 * H, 'in 2d 3h'],
    [2 * D + 3 * H + 29 * M + 59 * S, 'in 2d 3h'],
    [400 * D + 3 * H, 'in 400d 3h'],
    [-30 * S, '30s ago'],
    [-3 * M, '3m ago'],
    [-3 * M - 29 * S, '3m ago'],
    [-3 * M - 50 * S, '4m ago'],
    [-(H + 5 * M), '1h 5m ago'],
    [-(2 * D + 3 * H), '2d 3h ago'],
  ])('%d ms from now → %j', (delta, expected) => {
    expect(formatRelative(after(delta), NOW)).toBe(expected);
  });
});

describe('formatIso', () => {
  it.each([
    ['2026-11-29T15:33:35.999Z', '2026-11-29T15:33:35Z'],
    ['2026-11-29T15:33:35.000Z', '2026-11-29T15:33:35Z'],
    ['2000-01-01T00:00:00.001Z', '2000-01-01T00:00:00Z'],
  ])('%s → %s', (iso, expected) => {
    expect(formatIso(new Date(iso))).toBe(expected);
  });

  it('refuses an invalid date', () => {
    expect(() => formatIso(new Date(Number.NaN))).toThrow(RangeError);
  });
});

describe('formatExpiry', () => {
  it.each([
    [new Date('2026-11-29T15:33:35Z'), '2026-11-29T15:33:35Z (in 1h)'],
    [new Date('2026-11-29T15:38:35Z'), '2026-11-29T15:38:35Z (in 1h 5m)'],
    [new Date('2026-12-01T17:33:36Z'), '2026-12-01T17:33:36Z (in 2d 3h)'],
    [new Date('2026-11-29T14:30:35Z'), '2026-11-29T14:30:35Z (3m ago)'],
    [new Date('2026-11-29T14:33:40Z'), '2026-11-29T14:33:40Z (in 5s)'],
    [new Date('2026-11-29T14:33:35Z'), '2026-11-29T14:33:35Z (now)'],
  ])('%s', (at, expected) => {
    expect(formatExpiry(at, NOW)).toBe(expected);
  });
});
