import type { ConfigFileOption } from './context.js';
import { UsageError } from '../errors.js';

/**
 * Where a command's config comes from: `--from-file PATH` (then NAME, if given, must match the file), or
 * NAME in the store. Neither is a usage error. Checked before any context is made.
 */
export function configFileOption(command: string, name: string | undefined, fromFile: string | undefined): ConfigFileOption | undefined {
  if (fromFile !== undefined) return { path: fromFile, name };
  if (name === undefined) {
    throw new UsageError(`Name the config: dynsecret ${command} NAME, or give it as a file: --from-file PATH.`);
  }
  return undefined;
}

/**
 * `--wait [timeout]` takes the next word as its timeout, as commander reads it; but only a word that starts with
 * a digit is a timeout (`--wait 2m`, or `--wait 10`, which the duration rule then refuses). Any other word is
 * the command's NAME, when no NAME came before it: `lease --wait app-db` waits for app-db with the default
 * timeout. Then `wait` is true and `name` is that word; otherwise both are as given.
 */
export function waitAndName<W extends string | boolean | undefined>(
  wait: W,
  name: string | undefined,
): { wait: W | true; name: string | undefined } {
  if (typeof wait === 'string' && name === undefined && !/^[0-9]/.test(wait)) return { wait: true, name: wait };
  return { wait, name };
}

/** How an option takes its value, as commander reads its flags: `--x <v>` (required) or `--x [v]` (optional). */
interface ValueOption {
  long?: string | undefined;
  short?: string | undefined;
  required: boolean;
  optional: boolean;
}

/** The flags, long and short, of the options that take the next token as their value, and of those that may. */
export function flagsTakingValues(options: readonly ValueOption[]): { withValue: string[]; withOptionalValue: string[] } {
  const flags = (o: ValueOption) => [o.long, o.short].filter((f): f is string => f !== undefined);
  return {
    withValue: options.filter((o) => o.required).flatMap(flags),
    withOptionalValue: options.filter((o) => o.optional).flatMap(flags),
  };
}

/**
 * How many operands come before `--` after the subcommand `sub` in argv: `run --from-file f -- npm test`
 * has none (no NAME), `run app-db --from-file f -- npm test` has one. `withValue` are the options that take
 * the next token as their value; `withOptionalValue` take it unless it starts with `-`.
 */
export function operandsBeforeDashDash(
  argv: readonly string[],
  sub: string,
  { withValue, withOptionalValue }: { withValue: readonly string[]; withOptionalValue: readonly string[] },
): number {
  const start = argv.indexOf(sub);
  let count = 0;
  for (let i = start + 1; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') break;
    if (withValue.includes(arg)) i++;
    else if (withOptionalValue.includes(arg)) {
      if (argv[i + 1] !== undefined && !argv[i + 1]!.startsWith('-')) i++;
    } else if (!arg.startsWith('-')) count++;
  }
  return count;
}
