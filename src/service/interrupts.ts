import type { ServiceContext } from './context.js';
import { ExitCode, InterruptedError, type ExitCodeValue } from '../errors.js';

/** The signals that end a lease before its credentials are delivered, and the exit code each one means (128 + n). */
const ENDING: Readonly<Partial<Record<NodeJS.Signals, ExitCodeValue>>> = {
  SIGHUP: ExitCode.hangUp,
  SIGINT: ExitCode.interrupted,
  SIGTERM: ExitCode.terminated,
};

/**
 * Ctrl-C, SIGTERM or SIGHUP while a lease is being made, waited for or delivered. Without a handler the
 * process would die at once and leave a user whose credentials nobody received; with one, the signal is
 * noted, `signal` aborts (so a wait ends early), and the lease is revoked before the process exits.
 */
export interface Interrupts {
  /** Aborts on the first signal; its reason is the signal's name. */
  readonly signal: AbortSignal;
  /** Stops listening. */
  release(): void;
}

export function watchInterrupts(context: Pick<ServiceContext, 'signals'>): Interrupts {
  const controller = new AbortController();
  const received = (signal: NodeJS.Signals) => {
    if (!controller.signal.aborted) controller.abort(signal);
  };
  const signals = Object.keys(ENDING) as NodeJS.Signals[];
  for (const signal of signals) context.signals.on(signal, received);
  return {
    signal: controller.signal,
    release: () => {
      for (const signal of signals) context.signals.off(signal, received);
    },
  };
}

/** The error that ends a lease stopped by `signal` (an aborted Interrupts signal) while `doing`. */
export function interruptedBy(signal: AbortSignal, doing: string): InterruptedError {
  const name = typeof signal.reason === 'string' ? (signal.reason as NodeJS.Signals) : 'SIGINT';
  return new InterruptedError(`Interrupted by ${name} ${doing}.`, ENDING[name] ?? ExitCode.interrupted);
}
