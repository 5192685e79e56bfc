#!/usr/bin/env sh
':' //; exec node -- "$0" "$@"
'use strict';
/* global require */
// CommonJS like bin/dynsecret.js (see bin/package.json).
// The same compile cache as bin/dynsecret.js, in the same private folder, or none.
/* eslint-disable @typescript-eslint/no-require-imports */
const { enableCompileCache } = require('node:module');
if (typeof enableCompileCache === 'function') {
  const folder = require('./compile-cache-folder.js').compileCacheFolder(process.env, process.argv.slice(2));
  if (folder !== undefined) enableCompileCache(folder);
}
require('../dist/emulator.js').main();
/* eslint-enable @typescript-eslint/no-require-imports */
