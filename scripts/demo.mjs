// The main job end to end against the bundled Atlas emulator: create → lease (eval'd in a shell) → list →
// renew → revoke. Everything runs in a throwaway DYNSECRET_HOME; nothing touches a real Atlas project.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Chalk } from 'chalk';

const root = new URL('..', import.meta.url).pathname;
const dynsecret = join(root, 'bin/dynsecret.js');
const home = mkdtempSync(join(tmpdir(), 'dynsecret-demo-'));
// Bold headings on a terminal only: piped into a file or a CI log, the demo writes plain text.
const paint = new Chalk({ level: process.stdout.isTTY && !process.env.NO_COLOR ? 1 : 0 });
const say = (text) => console.log(`\n${paint.bold(`▶ ${text}`)}`);

const emulator = spawn(process.execPath, [join(root, 'bin/dynsecret-atlas-emulator.js'), '--port', '0', '--apply-delay', '2s'], {
  stdio: ['ignore', 'pipe', 'ignore'],
});
const first = await new Promise((resolve, reject) => {
  emulator.once('error', reject);
  createInterface({ input: emulator.stdout }).once('line', resolve);
});
const atlas = JSON.parse(first);
// `dynsecret` on PATH, as an installed package puts it, so each step reads as a user would type it.
const shims = mkdtempSync(join(tmpdir(), 'dynsecret-demo-bin-'));
writeFileSync(join(shims, 'dynsecret'), `#!/bin/sh\nexec '${process.execPath}' -- '${dynsecret}' "$@"\n`);
chmodSync(join(shims, 'dynsecret'), 0o755);
const env = {
  ...process.env,
  PATH: `${shims}:${process.env.PATH ?? ''}`,
  DYNSECRET_HOME: home,
  DYNSECRET_PASSPHRASE: 'demo passphrase, not a real one',
  MONGODB_ATLAS_PUBLIC_API_KEY: atlas.publicKey,
  MONGODB_ATLAS_PRIVATE_API_KEY: atlas.privateKey,
};

function shell(script) {
  console.log(
    script
      .split('\n')
      .map((line) => `  $ ${line}`)
      .join('\n'),
  );
  const result = spawnSync('sh', ['-c', script], { env, stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`the demo step failed with exit ${result.status}`);
}

/** `eval "$(dynsecret unlock)"`, as a shell runs it: the session key it exports is in the next steps' environment. */
function unlock() {
  console.log('  $ eval "$(dynsecret unlock)"');
  const result = spawnSync('dynsecret', ['unlock'], { env, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  const session = /^export DYNSECRET_SESSION='([^']+)'$/m.exec(result.stdout ?? '')?.[1];
  if (result.status !== 0 || session === undefined) throw new Error(`the demo step failed with exit ${result.status}`);
  env.DYNSECRET_SESSION = session;
  delete env.DYNSECRET_PASSPHRASE;
}

try {
  say(`An Atlas emulator is running at ${atlas.url} (project ${atlas.groupId}).`);
  say('Define a dynamic secret: leased users get readWrite on "app", on Cluster0, for 1h by default (8h at most).');
  shell(
    `dynsecret create app-db --group-id ${atlas.groupId} --base-url ${atlas.url} --role readWrite@app --scope Cluster0 --default-ttl 1h --max-ttl 8h`,
  );
  say('Unlock the store once for this shell: the commands after it skip the passphrase (and its key derivation).');
  unlock();
  shell('dynsecret list');
  say('Lease a user and load it into this shell; --wait returns once Atlas has applied it to the cluster.');
  shell(
    [
      'eval "$(dynsecret lease app-db --ttl 30m --wait)"',
      'echo "DB_USERNAME=$DB_USERNAME, a ${#DB_PASSWORD}-character password, lease expires $DYNSECRET_LEASE_EXPIRES_AT"',
      'echo "MONGODB_URI=$(echo "$MONGODB_URI" | sed "s/:[^:@]*@/:****@/")"',
      'dynsecret list app-db',
      'dynsecret renew "$DYNSECRET_LEASE_ID" --ttl 2h',
      'dynsecret revoke "$DYNSECRET_LEASE_ID"',
    ].join('\n'),
  );
  say('Or let dynsecret hold the lease for exactly as long as a command runs:');
  shell('dynsecret run app-db -- sh -c \'echo "the command runs as $DB_USERNAME"\'');
  shell('dynsecret list app-db');
  say('Done: every leased user was revoked. Atlas would also have deleted each one at its expiry.');
} finally {
  emulator.kill('SIGTERM');
  rmSync(home, { recursive: true, force: true });
  rmSync(shims, { recursive: true, force: true });
}
