import { constants } from 'node:os';

type ConfClass = typeof import('conf').default;
let loading: Promise<ConfClass> | undefined;

/**
 * Loads conf for its atomic writes. conf's writer (atomically, through when-exit) hooks every terminating
 * signal and re-sends it to the process after its own clean-up: a `run` relaying SIGINT to its child would
 * then relay it twice, and a command that catches Ctrl-C to revoke a lease would die before revoking. Those
 * signal hooks are removed again; the clean-up they guard (a temp file left by a killed write) is harmless,
 * since it holds only ciphertext.
 */
export function loadConf(): Promise<ConfClass> {
  loading ??= (async () => {
    const signals = Object.keys(constants.signals) as NodeJS.Signals[];
    const before = new Map(signals.map((signal) => [signal, new Set(process.listeners(signal))]));
    const { default: Conf } = await import('conf');
    for (const signal of signals) {
      for (const listener of process.listeners(signal)) {
        if (!before.get(signal)!.has(listener)) process.removeListener(signal, listener as (...args: unknown[]) => void);
      }
    }
    return Conf;
  })();
  return loading;
}
