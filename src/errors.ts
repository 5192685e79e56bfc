/** The exit codes of the product contract; `src/cli/error-text.ts` maps errors to them, `src/cli.ts` applies them. */
export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  store: 3,
  auth: 4,
  notFound: 5,
  transient: 6,
  hangUp: 129,
  interrupted: 130,
  terminated: 143,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * Every expected failure of dynsecret's own is a DynsecretError: a one-sentence message, the exit code it
 * maps to and an optional hint (what to do next). Atlas' failures are facts (`src/atlas/error-types.ts`)
 * that `src/cli/error-text.ts` words the same way. Errors are thrown where they happen and printed only by the CLI.
 */
export class DynsecretError extends Error {
  readonly exitCode: ExitCodeValue;
  readonly hint: string | undefined;

  constructor(message: string, exitCode: ExitCodeValue, options: { hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.exitCode = exitCode;
    this.hint = options.hint;
  }
}

/** Invalid input: usage, validation, a TTL outside its limits (exit 2). */
export class UsageError extends DynsecretError {
  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, ExitCode.usage, options);
  }
}

/**
 * A lease TTL above its config's max TTL. The fix names where the limit is raised, which depends on where the
 * config lives (the store, or a `--from-file` document): the CLI words the hint from `ttl` and `maxTtl`.
 */
export class TtlAboveMaxError extends UsageError {
  readonly ttl: string;
  readonly maxTtl: string;

  constructor(message: string, limits: { ttl: string; maxTtl: string }) {
    super(message);
    this.ttl = limits.ttl;
    this.maxTtl = limits.maxTtl;
  }
}

/** The store cannot be opened: no or wrong passphrase, tampered file, lock timeout (exit 3). */
export class StoreError extends DynsecretError {
  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, ExitCode.store, options);
  }
}

/** Unknown config or lease, a user Atlas no longer has, a renew beyond the max TTL (exit 5). */
export class NotFoundError extends DynsecretError {
  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, ExitCode.notFound, options);
  }
}

/** Network trouble, timeouts, 5xx or 429 after retries, a `--wait` timeout (exit 6). */
export class TransientError extends DynsecretError {
  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, ExitCode.transient, options);
  }
}

/**
 * Ctrl-C at a prompt (exit 130, printed quietly), or a signal that stopped a lease before its credentials were
 * delivered: then the message says what became of the lease, and the exit code is 128 + the signal's number.
 */
export class InterruptedError extends DynsecretError {
  constructor(message = 'Interrupted.', exitCode: ExitCodeValue = ExitCode.interrupted) {
    super(message, exitCode);
  }
}
