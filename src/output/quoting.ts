import { UsageError } from '../errors.js';

/**
 * Each function returns a value quoted so that its reader takes it literally, for any value without NUL
 * (no environment variable can hold one; renderVariables refuses it before quoting).
 */

/** POSIX single quotes (sh, dash, bash, zsh): nothing is special inside; `'` becomes `'\''`. */
export function quoteShell(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** fish single quotes: only `\\` and `\'` are escapes there, so both `\` and `'` get a backslash. */
export function quoteFish(value: string): string {
  return `'${value.replace(/[\\']/g, (c) => `\\${c}`)}'`;
}

/**
 * PowerShell single quotes: a quote character is written twice. PowerShell also ends a single-quoted
 * string at the typographic quotes U+2018, U+2019, U+201A and U+201B, so those are doubled as well.
 * (An empty value may remove the variable on some PowerShell versions rather than set it to "".)
 */
export function quotePowerShell(value: string): string {
  return `'${value.replace(/['\u2018\u2019\u201A\u201B]/g, (c) => c + c)}'`;
}

/**
 * dotenv has no standard, and its files are read by very different programs: `set -a; . ./file` (POSIX sh),
 * `node --env-file`, the `dotenv` npm package, python-dotenv, docker compose. The one form all of them take
 * literally is single quotes around a value without `'`, `\`, CR or LF: sh and node read nothing inside
 * them, while python-dotenv and compose decode `\\` and `\'` there, and a line break ends the value for
 * some readers. Double quotes and backticks, which sh expands (`$(…)`, `` `…` ``), are never used. A value
 * single quotes cannot carry is refused, naming the variable and never the value; dynsecret's own values
 * (passwords, usernames, dates, validated connection strings) never hold those characters.
 */
export function quoteDotenv(value: string, name = 'the value'): string {
  if (!/['\\\n\r]/.test(value)) return `'${value}'`;
  throw new UsageError(`The value of ${name} cannot be written in dotenv format literally`, {
    hint: 'it holds a quote, a backslash or a line break; use --format shell or json instead',
  });
}
