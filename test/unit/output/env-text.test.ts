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
      'export DB_USERNAME=old\nDB_PASSWORD=old\n',
      "export DB_USERNAME='ds-app-new'\nDB_PASSWORD='New-pass.word~1'\n",
    ],
    [
      'indentation and spaces around = tolerated',
      '  DB_USERNAME = old\n\texport\tDB_PASSWORD=old\n',
      "  DB_USERNAME='ds-app-new'\n\texport DB_PASSWORD='New-pass.word~1'\n",
    ],
    [
      'one key replaced, the other appended',
      'A=1\nDB_PASSWORD=old\nB=2\n',
      "A=1\nDB_PASSWORD='New-pass.word~1'\nB=2\nDB_USERNAME='ds-app-new'\n",
    ],
    ['no trailing newline kept', 'A=1\nB=2', "A=1\nB=2\nDB_USERNAME='ds-app-new'\nDB_PASSWORD='New-pass.word~1'"],
    [
      'no trailing newline kept when replacing the last line',
      'A=1\nDB_PASSWORD=old',
      "A=1\nDB_PASSWORD='New-pass.word~1'\nDB_USERNAME='ds-app-new'",
    ],
    ['CRLF kept', '# x\r\nA=1\r\nDB_USERNAME=old\r\n', "# x\r\nA=1\r\nDB_USERNAME='ds-app-new'\r\nDB_PASSWORD='New-pass.word~1'\r\n"],
    ['CRLF without a trailing newline', 'A=1\r\nB=2', "A=1\r\nB=2\r\nDB_USERNAME='ds-app-new'\r\nDB_PASSWORD='New-pass.word~1'"],
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
      'CERT="-----BEGIN-----\nDB_PASSWORD=fake\n-----END-----"\nDB_PASSWORD=old\n',
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
    expect(applyEnvUpdates('', [['K', '"$(id)"`id`${X}']], 'dotenv')).toBe('K=\'"$(id)"`id`${X}\'\n');
  });

  it('refuses a value single quotes cannot carry, before anything is written', () => {
    expect(() => applyEnvUpdates('A=1\n', [['K', "it's\nx"]], 'dotenv')).toThrow(/K/);
  });
});

