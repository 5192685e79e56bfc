/**
 * How hard the reliability suites push. `npm test` runs the small counts so the whole suite stays within a
 * few minutes on two cores; `npm run test:stress` (DYNSECRET_STRESS=1) runs the counts of the issue and
 * writes the figures that RELIABILITY.md quotes.
 */
export const STRESS = process.env.DYNSECRET_STRESS === '1';

export const COUNTS = STRESS
  ? { loadProcesses: 32, crashKills: 200, stormLeases: 30, writerKills: 96 }
  : { loadProcesses: 8, crashKills: 15, stormLeases: 30, writerKills: 12 };

/** A test timeout that grows with the counts. */
export const budget = (defaultMs: number, stressMs: number) => (STRESS ? stressMs : defaultMs);
