import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Before Node 22.1, bin/compile-cache.js keeps V8's code cache for the bundle itself. Each run here is a fresh
 * Node process that installs the cache for a small `dist` folder and loads `main.js` from it; what V8 took or
 * refused shows in the entries: an entry V8 took is never written again, a refused or missing one is.
 */
const require = createRequire(import.meta.url);
const { cachedDataFor } = require('../../../bin/compile-cache.js') as { cachedDataFor(path: string, source: Buffer): Buffer | undefined };
const COMPILE_CACHE = resolve('bin/compile-cache.js');

const temp = () => mkdtempSync(join(tmpdir(), 'dynsecret-code-cache-'));

interface Fixture {
  dist: string;
  folder: string;
  /** The folder of this installation's entries, as the last run reported it. */
  root?: string;
}

function fixture(files: Record<string, string> = {}): Fixture {
  const base = temp();
  const dist = join(base, 'dist');
  mkdirSync(join(dist, 'chunks'), { recursive: true });
  const all: Record<string, string> = {
    'main.js': "const { word } = require('./chunks/word.js');\nmodule.exports = () => `main ${word()}`;\n",
    'chunks/word.js': "exports.word = () => 'alpha';\n",
    ...files,
  };
  for (const [name, text] of Object.entries(all)) writeFileSync(join(dist, name), text);
  const folder = join(base, 'cache');
  mkdirSync(folder, { mode: 0o700 });
  return { dist, folder };
}

/** Runs Node once: installs the cache, optionally changes V8's flags midway as dynsecret does, loads main.js. */
function run(f: Fixture, options: { flagsThen?: string } = {}) {
  const script = `
    const root = require(${JSON.stringify(COMPILE_CACHE)}).installCodeCache(${JSON.stringify(f.folder)}, ${JSON.stringify(f.dist)});
    process.stderr.write(root);
    const main = require(${JSON.stringify(join(f.dist, 'main.js'))});
    ${options.flagsThen === undefined ? '' : `process.emit('dynsecret:v8-flags'); require('node:v8').setFlagsFromString('--liftoff-only'); require(${JSON.stringify(join(f.dist, options.flagsThen))});`}
    process.stdout.write(main());
  `;
  const result = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  expect(result.status, result.stderr).toBe(0);
  f.root = result.stderr;
  return result.stdout;
}

const entry = (f: Fixture, name: string, epoch = 0) => join(f.root!, `${name}.v8-${epoch}`);
/** An entry's identity: a rewrite renames a new file over it. */
const identity = (path: string) => {
  const stats = statSync(path);
  return `${stats.ino}:${stats.mtimeMs}`;
};

