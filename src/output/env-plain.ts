import { UsageError } from '../errors.js';
import { checkVariableName, type Variable } from './formats.js';

/**
 * `--format env`: `NAME=value` lines with no quoting or escaping, as `docker run --env-file`, GitLab's
 * dotenv reports and systemd's EnvironmentFile read them. Readers differ in what they do to quotes,
 * backslashes and spaces, so a value is written only when every one of them reads it back unchanged:
 * no control character (newline, carriage return, NUL, tab…), no whitespace at either end, no backslash,
 * and no quote at either end (systemd would remove them). The check runs on all variables before anything
 * is printed or written; the error names the variable, never the value.
 */
export function checkPlainValue(name: string, value: string): void {
  checkVariableName(name);
  const why = plainProblem(value);
  if (why !== undefined) {
    throw new UsageError(`The value of ${name} cannot be written literally in --format env: it ${why}.`, {
      hint: 'Use --format dotenv (quoted) or --format json instead.',
    });
  }
}

function plainProblem(value: string): string | undefined {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is looked for
  if (/[\u0000-\u001f\u007f\u0085\u2028\u2029]/.test(value)) return 'contains a control character or line break';
  if (/^\s|\s$/u.test(value)) return 'starts or ends with whitespace';
  if (value.includes('\\')) return 'contains a backslash';
  if (/^["'`]|["'`]$/.test(value)) return 'starts or ends with a quote';
  return undefined;
}

/** The variables as `NAME=value` lines, every one checked first. */
export function renderPlainEnv(vars: ReadonlyArray<Variable>): string {
  for (const [name, value] of vars) checkPlainValue(name, value);
  return vars.map(([name, value]) => `${name}=${value}\n`).join('');
}

/**
 * Sets the variables in the text of a plain env file: each line `NAME=…` of one of them is replaced
 * (every such line), the others are appended; every other line and the file's line ending are kept.
 */
export function applyPlainUpdates(text: string, vars: ReadonlyArray<Variable>): string {
  for (const [name, value] of vars) checkPlainValue(name, value);
  const values = new Map(vars);
  const eol = /\r\n/.test(text) ? '\r\n' : '\n';
  const lines = text === '' ? [] : text.split(/\r?\n/);
  const endsWithNewline = lines.length === 0 || lines.at(-1) === '';
  if (endsWithNewline && lines.length > 0) lines.pop();
  const seen = new Set<string>();
  const updated = lines.map((line) => {
    const name = /^([A-Za-z_][A-Za-z0-9_]*)=/.exec(line)?.[1];
    const value = name === undefined ? undefined : values.get(name);
    if (name === undefined || value === undefined) return line;
    seen.add(name);
    return `${name}=${value}`;
  });
  const added = [...values].filter(([name]) => !seen.has(name)).map(([name, value]) => `${name}=${value}`);
  const all = [...updated, ...added];
  if (all.length === 0) return '';
  return all.join(eol) + (endsWithNewline || added.length > 0 ? eol : '');
}
