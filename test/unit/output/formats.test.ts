import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/errors.js';
import { checkVariableName, renderAssignment, renderJson, renderVariables } from '../../../src/output/formats.js';
import { quoteDotenv, quoteFish, quotePowerShell, quoteShell } from '../../../src/output/quoting.js';

// Expected quoting, written out by hand: [value, shell, fish, powershell, dotenv]; null where dotenv refuses.
const TABLE: [string, string, string, string, string | null][] = [
  ['plain', `'plain'`, `'plain'`, `'plain'`, `'plain'`],
  ["'", `''\\'''`, `'\\''`, `''''`, null],
  ['"', `'"'`, `'"'`, `'"'`, `'"'`],
  ['$HOME', `'$HOME'`, `'$HOME'`, `'$HOME'`, `'$HOME'`],
  ['`id`', "'`id`'", "'`id`'", "'`id`'", "'`id`'"],
  ['\\', `'\\'`, `'\\\\'`, `'\\'`, null],
  ['a\\b\\\\c', `'a\\b\\\\c'`, `'a\\\\b\\\\\\\\c'`, `'a\\b\\\\c'`, null],
  ['a\nb', `'a\nb'`, `'a\nb'`, `'a\nb'`, null],
  ['a\r\nb', `'a\r\nb'`, `'a\r\nb'`, `'a\r\nb'`, null],
  ['$(rm -rf /)', `'$(rm -rf /)'`, `'$(rm -rf /)'`, `'$(rm -rf /)'`, `'$(rm -rf /)'`],
  ['!', `'!'`, `'!'`, `'!'`, `'!'`],
  ['é 🙂', `'é 🙂'`, `'é 🙂'`, `'é 🙂'`, `'é 🙂'`],
  ['', `''`, `''`, `''`, `''`],
  ['-n', `'-n'`, `'-n'`, `'-n'`, `'-n'`],
  ['=', `'='`, `'='`, `'='`, `'='`],
  ['#', `'#'`, `'#'`, `'#'`, `'#'`],
  [' padded ', `' padded '`, `' padded '`, `' padded '`, `' padded '`],
  ['it\'s "x"', `'it'\\''s "x"'`, `'it\\'s "x"'`, `'it''s "x"'`, null],
  ["it's \\n", `'it'\\''s \\n'`, `'it\\'s \\\\n'`, `'it''s \\n'`, null],
  ['‘curly’ ‚low‛', `'‘curly’ ‚low‛'`, `'‘curly’ ‚low‛'`, `'‘‘curly’’ ‚‚low‛‛'`, `'‘curly’ ‚low‛'`],
  ['x\r', `'x\r'`, `'x\r'`, `'x\r'`, null],
  ['a\\', `'a\\'`, `'a\\\\'`, `'a\\'`, null],
  ['Zq7-._~Ab', `'Zq7-._~Ab'`, `'Zq7-._~Ab'`, `'Zq7-._~Ab'`, `'Zq7-._~Ab'`],
  ['2026-11-29T15:33:35Z', `'2026-11-29T15:33:35Z'`, `'2026-11-29T15:33:35Z'`, `'2026-11-29T15:33:35Z'`, `'2026-11-29T15:33:35Z'`],
  [
    'mongodb+srv://ds-app-x:Zq7-._~@c0.ab1cd.mongodb.net/?retryWrites=true&w=majority',
    `'mongodb+srv://ds-app-x:Zq7-._~@c0.ab1cd.mongodb.net/?retryWrites=true&w=majority'`,
    `'mongodb+srv://ds-app-x:Zq7-._~@c0.ab1cd.mongodb.net/?retryWrites=true&w=majority'`,
    `'mongodb+srv://ds-app-x:Zq7-._~@c0.ab1cd.mongodb.net/?retryWrites=true&w=majority'`,
    `'mongodb+srv://ds-app-x:Zq7-._~@c0.ab1cd.mongodb.net/?retryWrites=true&w=majority'`,
  ],
];

describe('quoting, by hand-written table', () => {
  it.each(TABLE)('%j', (value, shell, fish, powershell, dotenv) => {
    expect(quoteShell(value)).toBe(shell);
    expect(quoteFish(value)).toBe(fish);
    expect(quotePowerShell(value)).toBe(powershell);
    if (dotenv === null) expect(() => quoteDotenv(value)).toThrow(UsageError);
    else expect(quoteDotenv(value)).toBe(dotenv);
  });
});

