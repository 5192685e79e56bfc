// Bundles each bin into one ESM file under dist/. Dynamic imports become separate chunks, so
// heavy modules (prompts, HTTP, tables) load only on the paths that use them.
import { build } from 'esbuild';
import { readFile, rm } from 'node:fs/promises';

const { version } = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8'));
await rm(new URL('../dist', import.meta.url), { recursive: true, force: true });
await build({
  entryPoints: { dynsecret: 'src/cli.ts', emulator: 'src/emulator/main.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  chunkNames: 'chunks/[name]-[hash]',
  legalComments: 'none',
  logLevel: 'warning',
  define: { __DYNSECRET_VERSION__: JSON.stringify(version) },
  // CommonJS dependencies call require() for Node built-ins; give ESM chunks one.
  banner: { js: "import { createRequire as __dsCreateRequire } from 'node:module'; const require = __dsCreateRequire(import.meta.url);" },
});
