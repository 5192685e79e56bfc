import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, lchownSync, mkdirSync, mkdtempSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Node 22.1+ keeps compiled bytecode between runs; `enableCompileCache()` without a folder would use one in the
 * shared temp folder, where another local user can plant bytecode. The bin passes a folder only this user can
 * write, or none. The choice is a small CommonJS helper beside the bin, tested here on any Node version.
 */
const require = createRequire(import.meta.url);
const { cacheFolderFor, privateCacheFolder } = require('../../../bin/compile-cache.js') as {
  cacheFolderFor(env: Record<string, string | undefined>, platform: string, home: string): string;
  privateCacheFolder(
    env: Record<string, string | undefined>,
    options?: { platform?: string; uid?: number; home?: string },
  ): string | undefined;
};

const temp = () => mkdtempSync(join(tmpdir(), 'dynsecret-cache-'));
const mode = (path: string) => (statSync(path).mode & 0o7777).toString(8);

describe('the compile cache folder', () => {
  it.each([
    ['linux', { XDG_CACHE_HOME: '/x/cache' }, '/x/cache/dynsecret/node-compile-cache'],
    ['linux', {}, '/home/u/.cache/dynsecret/node-compile-cache'],
    ['linux', { XDG_CACHE_HOME: 'relative/cache' }, '/home/u/.cache/dynsecret/node-compile-cache'],
    ['freebsd', { XDG_CACHE_HOME: '' }, '/home/u/.cache/dynsecret/node-compile-cache'],
    ['darwin', { XDG_CACHE_HOME: '/x/cache' }, '/home/u/Library/Caches/dynsecret/node-compile-cache'],
    [
      'win32',
      { LOCALAPPDATA: 'C:\\Users\\u\\AppData\\Local' },
      join('C:\\Users\\u\\AppData\\Local', 'dynsecret', 'Cache', 'node-compile-cache'),
    ],
  ])('on %s with %j is %s (the platform cache folder, as env-paths has it)', (platform, env, expected) => {
    expect(cacheFolderFor(env, platform, '/home/u')).toBe(expected);
  });

  it('is created 0700 under umask 000 and used', () => {
    const base = temp();
    const before = process.umask(0);
    try {
      const folder = privateCacheFolder({ XDG_CACHE_HOME: base });
      expect(folder).toBe(join(base, 'dynsecret', 'node-compile-cache'));
      expect(mode(folder!)).toBe('700');
      expect(mode(join(base, 'dynsecret'))).toBe('700');
    } finally {
      process.umask(before);
    }
  });

  it.each([
    [
      'its folder is writable by others',
      (base: string) => {
        mkdirSync(join(base, 'dynsecret', 'node-compile-cache'), { recursive: true });
        chmodSync(join(base, 'dynsecret', 'node-compile-cache'), 0o777);
      },
    ],
    [
      'its parent is writable by its group',
      (base: string) => {
        mkdirSync(join(base, 'dynsecret'));
        chmodSync(join(base, 'dynsecret'), 0o770);
      },
    ],
    [
      'it is a symlink',
      (base: string) => {
        mkdirSync(join(base, 'dynsecret'), { mode: 0o700 });
        mkdirSync(join(base, 'elsewhere'), { mode: 0o700 });
        symlinkSync(join(base, 'elsewhere'), join(base, 'dynsecret', 'node-compile-cache'));
      },
    ],
    [
      'it is a file',
      (base: string) => {
        mkdirSync(join(base, 'dynsecret'), { mode: 0o700 });
        writeFileSync(join(base, 'dynsecret', 'node-compile-cache'), '');
      },
    ],
    ['the cache root is world-writable without the sticky bit', (base: string) => chmodSync(base, 0o777)],
  ])('is not used when %s', (_what, plant) => {
    const base = temp();
    plant(base);
    expect(privateCacheFolder({ XDG_CACHE_HOME: base })).toBeUndefined();
  });

  it('is used under a sticky world-writable cache root (such as /tmp)', () => {
    const base = temp();
    chmodSync(base, 0o1777);
    expect(privateCacheFolder({ XDG_CACHE_HOME: base })).toBe(join(base, 'dynsecret', 'node-compile-cache'));
  });

  it('is not used when the folder cannot be made', () => {
    const base = temp();
    writeFileSync(join(base, 'dynsecret'), 'a file where the folder goes');
    expect(privateCacheFolder({ XDG_CACHE_HOME: base })).toBeUndefined();
  });

  // Only root can hand a folder to another user (CI runs as root); defined only then.
  if (process.getuid?.() === 0) {
    it.each([
      ['dynsecret', ['dynsecret']],
      ['node-compile-cache', ['dynsecret', 'node-compile-cache']],
    ])('is not used when another user made %s first', (_what, parts) => {
      const base = temp();
      mkdirSync(join(base, ...parts), { recursive: true, mode: 0o700 });
      lchownSync(join(base, ...parts), 65534, 65534);
      expect(privateCacheFolder({ XDG_CACHE_HOME: base })).toBeUndefined();
    });

    it('is not used under a cache root of another user', () => {
      const base = temp();
      lchownSync(base, 65534, 65534);
      expect(privateCacheFolder({ XDG_CACHE_HOME: base })).toBeUndefined();
    });
  }
});

