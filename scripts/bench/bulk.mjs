// Bulk revoke: `revoke --config NAME --all` of many leases as shipped (bounded concurrency) against the same
// command built to revoke one at a time, each on freshly seeded leases whose users exist in the emulator.
import { summarize, timeRun } from './measure.mjs';
import { CONFIG } from './fixtures.mjs';
import { DYNSECRET_BIN } from './paths.mjs';

export async function measureBulk({ emulator, home, seed, sequentialBin, count, rounds, progress }) {
  const variants = { bulk: DYNSECRET_BIN, sequential: sequentialBin };
  const samples = { bulk: { ms: [], requests: [], rateLimited: [] }, sequential: { ms: [], requests: [], rateLimited: [] } };
  for (let round = 0; round < rounds; round += 1) {
    for (const [name, bin] of round % 2 === 0 ? Object.entries(variants) : Object.entries(variants).reverse()) {
      await seed.seedLeases({ home: home.home, session: home.session, config: CONFIG, count, inAtlas: true });
      await emulator.clearRequests();
      const result = await timeRun([process.execPath, bin, 'revoke', '--config', CONFIG, '--all', '--yes'], { env: home.env });
      const requests = await emulator.requests();
      const revoked = (result.stderr.match(/^Revoked /gm) ?? []).length;
      if (revoked !== count) throw new Error(`${name} revoke revoked ${revoked} of ${count}`);
      samples[name].ms.push(result.ms);
      samples[name].requests.push(requests.length);
      samples[name].rateLimited.push(requests.filter((r) => r.status === 429).length);
    }
    progress?.(round + 1, rounds);
  }
  const out = Object.fromEntries(
    Object.entries(samples).map(([name, s]) => [
      name,
      {
        ...summarize(s.ms),
        requests: { min: Math.min(...s.requests), max: Math.max(...s.requests) },
        rateLimited: Math.max(...s.rateLimited),
      },
    ]),
  );
  return { leases: count, ...out, speedup: Math.round((out.sequential.median / out.bulk.median) * 100) / 100, floor: count + 1 };
}
