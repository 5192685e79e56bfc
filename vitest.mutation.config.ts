import { defineConfig } from 'vitest/config';

/**
 * The unit tests of the pure modules, for `npm run test:mutation`. No global setup: nothing here needs the
 * built bins, and every mutant reruns these files, so they must stay free of processes and servers.
 */
export const MUTATION_TESTS = [
  'test/unit/rules/duration.test.ts',
  'test/unit/rules/ttl.test.ts',
  'test/unit/rules/rotation.test.ts',
  'test/unit/rules/credentials.test.ts',
  'test/unit/rules/allow-ip.test.ts',
  'test/unit/rules/config-name.test.ts',
  'test/unit/rules/proxy.test.ts',
  'test/unit/config/rules.test.ts',
  'test/unit/config/update.test.ts',
  'test/unit/output/env-text.test.ts',
  'test/unit/output/formats.test.ts',
  'test/unit/output/mask.test.ts',
  'test/unit/store/envelope.test.ts',
  'test/unit/atlas/digest.test.ts',
  'test/unit/atlas/digest-flow.test.ts',
  'test/unit/atlas/retry.test.ts',
];

export default defineConfig({
  test: {
    include: MUTATION_TESTS,
    testTimeout: 30_000,
    maxWorkers: 1,
  },
});
