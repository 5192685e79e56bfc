import { main as cli } from '../cli.js';
import { stdout } from '../cli/host.js';
import { actionInput, appendRunnerFile, commandData, parseEnvironmentFile, readFrom, savedState, sizeOf, type Env } from './runner.js';

/**
 * The GitHub Action's two steps, thin over the CLI itself: `main` runs `dynsecret lease --from-file CONFIG
 * --github-env` (masks first, then the job's environment), `post` runs `dynsecret revoke ID --from-file
 * CONFIG`, both through the CLI's own program, so the action behaves exactly as the documented commands do.
 * Each returns the step's exit status.
 */

const workflowCommand = (name: string, text: string) => stdout.write(`::${name}::${commandData(text)}\n`);

/** The CLI's exit status for `args`, run in this process (its messages go to stderr as usual). */
async function runCli(args: readonly string[]): Promise<number> {
  process.exitCode = 0;
  await cli(['node', 'dynsecret', ...args]);
  const code = Number(process.exitCode ?? 0);
  process.exitCode = 0;
  return code;
}

/** The CLI flags the inputs `ttl`, `prefix`, `wait` and `allow-ip` stand for. */
export function leaseArguments(env: Env, config: string): string[] {
  const args = ['lease', '--from-file', config, '--github-env'];
  const ttl = actionInput(env, 'ttl');
  const prefix = actionInput(env, 'prefix');
  const wait = actionInput(env, 'wait');
  const allowIp = actionInput(env, 'allow-ip');
  if (ttl !== '') args.push('--ttl', ttl);
  if (prefix !== '') args.push('--prefix', prefix);
  // `true` waits with the default timeout, a duration waits that long, `false` (or nothing) does not wait.
  if (wait === 'true') args.push('--wait');
  else if (wait !== '' && wait !== 'false') args.push(`--wait=${wait}`);
  if (allowIp !== '') args.push('--allow-ip', allowIp);
  return args;
}

/** `main`: leases, then saves the lease id as state (for `post`) before anything else, then the outputs. */
export async function leaseStep(env: Env): Promise<number> {
  const config = actionInput(env, 'config');
  if (config === '') {
    workflowCommand(
      'error',
      'The config input is required: the path of a store-less config file (what dynsecret lease --from-file takes).',
    );
    return 2;
  }
  const githubEnv = env.GITHUB_ENV;
  if (!githubEnv) {
    workflowCommand('error', 'GITHUB_ENV is not set: this action runs only as a step of a GitHub Actions job.');
    return 2;
  }
  const before = await sizeOf(githubEnv);
  const code = await runCli(leaseArguments(env, config));
  if (code !== 0) {
    workflowCommand('error', `dynsecret could not lease from ${config} (exit ${code}); the lines above say why.`);
    return code;
  }
  // What the lease appended for the next steps says which lease it is (the password stays in memory only).
  const vars = parseEnvironmentFile(await readFrom(githubEnv, before));
  const leaseId = vars.get('DYNSECRET_LEASE_ID');
  const expiresAt = vars.get('DYNSECRET_LEASE_EXPIRES_AT');
  const username = vars.get(`${actionInput(env, 'prefix')}DB_USERNAME`);
  if (leaseId === undefined || expiresAt === undefined || username === undefined) {
    workflowCommand('error', 'dynsecret reported a lease but appended no DYNSECRET_LEASE_ID to $GITHUB_ENV.');
    return 1;
  }
  await appendRunnerFile(env, 'GITHUB_STATE', [['lease-id', leaseId]]);
  await appendRunnerFile(env, 'GITHUB_OUTPUT', [
    ['lease-id', leaseId],
    ['username', username],
    ['expires-at', expiresAt],
  ]);
  return 0;
}

/**
 * `post`: revokes the lease `main` saved, whatever the job did in between. A revoke that fails is a warning,
 * never a failed job: Atlas deletes the user at its expiry anyway.
 */
export async function revokeStep(env: Env): Promise<number> {
  const leaseId = savedState(env, 'lease-id');
  if (leaseId === '') {
    stdout.write('No lease to revoke: the lease step made none.\n');
    return 0;
  }
  const config = actionInput(env, 'config');
  const code = await runCli(['revoke', leaseId, '--from-file', config]);
  if (code !== 0) {
    workflowCommand(
      'warning',
      `Could not revoke the lease ${leaseId} (exit ${code}); Atlas deletes it at its expiry, or revoke it with: dynsecret revoke ${leaseId} --from-file ${config}`,
    );
  }
  return 0;
}

/** Runs a step as the process: its status becomes the exit code; an unexpected error fails it with one line. */
export function runStep(step: (env: Env) => Promise<number>, failureIsWarning = false): void {
  step(process.env).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      workflowCommand(failureIsWarning ? 'warning' : 'error', error instanceof Error ? error.message : String(error));
      process.exitCode = failureIsWarning ? 0 : 1;
    },
  );
}
