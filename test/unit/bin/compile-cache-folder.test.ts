import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Node 22.1+ keeps compiled code between runs; without a folder it would use one in the shared temp folder,
 * where another local user can plant code. The bins pass a folder only this user can change, or none. The
 * choice is a small CommonJS module beside the bins, tested here on any Node version.
 */
const require = createRequire(import.meta.url);

interface FakeStats {
  isDirectory(): boolean;
  uid: number;
  mode: number;
}
const { cacheRoot, compileCacheFolder, isPrivatePath, isStoreless } = require('../../../bin/compile-cache-folder.js') as {
  cacheRoot(env: Record<string, string | undefined>): string | undefined;
  compileCacheFolder(env: Record<string, string | undefined>, args: string[], options?: { uid?: number | undefined }): string | undefined;
  isPrivatePath(chain: FakeStats[], uid: number, own: number): boolean;
  isStoreless(args: string[]): boolean;
};

const ME = 1000;
const OTHER = 1001;
/** A folder (or, with `link`, a symlink as lstat sees it) of `uid` with `mode`. */
const dir = (uid: number, mode: number, link = false): FakeStats => ({ isDirectory: () => !link, uid, mode });
const ROOT_DIR = dir(0, 0o755);
const TMP = dir(0, 0o1777);

const temp = () => mkdtempSync(join(tmpdir(), 'dynsecret-cache-'));
const mode = (path: string) => (statSync(path).mode & 0o7777).toString(8);
const FOLDER = ['dynsecret', 'compile-cache'];

describe('the cache root', () => {
  it.each([
    [{ XDG_CACHE_HOME: '/x/cache', HOME: '/home/u' }, '/x/cache'],
    [{ HOME: '/home/u' }, '/home/u/.cache'],
    [{ XDG_CACHE_HOME: 'relative/cache', HOME: '/home/u' }, '/home/u/.cache'],
    [{ XDG_CACHE_HOME: '', HOME: '/home/u' }, '/home/u/.cache'],
    [{ HOME: 'relative' }, undefined],
    [{}, undefined],
  ])('with %j is %s', (env, expected) => {
    expect(cacheRoot(env)).toBe(expected);
  });
});

describe('a store-less run', () => {
  it.each([
    [['lease', '--from-file', 'c.json'], true],
    [['lease', '--from-file=c.json'], true],
    [['run', 'x', '--', 'tool', '--from-file', 'y'], true],
    [['lease', 'name'], false],
    [['lease', '--from-files'], false],
    [['lease', 'from-file'], false],
  ])('%j is store-less: %s', (args, expected) => {
    expect(isStoreless(args)).toBe(expected);
  });
});

describe('the path check', () => {
  // Chains run from `/` down; the last `own` entries are dynsecret's own folders.
  it.each<[string, boolean, FakeStats[], number, number?]>([
    ['a home under root-owned folders', true, [ROOT_DIR, ROOT_DIR, dir(ME, 0o755), dir(ME, 0o700), dir(ME, 0o700), dir(ME, 0o700)], 2],
    ['root running in its own home', true, [ROOT_DIR, dir(0, 0o700), dir(0, 0o700), dir(0, 0o700)], 2, 0],
    ['a cache root of another user', false, [ROOT_DIR, dir(OTHER, 0o755), dir(ME, 0o700), dir(ME, 0o700)], 2],
    ['dynsecret folder of another user', false, [ROOT_DIR, dir(ME, 0o700), dir(OTHER, 0o700), dir(ME, 0o700)], 2],
    ['cache folder of another user', false, [ROOT_DIR, dir(ME, 0o700), dir(ME, 0o700), dir(OTHER, 0o700)], 2],
    ['cache folder of root, run by a user', false, [ROOT_DIR, dir(ME, 0o700), dir(ME, 0o700), dir(0, 0o700)], 2],
    ['a group-writable folder above', false, [ROOT_DIR, dir(ME, 0o775), dir(ME, 0o700), dir(ME, 0o700)], 2],
    ['a world-writable folder above, not sticky', false, [ROOT_DIR, dir(0, 0o777), dir(ME, 0o700), dir(ME, 0o700), dir(ME, 0o700)], 2],
    ['a readable cache folder', false, [ROOT_DIR, dir(ME, 0o700), dir(ME, 0o700), dir(ME, 0o755)], 2],
    ['a readable dynsecret folder', false, [ROOT_DIR, dir(ME, 0o700), dir(ME, 0o750), dir(ME, 0o700)], 2],
    ['a symlink as cache folder', false, [ROOT_DIR, dir(ME, 0o700), dir(ME, 0o700), dir(ME, 0o777, true)], 2],
    ['a symlink above', false, [ROOT_DIR, dir(0, 0o777, true), dir(ME, 0o700), dir(ME, 0o700), dir(ME, 0o700)], 2],
    ['/tmp, then a private folder of mine', true, [ROOT_DIR, TMP, dir(ME, 0o700), dir(ME, 0o700), dir(ME, 0o700)], 2],
    ['/tmp as the cache root itself', true, [ROOT_DIR, TMP, dir(ME, 0o700), dir(ME, 0o700)], 2],
    ['/tmp, then a readable folder of mine', false, [ROOT_DIR, TMP, dir(ME, 0o755), dir(ME, 0o700), dir(ME, 0o700)], 2],
    ['/tmp, then a folder of another user', false, [ROOT_DIR, TMP, dir(OTHER, 0o700), dir(ME, 0o700), dir(ME, 0o700)], 2],
    ['/tmp, then a root folder', false, [ROOT_DIR, TMP, dir(0, 0o700), dir(ME, 0o700), dir(ME, 0o700)], 2],
    ['a sticky folder of another user', false, [ROOT_DIR, dir(OTHER, 0o1777), dir(ME, 0o700), dir(ME, 0o700), dir(ME, 0o700)], 2],
    ['/tmp last, before anything is made in it', true, [ROOT_DIR, TMP], 0],
    ['a folder of another user last, before anything is made in it', false, [ROOT_DIR, dir(OTHER, 0o700)], 0],
  ])('%s: %s', (_what, expected, chain, own, uid = ME) => {
    expect(isPrivatePath(chain, uid, own)).toBe(expected);
  });
});

