import type { CommandUnknownOpts as Command, Option } from '@commander-js/extra-typings';
import { LEASE_FORMATS } from './lease-output.js';

/**
 * What completion scripts complete, as a model of the command tree: commander's own view of what is visible
 * (hidden commands and options stay hidden), and for each option or argument what its values are completed
 * with, by what it is called: `<format>` from the output formats, `<path>` from files, `<shell>` from the
 * shells, and a config (`--config`, or an argument called `name`) from the store.
 */

export const COMPLETION_SHELLS = ['bash', 'zsh', 'fish', 'powershell'] as const;
export type CompletionShell = (typeof COMPLETION_SHELLS)[number];

/** What a value is completed with. */
export type Values = { kind: 'words'; words: readonly string[] } | { kind: 'files' } | { kind: 'configs' } | { kind: 'any' };

export interface OptionModel {
  long: string | undefined;
  short: string | undefined;
  description: string;
  /** undefined for a flag that takes no value. */
  value: Values | undefined;
}

interface CommandModel {
  name: string;
  description: string;
  options: OptionModel[];
  /** The values of the first positional argument, when it has some worth completing. */
  firstArgument: Values | undefined;
}

export interface ProgramModel {
  name: string;
  options: OptionModel[];
  commands: CommandModel[];
}

function valuesFor(placeholder: string | undefined, choices: readonly string[] | undefined, configs: boolean): Values {
  if (choices !== undefined) return { kind: 'words', words: choices };
  if (configs) return { kind: 'configs' };
  switch (placeholder) {
    case 'format':
      return { kind: 'words', words: LEASE_FORMATS };
    case 'shell':
      return { kind: 'words', words: COMPLETION_SHELLS };
    case 'path':
    case 'file':
      return { kind: 'files' };
    default:
      return { kind: 'any' };
  }
}

function optionModel(option: Option): OptionModel {
  const placeholder = /[<[]([^>\]]+)[>\]]/.exec(option.flags)?.[1];
  const takesValue = option.required || option.optional;
  return {
    long: option.long,
    short: option.short,
    description: option.description,
    value: takesValue ? valuesFor(placeholder, option.argChoices, option.long === '--config') : undefined,
  };
}

/** The model of `program`, from commander's own view of what is visible (hidden commands stay hidden). */
export function programModel(program: Command): ProgramModel {
  const help = program.createHelp();
  return {
    name: program.name(),
    options: help.visibleOptions(program).map(optionModel),
    commands: help.visibleCommands(program).map((command, _i, all) => {
      const first = command.registeredArguments[0];
      // `help [command]` takes a command name.
      const names =
        first?.name() === 'command' ? { kind: 'words' as const, words: all.map((c) => c.name()).filter((n) => n !== 'help') } : undefined;
      return {
        name: command.name(),
        description: command.description(),
        options: help.visibleOptions(command).map(optionModel),
        firstArgument: first === undefined ? undefined : (names ?? valuesFor(first.name(), first.argChoices, first.name() === 'name')),
      };
    }),
  };
}

export const flagsOf = (options: readonly OptionModel[]) =>
  options.flatMap((o) => [o.long, o.short].filter((f): f is string => f !== undefined));
export const valueFlags = (options: readonly OptionModel[]) =>
  options.filter((o) => o.value !== undefined).flatMap((o) => [o.long, o.short].filter((f): f is string => f !== undefined));
