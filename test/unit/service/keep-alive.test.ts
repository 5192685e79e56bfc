import { describe, expect, it } from 'vitest';
import type { ServiceEvent } from '../../../src/service/events.js';
import { keepAlive, renewMargin, type Timers } from '../../../src/service/keep-alive.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const T0 = Date.parse('2026-12-01T10:00:00Z');

/** A clock that moves only when the test says, waking sleepers in time order. */
function fakeTimers(start = T0) {
  let now = start;
  const sleepers: { at: number; wake: () => void }[] = [];
  const settle = async () => {
    for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
  };
  const timers: Timers = {
    now: () => now,
    sleep: (ms, signal) =>
      new Promise<void>((resolve) => {
        const sleeper = { at: now + ms, wake: resolve };
        sleepers.push(sleeper);
        signal.addEventListener('abort', () => resolve(), { once: true });
      }),
  };
  return {
    timers,
    now: () => now,
    async advanceTo(target: number) {
      await settle();
      for (;;) {
        sleepers.sort((a, b) => a.at - b.at);
        const next = sleepers[0];
        if (next === undefined || next.at > target) break;
        sleepers.shift();
        now = Math.max(now, next.at);
        next.wake();
        await settle();
      }
      now = target;
    },
  };
}

class Transient extends Error {}
class Final extends Error {}

function harness(input: { ttlMs: number; maxTtlMs: number; failures?: number[]; finalAt?: number }) {
  const clock = fakeTimers();
  const renewals: number[] = [];
  const events: { at: number; event: ServiceEvent }[] = [];
  let call = 0;
  const maxExpiresAt = T0 + input.maxTtlMs;
  const handle = keepAlive({
    leaseId: 'ds-x',
    expiresAt: new Date(T0 + input.ttlMs),
    maxExpiresAt: new Date(maxExpiresAt),
    ttlMs: input.ttlMs,
    timers: clock.timers,
    renew: async () => {
      call += 1;
      if (input.failures?.includes(call)) throw new Transient('Atlas is unavailable');
      if (call === input.finalAt) throw new Final('the lease no longer exists');
      renewals.push(clock.now());
      return new Date(Math.min(clock.now() + input.ttlMs, maxExpiresAt));
    },
    final: (error) => error instanceof Final,
    describe: (error) => (error as Error).message,
    notify: (event) => events.push({ at: clock.now(), event }),
  });
  return { clock, renewals, events, handle };
}

describe('renewMargin', () => {
  it.each([
    [HOUR, 20 * MIN],
    [5 * MIN, 2.5 * MIN],
    [6_000, 3_000],
    [24 * HOUR, 8 * HOUR],
  ])('TTL %i ms renews %i ms ahead', (ttl, margin) => {
    expect(renewMargin(ttl)).toBe(margin);
  });
});

describe('keepAlive', () => {
  it('renews a 1h lease 20 minutes before each expiry, for as long as the command runs', async () => {
    const { clock, renewals, events, handle } = harness({ ttlMs: HOUR, maxTtlMs: 24 * HOUR });
    await clock.advanceTo(T0 + 3 * HOUR);
    await handle.stop();
    expect(renewals.map((at) => (at - T0) / MIN)).toEqual([40, 80, 120, 160]);
    expect(events).toEqual([]);
  });

  it('stops at stop(): no renewal after the command ended', async () => {
    const { clock, renewals, handle } = harness({ ttlMs: HOUR, maxTtlMs: 24 * HOUR });
    await clock.advanceTo(T0 + 30 * MIN);
    await handle.stop();
    await clock.advanceTo(T0 + 5 * HOUR);
    expect(renewals).toEqual([]);
  });

  it('retries a failed renewal with backoff, warning each time, and goes on', async () => {
    const { clock, renewals, events, handle } = harness({ ttlMs: HOUR, maxTtlMs: 24 * HOUR, failures: [1, 2, 3] });
    await clock.advanceTo(T0 + 2 * HOUR);
    await handle.stop();
    // Failed at 40m, then retried 5s, 10s and 20s later: the fourth try (40m 35s) worked.
    expect(renewals[0]! - T0).toBe(40 * MIN + 35_000);
    const retries = events.filter((e) => e.event.type === 'keep-alive-retry');
    expect(retries.map((e) => e.at - T0)).toEqual([40 * MIN, 40 * MIN + 5_000, 40 * MIN + 15_000]);
    expect(retries.map((e) => e.event)).toEqual(
      [5_000, 10_000, 20_000].map((retryInMs) =>
        expect.objectContaining({ type: 'keep-alive-retry', leaseId: 'ds-x', reason: 'Atlas is unavailable', retryInMs }),
      ),
    );
    expect(events.at(-1)?.event).toEqual({ type: 'keep-alive-recovered', leaseId: 'ds-x' });
    expect(renewals[1]! - renewals[0]!).toBe(40 * MIN);
  });

  it('never retries past the expiry: retries come closer as it nears', async () => {
    const { clock, events, handle } = harness({ ttlMs: 6_000, maxTtlMs: HOUR, failures: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] });
    await clock.advanceTo(T0 + 10_000);
    await handle.stop();
    const retries = events.filter((e) => e.event.type === 'keep-alive-retry');
    expect(retries.length).toBeGreaterThan(2);
    for (const retry of retries) expect(retry.at).toBeLessThan(T0 + 6_000);
    expect(events.at(-1)?.event).toEqual({ type: 'keep-alive-expired', leaseId: 'ds-x' });
  });

  it('says once, ahead of time and with the time, that the max TTL ends the lease', async () => {
    const { clock, renewals, events, handle } = harness({ ttlMs: HOUR, maxTtlMs: 2 * HOUR + 30 * MIN });
    await clock.advanceTo(T0 + 5 * HOUR);
    await handle.stop();
    // 40m → 1h40m; 1h20m → 2h20m; 2h → capped at 2h30m: no renewal after that.
    expect(renewals.map((at) => (at - T0) / MIN)).toEqual([40, 80, 120]);
    const notices = events.filter((e) => e.event.type === 'keep-alive-at-max');
    expect(notices).toHaveLength(1);
    expect(notices[0]!.at).toBe(T0 + 120 * MIN);
    expect(notices[0]!.event).toEqual({
      type: 'keep-alive-at-max',
      leaseId: 'ds-x',
      maxExpiresAt: new Date('2026-12-01T12:30:00Z'),
      now: new Date(T0 + 120 * MIN),
    });
  });

  it('says it at once when the first TTL already is the max TTL', async () => {
    const { clock, renewals, events, handle } = harness({ ttlMs: HOUR, maxTtlMs: HOUR });
    await clock.advanceTo(T0 + 2 * HOUR);
    await handle.stop();
    expect(renewals).toEqual([]);
    expect(events.map((e) => [e.at, e.event.type])).toEqual([[T0, 'keep-alive-at-max']]);
  });

  it('stops renewing on a failure no retry can fix, with a warning', async () => {
    const { clock, renewals, events, handle } = harness({ ttlMs: HOUR, maxTtlMs: 24 * HOUR, finalAt: 2 });
    await clock.advanceTo(T0 + 5 * HOUR);
    await handle.stop();
    expect(renewals.map((at) => (at - T0) / MIN)).toEqual([40]);
    expect(events.map((e) => e.event)).toEqual([{ type: 'keep-alive-stopped', leaseId: 'ds-x', reason: 'the lease no longer exists' }]);
  });
});
