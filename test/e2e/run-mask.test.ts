import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, DYNSECRET, hasScript, until } from '../helpers/bin.js';
import { startEmulator, usersOf, workspace, type Emulator, type Workspace } from '../helpers/emulator.js';

let em: Emulator;
let ws: Workspace;

beforeAll(async () => {
  em = await startEmulator(['--apply-delay', '0s']);
  ws = await workspace(em, [{ name: 'app-db' }]);
});

/** Every byte value, so that the relay is seen to pass binary output untouched. */
const ALL_BYTES = Buffer.from(Array.from({ length: 256 }, (_, i) => i));

/**
 * A command (Node, run under `dynsecret run`) that writes its credentials to a side file for the test, then
 * its password in two writes on stdout and on stderr, and between them waits for the test to create `go`:
 * the pause is the test's to end. It tells the test it paused by creating `paused`.
 */
const SPLIT_WRITER = `
const fs = require('node:fs');
const [secrets, paused, go] = process.argv.slice(2);
const { DB_PASSWORD: pw, MONGODB_URI: uri } = process.env;
fs.writeFileSync(secrets, JSON.stringify({ pw, uri }));
const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
fs.writeSync(1, Buffer.concat([all, Buffer.from('pw=' + pw.slice(0, 20))]));
fs.writeSync(2, 'err=' + pw.slice(0, 7));
fs.writeFileSync(paused, '');
const wait = () => (fs.existsSync(go) ? finish() : setTimeout(wait, 10));
const finish = () => {
  fs.writeSync(1, Buffer.concat([Buffer.from(pw.slice(20) + '\\n' + uri + '\\n'), all]));
  fs.writeSync(2, Buffer.concat([Buffer.from(pw.slice(7) + '\\n'), all]));
  process.exitCode = 5;
};
wait();
`;

interface Captured {
  code: number | null;
  stdout: Buffer;
  stderr: Buffer;
}

/** Starts `dynsecret ARGS` with stdout and stderr captured as bytes (never decoded). */
function start(args: string[], env: Record<string, string> = ws.env) {
  const child = spawn(process.execPath, ['--', DYNSECRET, ...args], {
    env: cleanEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
  const done = new Promise<Captured>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out), stderr: Buffer.concat(err) }));
  });
  return { child, done, stdout: () => Buffer.concat(out), stderr: () => Buffer.concat(err) };
}

function splitWriter(flags: string[] = []) {
  const folder = mkdtempSync(join(tmpdir(), 'dynsecret-mask-'));
  const files = { secrets: join(folder, 'secrets.json'), paused: join(folder, 'paused'), go: join(folder, 'go') };
  const script = join(folder, 'writer.cjs');
  writeFileSync(script, SPLIT_WRITER);
  const running = start(['run', 'app-db', '--no-wait', ...flags, '--', process.execPath, script, files.secrets, files.paused, files.go]);
  return { ...running, files, secrets: () => JSON.parse(readFileSync(files.secrets, 'utf8')) as { pw: string; uri: string } };
}

