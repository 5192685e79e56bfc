import type { Command, Option } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../../src/cli.js';
import { COMPLETION_FLAGS } from '../../../src/commands/completion.js';
import { CREATE_FLAGS } from '../../../src/commands/create.js';
import { collect, type FlagKind, type FlagSchema } from '../../../src/commands/define.js';
import { DELETE_FLAGS } from '../../../src/commands/delete.js';
import { LEASE_FLAGS } from '../../../src/commands/lease.js';
import { LIST_FLAGS } from '../../../src/commands/list.js';
import { PASSWD_FLAGS } from '../../../src/commands/passwd.js';
import { RENEW_FLAGS } from '../../../src/commands/renew.js';
import { REVOKE_FLAGS } from '../../../src/commands/revoke.js';
import { RUN_FLAGS } from '../../../src/commands/run.js';
import { UNLOCK_FLAGS } from '../../../src/commands/unlock.js';
import { UPDATE_FLAGS } from '../../../src/commands/update.js';

// Each command is defined in its own src/commands/NAME.command.ts; together they must register what the one
// buildProgram of src/cli.ts registered before they moved there (the help texts are compared from the built bin).
const program = () => buildProgram(async () => undefined, ['node', 'dynsecret']);

const argumentUsage = (command: Command) =>
  command.registeredArguments.map((a) => {
    const name = `${a.name()}${a.variadic ? '...' : ''}`;
    return a.required ? `<${name}>` : `[${name}]`;
  });
const optionUsage = (option: Option) =>
  `${option.flags}${option.hidden ? ' (hidden)' : ''}${option.parseArg === collect ? ' (repeatable)' : ''}`;

describe('the command definitions', () => {
  // [name, arguments, options, option values before parsing (defaults)], in the order --help lists them.
  const before: [string, string[], string[], Record<string, unknown>][] = [
    [
      'create',
      ['<name>'],
      [
        '--group-id <id>',
        '--public-key <key>',
        '--private-key-stdin',
        '--client-id <id>',
        '--client-secret-stdin',
        '--role <role@db[.collection]> (repeatable)',
        '--scope <name[:TYPE]> (repeatable)',
        '--default-ttl <duration>',
        '--max-ttl <duration>',
        '--base-url <url>',
        '--ca-file <path>',
        '--username-template <template>',
        '--from-file <path>',
        '--replace',
        '--no-verify',
      ],
      { verify: true },
    ],
    [
      'lease',
      ['[name]'],
      [
        '--ttl <duration>',
        '--format <format>',
        '--prefix <prefix>',
        '--env-file <path>',
        '--cluster <name>',
        '--wait [timeout]',
        '--from-file <path>',
        '--github-env',
        '--allow-ip <address>',
      ],
      {},
    ],
    [
      'run',
      ['[name]', '[command...]'],
      [
        '--ttl <duration>',
        '--prefix <prefix>',
        '--wait [timeout]',
        '--no-wait',
        '--no-renew',
        '--keep',
        '--from-file <path>',
        '--allow-ip <address>',
      ],
      { renew: true },
    ],
    ['renew', ['<lease-id>'], ['--ttl <duration>', '--config <name>', '--from-file <path>', '--json'], {}],
    [
      'revoke',
      ['[lease-id...]'],
      [
        '--config <name>',
        '--all',
        '--expired',
        '--force',
        '--yes',
        '--json',
        '--env-file <path>',
        '--prefix <prefix>',
        '--from-file <path>',
      ],
      {},
    ],
    ['list', ['[name]'], ['--json', '--remote', '--audit', '--from-file <path>'], {}],
    ['delete', ['<name>'], ['--yes', '--force'], {}],
    ['unlock', [], [], {}],
    [
      'update',
      ['<name>'],
      [
        '--public-key <key>',
        '--private-key-stdin',
        '--client-id <id>',
        '--client-secret-stdin',
        '--role <role@db[.collection]> (repeatable)',
        '--scope <name[:TYPE]> (repeatable)',
        '--default-ttl <duration>',
        '--max-ttl <duration>',
        '--base-url <url>',
        '--ca-file <path>',
        '--username-template <template>',
        '--from-file <path>',
        '--no-verify',
      ],
      { verify: true },
    ],
    ['passwd', [], ['--new-passphrase-stdin'], {}],
    ['completion', ['[shell]'], ['--list-configs (hidden)'], {}],
  ];

  it('register the commands in the same order', async () => {
    expect((await program()).commands.map((c) => c.name())).toEqual(before.map(([name]) => name));
  });

  it.each(before)('%s registers the same arguments, options and defaults', async (name, args, options, defaults) => {
    const command = (await program()).commands.find((c) => c.name() === name)!;
    expect(argumentUsage(command)).toEqual(args);
    expect(command.options.map(optionUsage)).toEqual(options);
    expect(command.opts()).toEqual(defaults);
  });

  // What commander gives for an option follows from how it is declared; the schema its handler module exports
  // (checked before the handler runs) must say the same of every option, and name no other.
  // (commander reads `<…>` before `[…]`, which a `<role@db[.collection]>` placeholder also contains.)
  const kindOf = (declared: readonly Option[]): FlagKind => {
    const [option] = declared;
    if (option!.required) return option!.parseArg === collect ? 'repeated' : 'value';
    if (declared.some((o) => o.optional)) return 'optional-value';
    return option!.negate ? 'negatable' : 'switch';
  };
  const schemas: [string, FlagSchema][] = [
    ['create', CREATE_FLAGS],
    ['lease', LEASE_FLAGS],
    ['run', RUN_FLAGS],
    ['renew', RENEW_FLAGS],
    ['revoke', REVOKE_FLAGS],
    ['list', LIST_FLAGS],
    ['delete', DELETE_FLAGS],
    ['unlock', UNLOCK_FLAGS],
    ['update', UPDATE_FLAGS],
    ['passwd', PASSWD_FLAGS],
    ['completion', COMPLETION_FLAGS],
  ];

  it('have a flag schema for every command', async () => {
    expect(schemas.map(([name]) => name)).toEqual((await program()).commands.map((c) => c.name()));
  });

  it.each(schemas)("%s: the handler's flag schema matches the options the definition declares", async (name, schema) => {
    const command = (await program()).commands.find((c) => c.name() === name)!;
    const keys = [...new Set(command.options.map((o) => o.attributeName()))];
    const declared = Object.fromEntries(keys.map((key) => [key, kindOf(command.options.filter((o) => o.attributeName() === key))]));
    expect(schema).toEqual(declared);
  });
});
