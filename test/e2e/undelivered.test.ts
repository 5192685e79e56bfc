import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanEnv, collected, DYNSECRET, startDynsecret, until, type RunResult } from '../helpers/bin.js';
import { cli } from '../helpers/cli.js';
import { configFile } from '../helpers/config-file.js';
import { leaseRecords, startEmulator, usersOf, workspace, type Emulator } from '../helpers/emulator.js';

/**
 * Nothing undelivered stays alive: a lease whose credentials nobody received (a --wait timeout, a signal during
 * the wait, a stdout closed before the write or that cannot be written, an env file that cannot be written) is
 * revoked before dynsecret exits, and the message says so. Each case runs the built bin against an emulator of
 * its own and ends by asking the emulator's state: no user is left. What needs a process (signals, a closed or
 * full stdout, a file removed while the command waits) runs the bin; a --wait timeout runs in this process
 * (helpers/cli.ts), and the revoke command a message names runs through the bin.
 */

const REVOKED = /lease (ds-app-db-[a-z0-9]+) was revoked, since nobody received its credentials\.$/m;
const STACK = /^\s+at .+[(:]\d+/m;

/** An emulator that takes a minute to apply each user, and a `--from-file` config for it. */
async function slowAtlas(): Promise<{ em: Emulator; file: ReturnType<typeof configFile> }> {
  const em = await startEmulator(['--apply-delay', '1m', '--quiet']);
  return { em, file: configFile(em) };
}

/** `dynsecret ARGS`, its stdout a pipe this side closes at once: the write comes after the reader went away. */
function withClosedStdout(args: string[], env: Record<string, string>): Promise<RunResult> {
  const child = spawn(process.execPath, ['--', DYNSECRET, ...args], {
    env: cleanEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.destroy();
  return collected(child);
}

/** Starts `dynsecret ARGS` and sends `signal` once it says, on stderr, that the wait is on. */
async function signalDuringWait(args: string[], env: Record<string, string>, signal: NodeJS.Signals): Promise<RunResult> {
  const running = startDynsecret(args, env);
  await until(() => /^Waiting up to \S+ for Atlas to apply/m.test(running.stderr()) || running.child.exitCode !== null);
  running.child.kill(signal);
  return running.done;
}

const leftAlive = async (em: Emulator) => (await usersOf(em, 'app-db')).map((u) => u.username);

describe.concurrent('a lease nobody received is revoked before dynsecret exits', () => {
  it('a --wait timeout: exit 6, the message says the lease was revoked', async () => {
    const { em, file } = await slowAtlas();
    const result = await cli(['lease', '--from-file', file.path, '--wait', '1s', '--format', 'json'], { env: file.env });
    expect(result.code).toBe(6);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(
      /^dynsecret: Timed out after 1s waiting for Atlas to apply (ds-app-db-\S+) to Cluster0; lease \1 was revoked/m,
    );
    expect(await leftAlive(em)).toEqual([]);
  });

  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('%s during the wait: exit %i, revoked', async (signal, code) => {
    const { em, file } = await slowAtlas();
    const result = await signalDuringWait(['lease', '--from-file', file.path, '--wait', '--format', 'json'], file.env, signal);
    expect(result.code, result.stderr).toBe(code);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(
      new RegExp(`^dynsecret: Interrupted by ${signal} while waiting for Atlas to apply (ds-app-db-\\S+); lease \\1 was revoked`, 'm'),
    );
    expect(await leftAlive(em)).toEqual([]);
  });

  it('SIGTERM during the wait with a store: revoked, and no record is left', async () => {
    const { em } = await slowAtlas();
    const ws = await workspace(em, [{ name: 'app-db' }]);
    const result = await signalDuringWait(['lease', 'app-db', '--wait', '--format', 'json'], ws.env, 'SIGTERM');
    expect(result.code, result.stderr).toBe(143);
    expect(result.stderr).toMatch(REVOKED);
    expect(await leaseRecords(ws, 'app-db')).toEqual([]);
    expect(await leftAlive(em)).toEqual([]);
  });

  it('a stdout whose reader went away (lease … | head -c 0): exit 1, revoked', async () => {
    const { em, file } = await slowAtlas();
    const result = await withClosedStdout(['lease', '--from-file', file.path], file.env);
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toMatch(
      /^dynsecret: Could not write the credentials to stdout \(EPIPE: nothing reads it any more\); lease \S+ was revoked/m,
    );
    expect(result.stderr).not.toMatch(STACK);
    expect(await leftAlive(em)).toEqual([]);
  });

  it('a stdout that cannot be written (--format json > /dev/full): exit 1, revoked, no stack trace', async () => {
    const { em, file } = await slowAtlas();
    const result = await collected(
      spawn('sh', ['-c', `"${process.execPath}" -- "${DYNSECRET}" lease --from-file "${file.path}" --format json > /dev/full`], {
        env: cleanEnv(file.env),
        stdio: ['ignore', 'ignore', 'pipe'],
      }),
    );
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toMatch(/^dynsecret: Could not write the credentials to stdout \(ENOSPC\); lease \S+ was revoked/m);
    expect(result.stderr).not.toMatch(STACK);
    expect(await leftAlive(em)).toEqual([]);
  });

  it('any other command whose stdout cannot be written (completion bash > /dev/full): exit 1, one sentence, no stack trace', async () => {
    const result = await collected(
      spawn('sh', ['-c', `"${process.execPath}" -- "${DYNSECRET}" completion bash > /dev/full`], {
        env: cleanEnv(),
        stdio: ['ignore', 'ignore', 'pipe'],
      }),
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('dynsecret: Could not write to stdout (ENOSPC).\n');
  });

  it('an env file whose folder disappears during the wait: revoked, nothing written', async () => {
    // Atlas applies the user once its clock is moved on, after the folder went: the wait succeeds, then the write
    // fails.
    const em = await startEmulator(['--apply-delay', '1m', '--quiet']);
    const file = configFile(em);
    const folder = mkdtempSync(join(tmpdir(), 'dynsecret-undelivered-'));
    const target = join(folder, 'sub', '.env');
    mkdirSync(join(folder, 'sub'));
    const running = startDynsecret(['lease', '--from-file', file.path, '--wait', '1m', '--env-file', target], file.env);
    await until(() => /^Waiting up to/m.test(running.stderr()) || running.child.exitCode !== null);
    rmSync(join(folder, 'sub'), { recursive: true });
    await em.advanceClock(60_000);
    const result = await running.done;
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toMatch(/^Applied to Cluster0 after \d+s\.$/m);
    expect(result.stderr).toContain(target);
    expect(result.stderr).toMatch(REVOKED);
    expect(() => readFileSync(target)).toThrow();
    expect(await leftAlive(em)).toEqual([]);
  });

  it('a revoke that fails too: exit 6 stands, and the message gives the revoke command with --from-file, which works through the bin', async () => {
    const { em, file } = await slowAtlas();
    await em.addFault({ match: { method: 'DELETE', path: '/databaseUsers/' }, count: 1000, status: 503 });
    const result = await cli(['lease', '--from-file', file.path, '--wait', '1s', '--format', 'json'], {
      env: { ...file.env, DYNSECRET_RETRIES: '0' },
    });
    expect(result.code).toBe(6);
    const id = /revoking lease (ds-app-db-\S+) failed too \(Atlas failed with HTTP 503/.exec(result.stderr)?.[1];
    expect(id, result.stderr).toBeDefined();
    expect(result.stderr).toContain(`revoke it with \`dynsecret revoke ${id} --from-file ${file.path}\`.`);
    expect(await leftAlive(em)).toEqual([id]);
    // The command it names works.
    await em.clearFaults();
    const retried = await startDynsecret(['revoke', id!, '--from-file', file.path], file.env).done;
    expect(retried.code, retried.stderr).toBe(0);
    expect(await leftAlive(em)).toEqual([]);
  });

  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('run: %s during the wait is exit %i, the command never starts and the lease is revoked', async (signal, code) => {
    const { em, file } = await slowAtlas();
    const marker = join(mkdtempSync(join(tmpdir(), 'dynsecret-run-')), 'started');
    const result = await signalDuringWait(['run', '--from-file', file.path, '--', 'touch', marker], file.env, signal);
    expect(result.code, result.stderr).toBe(code);
    expect(result.stderr).toMatch(REVOKED);
    expect(() => readFileSync(marker)).toThrow();
    expect(await leftAlive(em)).toEqual([]);
  });
});
