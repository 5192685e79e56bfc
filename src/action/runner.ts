import { appendFile, open, stat } from 'node:fs/promises';

/**
 * The parts of the GitHub Actions runner's protocol the action speaks: inputs arrive as `INPUT_<NAME>`
 * variables, saved state comes back to `post` as `STATE_<name>`, and state, outputs and the job's
 * environment are files the runner names (`$GITHUB_STATE`, `$GITHUB_OUTPUT`, `$GITHUB_ENV`).
 */

export type Env = Record<string, string | undefined>;

/** An action input, trimmed as the runner's toolkit does; '' when it was not given. */
export function actionInput(env: Env, name: string): string {
  return (env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '').trim();
}

/** Saved state as `post` receives it. */
export function savedState(env: Env, name: string): string {
  return (env[`STATE_${name}`] ?? '').trim();
}

/**
 * Appends `name=value` lines to the runner file `variable` names (`GITHUB_STATE`, `GITHUB_OUTPUT`). The
 * values here are lease ids, usernames and timestamps: a line break in one would let it write other names,
 * so it is refused.
 */
export async function appendRunnerFile(env: Env, variable: 'GITHUB_STATE' | 'GITHUB_OUTPUT', values: ReadonlyArray<[string, string]>) {
  const path = env[variable];
  if (!path) throw new Error(`${variable} is not set: this does not look like a GitHub Actions step.`);
  for (const [name, value] of values) {
    if (/[\r\n]/.test(value)) throw new Error(`the ${name} value has a line break and cannot be written to ${variable}.`);
  }
  await appendFile(path, values.map(([name, value]) => `${name}=${value}\n`).join(''));
}

/** The size of a file now (0 when it does not exist yet), to read later what was appended after it. */
export async function sizeOf(path: string): Promise<number> {
  return stat(path).then(
    (found) => found.size,
    () => 0,
  );
}

/** What was appended to `path` after its first `from` bytes. */
export async function readFrom(path: string, from: number): Promise<string> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    const buffer = Buffer.alloc(Math.max(0, size - from));
    await handle.read(buffer, 0, buffer.length, from);
    return buffer.toString('utf8');
  } finally {
    await handle.close();
  }
}

/** An environment file as the runner reads it: `NAME=value` lines and `NAME<<DELIMITER` … `DELIMITER` blocks. */
export function parseEnvironmentFile(text: string): Map<string, string> {
  const vars = new Map<string, string>();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (line === '') continue;
    const equals = line.indexOf('=');
    const heredoc = line.indexOf('<<');
    if (equals !== -1 && (heredoc === -1 || equals < heredoc)) {
      vars.set(line.slice(0, equals), line.slice(equals + 1));
      continue;
    }
    const delimiter = heredoc === -1 ? '' : line.slice(heredoc + 2);
    const end = delimiter === '' ? -1 : lines.indexOf(delimiter, i + 1);
    if (end === -1) throw new Error('the environment file has a line the runner would refuse.');
    vars.set(line.slice(0, heredoc), lines.slice(i + 1, end).join('\n'));
    i = end;
  }
  return vars;
}

/** A workflow command's data, escaped as the runner expects (`%`, CR and LF). */
export function commandData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}
