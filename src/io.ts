import type { ChalkInstance } from 'chalk';
import { InterruptedError } from './errors.js';
import { visible } from './output/terminal-text.js';

/** The terminal as commands see it: streams, TTY facts and colour, nothing global. */
export interface Io {
  readonly stdoutIsTty: boolean;
  readonly stderrIsTty: boolean;
  readonly stdinIsTty: boolean;
  /** Whether prompts may be shown: stdin and stderr are TTYs and CI is not set. */
  readonly interactive: boolean;
  readonly color: boolean;
  /**
   * chalk at the level dynsecret decided for `stream`, or undefined when that stream gets no colour (stdout,
   * which carries data, never has colour unless it is a terminal). chalk is loaded only when returned.
   */
  painter(stream: 'stdout' | 'stderr'): Promise<ChalkInstance | undefined>;
  /** Messages, warnings, summaries: everything that is not data. */
  error(line: string): void;
  /** Data on stdout right now, for the rare output that must precede a side effect (GitHub's mask commands). */
  output(text: string): void;
  /** A transient status line (a spinner) on a TTY stderr; undefined clears it. Quiet elsewhere. */
  progress(text: string | undefined): void;
  /** Reads all of stdin (for `--private-key-stdin`). */
  readStdin(): Promise<string>;
}

export interface Prompts {
  input(options: { message: string; default?: string; validate?: (value: string) => true | string }): Promise<string>;
  password(options: { message: string }): Promise<string>;
  confirm(options: { message: string; default?: boolean }): Promise<boolean>;
}

/** Decides colour per SPEC: only on a TTY, NO_COLOR and --no-color turn it off, FORCE_COLOR turns it on. */
export function colorEnabled(env: Record<string, string | undefined>, stderrIsTty: boolean, flag: boolean | undefined): boolean {
  if (flag === false) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined) return env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false';
  return stderrIsTty && env.TERM !== 'dumb';
}

export type ColorLevel = 0 | 1 | 2 | 3;

/**
 * How much colour: 0 when `colorEnabled` says no. FORCE_COLOR=2 or 3 asks for 256 colours or truecolor;
 * anything else that turns colour on means the 16 basic colours, all dynsecret uses (bold, red).
 */
export function colorLevel(env: Record<string, string | undefined>, isTty: boolean, flag: boolean | undefined): ColorLevel {
  if (!colorEnabled(env, isTty, flag)) return 0;
  if (env.FORCE_COLOR === '2' || env.FORCE_COLOR === '3') return Number(env.FORCE_COLOR) as 2 | 3;
  return 1;
}

/**
 * chalk with the level set from dynsecret's decision, never from chalk's own detection (which ignores
 * NO_COLOR, and takes a --no-color anywhere in argv, even after `run NAME --`). Loaded on demand: only a
 * process that prints colour pays for it.
 */
export async function loadPainter(level: ColorLevel): Promise<ChalkInstance | undefined> {
  if (level === 0) return undefined;
  const { Chalk } = await import('chalk');
  return new Chalk({ level });
}

export function processIo(env: Record<string, string | undefined>, colorFlag: boolean | undefined): Io {
  // Asked on first use: touching process.stdin sets up a stream (a socket for a pipe) that most commands
  // never read.
  const tty = {
    get stdin() {
      return Boolean(process.stdin.isTTY);
    },
    get stderr() {
      return Boolean(process.stderr.isTTY);
    },
  };
  return {
    get stdoutIsTty() {
      return Boolean(process.stdout.isTTY);
    },
    get stderrIsTty() {
      return tty.stderr;
    },
    get stdinIsTty() {
      return tty.stdin;
    },
    get interactive() {
      return tty.stdin && tty.stderr && !env.CI;
    },
    get color() {
      return colorEnabled(env, tty.stderr, colorFlag);
    },
    // stdout carries data: colour there only on a terminal, even under FORCE_COLOR (a CI job that forces
    // colour in its log must still get plain tables through a pipe).
    painter: (stream) => loadPainter(stream === 'stdout'
      ? (process.stdout.isTTY ? colorLevel(env, true, colorFlag) : 0)
      : colorLevel(env, tty.stderr, colorFlag)),
    // Lines may quote Atlas or argv: control characters in them are shown, never sent to the terminal.
    error: (line) => {
      process.stderr.write(`${visible(line)}\n`);
    },
    output: (text) => {
      process.stdout.write(text);
    },
    progress: (text) => {
      if (!tty.stderr) return;
      process.stderr.write(text === undefined ? '\r\x1b[2K' : `\r\x1b[2K${visible(text)}`);
    },
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
  };
}

/** @inquirer/prompts on stderr, loaded only when a prompt is actually shown; Ctrl-C becomes exit 130. */
export function inquirerPrompts(): Prompts {
  const load = () => import('@inquirer/prompts');
  // process.stderr is touched only when a prompt is shown (making it costs a command that never prompts).
  const context = { get output() { return process.stderr; }, clearPromptOnDone: false };
  const interrupted = (error: unknown): never => {
    if (error instanceof Error && (error.name === 'ExitPromptError' || error.name === 'AbortPromptError')) {
      throw new InterruptedError();
    }
    throw error;
  };
  return {
    input: async (options) => (await load()).input(options, context).catch(interrupted),
    password: async (options) => (await load()).password({ ...options, mask: true }, context).catch(interrupted),
    confirm: async (options) => (await load()).confirm(options, context).catch(interrupted),
  };
}
