// Where the bench keeps its scratch files (a fresh folder under the system's temp folder, removed at the
// end), including its own build of the bins: other work on the machine may rebuild dist/ at any moment,
// and a run must measure one build throughout.
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildDynsecret } from '../build.mjs';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const TMP = mkdtempSync(join(tmpdir(), 'dynsecret-bench-'));
export const RESULTS = `${ROOT}bench/results.json`;
const PKG = `${TMP}/pkg`;
export const DYNSECRET_BIN = `${PKG}/bin/dynsecret.js`;
export const EMULATOR_BIN = `${PKG}/bin/dynsecret-atlas-emulator.js`;

/** Builds the bins into TMP/pkg exactly as `npm run build` builds them into dist/. */
export async function buildPrivateCopy() {
  await buildDynsecret({ outdir: `${PKG}/dist` });
  cpSync(`${ROOT}bin`, `${PKG}/bin`, { recursive: true });
  cpSync(`${ROOT}package.json`, `${PKG}/package.json`);
}
