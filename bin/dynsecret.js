#!/usr/bin/env sh
':' //; exec node -- "$0" "$@"
'use strict';
/* global require, __dirname */
// CommonJS, as is the bundle it loads (see bin/package.json and scripts/build.mjs): Node starts a
// CommonJS program without its ES module machinery. `--version`, which scripts call often, is answered
// here without loading the bundle at all.
const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the version the bundle is built from
  const line = Buffer.from(`${require('../package.json').version}\n`);
  let written = 0;
  try {
    // A pipe, a socket or a file is written to directly, as the bundle writes its output (src/cli/io.ts): making
    // process.stdout for a pipe costs more than the rest of this answer.
    /* eslint-disable-next-line @typescript-eslint/no-require-imports */
    const { fstatSync, writeSync } = require('node:fs');
    const stats = process.platform === 'win32' ? undefined : fstatSync(1);
    if (stats !== undefined && (stats.isFIFO() || stats.isSocket() || stats.isFile())) written = writeSync(1, line);
  } catch (error) {
    // A reader that went away (`dynsecret --version | head -c 0`) wants nothing more; anything else, the stream takes.
    if (error && error.code === 'EPIPE') written = line.length;
  }
  if (written < line.length) {
    process.stdout.on('error', (error) => {
      if (error.code !== 'EPIPE') throw error;
    });
    process.stdout.write(line.subarray(written));
  }
} else {
  try {
    // Compiled bytecode is kept between runs, in a folder only this user can write (never the shared default in
    // the temp folder; see compile-cache.js): by Node itself from 22.1, by compile-cache.js before that.
    /* eslint-disable @typescript-eslint/no-require-imports */
    const { enableCompileCache } = require('node:module');
    const { privateCacheFolder, installCodeCache } = require('./compile-cache.js');
    const folder = privateCacheFolder(process.env);
    if (folder !== undefined) {
      if (typeof enableCompileCache === 'function') enableCompileCache(folder);
      else installCodeCache(folder, require('node:path').join(__dirname, '..', 'dist'));
    }
    /* eslint-enable @typescript-eslint/no-require-imports */
  } catch {
    // a cache that cannot be used is only a missed speed-up
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('../dist/dynsecret.js').main();
}
