import { atFileEnd } from '../../helpers/file-end.js';
import type { RunResult } from '../../helpers/bin.js';
import { recordFigures } from './figures.js';

/** Counts the hostile cases of a file by kind and exit code, and records them when the file is done. */
const tally = new Map<string, Record<string, number>>();

export function tallyHostile(kind: string, result: RunResult): void {
  const counts = tally.get(kind) ?? {};
  const key = `exit ${result.code}`;
  counts[key] = (counts[key] ?? 0) + 1;
  tally.set(kind, counts);
}

atFileEnd(async () => {
  for (const [kind, counts] of tally) {
    await recordFigures(`hostile-${kind}`, {
      cases: Object.values(counts).reduce((a, b) => a + b, 0),
      byExitCode: counts,
      storeChanged: 0,
      stackTraces: 0,
    });
  }
  tally.clear();
});