describe('quoteDotenv writes single quotes only, and refuses what they cannot carry literally', () => {
  it.each([
    ['a single quote', "it's"],
    ['a backslash (python-dotenv and compose read escapes in single quotes)', 'a\\b'],
    ['a newline', 'a\nb'],
    ['a carriage return', 'a\rb'],
    ['all three quote characters', `'"\``],
    ['a newline, a double quote and a backtick', 'a\n"`'],
    ['the connection string of a hostile server', "mongodb+srv://cluster0.example.net/?x='$(touch${IFS}/tmp/p)'"],
  ])('%s', (_name, value) => {
    expect(() => quoteDotenv(value, 'DB_X')).toThrow(UsageError);
    expect(() => quoteDotenv(value, 'DB_X')).toThrow(/DB_X/);
    try {
      quoteDotenv(value, 'DB_X');
    } catch (error) {
      const { message, hint } = error as UsageError & { hint?: string };
      expect(`${message} ${hint ?? ''}`).not.toContain(value);
    }
  });

  it.each([
    ['the variable it names', "it's", 'DB_X', 'The value of DB_X cannot be written in dotenv format literally'],
    ['"the value" when no name is given', 'a\\b', undefined, 'The value of the value cannot be written in dotenv format literally'],
  ])('says what it refuses and what to use instead: %s', (_name, value, name, message) => {
    let refusal: unknown;
    try {
      quoteDotenv(value, name);
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(UsageError);
    expect(refusal).toMatchObject({
      message,
      hint: 'it holds a quote, a backslash or a line break; use --format shell or json instead',
    });
  });

  it.each(['"', '`id`', '$(id)', '${HOME}', '#', ' x ', 'a"b`c$d'])('never falls back to double quotes or backticks: %j', (value) => {
    expect(quoteDotenv(value)).toBe(`'${value}'`);
  });
});

describe('renderVariables', () => {
  const vars: [string, string][] = [
    ['DB_USERNAME', 'ds-app-abc'],
    ['DB_PASSWORD', "p'w"],
  ];
  it.each([
    ['shell', `export DB_USERNAME='ds-app-abc'\nexport DB_PASSWORD='p'\\''w'\n`],
    ['fish', `set -gx DB_USERNAME 'ds-app-abc'\nset -gx DB_PASSWORD 'p\\'w'\n`],
    ['powershell', `$env:DB_USERNAME = 'ds-app-abc'\n$env:DB_PASSWORD = 'p''w'\n`],
  ] as const)('%s', (format, expected) => {
    expect(renderVariables(format, vars)).toBe(expected);
  });

  it('refuses in dotenv a value it cannot carry literally, naming the variable', () => {
    expect(() => renderVariables('dotenv', vars)).toThrow(/DB_PASSWORD/);
  });

  it.each(['shell', 'fish', 'powershell', 'dotenv'] as const)('renders nothing for no variables (%s)', (format) => {
    expect(renderVariables(format, [])).toBe('');
  });

  it.each(['shell', 'fish', 'powershell', 'dotenv'] as const)('refuses a NUL in a value (%s)', (format) => {
    const run = () => renderVariables(format, [['DB_PASSWORD', 'a\0b']]);
    expect(run).toThrow(UsageError);
    expect(run).toThrow(/DB_PASSWORD.*NUL/);
  });

  it.each(['shell', 'fish', 'powershell', 'dotenv'] as const)('refuses a bad variable name (%s)', (format) => {
    expect(() => renderVariables(format, [['1X', 'v']])).toThrow(UsageError);
  });
});

describe('checkVariableName', () => {
  it.each(['DB_USERNAME', '_', '_x1', 'a', 'APP_DB_PASSWORD', 'MONGODB_URI'])('accepts %j', (name) => {
    expect(() => checkVariableName(name)).not.toThrow();
  });

  it.each(['', '1X', 'DB-USER', 'DB.USER', 'DB USER', ' DB', 'DB\n', 'É', 'A=B', '$A', 'A;rm'])('refuses %j', (name) => {
    expect(() => checkVariableName(name)).toThrow(UsageError);
    expect(() => checkVariableName(name)).toThrow(/\^\[A-Za-z_\]\[A-Za-z0-9_\]\*\$/);
  });
});

describe('renderJson', () => {
  it.each([
    [{ leaseId: 'ds-a', expiresAt: '2026-11-29T15:33:35Z' }, '{\n  "leaseId": "ds-a",\n  "expiresAt": "2026-11-29T15:33:35Z"\n}\n'],
    [[1, 'x'], '[\n  1,\n  "x"\n]\n'],
    [{}, '{}\n'],
    ['a\n"b"', '"a\\n\\"b\\""\n'],
  ])('%j', (value, expected) => {
    expect(renderJson(value)).toBe(expected);
    expect(JSON.parse(renderJson(value))).toEqual(value);
  });

  it('refuses what JSON cannot hold', () => {
    expect(() => renderJson(undefined)).toThrow(TypeError);
  });
});

describe('renderAssignment', () => {
  it.each([
    ['shell', undefined, `export K='v'`],
    ['shell', true, `export K='v'`],
    ['shell', false, `K='v'`],
    ['dotenv', undefined, `K='v'`],
    ['dotenv', true, `export K='v'`],
    ['dotenv', false, `K='v'`],
    ['fish', true, `set -gx K 'v'`],
    ['powershell', false, `$env:K = 'v'`],
  ] as const)('%s with export prefix %s', (format, exportPrefix, expected) => {
    expect(renderAssignment(format, 'K', 'v', exportPrefix)).toBe(expected);
  });
});
