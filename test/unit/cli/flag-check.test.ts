import { Command } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { checkFlags, collect, type FlagSchema } from '../../../src/commands/define.js';
import * as io from '../../../src/cli/io.js';

// A delete whose handler module's schema has fallen behind its definition (it lacks --force): the bug the check is for.
const deleteConfig = vi.hoisted(() => vi.fn(async () => undefined));
vi.mock('../../../src/commands/delete.js', () => ({ deleteConfig, DELETE_FLAGS: { yes: 'switch' } }));

const { main } = await import('../../../src/cli.js');

const demo = () =>
  new Command('demo')
    .option('--name <value>')
    .option('--on')
    .option('--no-check')
    .option('--item <value>', 'repeatable', collect)
    .option('--wait [timeout]');
const schema = { name: 'value', on: 'switch', check: 'negatable', item: 'repeated', wait: 'optional-value' } as const satisfies FlagSchema;

describe('checkFlags: the options commander parsed, against the schema of the command', () => {
  it.each([
    [{ check: true }],
    [{ check: false, name: 'x', on: true, item: ['a', 'b'], wait: true }],
    [{ check: true, wait: '5m', item: [] }],
    [{ check: true, name: undefined }],
  ])('accepts %j as it is', (flags) => {
    expect(checkFlags(demo(), schema, flags)).toBe(flags);
  });

  it('accepts what commander parses for the declared options', async () => {
    const command = demo().exitOverride();
    let parsed: unknown;
    command.action((flags: unknown) => {
      parsed = flags;
    });
    await command.parseAsync(['--name', 'x', '--on', '--no-check', '--item', 'a', '--item', 'b', '--wait'], { from: 'user' });
    expect(checkFlags(command, schema, parsed)).toEqual({ name: 'x', on: true, check: false, item: ['a', 'b'], wait: true });
  });

  it.each([
    [undefined, 'they are not an object'],
    [null, 'they are not an object'],
    [['--on'], 'they are not an object'],
    [{}, '--no-check is not a boolean'],
    [{ check: 'yes' }, '--no-check is not a boolean'],
    [{ check: true, name: 3 }, '--name is not a string'],
    [{ check: true, on: false }, '--on is not true'],
    [{ check: true, item: 'a' }, '--item is not a list of strings'],
    [{ check: true, item: ['a', 1] }, '--item is not a list of strings'],
    [{ check: true, wait: 300 }, '--wait is not a string or a boolean'],
    [{ check: true, bogus: true }, 'bogus is not in the schema'],
    [{ check: true, bogus: true, name: false }, 'bogus is not in the schema; --name is not a string'],
  ])('refuses %j: %s', (flags, problem) => {
    expect(() => checkFlags(demo(), schema, flags)).toThrow(new Error(`the options parsed for demo do not match its schema: ${problem}`));
  });

  it('names an option of the command by its flag, and never shows a value', () => {
    const command = demo().option('--secret-text <value>');
    expect(() => checkFlags(command, schema, { check: true, secretText: 'hunter2' })).toThrow(
      /^the options parsed for demo do not match its schema: --secret-text is not in the schema$/,
    );
  });
});

describe('a command whose options do not match its schema', () => {
  afterEach(() => {
    process.exitCode = undefined;
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
  });

  it('ends in the one error handler as an unexpected error (exit 1), before any context is made or the handler runs', async () => {
    const lines: string[] = [];
    // The CLI writes through src/cli/io.ts's writers (straight to the fd when it is a pipe).
    vi.spyOn(io.stderr, 'write').mockImplementation((text: string) => {
      lines.push(text);
    });
    const stdout = vi.spyOn(io.stdout, 'write').mockImplementation(() => undefined);
    vi.stubEnv('DYNSECRET_HOME', '/nonexistent/dynsecret-home');
    await main(['node', 'dynsecret', '--no-color', 'delete', 'app-db', '--yes', '--force']);
    expect(process.exitCode).toBe(1);
    expect(lines.join('')).toBe(
      'dynsecret: unexpected error: the options parsed for delete do not match its schema: --force is not in the schema\n' +
        '  Run again with --debug for details.\n',
    );
    expect(stdout).not.toHaveBeenCalled();
    expect(deleteConfig).not.toHaveBeenCalled();
  });
});
