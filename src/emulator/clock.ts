/**
 * The emulator's notion of "now": real time plus an offset that tests advance, running `speed` times faster
 * than real time, so expiry, PENDING windows and token lifetimes can be exercised without waiting.
 *
 * Time is continuous: changing the speed never makes it jump. From the moment a speed is set, every real
 * millisecond adds `speed` emulator milliseconds. Digest nonces age with `nonceNow()`, which takes the
 * offset but not the speed, so a fast clock does not make every nonce stale before a client can use it.
 */
export interface Clock {
  now(): number;
  /** Real time plus the jumps made by `advance` and `setOffset`, without the speed-up. */
  nonceNow(): number;
  advance(ms: number): void;
  /** How far the emulator clock is ahead of real time now (what the state file keeps). */
  readonly offsetMs: number;
  setOffset(ms: number): void;
  readonly speed: number;
  setSpeed(speed: number): void;
}

export function createClock(realNow: () => number = Date.now, offsetMs = 0, speed = 1): Clock {
  /** Sum of the jumps (advance, setOffset). */
  let jumps = offsetMs;
  /** Time gained from the speed-up before `since`. */
  let gained = 0;
  let since = realNow();
  let rate = speed;
  const gainedNow = (real: number) => gained + (rate - 1) * (real - since);
  const now = () => {
    const real = realNow();
    return real + jumps + gainedNow(real);
  };
  return {
    now,
    nonceNow: () => realNow() + jumps,
    advance: (ms) => {
      jumps += ms;
    },
    get offsetMs() {
      const real = realNow();
      return jumps + gainedNow(real);
    },
    setOffset: (ms) => {
      jumps = ms;
      gained = 0;
      since = realNow();
    },
    get speed() {
      return rate;
    },
    setSpeed: (next) => {
      const real = realNow();
      gained = gainedNow(real);
      since = real;
      rate = next;
    },
  };
}

/** The largest speed-up the clock takes (a year in about 30 s). */
export const MAX_CLOCK_SPEED = 1_000_000;

/** ISO 8601 UTC without milliseconds, the way Atlas prints `deleteAfterDate` and `created`. */
export function isoSeconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}
