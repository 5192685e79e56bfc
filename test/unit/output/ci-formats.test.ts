import { mkdtempSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/errors.js';
import { applyPlainUpdates, checkPlainValue, renderPlainEnv } from '../../../src/output/env-plain.js';
import { appendGithubEnv, githubEnvBlock, githubEnvPath, maskCommands } from '../../../src/output/github-env.js';

describe('--format env: values written literally or not at all', () => {
  it.each([
    ['a password', 'Ab3-._~xyz', true],
    ['a URI', 'mongodb+srv://u:p%40ss@cluster0.example.mongodb.net/?retryWrites=true', true],
    ['an inner space', 'a b', true],
    ['an inner quote', "it's", true],
    ['a # and a $', 'a#b$c', true],
    ['a newline', 'a\nb', false],
    ['a carriage return', 'a\rb', false],
    ['a NUL', 'a\0b', false],
    ['a tab', 'a\tb', false],
    ['DEL', 'a\u007fb', false],
    ['a line separator', 'a\u2028b', false],
    ['a leading space', ' ab', false],
    ['a trailing space', 'ab ', false],
    ['a trailing no-break space', 'ab\u00a0', false],
    ['a backslash', 'a\\nb', false],
    ['a leading double quote', '"ab', false],
    ['a trailing single quote', "ab'", false],
  ])('%s: %j → %s', (_what, value, ok) => {
    const check = () => checkPlainValue('DB_PASSWORD', value);
    if (ok) expect(check).not.toThrow();
    else expect(check).toThrow(UsageError);
  });

  it('names the variable, never the value', () => {
    expect(() =>
      renderPlainEnv([
        ['DB_USERNAME', 'u'],
        ['DB_PASSWORD', 'sec\nret'],
      ]),
    ).toThrow(/^The value of DB_PASSWORD cannot be written literally/);
    try {
      renderPlainEnv([['DB_PASSWORD', 'sec\nret']]);
    } catch (error) {
      expect((error as Error).message).not.toContain('sec');
    }
  });

  it('checks every value before rendering any line', () => {
    expect(() =>
      renderPlainEnv([
        ['A', 'fine'],
        ['B', 'bad\n'],
      ]),
    ).toThrow(UsageError);
    expect(
      renderPlainEnv([
        ['A', 'x=y'],
        ['B', '2'],
      ]),
    ).toBe('A=x=y\nB=2\n');
  });

  it.each([
    ['', [['A', '1']], 'A=1\n'],
    ['# c\nA=old\nB=keep\n', [['A', 'new']], '# c\nA=new\nB=keep\n'],
    [
      'A=old\r\nB=keep\r\n',
      [
        ['A', 'new'],
        ['C', '3'],
      ],
      'A=new\r\nB=keep\r\nC=3\r\n',
    ],
    ['B=keep', [['A', '1']], 'B=keep\nA=1\n'],
    ['A=1\nA=2\n', [['A', '3']], 'A=3\nA=3\n'],
  ] as const)('updates %j', (text, vars, expected) => {
    expect(applyPlainUpdates(text, vars)).toBe(expected);
  });
});

describe('GitHub environment file', () => {
  it('writes each variable as a NAME<<DELIMITER block', () => {
    expect(
      githubEnvBlock(
        [
          ['A', 'one'],
          ['B', 'two\nlines'],
        ],
        (n) => Buffer.alloc(n, 1),
      ),
    ).toBe(
      'A<<ghadelimiter_01010101010101010101010101010101\none\nghadelimiter_01010101010101010101010101010101\n' +
        'B<<ghadelimiter_01010101010101010101010101010101\ntwo\nlines\nghadelimiter_01010101010101010101010101010101\n',
    );
  });

  it('draws a new delimiter while the value contains it', () => {
    const draws = [Buffer.alloc(16, 1), Buffer.alloc(16, 2)];
    const taken = `x\nghadelimiter_${'01'.repeat(16)}\nINJECTED=1`;
    const block = githubEnvBlock([['A', taken]], () => draws.shift()!);
    expect(block).toBe(`A<<ghadelimiter_${'02'.repeat(16)}\n${taken}\nghadelimiter_${'02'.repeat(16)}\n`);
  });

  it('masks each value once, and refuses to mask a value with a line break', () => {
    expect(maskCommands(['p', 'mongodb://u:p@h'])).toBe('::add-mask::p\n::add-mask::mongodb://u:p@h\n');
    expect(() => maskCommands(['a\nb'])).toThrow(UsageError);
  });

  it('needs GITHUB_ENV', () => {
    expect(() => githubEnvPath({})).toThrow(/GITHUB_ENV/);
    expect(() => githubEnvPath({ GITHUB_ENV: '' })).toThrow(/GITHUB_ENV/);
    expect(githubEnvPath({ GITHUB_ENV: '/x' })).toBe('/x');
  });

  it('appends to an existing file without changing its mode, and creates a missing one 0600', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dynsecret-gh-'));
    const existing = join(dir, 'env');
    writeFileSync(existing, 'X=1\n', { mode: 0o644 });
    await appendGithubEnv(existing, 'Y=2\n');
    expect(readFileSync(existing, 'utf8')).toBe('X=1\nY=2\n');
    expect(statSync(existing).mode & 0o777).toBe(0o644);
    const created = join(dir, 'new');
    await appendGithubEnv(created, 'Z=3\n');
    expect(statSync(created).mode & 0o777).toBe(0o600);
    await expect(appendGithubEnv(join(dir, 'missing', 'env'), 'Z=3\n')).rejects.toThrow(UsageError);
    const link = join(dir, 'link');
    symlinkSync(existing, link);
    await expect(appendGithubEnv(link, 'EVIL=1\n')).rejects.toThrow(/is a symlink/);
    expect(readFileSync(existing, 'utf8')).toBe('X=1\nY=2\n');
  });
});
