import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error -- a build script in plain JavaScript, without types
import { carryEagerChunks } from '../../../scripts/build.mjs';

/**
 * The build carries the small chunks a file loads as it loads inside that file (scripts/build.mjs). Each case
 * writes CommonJS files as the build leaves them, carries them, and runs them in a fresh Node: a module must
 * run once and be the same object whichever file loads it first, and the files must behave as before.
 */
type Files = Record<string, string>;

const carry = (files: Files): Files => Object.fromEntries(carryEagerChunks(new Map(Object.entries(files))) as Map<string, string>);

function runIn(files: Files, script: string): string {
  const dist = mkdtempSync(join(tmpdir(), 'dynsecret-carry-'));
  writeFileSync(join(dist, 'package.json'), '{"type":"commonjs"}');
  for (const [name, code] of Object.entries(files)) {
    mkdirSync(dirname(join(dist, name)), { recursive: true });
    writeFileSync(join(dist, name), code);
  }
  const result = spawnSync(process.execPath, ['-e', script.replaceAll('DIST', JSON.stringify(dist))], { encoding: 'utf8' });
  expect(result.status, result.stderr).toBe(0);
  return result.stdout;
}

// A shared chunk with state (counts how often it ran), one that uses it, and two files that load them.
const sources: Files = {
  'chunks/shared.js': 'globalThis.runs = (globalThis.runs ?? 0) + 1;\nvar state = { count: 0 };\nmodule.exports = { state };\n',
  'chunks/middle.js': 'var import_shared = require("./shared.js");\nmodule.exports = { bump: () => ++import_shared.state.count };\n',
  'main.js':
    'var import_middle = require("./chunks/middle.js");\nvar import_shared = require("./chunks/shared.js");\nmodule.exports = { main: () => import_middle.bump() + import_shared.state.count * 10, later: () => require("./chunks/later.js") };\n',
  'chunks/later.js': 'var import_shared = require("./shared.js");\nmodule.exports = { count: () => import_shared.state.count };\n',
};

const REPORT = `
  const path = require('node:path');
  const main = require(path.join(DIST, 'main.js'));
  const first = main.main();
  const later = main.later();
  const direct = require(path.join(DIST, 'chunks', 'shared.js'));
  process.stdout.write(JSON.stringify({ first, later: later.count(), direct: direct.state.count, runs: globalThis.runs }));
`;

describe('carrying the chunks a file loads as it loads', () => {
  it('carries them in the order they load, and leaves the file they come from as it was', () => {
    const carried = carry(sources);
    expect(carried['main.js']!.indexOf('__dynsecretCarried.run("chunks/shared.js"')).toBeLessThan(
      carried['main.js']!.indexOf('__dynsecretCarried.run("chunks/middle.js"'),
    );
    expect(carried['chunks/shared.js']).toBe(sources['chunks/shared.js']);
    expect(carried['chunks/later.js']).toContain('__dynsecretCarried.run("chunks/shared.js"');
  });

  it('runs each module once, the same object whichever file loads it, as the files did uncarried', () => {
    const before = JSON.parse(runIn(sources, REPORT));
    expect(before).toEqual({ first: 11, later: 1, direct: 1, runs: 1 });
    expect(JSON.parse(runIn(carry(sources), REPORT))).toEqual(before);
  });

  it('gives the module of a chunk loaded first through its own file to the files that carry it', () => {
    const script = `
      const path = require('node:path');
      const shared = require(path.join(DIST, 'chunks', 'shared.js'));
      shared.state.count = 41;
      process.stdout.write(String(require(path.join(DIST, 'main.js')).main()) + ' ' + globalThis.runs);
    `;
    expect(runIn(carry(sources), script)).toBe(runIn(sources, script));
    expect(runIn(carry(sources), script)).toBe('462 1');
  });

  it('leaves a module that failed to load out of the cache, as Node does, so that loading it again runs it again', () => {
    const files = carry({
      'chunks/flaky.js':
        'globalThis.tries = (globalThis.tries ?? 0) + 1;\nif (globalThis.tries === 1) throw new Error("first time");\nmodule.exports = { ok: true };\n',
      'main.js': 'var import_flaky = require("./chunks/flaky.js");\nmodule.exports = import_flaky;\n',
    });
    const script = `
      const path = require('node:path');
      let first;
      try { require(path.join(DIST, 'main.js')); } catch (error) { first = error.message; }
      const again = require(path.join(DIST, 'chunks', 'flaky.js'));
      process.stdout.write(first + ' ' + again.ok + ' ' + globalThis.tries);
    `;
    expect(runIn(files, script)).toBe('first time true 2');
  });

  it('keeps a file\'s "use strict" first, where it is a directive', () => {
    const carried = carry({ ...sources, 'main.js': `"use strict";\n${sources['main.js']}` });
    expect(carried['main.js']!.startsWith('"use strict";\nvar __dynsecretCarried')).toBe(true);
  });

  it('leaves files that load each other as they load as they are', () => {
    const cycle = {
      'chunks/a.js': 'var import_b = require("./b.js");\nmodule.exports = { a: 1 };\n',
      'chunks/b.js': 'var import_a = require("./a.js");\nmodule.exports = { b: 2 };\n',
      'main.js': 'var import_a = require("./chunks/a.js");\nmodule.exports = import_a;\n',
    };
    expect(carry(cycle)).toEqual(cycle);
  });

  it('carries no large chunk: it stays in its file, loaded as before', () => {
    const big = `module.exports = { big: ${JSON.stringify('x'.repeat(40 * 1024))}.length };\n`;
    const files = carry({
      'chunks/big.js': big,
      'main.js': 'var import_big = require("./chunks/big.js");\nmodule.exports = { main: () => import_big.big };\n',
    });
    expect(files['main.js']).not.toContain('__dynsecretCarried');
    expect(runIn(files, "process.stdout.write(String(require(require('node:path').join(DIST, 'main.js')).main()))")).toBe(
      String(40 * 1024),
    );
  });
});
