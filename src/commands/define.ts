import type { Command } from 'commander';
import type { ConfigFileOption, Context } from '../context.js';

/**
 * What every `*.command.ts` shares: the dispatcher's type and a few help-text helpers. A definition is on the
 * path of every start-up (`--help` included), so this file and the definitions import nothing at run time but
 * each other, src/errors.ts and commander, which are loaded already: a command's handler and anything heavy
 * are loaded inside its action.
 */

/** What an action hands back: the data for stdout, written once after success, or a child's exit status. */
export type Action = (context: Context) => Promise<string | void | { exitCode: number }>;

/**
 * Runs an action; `audit` names the command and config for the audit trail (read-only commands pass none);
 * `configFile` is a `--from-file` config, which replaces the store for this command.
 */
export type Dispatch = (action: Action, audit?: { command: string; config?: string | undefined }, configFile?: ConfigFileOption) => Promise<void>;

/** Adds one command to `program`, its action wired to `dispatch`; `argv` is what `main` parses (`run` reads it). */
export type DefineCommand = (program: Command, dispatch: Dispatch, argv: readonly string[]) => void;

export const FROM_FILE_HELP = 'the config as a JSON file (what create --from-file takes), without a store';

/** The parser of a repeatable option: every value, in order. */
export const collect = (value: string, previous: string[] = []) => [...previous, value];

export const examples = (lines: string[]) => `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`;
