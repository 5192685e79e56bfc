import { describe, expect, it } from 'vitest';
import { parseLease, startEmulator, usersOf, workspace, type Fault } from '../helpers/emulator.js';
import { expectDocumentedEnd, reconcile } from './support/checks.js';
import { budget, COUNTS } from './support/counts.js';
import { recordFigures } from './support/figures.js';
import { runSeed, seededRandom } from './support/random.js';

/**
 * A storm: parallel leases while 30% of Atlas' user writes fail before they are applied and 20% fail after
 * (Atlas created the user, then answered 500). The safe create must turn nearly all of them into leases,
 * and whatever fails must leave nothing behind in Atlas.
 */

const BEFORE = 0.3;
const AFTER = 0.2;

describe('fault storm', () => {
  it(
    `${COUNTS.stormLeases} leases with ${BEFORE * 100}% of writes failing before and ${AFTER * 100}% after Atlas applied them`,
    async () => {
      const n = COUNTS.stormLeases;
      const seed = runSeed();
      const random = seededRandom(seed);
      const em = await startEmulator(['--apply-delay', '0s', '--quiet']);
      const ws = await workspace(em, [{ name: 'storm' }]);

      // Faults are taken in order, one per POST: a seeded sequence long enough for every retry.
      const match = { method: 'POST', path: '/databaseUsers' };
      const plan: Fault[] = Array.from({ length: n * 6 }, () => {
        const roll = random();
        if (roll < BEFORE) return { match, count: 1, status: 500 };
        if (roll < BEFORE + AFTER) return { match, count: 1, status: 500, afterApply: true };
        return { match, count: 1, latencyMs: 1 };
      });
      for (const fault of plan) await em.addFault(fault);
      await em.clearRequests();

      const results = await Promise.all(Array.from({ length: n }, () => ws.run(['lease', 'storm', '--format', 'json'])));
      await em.clearFaults();
      for (const result of results) expectDocumentedEnd(result, [6], `storm lease (seed ${seed})`);
      const leased = results.filter((r) => r.code === 0).map((r) => parseLease(r.stdout).leaseId);
      expect(leased.length, `seed ${seed}`).toBeGreaterThanOrEqual(Math.ceil(n * 0.9));
      expect(new Set(leased).size).toBe(leased.length);

      const found = await reconcile(em, [ws], 'storm', leased);
      expect(found, `seed ${seed}`).toEqual({ orphans: [], lost: [], phantoms: [] });
      expect((await usersOf(em, 'storm')).map((u) => u.username).sort()).toEqual([...leased].sort());

      const posts = (await em.requests()).filter((r) => r.method === 'POST' && r.auth === 'digest');
      const used = plan.slice(0, posts.length);
      await recordFigures('storm', {
        seed,
        leases: n,
        succeeded: leased.length,
        failedWithExit6: results.filter((r) => r.code === 6).length,
        writes: posts.length,
        writesFailedBeforeApply: used.filter((f) => f.status === 500 && !f.afterApply).length,
        writesFailedAfterApply: used.filter((f) => f.afterApply).length,
        orphans: found.orphans.length,
        lostRecords: found.lost.length,
      });
    },
    budget(120_000, 240_000),
  );
});
