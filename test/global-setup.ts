import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** The end-to-end suites run the built bins; `npm test` builds first, a bare `vitest` run builds here. */
export default function setup() {
  if (!existsSync('dist/dynsecret.js')) {
    execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
  }
}
