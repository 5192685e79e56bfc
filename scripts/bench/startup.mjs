// Start-up: each command against bare Node running an empty file, on each Node version, interleaved round by
// round; medians and their ratios. Everything runs as an installed command does: the bin through its shebang
// (`exec node` from PATH, with that version's folder first), in a clean environment (PATH, HOME and dynsecret's
// own variables only, as a CI runner or a user's shell has), with the compile cache warm (Node 22.1+ keeps it
// under HOME; the warm-up rounds fill it).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { interleave, summarize, timeRun } from './measure.mjs';
import { CONFIG } from './fixtures.mjs';
import { DYNSECRET_BIN, TMP } from './paths.mjs';

/**
 * Whole commands, each from its own home: `small` has one config, `large` a config with 1,000 leases,
 * `local` one config against the emulator with no added latency (the lease and run cases: two requests,
 * digest challenge and create, plus the revoke for run).
 */
export const STARTUP_COMMANDS = {
  '--version': { args: ['--version'], home: 'small' },
  '--help': { args: ['--help'], home: 'small' },
  list: { args: ['list'], home: 'small' },
  'list NAME (1,000 leases)': { args: ['list', CONFIG], home: 'large' },
  [`lease ${CONFIG} --format json`]: { args: ['lease', CONFIG, '--format', 'json'], home: 'local' },
  [`run ${CONFIG} --no-wait -- true`]: { args: ['run', CONFIG, '--no-wait', '--', 'true'], home: 'local' },
};
export const BARE = 'node empty.js';

/**
 * Returns `{ [major]: { version, commands: { [case]: { median, mad, runs, samples, ratio } } } }` for each of
 * `nodes` (`{ major, folder, version }`). The homes are unlocked by DYNSECRET_SESSION.
 */
export async function measureStartup({ small, large, local, rounds, nodes, progress }) {
  const homes = { small, large, local };
  const empty = join(TMP, 'empty.js');
  writeFileSync(empty, '');
  const result = {};
  for (const { major, folder, version } of nodes) {
    // HOME only for the compile cache: private (TMP is 0700), one per version.
    const home = join(TMP, `cache-home-${major}`);
    mkdirSync(home, { recursive: true, mode: 0o700 });
    const envOf = (h) => ({
      PATH: `${folder}:/usr/bin:/bin`,
      HOME: home,
      NO_COLOR: '1',
      DYNSECRET_HOME: h.home,
      DYNSECRET_SESSION: h.session,
    });
    const cases = [{ name: BARE, run: () => timeRun([join(folder, 'node'), empty], { env: envOf(small) }) }];
    for (const [name, { args, home: which }] of Object.entries(STARTUP_COMMANDS)) {
      cases.push({ name, run: () => timeRun([DYNSECRET_BIN, ...args], { env: envOf(homes[which]) }) });
    }
    const samples = await interleave(cases, rounds, { warmup: 2, onRound: progress && ((done, total) => progress(done, total, version)) });
    const base = summarize(samples[BARE]).median;
    const commands = Object.fromEntries(
      cases.map(({ name }) => {
        const stats = summarize(samples[name]);
        return [name, { ...stats, ratio: Math.round((stats.median / base) * 100) / 100 }];
      }),
    );
    result[major] = { version, commands };
  }
  return result;
}
