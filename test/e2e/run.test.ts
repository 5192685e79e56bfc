import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { PASSPHRASE, startDynsecret, until } from '../helpers/bin.js';
import { leaseRecords, startEmulator, usersOf, workspace, type Emulator, type Workspace } from '../helpers/emulator.js';

let em: Emulator;
let ws: Workspace;

beforeAll(async () => {
  em = await startEmulator(['--apply-delay', '0s']);
  ws = await workspace(em, [{ name: 'app-db' }]);
});

const sh = (script: string) => ['run', 'app-db', '--no-wait', '--', 'sh', '-c', script];

describe('dynsecret run', () => {
  it.each([
    ['exit 0', 'exit 0', 0],
    ['exit 7', 'exit 7', 7],
    ['death by SIGTERM', 'kill -TERM $$', 143],
    ['death by SIGKILL', 'kill -KILL $$', 137],
  ])('passes the status on: %s', async (_what, script, status) => {
    const result = await ws.run(sh(script));
    expect(result.code).toBe(status);
    expect(result.stderr).toMatch(/Revoked ds-app-db-/);
    expect(await usersOf(em, 'app-db')).toEqual([]);
  });

  it("gives the child the credentials and none of dynsecret's own secrets", async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'dynsecret-run-')), 'env.json');
    const result = await ws.run(
      [
        'run',
        'app-db',
        '--no-wait',
        '--',
        process.execPath,
        '-e',
        `require('fs').writeFileSync(${JSON.stringify(out)}, JSON.stringify(process.env))`,
      ],
      {
        env: {
          DYNSECRET_PASSPHRASE: PASSPHRASE,
          MONGODB_ATLAS_PRIVATE_API_KEY: 'private',
          MONGODB_ATLAS_CLIENT_SECRET: 'secret',
          KEEP_ME: 'kept',
        },
      },
    );
    expect(result.code).toBe(0);
    const env = JSON.parse(readFileSync(out, 'utf8')) as Record<string, string>;
    expect(env.DB_USERNAME).toMatch(/^ds-app-db-/);
    expect(env.DB_PASSWORD).toMatch(/^[A-Za-z0-9._~-]{40}$/);
    expect(env.MONGODB_URI).toContain(`${env.DB_USERNAME}:${env.DB_PASSWORD}@`);
    expect(env.DYNSECRET_LEASE_ID).toBe(env.DB_USERNAME);
    expect(env.KEEP_ME).toBe('kept');
    for (const withheld of ['DYNSECRET_PASSPHRASE', 'DYNSECRET_SESSION', 'MONGODB_ATLAS_PRIVATE_API_KEY', 'MONGODB_ATLAS_CLIENT_SECRET']) {
      expect(env).not.toHaveProperty(withheld);
    }
    expect(result.stdout + result.stderr).not.toContain(env.DB_PASSWORD);
  });

  it('keeps the lease with --keep', async () => {
    const result = await ws.run(['run', 'app-db', '--no-wait', '--keep', '--', 'true']);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('--keep');
    const users = await usersOf(em, 'app-db');
    expect(users).toHaveLength(1);
    expect((await ws.cli(['revoke', users[0]!.username])).code).toBe(0);
  });

  it('never starts the command when the lease fails', async () => {
    const marker = join(mkdtempSync(join(tmpdir(), 'dynsecret-run-')), 'started');
    const result = await ws.run(['run', 'app-db', '--ttl', '30d', '--', 'touch', marker]);
    expect(result.code).toBe(2);
    expect(() => readFileSync(marker)).toThrow();
    await em.addFault({
      match: { method: 'POST', path: '/databaseUsers' },
      count: 1,
      status: 401,
      errorCode: 'UNAUTHORIZED',
      beforeAuth: true,
    });
    // Refused before anything starts: in this process (the refusal above went through the bin).
    const refused = await ws.cli(['run', 'app-db', '--', 'touch', marker]);
    await em.clearFaults();
    expect(refused.code).toBe(4);
    expect(() => readFileSync(marker)).toThrow();
  });

  it('reports a command that does not exist with 127 and still revokes', async () => {
    const result = await ws.run(['run', 'app-db', '--no-wait', '--', 'no-such-command-dynsecret']);
    expect(result.code).toBe(127);
    expect(result.stderr).toContain('command not found');
    expect(await usersOf(em, 'app-db')).toEqual([]);
  });

  it('relays SIGTERM to a child that traps it, then revokes', async () => {
    const running = startDynsecret(sh('trap "echo trapped; exit 3" TERM; echo ready; while :; do sleep 0.05; done'), ws.env);
    await until(() => running.stdout().includes('ready'));
    running.child.kill('SIGTERM');
    const result = await running.done;
    expect(result.stdout).toContain('trapped');
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/Revoked ds-app-db-/);
    expect(await usersOf(em, 'app-db')).toEqual([]);
  });

  it('relays one SIGINT (not two) to the child when not on a terminal', async () => {
    const script =
      'n=0; trap \'n=$((n+1))\' INT; echo ready; i=0; while [ $i -lt 40 ]; do sleep 0.05; i=$((i+1)); done; echo "got $n"; exit 0';
    const running = startDynsecret(sh(script), ws.env);
    await until(() => running.stdout().includes('ready'));
    running.child.kill('SIGINT');
    const result = await running.done;
    expect(result.stdout).toContain('got 1');
    expect(result.code).toBe(0);
    expect(await usersOf(em, 'app-db')).toEqual([]);
  });

  it('masks the password and URI first under GitHub Actions', async () => {
    const result = await ws.run(sh('echo "$DB_PASSWORD" >/dev/null'), { env: { GITHUB_ACTIONS: 'true' } });
    expect(result.code).toBe(0);
    const lines = result.stderr.split('\n');
    expect(lines[0]).toMatch(/^::add-mask::[A-Za-z0-9._~-]{40}$/);
    expect(lines[1]).toMatch(/^::add-mask::mongodb\+srv:\/\//);
  });
});

