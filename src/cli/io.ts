import type { ChalkInstance } from 'chalk';
import { fstatSync, writeSync } from 'node:fs';
import { DynsecretError, ExitCode, InterruptedError } from '../errors.js';
import { visible } from '../output/terminal-text.js';
import type { Signals } from '../service/context.js';

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

type StdFd = 1 | 2;

/** What a writer of fd 1 or 2 needs of the system (tests hand in fakes). */
export interface StdSystem {
  platform: NodeJS.Platform;
  fstat(fd: number): { isFIFO(): boolean; isSocket(): boolean; isFile(): boolean };
  writeSync(fd: number, bytes: Uint8Array, offset: number): number;
  /** `process.stdout` or `process.stderr`, made on first call. */
  stream(): Pick<NodeJS.WriteStream, 'write' | 'isTTY' | 'columns'>;
}

export interface StdWriter {
  write(text: string): void;
  /** Writes `text` whole, or rejects with the system's error (EPIPE, ENOSPC, …). */
  writeAll(text: string): Promise<void>;
  /** Whether the fd is a terminal; a pipe, a socket or a file is known not to be without making the stream. */
  isTerminal(): boolean;
  /** The terminal's width, or undefined when it is not one (as commander asks it for help). */
  columns(): number | undefined;
}

/**
 * Writing to fd 1 or 2 without `process.stdout` or `process.stderr` where the fd cannot be a terminal. Node makes
 * those streams on first touch, and for a pipe or a socket that means a net.Socket and the stream modules under
 * it: a few milliseconds of a command that prints a line. A pipe, a socket or a regular file is written to
 * directly, synchronously, as Node itself writes to them on Linux. A terminal, anything else and Windows keep
 * the stream; so does whatever a direct write could not finish (a full non-blocking pipe, a reader that went
 * away): the rest goes to the stream, which then does what it always did, EPIPE included, and keeps the fd from
 * then on so that nothing is written out of order.
 */
export function stdWriter(fd: StdFd, system: StdSystem): StdWriter {
  let direct: boolean | undefined;
  const isDirect = (): boolean => {
    if (direct === undefined) {
      direct = false;
      if (system.platform !== 'win32') {
        try {
          const stats = system.fstat(fd);
          direct = stats.isFIFO() || stats.isSocket() || stats.isFile();
        } catch {
          // a closed or odd fd: the stream decides, as before
        }
      }
    }
    return direct;
  };
  const writer: StdWriter = {
    write: (text) => {
      if (!isDirect()) {
        system.stream().write(text);
        return;
      }
      const bytes = Buffer.from(text, 'utf8');
      let written = 0;
      try {
        while (written < bytes.length) written += system.writeSync(fd, bytes, written);
      } catch {
        direct = false;
        system.stream().write(bytes.subarray(written));
      }
    },
    writeAll: async (text) => {
      const bytes = Buffer.from(text, 'utf8');
      let written = 0;
      // A terminal keeps its stream; a pipe, a socket, a file or a device such as /dev/full is written to
      // directly, so a failure is this call's error rather than an 'error' event on a stream.
      if (system.platform !== 'win32' && (isDirect() || !system.stream().isTTY)) {
        try {
          while (written < bytes.length) written += system.writeSync(fd, bytes, written);
          return;
        } catch (error) {
          // A full non-blocking pipe: the stream waits for the reader and writes the rest.
          if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
          direct = false;
        }
      }
      const stream = system.stream();
      await new Promise<void>((resolve, reject) => {
        stream.write(bytes.subarray(written), (error) => (error ? reject(error) : resolve()));
      });
    },
    isTerminal: () => !isDirect() && Boolean(system.stream().isTTY),
    columns: () => (writer.isTerminal() ? system.stream().columns : undefined),
  };
  return writer;
}

/** Credentials that could not be written to stdout (exit 1): nobody received them. */
export class StdoutError extends DynsecretError {
  constructor(code: string) {
    super(`Could not write the credentials to stdout (${code}${code === 'EPIPE' ? ': nothing reads it any more' : ''}).`, ExitCode.failure);
  }
}

let stdoutGuarded = false;

/**
 * stdout's stream. A reader that stops early (`dynsecret --help | head -3`) closes the pipe: the rest of stdout
 * is not wanted, and the failed write is no error to report. Any other failed write is (exit 1).
 */
function guardedStdout(): NodeJS.WriteStream {
  if (!stdoutGuarded) {
    stdoutGuarded = true;
    let reported = false;
    process.stdout.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE' || reported) return;
      // A full disk or a broken device: the data did not arrive. One sentence and exit 1, not a stack trace.
      reported = true;
      process.exitCode = ExitCode.failure;
      stderr.write(`dynsecret: Could not write to stdout (${error.code ?? 'error'}).\n`);
    });
  }
  return process.stdout;
}

const processSystem = (stream: () => NodeJS.WriteStream): StdSystem => ({
  platform: process.platform,
  fstat: fstatSync,
  writeSync,
  stream,
});

/** This process's stdout and stderr. */
export const stdout = stdWriter(1, processSystem(guardedStdout));
export const stderr = stdWriter(
  2,
  processSystem(() => process.stderr),
);

/**
 * What the process hands the CLI: its environment, its standard streams and its signals. `main` runs on this
 * process's own (`processHost`); the in-process tests hand in theirs.
 */
export interface Host {
  readonly env: Record<string, string | undefined>;
  readonly stdout: StdWriter;
  readonly stderr: StdWriter;
  readonly stdin: {
    isTerminal(): boolean;
    /** All of it, as text. */
    read(): Promise<string>;
  };
  readonly signals: Signals;
  /** The stream prompts draw on (a terminal's stderr), made only when a prompt is shown. */
  promptOutput(): NodeJS.WritableStream;
}

/** This process: its environment, fds 0 to 2 and signals. */
export function processHost(): Host {
  return {
    env: process.env,
    stdout,
    stderr,
    // Asked on first use: touching process.stdin sets up a stream (a socket for a pipe) that most commands
    // never read.
    stdin: {
      isTerminal: () => Boolean(process.stdin.isTTY),
      read: async () => {
        const chunks: Buffer[] = [];
        for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
        return Buffer.concat(chunks).toString('utf8');
      },
    },
    signals: {
      on: (signal, handler) => {
        process.on(signal, handler);
      },
      off: (signal, handler) => {
        process.off(signal, handler);
      },
    },
    // process.stderr is touched only when a prompt is shown (making it costs a command that never prompts).
    promptOutput: () => process.stderr,
  };
}

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
