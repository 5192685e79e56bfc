import type { Context } from '../cli/context.js';
import { checkCaFile, draftFromFlags, readText } from '../config/input.js';
import type { VerifyConfig } from '../service/configs.js';
import type { CommandFlags } from './define.js';
import { UsageError } from '../errors.js';
import {
  buildConfig,
  DEFAULT_BASE_URL,
  DEFAULT_MAX_TTL,
  DEFAULT_TTL,
  draftFromEnv,
  draftFromFile,
  mergeDrafts,
  type ConfigDraft,
} from '../config/draft.js';
import { formatDuration, parseDuration } from '../rules/duration.js';
import { parseRole, parseScope, validateBaseUrl, validateGroupId, validateRoles, validateScopes } from '../config/rules.js';

/** `dynsecret create`'s options, as its definition (create.command.ts) declares them. */
type CreateFlags = CommandFlags['create'];

/** What `dynsecret create` is given (create.command.ts). */
export type CreateOptions = CreateFlags & { name: string };

/** `dynsecret create NAME`: validate, optionally verify against Atlas, then save under the store lock. */
export async function create(context: Context, options: CreateOptions, verify?: VerifyConfig): Promise<void> {
  if (options.privateKeyStdin && options.clientSecretStdin) {
    throw new UsageError('Only one secret can be read from stdin: choose --private-key-stdin or --client-secret-stdin.');
  }
  const fromFile = options.fromFile === undefined ? {} : draftFromFile(await readText(options.fromFile), options.fromFile);
  const stdinSecret = options.privateKeyStdin || options.clientSecretStdin ? await context.io.readStdin() : undefined;
  const flags: ConfigDraft = { name: options.name, groupId: options.groupId, ...draftFromFlags(options, stdinSecret) };
  let draft = mergeDrafts(draftFromEnv(context.env), fromFile, flags);
  if (context.io.interactive) draft = await askForMissing(context, draft);
  const { config, warnings } = buildConfig(draft, context.now());
  if (config.caFile !== undefined) config.caFile = await checkCaFile(config.caFile);

  const existing = (await context.store.read()).configs.some((c) => c.name === config.name);
  if (existing && !options.replace) {
    throw new UsageError(`A config named ${config.name} already exists.`, { hint: 'Pass --replace to overwrite it.' });
  }
  const verified = options.verify === false || !verify ? config : await verify(context, config);

  await context.store.update((data) => {
    const index = data.configs.findIndex((c) => c.name === verified.name);
    if (index !== -1 && !options.replace) {
      throw new UsageError(`A config named ${verified.name} already exists.`, { hint: 'Pass --replace to overwrite it.' });
    }
    if (index === -1) data.configs.push(verified);
    else data.configs[index] = verified;
  });
  context.audit.note({ config: verified.name });
  for (const warning of warnings) context.io.error(`warning: ${warning}`);
  context.io.error(
    `${existing ? 'Replaced' : 'Created'} config ${verified.name}: project ${verified.groupId}, default TTL ${formatDuration(verified.defaultTtlMs)}, max TTL ${formatDuration(verified.maxTtlMs)}${options.verify === false ? ' (not verified against Atlas)' : ''}.`,
  );
}

/** Turns a validation rule into a prompt validator: true, or the rule's message to show under the prompt. */
const check =
  (rule: (value: string) => unknown) =>
  (value: string): true | string => {
    try {
      rule(value);
      return true;
    } catch (error) {
      return error instanceof UsageError ? error.message : 'Invalid value.';
    }
  };

/** On a terminal, asks for what flags, file and environment did not give, checking each answer as it comes. */
async function askForMissing(context: Context, draft: ConfigDraft): Promise<ConfigDraft> {
  const { prompts } = context;
  const next = { ...draft };
  next.groupId ??= await prompts.input({ message: 'Atlas project (group) ID', validate: check(validateGroupId) });
  if (next.publicKey === undefined && next.clientId === undefined) {
    const publicKey = await prompts.input({ message: 'API public key (leave empty to use a service account)' });
    if (publicKey) next.publicKey = publicKey;
    else next.clientId = await prompts.input({ message: 'Service account client ID' });
  }
  if (next.publicKey !== undefined) next.privateKey ??= await prompts.password({ message: 'API private key' });
  if (next.clientId !== undefined) next.clientSecret ??= await prompts.password({ message: 'Service account client secret' });
  if (!next.roles?.length) {
    const roles = await prompts.input({
      message: 'Roles, comma-separated (e.g. readWrite@app, read@app.orders)',
      validate: check((text) => validateRoles(splitList(text).map(parseRole))),
    });
    next.roles = splitList(roles);
  }
  if (next.scopes === undefined) {
    const scopes = await prompts.input({
      message: 'Scopes, comma-separated (empty = every cluster in the project)',
      default: '',
      validate: check((text) => validateScopes(splitList(text).map(parseScope))),
    });
    next.scopes = splitList(scopes);
  }
  next.defaultTtl ??= await prompts.input({
    message: 'Default TTL',
    default: DEFAULT_TTL,
    validate: check((t) => parseDuration(t, 'TTL')),
  });
  next.maxTtl ??= await prompts.input({ message: 'Max TTL', default: DEFAULT_MAX_TTL, validate: check((t) => parseDuration(t, 'TTL')) });
  next.baseUrl ??= await prompts.input({ message: 'Atlas base URL', default: DEFAULT_BASE_URL, validate: check(validateBaseUrl) });
  return next;
}

const splitList = (text: string) =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
