import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { DigestSession, V1 } from './helpers.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = fileURLToPath(new URL('../../bin/dynsecret-atlas-emulator.js', import.meta.url));

beforeAll(async () => {
  if (!existsSync(new URL('../../dist/emulator.js', import.meta.url))) {
    await run(process.execPath, ['scripts/build.mjs'], { cwd: root });
  }
});

describe('the dynsecret-atlas-emulator bin', () => {
  it('prints one JSON line with URL and credentials, serves, logs to stderr and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, [bin, '--port', '0', '--clusters', 'Cluster0,Cluster1'], { cwd: root });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const lines = createInterface({ input: child.stdout });
    const first = await new Promise<string>((resolve) => lines.once('line', resolve));
    const info = JSON.parse(first);
    expect(Object.keys(info)).toEqual(['url', 'publicKey', 'privateKey', 'groupId', 'clusters', 'clientId', 'clientSecret']);
    expect(info.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(info.groupId).toMatch(/^[a-f0-9]{24}$/);
    expect(info.clusters).toEqual(['Cluster0', 'Cluster1']);

    const session = new DigestSession(info.url, info.publicKey, info.privateKey);
    const reply = await session.send({ path: `/api/atlas/v2/groups/${info.groupId}/databaseUsers`, headers: { Accept: V1 } });
    expect(reply.status).toBe(200);

    const more: string[] = [];
    lines.on('line', (line) => more.push(line));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(more).toEqual([]);
    expect(stderr).toContain(`GET /api/atlas/v2/groups/${info.groupId}/databaseUsers 200`);
    for (const secret of [info.privateKey, info.clientSecret]) expect(stderr).not.toContain(secret);
  });

  it.each([
    [['--port', 'nope'], /--port/],
    [['--frobnicate'], /frobnicate/],
  ])('exits 2 on %j with a message on stderr and nothing on stdout', async (args, message) => {
    const failure = await run(process.execPath, [bin, ...args]).catch((error: { code: number; stdout: string; stderr: string }) => error);
    expect(failure).toMatchObject({ code: 2, stdout: '' });
    expect((failure as { stderr: string }).stderr).toMatch(message);
  });

  it('prints the usage with --help', async () => {
    const { stdout } = await run(process.execPath, [bin, '--help']);
    expect(stdout).toContain('--apply-delay');
    expect(stdout).toContain('/__emulator/');
  });
});
