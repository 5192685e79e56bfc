import type { Context } from '../../cli/context.js';
import { UsageError } from '../../errors.js';
import { defaultCluster, fileConfig } from '../../service/configs.js';
import { createLease, revokeUndelivered, type CheckDelivery, type LeaseRequest, type WaitForApplied } from '../../service/create.js';
import { interruptedBy, watchInterrupts } from '../../service/interrupts.js';
import { checkEnvFile, checkEnvFileRewrite, rewriteEnvFile, upsertEnvFile } from '../../output/env-file.js';
import { applyPlainUpdates, renderPlainEnv } from '../../output/env-plain.js';
import type { OutputFormat, Variable } from '../../output/formats.js';
import { appendGithubEnv, checkGithubEnv, githubEnvBlock, githubEnvPath, maskCommands } from '../../output/github-env.js';
import { checkPrefix, parseOutputFormat, renderLease, type IssuedLease } from '../../output/lease-output.js';
import { formatExpiry } from '../../output/time.js';
import type { CommandFlags } from '../define.js';
import { leaseKeepingFresh, wantsKeepFresh } from './keep-fresh.js';

/** `dynsecret lease`'s options, as its definition (lease.command.ts) declares them. */
type LeaseFlags = CommandFlags['lease'];

type LeaseOptions = LeaseRequest & Pick<LeaseFlags, 'format' | 'envFile'>;

/**
 * What `dynsecret lease` is given (lease.command.ts): its options, with --wait's timeout in ms and without
 * --from-file (whose config is the context's); NAME is optional with `--from-file`.
 */
export type LeaseCommandOptions = Omit<LeaseFlags, 'wait' | 'fromFile'> & {
  name?: string | undefined;
  waitMs?: number | undefined;
  /** The `--from-file` path, for the commands a message names. */
  fromFile?: string | undefined;
};

/**
 * `dynsecret lease`: where the config comes from (the store, or `--from-file`, whose only CLUSTER scope
 * gives MONGODB_URI as `create` would have recorded it), and the CI targets (`--format env`,
 * `--github-env`); the lease itself is the lease service's.
 */
export async function lease(
  context: Context,
  options: LeaseCommandOptions,
  source: { fromFile: boolean; audit: { config?: string | undefined } },
  wait?: WaitForApplied,
): Promise<string> {
  const { githubEnv, keepFresh, onChange, grace, ...rest } = options;
  const fresh = wantsKeepFresh({ keepFresh, onChange, grace, envFile: rest.envFile, format: rest.format });
  if (fresh && githubEnv) throw new UsageError('--keep-fresh keeps --env-file fresh; it does not go with --github-env.');
  let { name, cluster } = rest;
  if (source.fromFile) {
    const config = await fileConfig(context);
    name = config.name;
    source.audit.config = name;
    cluster ??= defaultCluster(config);
  }
  if (name === undefined) throw new UsageError('Name the config: dynsecret lease NAME, or --from-file PATH.');
  const chosen: LeaseOptions = { ...rest, name, ...(cluster === undefined ? {} : { cluster }) };
  if (fresh) return leaseKeepingFresh(context, { ...chosen, envFile: rest.envFile!, onChange, grace }, wait);
  if (githubEnv) return leaseToGithubEnv(context, chosen, wait);
  if (options.format === 'env') return leasePlain(context, chosen, wait);
  return leaseToOutput(context, chosen, wait);
}

/**
 * One way to a destination, given the lease's variables as the lease service built them: `check` tries on the
 * lease-to-be everything delivery could refuse (a value the format cannot carry, a file that cannot be
 * written), before the user exists; `deliver` then delivers those same variables and returns the text for
 * stdout; `where` names the destination on stderr, if it is not stdout.
 */
interface Delivery {
  check(variables: readonly Variable[], lease: IssuedLease): Promise<void> | void;
  deliver(variables: readonly Variable[], lease: IssuedLease): Promise<string>;
  where?: (variables: readonly Variable[]) => string;
}

/**
 * Creates the lease and delivers it: the destination's credentials, then the text for stdout, written here
 * whole (the CLI then prints nothing more). Credentials that could not be delivered (a wait that timed out, a
 * signal before they were out, a stdout or file that could not be written) are revoked, since nobody has them.
 */
