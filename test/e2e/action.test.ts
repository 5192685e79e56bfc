import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { until } from '../helpers/bin.js';
import { configFile, type ConfigFile } from '../helpers/config-file.js';
import { parseRunnerFile } from '../helpers/github-runner.js';
import { startEmulator, usersOf, type Emulator } from '../helpers/emulator.js';

/**
 * The GitHub Action run as the runner runs it: `node action/main.cjs`, later steps, then `node
 * action/post.cjs`, from the committed files (what `uses: …/dynsecret@REF` gets), with the runner's protocol:
 * inputs as INPUT_* variables, GITHUB_ENV, GITHUB_STATE and GITHUB_OUTPUT files, and the saved state handed to
 * `post` as STATE_* variables.
 */

const MAIN = resolve('action/main.cjs');
const POST = resolve('action/post.cjs');

interface StepResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** One job: its runner files, and the steps run in it. */
interface Job {
  dir: string;
  files: { GITHUB_ENV: string; GITHUB_STATE: string; GITHUB_OUTPUT: string };
  env: Record<string, string>;
}

function newJob(file: ConfigFile, inputs: Record<string, string>): Job {
  const dir = mkdtempSync(join(tmpdir(), 'dynsecret-job-'));
  const files = { GITHUB_ENV: join(dir, 'env'), GITHUB_STATE: join(dir, 'state'), GITHUB_OUTPUT: join(dir, 'output') };
  for (const path of Object.values(files)) writeFileSync(path, '');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: dir,
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    ...file.env,
    ...files,
  };
  // The runner passes every input, with action.yml's default for one the workflow leaves out.
  for (const [name, value] of Object.entries({ wait: 'true', ...inputs })) env[`INPUT_${name.toUpperCase()}`] = value;
  return { dir, files, env };
}

function startStep(script: string, env: Record<string, string>) {
  const child = spawn(process.execPath, [script], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const done = new Promise<StepResult>((resolvePromise, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolvePromise({ code, signal, stdout, stderr }));
  });
  return { child, done };
}

const runStep = (script: string, env: Record<string, string>) => startStep(script, env).done;

/** The runner's reading of one of its files. */
const readRunnerFile = (path: string) => parseRunnerFile(readFileSync(path, 'utf8'));

/** What `post` gets: the job's environment plus every saved state value as STATE_<name>. */
function postEnv(job: Job): Record<string, string> {
  const env = { ...job.env };
  for (const [name, value] of Object.entries(readRunnerFile(job.files.GITHUB_STATE))) env[`STATE_${name}`] = value;
  return env;
}

let em: Emulator;
let file: ConfigFile;

beforeAll(async () => {
  em = await startEmulator(['--apply-delay', '0s']);
  file = configFile(em);
});

describe('main', () => {
  it.each<{ inputs: Record<string, string>; prefix: string }>([
    { inputs: {}, prefix: '' },
    { inputs: { ttl: '20m', prefix: 'APP_', wait: 'false' }, prefix: 'APP_' },
    { inputs: { wait: '1m' }, prefix: '' },
  ])('leases for the later steps, masked first, with outputs and state but no password in them ($inputs)', async ({ inputs, prefix }) => {
    const job = newJob(file, { config: file.path, ...inputs });
    const main = await runStep(MAIN, job.env);
    expect(main.stderr).toContain('Leased ');
    expect(main.code).toBe(0);

    const later = readRunnerFile(job.files.GITHUB_ENV);
    const password = later[`${prefix}DB_PASSWORD`]!;
    const username = later[`${prefix}DB_USERNAME`]!;
    const leaseId = later.DYNSECRET_LEASE_ID!;
    expect(password.length).toBeGreaterThanOrEqual(32);
    expect(username).toBe(leaseId);
    expect(later[`${prefix}MONGODB_URI`]).toContain(encodeURIComponent(password));
    // The mask comes before anything else the step prints, and the password appears nowhere unmasked.
    const lines = main.stdout.split('\n');
    expect(lines[0]).toBe(`::add-mask::${password}`);
    expect(lines.filter((l) => l.includes(password)).every((l) => l.startsWith('::add-mask::'))).toBe(true);
    expect(main.stderr).not.toContain(password);

    const outputs = readRunnerFile(job.files.GITHUB_OUTPUT);
    expect(outputs).toEqual({ 'lease-id': leaseId, username, 'expires-at': later.DYNSECRET_LEASE_EXPIRES_AT });
    expect(readFileSync(job.files.GITHUB_OUTPUT, 'utf8')).not.toContain(password);
    expect(readRunnerFile(job.files.GITHUB_STATE)).toEqual({ 'lease-id': leaseId });
    expect(readFileSync(job.files.GITHUB_STATE, 'utf8')).not.toContain(password);

    const [user] = (await usersOf(em, 'app-db')).filter((u) => u.username === leaseId);
    expect(user).toBeDefined();
    if (inputs.ttl === '20m') {
      const lifetime = Date.parse(user!.deleteAfterDate!) - Date.parse((await em.state()).now);
      expect(lifetime).toBeGreaterThan(19 * 60_000);
      expect(lifetime).toBeLessThanOrEqual(20 * 60_000);
    }

    const post = await runStep(POST, postEnv(job));
    expect(post.code).toBe(0);
    expect((await usersOf(em, 'app-db')).map((u) => u.username)).not.toContain(leaseId);
  });

  it.each([
    { why: 'no config input', inputs: { config: '' } as Record<string, string>, code: 2, says: 'The config input is required' },
    { why: 'a config file that does not exist', inputs: { config: '/nonexistent/app-db.json' }, code: 2, says: 'could not lease' },
    { why: 'a TTL that is no duration', inputs: { ttl: 'soon' }, code: 2, says: 'could not lease' },
    { why: "a TTL above Atlas' limit", inputs: { ttl: '8d' }, code: 2, says: 'could not lease' },
    { why: 'a TTL under a minute', inputs: { ttl: '30s' }, code: 2, says: 'could not lease' },
  ])('fails before leasing with $why, and post then has nothing to do', async ({ inputs, code, says }) => {
    const before = (await usersOf(em, 'app-db')).length;
    const job = newJob(file, { config: file.path, ...inputs });
    const main = await runStep(MAIN, job.env);
    expect(main.code).toBe(code);
    expect(main.stdout).toMatch(/^::error::/m);
    expect(main.stdout).toContain(says);
    expect(readFileSync(job.files.GITHUB_STATE, 'utf8')).toBe('');
    expect(readFileSync(job.files.GITHUB_ENV, 'utf8')).toBe('');
    expect((await usersOf(em, 'app-db')).length).toBe(before);

    const post = await runStep(POST, postEnv(job));
    expect(post.code).toBe(0);
    expect(post.stdout).toContain('No lease to revoke');
  });
});

