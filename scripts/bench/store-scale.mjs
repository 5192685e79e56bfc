// The store's costs: unlocking with the passphrase (scrypt) against DYNSECRET_SESSION, and how `lease` and
// `list NAME` grow with the number of lease records.
import { copyFileSync, statSync } from 'node:fs';
import { interleave, summarize, timeRun } from './measure.mjs';
import { CONFIG, PASSPHRASE, cliEnv, dynsecret } from './fixtures.mjs';

export async function measureUnlock({ home, rounds, progress }) {
  const withPassphrase = cliEnv(home.home, { DYNSECRET_PASSPHRASE: PASSPHRASE });
  const samples = await interleave(
    [
      { name: 'DYNSECRET_PASSPHRASE (scrypt)', run: () => timeRun(dynsecret(['list']), { env: withPassphrase }) },
      { name: 'DYNSECRET_SESSION', run: () => timeRun(dynsecret(['list']), { env: home.env }) },
    ],
    rounds,
    { onRound: progress },
  );
  return Object.fromEntries(Object.entries(samples).map(([name, values]) => [name, summarize(values)]));
}

/**
 * `homes` maps a lease count to a seeded home. Before every `lease` the store is put back to its seeded
 * copy (untimed), so each size is measured at exactly its count.
 */
export async function measureScale({ homes, rounds, progress }) {
  const cases = [];
  const sizes = {};
  for (const [count, home] of Object.entries(homes)) {
    const store = `${home.home}/store.json`;
    copyFileSync(store, `${store}.seeded`);
    sizes[count] = statSync(store).size;
    const restore = () => copyFileSync(`${store}.seeded`, store);
    cases.push({
      name: `lease@${count}`,
      prepare: restore,
      run: () => timeRun(dynsecret(['lease', CONFIG, '--format', 'json']), { env: home.env }),
    });
    cases.push({ name: `list@${count}`, prepare: restore, run: () => timeRun(dynsecret(['list', CONFIG]), { env: home.env }) });
  }
  const samples = await interleave(cases, rounds, { onRound: progress });
  return Object.fromEntries(
    Object.keys(homes).map((count) => [
      count,
      {
        leases: Number(count),
        storeBytes: sizes[count],
        lease: summarize(samples[`lease@${count}`]),
        list: summarize(samples[`list@${count}`]),
      },
    ]),
  );
}
