// Bundles the GitHub Action into action/: the steps and everything they use (the CLI's own code) into one
// CommonJS file, steps.cjs, and the entry points src/action/main.ts and post.ts into main.cjs and post.cjs,
// which load it. A workflow runs them straight from a checkout of the repository, with no install step. They
// are committed; a test rebuilds them and fails when the committed files are not what the sources give
// (`npm run build:action` brings them up to date).
import { build } from 'esbuild';
import { mkdir, readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const root = fileURLToPath(new URL('..', import.meta.url));

/** The entry points load the steps from the one bundle beside them, rather than each carrying a copy. */
const stepsBeside = {
  name: 'steps-beside',
  setup(b) {
    b.onResolve({ filter: /^\.\/steps\.js$/ }, (args) =>
      args.kind === 'entry-point' ? undefined : { path: './steps.cjs', external: true },
    );
  },
};

/** Builds both entry points into `outdir` (relative to the repository root, default `action`). */
export async function buildAction({ outdir = 'action' } = {}) {
  const target = resolve(root, outdir);
  const { version } = JSON.parse(await readFile(resolve(root, 'package.json'), 'utf8'));
  await mkdir(target, { recursive: true });
  const common = {
    absWorkingDir: root,
    outdir: target,
    outExtension: { '.js': '.cjs' },
    bundle: true,
    platform: 'node',
    // The runner's Node (action.yml says node24); node20 keeps the output readable by every supported Node.
    target: 'node20',
    format: 'cjs',
    minify: true,
    legalComments: 'none',
    banner: { js: '// Built by scripts/build-action.mjs from src/action/: do not edit.' },
    define: { __DYNSECRET_VERSION__: JSON.stringify(version) },
    logLevel: 'warning',
  };
  await Promise.all([
    build({ ...common, entryPoints: { steps: 'src/action/steps.ts' } }),
    build({ ...common, entryPoints: { main: 'src/action/main.ts', post: 'src/action/post.ts' }, plugins: [stepsBeside] }),
  ]);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({ options: { outdir: { type: 'string', default: 'action' } } });
  await buildAction({ outdir: values.outdir });
}
