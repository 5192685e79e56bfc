import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/errors.js';
import { applyEnvUpdates } from '../../../src/output/env-text.js';
import { renderVariables, type Variable } from '../../../src/output/formats.js';

/**
 * Every output a shell reads, read by the real shells (bash, dash, zsh, BusyBox sh, fish), with hostile
 * values. The property is literal reading: each value is printed back with `printf '%s'` into its own file
 * and compared byte for byte, or the renderer refused it cleanly (a usage error that does not repeat it).
 * How a value is quoted is not looked at. A shell is skipped only when its binary is absent, and says so.
 */

const dir = mkdtempSync(join(tmpdir(), 'dynsecret-every-shell-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const PWNED = join(dir, 'pwned');

const HOSTILE: readonly string[] = [
  "'",
  '"',
  "''",
  '""',
  "it's",
  'say "hi"',
  '\'"\'"',
  '$',
  '$HOME',
  '${HOME}',
  '$1',
  '$@',
  '$$',
  '$(id)',
  `$(touch ${PWNED})`,
  `\`touch ${PWNED}\``,
  '`id`',
  '\\',
  '\\\\',
  'a\\',
  "\\'",
  '\\n',
  '\\$HOME',
  '\\`',
  '\n',
  'line1\nline2',
  'trailing\n',
  '\r\n',
  '\t',
  '%',
  '%s%n%d',
  '%PATH%',
  '100%',
  '!',
  '!!',
  '~',
  '~/x',
  '*',
  '?',
  '[a]',
  '{a,b}',
  '#',
  ';',
  '&',
  '|',
  '<',
  '>',
  '(',
  ')',
  '=',
  '-n',
  '--',
  '-e',
  ' leading and trailing ',
  '',
  'nul\0inside',
  'é',
  '🙂 emoji',
  '用户名',
  'e\u0301',
  '‘curly’ ‚low‛',
  '\u00a0nbsp',
  'Zq7-._~AbCdEfGhIjKlMnOpQrStUvWxYz0123456789',
  'mongodb+srv://ds-app-x:Zq7-._~@c0.ab1cd.mongodb.net/?retryWrites=true&w=majority',
  'it\'s "both" \\n `and` $x %s',
];
const VARS: Variable[] = HOSTILE.map((value, i) => [`DS_V_${i}`, value]);

interface Reader {
  /** The shell, as the test names it. */
  name: string;
  binary: string;
  /** argv that runs a script text. */
  argv: (script: string) => string[];
  /** Statement that prints variable `name`'s value, exactly, into `file`. */
  print: (name: string, file: string) => string;
  kind: 'posix' | 'fish';
}

const sq = (text: string) => `'${text.replaceAll("'", "'\\''")}'`;
const posixPrint = (name: string, file: string) => `printf '%s' "$${name}" > ${sq(file)}`;
const READERS: Reader[] = [
  { name: 'bash', binary: 'bash', argv: (s) => ['--norc', '--noprofile', '-c', s], print: posixPrint, kind: 'posix' },
  { name: 'dash', binary: 'dash', argv: (s) => ['-c', s], print: posixPrint, kind: 'posix' },
  { name: 'zsh', binary: 'zsh', argv: (s) => ['-f', '-c', s], print: posixPrint, kind: 'posix' },
  { name: 'BusyBox sh', binary: 'busybox', argv: (s) => ['sh', '-c', s], print: posixPrint, kind: 'posix' },
  {
    name: 'fish',
    binary: 'fish',
    argv: (s) => ['--no-config', '-c', s],
    print: (name, file) => `printf '%s' "$${name}" > '${file.replace(/[\\']/g, (c) => `\\${c}`)}'`,
    kind: 'fish',
  },
];

const present = (binary: string) => spawnSync('sh', ['-c', `command -v ${binary}`], { stdio: 'ignore' }).status === 0;

/** One way an output reaches a shell: what is rendered, and how the shell takes it in. */
interface Way {
  name: string;
  kind: Reader['kind'];
  render: (vars: Variable[]) => string;
  /** The statements that load `file` (holding the rendered text). */
  load: (file: string) => string;
}

const WAYS: Way[] = [
  { name: '. (source) of --format shell', kind: 'posix', render: (v) => renderVariables('shell', v), load: (f) => `. ${sq(f)}` },
  {
    name: 'eval "$(…)" of --format shell',
    kind: 'posix',
    render: (v) => renderVariables('shell', v),
    load: (f) => `eval "$(cat ${sq(f)})"`,
  },
  {
    name: 'set -a; . of --format dotenv',
    kind: 'posix',
    render: (v) => renderVariables('dotenv', v),
    load: (f) => `set -a; . ${sq(f)}; set +a`,
  },
  {
    name: 'set -a; . of an --env-file (dotenv)',
    kind: 'posix',
    render: (v) => applyEnvUpdates('', v, 'dotenv'),
    load: (f) => `set -a; . ${sq(f)}; set +a`,
  },
  { name: '. of a shell env file', kind: 'posix', render: (v) => applyEnvUpdates('', v, 'shell'), load: (f) => `. ${sq(f)}` },
  {
    name: 'source of --format fish',
    kind: 'fish',
    render: (v) => renderVariables('fish', v),
    load: (f) => `source '${f.replace(/[\\']/g, (c) => `\\${c}`)}'`,
  },
  {
    name: '| source of --format fish',
    kind: 'fish',
    render: (v) => renderVariables('fish', v),
    load: (f) => `cat '${f.replace(/[\\']/g, (c) => `\\${c}`)}' | source`,
  },
];

/** Splits the values into those the renderer writes and those it refuses; a refusal must be clean. */
function partition(way: Way): { accepted: Variable[]; refused: Variable[] } {
  const accepted: Variable[] = [];
  const refused: Variable[] = [];
  for (const variable of VARS) {
    try {
      way.render([variable]);
      accepted.push(variable);
    } catch (error) {
      expect(error, `${way.name} of ${JSON.stringify(variable[1])}`).toBeInstanceOf(UsageError);
      // The message names the variable, never the value.
      if (variable[1].length >= 4) expect((error as Error).message).not.toContain(variable[1]);
      refused.push(variable);
    }
  }
  return { accepted, refused };
}

let counter = 0;
for (const reader of READERS) {
  const available = present(reader.binary);
  if (!available) console.warn(`every-shell: ${reader.name} tests skipped: no ${reader.binary} binary on PATH`);
  describe.skipIf(!available)(`${reader.name}${available ? '' : ` (skipped: no ${reader.binary} on PATH)`}`, () => {
    for (const way of WAYS.filter((w) => w.kind === reader.kind)) {
      it(`${way.name}: every value is read literally, or refused`, () => {
        const { accepted } = partition(way);
        // Values our own outputs always carry must never be refused.
        expect(accepted.map(([, value]) => value)).toEqual(expect.arrayContaining([HOSTILE.at(-2), HOSTILE.at(-3), '%', '$', '🙂 emoji']));
        const case_ = `${counter++}`;
        const file = join(dir, `vars-${case_}`);
        writeFileSync(file, way.render(accepted));
        const outputs = accepted.map(([name]) => join(dir, `out-${case_}-${name}`));
        const script = [way.load(file), ...accepted.map(([name], i) => reader.print(name, outputs[i]!))].join('\n');
        const result = spawnSync(reader.binary, reader.argv(script), {
          encoding: 'utf8',
          env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir },
          cwd: dir,
        });
        expect(result.stderr).toBe('');
        expect(result.status).toBe(0);
        accepted.forEach(([name, value], i) => {
          expect(readFileSync(outputs[i]!).equals(Buffer.from(value, 'utf8')), `${name} = ${JSON.stringify(value)}`).toBe(true);
        });
        expect(existsSync(PWNED), 'a value ran a command').toBe(false);
      });
    }
  });
}
