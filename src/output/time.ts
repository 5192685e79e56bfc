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
 * `in 30s`, `in 1h`, `in 1h 5m`, `in 2d 3h`, `3m ago`, `now`: two units at most, rounded to the nearest of the
 * smallest unit shown (half up), so a lease of 1h printed a few milliseconds after it was made says `in 1h`,
 * and 1m30s says `in 2m`. Seconds are shown below a minute, minutes below a day (with hours from one hour),
 * hours from one day (with days). `now` is under half a second either way.
 */
export function formatRelative(at: Date, now: Date): string {
  const delta = at.getTime() - now.getTime();
  const size = Math.abs(delta);
  if (size < SECOND / 2) return 'now';
  const text = describe(size);
  return delta > 0 ? `in ${text}` : `${text} ago`;
}

function describe(size: number): string {
  const seconds = Math.round(size / SECOND);
  if (seconds < 60) return `${seconds}s`;
  let rounded = nearest(size, size >= DAY ? HOUR : MINUTE);
  // 23h 59m 40s rounds to a day, which is shown to the hour.
  if (rounded >= DAY) rounded = nearest(size, HOUR);
  if (rounded >= DAY) return pair(rounded, DAY, 'd', HOUR, 'h');
  if (rounded >= HOUR) return pair(rounded, HOUR, 'h', MINUTE, 'm');
  return `${rounded / MINUTE}m`;
}

/** `size` rounded to the nearest whole `unit`, half up. */
const nearest = (size: number, unit: number) => Math.round(size / unit) * unit;

/** A whole number of `minor` units as `1h 5m`, or `1h` when there are no minor units. */
function pair(size: number, major: number, majorUnit: string, minor: number, minorUnit: string): string {
  const first = Math.floor(size / major);
  const second = (size - first * major) / minor;
  return second === 0 ? `${first}${majorUnit}` : `${first}${majorUnit} ${second}${minorUnit}`;
}
