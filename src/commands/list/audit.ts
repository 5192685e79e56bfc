import { readFile } from 'node:fs/promises';
import { parseAuditLines } from '../../audit/audit-log.js';
import type { Context } from '../../cli/context.js';
import { renderColumns } from '../../output/columns.js';
import { renderJson } from '../../output/formats.js';

interface ShowAuditOptions {
  config?: string;
  json?: boolean;
}

/** `dynsecret list --audit [NAME]`: the audit trail, oldest first. */
export async function showAudit(context: Context, options: ShowAuditOptions): Promise<string> {
  const text = await readFile(context.audit.path, 'utf8').catch(() => '');
  const entries = parseAuditLines(text).filter((e) => options.config === undefined || e.config === options.config);
  if (options.json) return renderJson(entries);
  if (entries.length === 0) {
    context.io.error(`No audit entries${options.config === undefined ? '' : ` for ${options.config}`} in ${context.audit.path}.`);
    return '';
  }
  return renderColumns(
    ['TIME', 'USER@HOST', 'COMMAND', 'CONFIG', 'LEASE ID', 'EXPIRES', 'OUTCOME'],
    entries.map((e) => [
      e.time,
      `${e.user}@${e.host}`,
      e.command,
      e.config ?? '',
      e.leaseId ?? '',
      e.expiresAt ?? '',
      e.outcome === 'ok' ? 'ok' : `error (exit ${e.exitCode ?? '?'}${e.errorCode ? `, ${e.errorCode}` : ''})`,
    ]),
    await context.io.painter('stdout'),
  );
}
