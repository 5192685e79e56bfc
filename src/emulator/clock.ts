/**
 * The emulator's notion of "now": real time plus an offset that tests advance, so expiry, PENDING windows,
 * nonce lifetimes and token expiry can be exercised without waiting.
 */
export interface Clock {
  now(): number;
  advance(ms: number): void;
  readonly offsetMs: number;
  setOffset(ms: number): void;
}

export function createClock(realNow: () => number = Date.now, offsetMs = 0): Clock {
  let offset = offsetMs;
  return {
    now: () => realNow() + offset,
    advance: (ms) => {
      offset += ms;
    },
    get offsetMs() {
      return offset;
    },
    setOffset: (ms) => {
      offset = ms;
    },
  };
}

/** ISO 8601 UTC without milliseconds, the way Atlas prints `deleteAfterDate` and `created`. */
export function isoSeconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}
