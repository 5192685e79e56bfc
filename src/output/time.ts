const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const JUST_NOW_MS = 30 * SECOND;

/** ISO 8601 UTC without milliseconds: `2026-11-29T15:33:35Z`. */
export function formatIso(at: Date): string {
  if (Number.isNaN(at.getTime())) throw new RangeError('invalid date');
  return `${at.toISOString().slice(0, 19)}Z`;
}

/** `2026-11-29T15:33:35Z (in 59m)`: the absolute expiry and how far away it is. */
export function formatExpiry(at: Date, now: Date): string {
  return `${formatIso(at)} (${formatRelative(at, now)})`;
}

/** `in 59m`, `in 1h 5m`, `in 2d 3h`, `3m ago`, `just now`: two units at most, rounded down. */
export function formatRelative(at: Date, now: Date): string {
  const delta = at.getTime() - now.getTime();
  const size = Math.abs(delta);
  if (size < JUST_NOW_MS) return 'just now';
  const text = describe(size);
  return delta > 0 ? `in ${text}` : `${text} ago`;
}

function describe(size: number): string {
  if (size >= DAY) return pair(size, DAY, 'd', HOUR, 'h');
  if (size >= HOUR) return pair(size, HOUR, 'h', MINUTE, 'm');
  if (size >= MINUTE) return `${Math.floor(size / MINUTE)}m`;
  return `${Math.floor(size / SECOND)}s`;
}

function pair(size: number, major: number, majorUnit: string, minor: number, minorUnit: string): string {
  const first = Math.floor(size / major);
  const second = Math.floor((size - first * major) / minor);
  return second === 0 ? `${first}${majorUnit}` : `${first}${majorUnit} ${second}${minorUnit}`;
}