describe('allow-ip', () => {
  it('puts the address on the access list for the job, and post takes it off again', async () => {
    const job = newJob(file, { config: file.path, 'allow-ip': 'current' });
    const main = await runStep(MAIN, job.env);
    expect(main.code, main.stderr).toBe(0);
    const leaseId = readRunnerFile(job.files.GITHUB_STATE)['lease-id']!;
    const entries = await em.accessList();
    expect(entries).toEqual([expect.objectContaining({ comment: `dynsecret app-db ${leaseId}`, status: 'ACTIVE' })]);
    const post = await runStep(POST, postEnv(job));
    expect(post.code).toBe(0);
    expect(await em.accessList()).toEqual([]);
  });
});

describe('post', () => {
  /** A later step of the job that uses the credentials: it succeeds, fails, or is cancelled (signalled) mid-way. */
  async function laterStep(job: Job, outcome: 'success' | 'failure' | 'cancelled'): Promise<StepResult> {
    const env = { ...job.env, ...readRunnerFile(job.files.GITHUB_ENV) };
    const script = join(job.dir, 'step.cjs');
    writeFileSync(
      script,
      `if (!process.env.DB_PASSWORD) process.exit(3);
       if (${JSON.stringify(outcome)} === 'failure') process.exit(1);
       if (${JSON.stringify(outcome)} === 'cancelled') { console.log('running'); setInterval(() => {}, 1000); }`,
    );
    const step = startStep(script, env);
    if (outcome === 'cancelled') {
      let seen = '';
      step.child.stdout.on('data', (chunk: string) => (seen += chunk));
      await until(() => seen.includes('running'));
      step.child.kill('SIGINT');
    }
    return step.done;
  }

  it.each(['success', 'failure', 'cancelled'] as const)('revokes the lease after a job that ended in %s', async (outcome) => {
    const job = newJob(file, { config: file.path });
    expect((await runStep(MAIN, job.env)).code).toBe(0);
    const leaseId = readRunnerFile(job.files.GITHUB_STATE)['lease-id']!;
    const step = await laterStep(job, outcome);
    expect(outcome === 'success' ? step.code === 0 : step.code !== 0 || step.signal !== null).toBe(true);
    const post = await runStep(POST, postEnv(job));
    expect(post.code).toBe(0);
    expect(post.stderr).toContain(leaseId);
    expect((await usersOf(em, 'app-db')).map((u) => u.username)).not.toContain(leaseId);
  });

  it.each([
    { why: 'Atlas fails', fault: { status: 500, errorCode: 'UNEXPECTED_ERROR' } },
    { why: 'the key may not delete users', fault: { status: 403, errorCode: 'USER_UNAUTHORIZED' } },
  ])('warns and exits 0 when the revoke fails ($why)', async ({ fault }) => {
    const job = newJob(file, { config: file.path });
    expect((await runStep(MAIN, job.env)).code).toBe(0);
    const leaseId = readRunnerFile(job.files.GITHUB_STATE)['lease-id']!;
    await em.addFault({ match: { method: 'DELETE', path: leaseId }, count: 10, ...fault });
    // One attempt, no retries: the test is about what post does with the failure, not about the backoff.
    const post = await runStep(POST, { ...postEnv(job), DYNSECRET_RETRIES: '0' });
    await em.clearFaults();
    expect(post.code).toBe(0);
    expect(post.stdout).toMatch(new RegExp(`^::warning::Could not revoke the lease ${leaseId} `, 'm'));
    expect((await usersOf(em, 'app-db')).map((u) => u.username)).toContain(leaseId);
    expect(existsSync(file.home)).toBe(false);
  });
});
