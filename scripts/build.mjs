// Bundles each bin under dist/ (or `--outdir DIR`), with esbuild's public options only. The CLI is
// code-split as ES modules, so every path loads only the code it runs (commander and the store for `list`;
// zod classic, cli-table3 or the prompts only where they are used), and each chunk is then turned into CommonJS by
// esbuild's own transform: Node loads a CommonJS file without its ES module machinery, which is most of what
// start-up costs for a command that does little (see bench/README.md for the figures).
import { build, transform } from 'esbuild';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * zod/mini in a module graph of its own. zod classic (Atlas responses, config drafts) and zod/mini (the
 * store, on every command's path) share zod's core modules; bundled together, the core lands whole in one
 * shared chunk that `list` would load (~650 KB). Loaded a second time under its own namespace, mini is
 * tree-shaken to what the store uses and classic stays in the chunks that need it.
 */
const zodMiniOnItsOwn = {
  name: 'zod-mini-on-its-own',
  setup(b) {
    b.onResolve({ filter: /^zod\/mini$/ }, async (args) => {
      if (args.pluginData?.zodMini) return undefined;
      const found = await b.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, pluginData: { zodMini: true } });
      if (found.errors.length > 0) return { errors: found.errors };
      return { path: found.path, namespace: 'zod-mini' };
    });
    b.onResolve({ filter: /^\.\.?\//, namespace: 'zod-mini' }, (args) => ({
      path: resolve(dirname(args.importer), args.path),
      namespace: 'zod-mini',
    }));
    b.onLoad({ filter: /./, namespace: 'zod-mini' }, async (args) => ({
      contents: await readFile(args.path, 'utf8'),
      loader: 'js',
      resolveDir: dirname(args.path),
    }));
  },
};

/**
 * commander requires node:child_process when it loads, for executable subcommands, which dynsecret does
 * not have; that costs every command a few milliseconds. It is required on first use instead.
 */
const lazyChildProcess = {
  name: 'lazy-child-process',
  setup(b) {
    b.onResolve({ filter: /^node:child_process$/ }, (args) =>
      /[\\/]node_modules[\\/]commander[\\/]/.test(args.importer) ? { path: 'child_process', namespace: 'lazy-child-process' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'lazy-child-process' }, () => ({
      contents: "module.exports = new Proxy({}, { get: (_, key) => require('node:child_process')[key] });",
      loader: 'js',
    }));
  },
};

/**
 * cli-table3 requires @colors/colors only to colour headings and borders, which dynsecret never asks it to
 * do (headings are made bold with chalk): the require is answered by an empty module instead of bundling it.
 */
const noTableColours = {
  name: 'no-table-colours',
  setup(b) {
    b.onResolve({ filter: /^@colors\/colors/ }, (args) =>
      /[\\/]node_modules[\\/]cli-table3[\\/]/.test(args.importer) ? { path: 'colors', namespace: 'no-table-colours' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'no-table-colours' }, () => ({ contents: 'module.exports = undefined;', loader: 'js' }));
  },
};

const common = { absWorkingDir: root, bundle: true, platform: 'node', target: 'node20', legalComments: 'none', logLevel: 'warning' };

/**
 * An ES module chunk as CommonJS: imports become require(), `import()` a require() behind a promise. ES modules
 * are strict mode, and the sources were written for it; a CommonJS file is sloppy unless it says otherwise.
 */
async function toCommonJs(text, { thirdParty = false } = {}) {
  const { code } = await transform(text, {
    // A chunk made only of dependencies' code loses its comments and blank space: it is read and parsed by every
    // command that loads it, and its comments hold the non-ASCII characters that make
    // Node decode the whole file on its slow path. Our own code keeps its lines, for stack traces.
    minifyWhitespace: thirdParty,
    loader: 'js',
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    supported: { 'dynamic-import': false },
    banner: '"use strict";',
    logLevel: 'warning',
  });
  return code;
}

/** Builds the bins into `outdir`; `plugins` are added to the project's own (the bench swaps in variants). */
export async function buildDynsecret({ outdir = 'dist', plugins = [] } = {}) {
  const target = resolve(root, outdir);
  const { version } = JSON.parse(await readFile(resolve(root, 'package.json'), 'utf8'));
  await rm(target, { recursive: true, force: true });
  await mkdir(target, { recursive: true });
  // The package is "type": "module"; these files are CommonJS.
  await writeFile(resolve(target, 'package.json'), '{\n  "type": "commonjs"\n}\n');
  const [cli] = await Promise.all([
    build({
      ...common,
      entryPoints: { dynsecret: 'src/cli.ts' },
      outdir: target,
      format: 'esm',
      splitting: true,
      chunkNames: 'chunks/[name]-[hash]',
      write: false,
      metafile: true,
      define: { __DYNSECRET_VERSION__: JSON.stringify(version) },
      plugins: [...plugins, zodMiniOnItsOwn, lazyChildProcess, noTableColours],
    }),
    // The emulator's start-up is not on anyone's hot path: one plain CommonJS file.
    build({ ...common, entryPoints: { emulator: 'src/emulator/main.ts' }, outdir: target, format: 'cjs' }),
  ]);
  await Promise.all(
    cli.outputFiles.map(async (file) => {
      const inputs = Object.keys(cli.metafile.outputs[relative(root, file.path)]?.inputs ?? {});
      const thirdParty = inputs.length > 0 && inputs.every((input) => /(^|[\\/])node_modules[\\/]/.test(input));
      await mkdir(dirname(file.path), { recursive: true });
      await writeFile(file.path, await toCommonJs(file.text, { thirdParty }));
    }),
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({ options: { outdir: { type: 'string', default: 'dist' } } });
  await buildDynsecret({ outdir: values.outdir });
}
