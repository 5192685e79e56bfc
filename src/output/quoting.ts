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
 * dotenv has no standard. The target is the `dotenv` npm package (v16/v17), which reads:
 * - `'…'` literally (may span lines; cannot hold `'`);
 * - `"…"` literally except `\n` → LF and `\r` → CR (cannot hold `"`, nor a literal backslash before n or r);
 * - `` `…` `` literally (cannot hold a backtick);
 * and turns every CR LF or lone CR in the file into LF before parsing, so a raw CR never survives.
 * The first form that holds the value wins: single quotes for anything without `'` or a line break (our
 * passwords, ISO dates and URIs always), then double quotes with `\n`/`\r`, then backticks. A value no
 * form can hold is refused rather than written wrong.
 *
 * Other readers: docker compose (compose-go) reads single quotes literally too, but expands `$VAR` and
 * drops backslashes in double quotes, treats `\'` as not closing a single quote (a value ending in `\`),
 * and does not know backticks. python-dotenv decodes `\\` and `\'` inside single quotes, more escapes and
 * `${VAR}` inside double quotes, and does not know backticks. Plain values (no quotes, backslashes, `$`
 * or line breaks) read the same everywhere.
 */
export function quoteDotenv(value: string, name = 'the value'): string {
  if (!/['\n\r]/.test(value)) return `'${value}'`;
  if (!value.includes('"') && !/\\[nr]/.test(value)) {
    return `"${value.replace(/\n/g, '\\n').replace(/\r/g, '\\r')}"`;
  }
  if (!/[`\r]/.test(value)) return `\`${value}\``;
  throw new UsageError(`The value of ${name} cannot be written in dotenv format without changing it`, {
    hint: 'it mixes quote characters with line breaks; use --format shell or json instead',
  });
}
