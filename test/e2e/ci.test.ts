import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  closeSync,
  constants,
  createReadStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { collected, DYNSECRET, dynsecret, type RunResult } from '../helpers/bin.js';
import { cli } from '../helpers/cli.js';
import { configFile, type ConfigFile } from '../helpers/config-file.js';
import { parseRunnerFile } from '../helpers/github-runner.js';
import { startEmulator, usersOf, type Emulator } from '../helpers/emulator.js';
import { hasBinary, runScript, SCRIPT_SHELLS, UNREACHABLE_URL } from '../helpers/shells.js';

/**
 * The README's "In CI" recipes, run as written (taken from the README's own code blocks) against the
 * emulator, with the CI's variables simulated: `CI`, `GITHUB_ACTIONS` and a `GITHUB_ENV` file per step, read
 * after the step as GitHub documents it; GitLab's dotenv report read as GitLab does (every character after
 * the first `=`). Steps that install things (`npm ci`, `npm install --global dynsecret`) are skipped: here
 * `dynsecret` is the built bin, on PATH.
 */

const README = readFileSync('README.md', 'utf8');
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/** The first fenced block of `lang` after the heading `heading`. */
function block(heading: string, lang: string): string {
  const start = README.indexOf(`\n${heading}\n`);
  if (start === -1) throw new Error(`README has no heading ${heading}`);
  const match = new RegExp('```' + lang + '\\n([\\s\\S]*?)\\n```').exec(README.slice(start));
  if (!match) throw new Error(`no ${lang} block under ${heading}`);
  return match[1]!;
}

const INSTALL = new Set(['npm ci', 'npm install --global dynsecret']);

/** GitLab's reading of a dotenv report: `KEY=VALUE` per line, the value as it stands. */
function parseGitlabDotenv(text: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const equals = line.indexOf('=');
    if (equals <= 0) throw new Error(`invalid dotenv line: ${line}`);
    vars[line.slice(0, equals)] = line.slice(equals + 1);
  }
  return vars;
}

let em: Emulator;
let file: ConfigFile;
let work: string;
let path: string;

/** What the recipes' `npm test`, `npm run migrate` and `./report.sh` run: proves the user works with these credentials. */
const CHECK = `
const { createHash } = require('node:crypto');
const { appendFileSync } = require('node:fs');
(async () => {
  const { DB_USERNAME, DB_PASSWORD, MONGODB_URI, EMULATOR_URL } = process.env;
  const state = await (await fetch(EMULATOR_URL + '/__emulator/state')).json();
  const user = state.users.find((u) => u.username === DB_USERNAME);
  const hash = createHash('sha256').update(DB_PASSWORD || '', 'utf8').digest('hex');
  if (!user || user.passwordSha256 !== hash || !MONGODB_URI.includes(encodeURIComponent(DB_PASSWORD))) {
    console.error('check: the credentials do not work');
    process.exit(1);
  }
  appendFileSync(__dirname + '/checked.log', DB_USERNAME + '\\n');
})();
`;

beforeAll(async () => {
  em = await startEmulator(['--apply-delay', '0s']);
  work = mkdtempSync(join(tmpdir(), 'dynsecret-ci-'));
  file = configFile(em, {}, work);
  mkdirSync(join(work, '.dynsecret'));
  writeFileSync(join(work, '.dynsecret', 'app-db.json'), readFileSync(file.path));
  writeFileSync(
    join(work, 'package.json'),
    JSON.stringify({ name: 'recipe', private: true, scripts: { test: 'node check.js', migrate: 'node check.js' } }),
  );
  writeFileSync(join(work, 'check.js'), CHECK);
  writeFileSync(join(work, 'report.sh'), '#!/bin/sh\nexec node check.js\n', { mode: 0o755 });
  const bin = join(work, 'bin');
  mkdirSync(bin);
  symlinkSync(DYNSECRET, join(bin, 'dynsecret'));
  path = `${bin}:${process.env.PATH ?? ''}`;
});

const baseEnv = () => ({
  PATH: path,
  HOME: work,
  CI: 'true',
  NO_COLOR: '1',
  EMULATOR_URL: em.url,
  MONGODB_ATLAS_PUBLIC_API_KEY: em.publicKey,
  MONGODB_ATLAS_PRIVATE_API_KEY: em.privateKey,
  MONGODB_ATLAS_BASE_URL: em.url,
  DYNSECRET_HOME: file.home,
});

const checked = () => (existsSync(join(work, 'checked.log')) ? readFileSync(join(work, 'checked.log'), 'utf8').trim().split('\n') : []);

interface Step {
  code: number | null;
  stdout: string;
  stderr: string;
  /** What the step appended to $GITHUB_ENV. */
  githubEnv: string;
  /** The step's stdout at the moment the first byte reached $GITHUB_ENV. */
  stdoutBeforeGithubEnv: string | undefined;
}

