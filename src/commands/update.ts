import type { Context } from '../cli/context.js';
import { applyChanges, CHANGE_WORDS, configChanges, draftOfConfig, needsVerification } from '../config/changes.js';
import { buildConfig, draftFromFile, mergeDrafts, type ConfigDraft } from '../config/draft.js';
import type { DynamicSecretConfig } from '../config/schema.js';
import { NotFoundError, StoreError, UsageError } from '../errors.js';
import { formatDuration } from '../rules/duration.js';
import { leaseStatus } from '../rules/status.js';
import { checkCaFile, draftFromFlags, readText } from '../config/input.js';
import type { VerifyConfig } from '../service/configs.js';
import type { CommandFlags } from './define.js';

/** `dynsecret update`'s options, as its definition (update.command.ts) declares them. */
type UpdateFlags = CommandFlags['update'];

/** What `dynsecret update` is given (update.command.ts): the flags of `create` but its project and --replace. */
export type UpdateOptions = UpdateFlags;

/**
 * `dynsecret update NAME [flags of create]`: changes only what is given, judged by the same rules as `create`
 * on the whole updated config. New credentials, base URL, CA file or scopes are checked against Atlas before
 * anything is saved (`--no-verify` skips it). A refused update leaves the store as it was. Leases already
 * issued keep their expiry and the max expiry they were issued with; a new max TTL applies to new leases and
 * caps renewals (a renewal never passes the lower of the two). New roles and scopes apply to new leases.
 */
export async function update(context: Context, options: UpdateOptions & { name: string }, verify?: VerifyConfig): Promise<void> {
  if (options.privateKeyStdin && options.clientSecretStdin) {
    throw new UsageError('Only one secret can be read from stdin: choose --private-key-stdin or --client-secret-stdin.');
  }
  const fromFile = options.fromFile === undefined ? {} : draftFromFile(await readText(options.fromFile), options.fromFile);
  if (fromFile.name !== undefined && fromFile.name !== options.name) {
    throw new UsageError(
      `${options.fromFile} names the config ${JSON.stringify(fromFile.name)}, not ${options.name}: a config cannot be renamed.`,
    );
  }
  if (fromFile.groupId !== undefined) {
    throw new UsageError(`${options.fromFile} sets groupId: a config's project cannot be changed.`, {
      hint: 'Create a new config for another project.',
    });
  }
  const saved = (await context.store.read()).configs.find((c) => c.name === options.name);
  if (!saved) throw new NotFoundError(`No config named ${options.name}.`, { hint: 'See the configs with: dynsecret list' });

  const secret =
    options.privateKeyStdin || options.clientSecretStdin
      ? await readSecret(context, options.privateKeyStdin ? 'API private key' : 'Service account client secret')
      : undefined;
  const given = mergeDrafts(fromFile, draftFromFlags(options, secret));
  // The environment rotates the kind of credentials the config keeps; a switch to the other kind is explicit.
  const switching =
    saved.auth.kind === 'apiKey'
      ? given.clientId !== undefined || given.clientSecret !== undefined
      : given.publicKey !== undefined || given.privateKey !== undefined;
  const changes = switching ? given : mergeDrafts(secretsFromEnv(context.env, saved), given);
  if (Object.keys(changes).length === 0) {
    throw new UsageError(`Nothing to update: give what changes, e.g. dynsecret update ${options.name} --max-ttl 8h.`, {
      hint: 'See dynsecret update --help.',
    });
  }
  const { config, warnings } = buildConfig(applyChanges(draftOfConfig(saved), changes), context.now());
  if (config.caFile !== undefined && changes.caFile !== undefined) config.caFile = await checkCaFile(config.caFile);
  const merged: DynamicSecretConfig = {
    ...config,
    createdAt: saved.createdAt,
    ...(saved.connectionString === undefined ? {} : { connectionString: saved.connectionString }),
  };
  const changed = configChanges(saved, merged);
  if (changed.length === 0) {
    context.io.error(`Config ${saved.name} already is as given; nothing was changed.`);
    return;
  }
  const mustVerify = needsVerification(changed);
  let next = merged;
  if (mustVerify && options.verify !== false && verify) next = await verify(context, merged);
  // Unverified new scopes: the recorded connection string may name a cluster that is no longer the scope.
  else if (changed.includes('scopes')) delete next.connectionString;

  await context.store.update((data) => {
    const index = data.configs.findIndex((c) => c.name === saved.name);
    if (index === -1) throw new NotFoundError(`Config ${saved.name} was deleted while it was being updated; nothing was changed.`);
    if (JSON.stringify(data.configs[index]) !== JSON.stringify(saved)) {
      throw new StoreError(`Config ${saved.name} was changed by another process meanwhile; nothing was changed.`, {
        hint: 'Run the update again.',
      });
    }
    data.configs[index] = next;
  });
  context.audit.note({ config: saved.name });
  for (const warning of warnings) context.io.error(`warning: ${warning}`);
  const verified = !mustVerify ? '' : options.verify === false ? ' (not verified against Atlas)' : ' (verified against Atlas)';
  context.io.error(`Updated config ${saved.name}: ${changed.map((change) => CHANGE_WORDS[change]).join(', ')}${verified}.`);
  if (changed.includes('max-ttl')) {
    const live = (await context.store.read()).leases.filter(
      (l) => l.config === saved.name && leaseStatus(l, context.now()) === 'active',
    ).length;
    if (live > 0) {
      context.io.error(
        `${live} live lease(s) keep their expiry; renewing them stops at the lower of the max they were issued with and the new max TTL (${formatDuration(next.maxTtlMs)} from their creation).`,
      );
    }
  }
}

/**
 * The Atlas CLI's secret variables, for the kind of credentials the config already has: set, they rotate
 * the saved secret (and are checked against Atlas first) just as they fill it in for `create`.
 */
function secretsFromEnv(env: Record<string, string | undefined>, saved: DynamicSecretConfig): ConfigDraft {
  const value = (name: string) => (env[name] ? env[name] : undefined);
  return saved.auth.kind === 'apiKey'
    ? { publicKey: value('MONGODB_ATLAS_PUBLIC_API_KEY'), privateKey: value('MONGODB_ATLAS_PRIVATE_API_KEY') }
    : { clientId: value('MONGODB_ATLAS_CLIENT_ID'), clientSecret: value('MONGODB_ATLAS_CLIENT_SECRET') };
}

/** `--private-key-stdin` / `--client-secret-stdin`: stdin, or a hidden prompt when stdin is a terminal. */
async function readSecret(context: Context, what: string): Promise<string> {
  if (context.io.stdinIsTty) {
    if (!context.io.interactive) throw new UsageError(`No ${what.toLowerCase()} on stdin: pipe it in.`);
    return context.prompts.password({ message: `New ${what}` });
  }
  return context.io.readStdin();
}
