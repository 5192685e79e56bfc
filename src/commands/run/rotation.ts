import { constants } from 'node:os';
import { startFailure, type SignalRelay } from '../../cli/child.js';
import type { Context } from '../../cli/context.js';
import type { SecretMasker } from '../../output/mask.js';
import type { DynamicSecretConfig } from '../../config/schema.js';
import { UsageError } from '../../errors.js';
import { checkEnvFileRewrite, removeFromEnvFile, upsertEnvFile } from '../../output/env-file.js';
import { leaseVariables, type IssuedLease } from '../../output/lease-output.js';
import { classifyFailure, rotationLine } from '../../cli/rotation-text.js';
import { formatExpiry } from '../../output/time.js';
import { parseDuration } from '../../rules/duration.js';
import { DEFAULT_GRACE_MS, DEFAULT_STOP_TIMEOUT_MS } from '../../rules/rotation.js';
import { abandon } from '../../service/create.js';
import { startRotation, type RotationEvent } from '../../service/rotate.js';
import { rotationLeases } from '../../service/rotation-leases.js';
import { DEFAULT_WAIT_MS } from '../../service/wait.js';

/** The flags of `run --rotate` as parsed (run.command.ts). */
export interface RotateFlags {
  rotate?: boolean | undefined;
  restart?: boolean | undefined;
  signal?: string | undefined;
  grace?: string | undefined;
  stopTimeout?: string | undefined;
  envFile?: string | undefined;
}

/** How `run --rotate` hands a new user to the command. */
export type HandOver = { kind: 'restart'; stopTimeoutMs: number } | { kind: 'signal'; signal: NodeJS.Signals };

export interface RotateSettings {
  handOver: HandOver;
  graceMs: number;
  envFile?: string | undefined;
}

/** The settings of `run --rotate`, checked (usage errors, exit 2) before anything is leased; undefined without it. */
export function rotateSettings(flags: RotateFlags): RotateSettings | undefined {
  if (!flags.rotate) {
    const stray = (
      [
        ['--restart', flags.restart],
        ['--signal', flags.signal],
        ['--grace', flags.grace],
        ['--stop-timeout', flags.stopTimeout],
        ['--env-file', flags.envFile],
      ] as const
    ).find(([, value]) => value !== undefined);
    if (stray) throw new UsageError(`${stray[0]} goes with --rotate: dynsecret run NAME --rotate ${stray[0]} … -- COMMAND`);
    return undefined;
  }
  if (flags.restart && flags.signal !== undefined) throw new UsageError('--restart and --signal are two ways to hand over: choose one.');
  const graceMs = flags.grace === undefined ? DEFAULT_GRACE_MS : parseDuration(flags.grace, '--grace');
  if (flags.signal !== undefined) {
    if (flags.envFile === undefined) {
      throw new UsageError('--signal needs --env-file PATH: the command reads the new credentials from that file when signalled.', {
        hint: 'e.g. dynsecret run app-db --rotate --signal HUP --env-file .env -- my-server',
      });
    }
    if (flags.stopTimeout !== undefined) throw new UsageError('--stop-timeout goes with --restart; --signal never stops the command.');
    return { handOver: { kind: 'signal', signal: parseSignal(flags.signal) }, graceMs, envFile: flags.envFile };
  }
  const stopTimeoutMs = flags.stopTimeout === undefined ? DEFAULT_STOP_TIMEOUT_MS : parseDuration(flags.stopTimeout, '--stop-timeout');
  return { handOver: { kind: 'restart', stopTimeoutMs }, graceMs, envFile: flags.envFile };
}

/** `HUP`, `SIGHUP` or `sighup`; a signal this system does not have is a usage error. */
export function parseSignal(value: string): NodeJS.Signals {
  const name = value.toUpperCase().startsWith('SIG') ? value.toUpperCase() : `SIG${value.toUpperCase()}`;
  if (!Object.hasOwn(constants.signals, name)) {
    throw new UsageError(`--signal ${value} is not a signal name`, { hint: 'e.g. --signal HUP, --signal USR1' });
  }
  return name as NodeJS.Signals;
}

