// Start-up: each command against bare `node -e 0` in the same environment, interleaved round by round;
// medians and their ratios. Measured twice: in the caller's environment and in a clean one.
import { interleave, summarize, timeRun } from './measure.mjs';
import { CONFIG, dynsecret } from './fixtures.mjs';

export const STARTUP_COMMANDS = {
  '--version': { args: ['--version'], home: 'small' },
  '--help': { args: ['--help'], home: 'small' },
  list: { args: ['list'], home: 'small' },
  'list NAME (1,000 leases)': { args: ['list', CONFIG], home: 'large' },
};

/**
 * `small` is a home with one config, `large` one whose config has 1,000 leases; both unlocked by
 * DYNSECRET_SESSION. Returns `{ inherited: {...}, clean: {...} }`, each `{ [case]: { median, mad, runs, ratio } }`.
 */
export async function measureStartup({ small, large, rounds, progress }) {
  const homes = { small, large };
  const cases = [];
  for (const [envName, envOf] of [['inherited', (h) => h.env], ['clean', (h) => h.cleanEnv]]) {
    cases.push({ name: `${envName}|node -e 0`, run: () => timeRun([process.execPath, '-e', '0'], { env: envOf(small) }) });
    for (const [name, { args, home }] of Object.entries(STARTUP_COMMANDS)) {
      cases.push({ name: `${envName}|${name}`, run: () => timeRun(dynsecret(args), { env: envOf(homes[home]) }) });
    }
  }
  const samples = await interleave(cases, rounds, { warmup: 2, onRound: progress });
  const result = {};
  for (const envName of ['inherited', 'clean']) {
    const base = summarize(samples[`${envName}|node -e 0`]).median;
    result[envName] = Object.fromEntries(['node -e 0', ...Object.keys(STARTUP_COMMANDS)].map((name) => {
      const stats = summarize(samples[`${envName}|${name}`]);
      return [name, { ...stats, ratio: Math.round((stats.median / base) * 100) / 100 }];
    }));
  }
  return result;
}
