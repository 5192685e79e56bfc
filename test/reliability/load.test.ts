import { describe, expect, it } from 'vitest';
import type { RunResult } from '../helpers/bin.js';
import { leaseRecords, parseLease, startEmulator, usersOf, workspace } from '../helpers/emulator.js';
import { expectDocumentedEnd } from './support/checks.js';
import { budget, COUNTS } from './support/counts.js';
import { percentile, recordFigures } from './support/figures.js';
import { openStore } from './support/store.js';

/**
 * Load: many `lease` processes on one store and one emulator project (a CI matrix), then as many renews
 * and revokes at once. Nothing may be lost, doubled or left behind, and the store lock must stay fair.
 */

const LOCK_LINE = /^debug: store: lock acquired after (\d+) ms$/gm;
const lockWaits = (results: readonly RunResult[]) => results.flatMap((r) => [...r.stderr.matchAll(LOCK_LINE)].map((m) => Number(m[1])));

const exitCodes = (results: readonly RunResult[]) => results.map((r) => r.code);

describe(`load: ${COUNTS.loadProcesses} parallel processes on one store`, () => {
  it(
    'lease, renew and revoke all succeed, each lease recorded exactly once, Atlas and the store agree',
    async () => {
      const n = COUNTS.loadProcesses;
      const em = await startEmulator(['--apply-delay', '0s', '--quiet']);
      const ws = await workspace(em, [{ name: 'load' }]);
      const ok = Array.from({ length: n }, () => 0);
      const phase = async (args: (i: number) => string[]) => {
        const started = Date.now();
        const results = await Promise.all(Array.from({ length: n }, (_, i) => ws.run(['--debug', ...args(i)])));
        for (const result of results) expectDocumentedEnd(result, [], `${args(0)[0]} under load`);
        expect(exitCodes(results)).toEqual(ok);
        return { results, wallMs: Date.now() - started };
      };

      const leased = await phase(() => ['lease', 'load', '--format', 'json']);
      const ids = leased.results.map((r) => parseLease(r.stdout).leaseId);
      expect(new Set(ids).size).toBe(n);
      const records = await leaseRecords(ws, 'load');
      expect(records.map((r) => r.leaseId).sort()).toEqual([...ids].sort());
      expect(records.every((r) => r.status === 'active')).toBe(true);
      expect((await usersOf(em, 'load')).map((u) => u.username).sort()).toEqual([...ids].sort());

      const renewed = await phase((i) => ['renew', ids[i]!, '--ttl', '2h', '--json']);
      const expiries = new Map(
        renewed.results.map((r) => {
          const json = JSON.parse(r.stdout) as { leaseId: string; expiresAt: string };
          return [json.leaseId, json.expiresAt] as const;
        }),
      );
      const afterRenew = await leaseRecords(ws, 'load');
      expect(afterRenew).toHaveLength(n);
      for (const record of afterRenew) expect(record.expiresAt).toBe(expiries.get(record.leaseId));
      for (const user of await usersOf(em, 'load')) expect(user.deleteAfterDate).toBe(expiries.get(user.username));

      const revoked = await phase((i) => ['revoke', ids[i]!]);
      expect(await leaseRecords(ws, 'load')).toEqual([]);
      expect(await usersOf(em, 'load')).toEqual([]);
      expect((await openStore(ws)).configs.map((c) => c.name)).toEqual(['load']);

      const waits = lockWaits([...leased.results, ...renewed.results, ...revoked.results]);
      // lease takes the lock twice (intent, result), renew and revoke once each.
      expect(waits.length).toBe(4 * n);
      await recordFigures('load', {
        processes: n,
        leases: n,
        renews: n,
        revokes: n,
        allExitedZero: true,
        recordsLost: 0,
        recordsDoubled: 0,
        atlasUsersLeft: 0,
        lockAcquisitions: waits.length,
        lockWaitMs: { p50: percentile(waits, 50), p95: percentile(waits, 95), max: Math.max(...waits) },
        wallMs: { lease: leased.wallMs, renew: renewed.wallMs, revoke: revoked.wallMs },
      });
    },
    budget(120_000, 300_000),
  );
});
