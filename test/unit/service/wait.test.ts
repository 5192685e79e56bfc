import { describe, expect, it } from 'vitest';
import { nextPollDelay, POLL_INTERVAL_MS, waitForApplied } from '../../../src/service/wait.js';
import type { IssuedLease } from '../../../src/output/lease-output.js';
import type { ServiceEvent } from '../../../src/service/events.js';
import { config, fakeContext, START } from '../commands/fake-context.js';

/** The poll schedule of `--wait`: one poll a second, start to start, so credentials arrive within about a second. */
describe('nextPollDelay', () => {
  it.each([
    // [what, ms since the wait started when the poll started, ms the answer took, timeout, expected sleep]
    ['an instant answer: the rest of the second', 0, 0, 60_000, 1000],
    ['a 300 ms answer: the rest of the second', 5000, 300, 60_000, 700],
    ['an answer of exactly a second: no sleep', 5000, 1000, 60_000, 0],
    ['a slow answer (1.5 s): the next poll at once, never a negative sleep', 5000, 1500, 60_000, 0],
    ['the timeout comes first: sleep only until it', 59_500, 100, 60_000, 400],
    ['at the timeout: no sleep', 59_000, 1000, 60_000, 0],
  ])('%s', (_what, pollAt, took, timeoutMs, expected) => {
    const waitStarted = 1_000_000;
    const pollStarted = waitStarted + pollAt;
    expect(nextPollDelay({ waitStarted, pollStarted, now: pollStarted + took, timeoutMs })).toBe(expected);
  });
});

describe('waitForApplied on a fake clock', () => {
  const lease: IssuedLease = {
    leaseId: 'ds-app-db-0123456789ab',
    config: 'app-db',
    username: 'ds-app-db-0123456789ab',
    password: 'p'.repeat(40),
    createdAt: START,
    expiresAt: new Date(START.getTime() + 3_600_000),
    maxExpiresAt: new Date(START.getTime() + 86_400_000),
    clusterUri: undefined,
  };

  it.each([
    // [Atlas applies the user after (ms), each answer takes (ms)]
    [3000, 0],
    [3000, 250],
    [20_000, 0],
    [20_000, 400],
    [0, 0],
  ])(
    'Atlas applies after %i ms, answers take %i ms: handed over within a second (plus one answer), polls at least a second apart',
    async (applyMs, latencyMs) => {
      const fakes = await fakeContext();
      const polls: number[] = [];
      const getClusterStatus = fakes.atlas.getClusterStatus.bind(fakes.atlas);
      fakes.atlas.getClusterStatus = async (name) => {
        const at = fakes.clock.now.getTime() - START.getTime();
        polls.push(at);
        await getClusterStatus(name);
        fakes.clock.advance(latencyMs);
        // The answer describes the moment the request reached Atlas.
        return at >= applyMs ? 'APPLIED' : 'PENDING';
      };
      await waitForApplied(fakes.context, config(), lease, 60_000);
      const done = fakes.clock.now.getTime() - START.getTime();
      expect(done - applyMs).toBeLessThanOrEqual(POLL_INTERVAL_MS + 2 * latencyMs);
      const gaps = polls.slice(1).map((at, i) => at - polls[i]!);
      expect(gaps.every((gap) => gap >= POLL_INTERVAL_MS)).toBe(true);
      expect(polls.length).toBe(Math.ceil(applyMs / POLL_INTERVAL_MS) + 1);
    },
  );
});

describe('waitForApplied: its events', () => {
  it('tells the start, each pending poll, the end and the clusters it was applied to', async () => {
    const fakes = await fakeContext();
    fakes.atlas.statuses = ['PENDING', 'PENDING', 'APPLIED'];
    const events: ServiceEvent[] = [];
    const lease = { leaseId: 'ds-app-db-0123456789ab' } as IssuedLease;
    await waitForApplied({ ...fakes.context, notify: (event) => events.push(event) }, config(), lease, 60_000);
    expect(events).toEqual([
      { type: 'wait-started', leaseId: lease.leaseId, clusters: ['Cluster0'], timeoutMs: 60_000 },
      { type: 'wait-pending', leaseId: lease.leaseId, pending: ['Cluster0'], elapsedMs: 0, poll: 0 },
      { type: 'wait-pending', leaseId: lease.leaseId, pending: ['Cluster0'], elapsedMs: 1000, poll: 1 },
      { type: 'wait-ended' },
      { type: 'applied', clusters: ['Cluster0'], elapsedMs: 2000 },
    ]);
  });
});
