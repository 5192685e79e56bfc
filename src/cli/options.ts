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
 * Walks argv after `sub` as commander does: `withValue` are the options that take the next token as their
 * value; `withOptionalValue` take it unless it starts with `-`, but only a word that starts with a digit is
 * such a value (a timeout, see `waitAndName`). Returns how many operands come before `--` (`run --from-file f
 * -- npm test` has none, `run app-db --from-file f -- npm test` one), whether there is a `--`, and at which
 * operand index a word commander took as an optional value stands (`run app-db --wait npm test`: 1).
 */
function scanOperands(
  argv: readonly string[],
  sub: string,
  { withValue, withOptionalValue }: { withValue: readonly string[]; withOptionalValue: readonly string[] },
): { before: number; dashDash: boolean; optionalValueWordAt?: number } {
  const start = argv.indexOf(sub);
  let before = 0;
  let dashDash = false;
  let optionalValueWordAt: number | undefined;
  for (let i = start + 1; i < argv.length; i++) {
    const arg = argv[i]!;
    dashDash = arg === '--';
    if (dashDash) break;
    if (withValue.includes(arg)) i++;
    else if (withOptionalValue.includes(arg)) {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('-')) continue;
      i++;
      if (/^[0-9]/.test(next)) continue;
      optionalValueWordAt = before;
      before++;
    } else if (!arg.startsWith('-')) before++;
  }
  return optionalValueWordAt === undefined ? { before, dashDash } : { before, dashDash, optionalValueWordAt };
}

/**
 * `run`'s operands as the user wrote them: commander takes the word after `--wait` as its timeout, but a word
 * that does not start with a digit is an operand, as `waitAndName` decides for `lease`: the NAME when none came
 * before it (`run --wait app-db -- npm test`), or, without `--`, part of what follows (`run app-db --wait npm
 * test` runs `npm test`, waiting with the default timeout). Returns --wait (true when its word was given
 * back), every operand in order, and how many of them come before `--` (the NAME, if one).
 */
export function runOperands<W extends string | boolean | undefined>(
  argv: readonly string[],
  sub: string,
  flags: { withValue: readonly string[]; withOptionalValue: readonly string[] },
  parsed: { wait: W; operands: readonly string[] },
): { wait: W | true; operands: string[]; before: number } {
  const { before, dashDash, optionalValueWordAt } = scanOperands(argv, sub, flags);
  const operands = [...parsed.operands];
  if (optionalValueWordAt === undefined || typeof parsed.wait !== 'string') return { wait: parsed.wait, operands, before };
  // Before `--` and after a NAME, the word can be nothing but a timeout: it stays one, for the duration rule to refuse.
  if (dashDash && optionalValueWordAt > 0) return { wait: parsed.wait, operands, before: before - 1 };
  operands.splice(optionalValueWordAt, 0, parsed.wait);
  return { wait: true, operands, before };
}
