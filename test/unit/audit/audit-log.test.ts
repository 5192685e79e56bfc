import { execFileSync } from 'node:child_process';
import { existsSync, lchownSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AuditLog, parseAuditLines } from '../../../src/audit/audit-log.js';

const entry = {
  time: '2026-11-29T10:00:00.000Z',
  user: 'ana',
  host: 'laptop',
  command: 'lease',
  config: 'app-db',
  leaseId: 'ds-app-db-1',
  expiresAt: '2026-11-29T11:00:00.000Z',
  outcome: 'ok',
};
const line = (fields: Record<string, unknown>) => JSON.stringify(fields);

describe('parseAuditLines', () => {
  it.each<[string, string, number]>([
    ['an entry', line(entry), 1],
    ['a failure with its exit and error code', line({ ...entry, outcome: 'error', exitCode: 5, errorCode: 'USER_NOT_FOUND' }), 1],
    ['an entry with only the required fields', line({ time: entry.time, user: 'u', host: 'h', command: 'list', outcome: 'ok' }), 1],
    ['blank lines', '\n  \n', 0],
    ['a torn write', line(entry).slice(0, 40), 0],
    ['a JSON value that is not an object', '[1, 2]', 0],
    ['null', 'null', 0],
    ['an entry without a command', line({ ...entry, command: undefined }), 0],
    ['a numeric command', line({ ...entry, command: 5 }), 0],
    ['an unknown outcome', line({ ...entry, outcome: 'maybe' }), 0],
    ['a textual exit code', line({ ...entry, outcome: 'error', exitCode: '5' }), 0],
    ['an entry without its host', line({ ...entry, host: undefined }), 0],
  ])('reads %s as %d entries', (_what, text, count) => {
    expect(parseAuditLines(text)).toHaveLength(count);
  });

  it('keeps the good lines around a bad one, in order, and drops fields it does not know', () => {
    const text = [line({ ...entry, leaseId: 'a' }), '{"torn', line({ ...entry, leaseId: 'b', planted: 'x' }), ''].join('\n');
    const entries = parseAuditLines(text);
    expect(entries.map((e) => e.leaseId)).toEqual(['a', 'b']);
    expect(entries[1]).not.toHaveProperty('planted');
  });

  it('reads back what AuditLog writes', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'dynsecret-audit-')), 'audit.log');
    const log = new AuditLog(path, () => new Date('2026-11-29T10:00:00.000Z'));
    log.note({ config: 'app-db', leaseId: 'ds-1', expiresAt: '2026-11-29T11:00:00.000Z' });
    await log.flush('lease', { config: 'app-db', exitCode: 6, errorCode: 'TIMEOUT' });
    const entries = parseAuditLines(readFileSync(path, 'utf8'));
    expect(entries.map((e) => [e.command, e.outcome, e.leaseId, e.exitCode])).toEqual([
      ['lease', 'ok', 'ds-1', undefined],
      ['lease', 'error', undefined, 6],
    ]);
  });
});

describe('AuditLog opens its file like an env file', () => {
  const note = { config: 'app-db', leaseId: 'ds-app-db-1', expiresAt: '2026-11-29T11:00:00.000Z' };
  const isRoot = process.getuid?.() === 0;

  it('refuses a FIFO at once instead of waiting for a reader', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dynsecret-audit-'));
    const path = join(dir, 'audit.log');
    execFileSync('mkfifo', [path]);
    const log = new AuditLog(path);
    log.note(note);
    await expect(log.flush('lease')).rejects.toMatchObject({ code: 'not a regular file' });
  });

  it.skipIf(!isRoot)("refuses a folder reached through another user's symbolic link", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dynsecret-audit-'));
    const real = join(dir, 'real');
    mkdirSync(real);
    const link = join(dir, 'link');
    symlinkSync(real, link);
    lchownSync(link, 65534, 65534);
    const log = new AuditLog(join(link, 'audit.log'));
    log.note(note);
    await expect(log.flush('lease')).rejects.toMatchObject({ code: 'behind a symbolic link owned by another user' });
    expect(existsSync(join(real, 'audit.log'))).toBe(false);
  });

  it('writes through a symbolic link of its own user', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dynsecret-audit-'));
    mkdirSync(join(dir, 'real'));
    symlinkSync(join(dir, 'real'), join(dir, 'link'));
    const log = new AuditLog(join(dir, 'link', 'audit.log'));
    log.note(note);
    await log.flush('lease');
    expect(readFileSync(join(dir, 'real', 'audit.log'), 'utf8')).toContain('"leaseId":"ds-app-db-1"');
  });
});
