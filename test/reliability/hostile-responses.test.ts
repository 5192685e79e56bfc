import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { workspace, type Workspace } from '../helpers/emulator.js';
import { STRESS } from './support/counts.js';
import { apiError, ATLAS_JSON, hostileServer, json, type Answer, type HostileServer } from './support/hostile-server.js';
import { copyOf, type HostileCase, runHostile } from './support/hostile.js';
import { tallyHostile } from './support/hostile-tally.js';
import { editStore } from './support/store.js';

/**
 * Hostile answers from a server posing as Atlas: terminal escapes in error details, huge and endless
 * bodies, a compression bomb, redirects elsewhere, prototype keys, users of other configs. dynsecret must
 * end each with its documented exit code and one sentence that shows control characters rather than obeying
 * them, follow no redirect, and leave the store's contents as they were.
 */

const GROUP = 'b'.repeat(24);
const ID = 'ds-h-abcdefghijkl';
let template: Workspace;

beforeAll(async () => {
  const nowhere = { url: 'http://127.0.0.1:9', groupId: GROUP, publicKey: 'abcdefgh', privateKey: 'private-key-value-0123', clusters: [], clientId: 'x', clientSecret: 'y' };
  template = await workspace(nowhere, [{ name: 'h', flags: ['--role', 'read@app', '--no-verify'] }]);
}, 60_000);

const ESCAPES = 'bad \u001b]0;owned\u0007 \u001b[2J\u009b31m thing\nexport EVIL=1\u202e';
const labels = (config: string) => [
  { key: 'dynsecret.config', value: config },
  { key: 'dynsecret.createdAt', value: '2026-01-01T00:00:00Z' },
  { key: 'dynsecret.maxExpiresAt', value: '2099-01-01T00:00:00Z' },
];
const user = (username: string, config = 'h', extra: Record<string, unknown> = {}) => ({
  username, databaseName: 'admin', groupId: GROUP, roles: [{ roleName: 'read', databaseName: 'app' }], labels: labels(config),
  deleteAfterDate: '2099-01-01T00:00:00Z', ...extra,
});

/** Answers by method: the case's answer for its method, Atlas' "no such user" for the clean-up DELETE. */
const byMethod = (method: string, answer: Answer): Answer => (req, res) => {
  if (req.method === method) return answer(req, res);
  if (req.method === 'DELETE' || req.method === 'GET') return apiError(404, 'USERNAME_NOT_FOUND', 'No user.')(req, res);
  return apiError(500, 'UNEXPECTED_ERROR', 'Unexpected error.')(req, res);
};

interface ResponseCase {
  name: string;
  code: number;
  args: string[];
  method: string;
  answer: Answer;
  message?: RegExp;
  /** A second server that must never be contacted (the target of a redirect). */
  elsewhere?: boolean;
}

const lease = ['lease', 'h', '--format', 'json'];
const remote = ['list', 'h', '--remote'];
const revokeElsewhere = ['revoke', ID, '--config', 'h'];
const renewElsewhere = ['renew', ID, '--config', 'h'];

const endless: Answer = (_req, res) => {
  res.writeHead(200, { 'Content-Type': ATLAS_JSON });
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  const pump = () => {
    while (res.write(chunk)) if (res.destroyed) return;
    res.once('drain', pump);
  };
  res.on('close', () => res.removeAllListeners('drain'));
  pump();
};
const BOMB = gzipSync(Buffer.alloc(64 * 1024 * 1024, 0x20));

