'use strict';
/* global require, module */
// The folder the bins give Node's compile cache (`module.enableCompileCache`, Node 22.1+). CommonJS and
// built-in modules only: it runs on every start, before the bundle loads.
//
// Node's default folder is in the shared temp folder, where another local user could plant compiled code that
// would then run inside dynsecret. This folder is `$XDG_CACHE_HOME/dynsecret/compile-cache` (when
// XDG_CACHE_HOME is an absolute path) or `$HOME/.cache/dynsecret/compile-cache`, and it is used only if no one
// but this user (and root) can change what that path leads to. Any doubt means no cache: a cache is only
// ever a speed-up.
/* eslint-disable @typescript-eslint/no-require-imports */
const { closeSync, constants, fstatSync, lstatSync, mkdirSync, openSync, realpathSync } = require('node:fs');
const { dirname, isAbsolute, join, parse } = require('node:path');

/** The folders dynsecret makes under the cache root, in order; both are kept 0700. */
const OWN_FOLDERS = ['dynsecret', 'compile-cache'];

/** The cache root: XDG_CACHE_HOME when it is absolute (the XDG rule), else HOME/.cache; undefined without either. */
function cacheRoot(env) {
  if (env.XDG_CACHE_HOME && isAbsolute(env.XDG_CACHE_HOME)) return env.XDG_CACHE_HOME;
  if (env.HOME && isAbsolute(env.HOME)) return join(env.HOME, '.cache');
  return undefined;
}

/** A store-less run (`--from-file`) writes nothing outside the paths its user named: no cache either. */
function isStoreless(args) {
  return args.some((arg) => arg === '--from-file' || arg.startsWith('--from-file='));
}

/**
 * Whether a path is this user's to trust, given the stats (lstat, or fstat of an opened folder) of each of
 * its folders from `/` down, the last `own` of them being dynsecret's own folders. Every entry must be a
 * folder (a symlink is not one: the path is resolved before it is checked). dynsecret's folders must be this
 * user's and private (no access for group or others). A folder above them must be this user's or root's, and
 * writable by no one else, except a sticky folder such as /tmp: there only its owner or root can rename or
 * remove an entry, so it is accepted when the next folder is this user's and private. A sticky shared folder
 * that is last (nothing made in it yet) is accepted: what is made next is checked when it exists.
 */
function isPrivatePath(chain, uid, own) {
  return chain.every((stats, i) => {
    if (!stats.isDirectory()) return false;
    const mine = stats.uid === uid && (stats.mode & 0o077) === 0;
    if (i >= chain.length - own) return mine;
    if (stats.uid !== uid && stats.uid !== 0) return false;
    if ((stats.mode & 0o022) === 0) return true;
    if ((stats.mode & 0o1000) === 0) return false;
    const next = chain[i + 1];
    return next === undefined || (next.isDirectory() && next.uid === uid && (next.mode & 0o077) === 0);
  });
}

/** The lstat of each folder from the root of the file system down to the absolute path `folder`. */
function ancestry(folder, fs) {
  const paths = [];
  for (let path = folder; ; path = dirname(path)) {
    paths.unshift(path);
    if (path === parse(path).root) break;
  }
  return paths.map((path) => fs.lstat(path));
}

/** Makes one folder, 0700, unless it exists. Never its parents. */
function makeFolder(path, fs) {
  try {
    fs.mkdir(path);
  } catch (error) {
    if (error.code !== 'EEXIST') throw error;
  }
}

/** The stats of the folder at `path`, opened without following a symlink, from its descriptor. */
function openedFolderStats(path) {
  const fd = openSync(path, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
  try {
    return fstatSync(fd);
  } finally {
    closeSync(fd);
  }
}

const realFs = {
  lstat: (path) => lstatSync(path),
  realpath: (path) => realpathSync(path),
  mkdir: (path) => mkdirSync(path, { mode: 0o700 }),
  openedStats: openedFolderStats,
};

/**
 * The compile cache folder for a run with these arguments, made if needed, or undefined: for a store-less
 * run, without an absolute XDG_CACHE_HOME or HOME, without a user id (Windows), or when a check fails. The
 * cache root's parent must exist; nothing is made before the folders above it are checked.
 */
function compileCacheFolder(env, args, { uid = process.getuid?.(), fs = realFs } = {}) {
  if (isStoreless(args) || uid === undefined) return undefined;
  const root = cacheRoot(env);
  if (root === undefined) return undefined;
  try {
    // The path is resolved first (a symlinked ~/.cache is common), and the resolved path is what Node gets.
    if (!isPrivatePath(ancestry(fs.realpath(dirname(root)), fs), uid, 0)) return undefined;
    makeFolder(root, fs);
    let folder = fs.realpath(root);
    const chain = ancestry(folder, fs);
    if (!isPrivatePath(chain, uid, 0)) return undefined;
    for (const [i, name] of OWN_FOLDERS.entries()) {
      folder = join(folder, name);
      makeFolder(folder, fs);
      chain.push(fs.openedStats(folder));
      if (!isPrivatePath(chain, uid, i + 1)) return undefined;
    }
    return folder;
  } catch {
    return undefined;
  }
}

module.exports = { cacheRoot, compileCacheFolder, isPrivatePath, isStoreless };