describe('dynsecret run masks secrets in output that is not a terminal', () => {
  it('never shows the password, written in two pieces with a pause, on stdout or stderr; every other byte is intact', async () => {
    const running = splitWriter();
    await until(() => existsSync(running.files.paused) && running.stdout().includes('pw='));
    const { pw, uri } = running.secrets();
    // Forwarded at once: everything before the piece of the password, which is held back.
    expect(running.stdout()).toEqual(Buffer.concat([ALL_BYTES, Buffer.from('pw=')]));
    expect(running.stderr().toString('latin1')).not.toContain(pw.slice(0, 7));
    writeFileSync(running.files.go, '');
    const result = await running.done;

    expect(result.code).toBe(5);
    const maskedUri = uri.replace(encodeURIComponent(pw), '***');
    expect(maskedUri).toMatch(/^mongodb\+srv:\/\/ds-app-db-[a-z0-9]+:\*\*\*@/);
    expect(result.stdout).toEqual(Buffer.concat([ALL_BYTES, Buffer.from(`pw=***\n${maskedUri}\n`), ALL_BYTES]));
    const stderr = result.stderr.toString('latin1');
    expect(stderr).toContain(Buffer.concat([Buffer.from('err=***\n'), ALL_BYTES]).toString('latin1'));
    expect(stderr).toMatch(/Revoked ds-app-db-/);
    for (const output of [result.stdout, result.stderr]) {
      expect(output.includes(pw)).toBe(false);
      expect(output.includes(encodeURIComponent(pw))).toBe(false);
    }
    expect(await usersOf(em, 'app-db')).toEqual([]);
  });

  it('shows it with --no-mask', async () => {
    const running = splitWriter(['--no-mask']);
    await until(() => existsSync(running.files.paused));
    writeFileSync(running.files.go, '');
    const result = await running.done;
    const { pw, uri } = running.secrets();
    expect(result.code).toBe(5);
    expect(result.stdout).toEqual(Buffer.concat([ALL_BYTES, Buffer.from(`pw=${pw}\n${uri}\n`), ALL_BYTES]));
    expect(result.stderr.toString('latin1')).toContain(`err=${pw}\n`);
  });

  it('masks the percent-encoded forms of the password too', async () => {
    const script = `printf '%s|' "$DB_PASSWORD" "$(printf %s "$DB_PASSWORD" | sed 's/~/%7E/g')" "$(printf %s "$DB_PASSWORD" | sed 's/~/%7e/g')" "$MONGODB_URI"`;
    const result = await start(['run', 'app-db', '--no-wait', '--', 'sh', '-c', script]).done;
    expect(result.code).toBe(0);
    expect(result.stdout.toString()).toMatch(/^\*\*\*\|\*\*\*\|\*\*\*\|mongodb\+srv:\/\/ds-app-db-[a-z0-9]+:\*\*\*@[^|]+\|$/);
  });

  it('masks through ordinary pipes where no Unix socket can be made (no temporary folder)', async () => {
    const env = { ...ws.env, TMPDIR: join(tmpdir(), 'dynsecret-no-such-folder') };
    const script = 'printf "out %s\\n" "$DB_PASSWORD"; printf "err %s\\n" "$DB_PASSWORD" >&2; exit 6';
    const result = await start(['run', 'app-db', '--no-wait', '--', 'sh', '-c', script], env).done;
    expect(result.code).toBe(6);
    expect(result.stdout.toString()).toBe('out ***\n');
    expect(result.stderr.toString()).toContain('err ***\n');
  });

  it('loses nothing the command wrote just before it exited', async () => {
    const script = `head -c 3000000 /dev/zero; printf 'pw=%s\\n' "$DB_PASSWORD"; printf 'last line\\n' >&2`;
    const result = await start(['run', 'app-db', '--no-wait', '--', 'sh', '-c', `${script}; exit 4`]).done;
    expect(result.code).toBe(4);
    expect(result.stdout.length).toBe(3_000_000 + 'pw=***\n'.length);
    expect(result.stdout.subarray(3_000_000).toString()).toBe('pw=***\n');
    expect(result.stderr.toString()).toMatch(/last line\n(.|\n)*Revoked ds-app-db-/);
  });

  it('passes death by a signal on, output included', async () => {
    const result = await start(['run', 'app-db', '--no-wait', '--', 'sh', '-c', 'echo "before $DB_PASSWORD"; kill -TERM $$']).done;
    expect(result.code).toBe(143);
    expect(result.stdout.toString()).toBe('before ***\n');
  });

  it('relays SIGTERM to the command while relaying its output', async () => {
    const running = start([
      'run',
      'app-db',
      '--no-wait',
      '--',
      'sh',
      '-c',
      'trap "echo trapped; exit 3" TERM; echo ready; while :; do sleep 0.05; done',
    ]);
    await until(() => running.stdout().includes('ready'));
    running.child.kill('SIGTERM');
    const result = await running.done;
    expect(result.code).toBe(3);
    expect(result.stdout.toString()).toBe('ready\ntrapped\n');
  });

  it('does not wait for a background process that keeps the output open', async () => {
    const pidFile = join(mkdtempSync(join(tmpdir(), 'dynsecret-mask-')), 'pid');
    const script = `sleep 300 & echo $! > '${pidFile}'; echo started`;
    const result = await start(['run', 'app-db', '--no-wait', '--', 'sh', '-c', script]).done;
    process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGKILL');
    expect(result.code).toBe(0);
    expect(result.stdout.toString()).toBe('started\n');
    expect(result.stderr.toString()).toMatch(/Revoked ds-app-db-/);
  });

  it('stops the command from writing when nobody reads the output any more', async () => {
    const running = start(['run', 'app-db', '--no-wait', '--', 'yes', 'y']);
    await until(() => running.stdout().length > 0);
    running.child.stdout.destroy();
    const result = await running.done;
    expect(result.code).not.toBe(0);
    expect(result.stderr.toString()).toMatch(/Revoked ds-app-db-/);
  });
});

describe.skipIf(!hasScript)('on a terminal (script(1) gives dynsecret a pseudo-terminal)', () => {
  /** What the terminal shows of `dynsecret run app-db -- sh -c SHELL` with `redirect` applied to dynsecret. */
  const onTerminal = async (shell: string, redirect = '') => {
    const command = `'${process.execPath}' -- '${DYNSECRET}' run app-db --no-wait -- sh -c '${shell}' ${redirect}`;
    const { stdout } = await promisify(execFile)('script', ['-qec', command, '/dev/null'], {
      env: cleanEnv({ TERM: 'xterm', ...ws.env }),
    });
    return stdout.replaceAll('\r\n', '\n');
  };

  it('the command keeps the terminal, and its output is not relayed', async () => {
    expect(await onTerminal('[ -t 1 ] && [ -t 2 ] && echo "both terminals pw=$DB_PASSWORD"')).toMatch(
      /both terminals pw=[A-Za-z0-9._~-]{40}\n/,
    );
  });

  it('stdout and stderr are decided each on its own', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'dynsecret-mask-')), 'stderr');
    const shell = '[ -t 1 ] && echo "tty pw=$DB_PASSWORD"; [ -t 2 ] || echo "file pw=$DB_PASSWORD" >&2';
    expect(await onTerminal(shell, `2>'${file}'`)).toMatch(/tty pw=[A-Za-z0-9._~-]{40}\n/);
    expect(readFileSync(file, 'utf8')).toContain('file pw=***\n');
  });
});
