#!/usr/bin/env sh
':' //; exec node -- "$0" "$@"
'use strict';
/* global require */
// CommonJS like bin/dynsecret.js (see bin/package.json).
try {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('node:module').enableCompileCache?.();
} catch {
  // a cache that cannot be used is only a missed speed-up
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
require('../dist/emulator.js').main();