/**
 * One GitHub Actions step: `sh -c` with a fresh $GITHUB_ENV, here a FIFO, so the test sees the moment
 * the first byte is written; stdout goes to a file, read at that moment.
 */
async function githubStep(command: string, env: Record<string, string>): Promise<Step> {
  const dir = mkdtempSync(join(tmpdir(), 'dynsecret-step-'));
  const fifo = join(dir, 'github_env');
  execFileSync('mkfifo', [fifo]);
  const stdoutPath = join(dir, 'stdout');
  const stdoutFd = openSync(stdoutPath, 'w');
  let githubEnv = '';
  let stdoutBeforeGithubEnv: string | undefined;
  const reader = createReadStream(fifo, { encoding: 'utf8' });
  reader.on('data', (chunk) => {
    stdoutBeforeGithubEnv ??= readFileSync(stdoutPath, 'utf8');
    githubEnv += String(chunk);
  });
  const readerDone = new Promise<void>((resolve) => reader.on('close', () => resolve()));
  const child = spawn('sh', ['-c', command], { cwd: work, env: { ...env, GITHUB_ENV: fifo }, stdio: ['ignore', stdoutFd, 'pipe'] });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  closeSync(stdoutFd);
  try {
    // A step that never opened $GITHUB_ENV leaves the reader waiting: open and close it once to end it.
    closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK));
  } catch {
    // the step wrote and closed it: the reader has ended already
  }
  await readerDone;
  return { code, stdout: readFileSync(stdoutPath, 'utf8'), stderr, githubEnv, stdoutBeforeGithubEnv };
}

