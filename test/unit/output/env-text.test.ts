import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/errors.js';
import { applyEnvUpdates, removeEnvKeys } from '../../../src/output/env-text.js';

const VARS: [string, string][] = [
  ['DB_USERNAME', 'ds-app-new'],
  ['DB_PASSWORD', 'New-pass.word~1'],
];

describe('applyEnvUpdates (dotenv)', () => {
  it.each([
    ['an empty file', '', "DB_USERNAME='ds-app-new'\nDB_PASSWORD='New-pass.word~1'\n"],
    ['a file with only a newline', '\n', "\nDB_USERNAME='ds-app-new'\nDB_PASSWORD='New-pass.word~1'\n"],
    [
      'other lines kept, new keys appended',
      '# app settings\nPORT=3000\n\nLOG_LEVEL=debug # noisy\n',
      "# app settings\nPORT=3000\n\nLOG_LEVEL=debug # noisy\nDB_USERNAME='ds-app-new'\nDB_PASSWORD='New-pass.word~1'\n",
    ],
    [
      'existing keys replaced in place',
      "PORT=3000\nDB_USERNAME=old\nHOST=x\nDB_PASSWORD='old'\nTAIL=1\n",
      "PORT=3000\nDB_USERNAME='ds-app-new'\nHOST=x\nDB_PASSWORD='New-pass.word~1'\nTAIL=1\n",
    ],
    [
      'export prefix kept per line',
      "export DB_USERNAME=old\nDB_PASSWORD=old\n",
      "export DB_USERNAME='ds-app-new'\nDB_PASSWORD='New-pass.word~1'\n",
    ],
    [
      'indentation and spaces around = tolerated',
      "  DB_USERNAME = old\n\texport\tDB_PASSWORD=old\n",
      "  DB_USERNAME='ds-app-new'\n\texport DB_PASSWORD='New-pass.word~1'\n",
    ],
    [
      'one key replaced, the other appended',
      'A=1\nDB_PASSWORD=old\nB=2\n',
      "A=1\nDB_PASSWORD='New-pass.word~1'\nB=2\nDB_USERNAME='ds-app-new'\n",
    ],
    [
      'no trailing newline kept',
      'A=1\nB=2',
      "A=1\nB=2\nDB_USERNAME='ds-app-new'\nDB_PASSWORD='New-pass.word~1'",
    ],
    [
      'no trailing newline kept when replacing the last line',
      'A=1\nDB_PASSWORD=old',
      "A=1\nDB_PASSWORD='New-pass.word~1'\nDB_USERNAME='ds-app-new'",
    ],
    [
      'CRLF kept',
      '# x\r\nA=1\r\nDB_USERNAME=old\r\n',
      "# x\r\nA=1\r\nDB_USERNAME='ds-app-new'\r\nDB_PASSWORD='New-pass.word~1'\r\n",
    ],
    [
      'CRLF without a trailing newline',
      'A=1\r\nB=2',
      "A=1\r\nB=2\r\nDB_USERNAME='ds-app-new'\r\nDB_PASSWORD='New-pass.word~1'",
    ],
    [
      'a multi-line double-quoted value replaced whole',
      'A=1\nDB_PASSWORD="line1\nline2\nline3"\nB=2\n',
      "A=1\nDB_PASSWORD='New-pass.word~1'\nB=2\nDB_USERNAME='ds-app-new'\n",
    ],
    [
      'a multi-line single-quoted value replaced whole',
      "DB_USERNAME='a\nb'  # comment\nB=2\n",
      "DB_USERNAME='ds-app-new'\nB=2\nDB_PASSWORD='New-pass.word~1'\n",
    ],
    [
      'a multi-line value with a comment in a CRLF file replaced whole',
      'A=1\r\nDB_PASSWORD="x\r\ny" # old\r\nB=2\r\n',
      "A=1\r\nDB_PASSWORD='New-pass.word~1'\r\nB=2\r\nDB_USERNAME='ds-app-new'\r\n",
    ],
    [
      'a multi-line backtick value replaced whole',
      'DB_USERNAME=`a\nb`\nB=2\n',
      "DB_USERNAME='ds-app-new'\nB=2\nDB_PASSWORD='New-pass.word~1'\n",
    ],
    [
      'a multi-line value of another key kept, even when it holds our key names',
      "CERT=\"-----BEGIN-----\nDB_PASSWORD=fake\n-----END-----\"\nDB_PASSWORD=old\n",
      "CERT=\"-----BEGIN-----\nDB_PASSWORD=fake\n-----END-----\"\nDB_PASSWORD='New-pass.word~1'\nDB_USERNAME='ds-app-new'\n",
    ],
    [
      'an apostrophe in an unquoted value does not open a quote',
      "GREETING=it's me\nDB_PASSWORD=old\nNOTE=o'clock\n",
      "GREETING=it's me\nDB_PASSWORD='New-pass.word~1'\nNOTE=o'clock\nDB_USERNAME='ds-app-new'\n",
    ],
    [
      'an escaped quote inside double quotes does not close it',
      'DB_PASSWORD="a\\"\nb"\nB=2\n',
      "DB_PASSWORD='New-pass.word~1'\nB=2\nDB_USERNAME='ds-app-new'\n",
    ],
    [
      'a value ending in a backslash closes on its own line',
      "DB_PASSWORD='a\\'\nB='x'\n",
      "DB_PASSWORD='New-pass.word~1'\nB='x'\nDB_USERNAME='ds-app-new'\n",
    ],
    [
      'an unterminated quote only takes its own line',
      'DB_PASSWORD="broken\nB=2\n',
      "DB_PASSWORD='New-pass.word~1'\nB=2\nDB_USERNAME='ds-app-new'\n",
    ],
    [
      'every duplicate of a key replaced',
      'DB_USERNAME=a\nX=1\nDB_USERNAME=b\n',
      "DB_USERNAME='ds-app-new'\nX=1\nDB_USERNAME='ds-app-new'\nDB_PASSWORD='New-pass.word~1'\n",
    ],
    [
      'similar names left alone',
      '#DB_USERNAME=commented\nAPP_DB_USERNAME=x\nDB_USERNAME_OLD=y\nDB_USERNAMEX=z\n',
      "#DB_USERNAME=commented\nAPP_DB_USERNAME=x\nDB_USERNAME_OLD=y\nDB_USERNAMEX=z\nDB_USERNAME='ds-app-new'\nDB_PASSWORD='New-pass.word~1'\n",
    ],
    [
      'a byte-order mark kept and the first line still recognised',
      '\uFEFFDB_USERNAME=old\n',
      "\uFEFFDB_USERNAME='ds-app-new'\nDB_PASSWORD='New-pass.word~1'\n",
    ],
  ])('%s', (_name, before, after) => {
    expect(applyEnvUpdates(before, VARS, 'dotenv')).toBe(after);
  });

  it('single-quotes hostile values, which every dotenv reader and sh take literally', () => {
    expect(applyEnvUpdates('', [['K', '"$(id)"`id`${X}']], 'dotenv')).toBe("K='\"$(id)\"`id`${X}'\n");
  });

  it('refuses a value single quotes cannot carry, before anything is written', () => {
    expect(() => applyEnvUpdates('A=1\n', [['K', "it's\nx"]], 'dotenv')).toThrow(/K/);
  });
});

