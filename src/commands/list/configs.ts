import type { ChalkInstance } from 'chalk';
import type { Context } from '../../cli/context.js';
import type { DynamicSecretConfig } from '../../config/schema.js';
import { formatDurationShort } from '../../rules/duration.js';
import { renderColumns } from '../../output/columns.js';

/** The stable JSON shape of a config in `list --json`; never a secret. */
interface ConfigSummary {
  name: string;
  groupId: string;
  baseUrl: string;
  auth: 'apiKey' | 'serviceAccount';
  publicKey?: string;
  clientId?: string;
  roles: string[];
  scopes: string[];
  defaultTtl: string;
  defaultTtlSeconds: number;
  maxTtl: string;
  maxTtlSeconds: number;
  createdAt: string;
}

function summarizeConfig(config: DynamicSecretConfig): ConfigSummary {
  return {
    name: config.name,
    groupId: config.groupId,
    baseUrl: config.baseUrl,
    auth: config.auth.kind,
    ...(config.auth.kind === 'apiKey' ? { publicKey: config.auth.publicKey } : { clientId: config.auth.clientId }),
    roles: config.roles.map((r) => `${r.roleName}@${r.databaseName}${r.collectionName === undefined ? '' : `.${r.collectionName}`}`),
    scopes: config.scopes.map((s) => `${s.name}:${s.type}`),
    defaultTtl: formatDurationShort(config.defaultTtlMs),
    defaultTtlSeconds: config.defaultTtlMs / 1000,
    maxTtl: formatDurationShort(config.maxTtlMs),
    maxTtlSeconds: config.maxTtlMs / 1000,
    createdAt: config.createdAt,
  };
}

async function renderConfigs(summaries: readonly ConfigSummary[], paint?: ChalkInstance): Promise<string> {
  if (summaries.length === 0) return '';
  return renderColumns(
    ['NAME', 'PROJECT', 'ROLES', 'SCOPES', 'DEFAULT TTL', 'MAX TTL'],
    summaries.map((s) => [s.name, s.groupId, s.roles.join(','), s.scopes.length ? s.scopes.join(',') : '(all)', s.defaultTtl, s.maxTtl]),
    paint,
  );
}

/** `dynsecret list`: the configs, as a table or JSON. */
export async function listConfigs(context: Context, options: { json?: boolean | undefined }): Promise<string> {
  const { configs } = await context.store.read();
  const summaries = configs.map(summarizeConfig).sort((a, b) => a.name.localeCompare(b.name));
  if (options.json) return `${JSON.stringify(summaries, undefined, 2)}\n`;
  if (summaries.length === 0) {
    context.io.error('No configs yet. Create one with: dynsecret create NAME --group-id … --role readWrite@app');
    return '';
  }
  return renderConfigs(summaries, await context.io.painter('stdout'));
}
