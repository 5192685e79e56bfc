'use strict';
/* global require, module */
// Compiled bytecode kept between runs. CommonJS and built-in modules only: the bin loads it on every start.
//
// The folder, chosen so that only this user can write it. Without a folder, Node's compile cache (22.1+) uses
// one in the shared temp folder, where another local user could plant bytecode that would then run inside
// dynsecret.
//
// Before Node 22.1, which has no compile cache, `installCodeCache` keeps V8's code cache for dynsecret's own
// files (dist/) itself. Compiling the bundle is a large part of what a short command costs: V8 parses every file
// it loads, and compiles each function the first time it runs. With the cache, a file's bytecode (the functions
// compiled in an earlier run included) is read back instead.
// - An entry holds a byte-for-byte copy of the source it was made from, and is used only for exactly that
//   source: V8 itself checks only the source's length, its own version and its flags. It holds its cached data
//   twice, used only when both copies are the same (see cachedDataFor).
// - Entries live in the private folder, one folder per Node version and per installation; each is written whole
//   and synced (a temp file renamed over it), 0600.
// - V8 refuses an entry made under other flags. dynsecret changes one flag while it runs (src/atlas/transport.ts
//   asks for the quick WebAssembly compile before undici loads) and says so with the process event
//   `dynsecret:v8-flags`: the files compiled until then are cached under the flags they were compiled with, and
//   those compiled later under the new ones, in entries of their own.
// - New entries are written when the process exits (or when the flags change), so they hold the functions the
//   command compiled; an entry that V8 took is not written again.
// Anything that goes wrong leaves the file compiled as Node compiles it: a cache is only ever a speed-up.
/* eslint-disable @typescript-eslint/no-require-imports */
const {
  closeSync,
  existsSync,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
} = require('node:fs');
const { dirname, isAbsolute, join, relative, sep } = require('node:path');

