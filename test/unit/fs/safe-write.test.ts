import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';

// Records what each fsync was given: a file or a folder.
const synced = vi.hoisted(() => [] as string[]);
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const fsyncSync = (fd: number) => {
    synced.push(fs.fstatSync(fd).isDirectory() ? 'folder' : 'file');
    fs.fsyncSync(fd);
  };
  return { ...fs, default: { ...fs, fsyncSync }, fsyncSync };
});
const { removeStaleTempFiles, writeFileSafely } = await import('../../../src/fs/safe-write.js');

const folder = () => mkdtempSync(join(tmpdir(), 'dynsecret-atomic-'));

describe('writeFileSafely', () => {
  it.each([
    ['creates', undefined],
    ['replaces', 'old contents, longer than the new ones'],
  ])('%s the file with the given mode and leaves no temp file', (_what, previous) => {
    const dir = folder();
    const path = join(dir, 'store.json');
    if (previous !== undefined) writeFileSync(path, previous, { mode: 0o600 });
    writeFileSafely(path, 'new contents', 0o600);
    expect(readFileSync(path, 'utf8')).toBe('new contents');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['store.json']);
  });

  it('syncs the file, then the folder that holds the rename', () => {
    synced.length = 0;
    writeFileSafely(join(folder(), 'store.json'), 'contents', 0o600);
    expect(synced).toEqual(['file', 'folder']);
  });

  it('keeps the old file and removes its temp file when the rename fails', () => {
    const dir = folder();
    const path = join(dir, 'store.json');
    mkdirSync(path);
    writeFileSync(join(path, 'inside'), 'x');
    expect(() => writeFileSafely(path, 'new contents', 0o600)).toThrow();
    expect(readdirSync(dir)).toEqual(['store.json']);
    expect(readdirSync(path)).toEqual(['inside']);
  });
});

describe('writeFileSafely under any umask', () => {
  const umaskBefore = process.umask();
  afterEach(() => {
    process.umask(umaskBefore);
  });

  it.each(['000', '022', '277'])('gives the file exactly the mode asked for under umask %s', (umask) => {
    process.umask(Number.parseInt(umask, 8));
    const path = join(folder(), 'app.env');
    writeFileSafely(path, 'A=1\n', 0o600);
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('writes a file whose name is as long as a file name may be, and cleans its temp files', () => {
    const dir = folder();
    const path = join(dir, 'x'.repeat(255));
    writeFileSafely(path, 'contents', 0o600);
    expect(readFileSync(path, 'utf8')).toBe('contents');
    writeFileSync(join(dir, `${'x'.repeat(100)}.1-ab.tmp`), '');
    removeStaleTempFiles(path);
    expect(readdirSync(dir)).toEqual(['x'.repeat(255)]);
  });
});

describe('removeStaleTempFiles', () => {
  it('removes the temp files of the given file only', () => {
    const dir = folder();
    const path = join(dir, 'store.json');
    const names = ['store.json', 'store.json.123-abcdef.tmp', 'store.json.9-00.tmp', 'store.json.bak', 'other.json.1-a.tmp', 'audit.log'];
    for (const name of names) writeFileSync(join(dir, name), '');
    mkdirSync(join(dir, 'store.json.lock'));
    removeStaleTempFiles(path);
    expect(readdirSync(dir).sort()).toEqual(['audit.log', 'other.json.1-a.tmp', 'store.json', 'store.json.bak', 'store.json.lock']);
  });

  it('does nothing when the folder is gone', () => {
    expect(() => removeStaleTempFiles(join(folder(), 'missing', 'store.json'))).not.toThrow();
  });
});