describe('the compile cache folder on this file system', () => {
  it('is made 0700 under umask 000, with the cache root, and returned', () => {
    const base = temp();
    const before = process.umask(0);
    try {
      const folder = compileCacheFolder({ XDG_CACHE_HOME: join(base, 'cache') }, ['list']);
      expect(folder).toBe(join(base, 'cache', ...FOLDER));
      expect([mode(join(base, 'cache')), mode(join(base, 'cache', 'dynsecret')), mode(folder!)]).toEqual(['700', '700', '700']);
    } finally {
      process.umask(before);
    }
  });

  it('is under HOME/.cache without XDG_CACHE_HOME', () => {
    const home = temp();
    expect(compileCacheFolder({ HOME: home }, [])).toBe(join(home, '.cache', ...FOLDER));
  });

  it('is the resolved path when the cache root is a symlink to a private folder', () => {
    const base = temp();
    mkdirSync(join(base, 'real'), { mode: 0o700 });
    symlinkSync(join(base, 'real'), join(base, 'link'));
    expect(compileCacheFolder({ XDG_CACHE_HOME: join(base, 'link') }, [])).toBe(join(base, 'real', ...FOLDER));
  });

  it.each([[['lease', 'x', '--from-file', 'config.json']], [['run', '--from-file=config.json', 'x', '--', 'true']]])(
    'is not made for a store-less run %j',
    (args) => {
      const home = temp();
      expect(compileCacheFolder({ HOME: home }, args)).toBeUndefined();
      expect(readdirSync(home)).toEqual([]);
    },
  );

  it('is not made when HOME does not exist, and nothing is created', () => {
    const home = join(temp(), 'nonexistent');
    expect(compileCacheFolder({ HOME: home }, ['list'])).toBeUndefined();
    expect(existsSync(home)).toBe(false);
  });

  it.each<[string, (base: string) => void]>([
    ['the cache folder is readable by others', (base) => mkdirSync(join(base, ...FOLDER), { recursive: true, mode: 0o755 })],
    [
      'the dynsecret folder is group-writable',
      (base) => {
        mkdirSync(join(base, 'dynsecret'));
        chmodSync(join(base, 'dynsecret'), 0o770);
      },
    ],
    [
      'the cache folder is a symlink to a private folder',
      (base) => {
        mkdirSync(join(base, 'dynsecret'), { mode: 0o700 });
        mkdirSync(join(base, 'elsewhere'), { mode: 0o700 });
        symlinkSync(join(base, 'elsewhere'), join(base, ...FOLDER));
      },
    ],
    [
      'the cache folder is a file',
      (base) => {
        mkdirSync(join(base, 'dynsecret'), { mode: 0o700 });
        writeFileSync(join(base, ...FOLDER), '');
      },
    ],
  ])('is not used when %s', (_what, plant) => {
    const base = temp();
    plant(base);
    expect(compileCacheFolder({ XDG_CACHE_HOME: base }, [])).toBeUndefined();
  });

  it('makes nothing under a cache root that others can write to (not sticky)', () => {
    const base = temp();
    chmodSync(base, 0o777);
    expect(compileCacheFolder({ XDG_CACHE_HOME: base }, [])).toBeUndefined();
    expect(readdirSync(base)).toEqual([]);
  });

  it('makes nothing in a folder under a shared non-sticky folder', () => {
    const shared = temp();
    chmodSync(shared, 0o777);
    const home = join(shared, 'home');
    mkdirSync(home, { mode: 0o700 });
    expect(compileCacheFolder({ HOME: home }, [])).toBeUndefined();
    expect(readdirSync(home)).toEqual([]);
  });

  it('is used under a sticky shared folder when the next folder is mine and private, and not when it is readable', () => {
    // Under a private folder: /tmp itself is shared, and a shared folder in it would not be private.
    const shared = join(temp(), 'shared');
    mkdirSync(shared);
    chmodSync(shared, 0o1777);
    expect(compileCacheFolder({ XDG_CACHE_HOME: join(shared, 'mine') }, [])).toBe(join(shared, 'mine', ...FOLDER));
    mkdirSync(join(shared, 'open'), { mode: 0o755 });
    chmodSync(join(shared, 'open'), 0o755);
    expect(compileCacheFolder({ XDG_CACHE_HOME: join(shared, 'open') }, [])).toBeUndefined();
    expect(readdirSync(join(shared, 'open'))).toEqual([]);
  });

  // Another user's folder, for real: the suite runs as root (as in CI), which hands the folder to another
  // user. Run by anyone else, the tree stays this user's and the check runs under another uid.
  const isRoot = process.getuid?.() === 0;
  it.each([
    ['the cache root', [] as string[]],
    ['the dynsecret folder', ['dynsecret']],
    ['the cache folder', FOLDER],
  ])('is not used when %s belongs to another user', (_what, parts) => {
    const base = temp();
    mkdirSync(join(base, 'cache', ...parts), { recursive: true, mode: 0o700 });
    const other = isRoot ? 65534 : process.getuid!() + 1;
    if (isRoot) chownSync(join(base, 'cache', ...parts), other, other);
    const asUid = isRoot ? 0 : other;
    expect(compileCacheFolder({ XDG_CACHE_HOME: join(base, 'cache') }, [], { uid: asUid })).toBeUndefined();
  });
});

