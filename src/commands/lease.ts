import type { Context } from '../context.js';
import { UsageError } from '../errors.js';
import { defaultCluster, fileConfig } from '../leases/configs.js';
import { abandon, createLease, type CheckDelivery, type LeaseRequest, type WaitForApplied } from '../leases/create.js';
import { checkEnvFile, checkEnvFileRewrite, rewriteEnvFile, upsertEnvFile } from '../output/env-file.js';
import { applyPlainUpdates, renderPlainEnv } from '../output/env-plain.js';
import type { OutputFormat } from '../output/formats.js';
import { appendGithubEnv, checkGithubEnv, githubEnvBlock, githubEnvPath, maskCommands } from '../output/github-env.js';
import { checkPrefix, connectionString, leaseVariables, parseOutputFormat, renderLease } from '../output/lease-output.js';
import { formatExpiry } from '../output/time.js';

export interface LeaseOptions extends LeaseRequest {
  format?: string;
  envFile?: string;
}

export interface LeaseCommandOptions extends Omit<LeaseOptions, 'name'> {
  /** The NAME argument; optional with `--from-file`. */
  name?: string | undefined;
  /** Append the variables to `$GITHUB_ENV` (GitHub Actions), masked first. */
  githubEnv?: boolean;
}

/**
 * `dynsecret lease`: where the config comes from (the store, or `--from-file`, whose only CLUSTER scope
 * gives MONGODB_URI as `create` would have recorded it), and the CI targets (`--format env`,
 * `--github-env`); the lease itself is the lease service's.
 */
export async function lease(
  context: Context, options: LeaseCommandOptions, source: { fromFile: boolean; audit: { config?: string | undefined } },
  wait?: WaitForApplied,
): Promise<string> {
  const { githubEnv, ...rest } = options;
  let { name, cluster } = rest;
  if (source.fromFile) {
    const config = await fileConfig(context);
    name = config.name;
    source.audit.config = name;
    cluster ??= defaultCluster(config);
  }
  if (name === undefined) throw new UsageError('Name the config: dynsecret lease NAME, or --from-file PATH.');
  const chosen: LeaseOptions = { ...rest, name, ...(cluster === undefined ? {} : { cluster }) };
  if (githubEnv) return leaseToGithubEnv(context, chosen, wait);
  if (options.format === 'env') return leasePlain(context, chosen, wait);
  return leaseToOutput(context, chosen, wait);
}

/** `--format env`: unquoted `NAME=value` lines on stdout, or into `--env-file`. */
async function leasePlain(context: Context, options: LeaseOptions, wait?: WaitForApplied): Promise<string> {
  const prefix = options.prefix ?? '';
  checkPrefix(prefix);
  // Tried before the user exists: a value this format cannot carry, or a file that cannot be written, ends
  // the command while there is nothing to revoke.
  const checkDelivery: CheckDelivery = async (candidate) => {
    const vars = leaseVariables(candidate, prefix);
    renderPlainEnv(vars);
    if (options.envFile !== undefined) await checkEnvFileRewrite(options.envFile, (current) => applyPlainUpdates(current, vars));
  };
  const { lease: issued, config } = await createLease(context, options, wait, checkDelivery);
  const vars = leaseVariables(issued, prefix);
  let text: string;
  try {
    text = renderPlainEnv(vars); // refuses a value that cannot be written literally, before any output
    if (options.envFile !== undefined) await rewriteEnvFile(options.envFile, (current) => applyPlainUpdates(current, vars));
  } catch (error) {
    // Nobody can use credentials that were never delivered: revoke rather than leave them alive.
    await abandon(context, config, issued.leaseId, true);
    throw error;
  }
  context.io.error(`Leased ${issued.leaseId} from ${config.name}; expires ${formatExpiry(issued.expiresAt, context.now())}.`);
  if (options.envFile === undefined) return text;
  context.io.error(`Wrote the credentials to ${options.envFile}.`);
  return '';
}

/**
 * `--github-env`: the password and the URI are masked first (`::add-mask::`, the only lines on stdout), then
 * the variables are appended to `$GITHUB_ENV` for the job's later steps.
 */
async function leaseToGithubEnv(context: Context, options: LeaseOptions, wait?: WaitForApplied): Promise<string> {
  if (options.envFile !== undefined) throw new UsageError('--github-env and --env-file are two destinations: choose one.');
  if (options.format !== undefined) throw new UsageError('--github-env prints only mask commands on stdout: leave out --format.');
  const path = githubEnvPath(context.env);
  const prefix = options.prefix ?? '';
  checkPrefix(prefix);
  const checkDelivery: CheckDelivery = async (candidate) => {
    githubEnvBlock(leaseVariables(candidate, prefix));
    await checkGithubEnv(path);
  };
  // A --wait runs inside createLease, as for any lease: its lines on stderr name the lease, never a secret.
  const { lease: issued, config } = await createLease(context, options, wait, checkDelivery);
  const vars = leaseVariables(issued, prefix);
  try {
    const block = githubEnvBlock(vars);
    const uri = issued.clusterUri === undefined ? [] : [connectionString(issued.clusterUri, issued.username, issued.password)];
    context.io.output(maskCommands([issued.password, ...uri]));
    await appendGithubEnv(path, block);
  } catch (error) {
    await abandon(context, config, issued.leaseId, true);
    throw error;
  }
  context.io.error(`Leased ${issued.leaseId} from ${config.name}; expires ${formatExpiry(issued.expiresAt, context.now())}.`);
  context.io.error(`Appended ${vars.map(([name]) => name).join(', ')} to $GITHUB_ENV for the next steps.`);
  return '';
}

/** The stdout text (or `--env-file`), written by the CLI only after everything succeeded. */
async function leaseToOutput(context: Context, options: LeaseOptions, wait?: WaitForApplied): Promise<string> {
  const format: OutputFormat | undefined = options.format === undefined ? undefined : parseOutputFormat(options.format);
  const prefix = options.prefix ?? '';
  const chosen = format ?? (options.envFile !== undefined ? undefined : context.io.stdoutIsTty ? 'table' : 'shell');
  // The output and the env file are tried before the user is created: a value a format cannot carry, or a
  // file that cannot be written, ends the command while there is nothing to revoke.
  const checkDelivery: CheckDelivery = async (issued) => {
    if (chosen !== undefined) await renderLease(issued, chosen, prefix, context.now());
    if (options.envFile !== undefined) await checkEnvFile(options.envFile, leaseVariables(issued, prefix));
  };
  const { lease: issued, config } = await createLease(context, options, wait, checkDelivery);
  const now = context.now();
  let output: string;
  try {
    if (options.envFile !== undefined) await upsertEnvFile(options.envFile, leaseVariables(issued, prefix));
    output = chosen === undefined ? '' : await renderLease(issued, chosen, prefix, now, () => context.io.painter('stdout'));
  } catch (error) {
    // Nobody can use credentials that were never delivered: revoke rather than leave them alive.
    await abandon(context, config, issued.leaseId, true);
    throw error;
  }
  context.io.error(`Leased ${issued.leaseId} from ${config.name}; expires ${formatExpiry(issued.expiresAt, now)}.`);
  if (options.envFile !== undefined) context.io.error(`Wrote the credentials to ${options.envFile}.`);
  return output;
}