/** What `run` hands to the rotating supervisor: its own rules for the child's environment and status. */
export interface RotatingRun {
  command: readonly string[];
  prefix: string;
  ttl?: string | undefined;
  cluster?: string | undefined;
  waitMs?: number | undefined;
  renew: boolean;
  keep: boolean;
  settings: RotateSettings;
}

/** The lease `run` made, and run's own rules for the child's environment and status. */
export interface RunStart {
  lease: IssuedLease;
  config: DynamicSecretConfig;
  childEnvironment(vars: readonly (readonly [string, string])[]): Record<string, string>;
  exitStatus(code: number | null, signal: NodeJS.Signals | null): number;
  /** Masks the secrets of every lease of this run in the command's output (none with --no-mask). */
  masker?: SecretMasker | undefined;
  /** Relays signals to each command started (listening since the lease was made: an early one is queued). */
  relay: SignalRelay;
}

/**
 * The settings of `run --rotate` (undefined without it), with `--env-file` checked before anything is leased:
 * a path that cannot be written leaves nothing behind.
 */
export async function prepareRotation(flags: RotateFlags): Promise<RotateSettings | undefined> {
  const settings = rotateSettings(flags);
  if (settings?.envFile !== undefined) await checkEnvFileRewrite(settings.envFile, (text) => text);
  return settings;
}

interface Child {
  readonly exited: Promise<number>;
  hasExited(): boolean;
  kill(signal: NodeJS.Signals): void;
}

/**
 * `run --rotate`: the command runs under a lease that the lease service keeps renewing and replaces before
 * it ends (src/service/rotate.ts); each new user is handed over by restarting the command (`--restart`) or
 * by rewriting `--env-file` and signalling it (`--signal`). SIGINT or SIGTERM stop the command, and then
 * every lease still alive is revoked. The status is the last command's.
 */
