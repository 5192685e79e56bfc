import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The files that take longest, most of it waiting on real time (TTLs, lock stale times, retry delays, kill
 * loops), in the order they should start. A fresh clone has no timings from an earlier run, so vitest would
 * start the largest files first and one of these could start last, alone, while the other worker idles.
 */
const LONGEST = [
  'test/e2e/rotate.test.ts',
  'test/e2e/passwd.test.ts',
  'test/e2e/completion.test.ts',
  'test/reliability/faults.test.ts',
  'test/reliability/crashes.test.ts',
  'test/e2e/ci.test.ts',
  'test/reliability/secrets.test.ts',
  'test/e2e/from-file.test.ts',
  'test/reliability/store-security.test.ts',
  'test/e2e/faults.test.ts',
  'test/e2e/store-concurrency.test.ts',
  'test/e2e/foundation.test.ts',
  'test/e2e/leases.test.ts',
  'test/reliability/hostile-argv.test.ts',
  'test/e2e/run.test.ts',
  'test/e2e/demo.test.ts',
];

export default class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (file: TestSpecification) => {
      const index = LONGEST.indexOf(relative(process.cwd(), file.moduleId));
      return index < 0 ? LONGEST.length : index;
    };
    // A stable sort: the others keep vitest's order after these.
    return sorted.sort((a, b) => rank(a) - rank(b));
  }
}
