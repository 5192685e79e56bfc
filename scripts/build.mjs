// Bundles each bin under dist/ (or `--outdir DIR`). The CLI is code-split as ES modules, so every path
// loads only the code it runs (commander and the store for `list`; undici, zod classic or the prompts
// only where they are used), and then each chunk is turned into CommonJS: Node loads a CommonJS file
// without its ES module machinery, which is most of what start-up costs for a command that does little.
// Last, the small chunks a file loads as it loads are carried inside it (see carryEagerChunks).
import { build, transform } from 'esbuild';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, posix, relative, resolve, sep } from 'node:path';
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

/** An ES module chunk as CommonJS: imports become require(), `import()` a require() behind a promise. */
async function toCommonJs(text) {
  const { code } = await transform(text, {
    loader: 'js',
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    supported: { 'dynamic-import': false },
    logLevel: 'warning',
  });
  // ES modules are strict mode, and the sources were written for it: a CommonJS file is sloppy unless it says
  // otherwise, where writing to a frozen object fails silently instead of throwing.
  return /^(["'])use strict\1;/.test(code) ? code : `"use strict";\n${code}`;
}

/**
 * What a file that carries chunks starts with: `__dynsecretCarried(name)` is the exports of a carried chunk
 * (`name` relative to dist/), `.run(name, factory)` runs one unless Node's module cache has it, as Node's own
 * loader would run its file (a module of that file name, registered before it runs, removed if it throws).
 */
const CARRIER = `var __dynsecretCarried = (function (parent, root) {
  var Module = require("node:module"), path = require("node:path");
  var carried = function (name) { return Module._cache[path.join(root, name)].exports; };
  carried.run = function (name, factory) {
    var filename = path.join(root, name);
    if (Module._cache[filename] !== undefined) return;
    var loaded = new Module(filename, parent);
    loaded.filename = filename;
    loaded.paths = Module._nodeModulePaths(path.dirname(filename));
    Module._cache[filename] = loaded;
    try {
      factory.call(loaded.exports, loaded.exports, function (id) { return loaded.require(id); }, loaded, filename, path.dirname(filename));
    } catch (error) {
      delete Module._cache[filename];
      throw error;
    }
    loaded.loaded = true;
  };
  return carried;
})(module, require("node:path").join(__dirname, ROOT));`;

/** The largest chunk carried into the files that load it. */
const MAX_CARRIED_BYTES = 32 * 1024;

/** A chunk's imports as CommonJS: the `var import_x = require("./…");` lines at its top, run as it loads. */
const EAGER_REQUIRE = /^var \w+ = require\("(\.\.?\/[^"]+\.js)"\);$/gm;

/**
 * Every small chunk a file loads as it loads (its imports and theirs), carried inside the file. Node pays for
 * each file it loads (resolving the path, reading, compiling or reading the compile cache) about 0.2 ms here,
 * and splitting leaves many small shared chunks: `list` loaded 15 files, now 5. A carried chunk is run from the file that
 * needs it first and registered in Node's module cache under its own file's name, so that a later require of
 * that file gets the same module (never a second copy), and the file itself stays as it is for any other
 * loader; one that is already in the cache is not run again. Chunks are carried in the order they would
 * load. Files that load each other while loading (a cycle) are left as they are.
 */
export function carryEagerChunks(files) {
  const eager = new Map();
  for (const [name, code] of files) {
    eager.set(
      name,
      [...code.matchAll(EAGER_REQUIRE)].map((m) => posix.join(posix.dirname(name), m[1])).filter((dep) => files.has(dep)),
    );
  }
  // Large chunks stay in their own files: loading a file costs little beside their size, and copies would not.
  for (const [name, deps] of eager) {
    eager.set(
      name,
      deps.filter((dep) => files.get(dep).length <= MAX_CARRIED_BYTES),
    );
  }
  const carried = new Map();
  for (const name of files.keys()) {
    const order = [];
    const state = new Map();
    const visit = (file) => {
      if (state.get(file) === 'done') return true;
      if (state.get(file) === 'visiting') return false;
      state.set(file, 'visiting');
      for (const dep of eager.get(file)) if (!visit(dep)) return false;
      state.set(file, 'done');
      if (file !== name) order.push(file);
      return true;
    };
    if (!visit(name) || order.length === 0) {
      carried.set(name, files.get(name));
      continue;
    }
    const root = posix.relative(posix.dirname(name), '.') || '.';
    const inside = new Set(order);
    const direct = (code, from) =>
      code.replace(EAGER_REQUIRE, (line, request) => {
        const dep = posix.join(posix.dirname(from), request);
        return inside.has(dep) ? line.replace(`require("${request}")`, `__dynsecretCarried(${JSON.stringify(dep)})`) : line;
      });
    // A directive prologue stays first, where it is one.
    const [, prologue = '', , body = ''] = /^((?:(["'])use strict\2;\n)?)([\s\S]*)$/.exec(files.get(name)) ?? [];
    const parts = [`${prologue}${CARRIER.replace('ROOT', JSON.stringify(root))}`];
    for (const dep of order) {
      parts.push(
        `__dynsecretCarried.run(${JSON.stringify(dep)}, function (exports, require, module, __filename, __dirname) {\n${direct(files.get(dep), dep)}});`,
      );
    }
    parts.push(direct(body, name));
    carried.set(name, parts.join('\n'));
  }
  return carried;
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
      define: { __DYNSECRET_VERSION__: JSON.stringify(version) },
      plugins: [...plugins, zodMiniOnItsOwn, lazyChildProcess, noTableColours],
    }),
    // The emulator's start-up is not on anyone's hot path: one plain CommonJS file.
    build({ ...common, entryPoints: { emulator: 'src/emulator/main.ts' }, outdir: target, format: 'cjs' }),
  ]);
  const files = new Map(
    await Promise.all(
      cli.outputFiles.map(async (file) => [posix.normalize(relative(target, file.path).split(sep).join('/')), await toCommonJs(file.text)]),
    ),
  );
  await Promise.all(
    [...carryEagerChunks(files)].map(async ([name, code]) => {
      const path = resolve(target, name);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, code);
    }),
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({ options: { outdir: { type: 'string', default: 'dist' } } });
  await buildDynsecret({ outdir: values.outdir });
}