describe('the code cache of bin/compile-cache.js', () => {
  it('writes an entry per file of the bundle on the first run, 0600 in folders of 0700, and uses them after', () => {
    const f = fixture();
    expect(run(f)).toBe('main alpha');
    const files = [entry(f, 'main.js'), entry(f, 'chunks/word.js')];
    for (const path of files) expect((statSync(path).mode & 0o777).toString(8)).toBe('600');
    expect((statSync(f.root!).mode & 0o777).toString(8)).toBe('700');
    const before = files.map(identity);
    expect(run(f)).toBe('main alpha');
    expect(run(f)).toBe('main alpha');
    expect(files.map(identity)).toEqual(before);
  });

  it('keeps the entries of one Node version and installation apart from others', () => {
    const a = fixture();
    const b = { ...fixture(), folder: a.folder };
    run(a);
    run(b);
    expect(a.root).not.toBe(b.root);
    expect(a.root!.startsWith(join(a.folder, `code-cache-${process.version}-${process.arch}`))).toBe(true);
  });

  it('runs a changed file of the same length as it now is, and caches it anew', () => {
    const f = fixture();
    run(f);
    const before = identity(entry(f, 'chunks/word.js'));
    writeFileSync(join(f.dist, 'chunks/word.js'), "exports.word = () => 'omega';\n");
    expect(run(f)).toBe('main omega');
    expect(identity(entry(f, 'chunks/word.js'))).not.toBe(before);
    expect(run(f)).toBe('main omega');
  });

  it.each([
    ['empty', () => Buffer.alloc(0)],
    ['cut short', (bytes: Buffer) => bytes.subarray(0, bytes.length - 40)],
    ['without its header', (bytes: Buffer) => Buffer.concat([Buffer.from('something else\n'), bytes.subarray(23)])],
    ['longer than its header says', (bytes: Buffer) => Buffer.concat([bytes, Buffer.alloc(8)])],
    // Damaged cached data that V8 would take (and crash on) but for the second copy.
    ['damaged in its cached data', (bytes: Buffer) => Buffer.concat([bytes.subarray(0, bytes.length - 200), Buffer.alloc(200, 7)])],
  ])('compiles a file whose entry is %s as Node would, and replaces the entry', (_what, damage) => {
    const f = fixture();
    run(f);
    const path = entry(f, 'chunks/word.js');
    writeFileSync(path, damage(readFileSync(path)));
    const damaged = identity(path);
    expect(run(f)).toBe('main alpha');
    expect(identity(path)).not.toBe(damaged);
    expect(cachedDataFor(path, readFileSync(join(f.dist, 'chunks/word.js')))).toBeDefined();
  });

  it('does not use an entry made from another source of the same length', () => {
    const f = fixture();
    run(f);
    const source = readFileSync(join(f.dist, 'chunks/word.js'));
    const other = Buffer.from("exports.word = () => 'omega';\n");
    expect(other.length).toBe(source.length);
    expect(cachedDataFor(entry(f, 'chunks/word.js'), source)).toBeDefined();
    expect(cachedDataFor(entry(f, 'chunks/word.js'), other)).toBeUndefined();
  });

  it("caches what was compiled before V8's flags changed apart from what was compiled after", () => {
    const f = fixture({ 'chunks/late.js': "exports.late = 'late';\n" });
    run(f, { flagsThen: 'chunks/late.js' });
    expect(existsSync(entry(f, 'main.js', 0))).toBe(true);
    expect(existsSync(entry(f, 'chunks/late.js', 1))).toBe(true);
    const before = [entry(f, 'main.js', 0), entry(f, 'chunks/late.js', 1)].map(identity);
    // Taken by V8 the next time, under the same flags at the same points: nothing is written again.
    run(f, { flagsThen: 'chunks/late.js' });
    expect([entry(f, 'main.js', 0), entry(f, 'chunks/late.js', 1)].map(identity)).toEqual(before);
  });

  it('removes the entries of files the bundle no longer has when it writes new ones', () => {
    const f = fixture({
      'chunks/old.js': 'exports.old = 1;\n',
      'main.js': "require('./chunks/old.js'); require('./chunks/word.js'); module.exports = () => 'first';\n",
    });
    run(f);
    expect(existsSync(entry(f, 'chunks/old.js'))).toBe(true);
    writeFileSync(join(f.dist, 'main.js'), "require('./chunks/word.js'); module.exports = () => 'second, without old.js';\n");
    const { unlinkSync } = require('node:fs') as typeof import('node:fs');
    unlinkSync(join(f.dist, 'chunks/old.js'));
    expect(run(f)).toBe('second, without old.js');
    expect(existsSync(entry(f, 'chunks/old.js'))).toBe(false);
    expect(readdirSync(join(f.root!, 'chunks'))).toEqual(['word.js.v8-0']);
  });

  it('leaves files outside the bundle to Node', () => {
    const f = fixture({ 'main.js': `module.exports = () => require(${JSON.stringify(join(temp(), 'outside.js'))}).word;\n` });
    const outside = JSON.parse(readFileSync(join(f.dist, 'main.js'), 'utf8').match(/require\((".*")\)/)![1]!) as string;
    writeFileSync(outside, "exports.word = 'outside';\n");
    expect(run(f)).toBe('outside');
    expect(readdirSync(f.root!)).toEqual(['main.js.v8-0']);
  });
});
