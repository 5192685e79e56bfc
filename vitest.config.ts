import { defineConfig } from 'vitest/config';
import LongestFirst from './test/sequencer.js';

/**
 * Files that replace a module with `vi.mock` need a module graph of their own. The other in-process files
 * (unit tests and the emulator's) share one per worker: importing the sources again for every file was
 * most of their time.
 */
const OWN_MODULES = [
  'test/unit/fs/safe-write.test.ts',
  'test/unit/cli/program.test.ts',
  'test/unit/store/rekey-fencing.test.ts',
  'test/unit/store/snapshot.test.ts',
];

export default defineConfig({
  test: {
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Most of the end-to-end and reliability files' time is spent waiting (on the bins they start, TTLs, retry
    // delays, kill loops), not computing: four files at a time keep two cores busy.
    maxWorkers: 4,
    sequence: { sequencer: LongestFirst },
    projects: [
      {
        extends: true,
        test: { name: 'in-process', include: ['test/unit/**/*.test.ts', 'test/emulator/**/*.test.ts'], exclude: OWN_MODULES, isolate: false },
      },
      {
        extends: true,
        test: { name: 'processes', include: ['test/e2e/**/*.test.ts', 'test/reliability/**/*.test.ts', ...OWN_MODULES] },
      },
    ],
  },
});
