import type { ChildProcess, StdioOptions } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rmdir } from 'node:fs/promises';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { isatty } from 'node:tty';
import type { MaskedStream, SecretMasker } from '../output/mask.js';

/**
 * The masking relay of `run`: the command's stdout and stderr, where they are not a terminal, come through a
 * socket to dynsecret, which writes them to its own with every secret replaced (src/output/mask.ts). On a
 * terminal the command keeps it: it may be interactive, and nobody is logging it.
 *
 * Speed: each socket is read into one buffer of READ_BYTES, reused for every read (Node's `onread`), instead of
 * a new buffer per read as a child's 'pipe' gets; the relay then costs about a third of the CPU. The pair
 * of sockets comes from a listening socket in a private temporary folder (mode 0700), removed at once.
 */

/**
 * After the command exits, its output is relayed until the socket closes or stays quiet this long: a background
 * process it started may keep the socket open, and `run` must not wait for that one.
 */
export const QUIET_AFTER_EXIT_MS = 200;
/** A pipe's capacity on Linux: a read of it is written to a pipe in one go, where a larger one would queue. */
const READ_BYTES = 64 * 1024;
const EMPTY = Buffer.alloc(0);

export interface OutputRelay {
  /** The command's stdio: stdin inherited, stdout and stderr each a relayed socket unless it is a terminal. */
  stdio: StdioOptions;
  /** The command started (or failed to): this process lets go of the command's ends of the sockets. */
  started(child: ChildProcess): void;
  /** The command exited: resolves once what it wrote is written out (see QUIET_AFTER_EXIT_MS). */
  afterExit(): Promise<void>;
}

/** Sets up the relays of stdout and stderr (those that are not a terminal) through `masker`. */
export async function openOutputs(masker: SecretMasker, isTerminal: (fd: number) => boolean = isatty): Promise<OutputRelay> {
  const fds = [1, 2].filter((fd) => !isTerminal(fd));
  if (fds.length === 0) return { stdio: 'inherit', started: () => undefined, afterExit: async () => undefined };
  if (process.platform !== 'win32') {
    try {
      return await socketOutputs(masker, fds);
    } catch {
      // No Unix socket to be had here (an unwritable or too long temporary folder): the ordinary pipes.
    }
  }
  return pipedOutputs(masker, fds);
}

const target = (fd: number) => (fd === 1 ? process.stdout : process.stderr);

/** The command's own pipes (Node's `pipe`), read the ordinary way: a new buffer per read. */
function pipedOutputs(masker: SecretMasker, fds: number[]): OutputRelay {
  const relays: Relay[] = [];
  return {
    stdio: ['inherit', fds.includes(1) ? 'pipe' : 'inherit', fds.includes(2) ? 'pipe' : 'inherit'],
    started: (child) => {
      for (const [fd, source] of [
        [1, child.stdout],
        [2, child.stderr],
      ] as const) {
        if (!source) continue;
        const relay = relayMasked(source, target(fd), masker.stream());
        source.on('data', relay.chunk);
        relays.push(relay);
      }
    },
    afterExit: () => settleAll(relays),
  };
}

/** A Unix socket pair per output, read into one reused buffer. */
async function socketOutputs(masker: SecretMasker, fds: number[]): Promise<OutputRelay> {
  const relays: Relay[] = [];
  const ends = new Map<number, Socket>();
  const folder = await mkdtemp(join(tmpdir(), 'dynsecret-'));
  try {
    for (const fd of fds) {
      // The relay is made once its source exists; the source's reads go to it.
      const reader = { chunk: (_chunk: Buffer) => true };
      const { inner, outer } = await socketPair(join(folder, `${fd}.sock`), (length, buffer) => reader.chunk(buffer.subarray(0, length)));
      const relay = relayMasked(outer, target(fd), masker.stream());
      reader.chunk = relay.chunk;
      relays.push(relay);
      ends.set(fd, inner);
    }
  } catch (error) {
    for (const end of ends.values()) end.destroy();
    throw error;
  } finally {
    await rmdir(folder).catch(() => undefined);
  }
  return {
    stdio: ['inherit', ends.get(1) ?? 'inherit', ends.get(2) ?? 'inherit'],
    started: () => {
      // Only the command holds its ends now: when it (and whatever it started) is done, the relay sees the end.
      for (const end of ends.values()) end.destroy();
    },
    afterExit: () => settleAll(relays),
  };
}