export async function runRotating(context: Context, run: RotatingRun, start: RunStart): Promise<{ exitCode: number }> {
  const { settings, prefix } = run;
  const { lease: first, config } = start;
  const vars = (lease: IssuedLease) => leaseVariables(lease, prefix);
  const launch = (lease: IssuedLease) =>
    startChild(context, run.command, start.childEnvironment(vars(lease)), start.exitStatus, start.masker);
  if (settings.envFile !== undefined) {
    try {
      await upsertEnvFile(settings.envFile, vars(first));
    } catch (error) {
      await abandon(context, config, first.leaseId, true);
      throw error;
    }
    context.io.error(`Wrote the credentials to ${settings.envFile}.`);
  }
  const { relay } = start;
  // Any signal but those a command takes to reload (SIGHUP, SIGUSR2) stops the run, even one that came early.
  const stopping = () => relay.received.some((signal) => signal !== 'SIGHUP' && signal !== 'SIGUSR2');
  let ended = false;
  let replacement: Promise<Child | undefined> | undefined;
  let child = await launch(first);
  relay.attach(child);

  const handOver = async (next: IssuedLease): Promise<boolean> => {
    if (ended || stopping()) return false;
    // Known to the masker before the command can see (and print) the new values.
    start.masker?.add(next.password);
    if (context.env.GITHUB_ACTIONS === 'true') {
      // Registered before the command can see (and print) the new values.
      for (const [name, value] of vars(next)) if (/DB_PASSWORD$|MONGODB_URI$/.test(name)) context.io.error(`::add-mask::${value}`);
    }
    if (settings.envFile !== undefined) await upsertEnvFile(settings.envFile, vars(next));
    if (settings.handOver.kind === 'signal') {
      if (ended) return false;
      child.kill(settings.handOver.signal);
      return true;
    }
    const { stopTimeoutMs } = settings.handOver;
    const old = child;
    let settle!: (next: Child | undefined) => void;
    replacement = new Promise((resolve) => {
      settle = resolve;
    });
    try {
      old.kill('SIGTERM');
      const exited = new AbortController();
      void old.exited.then(() => exited.abort());
      await context.sleep(stopTimeoutMs, exited.signal);
      if (!old.hasExited()) {
        old.kill('SIGKILL');
        await old.exited;
      }
      if (stopping()) {
        settle(undefined);
        return false;
      }
      child = await launch(next);
      relay.attach(child);
      settle(child);
      return true;
    } catch (error) {
      settle(undefined);
      throw error;
    }
  };

  const onEvent = async (event: RotationEvent<IssuedLease>) => {
    if (event.type === 'rotated') {
      context.audit.note({ config: config.name, leaseId: event.next.leaseId, replaces: event.previous.leaseId, reason: event.reason });
    }
    const line = rotationLine(event, context.now());
    if (line !== undefined) context.io.error(line);
    // Renewals, rotations and revokes are on the audit trail at once: a long command may still be killed.
    if (event.type !== 'rotation-failed' && event.type !== 'renew-failed') await flushAudit(context);
  };

  const ttlMs = run.ttl === undefined ? config.defaultTtlMs : parseDuration(run.ttl, '--ttl');
  const rotation = startRotation(
    {
      ...rotationLeases(context, config, {
        name: config.name,
        prefix,
        ttl: run.ttl,
        cluster: run.cluster,
        waitMs: run.waitMs ?? DEFAULT_WAIT_MS,
      }),
      classify: classifyFailure,
      handOver,
      onEvent,
    },
    first,
    {
      ttlMs,
      renewing: run.renew,
      graceMs: settings.graceMs,
      handoverMs: settings.handOver.kind === 'restart' ? settings.handOver.stopTimeoutMs : 0,
      firstPrepMs: Math.max(0, context.now().getTime() - first.createdAt.getTime()),
    },
  );

  let status: number;
  try {
    for (;;) {
      status = await child.exited;
      const next = replacement === undefined ? undefined : await replacement;
      replacement = undefined;
      if (next === undefined) break;
    }
  } finally {
    ended = true;
  }
  const last = await rotation.stop({ keepCurrent: run.keep });
  if (rotation.failure() !== undefined) {
    context.io.error(`warning: stopped renewing and rotating early: ${classifyFailure(rotation.failure()).message}`);
  }
  if (run.keep) {
    context.io.error(`Kept ${last.leaseId} (--keep); it expires ${formatExpiry(last.expiresAt, context.now())}.`);
  } else if (settings.envFile !== undefined) {
    await removeFromEnvFile(
      settings.envFile,
      vars(last).map(([name]) => name),
    ).catch((error: unknown) => context.io.error(`warning: could not remove the credentials from ${settings.envFile} (${String(error)}).`));
  }
  return { exitCode: status };
}

async function flushAudit(context: Context): Promise<void> {
  await context.audit.flush('run').catch((error: unknown) => {
    context.io.error(
      `warning: could not append to the audit log ${context.audit.path} (${(error as NodeJS.ErrnoException).code ?? 'error'}).`,
    );
  });
}

/** Starts the command; `exited` settles with its status (127 or 126 when it could not start). */
async function startChild(
  context: Context,
  command: readonly string[],
  env: Record<string, string>,
  exitStatus: RunStart['exitStatus'],
  mask: SecretMasker | undefined,
): Promise<Child> {
  const [file, ...args] = command;
  let status: number | undefined;
  let resolve!: (status: number) => void;
  const exited = new Promise<number>((done) => {
    resolve = done;
  });
  const done = (code: number) => {
    if (status !== undefined) return;
    status = code;
    resolve(code);
  };
  const handle = await context.spawn(file!, args, {
    env,
    mask,
    onError: (error) => {
      const failure = startFailure(file!, error);
      context.io.error(failure.line);
      done(failure.status);
    },
    onExit: (code, signal) => done(exitStatus(code, signal)),
  });
  return {
    exited,
    hasExited: () => status !== undefined,
    kill: (signal) => {
      if (status === undefined) handle.kill(signal);
    },
  };
}
