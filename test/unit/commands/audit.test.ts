import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { showAudit } from '../../../src/commands/list/audit.js';
import { fakeContext } from './fake-context.js';

const entry = (fields: Record<string, unknown>) =>
  JSON.stringify({ time: '2026-11-29T12:00:00Z', user: 'ada', host: 'box', outcome: 'ok', ...fields });

describe('list --audit (in-process)', () => {
  let folder: string | undefined;
  afterEach(async () => {
    if (folder) await rm(folder, { recursive: true, force: true });
  });

  async function withLog(text: string) {
    folder = await mkdtemp(join(tmpdir(), 'dynsecret-audit-'));
    const path = join(folder, 'audit.log');
    await writeFile(path, text);
    const fakes = await fakeContext();
    return { fakes, context: { ...fakes.context, audit: { ...fakes.context.audit, path } }, path };
  }

  it('shows the entries of one config, skipping lines that are not entries', async () => {
    const { context } = await withLog(
      [
        entry({ command: 'lease', config: 'app-db', leaseId: 'ds-a' }),
        '{torn',
        entry({ command: 'lease', config: 'other' }),
        entry({ command: 'revoke', config: 'app-db', outcome: 'error', exitCode: 4, errorCode: 'UNAUTHORIZED' }),
        '',
      ].join('\n'),
    );
    const rows = JSON.parse(await showAudit(context, { config: 'app-db', json: true })) as { command: string }[];
    expect(rows.map((r) => r.command)).toEqual(['lease', 'revoke']);
    expect(await showAudit(context, { config: 'app-db' })).toMatch(/revoke\s+app-db\s+error \(exit 4, UNAUTHORIZED\)/);
  });

  it('says so when there is nothing to show', async () => {
    const { fakes, context, path } = await withLog('');
    expect(await showAudit(context, {})).toBe('');
    expect(fakes.stderr).toEqual([`No audit entries in ${path}.`]);
  });
});