describe('applyEnvUpdates (shell)', () => {
  it.each([
    ['an empty file', '', "export DB_USERNAME='ds-app-new'\nexport DB_PASSWORD='New-pass.word~1'\n"],
    [
      'lines without export stay without',
      'DB_USERNAME=old\n',
      "DB_USERNAME='ds-app-new'\nexport DB_PASSWORD='New-pass.word~1'\n",
    ],
    [
      "a shell-quoted value with '\\'' replaced whole",
      "export DB_PASSWORD='it'\\''s\nmore'\nB=2\n",
      "export DB_PASSWORD='New-pass.word~1'\nB=2\nexport DB_USERNAME='ds-app-new'\n",
    ],
    [
      'a quote in the middle of a word spans lines, as the shell reads it',
      "DB_PASSWORD=ab'c\nd'e\nB=2\n",
      "DB_PASSWORD='New-pass.word~1'\nB=2\nexport DB_USERNAME='ds-app-new'\n",
    ],
    [
      'an apostrophe in a comment does not open a quote',
      "DB_PASSWORD=x # don't\nB='2'\n",
      "DB_PASSWORD='New-pass.word~1'\nB='2'\nexport DB_USERNAME='ds-app-new'\n",
    ],
    [
      'a backslash before a newline does not join lines',
      'DB_PASSWORD=x\\\nB=2\n',
      "DB_PASSWORD='New-pass.word~1'\nB=2\nexport DB_USERNAME='ds-app-new'\n",
    ],
  ])('%s', (_name, before, after) => {
    expect(applyEnvUpdates(before, VARS, 'shell')).toBe(after);
  });

  it('writes multi-line values with literal newlines', () => {
    expect(applyEnvUpdates('', [['K', "a'\nb"]], 'shell')).toBe("export K='a'\\''\nb'\n");
  });
});

