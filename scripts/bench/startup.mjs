// Start-up: each command against bare `node -e 0` in the same environment, interleaved round by round;
// medians and their ratios. Measured twice: in a clean environment (PATH, HOME and dynsecret's own
// variables only, as a CI runner or a user's shell has; the targets apply there) and in the caller's.
import { interleave, summarize, timeRun } from './measure.mjs';
import { CONFIG, dynsecret } from './fixtures.mjs';

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

/**
 * Returns `{ clean: {...}, inherited: {...} }`, each `{ [case]: { median, mad, runs, ratio } }`. The homes are
 * unlocked by DYNSECRET_SESSION.
 */
export async function measureStartup({ small, large, local, rounds, progress }) {
  const homes = { small, large, local };
  const cases = [];
  for (const [envName, envOf] of [
    ['clean', (h) => h.cleanEnv],
    ['inherited', (h) => h.env],
  ]) {
    cases.push({ name: `${envName}|node -e 0`, run: () => timeRun([process.execPath, '-e', '0'], { env: envOf(small) }) });
    for (const [name, { args, home }] of Object.entries(STARTUP_COMMANDS)) {
      cases.push({ name: `${envName}|${name}`, run: () => timeRun(dynsecret(args), { env: envOf(homes[home]) }) });
    }
  }
  const samples = await interleave(cases, rounds, { warmup: 2, onRound: progress });
  const result = {};
  for (const envName of ['clean', 'inherited']) {
    const base = summarize(samples[`${envName}|node -e 0`]).median;
    result[envName] = Object.fromEntries(
      ['node -e 0', ...Object.keys(STARTUP_COMMANDS)].map((name) => {
        const stats = summarize(samples[`${envName}|${name}`]);
        return [name, { ...stats, ratio: Math.round((stats.median / base) * 100) / 100 }];
      }),
    );
  }
  return result;
}
