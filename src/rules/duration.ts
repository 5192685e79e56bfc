import ms from 'ms';
import { UsageError } from '../errors.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Nothing dynsecret does needs a longer duration; the cap keeps arithmetic far from float trouble. */
const MAX_DURATION_MS = 3650 * DAY;
const MAX_DURATION_WORDS = '10 years';

const HINT = 'use e.g. 30m, 1h, 1h30m, 2d12h, 7d';
const UNITS = ['w', 'd', 'h', 'm', 's'] as const;
type Unit = (typeof UNITS)[number];

// Units strictly largest to smallest, each at most once; a whole-string match, so nothing else slips through.
const STRICT = /^(?:([0-9]+)w)?(?:([0-9]+)d)?(?:([0-9]+)h)?(?:([0-9]+)m)?(?:([0-9]+)s)?$/;
const GROUPS = /^(?:[0-9]+[A-Za-z]+)+$/;
const GROUP = /([0-9]+)([A-Za-z]+)/g;

/**
 * Parses `30m`, `1h30m`, `2d12h`, `1w` into milliseconds. `what` names the value in the error
 * (e.g. `--ttl`). `ms` only ever sees one validated group such as `30m`: on its own it reads `15` as
 * 15 ms and `1M` as a minute.
 */
export function parseDuration(input: string, what = 'duration'): number {
  const match = STRICT.exec(input);
  if (input === '' || match === null) throw invalid(input, what, diagnose(input));

  let total = 0;
  for (const [index, unit] of UNITS.entries()) {
    const digits = match[index + 1];
    if (digits === undefined) continue;
    const value = digits.replace(/^0+(?=[0-9])/, '');
    // 10 years in seconds has 9 digits: anything longer is too large before any arithmetic.
    if (value.length > 9) throw invalid(input, what, `too large (the limit is ${MAX_DURATION_WORDS})`);
    total += ms(`${Number(value)}${unit}`);
  }
  if (total === 0) throw invalid(input, what, 'must be greater than zero');
  if (total > MAX_DURATION_MS) throw invalid(input, what, `too large (the limit is ${MAX_DURATION_WORDS})`);
  return total;
}

/** Why an input that failed the strict pattern is wrong, in words a user can act on. */
function diagnose(input: string): string {
  if (input === '') return 'it is empty';
  if (/\s/.test(input)) return 'remove the whitespace';
  if (input.startsWith('-')) return 'a duration cannot be negative';
  if (/^[0-9]+$/.test(input)) return 'a bare number has no unit';
  if (/[0-9]*\.[0-9]/.test(input)) return 'use whole numbers';
  if (!GROUPS.test(input)) return 'not a duration';
  for (const [, , unit] of input.matchAll(GROUP)) {
    if (unit === undefined || isUnit(unit)) continue;
    if (isUnit(unit.toLowerCase())) return 'units are lowercase: s, m, h, d, w';
    return `unknown unit "${unit}" (use s, m, h, d or w)`;
  }
  return 'units go from largest to smallest, each at most once';
}

function isUnit(text: string): text is Unit {
  return (UNITS as readonly string[]).includes(text);
}

function invalid(input: string, what: string, reason: string): UsageError {
  const shown = input.length > 40 ? `${input.slice(0, 40)}…` : input;
  return new UsageError(`Invalid ${what} ${JSON.stringify(shown)}: ${reason}`, { hint: HINT });
}

const PARTS = [
  { ms: DAY, short: 'd', word: 'day' },
  { ms: HOUR, short: 'h', word: 'hour' },
  { ms: MINUTE, short: 'm', word: 'minute' },
  { ms: SECOND, short: 's', word: 'second' },
] as const;

/** The two largest non-zero parts (days, hours, minutes, seconds), rounded down. */
function largestParts(duration: number): { count: number; part: (typeof PARTS)[number] }[] {
  if (!Number.isFinite(duration) || duration < 0) throw new RangeError(`not a duration: ${duration}`);
  let rest = duration;
  const parts = PARTS.map((part) => {
    const count = Math.floor(rest / part.ms);
    rest -= count * part.ms;
    return { count, part };
  });
  return parts.filter(({ count }) => count > 0).slice(0, 2);
}

/** `1 hour 30 minutes`, `7 days`, `45 seconds`; `0 seconds` below one second. */
export function formatDuration(duration: number): string {
  const parts = largestParts(duration);
  if (parts.length === 0) return '0 seconds';
  return parts.map(({ count, part }) => `${count} ${part.word}${count === 1 ? '' : 's'}`).join(' ');
}

/** `1h30m`, `7d`, `45s`: the same parts as formatDuration, in the form parseDuration reads. */
export function formatDurationShort(duration: number): string {
  const parts = largestParts(duration);
  if (parts.length === 0) return '0s';
  return parts.map(({ count, part }) => `${count}${part.short}`).join('');
}
