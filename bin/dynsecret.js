#!/usr/bin/env sh
':' //; exec node -- "$0" "$@"
'use strict';
/* global require */
// CommonJS, as is the bundle it loads (see bin/package.json and scripts/build.mjs): Node starts a
// CommonJS program without its ES module machinery. `--version`, which scripts call often, is answered
// here without loading the bundle at all.
const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the version the bundle is built from
  const line = Buffer.from(`${require('../package.json').version}\n`);
  let written = 0;
  try {
    // A pipe, a socket or a file is written to directly, as the bundle writes its output (src/io.ts): making
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
  // Node 22.1+ keeps compiled code between runs, in a folder only this user can change (see
  // compile-cache-folder.js); Node 20 has no such cache and runs without one.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { enableCompileCache } = require('node:module');
  if (typeof enableCompileCache === 'function') {
    const folder = require('./compile-cache-folder.js').compileCacheFolder(process.env, args);
    if (folder !== undefined) enableCompileCache(folder);
  }
  require('../dist/dynsecret.js').main();
  /* eslint-enable @typescript-eslint/no-require-imports */
}
