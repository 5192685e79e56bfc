import { UsageError } from '../errors.js';
import { quoteDotenv, quoteFish, quotePowerShell, quoteShell } from './quoting.js';

export type OutputFormat = 'shell' | 'fish' | 'powershell' | 'dotenv' | 'json' | 'table';
type VariableFormat = Exclude<OutputFormat, 'json' | 'table'>;
export type Variable = readonly [name: string, value: string];

const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A name every shell and env-file reader accepts. */
export function checkVariableName(name: string): void {
  if (!VARIABLE_NAME.test(name)) {
    throw new UsageError(`Invalid variable name ${JSON.stringify(name)}: it must match ^[A-Za-z_][A-Za-z0-9_]*$`, {
      hint: 'e.g. --prefix APP_',
    });
  }
}

/** Names are checked and values may not hold NUL, which no environment variable can. */
function checkVariable(name: string, value: string): void {
  checkVariableName(name);
  if (value.includes('\0')) throw new UsageError(`The value of ${name} contains a NUL character`);
}

/** One assignment per variable in the syntax of `format`, each line ending in a newline. */
export function renderVariables(format: VariableFormat, vars: ReadonlyArray<Variable>): string {
  return vars.map(([name, value]) => `${renderAssignment(format, name, value)}\n`).join('');
}

/**
 * One assignment. `exportPrefix` overrides whether shell and dotenv lines start with `export ` (by default
 * shell lines do and dotenv lines do not); env-file edits keep the style of the line they replace.
 */
export function renderAssignment(format: VariableFormat, name: string, value: string, exportPrefix: boolean = format === 'shell'): string {
  checkVariable(name, value);
  const prefix = exportPrefix ? 'export ' : '';
  switch (format) {
    case 'shell':
      return `${prefix}${name}=${quoteShell(value)}`;
    case 'fish':
      return `set -gx ${name} ${quoteFish(value)}`;
    case 'powershell':
      return `$env:${name} = ${quotePowerShell(value)}`;
    case 'dotenv':
      return `${prefix}${name}=${quoteDotenv(value, name)}`;
  }
}

/** Pretty JSON with a trailing newline. */
export function renderJson(value: unknown): string {
  const text = JSON.stringify(value, null, 2) as string | undefined;
  if (text === undefined) throw new TypeError('value cannot be written as JSON');
  return `${text}\n`;
}
