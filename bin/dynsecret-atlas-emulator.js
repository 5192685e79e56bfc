#!/usr/bin/env sh
':' //; exec node -- "$0" "$@"
'use strict';
/* global require */
// CommonJS like bin/dynsecret.js (see bin/package.json).
try {
  // The same private folder as bin/dynsecret.js, never the shared default in the temp folder.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { enableCompileCache } = require('node:module');
  if (typeof enableCompileCache === 'function') {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const folder = require('./compile-cache.js').privateCacheFolder(process.env);
    if (folder !== undefined) enableCompileCache(folder);
  }
} catch {
  // a cache that cannot be used is only a missed speed-up
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
require('../dist/emulator.js').main();
