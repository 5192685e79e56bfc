import type { ChildProcess, StdioOptions } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { isatty } from 'node:tty';
import type { MaskedStream, SecretMasker } from '../output/mask.js';

/**
 * The masking relay of `run`: the command's stdout and stderr, where they are not a terminal, come through a
 * pipe to dynsecret, which writes them to its own with every secret replaced (src/output/mask.ts). On a
 * terminal the command keeps it: it may be interactive, and nobody is logging it.
 */

/**
 * After the command exits, its output is relayed until the pipe closes or stays quiet this long: a background
 * process it started may keep the pipe open, and `run` must not wait for that one.
 */
export const QUIET_AFTER_EXIT_MS = 200;

const EMPTY = Buffer.alloc(0);

/** The command's stdio: stdin inherited; stdout and stderr each through a pipe unless it is a terminal. */
export function maskedStdio(isTerminal: (fd: number) => boolean = isatty): StdioOptions {
  return ['inherit', isTerminal(1) ? 'inherit' : 'pipe', isTerminal(2) ? 'inherit' : 'pipe'];
}

/** The relays of a started child's piped outputs into this process's stdout and stderr. */
export function relayOutputs(child: ChildProcess, masker: SecretMasker): OutputRelay {
  const relays: OutputRelay[] = [];
  if (child.stdout) relays.push(relayMasked(child.stdout, process.stdout, masker.stream()));
  if (child.stderr) relays.push(relayMasked(child.stderr, process.stderr, masker.stream()));
  return {
    afterExit: async () => {
      await Promise.all(relays.map((relay) => relay.afterExit()));
    },
  };
}

export interface OutputRelay {
  /** The command exited: resolves once what it wrote is written out (see QUIET_AFTER_EXIT_MS). */
  afterExit(): Promise<void>;
}

/**
 * Copies `source` into `target` through `masked`, chunk by chunk as it arrives, with backpressure: the source
 * pauses while the target's buffer is full. When nobody reads the target any more (EPIPE), the source is closed,
 * so that the command's own next write fails as it would have without the relay.
 */
export function relayMasked(source: Readable, target: Writable, masked: MaskedStream, quietMs = QUIET_AFTER_EXIT_MS): OutputRelay {
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

  const onData = (chunk: Buffer) => {
    heard = true;
    const pieces = masked.write(chunk);
    if (pieces.length > 0) write(pieces);
    // write() says false for any chunk above the high-water mark, even one the system took at once: pausing only
    // while bytes are really queued spares a stop and a restart of the read for every chunk.
    if (target.writableLength >= target.writableHighWaterMark) {
      source.pause();
      target.once('drain', onDrain);
    }
  };
  const onDrain = () => {
    source.resume();
    if (exited) listen();
  };
  const detach = () => {
    open = false;
    clearTimeout(quiet);
    source.off('data', onData);
    source.off('end', finish);
    source.off('close', finish);
    source.off('error', finish);
    target.off('drain', onDrain);
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

  source.on('data', onData);
  source.once('end', finish);
  source.once('close', finish);
  source.once('error', finish);
  target.on('error', onTargetError);
  return {
    afterExit: () => {
      exited = true;
      if (open && !source.isPaused()) listen();
      return settled;
    },
  };
}
