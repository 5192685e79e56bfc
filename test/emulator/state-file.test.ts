import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/server.js';
import { writeAtomic } from '../../src/emulator/state-file.js';
import { advance, atlas, closeEmulators, control, newUser, send, serviceAccountToken, start } from './helpers.js';

let dir: string;
let file: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'emulator-state-'));
  file = join(dir, 'state.json');
});
afterEach(async () => {
  // Before the folder goes: a running emulator may still be writing its state file there.
  await closeEmulators();
  await rm(dir, { recursive: true, force: true });
});

describe('--state-file', () => {
  it('keeps credentials, users, clusters, tokens and the clock across a restart', async () => {
    const first = await startEmulator({ stateFile: file, clusters: ['Main', 'Other'], applyDelayMs: 0 });
    const api = atlas(first);
    const body = newUser(first, { labels: [{ key: 'k', value: 'v' }] });
    await api.post(`${api.group}/databaseUsers`, body);
    const srv = (await api.get(`${api.group}/clusters/Main`)).json().connectionStrings.standardSrv;
    const token = await serviceAccountToken(first);
    await advance(first, 120_000);
    await first.close();

    const second = await start({ stateFile: file });
    expect({ ...second, url: '', close: undefined }).toEqual({ ...first, url: '', close: undefined });
    const again = atlas(second);
    const user = await again.get(`${again.group}/databaseUsers/admin/${String(body.username)}`);
    expect(user.status).toBe(200);
    expect(user.json().labels).toEqual([{ key: 'k', value: 'v' }]);
    expect((await again.get(`${again.group}/clusters/Main`)).json().connectionStrings.standardSrv).toBe(srv);
    const bearer = await send(second.url, {
      path: `${again.group}/databaseUsers`,
      headers: { Accept: 'application/vnd.atlas.2023-01-01+json', Authorization: `Bearer ${token}` },
    });
    expect(bearer.status).toBe(200);
    const offset = Date.parse((await control(second, 'GET', 'state')).json().now) - Date.now();
    expect(offset).toBeGreaterThanOrEqual(119_000);
  });

  it('keeps the access list, with comments and dates, across a restart', async () => {
    const first = await startEmulator({ stateFile: file, applyDelayMs: 0 });
    const api = atlas(first);
    const deleteAfterDate = new Date(Date.now() + 3_600_000).toISOString();
    await api.post(`${api.group}/accessList`, [
      { ipAddress: '192.0.2.1', comment: 'runner', deleteAfterDate },
      { cidrBlock: '198.51.100.0/24' },
    ]);
    const before = (await api.get(`${api.group}/accessList`)).json().results;
    await first.close();
    const second = await start({ stateFile: file });
    const again = atlas(second);
    const after = (await again.get(`${again.group}/accessList`)).json().results;
    expect(after.map((e: { links: unknown }) => ({ ...e, links: undefined }))).toEqual(
      before.map((e: { links: unknown }) => ({ ...e, links: undefined })),
    );
    expect(after).toHaveLength(2);
  });

  it('reads a file written before the access list existed', async () => {
    await writeFile(
      file,
      JSON.stringify({
        version: 1,
        project: { groupId: 'a'.repeat(24), orgId: 'b'.repeat(24), name: 'p', createdAt: 0 },
        credentials: { publicKey: 'p', privateKey: 'k', clientId: 'c', clientSecret: 's' },
        clockOffsetMs: 0,
        users: [],
        clusters: [],
        tokens: [],
      }),
    );
    const em = await start({ stateFile: file });
    const api = atlas(em);
    expect((await api.get(`${api.group}/accessList`)).json().results).toEqual([]);
  });

  it('writes the file 0600, never with a password, and leaves no temp file behind', async () => {
    const em = await startEmulator({ stateFile: file });
    const api = atlas(em);
    const body = newUser(em);
    await api.post(`${api.group}/databaseUsers`, body);
    await em.close();
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await readFile(file, 'utf8')).not.toContain(String(body.password));
    expect(await readdir(dir)).toEqual(['state.json']);
  });

  it.each([
    ['the options given', { publicKey: 'override' }, 'override'],
    ['the file when nothing is given', {}, undefined],
  ])('takes credentials from %s', async (_what, options, expected) => {
    const first = await startEmulator({ stateFile: file });
    await first.close();
    const second = await start({ stateFile: file, ...options });
    expect(second.publicKey).toBe(expected ?? first.publicKey);
  });

  it('starts an empty project when another --group-id is given', async () => {
    const first = await startEmulator({ stateFile: file });
    const api = atlas(first);
    await api.post(`${api.group}/databaseUsers`, newUser(first));
    await first.close();
    const second = await start({ stateFile: file, groupId: 'b'.repeat(24) });
    const again = atlas(second);
    expect((await again.get(`${again.group}/databaseUsers`)).json().results).toEqual([]);
  });

  it.each([
    ['not JSON', 'nope'],
    ['another version', '{"version":2}'],
    ['a user without roles', null],
  ])('refuses a state file that is %s and leaves it as it was', async (_what, contents) => {
    const text =
      contents ??
      JSON.stringify({
        version: 1,
        project: { groupId: 'a'.repeat(24), orgId: 'b'.repeat(24), name: 'p', createdAt: 0 },
        credentials: { publicKey: 'p', privateKey: 'k', clientId: 'c', clientSecret: 's' },
        clockOffsetMs: 0,
        users: [{ username: 'u' }],
        clusters: [],
        tokens: [],
      });
    await writeFile(file, text);
    await expect(startEmulator({ stateFile: file })).rejects.toThrow(file);
    expect(await readFile(file, 'utf8')).toBe(text);
  });

  it('replaces the file atomically: parallel writers leave one complete document', async () => {
    const docs = Array.from({ length: 20 }, (_, i) => JSON.stringify({ writer: i, padding: 'x'.repeat(50_000) }));
    await Promise.all(docs.map((doc) => writeAtomic(file, doc)));
    expect(docs).toContain(await readFile(file, 'utf8'));
    expect(await readdir(dir)).toEqual(['state.json']);
  });
});
