/**
 * What helper modules clean up when a test file ends (emulators to stop, servers to close, figures to record).
 * test/setup-file.ts runs it after every file. A helper registers once, when it is loaded: in the files that
 * share one module graph per worker, that is once per worker, not once per file, so a module-level `afterAll`
 * would only ever run after the first file.
 */
const cleanups = new Set<() => void | Promise<void>>();
const testCleanups = new Set<() => void | Promise<void>>();

export function atFileEnd(cleanup: () => void | Promise<void>): void {
  cleanups.add(cleanup);
}

export async function endFile(): Promise<void> {
  for (const cleanup of cleanups) await cleanup();
}

/** The same for what a helper cleans up after every test (test/setup-file.ts runs it after each test). */
export function atTestEnd(cleanup: () => void | Promise<void>): void {
  testCleanups.add(cleanup);
}

export async function endTest(): Promise<void> {
  for (const cleanup of testCleanups) await cleanup();
}