describe('bin/dynsecret.js and the compile cache', () => {
  // Node 20 has no enableCompileCache: a preloaded stand-in records what the bin asks of it, on any version.
  const spy = join(temp(), 'spy.cjs');
  writeFileSync(
    spy,
    `
    const nodeModule = require('node:module');
    nodeModule.enableCompileCache = (...args) => { process.stderr.write('enableCompileCache(' + JSON.stringify(args) + ')\\n'); };
  `,
  );
  const runBin = (xdg: string) =>
    spawnSync(process.execPath, ['--require', spy, '--', resolve('bin/dynsecret.js'), 'list', '--json'], {
      env: { PATH: process.env.PATH, HOME: temp(), XDG_CACHE_HOME: xdg, DYNSECRET_HOME: temp(), NO_COLOR: '1' },
      encoding: 'utf8',
    });

  it('passes its private folder, never none', () => {
    const base = temp();
    const result = runBin(base);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toContain(`enableCompileCache(${JSON.stringify([join(base, 'dynsecret', 'node-compile-cache')])})`);
    expect(existsSync(join(base, 'dynsecret', 'node-compile-cache'))).toBe(true);
  });

  it('does not enable the cache when the folder is not private', () => {
    const base = temp();
    mkdirSync(join(base, 'dynsecret'), { mode: 0o777 });
    chmodSync(join(base, 'dynsecret'), 0o777);
    const result = runBin(base);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).not.toContain('enableCompileCache');
  });

  it('without enableCompileCache (Node before 22.1), keeps its own code cache there, and prints the same with it', () => {
    const withoutNodeCache = join(temp(), 'without.cjs');
    writeFileSync(withoutNodeCache, "delete require('node:module').enableCompileCache;\n");
    const base = temp();
    const env = { PATH: process.env.PATH, HOME: temp(), XDG_CACHE_HOME: base, DYNSECRET_HOME: temp(), NO_COLOR: '1' };
    const runOnce = () =>
      spawnSync(process.execPath, ['--require', withoutNodeCache, '--', resolve('bin/dynsecret.js'), 'list', '--help'], {
        env,
        encoding: 'utf8',
      });
    const first = runOnce();
    const second = runOnce();
    expect(first.status, first.stderr).toBe(0);
    expect(second.status, second.stderr).toBe(0);
    expect(second.stdout).toBe(first.stdout);
    expect(first.stdout).toContain('Usage: dynsecret list');
    const versions = join(base, 'dynsecret', 'node-compile-cache', `code-cache-${process.version}-${process.arch}`);
    const [installation] = readdirSync(versions);
    expect(readdirSync(join(versions, installation!))).toContain('dynsecret.js.v8-0');
  });
});