describe('applyEnvUpdates refuses bad input', () => {
  it.each([
    ['a bad name', [['1X', 'v']]],
    ['a NUL in a value', [['K', 'a\0b']]],
    ['a value dotenv cannot hold', [['K', '\'"`\n']]],
  ] as [string, [string, string][]][])('%s', (_name, vars) => {
    expect(() => applyEnvUpdates('A=1\n', vars, 'dotenv')).toThrow(UsageError);
  });
});

describe('removeEnvKeys', () => {
  const NAMES = ['DB_USERNAME', 'DB_PASSWORD'];
  it.each([
    ['an empty file', '', ''],
    ['nothing to remove', '# c\nA=1\n', '# c\nA=1\n'],
    ['keys removed, the rest kept', "# c\nDB_USERNAME='x'\nA=1\n\nexport DB_PASSWORD=y\nB=2\n", '# c\nA=1\n\nB=2\n'],
    ['every duplicate removed', 'DB_USERNAME=a\nA=1\nDB_USERNAME=b\n', 'A=1\n'],
    ['a multi-line value removed whole', 'A=1\nDB_PASSWORD="x\ny"\nB=2\n', 'A=1\nB=2\n'],
    ['CRLF kept', 'A=1\r\nDB_USERNAME=x\r\nB=2\r\n', 'A=1\r\nB=2\r\n'],
    ['no trailing newline kept when the last line goes', 'A=1\nDB_PASSWORD=x', 'A=1'],
    ['no trailing newline kept', 'DB_PASSWORD=x\nA=1', 'A=1'],
    ['everything removed', 'DB_USERNAME=a\nDB_PASSWORD=b\n', ''],
    ['a byte-order mark kept', '\uFEFFDB_USERNAME=a\nA=1\n', '\uFEFFA=1\n'],
  ])('%s', (_name, before, after) => {
    expect(removeEnvKeys(before, NAMES)).toBe(after);
  });

  it('reads the file as a shell would when asked', () => {
    expect(removeEnvKeys("DB_PASSWORD=a'b\nc'\nA=1\n", NAMES, 'shell')).toBe('A=1\n');
    expect(removeEnvKeys("DB_PASSWORD=a'b\nc'\nA=1\n", NAMES, 'dotenv')).toBe("c'\nA=1\n");
  });

  it('refuses a bad name', () => {
    expect(() => removeEnvKeys('A=1\n', ['A-B'])).toThrow(UsageError);
  });
});