async function leaseTo(context: Context, options: LeaseOptions, wait: WaitForApplied | undefined, delivery: Delivery): Promise<string> {
  const interrupts = watchInterrupts(context);
  try {
    const check: CheckDelivery = (candidate, variables) => delivery.check(variables, candidate);
    const { lease: issued, config, variables } = await createLease(context, options, wait, check, interrupts.signal);
    try {
      const output = await delivery.deliver(variables, issued);
      if (interrupts.signal.aborted) throw interruptedBy(interrupts.signal, `before the credentials of ${issued.leaseId} were delivered`);
      if (output !== '') await context.io.deliver(output);
    } catch (error) {
      return await revokeUndelivered(context, config, issued.leaseId, error);
    }
    context.io.error(`Leased ${issued.leaseId} from ${config.name}; expires ${formatExpiry(issued.expiresAt, context.now())}.`);
    if (delivery.where !== undefined) context.io.error(delivery.where(variables));
    return '';
  } finally {
    interrupts.release();
  }
}

/** `--format env`: unquoted `NAME=value` lines on stdout, or into `--env-file`. */
function leasePlain(context: Context, options: LeaseOptions, wait?: WaitForApplied): Promise<string> {
  checkPrefix(options.prefix ?? '');
  const { envFile } = options;
  const updates = (vars: readonly Variable[]) => (current: string) => applyPlainUpdates(current, vars);
  return leaseTo(context, options, wait, {
    check: async (vars) => {
      renderPlainEnv(vars); // refuses a value that cannot be written literally
      if (envFile !== undefined) await checkEnvFileRewrite(envFile, updates(vars));
    },
    deliver: async (vars) => {
      const text = renderPlainEnv(vars);
      if (envFile === undefined) return text;
      await rewriteEnvFile(envFile, updates(vars));
      return '';
    },
    ...(envFile === undefined ? {} : { where: () => `Wrote the credentials to ${envFile}.` }),
  });
}

/** The values `--github-env` masks: the password and the connection string. */
const isMasked = ([name]: Variable) => /DB_PASSWORD$|MONGODB_URI$/.test(name);

/**
 * `--github-env`: the password and the URI are masked first (`::add-mask::`, the only lines on stdout), then
 * the variables are appended to `$GITHUB_ENV` for the job's later steps.
 */
function leaseToGithubEnv(context: Context, options: LeaseOptions, wait?: WaitForApplied): Promise<string> {
  if (options.envFile !== undefined) throw new UsageError('--github-env and --env-file are two destinations: choose one.');
  if (options.format !== undefined) throw new UsageError('--github-env prints only mask commands on stdout: leave out --format.');
  const path = githubEnvPath(context.env);
  checkPrefix(options.prefix ?? '');
  // A --wait runs inside createLease, as for any lease: its lines on stderr name the lease, never a secret.
  return leaseTo(context, options, wait, {
    check: async (vars) => {
      githubEnvBlock(vars);
      await checkGithubEnv(path);
    },
    deliver: async (vars) => {
      const block = githubEnvBlock(vars);
      await context.io.deliver(maskCommands(vars.filter(isMasked).map(([, value]) => value)));
      await appendGithubEnv(path, block);
      return '';
    },
    where: (vars) => `Appended ${vars.map(([name]) => name).join(', ')} to $GITHUB_ENV for the next steps.`,
  });
}

/** The credentials in a format of `--format` on stdout (or none with `--env-file`), written once the lease is ready. */
function leaseToOutput(context: Context, options: LeaseOptions, wait?: WaitForApplied): Promise<string> {
  const format: OutputFormat | undefined = options.format === undefined ? undefined : parseOutputFormat(options.format);
  const { envFile } = options;
  const chosen = format ?? (envFile !== undefined ? undefined : context.io.stdoutIsTty ? 'table' : 'shell');
  return leaseTo(context, options, wait, {
    check: async (vars, candidate) => {
      if (chosen !== undefined) await renderLease(candidate, vars, chosen, context.now());
      if (envFile !== undefined) await checkEnvFile(envFile, vars);
    },
    deliver: async (vars, issued) => {
      if (envFile !== undefined) await upsertEnvFile(envFile, vars);
      return chosen === undefined ? '' : renderLease(issued, vars, chosen, context.now(), () => context.io.painter('stdout'));
    },
    ...(envFile === undefined ? {} : { where: () => `Wrote the credentials to ${envFile}.` }),
  });
}
