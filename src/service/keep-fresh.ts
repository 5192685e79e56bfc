import { startRotation, type RotatingLease, type RotationDeps, type RotationEvent, type RotationOptions } from './rotate.js';

/** What keeping a file fresh reports, beside the rotation's own events. */
export type KeepFreshEvent<L extends RotatingLease> =
  | RotationEvent<L>
  /** The file now names `lease`: a new user (rotation), or the same one with its renewed expiry (renewal). */
  | { type: 'rewritten'; lease: L; cause: 'rotation' | 'renewal' }
  /** A renewal succeeded but the file still holds the old expiry; the next rewrite tries again. */
  | { type: 'rewrite-failed'; lease: L; message: string }
  | { type: 'on-change-failed'; message: string }
  | { type: 'cleaned'; removed: boolean }
  | { type: 'clean-failed'; message: string };

/** The file side of keeping it fresh: write a lease's variables, run the on-change hook, remove the variables. */
export interface FreshFile<L extends RotatingLease> {
  write(lease: L): Promise<void>;
  /** Runs after each rewrite that changes the credentials (a rotation, not a renewal); a failure is reported, never fatal. */
  afterRewrite?: ((lease: L) => Promise<void>) | undefined;
  remove(): Promise<boolean>;
}

export type KeepFreshDeps<L extends RotatingLease> = Omit<RotationDeps<L>, 'handOver' | 'onEvent'> & {
  onEvent(event: KeepFreshEvent<L>): void | Promise<void>;
};

/**
 * `lease --env-file PATH --keep-fresh`: keeps the file holding a working lease until `stopped` settles: the
 * rotation loop renews ahead of expiry and replaces the lease before its max TTL. The file is rewritten
 * (atomically, other lines kept) after each of both: a rotation writes the new user and is followed by the
 * on-change hook; a renewal writes the new expiry only, so the hook, which typically restarts whoever
 * reads the file, is not run for it. When stopped, every lease still alive is revoked and the variables are
 * removed from the file. Prints nothing: events.
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
    await deps.onEvent({ type: 'rewritten', lease: next, cause: 'rotation' });
    if (file.afterRewrite !== undefined) {
      await file
        .afterRewrite(next)
        .catch((error: unknown) =>
          deps.onEvent({ type: 'on-change-failed', message: error instanceof Error ? error.message : String(error) }),
        );
    }
    return true;
  };
  const onEvent = async (event: RotationEvent<L>) => {
    await deps.onEvent(event);
    // Only the current lease is renewed: the file names it, and now names its new expiry too.
    if (event.type !== 'renewed' || stopping) return;
    try {
      await file.write(event.lease);
    } catch (error) {
      await deps.onEvent({ type: 'rewrite-failed', lease: event.lease, message: deps.classify(error).message });
      return;
    }
    await deps.onEvent({ type: 'rewritten', lease: event.lease, cause: 'renewal' });
  };
  const rotation = startRotation({ ...deps, handOver, onEvent }, first, options);
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
