import { readFile } from 'node:fs/promises';
import type { AuditEntry } from '../audit/audit-log.js';
import type { Context } from '../context.js';
import { renderColumns } from '../output/columns.js';
import { renderJson } from '../output/formats.js';

export interface ShowAuditOptions {
  config?: string;
  json?: boolean;
}

/** Lines that are not JSON objects (a torn write, a hand edit) are skipped rather than trusted. */
export function parseAuditLines(text: string): AuditEntry[] {
  const entries: AuditEntry[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const entry = JSON.parse(line) as unknown;
      if (entry !== null && typeof entry === 'object' && typeof (entry as AuditEntry).command === 'string') entries.push(entry as AuditEntry);
    } catch {
      // skipped
    }
  }
  return entries;
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
      e.time, `${e.user}@${e.host}`, e.command, e.config ?? '', e.leaseId ?? '', e.expiresAt ?? '',
      e.outcome === 'ok' ? 'ok' : `error (exit ${e.exitCode ?? '?'}${e.errorCode ? `, ${e.errorCode}` : ''})`,
    ]),
    await context.io.painter('stdout'),
  );
}