const cases: ResponseCase[] = [
  { name: 'a 400 whose detail holds terminal escapes and a forged line', code: 2, args: lease, method: 'POST', answer: apiError(400, 'INVALID_ATTRIBUTE', ESCAPES), message: /\\u001b/ },
  { name: 'an error code holding an escape sequence', code: 4, args: lease, method: 'POST', answer: apiError(403, 'NOPE\u001b[31mRED', 'x') },
  { name: 'a 400 with a 1 MB detail', code: 2, args: lease, method: 'POST', answer: apiError(400, 'INVALID_ATTRIBUTE', 'x'.repeat(1_000_000)) },
  { name: 'a 302 to another host', code: 1, args: lease, method: 'POST', answer: () => undefined, elsewhere: true, message: /HTTP 302/ },
  { name: 'a captive portal page for the create', code: 1, args: lease, method: 'POST', answer: (_q, r) => r.writeHead(200, { 'Content-Type': 'text/html' }).end('<html>Sign in to the Wi-Fi</html>') },
  { name: 'a created user with prototype keys and no fields', code: 1, args: lease, method: 'POST', answer: json(201, '{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}') },
  { name: 'a 64 MB compression bomb', code: 1, args: lease, method: 'POST', answer: (_q, r) => r.writeHead(201, { 'Content-Type': ATLAS_JSON, 'Content-Encoding': 'gzip' }).end(BOMB), message: /compressed/ },
  { name: 'a body that never ends', code: 1, args: lease, method: 'POST', answer: endless, message: /5 MB/ },
  { name: 'a 401 with a garbled challenge', code: 4, args: lease, method: 'POST', answer: (_q, r) => r.writeHead(401, { 'WWW-Authenticate': 'Digest ,,,="=,nonce' }).end() },
  { name: 'a 401 asking for an unknown digest algorithm', code: 1, args: lease, method: 'POST', answer: (_q, r) => r.writeHead(401, { 'WWW-Authenticate': 'Digest realm="x", nonce="n", algorithm=SHA-512-256, qop="auth"' }).end() },
  { name: 'a 403 that is an HTML page', code: 4, args: lease, method: 'POST', answer: (_q, r) => r.writeHead(403, { 'Content-Type': 'text/html' }).end('<h1>Forbidden</h1>') },
  { name: 'a 404 for the project', code: 5, args: remote, method: 'GET', answer: apiError(404, 'GROUP_NOT_FOUND', 'No group.'), message: /no Atlas project/ },
  { name: 'users whose results are an object', code: 1, args: remote, method: 'GET', answer: json(200, { results: { __proto__: { polluted: true } }, totalCount: 1 }) },
  { name: 'a user with an expiry that is not a date', code: 1, args: remote, method: 'GET', answer: json(200, { results: [user('ds-h-x', 'h', { deleteAfterDate: 'tomorrow; rm -rf /' })], totalCount: 1 }) },
  { name: 'a user list with a negative count', code: 1, args: remote, method: 'GET', answer: json(200, { results: [], totalCount: -1 }) },
  { name: 'an HTML page for the revoke', code: 1, args: revokeElsewhere, method: 'DELETE', answer: (_q, r) => r.writeHead(200, { 'Content-Type': 'text/html' }).end('<html>ok</html>'), message: /revoke/ },
  { name: 'a user of another config', code: 5, args: renewElsewhere, method: 'GET', answer: json(200, user(ID, 'other')), message: /not a lease of config h/ },
  { name: 'a user without dynsecret labels', code: 5, args: renewElsewhere, method: 'GET', answer: json(200, user(ID, 'h', { labels: [{ key: '__proto__', value: 'x' }] })), message: /not a lease/ },
  { name: 'a user whose labels have prototype keys', code: 5, args: renewElsewhere, method: 'GET', answer: json(200, `{"username":"${ID}","databaseName":"admin","groupId":"${GROUP}","roles":[],"labels":[{"__proto__":{"key":"dynsecret.config"},"value":"h"}]}`) },
  { name: '429 with a Retry-After of -1 on every try', code: 6, args: remote, method: 'GET', answer: (_q, r) => r.writeHead(429, { 'Retry-After': '-1', 'Content-Type': ATLAS_JSON }).end('{}') },
  { name: 'a body cut short on every try', code: 6, args: remote, method: 'GET', answer: (_q, r) => { r.writeHead(200, { 'Content-Type': ATLAS_JSON, 'Content-Length': '1000' }); r.write('{"results":['); r.destroy(); } },
];

async function runCase(c: ResponseCase): Promise<void> {
  const server = await hostileServer();
  const other = c.elsewhere ? await hostileServer() : undefined;
  const answer = other ? (_q: Parameters<Answer>[0], r: Parameters<Answer>[1]) => r.writeHead(302, { Location: `${other.url}/steal` }).end() : c.answer;
  server.answer(byMethod(c.method, answer));
  const ws = copyOf(template);
  await editStore(ws, (data) => {
    for (const config of data.configs) config.baseUrl = server.url;
  });
  const hostile: HostileCase = { name: c.name, code: c.code, args: () => c.args, rewrites: true, ...(c.message ? { message: c.message } : {}) };
  const result = await runHostile(ws, hostile);
  tallyHostile('responses', result);
  expect(result.stderr.length, 'a message stays short').toBeLessThan(2000);
  if (other) expect(other.seen).toEqual([]);
  expectNoSecretSent(server);
}

/** Whatever the server was, it saw the API key's name, never its private key. */
function expectNoSecretSent(server: HostileServer): void {
  for (const request of server.seen) expect(request.authorization).not.toContain('private-key-value-0123');
}

describe.concurrent('hostile responses', () => {
  it.each(cases.map((c) => ({ ...c, label: `${c.args[0]} × ${c.name} → exit ${c.code}` })))('$label', runCase, 60_000);

  it('a remote username with terminal escapes is shown escaped in the list table', async () => {
    const server = await hostileServer();
    server.answer(json(200, { results: [user(`ds-h-${ESCAPES}`)], totalCount: 1 }));
    const ws = copyOf(template);
    await editStore(ws, (data) => {
      for (const config of data.configs) config.baseUrl = server.url;
    });
    const result = await ws.run(remote);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('ds-h-bad \\u001b]0;owned\\u0007');
    // eslint-disable-next-line no-control-regex -- looking for raw control characters is the point
    expect(result.stdout.replaceAll('\n', '')).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202e]/);
  });

  // Only in the stress run (200 pages of 500 users); defined only there, so `npm test` skips nothing.
  if (STRESS) it('a server that pages forever is stopped after 200 pages', async () => {
    const server = await hostileServer();
    const page = JSON.stringify({ results: Array.from({ length: 500 }, (_, i) => user(`ds-other-${i}`, 'other')), totalCount: 1e9 });
    server.answer(json(200, page));
    const ws = copyOf(template);
    await editStore(ws, (data) => {
      for (const config of data.configs) config.baseUrl = server.url;
    });
    const result = await ws.run(['list', 'h', '--remote', '--json']);
    expect(result.code, result.stderr).toBe(0);
    expect(server.seen.filter((r) => r.method === 'GET').length).toBeLessThanOrEqual(201);
  }, 120_000);
});