// Each with an emulator that applies users slowly, of its own: they wait side by side.
describe.concurrent('slow Atlas', () => {
  describe('run interrupted while waiting', () => {
    it('revokes the lease and never starts the command', async () => {
      const slow = await startEmulator(['--apply-delay', '1m']);
      const w = await workspace(slow, [{ name: 'app-db' }]);
      const marker = join(mkdtempSync(join(tmpdir(), 'dynsecret-run-')), 'started');
      const running = startDynsecret(['run', 'app-db', '--', 'touch', marker], w.env);
      // Once the first status poll went out the lease exists and the wait is on: interrupt it.
      await until(async () => (await slow.requests()).some((r) => r.path.endsWith('/status')));
      running.child.kill('SIGINT');
      const result = await running.done;
      expect(result.code).toBe(130);
      expect(result.stderr).toMatch(/Interrupted by SIGINT while waiting .*; lease \S+ was revoked/);
      expect(() => readFileSync(marker)).toThrow();
      expect(await usersOf(slow, 'app-db')).toEqual([]);
    });
  });

  describe('--wait', () => {
    it('returns only after Atlas applied the user to the scoped cluster, and polls only that one', async () => {
      const slow = await startEmulator(['--apply-delay', '1500ms', '--clusters', 'Cluster0,Cluster1']);
      const scoped = await workspace(slow, [{ name: 'scoped' }, { name: 'unscoped', flags: ['--role', 'readWrite@app'] }]);
      await slow.clearRequests();
      const started = Date.now();
      const result = await scoped.run(['lease', 'scoped', '--wait', '--format', 'json']);
      expect(result.code).toBe(0);
      expect(Date.now() - started).toBeGreaterThanOrEqual(1500);
      const state = await slow.state();
      expect(state.clusters.Cluster0?.changeStatus).toBe('APPLIED');
      const polled = (await slow.requests()).filter((r) => r.path.endsWith('/status')).map((r) => r.path);
      expect(polled.length).toBeGreaterThan(1);
      expect(polled.every((p) => p.includes('/clusters/Cluster0/status'))).toBe(true);

      await slow.clearRequests();
      const unscoped = await scoped.run(['lease', 'unscoped', '--wait', '--format', 'json']);
      expect(unscoped.code).toBe(0);
      const paths = (await slow.requests()).map((r) => r.path);
      expect(paths.some((p) => /\/clusters(\?|$)/.test(p))).toBe(true);
      expect(paths.some((p) => p.includes('/clusters/Cluster0/status'))).toBe(true);
      expect(paths.some((p) => p.includes('/clusters/Cluster1/status'))).toBe(true);
    });

    it('times out with exit 6, revokes the lease and names it', async () => {
      const slow = await startEmulator(['--apply-delay', '1m']);
      const w = await workspace(slow, [{ name: 'app-db' }]);
      const result = await w.run(['lease', 'app-db', '--wait', '2s']);
      expect(result.code).toBe(6);
      // Off a terminal the default format is shell: its failure is one statement that fails.
      expect(result.stdout).toBe('false\n');
      const id = /lease (ds-app-db-[a-z0-9]+) was revoked/.exec(result.stderr)?.[1];
      expect(id, result.stderr).toBeDefined();
      expect(await leaseRecords(w, 'app-db')).toEqual([]);
      expect(await usersOf(slow, 'app-db')).toEqual([]);
    });
  });
});

describe('audit trail', () => {
  it('16 parallel leases write 16 intact lines and no secret', async () => {
    const results = await Promise.all(Array.from({ length: 16 }, () => ws.run(['lease', 'app-db', '--format', 'json'])));
    expect(results.map((r) => r.code)).toEqual(results.map(() => 0));
    const passwords = results.map((r) => (JSON.parse(r.stdout) as { password: string }).password);
    const text = readFileSync(join(ws.home, 'audit.log'), 'utf8');
    const leases = text
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, string>)
      .filter((e) => e.command === 'lease');
    expect(leases).toHaveLength(16);
    for (const entry of leases) {
      expect(entry).toMatchObject({
        config: 'app-db',
        outcome: 'ok',
        leaseId: expect.stringMatching(/^ds-app-db-/),
        expiresAt: expect.any(String),
      });
    }
    for (const password of passwords) expect(text).not.toContain(password);
    expect(text).not.toContain(em.privateKey);
    const shown = await ws.cli(['list', '--audit', 'app-db', '--json']);
    expect((JSON.parse(shown.stdout) as unknown[]).length).toBeGreaterThanOrEqual(16);
    expect((await ws.cli(['revoke', '--config', 'app-db', '--all', '--yes'])).code).toBe(0);
  });

  it('records failures with their exit code, and goes where --audit-log says', async () => {
    const elsewhere = join(mkdtempSync(join(tmpdir(), 'dynsecret-audit-')), 'ci-audit.log');
    const result = await ws.cli(['lease', 'app-db', '--ttl', '30d', '--audit-log', elsewhere]);
    expect(result.code).toBe(2);
    const [entry] = readFileSync(elsewhere, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(entry).toMatchObject({ command: 'lease', config: 'app-db', outcome: 'error', exitCode: 2 });
  });
});
