import type { Command } from 'commander';
import type { ConfigFileOption, Context } from '../cli/context.js';

/**
 * What every `*.command.ts` shares: the dispatcher's type and a few help-text helpers. A definition is on the
 * path of every start-up (`--help` included), so this file and the definitions import nothing at run time but
 * each other, src/errors.ts and commander, which are loaded already: a command's handler (with the schema its
 * options are checked against) and anything heavy are loaded inside its action.
 */

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
export type DefineCommand = (program: Command, dispatch: Dispatch, argv: readonly string[]) => void;

export const FROM_FILE_HELP = 'the config as a JSON file (what create --from-file takes), without a store';

/** The parser of a repeatable option: every value, in order. */
export const collect = (value: string, previous: string[] = []) => [...previous, value];

export const examples = (lines: string[]) => `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`;

/**
 * What commander gives for an option, by how the option is declared: `value` for `--x <v>`; `optional-value`
 * for `--x [v]` (true without a value, false from a `--no-x` beside it); `switch` for `--x` (true when given);
 * `negatable` for a `--no-x` alone (false when given, else true); `repeated` for `--x <v>` with `collect`.
 */
export type FlagKind = 'value' | 'optional-value' | 'switch' | 'negatable' | 'repeated';

/** The options a command parses, by key (commander's attribute name): each handler module exports its own. */
export type FlagSchema = Readonly<Record<string, FlagKind>>;

interface FlagValues {
  value: string;
  'optional-value': string | boolean;
  switch: true;
  negatable: boolean;
  repeated: string[];
}

/** The options a schema describes: only a `negatable` one is always there. */
type FlagsOf<S extends FlagSchema> = { [K in keyof S as S[K] extends 'negatable' ? never : K]?: FlagValues[S[K]] } & {
  [K in keyof S as S[K] extends 'negatable' ? K : never]: boolean;
};

const FLAG_CHECKS: { [K in FlagKind]: { is: (value: unknown) => boolean; words: string } } = {
  value: { is: (v) => typeof v === 'string', words: 'a string' },
  'optional-value': { is: (v) => typeof v === 'string' || typeof v === 'boolean', words: 'a string or a boolean' },
  switch: { is: (v) => v === true, words: 'true' },
  negatable: { is: (v) => typeof v === 'boolean', words: 'a boolean' },
  repeated: { is: (v) => Array.isArray(v) && v.every((s) => typeof s === 'string'), words: 'a list of strings' },
};

/**
 * The options commander parsed for `command`, checked against `schema` (a small hand-written check rather
 * than zod, whose first use of each schema type would cost `list` a few milliseconds of start-up). commander
 * has checked the flags already: a mismatch is the definition and the handler's schema disagreeing, a bug,
 * reported as an unexpected error that names the options, never their values.
 */
export function checkFlags<S extends FlagSchema>(command: Command, schema: S, flags: unknown): FlagsOf<S> {
  const mismatch = (problems: string[]) =>
    new Error(`the options parsed for ${command.name()} do not match its schema: ${problems.join('; ')}`);
  if (typeof flags !== 'object' || flags === null || Array.isArray(flags)) throw mismatch(['they are not an object']);
  const given = flags as Readonly<Record<string, unknown>>;
  const flag = (key: string) => command.options.find((o) => o.attributeName() === key)?.long ?? key;
  const problems = [
    ...Object.keys(given)
      .filter((key) => !Object.hasOwn(schema, key))
      .map((key) => `${flag(key)} is not in the schema`),
    ...Object.entries(schema)
      .filter(([key, kind]) => (given[key] === undefined ? kind === 'negatable' : !FLAG_CHECKS[kind].is(given[key])))
      .map(([key, kind]) => `${flag(key)} is not ${FLAG_CHECKS[kind].words}`),
  ];
  if (problems.length > 0) throw mismatch(problems);
  return given as FlagsOf<S>;
}
