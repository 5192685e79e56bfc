import { Command as CommanderCommand, Option as CommanderOption } from 'commander';
import type { CommandUnknownOpts, Command as TypedCommand, Option as TypedOption } from '@commander-js/extra-typings';
import type { ConfigFileOption, Context } from '../cli/context.js';

/**
 * What every `*.command.ts` shares: the typed command classes, the dispatcher's type and a few help-text
 * helpers. A definition is on the path of every start-up (`--help` included), so this file and the definitions
 * import nothing at run time but each other, src/errors.ts and commander, which are loaded already: a
 * command's handler and anything heavy are loaded inside its action.
 *
 * Each option is declared once, in its command's definition. A definition builds its command in a function
 * of its own (`leaseCommand`), which `defineLease` wires to its action; the handler's options are the type
 * inferred from that function, which the definition adds to `CommandFlags` below (the handler reads
 * `CommandFlags['lease']`, and never imports its definition), and what takes a
 * value is read from the command itself (`command.options`). To add an option: add its `.option(…)` to that
 * function, and use it in the handler.
 */

/**
 * commander's own classes, typed by @commander-js/extra-typings so that `.option('--ttl <duration>')` gives
 * the action and `opts()` a `ttl?: string` (that package is types only here: its run-time module re-exports
 * these same classes).
 */
export const Command = CommanderCommand as unknown as typeof TypedCommand;
export const Option = CommanderOption as unknown as typeof TypedOption;

/** The program the definitions add their commands to (its own options are read by src/cli.ts). */
export type Program = CommandUnknownOpts;

/**
 * The options of each command, by its name, as its definition declares them: each `*.command.ts` adds its
 * own entry (`declare module './define.js'`, typed `FlagsOf<typeof leaseCommand>`), so that a handler reads
 * its options' type here (`CommandFlags['lease']`) without importing its definition.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled in by each definition (declaration merging)
export interface CommandFlags {}

/** The options a command's definition declares, as commander gives them to its action. */
export type FlagsOf<Define extends (program: Program) => CommandUnknownOpts> = ReturnType<ReturnType<Define>['opts']>;

/** What an action hands back: the data for stdout, written once after success, or a child's exit status. */
export type Action = (context: Context) => Promise<string | void | { exitCode: number }>;

/**
 * Runs an action; `audit` names the command and config for the audit trail (read-only commands pass none);
 * `configFile` is a `--from-file` config, which replaces the store for this command.
 */
export type Dispatch = (
  action: Action,
  audit?: { command: string; config?: string | undefined },
  configFile?: ConfigFileOption,
) => Promise<void>;

/** Adds one command to `program`, its action wired to `dispatch`; `argv` is what `main` parses (`run` reads it). */
export type DefineCommand = (program: Program, dispatch: Dispatch, argv: readonly string[]) => void;

export const FROM_FILE_HELP = 'the config as a JSON file (what create --from-file takes), without a store';

/** The parser of a repeatable option: every value, in order. */
export const collect = (value: string, previous: string[] = []) => [...previous, value];

export const examples = (lines: string[]) => `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`;
