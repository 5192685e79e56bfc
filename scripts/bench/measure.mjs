// Timing primitives for the bench: one spawn timed from fork to exit, medians, and rounds that interleave
// the commands being compared (A B C A B C …) so background load hits all of them alike.
import { spawn } from 'node:child_process';

/**
 * Runs `argv` once and returns its wall time in ms with its output. The clock starts before spawn and stops
 * at exit, as hyperfine does, so process creation and Node's own start-up are inside every figure.
 */
export function timeRun(argv, { env, input = '', expectCode = 0 } = {}) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(argv[0], argv.slice(1), { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk) => {
      stderr += chunk;
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (expectCode !== undefined && code !== expectCode) {
        reject(new Error(`${argv.slice(1).join(' ')} exited ${code}, expected ${expectCode}:\n${stderr.trim()}`));
        return;
      }
      resolve({ ms, code, stdout, stderr });
    });
  });
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Median absolute deviation, a spread that one outlier cannot inflate. */
export function mad(values) {
  const m = median(values);
  return median(values.map((v) => Math.abs(v - m)));
}

export const summarize = (samples) => ({
  median: round(median(samples)),
  mad: round(mad(samples)),
  runs: samples.length,
  samples: samples.map(round),
});

export const round = (value, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;

/**
 * Runs each case `rounds` times, interleaved. A case is `{ name, prepare?, run }`: `prepare` (untimed) readies
 * state for one run, `run` returns a `timeRun` result. The order within a round rotates so no case always
 * follows the same neighbour. Returns `{ [name]: samples[] }`.
 */
export async function interleave(cases, rounds, { warmup = 1, onRound } = {}) {
  const samples = Object.fromEntries(cases.map((c) => [c.name, []]));
  for (let round = -warmup; round < rounds; round += 1) {
    const offset = ((round % cases.length) + cases.length) % cases.length;
    const order = [...cases.slice(offset), ...cases.slice(0, offset)];
    for (const c of order) {
      if (c.prepare) await c.prepare();
      const { ms } = await c.run();
      if (round >= 0) samples[c.name].push(ms);
    }
    if (round >= 0) onRound?.(round + 1, rounds);
  }
  return samples;
}
