import { defineConfig } from 'vitest/config';
import LongestFirst from './test/sequencer.js';

/**
 * Files that replace a module with `vi.mock` need a module graph of their own. Every other file shares one
 * per worker: importing the sources and helpers again for every file was most of the in-process files' time.
 * Helpers therefore clean up through test/helpers/file-end.ts, not a module-level `afterAll`.
 */
const OWN_MODULES = [
  'test/unit/fs/safe-write.test.ts',
  'test/unit/cli/program.test.ts',
  'test/unit/store/rekey-fencing.test.ts',
  'test/unit/store/snapshot.test.ts',
  'test/reliability/store-security.test.ts',
];

export default defineConfig({
  test: {
    globalSetup: ['test/global-setup.ts'],
    setupFiles: ['test/setup-file.ts'],
    // A safety net for a test that hangs, never a clock a test races: every test waits for events. Two minutes,
    // in every file, so that a suite sharing two cores with another job is slower but still green.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Most of the end-to-end and reliability files' time is spent waiting (on the bins they start, TTLs, retry
    // delays, kill loops), not computing: three files at a time keep two cores busy (four gained nothing here
    // and cost more CPU in contention).
    maxWorkers: 3,
    sequence: { sequencer: LongestFirst },
    projects: [
      { extends: true, test: { name: 'shared-modules', include: ['test/**/*.test.ts'], exclude: OWN_MODULES, isolate: false } },
      { extends: true, test: { name: 'own-modules', include: OWN_MODULES } },
    ],
  },
});
