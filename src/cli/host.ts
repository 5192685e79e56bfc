import { fstatSync, writeSync } from 'node:fs';
import { ExitCode } from '../errors.js';
import type { Signals } from '../service/context.js';

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
