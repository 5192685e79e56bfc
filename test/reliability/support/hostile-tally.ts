import { atFileEnd } from '../../helpers/file-end.js';
import type { HostileRun } from './hostile.js';
import { recordFigures } from './figures.js';

/** Counts the hostile cases of a file by kind and exit code, and records them when the file is done. */
const tally = new Map<string, Tally>();

interface Tally {
  byExitCode: Record<string, number>;
  storeChanged: number;
  stackTraces: number;
}

/** Counts one case; a case that changed the store or printed a stack trace already failed its test. */
export function tallyHostile(kind: string, run: HostileRun): void {
  const counts = tally.get(kind) ?? { byExitCode: {}, storeChanged: 0, stackTraces: 0 };
  const key = `exit ${run.code}`;
  counts.byExitCode[key] = (counts.byExitCode[key] ?? 0) + 1;
  if (run.storeChanged) counts.storeChanged += 1;
  if (run.stackTrace) counts.stackTraces += 1;
  tally.set(kind, counts);
}

atFileEnd(async () => {
  for (const [kind, counts] of tally) {
    await recordFigures(`hostile-${kind}`, {
      cases: Object.values(counts.byExitCode).reduce((a, b) => a + b, 0),
      byExitCode: counts.byExitCode,
      storeChanged: counts.storeChanged,
      stackTraces: counts.stackTraces,
    });
  }
  tally.clear();
});