/** The platform cache folder as env-paths has it (`cache`), plus dynsecret's name and the cache's own. */
function cacheFolderFor(env, platform, home) {
  if (platform === 'win32') return join(env.LOCALAPPDATA || join(home, 'AppData', 'Local'), 'dynsecret', 'Cache', 'node-compile-cache');
  const base =
    platform === 'darwin'
      ? join(home, 'Library', 'Caches')
      : env.XDG_CACHE_HOME && isAbsolute(env.XDG_CACHE_HOME)
        ? env.XDG_CACHE_HOME
        : join(home, '.cache');
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

const MAGIC = Buffer.from('dynsecret code cache 2\n', 'latin1');
const HEADER_BYTES = MAGIC.length + 8;
/** Entries end with the flag epoch they were made in (see `dynsecret:v8-flags`). */
const ENTRY = /\.v8-(\d+)$/;

/** FNV-1a of a path: names one installation's folder of entries. A name, not a check: entries check themselves. */
function pathHash(text) {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(16).padStart(8, '0');
}

/**
 * The cached data in the entry at `path` if it was made from exactly `source`, else undefined. An entry is its
 * header, the source, and the cached data twice: V8 does not check that cached data is intact (damaged data can
 * crash the process), and comparing two copies is a memcmp where a checksum would need a module that costs more
 * to load than the cache saves.
 */
function cachedDataFor(path, source) {
  let entry;
  try {
    entry = readFileSync(path);
  } catch {
    return undefined;
  }
  if (entry.length < HEADER_BYTES || !entry.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
  const sourceBytes = entry.readUInt32LE(MAGIC.length);
  const dataBytes = entry.readUInt32LE(MAGIC.length + 4);
  if (sourceBytes !== source.length || dataBytes === 0 || entry.length !== HEADER_BYTES + sourceBytes + 2 * dataBytes) return undefined;
  const dataAt = HEADER_BYTES + sourceBytes;
  if (!source.equals(entry.subarray(HEADER_BYTES, dataAt))) return undefined;
  const data = entry.subarray(dataAt, dataAt + dataBytes);
  return data.equals(entry.subarray(dataAt + dataBytes)) ? data : undefined;
}

/** Writes an entry whole and durably: a temp file of this process, synced, then renamed over the entry. */
function writeEntry(path, source, data) {
  const header = Buffer.alloc(HEADER_BYTES);
  MAGIC.copy(header);
  header.writeUInt32LE(source.length, MAGIC.length);
  header.writeUInt32LE(data.length, MAGIC.length + 4);
  const temp = `${path}.${process.pid}.tmp`;
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const fd = openSync(temp, 'wx', 0o600);
    try {
      writeFileSync(fd, Buffer.concat([header, source, data, data]));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
  } catch {
    try {
      unlinkSync(temp);
    } catch {
      // never made
    }
  }
}

/** Removes the entries of files that are no longer in `dist` (an upgrade renames its chunks), and stray temp files. */
function pruneEntries(root, dist) {
  const visit = (folder) => {
    let names;
    try {
      names = readdirSync(folder, { withFileTypes: true });
    } catch {
      return;
    }
    for (const item of names) {
      const path = join(folder, item.name);
      if (item.isDirectory()) {
        visit(path);
        continue;
      }
      const source = item.name.replace(ENTRY, '');
      const stale = source === item.name || !existsSync(join(dist, relative(root, folder), source));
      if (stale && !item.name.endsWith(`.${process.pid}.tmp`)) {
        try {
          unlinkSync(path);
        } catch {
          // removed meanwhile
        }
      }
    }
  };
  visit(root);
}

/** Node's `require` for a module loaded here, as its own loader makes it. */
function requireFor(Module, loaded, main) {
  const require = (id) => loaded.require(id);
  require.resolve = (request, options) => Module._resolveFilename(request, loaded, false, options);
  require.resolve.paths = (request) => Module._resolveLookupPaths(request, loaded);
  require.main = main;
  require.extensions = Module._extensions;
  require.cache = Module._cache;
  return require;
}

/**
 * Loads the `.js` files under `dist` through the cache kept under `folder` (a private folder). Returns the folder
 * of this installation's entries.
 */
function installCodeCache(folder, dist) {
  const Module = require('node:module');
  const { Script, constants } = require('node:vm');
  const { isAscii } = require('node:buffer');
  // import() as Node's own loader has it, where Node has the constant for it (20.12+); the bundle has none.
  const dynamicImport =
    constants && constants.USE_MAIN_CONTEXT_DEFAULT_LOADER ? { importModuleDynamically: constants.USE_MAIN_CONTEXT_DEFAULT_LOADER } : {};
  const root = join(folder, `code-cache-${process.version}-${process.arch}`, pathHash(dist));
  const inside = `${dist}${sep}`;
  let epoch = 0;
  let fresh = [];
  const load = Module._extensions['.js'];
  Module._extensions['.js'] = function loadThroughCodeCache(loaded, filename) {
    if (!filename.startsWith(inside)) return load.call(this, loaded, filename);
    const source = readFileSync(filename);
    const path = join(root, `${relative(dist, filename)}.v8-${epoch}`);
    const cachedData = cachedDataFor(path, source);
    // The bundle is ASCII (esbuild escapes the rest), whose Latin-1 decoding is a copy; UTF-8 otherwise.
    const text = isAscii(source) ? source.toString('latin1') : source.toString('utf8');
    const script = new Script(Module.wrap(text), { filename, cachedData, ...dynamicImport });
    if (cachedData === undefined || script.cachedDataRejected) fresh.push({ path, source, script });
    const compiled = script.runInThisContext({ displayErrors: true });
    compiled.call(loaded.exports, loaded.exports, requireFor(Module, loaded, require.main), loaded, filename, dirname(filename));
  };
  const flush = () => {
    if (fresh.length === 0) return;
    const made = fresh;
    fresh = [];
    for (const { path, source, script } of made) {
      try {
        writeEntry(path, source, script.createCachedData());
      } catch {
        // not cached this time
      }
    }
    pruneEntries(root, dist);
  };
  process.on('dynsecret:v8-flags', () => {
    flush();
    epoch += 1;
  });
  process.once('exit', flush);
  return root;
}

module.exports = { cacheFolderFor, privateCacheFolder, installCodeCache, cachedDataFor };
