'use strict';
/* global require, module */
// The folder for Node's compile cache (22.1+), chosen so that only this user can write it. Without a folder,
// Node uses one in the shared temp folder, where another local user could plant bytecode that would then run
// inside dynsecret. CommonJS and built-in modules only: the bin loads it on every start.
/* eslint-disable @typescript-eslint/no-require-imports */
const { lstatSync, mkdirSync, statSync } = require('node:fs');
const { isAbsolute, join } = require('node:path');

/** The platform cache folder as env-paths has it (`cache`), plus dynsecret's name and the cache's own. */
function cacheFolderFor(env, platform, home) {
  if (platform === 'win32') return join(env.LOCALAPPDATA || join(home, 'AppData', 'Local'), 'dynsecret', 'Cache', 'node-compile-cache');
  const base = platform === 'darwin'
    ? join(home, 'Library', 'Caches')
    : env.XDG_CACHE_HOME && isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : join(home, '.cache');
  return join(base, 'dynsecret', 'node-compile-cache');
}

/**
 * The cache folder, created 0700, or undefined when it cannot be trusted: the cache root (followed if a link)
 * must be this user's or root's and not writable by others unless sticky (like /tmp); the folders dynsecret
 * makes below it must be real folders (not links) of this user that no one else can write to.
 */
function privateCacheFolder(env, options) {
  const platform = (options && options.platform) || process.platform;
  const uid = options && options.uid !== undefined ? options.uid : process.getuid && process.getuid();
  const home = (options && options.home) || env.HOME || env.USERPROFILE || require('node:os').homedir();
  const folder = cacheFolderFor(env, platform, home);
  try {
    mkdirSync(folder, { recursive: true, mode: 0o700 });
    if (uid === undefined) return folder; // Windows: the per-user local application data folder
    const dynsecretFolder = join(folder, '..');
    const root = join(dynsecretFolder, '..');
    const rootStats = statSync(root);
    const shared = (rootStats.mode & 0o022) !== 0;
    if (!rootStats.isDirectory() || (rootStats.uid !== uid && rootStats.uid !== 0) || (shared && (rootStats.mode & 0o1000) === 0)) {
      return undefined;
    }
    for (const path of [dynsecretFolder, folder]) {
      const stats = lstatSync(path);
      if (!stats.isDirectory() || stats.uid !== uid || (stats.mode & 0o022) !== 0) return undefined;
    }
    return folder;
  } catch {
    return undefined;
  }
}

module.exports = { cacheFolderFor, privateCacheFolder };
