import { startRotation, type RotatingLease, type RotationDeps, type RotationEvent, type RotationOptions } from './rotate.js';

/** What keeping a file fresh reports, beside the rotation's own events. */
export type KeepFreshEvent<L extends RotatingLease> =
  | RotationEvent<L>
  | { type: 'rewritten'; lease: L }
  | { type: 'on-change-failed'; message: string }
  | { type: 'cleaned'; removed: boolean }
  | { type: 'clean-failed'; message: string };

/** The file side of keeping it fresh: write a lease's variables, run the on-change hook, remove the variables. */
export interface FreshFile<L extends RotatingLease> {
  write(lease: L): Promise<void>;
  /** Runs after each rewrite; a failure is reported, never fatal. */
  afterRewrite?: ((lease: L) => Promise<void>) | undefined;
  remove(): Promise<boolean>;
}

export type KeepFreshDeps<L extends RotatingLease> = Omit<RotationDeps<L>, 'handOver' | 'onEvent'> & {
  onEvent(event: KeepFreshEvent<L>): void | Promise<void>;
};

/**
 * `lease --env-file PATH --keep-fresh`: keeps the file holding a working lease until `stopped` settles: the
 * rotation loop renews ahead of expiry and replaces the lease before its max TTL, each new user written
 * into the file (atomically, other lines kept) and followed by the on-change hook. When stopped, every
 * lease still alive is revoked and the variables are removed from the file. Prints nothing: events.
 */
export async function keepFresh<L extends RotatingLease>(
  deps: KeepFreshDeps<L>,
  file: FreshFile<L>,
  first: L,
  options: RotationOptions,
  stopped: Promise<void>,
): Promise<void> {
  let stopping = false;
  void stopped.then(() => {
    stopping = true;
  });
  const handOver = async (next: L) => {
    if (stopping) return false;
    await file.write(next);
    await deps.onEvent({ type: 'rewritten', lease: next });
    if (file.afterRewrite !== undefined) {
      await file
        .afterRewrite(next)
        .catch((error: unknown) =>
          deps.onEvent({ type: 'on-change-failed', message: error instanceof Error ? error.message : String(error) }),
        );
    }
    return true;
  };
  const rotation = startRotation({ ...deps, handOver }, first, options);
  await Promise.race([stopped, rotation.done]);
  await rotation.stop();
  try {
    await deps.onEvent({ type: 'cleaned', removed: await file.remove() });
  } catch (error) {
    await deps.onEvent({ type: 'clean-failed', message: deps.classify(error).message });
  }
  // A loop that ended by itself did so by an error no step expects: it is the command's failure.
  if (rotation.failure() !== undefined) throw rotation.failure();
}
