'use strict';
// The other half of the first lines of dynsecret.js. When a secret variable is set, the shell part moves
// the secret variables out of the environment Node is started with (whose copy any process of the same
// user can read in /proc/PID/environ, for as long as the process lives) into a here-document on file
// descriptor 9, and sets DYNSECRET_SECRET_FD=9. This reads that document back into process.env, which
// lives in this process's memory only, and closes the descriptor before anything else runs, so that no
// process `dynsecret run` starts can inherit it or open it through /proc/PID/fd.
//
// The document: for each variable that was set, a line `NAME COUNT` and then its value, which holds COUNT
// newlines, followed by one newline; the whole document is prefixed with `//` and ends with one more
// newline, both from the here-document itself.
/* global require, module */
/* eslint-disable @typescript-eslint/no-require-imports */

/** The variables the shell part moves; the names are checked so the document cannot set anything else. */
const MOVED = new Set(['DYNSECRET_PASSPHRASE', 'DYNSECRET_SESSION', 'MONGODB_ATLAS_PRIVATE_API_KEY', 'MONGODB_ATLAS_CLIENT_SECRET']);

/** Parses the document; throws on anything the shell part does not write. */
function parseSecretDocument(text) {
  if (!text.startsWith('//') || !text.endsWith('\n')) throw new Error('not a secret document');
  const lines = text.slice(2, -1).split('\n');
  const values = new Map();
  let at = 0;
  // The document ends with the newline after the last value: an empty line, the last one.
  while (at < lines.length - 1) {
    const header = /^([A-Z_]+) (\d{1,9})$/.exec(lines[at]);
    if (header === null || !MOVED.has(header[1])) throw new Error('not a secret document');
    const count = Number(header[2]);
    if (at + 1 + count >= lines.length) throw new Error('not a secret document');
    values.set(header[1], lines.slice(at + 1, at + 2 + count).join('\n'));
    at += 2 + count;
  }
  if (at !== lines.length - 1 || lines[at] !== '') throw new Error('not a secret document');
  return values;
}

/** Moves the secrets from descriptor `fd` into `env` and closes the descriptor. */
function takeSecrets(env, fd) {
  const { closeSync, readFileSync } = require('node:fs');
  try {
    const document = readFileSync(fd, 'utf8');
    for (const [name, value] of parseSecretDocument(document)) env[name] = value;
  } finally {
    closeSync(fd);
  }
}

module.exports = { parseSecretDocument, takeSecrets };
