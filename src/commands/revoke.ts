import type { Context } from '../cli/context.js';
import { UsageError } from '../errors.js';
import { auditRevokes, revokeFailure, revokeTargets, selectTargets, type RevokeResult, type RevokeSelection } from '../service/revoke.js';
import { removeFromEnvFile } from '../output/env-file.js';
import { checkPrefix } from '../output/lease-output.js';
import { revokeLine } from '../output/lease-messages.js';
import { renderJson } from '../output/formats.js';
import type { CommandFlags } from './define.js';

/** `dynsecret revoke`'s options, as its definition (revoke.command.ts) declares them. */
type RevokeFlags = CommandFlags['revoke'];

/** What `dynsecret revoke` is given (revoke.command.ts): the lease ids and its options but --from-file. */
export type RevokeOptions = RevokeSelection & Omit<RevokeFlags, 'fromFile'>;

/** `dynsecret revoke`: deletes the Atlas users; a failure stays listed as "revoke failed" unless --force. */
export async function revoke(context: Context, options: RevokeOptions): Promise<string> {
  if (options.prefix !== undefined) checkPrefix(options.prefix);
  const targets = await selectTargets(context, options);
  if (options.all && targets.length > 0 && !options.yes) {
    if (!context.io.interactive) throw new UsageError(`Revoking every lease of ${options.config} needs confirmation: pass --yes.`);
    const confirmed = await context.prompts.confirm({ message: `Revoke ${targets.length} lease(s) of ${options.config}?`, default: false });
    if (!confirmed) return '';
  }
  const results = await revokeTargets(context, targets, { force: options.force });
  if (options.envFile !== undefined) await clearEnvFile(context, options.envFile, options.prefix ?? '', results);
  auditRevokes(context, results);
  for (const result of results) context.io.error(revokeLine(result));
  if (targets.length === 0) context.io.error('Nothing to revoke.');
  const output = options.json ? renderJson(results) : '';
  const failure = revokeFailure(results);
  if (failure) throw failure;
  return output;
}

/** Removes the lease's variables from an env file, only while the file still holds that lease. */
async function clearEnvFile(context: Context, path: string, prefix: string, results: readonly RevokeResult[]): Promise<void> {
  const { readFile } = await import('node:fs/promises');
  const text = await readFile(path, 'utf8').catch(() => undefined);
  if (text === undefined) return;
  const done = results.filter((r) => r.outcome !== 'failed').map((r) => r.leaseId);
  const holder = /^(?:export\s+)?DYNSECRET_LEASE_ID=['"]?([A-Za-z0-9._-]+)['"]?\s*$/m.exec(text)?.[1];
  if (holder === undefined || !done.includes(holder)) {
    context.io.error(`${path} holds ${holder === undefined ? 'no lease' : `another lease (${holder})`}; left unchanged.`);
    return;
  }
  const names = [
    `${prefix}DB_USERNAME`,
    `${prefix}DB_PASSWORD`,
    `${prefix}MONGODB_URI`,
    'DYNSECRET_LEASE_ID',
    'DYNSECRET_LEASE_EXPIRES_AT',
  ];
  await removeFromEnvFile(path, names);
  context.io.error(`Removed the lease's variables from ${path}.`);
}
