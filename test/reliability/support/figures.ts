import { mkdirSync, readFileSync, renameSync, rmdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { STRESS } from './counts.js';

/**
 * The measured figures of a run, one section per suite, merged into one JSON file. The stress run writes
 * `bench/reliability.json` (committed as the evidence RELIABILITY.md quotes); `npm test` writes the
 * git-ignored `bench/tmp/reliability.json`, so an ordinary run never dirties the tree.
 */
export const FIGURES_PATH = resolve(STRESS ? 'bench/reliability.json' : 'bench/tmp/reliability.json');

/** Suites run in parallel workers: a folder beside the file serialises the read-merge-write. */
async function withFileLock<T>(path: string, work: () => T): Promise<T> {
  const lock = `${path}.lock`;
  for (let tries = 0; ; tries++) {
    try {
      mkdirSync(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || tries > 400) throw error;
      await sleep(25);
    }
  }
  try {
    return work();
  } finally {
    rmdirSync(lock);
  }
}

function readFigures(path: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** Replaces one suite's section of the figures file. */
export async function recordFigures(section: string, figures: Record<string, unknown>): Promise<void> {
  mkdirSync(dirname(FIGURES_PATH), { recursive: true });
  await withFileLock(FIGURES_PATH, () => {
    const all = readFigures(FIGURES_PATH);
    all.mode = STRESS ? 'stress (npm run test:stress)' : 'default (npm test)';
    all.machine = { cpus: availableParallelism(), node: process.version, platform: process.platform };
    all[section] = { ...figures, measuredAt: new Date().toISOString() };
    const temp = `${FIGURES_PATH}.${process.pid}.tmp`;
    writeFileSync(temp, `${JSON.stringify(all, undefined, 2)}\n`);
    renameSync(temp, FIGURES_PATH);
  });
}

/** The value below which `p` of the samples fall (nearest rank). */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return 0;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1]!;
}
