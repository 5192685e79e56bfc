import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/errors.js';
import { formatDuration, formatDurationShort, parseDuration } from '../../../src/rules/duration.js';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;
const W = 7 * D;

describe('parseDuration', () => {
  it.each([
    ['45s', 45 * S],
    ['1s', S],
    ['30m', 30 * M],
    ['1h', H],
    ['1h30m', H + 30 * M],
    ['2d12h', 2 * D + 12 * H],
    ['7d', 7 * D],
    ['1w', W],
    ['1w2d3h4m5s', W + 2 * D + 3 * H + 4 * M + 5 * S],
    ['1h0m', H],
    ['90m', 90 * M],
    ['01h', H],
    ['3650d', 3650 * D],
    ['0000000000000000001h', H],
    // Only leading zeros go: the zeros inside or at the end of a number are kept.
    ['100s', 100 * S],
    ['10m', 10 * M],
    ['1005m', 1005 * M],
    ['010h', 10 * H],
    ['1w10d100h1000m10000s', W + 10 * D + 100 * H + 1000 * M + 10000 * S],
    // Nine digits is the longest count allowed, and exactly the limit is accepted.
    ['315360000s', 3650 * D],
    ['000315360000s', 3650 * D],
    ['5256000m', 3650 * D],
    ['520w', 520 * W],
  ])('%j → %d ms', (input, expected) => {
    expect(parseDuration(input)).toBe(expected);
  });

  it.each([
    ['', /empty/],
    ['15', /has no unit/],
    ['0', /has no unit/],
    ['0h', /zero/],
    ['0m0s', /zero/],
    ['0w0d0h0m0s', /zero/],
    ['-1h', /negative/],
    ['-30m', /negative/],
    ['1.5h', /whole numbers/],
    ['.5h', /whole numbers/],
    ['1,5h', /not a duration/],
    [' 1h', /whitespace/],
    ['1h ', /whitespace/],
    ['1 h', /whitespace/],
    ['1h\n', /whitespace/],
    ['1h\t30m', /whitespace/],
    ['1M', /lowercase/],
    ['1H', /lowercase/],
    ['1y', /unknown unit/],
    ['1ms', /unknown unit/],
    ['1min', /unknown unit/],
    ['1hour', /unknown unit/],
    ['30m1h', /largest to smallest/],
    ['1h1h', /largest to smallest/],
    ['1s1w', /largest to smallest/],
    ['h', /not a duration/],
    ['abc', /not a duration/],
    ['1h30', /not a duration/],
    ['+1h', /not a duration/],
    ['1e3s', /unknown unit|not a duration/],
    ['0x10s', /unknown unit|not a duration/],
    ['１h', /not a duration/],
    ['3651d', /too large/],
    ['11y', /lowercase|unknown unit/],
    ['522w', /too large/],
    ['99999999999999999999h', /too large/],
    ['9'.repeat(400) + 's', /too large/],
    ['315360001s', /too large/],
    ['1000000000s', /too large/],
    ['3650d1s', /too large/],
  ])('rejects %j (%s)', (input, reason) => {
    const error = catchError(() => parseDuration(input, '--ttl'));
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toMatch(reason);
    expect(error.message).toContain('--ttl');
    expect(error.message).not.toContain('\n');
    expect(error.hint).toBe('use e.g. 30m, 1h, 1h30m, 2d12h, 7d');
  });

  it.each([
    ['1.5h', 'Invalid duration "1.5h": use whole numbers'],
    ['15', 'Invalid duration "15": a bare number has no unit'],
    ['', 'Invalid duration "": it is empty'],
    ['1 h', 'Invalid duration "1 h": remove the whitespace'],
    ['-1h', 'Invalid duration "-1h": a duration cannot be negative'],
    ['1h1h', 'Invalid duration "1h1h": units go from largest to smallest, each at most once'],
    ['30m1h', 'Invalid duration "30m1h": units go from largest to smallest, each at most once'],
    ['1H', 'Invalid duration "1H": units are lowercase: s, m, h, d, w'],
    ['12H30m', 'Invalid duration "12H30m": units are lowercase: s, m, h, d, w'],
    ['1h30x', 'Invalid duration "1h30x": unknown unit "x" (use s, m, h, d or w)'],
    ['10yr', 'Invalid duration "10yr": unknown unit "yr" (use s, m, h, d or w)'],
    ['abc', 'Invalid duration "abc": not a duration'],
    ['0s', 'Invalid duration "0s": must be greater than zero'],
    ['3651d', 'Invalid duration "3651d": too large (the limit is 10 years)'],
    ['1000000000s', 'Invalid duration "1000000000s": too large (the limit is 10 years)'],
    // Up to 40 characters the input is shown whole; beyond, its first 40 and an ellipsis.
    ['x'.repeat(40), `Invalid duration "${'x'.repeat(40)}": not a duration`],
    ['x'.repeat(41), `Invalid duration "${'x'.repeat(40)}…": not a duration`],
    ['y'.repeat(39) + 'zz', `Invalid duration "${'y'.repeat(39)}z…": not a duration`],
  ])('names the input of %j in the message', (input, message) => {
    expect(catchError(() => parseDuration(input)).message).toBe(message);
  });

  it('shortens a very long input in the message', () => {
    const message = catchError(() => parseDuration('x'.repeat(500))).message;
    expect(message.length).toBeLessThan(120);
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0 seconds'],
    [999, '0 seconds'],
    [S, '1 second'],
    [45 * S, '45 seconds'],
    [M, '1 minute'],
    [M + S, '1 minute 1 second'],
    [30 * M, '30 minutes'],
    [H, '1 hour'],
    [H + 30 * M, '1 hour 30 minutes'],
    [H + 30 * M + 59 * S, '1 hour 30 minutes'],
    [2 * D + 12 * H, '2 days 12 hours'],
    [D, '1 day'],
    [D + 5 * M, '1 day 5 minutes'],
    [D + 30 * S, '1 day 30 seconds'],
    [7 * D, '7 days'],
    [W + D, '8 days'],
    [14 * D + 23 * H + 59 * M, '14 days 23 hours'],
  ])('%d ms → %j', (ms, expected) => {
    expect(formatDuration(ms)).toBe(expected);
  });

  it.each([
    [-1, 'not a duration: -1'],
    [Number.NaN, 'not a duration: NaN'],
    [Number.POSITIVE_INFINITY, 'not a duration: Infinity'],
  ])('refuses %d', (ms, message) => {
    expect(() => formatDuration(ms)).toThrow(new RangeError(message));
    expect(() => formatDurationShort(ms)).toThrow(new RangeError(message));
  });
});

describe('formatDurationShort', () => {
  it.each([
    [0, '0s'],
    [45 * S, '45s'],
    [30 * M, '30m'],
    [H + 30 * M, '1h30m'],
    [H + 30 * M + 10 * S, '1h30m'],
    [7 * D, '7d'],
    [2 * D + 12 * H, '2d12h'],
    [D + 30 * S, '1d30s'],
  ])('%d ms → %j', (ms, expected) => {
    expect(formatDurationShort(ms)).toBe(expected);
  });

  it.each(['45s', '30m', '1h30m', '7d', '2d12h', '1d30s'])('round-trips %j through parseDuration', (text) => {
    expect(formatDurationShort(parseDuration(text))).toBe(text);
  });
});

function catchError(fn: () => unknown): UsageError {
  try {
    fn();
  } catch (error) {
    if (error instanceof UsageError) return error;
    throw error;
  }
  throw new Error('expected a UsageError');
}
