import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { EncryptedStore } from '../src/store/store.js';
import { PASSPHRASE } from './helpers/bin.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** An empty store made with PASSPHRASE, and its session key: see `workspace` in helpers/emulator.ts. */
    storeTemplate: { folder: string; session: string };
  }
}

/**
 * The end-to-end suites run the built bins; `npm test` builds first, a bare `vitest` run builds here.
 * Then one empty store for the whole run: deriving its key at full cost (scrypt, ~0.6 s of CPU here) once instead
 * of twice for every store a test sets up. A copy of the file is the same store, with the same keys.
 */
export default async function setup(project: TestProject) {
  if (!existsSync('dist/dynsecret.js')) {
    execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
  }
  const folder = mkdtempSync(join(tmpdir(), 'dynsecret-template-'));
  const store = new EncryptedStore({ folder, keys: { passphrase: PASSPHRASE } });
  await store.update(() => undefined);
  project.provide('storeTemplate', { folder, session: await store.sessionKey() });
  return () => rmSync(folder, { recursive: true, force: true });
}