async function settleAll(relays: Relay[]): Promise<void> {
  await Promise.all(relays.map((relay) => relay.afterExit()));
}

/** A connected pair of Unix stream sockets: `inner` for the command, `outer` read here into one reused buffer. */
async function socketPair(path: string, onRead: (length: number, buffer: Buffer) => boolean) {
  const net = await import('node:net');
  const server = net.createServer({ pauseOnConnect: true });
  server.listen(path);
  try {
    await once(server, 'listening');
    const accepted = once(server, 'connection') as Promise<[Socket]>;
    const buffer = Buffer.allocUnsafe(READ_BYTES);
    const outer = net.connect({ path, onread: { buffer, callback: onRead } });
    await once(outer, 'connect');
    const [inner] = await accepted;
    return { inner, outer };
  } finally {
    server.close();
  }
}

export interface Relay {
  /**
   * One chunk from the source, which may be a view of a buffer the source reuses for its next read: false means
   * the bytes are queued and the source is paused until they are written.
   */
  chunk(chunk: Buffer): boolean;
  /** The command exited: resolves once the source ended or went quiet, and everything is written. */
  afterExit(): Promise<void>;
}

/**
 * Copies what `source` reads (given to `chunk`) into `target` through `masked`, as it arrives, with
 * backpressure: the source pauses while the target holds queued bytes. When nobody reads the target any more
 * (EPIPE), the source is closed, so that the command's own next write fails as it would have without the relay.
 */
export function relayMasked(source: Readable, target: Writable, masked: MaskedStream, quietMs = QUIET_AFTER_EXIT_MS): Relay {
  let open = true;
  let exited = false;
  let heard = false;
  let quiet: NodeJS.Timeout | undefined;
  let settle!: () => void;
  const settled = new Promise<void>((resolve) => {
    settle = resolve;
  });

  const write = (pieces: Buffer[], callback?: () => void) => {
    target.write(pieces.length === 1 ? pieces[0]! : pieces.length === 0 ? EMPTY : Buffer.concat(pieces), callback);
  };
  const onFlushed = () => {
    if (!open) return;
    source.resume();
    if (exited) listen();
  };
  const detach = () => {
    open = false;
    clearTimeout(quiet);
    source.off('end', finish);
    source.off('close', finish);
    source.off('error', finish);
    target.off('error', onTargetError);
  };
  /** The source ended (or is given up): the held tail goes out, then the relay is settled. */
  function finish() {
    if (!open) return;
    detach();
    write(masked.end(), () => settle());
  }
  function onTargetError() {
    if (!open) return;
    detach();
    source.destroy();
    settle();
  }
  /** Gives up on the source once it has been quiet for `quietMs` since the command exited (never while paused). */
  function listen() {
    clearTimeout(quiet);
    heard = false;
    quiet = setTimeout(() => {
      // One more turn of the event loop first: what was written before the timer fired is read in its poll phase.
      setImmediate(() => {
        if (!open || source.isPaused()) return;
        if (heard) {
          listen();
        } else {
          finish();
          source.destroy();
        }
      });
    }, quietMs);
  }

  source.once('end', finish);
  source.once('close', finish);
  source.once('error', finish);
  target.on('error', onTargetError);
  return {
    chunk: (chunk) => {
      if (!open) return true;
      heard = true;
      const pieces = masked.write(chunk);
      if (pieces.length > 0) write(pieces);
      // Written already (a pipe with room, a file): the source's buffer is free again.
      if (target.writableLength === 0) return true;
      source.pause();
      target.write(EMPTY, onFlushed);
      return false;
    },
    afterExit: () => {
      exited = true;
      if (open && !source.isPaused()) listen();
      return settled;
    },
  };
}
