// Bench-time bundles: the fixture seeder (dynsecret's own store and Atlas client), and a copy of the CLI
// built with REVOKE_CONCURRENCY = 1, the sequential baseline for bulk revoke (same code, one at a time).
import { build } from 'esbuild';
import { cpSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { buildDynsecret } from '../build.mjs';
import { ROOT } from './paths.mjs';

/** One at a time instead of REVOKE_CONCURRENCY: fails loudly if the constant or its file moves. */
let patched = false;
const sequentialRevoke = {
  name: 'sequential-revoke',
  setup(b) {
    b.onLoad({ filter: /src[\\/]service[\\/]revoke\.ts$/ }, async (args) => {
      patched = true;
      const source = await readFile(args.path, 'utf8');
      const pattern = /export const REVOKE_CONCURRENCY = \d+;/;
      if (!pattern.test(source)) throw new Error('REVOKE_CONCURRENCY not found in src/service/revoke.ts');
      return { contents: source.replace(pattern, 'export const REVOKE_CONCURRENCY = 1;'), loader: 'ts' };
    });
  },
};

/** Returns `{ seed, sequentialBin }`: the seeder module and a bin running the sequential CLI. */
export async function bundleHelpers(dir) {
  await build({
    absWorkingDir: ROOT,
    entryPoints: { seed: 'scripts/bench/seed.ts' },
    outdir: dir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    logLevel: 'warning',
    banner: { js: "import { createRequire as __dsCreateRequire } from 'node:module'; const require = __dsCreateRequire(import.meta.url);" },
  });
  await buildDynsecret({ outdir: `${dir}/sequential/dist`, plugins: [sequentialRevoke] });
  if (!patched)
    throw new Error('src/service/revoke.ts was not in the sequential build: the bulk revoke baseline would be the shipped code');
  cpSync(`${ROOT}bin`, `${dir}/sequential/bin`, { recursive: true });
  const seed = await import(`${dir}/seed.mjs`);
  return { seed, sequentialBin: `${dir}/sequential/bin/dynsecret.js` };
}