describe('README "In CI"', () => {
  it('GitHub Actions: run for the tests, then --github-env for later steps, then revoke', async () => {
    const yaml = block('### GitHub Actions', 'yaml');
    const steps = [...yaml.matchAll(/^\s+(?:- )?run: (.*)$/gm)].map((m) => m[1]!).filter((c) => !INSTALL.has(c));
    expect(steps).toEqual([
      'dynsecret run --from-file .dynsecret/app-db.json -- npm test',
      'dynsecret lease --from-file .dynsecret/app-db.json --ttl 30m --github-env',
      'npm run migrate',
      'dynsecret revoke "$DYNSECRET_LEASE_ID" --from-file .dynsecret/app-db.json',
    ]);
    expect(yaml).toContain('${{ secrets.MONGODB_ATLAS_PRIVATE_API_KEY }}');

    let env: Record<string, string> = { ...baseEnv(), GITHUB_ACTIONS: 'true' };
    const results: Step[] = [];
    let atlasUsers: Awaited<ReturnType<typeof usersOf>> = [];
    for (const command of steps) {
      const step = await githubStep(command, env);
      results.push(step);
      expect(step.code, `${command}: ${step.stderr}`).toBe(0);
      env = { ...env, ...parseRunnerFile(step.githubEnv) };
      if (command.includes('--github-env')) atlasUsers = await usersOf(em, 'app-db');
    }
    const [run, lease, migrate, revoke] = results as [Step, Step, Step, Step];
    expect(run.githubEnv).toBe('');
    expect(checked()).toHaveLength(2);

    // GitHub's reading of $GITHUB_ENV gives exactly the password Atlas received, masked before it was written.
    const vars = parseRunnerFile(lease.githubEnv);
    expect(Object.keys(vars)).toEqual(['DB_USERNAME', 'DB_PASSWORD', 'MONGODB_URI', 'DYNSECRET_LEASE_ID', 'DYNSECRET_LEASE_EXPIRES_AT']);
    const password = vars.DB_PASSWORD!;
    const user = atlasUsers.find((u) => u.username === vars.DB_USERNAME);
    expect(user).toBeDefined();
    expect(user?.passwordSha256).toBe(sha256(password));
    const masks = `::add-mask::${password}\n::add-mask::${vars.MONGODB_URI}\n`;
    expect(lease.stdoutBeforeGithubEnv).toBe(masks);
    expect(lease.stdout).toBe(masks);
    expect(lease.stderr).not.toContain(password);
    for (const step of [migrate, revoke]) expect(step.stdout + step.stderr).not.toContain(password);

    expect(revoke.stderr).toContain(`Revoked ${vars.DYNSECRET_LEASE_ID}.`);
    expect(await usersOf(em, 'app-db')).toEqual([]);
    expect(existsSync(file.home)).toBe(false);
  });

  it('GitLab CI: a dotenv report with --format env, the tests, then revoke', async () => {
    const yaml = block('### GitLab CI', 'yaml');
    const jobs = yaml
      .split(/\n(?=\S)/)
      .map((text) => ({
        name: /^([^\s:]+):/.exec(text)?.[1],
        script: [...text.matchAll(/^ {4}- (.*)$/gm)].map((m) => m[1]!).filter((c) => !INSTALL.has(c)),
      }))
      .filter((job) => job.name !== undefined);
    expect(jobs.map((job) => job.name)).toEqual(['db-credentials', 'test', 'revoke-db-credentials']);
    expect(yaml).toMatch(/dotenv: db\.env/);

    const env: Record<string, string> = { ...baseEnv(), GITLAB_CI: 'true' };
    let report: Record<string, string> = {};
    const before = checked().length;
    for (const job of jobs) {
      for (const command of job.script) {
        const result = await execShell(command, { ...env, ...report });
        expect(result.code, `${command}: ${result.stderr}`).toBe(0);
      }
      if (job.name === 'db-credentials') {
        report = parseGitlabDotenv(readFileSync(join(work, 'db.env'), 'utf8'));
        const user = (await usersOf(em, 'app-db')).find((u) => u.username === report.DB_USERNAME);
        expect(user?.passwordSha256).toBe(sha256(report.DB_PASSWORD!));
        expect(readFileSync(join(work, 'db.env'), 'utf8')).not.toMatch(/'/);
      }
    }
    expect(checked().length).toBe(before + 1);
    expect(await usersOf(em, 'app-db')).toEqual([]);
  });
});

/**
 * The README's plain-script recipes (sh, fish, PowerShell), copied from its code blocks and run by every real
 * shell of their kind: they lease, run the job and revoke, and they stop before the job when the lease fails,
 * both against an Atlas that cannot be reached and when `dynsecret` fails without printing anything (so the
 * recipe does not depend on the failing statement dynsecret prints).
 */
describe('README "A plain shell script"', () => {
  const RECIPES = {
    posix: { lang: 'sh', file: 'recipe.sh' },
    fish: { lang: 'fish', file: 'recipe.fish' },
    powershell: { lang: 'powershell', file: 'recipe.ps1' },
  } as const;
  let down: string;
  /** The endpoint of `down`'s config: a store-less config's endpoint is the environment's. */
  let downUrl: string;
  let silent: string;

  beforeAll(async () => {
    // A folder like `work` whose config names a port nothing listens on.
    down = mkdtempSync(join(tmpdir(), 'dynsecret-ci-down-'));
    downUrl = UNREACHABLE_URL;
    configFile(em, { baseUrl: downUrl }, down);
    writeFileSync(join(down, 'check.js'), CHECK);
    writeFileSync(join(down, 'report.sh'), '#!/bin/sh\nexec node check.js\n', { mode: 0o755 });
    // A `dynsecret` that fails the way no shell can see in its output: nothing on stdout, exit 6.
    silent = mkdtempSync(join(tmpdir(), 'dynsecret-ci-silent-'));
    writeFileSync(join(silent, 'dynsecret'), '#!/bin/sh\necho "dynsecret: no network" >&2\nexit 6\n', { mode: 0o755 });
  });

  const recipe = (kind: keyof typeof RECIPES, folder: string) => {
    const target = join(folder, RECIPES[kind].file);
    writeFileSync(target, `${block('### A plain shell script', RECIPES[kind].lang)}\n`, { mode: 0o755 });
    return target;
  };

  describe.each(SCRIPT_SHELLS.map((shell) => ({ ...shell, present: hasBinary(shell.binary) })))('$name', (shell) => {
    if (!shell.present) console.warn(`ci: the README recipe for ${shell.name} skipped: no ${shell.binary} on PATH`);

    it.skipIf(!shell.present)('leases, runs the job with working credentials, and revokes on exit', async () => {
      const before = checked().length;
      const result = await runScript(shell, recipe(shell.kind, work), { cwd: work, env: baseEnv() });
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toMatch(/^Revoked ds-app-db-/m);
      expect(checked().length).toBe(before + 1);
      expect(await usersOf(em, 'app-db')).toEqual([]);
    });

    it.skipIf(!shell.present)('stops before the job when Atlas cannot be reached', async () => {
      // No retries: a refused connection is refused again, and the recipe's reaction is the subject.
      const result = await runScript(shell, recipe(shell.kind, down), {
        cwd: down,
        env: { ...baseEnv(), MONGODB_ATLAS_BASE_URL: downUrl, DYNSECRET_RETRIES: '0' },
      });
      expect(result.code).not.toBe(0);
      expect(result.stderr).toMatch(/Could not reach 127\.0\.0\.1/);
      expect(existsSync(join(down, 'checked.log'))).toBe(false);
    });

    it.skipIf(!shell.present)('stops before the job when dynsecret fails and prints nothing', async () => {
      const result = await runScript(shell, recipe(shell.kind, down), {
        cwd: down,
        env: { ...baseEnv(), MONGODB_ATLAS_BASE_URL: downUrl, PATH: `${silent}:${path}` },
      });
      expect(result.code).not.toBe(0);
      expect(result.stderr).toMatch(/no network/);
      expect(existsSync(join(down, 'checked.log'))).toBe(false);
    });
  });
});

/**
 * `sh -c command`, asynchronously: a synchronous spawn would stall this process's event loop for seconds, and
 * its idle connection to the emulator would be found closed only on reuse.
 */
function execShell(command: string, env: Record<string, string>): Promise<RunResult> {
  return collected(spawn('sh', ['-c', command], { cwd: work, env, stdio: ['ignore', 'pipe', 'pipe'] }));
}

describe('lease --format env and --github-env', () => {
  // In this process, and through the bin for one success and one refusal (the titles say so).
  const run = (args: string[], env: Record<string, string> = {}) =>
    cli([...args, '--from-file', file.path], { env: { ...file.env, ...env } });
  const runBin = (args: string[], env: Record<string, string> = {}) =>
    dynsecret([...args, '--from-file', file.path], { env: { ...file.env, ...env } });

  it('--format env prints NAME=value lines with no quoting, through the bin', async () => {
    const result = await runBin(['lease', '--format', 'env']);
    expect(result.code).toBe(0);
    const vars = parseGitlabDotenv(result.stdout);
    expect(Object.keys(vars)).toEqual(['DB_USERNAME', 'DB_PASSWORD', 'MONGODB_URI', 'DYNSECRET_LEASE_ID', 'DYNSECRET_LEASE_EXPIRES_AT']);
    const user = (await usersOf(em, 'app-db')).find((u) => u.username === vars.DB_USERNAME);
    expect(user?.passwordSha256).toBe(sha256(vars.DB_PASSWORD!));
    await run(['revoke', vars.DYNSECRET_LEASE_ID!]);
  });

  it('--env-file PATH --format env writes (and replaces) plain lines, keeping the others; --env-file alone stays dotenv', async () => {
    const target = join(work, 'plain.env');
    writeFileSync(target, '# kept\nOTHER=1\nDB_PASSWORD=old\n');
    const first = await run(['lease', '--format', 'env', '--env-file', target]);
    expect(first.code).toBe(0);
    expect(first.stdout).toBe('');
    const text = readFileSync(target, 'utf8');
    expect(text).toMatch(
      /^# kept\nOTHER=1\nDB_PASSWORD=[A-Za-z0-9._~-]{40}\nDB_USERNAME=ds-app-db-\w+\nMONGODB_URI=mongodb\+srv:\/\/\S+\nDYNSECRET_LEASE_ID=\S+\nDYNSECRET_LEASE_EXPIRES_AT=\S+\n$/,
    );
    const dotenv = join(work, 'quoted.env');
    expect((await run(['lease', '--env-file', dotenv])).code).toBe(0);
    expect(readFileSync(dotenv, 'utf8')).toMatch(/^DB_PASSWORD='[^']+'$/m);
  });

  it('--github-env without GITHUB_ENV is exit 2 naming it, before any lease, through the bin', async () => {
    const before = (await usersOf(em, 'app-db')).length;
    const result = await runBin(['lease', '--github-env']);
    expect(result.stderr).toMatch(/GITHUB_ENV/);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect((await usersOf(em, 'app-db')).length).toBe(before);
  });

  it.each([
    ['a symlink', (path: string) => symlinkSync(join(work, 'elsewhere'), path), /symlink/],
    ['in a folder that does not exist', () => undefined, /ENOENT/],
  ])('--github-env with $GITHUB_ENV %s is exit 2 before any user is created, with nothing written', async (name, make, message) => {
    const target = name.includes('folder') ? join(work, 'no-such-folder', 'env') : join(work, `link-${Date.now()}`);
    make(target);
    const before = (await usersOf(em, 'app-db')).length;
    const result = await run(['lease', '--github-env'], { GITHUB_ENV: target });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stdout).toBe('');
    expect((await usersOf(em, 'app-db')).length).toBe(before);
    expect(existsSync(join(work, 'elsewhere'))).toBe(false);
  });

  it('--github-env appends to an existing $GITHUB_ENV, keeping what was there and its mode', async () => {
    const target = join(work, 'runner-env');
    writeFileSync(target, 'EARLIER=1\n', { mode: 0o644 });
    const result = await run(['lease', '--github-env'], { GITHUB_ENV: target });
    expect(result.code).toBe(0);
    const vars = parseRunnerFile(readFileSync(target, 'utf8'));
    expect(vars.EARLIER).toBe('1');
    expect(result.stdout).toBe(`::add-mask::${vars.DB_PASSWORD}\n::add-mask::${vars.MONGODB_URI}\n`);
    expect(execFileSync('stat', ['-c', '%a', target], { encoding: 'utf8' }).trim()).toBe('644');
  });
});