describe('applyEnvUpdates (shell)', () => {
  it.each([
    ['an empty file', '', "export DB_USERNAME='ds-app-new'\nexport DB_PASSWORD='New-pass.word~1'\n"],
    ['lines without export stay without', 'DB_USERNAME=old\n', "DB_USERNAME='ds-app-new'\nexport DB_PASSWORD='New-pass.word~1'\n"],
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

describe('where a value ends, as each reader sees it', () => {
  const K: [string, string][] = [['K', 'v']];

  it.each([
    ['a quote after blanks', 'K= "a\nb"\nB=2\n', "K='v'\nB=2\n"],
    ['a quote after a tab', "K=\t'a\nb'\nB=2\n", "K='v'\nB=2\n"],
    ['a closing quote followed by a comment', 'K="a\nb" # note\nB=2\n', "K='v'\nB=2\n"],
    ['a closing quote followed by blanks and CR', 'K="a\r\nb"  \r\nB=2\r\n', "K='v'\r\nB=2\r\n"],
    ['a closing quote followed by text: one line only', 'K="a\nb"x\nB=2\n', "K='v'\nb\"x\nB=2\n"],
    ['a quote in the middle of the value: one line only', 'K=a"b\nc"\nB=2\n', "K='v'\nc\"\nB=2\n"],
    ['an escaped quote that closes when the last one cannot', 'K="a\\"\nb" junk\nB=2\n', "K='v'\nb\" junk\nB=2\n"],
    ['a backtick value to the end of the file', 'K=`a\nb`', "K='v'"],
    ['a closing quote at the very end', "A=1\nK='a\nb'", "A=1\nK='v'"],
    ['another quote character does not close it', 'K="a\'\nb`\nc"\nB=2\n', "K='v'\nB=2\n"],
    ['an empty value', 'K=\nB=2\n', "K='v'\nB=2\n"],
    ['an empty quoted value', "K=''\nB=2\n", "K='v'\nB=2\n"],
    ['a key with dots and dashes is another key', 'K.x=1\nK-y=2\nK=3\n', "K.x=1\nK-y=2\nK='v'\n"],
    ['no = sign is not an assignment', 'K\nK =1\n', "K\nK='v'\n"],
    ['export without a blank is part of the name', 'exportK=1\n', "exportK=1\nK='v'\n"],
    ['export followed by several blanks', 'export  \tK=1\n', "export K='v'\n"],
    ['a closing quote with text after it, and a later quote that could close', 'K="a\nb"c\nd"\nB=2\n', 'K=\'v\'\nb"c\nd"\nB=2\n'],
    ['a closing quote at the start of a line', 'K="a\n"\nB=2\n', "K='v'\nB=2\n"],
    // As the dotenv package reads `"a\\"` then `b"`: \" does not close, so the value runs to the next line.
    ['two backslashes before a quote', 'K="a\\\\"\nb"\nC=3\n', "K='v'\nC=3\n"],
    ['an unterminated quote after a comment line', '# top\nK="broken\nB=2\n', "# top\nK='v'\nB=2\n"],
    ['an unterminated quote after a blank line', '\nK="broken\nB=2\n', "\nK='v'\nB=2\n"],
  ])('dotenv: %s', (_name, before, after) => {
    expect(applyEnvUpdates(before, K, 'dotenv')).toBe(after);
  });

  it.each([
    ['an escaped quote inside double quotes', 'K="a\\"b\nc"\nB=2\n', "K='v'\nB=2\n"],
    ['an escaped backslash ends double quotes', 'K="a\\\\"\nB="2"\n', 'K=\'v\'\nB="2"\n'],
    ['a backtick span', 'K=`a\nb`\nB=2\n', "K='v'\nB=2\n"],
    ['# inside a word is not a comment', "K=a#b'c\nd'\nB=2\n", "K='v'\nB=2\n"],
    // `K=#'a` is one word to the shell: the # right after = does not start a comment, the quote spans lines.
    ['# right after = is not a comment', "K=#'a\nb'\nB=2\n", "K='v'\nB=2\n"],
    ['# after a blank is a comment', "K=a #b'c\nB=2\n", "K='v'\nB=2\n"],
    ['# after = and a blank is a comment', "K= #b'c\nB=2\n", "K='v'\nB=2\n"],
    ['# after a tab is a comment', "K=a\t#it's\nB=2\n", "K='v'\nB=2\n"],
    // A quote in a comment would otherwise pair with one on a later line.
    ['a quote in a comment after a blank', "K=x # don't\n# it's fine\nC=3\n", "K='v'\n# it's fine\nC=3\n"],
    ['a quote in a comment after a tab', "K=x\t# don't\n# it's fine\nC=3\n", "K='v'\n# it's fine\nC=3\n"],
    ['a word after a blank is not a comment', "K=x y'a\nb'\nB=2\n", "K='v'\nB=2\n"],
    ['an escaped quote outside quotes', "K=a\\'b\nB=2\n", "K='v'\nB=2\n"],
    ['an unterminated single quote: one line only', "K='abc\nB=2\n", "K='v'\nB=2\n"],
    ['an unterminated double quote: one line only', 'K="abc\nB=2\n', "K='v'\nB=2\n"],
    ['an unterminated backtick: one line only', 'K=`abc\nB=2\n', "K='v'\nB=2\n"],
    ['a value to the end of the file', 'A=1\nK=abc', "A=1\nK='v'"],
    ['a quote closing at the very end', "A=1\nK='a\nb'", "A=1\nK='v'"],
    ['a backslash at the very end', 'A=1\nK=a\\', "A=1\nK='v'"],
    ['quotes one after another', `K='a'"b\nc"\`d\ne\`f\nB=2\n`, "K='v'\nB=2\n"],
  ])('shell: %s', (_name, before, after) => {
    expect(applyEnvUpdates(before, K, 'shell')).toBe(after);
  });
});

describe('line endings, byte-order mark and edge files', () => {
  it.each([
    // In a file that mixes them, the first line ending is used for what is added and the line before it.
    ['the first line ending decides: LF', 'A=1\nB=2\r\nC=3\r\n', "A=1\nB=2\r\nC=3\nK='v'\n"],
    ['the first line ending decides: CRLF', 'A=1\r\nB=2\nC=3\n', "A=1\r\nB=2\nC=3\r\nK='v'\r\n"],
    ['a file that starts with a blank line', '\nA=1\r\n', "\nA=1\nK='v'\n"],
    ['a lone CR at the end of the last line', 'A=1\r', "A=1\r\nK='v'"],
    ['a CRLF file without a final newline, replacing', 'K=1\r\nA=2', "K='v'\r\nA=2"],
    ['two blank lines', '\n\n', "\n\nK='v'\n"],
    ['a byte-order mark alone', '\uFEFF', "\uFEFFK='v'\n"],
    ['a byte-order mark and CRLF', '\uFEFFA=1\r\n', "\uFEFFA=1\r\nK='v'\r\n"],
  ])('%s', (_name, before, after) => {
    expect(applyEnvUpdates(before, [['K', 'v']], 'dotenv')).toBe(after);
  });

  it.each([
    ['no variables: nothing changes', 'A=1\nB=2', []],
    ['only replacements: the missing final newline stays missing', 'A=1\nK=2', [['K', 'x']]],
  ] as [string, string, [string, string][]][])('%s', (_name, before, vars) => {
    const after = applyEnvUpdates(before, vars, 'dotenv');
    expect(after.endsWith('\n')).toBe(false);
    expect(after.split('\n')).toHaveLength(2);
  });

  it.each([
    ['only replacements: each line keeps its own ending', 'A=1\r\nK=1\n', "A=1\r\nK='v'\n"],
    ['only replacements, CRLF last', 'A=1\nK=1\r\n', "A=1\nK='v'\r\n"],
  ])('%s', (_name, before, after) => {
    expect(applyEnvUpdates(before, [['K', 'v']], 'dotenv')).toBe(after);
  });

  it('sets the last of several values given for one name', () => {
    expect(
      applyEnvUpdates(
        'K=1\n',
        [
          ['K', 'a'],
          ['K', 'b'],
        ],
        'dotenv',
      ),
    ).toBe("K='b'\n");
  });

  it('checks every value before changing anything, even one that is not written yet', () => {
    expect(() =>
      applyEnvUpdates(
        '',
        [
          ['A', 'ok'],
          ['B', 'bad\0value'],
        ],
        'shell',
      ),
    ).toThrow(UsageError);
    expect(() => applyEnvUpdates('B=1\n', [['1B', 'x']], 'shell')).toThrow(UsageError);
  });
});

describe('removeEnvKeys: edge files', () => {
  it.each([
    ['a byte-order mark and every line removed', '\uFEFFDB_USERNAME=a\n', ''],
    ['a CRLF file without a final newline', 'A=1\r\nDB_USERNAME=x', 'A=1'],
    ['a CRLF file, a middle line removed, no final newline', 'A=1\r\nDB_USERNAME=x\r\nB=2', 'A=1\r\nB=2'],
    ['indented and exported lines', '  DB_USERNAME=a\n\texport DB_PASSWORD=b\nA=1\n', 'A=1\n'],
    ['no names', 'DB_USERNAME=a\n', 'DB_USERNAME=a\n'],
    ['blank lines kept', '\nDB_USERNAME=a\n\n', '\n\n'],
    ['the only line, without a final newline', 'DB_PASSWORD=x', ''],
    ['the last of three lines, without a final newline', 'A=1\nB=2\nDB_PASSWORD=x', 'A=1\nB=2'],
  ])('%s', (_name, before, after) => {
    const names = _name === 'no names' ? [] : ['DB_USERNAME', 'DB_PASSWORD'];
    expect(removeEnvKeys(before, names)).toBe(after);
  });

  it('removes a shell value that starts with # and a quote spanning lines, whole', () => {
    expect(removeEnvKeys("K=#'a\nb'\nA=1\n", ['K'], 'shell')).toBe('A=1\n');
  });

  it('reads dotenv by default', () => {
    expect(removeEnvKeys("K=a'b\nc'\n", ['K'])).toBe("c'\n");
  });
});