describe('the bins and the compile cache', () => {
  // A preloaded stand-in records what a bin asks of enableCompileCache, on any Node version.
  const spy = join(temp(), 'spy.cjs');
  writeFileSync(
    spy,
    "require('node:module').enableCompileCache = (...args) => { process.stderr.write('enableCompileCache(' + JSON.stringify(args) + ')\\n'); };\n",
  );
  const runBin = (bin: string, args: string[], env: Record<string, string>) =>
    spawnSync(process.execPath, ['--require', spy, '--', resolve(bin), ...args], {
      env: { PATH: process.env.PATH ?? '', DYNSECRET_HOME: temp(), NO_COLOR: '1', ...env },
      encoding: 'utf8',
    });

  it.each([['bin/dynsecret.js'], ['bin/dynsecret-atlas-emulator.js']])('%s passes its private folder', (bin) => {
    const base = temp();
    const result = runBin(bin, ['--help'], { HOME: temp(), XDG_CACHE_HOME: base });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toContain(`enableCompileCache(${JSON.stringify([join(base, ...FOLDER)])})`);
  });

  it('does not enable the cache when the folder is not private', () => {
    const base = temp();
    mkdirSync(join(base, 'dynsecret'));
    chmodSync(join(base, 'dynsecret'), 0o777);
    const result = runBin('bin/dynsecret.js', ['list', '--json'], { HOME: temp(), XDG_CACHE_HOME: base });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).not.toContain('enableCompileCache');
  });

  it.each([['--from-file'], ['--from-file=']])('does not enable the cache with %s, and makes nothing in HOME', (flag) => {
    const home = temp();
    const config = join(temp(), 'missing.json');
    const args = flag === '--from-file' ? ['list', flag, config] : ['list', `${flag}${config}`];
    const result = runBin('bin/dynsecret.js', args, { HOME: home });
    expect(result.stderr).toMatch(/missing\.json/);
    expect(result.stderr).not.toContain('enableCompileCache');
    expect(readdirSync(home)).toEqual([]);
  });

  it('makes nothing with HOME=/nonexistent', () => {
    const result = runBin('bin/dynsecret.js', ['list', '--from-file', join(temp(), 'missing.json')], { HOME: '/nonexistent' });
    expect(result.stderr).not.toContain('enableCompileCache');
    expect(existsSync('/nonexistent')).toBe(false);
  });
});
