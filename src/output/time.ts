const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** ISO 8601 UTC without milliseconds: `2026-11-29T15:33:35Z`. */
export function formatIso(at: Date): string {
  if (Number.isNaN(at.getTime())) throw new RangeError('invalid date');
  return `${at.toISOString().slice(0, 19)}Z`;
}

/** `2026-11-29T15:33:35Z (in 59m)`: the absolute expiry and how far away it is. */
export function formatExpiry(at: Date, now: Date): string {
  return `${formatIso(at)} (${formatRelative(at, now)})`;
}

/**
 * `in 30s`, `in 59m`, `in 1h 5m`, `in 2d 3h`, `3m ago`, `now`: two units at most. Seconds are rounded to the
 * nearest (a 30-second lease printed a few milliseconds after it was made still says `in 30s`); larger units
 * are rounded down, so `in 59m` never means more than it says. `now` is under half a second either way.
 */
export function formatRelative(at: Date, now: Date): string {
  const delta = at.getTime() - now.getTime();
  const size = Math.abs(delta);
  if (size < SECOND / 2) return 'now';
  const text = describe(size);
  return delta > 0 ? `in ${text}` : `${text} ago`;
}

function describe(size: number): string {
  if (size >= DAY) return pair(size, DAY, 'd', HOUR, 'h');
  if (size >= HOUR) return pair(size, HOUR, 'h', MINUTE, 'm');
  if (size >= MINUTE) return `${Math.floor(size / MINUTE)}m`;
  const seconds = Math.round(size / SECOND);
  return seconds === 60 ? '1m' : `${seconds}s`;
}

function pair(size: number, major: number, majorUnit: string, minor: number, minorUnit: string): string {
  const first = Math.floor(size / major);
  const second = Math.floor((size - first * major) / minor);
  return second === 0 ? `${first}${majorUnit}` : `${first}${majorUnit} ${second}${minorUnit}`;
}
