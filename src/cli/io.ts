import type { ChalkInstance } from 'chalk';
import { DynsecretError, ExitCode, InterruptedError } from '../errors.js';
import { visible } from '../output/terminal-text.js';
import type { Host } from './host.js';

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
  /**
   * Credentials on stdout, written whole before this resolves; rejects with a StdoutError when they could not
   * be (a reader that went away, a full disk), so the caller can revoke what nobody received.
   */
  deliver(text: string): Promise<void>;
  /** A transient status line (a spinner) on a TTY stderr; undefined clears it. Quiet elsewhere. */
  progress(text: string | undefined): void;
  /** A line that says a long step began: written once where stderr is a log; a terminal has the spinner instead. */
  step(line: string): void;
  /** Reads all of stdin (for `--private-key-stdin`). */
  readStdin(): Promise<string>;
}

export interface Prompts {
  input(options: { message: string; default?: string; validate?: (value: string) => true | string }): Promise<string>;
  password(options: { message: string }): Promise<string>;
  confirm(options: { message: string; default?: boolean }): Promise<boolean>;
}

/** Decides colour per SPEC: only on a TTY, NO_COLOR and --no-color turn it off, FORCE_COLOR turns it on. */
function colorEnabled(env: Record<string, string | undefined>, stderrIsTty: boolean, flag: boolean | undefined): boolean {
  if (flag === false) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined) return env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false';
  return stderrIsTty && env.TERM !== 'dumb';
}

type ColorLevel = 0 | 1 | 2 | 3;

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

/** Credentials that could not be written to stdout (exit 1): nobody received them. */
export class StdoutError extends DynsecretError {
  constructor(code: string) {
    super(`Could not write the credentials to stdout (${code}${code === 'EPIPE' ? ': nothing reads it any more' : ''}).`, ExitCode.failure);
  }
}

/** The terminal as commands see it, on `host`'s streams. */
export function hostIo(host: Host, colorFlag: boolean | undefined): Io {
  const { env, stdout, stderr } = host;
  let stdinIsTty: boolean | undefined;
  const tty = {
    get stdin() {
      stdinIsTty ??= host.stdin.isTerminal();
      return stdinIsTty;
    },
    get stderr() {
      return stderr.isTerminal();
    },
  };
  return {
    get stdoutIsTty() {
      return stdout.isTerminal();
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
    painter: (stream) =>
      loadPainter(
        stream === 'stdout' ? (stdout.isTerminal() ? colorLevel(env, true, colorFlag) : 0) : colorLevel(env, tty.stderr, colorFlag),
      ),
    // Lines may quote Atlas or argv: control characters in them are shown, never sent to the terminal.
    error: (line) => {
      stderr.write(`${visible(line)}\n`);
    },
    output: (text) => {
      stdout.write(text);
    },
    deliver: async (text) => {
      try {
        await stdout.writeAll(text);
      } catch (error) {
        throw new StdoutError((error as NodeJS.ErrnoException).code ?? 'error');
      }
    },
    progress: (text) => {
      if (!tty.stderr) return;
      stderr.write(text === undefined ? '\r\x1b[2K' : `\r\x1b[2K${visible(text)}`);
    },
    step: (line) => {
      if (!tty.stderr) stderr.write(`${visible(line)}\n`);
    },
    readStdin: () => host.stdin.read(),
  };
}

/** @inquirer/prompts on `output` (a terminal's stderr), loaded only when a prompt is actually shown; Ctrl-C becomes exit 130. */
export function inquirerPrompts(output: () => NodeJS.WritableStream): Prompts {
  const load = () => import('@inquirer/prompts');
  const context = {
    get output() {
      return output();
    },
    clearPromptOnDone: false,
  };
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
