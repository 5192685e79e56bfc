#!/usr/bin/env sh
':' //; case ${DYNSECRET_PASSPHRASE+1}${DYNSECRET_SESSION+1}${MONGODB_ATLAS_PRIVATE_API_KEY+1}${MONGODB_ATLAS_CLIENT_SECRET+1} in '') exec node -- "$0" "$@";; esac
':' //; # A secret variable is set: move the secrets to a here-document on fd 9 (see secret-fd.js) and out of the
':' //; # environment, whose copy in /proc/PID/environ a process of the same user (`run`'s command) could read.
':' //; unset _ds_p _ds_n _ds_v _ds_r _ds_c; _ds_nl='
':' //;'; _ds_nl=${_ds_nl%"${_ds_nl#?}"}; _ds_p=
':' //; for _ds_n in DYNSECRET_PASSPHRASE DYNSECRET_SESSION MONGODB_ATLAS_PRIVATE_API_KEY MONGODB_ATLAS_CLIENT_SECRET; do
':' //;   eval "[ -n \"\${$_ds_n+1}\" ]" || continue; eval "_ds_v=\$$_ds_n"; _ds_r=$_ds_v; _ds_c=0
':' //;   while :; do case $_ds_r in *"$_ds_nl"*) _ds_r=${_ds_r#*"$_ds_nl"}; _ds_c=$((_ds_c + 1)) ;; *) break ;; esac; done
':' //;   _ds_p="$_ds_p$_ds_n $_ds_c$_ds_nl$_ds_v$_ds_nl"; unset "$_ds_n"
':' //; done; unset _ds_n _ds_v _ds_r _ds_c _ds_nl; DYNSECRET_SECRET_FD=9; export DYNSECRET_SECRET_FD
':' //; exec node -- "$0" "$@" 9<<//DYNSECRET_SECRETS
//$_ds_p
//DYNSECRET_SECRETS
'use strict';
/* global require */
if (process.env.DYNSECRET_SECRET_FD === '9') {
  // Set by the lines above: the secrets wait on fd 9. Nothing else reads the environment before this.
  delete process.env.DYNSECRET_SECRET_FD;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('./secret-fd.js').takeSecrets(process.env, 9);
  } catch {
    // no descriptor 9 (the variable came from elsewhere) or not the document: the environment is as given
  }
}
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
