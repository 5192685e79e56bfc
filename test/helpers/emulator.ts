import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { inject } from 'vitest';
import { atFileEnd } from './file-end.js';
import { z } from 'zod';
import type { FaultSpec } from '../../src/emulator/faults.js';
import { parseArgv } from '../../src/emulator/options.js';
import { startEmulator as startInProcess } from '../../src/emulator/server.js';
import type { DynamicSecretConfig } from '../../src/config/schema.js';
import type { LeaseRecord } from '../../src/store/schema.js';
import { EncryptedStore } from '../../src/store/store.js';
import { cli } from './cli.js';
import { createInProcess } from './create-in-process.js';
import { cleanEnv, dynsecret, EMULATOR, tempHome, type RunOptions, type RunResult } from './bin.js';

/**
 * The Atlas emulator on 127.0.0.1 with a random port, driven over real HTTP, plus stores whose configs point
 * at it. Every emulator started here is stopped after the test file.
 */

const Started = z.object({
  url: z.string().url(),
  publicKey: z.string(),
  privateKey: z.string(),
  groupId: z.string(),
  clusters: z.array(z.string()),
  clientId: z.string(),
  clientSecret: z.string(),
});
export type EmulatorInfo = z.infer<typeof Started>;

const Labels = z.array(z.object({ key: z.string(), value: z.string() }));
const EmulatedUser = z.looseObject({
  username: z.string(),
  databaseName: z.string(),
  deleteAfterDate: z.string().optional(),
  description: z.string().optional(),
  labels: Labels,
  roles: z.array(z.looseObject({ roleName: z.string(), databaseName: z.string(), collectionName: z.string().optional() })),
  scopes: z.array(z.object({ name: z.string(), type: z.string() })),
});
export type EmulatedUser = z.infer<typeof EmulatedUser>;
const State = z.looseObject({
  now: z.string(),
  /** OAuth access tokens issued so far. */
  tokens: z.number(),
  users: z.array(EmulatedUser),
  clusters: z.record(
    z.string(),
    z.looseObject({
      changeStatus: z.string(),
      connectionStrings: z.looseObject({ standardSrv: z.string().optional() }),
    }),
  ),
});
export type EmulatorStateDump = z.infer<typeof State>;
/** The access list and clock parts of the state dump, for the helpers below. */
const AccessListState = z.looseObject({
  now: z.string(),
  clock: z.object({ offsetMs: z.number(), speed: z.number() }),
  maxUsers: z.number(),
  accessList: z.array(
    z.object({
      cidrBlock: z.string(),
      ipAddress: z.string().optional(),
      comment: z.string().optional(),
      deleteAfterDate: z.string().optional(),
      status: z.enum(['PENDING', 'ACTIVE']),
    }),
  ),
});
export type EmulatedAccessEntry = z.infer<typeof AccessListState>['accessList'][number];
const ClockReply = z.object({ now: z.string(), offsetMs: z.number(), speed: z.number() });
export type EmulatorClock = z.infer<typeof ClockReply>;
const Logged = z.array(z.object({ method: z.string(), path: z.string(), status: z.number(), auth: z.string() }));
export type LoggedRequest = z.infer<typeof Logged>[number];

export type Fault = Partial<Omit<FaultSpec, 'match'>> & { match?: FaultSpec['match']; count: number };

export interface Emulator extends EmulatorInfo {
  /** What the emulator wrote on stderr so far (its request log lines). */
  stderr(): string;
  addFault(fault: Fault): Promise<void>;
  clearFaults(): Promise<void>;
  /** How many faults are still waiting for a request (a fault is taken when its request arrives). */
  faultsWaiting(): Promise<number>;
  advanceClock(advanceMs: number): Promise<void>;
  state(): Promise<EmulatorStateDump>;
  requests(): Promise<LoggedRequest[]>;
  clearRequests(): Promise<void>;
  stop(): Promise<void>;
  /** Runs the emulator clock `speed` times faster than real time from now on (no jump). */
  setClockSpeed(speed: number): Promise<EmulatorClock>;
  /** The emulator's current time (epoch ms), to compute dates valid on its clock. */
  now(): Promise<number>;
  /** The project's IP access list as the emulator holds it, with each entry's status. */
  accessList(): Promise<EmulatedAccessEntry[]>;
  /** Changes the database user limit while running. */
  setMaxUsers(maxUsers: number): Promise<void>;
  /** Fails the next `count` user creations with Atlas' quota error (default) or a 500. */
  failCreates(count: number, kind?: 'quota' | '5xx'): Promise<void>;
}

/** How to stop each emulator started by this file, stopped after it. */
const running = new Set<() => Promise<void>>();
atFileEnd(async () => {
  const stops = [...running];
  running.clear();
  await Promise.all(stops.map((stop) => stop()));
});

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

/** Where an emulator runs: in the test process (a server on its event loop), or as the bin in a process of its own. */
export type EmulatorHost = 'in-process' | 'process';

/**
 * Starts the emulator with `dynsecret-atlas-emulator --port 0` and extra flags (default `--apply-delay 0s`).
 * By default it runs in this process, on the same server code the bin starts (saving a Node start per
 * emulator); `'process'` starts the bin, for a test that blocks this process while a command talks to Atlas
 * (a synchronous spawn) or that is about the bin.
 */
export async function startEmulator(args: string[] = ['--apply-delay', '0s'], where: EmulatorHost = 'in-process'): Promise<Emulator> {
  const started = where === 'process' ? await emulatorProcess(args) : await emulatorInProcess(args);
  // An emulator process is in the set already, from its spawn on (so that one that fails to start is stopped
  // too): adding its `stop` again changes nothing.
  running.add(started.stop);
  return withControls(started);
}

interface StartedEmulator {
  info: EmulatorInfo;
  stderr(): string;
  stop(): Promise<void>;
}

async function emulatorInProcess(args: string[]): Promise<StartedEmulator> {
  const { options, help, quiet } = parseArgv(['--port', '0', ...args]);
  if (help) throw new Error('--help starts no emulator');
  let stderr = '';
  const server = await startInProcess({
    ...options,
    ...(quiet
      ? {}
      : {
          log: (line: string) => {
            stderr += `${line}\n`;
          },
        }),
  });
  return { info: Started.parse(server), stderr: () => stderr, stop: () => server.close() };
}

async function emulatorProcess(args: string[]): Promise<StartedEmulator> {
  // The bins' clean environment: a variable such as NODE_EXTRA_CA_CERTS (which makes every Node start parse a CA
  // bundle) is nothing the emulator needs.
  const child = spawn(process.execPath, [EMULATOR, '--port', '0', ...args], { env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const stop = () => stopChild(child);
  running.add(stop);
  const line = await new Promise<string>((resolve, reject) => {
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const end = stdout.indexOf('\n');
      if (end >= 0) resolve(stdout.slice(0, end));
    });
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the emulator exited (${code}) before starting: ${stderr}`)));
  });
  return { info: Started.parse(JSON.parse(line)), stderr: () => stderr, stop };
}

function withControls({ info, stderr, stop }: StartedEmulator): Emulator {
  const control = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    const response = await fetch(`${info.url}/__emulator/${path}`, {
      method,
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} /__emulator/${path}: ${response.status} ${text}`);
    return text === '' ? undefined : JSON.parse(text);
  };
  return {
    ...info,
    stderr,
    addFault: async (fault) => {
      await control('POST', 'faults', fault);
    },
    clearFaults: async () => {
      await control('DELETE', 'faults');
    },
    faultsWaiting: async () => z.array(z.looseObject({ remaining: z.number() })).parse(await control('GET', 'faults')).length,
    advanceClock: async (advanceMs) => {
      await control('POST', 'clock', { advanceMs });
    },
    state: async () => State.parse(await control('GET', 'state')),
    requests: async () => Logged.parse(await control('GET', 'requests')),
    clearRequests: async () => {
      await control('DELETE', 'requests');
    },
    stop,
    setClockSpeed: async (speed) => ClockReply.parse(await control('POST', 'clock', { speed })),
    now: async () => Date.parse(AccessListState.parse(await control('GET', 'state')).now),
    accessList: async () => AccessListState.parse(await control('GET', 'state')).accessList,
    setMaxUsers: async (maxUsers) => {
      await control('POST', 'limits', { maxUsers });
    },
    failCreates: async (count, kind = 'quota') => {
      await control('POST', 'faults', { failCreates: count, kind });
    },
  };
}

/** A DYNSECRET_HOME unlocked by a session key, so each process skips the passphrase KDF. */
export interface Workspace {
  home: string;
  env: Record<string, string>;
  /** The bin, in a process of its own. */
  run(args: string[], options?: RunOptions): Promise<RunResult>;
  /** The same command line in this process (helpers/cli.ts), for what does not need a process. */
  cli(args: string[], options?: Omit<RunOptions, 'killAfterMs'>): Promise<RunResult>;
}

export interface ConfigSpec {
  name: string;
  /** Extra `create` flags; the default is one role and the emulator's first cluster as the scope. */
  flags?: string[];
  /** The emulator's API key (default) or its service account. */
  auth?: 'apiKey' | 'serviceAccount';
}

export const createFlags = (em: EmulatorInfo, spec: ConfigSpec): string[] => [
  'create',
  spec.name,
  '--group-id',
  em.groupId,
  ...(spec.auth === 'serviceAccount'
    ? ['--client-id', em.clientId, '--client-secret-stdin']
    : ['--public-key', em.publicKey, '--private-key-stdin']),
  '--base-url',
  em.url,
  ...(spec.flags ?? ['--role', 'readWrite@app', '--scope', em.clusters[0] ?? 'Cluster0']),
];

/** What `create` reads on stdin for the spec's credentials. */
const secretFor = (em: EmulatorInfo, spec: ConfigSpec) => (spec.auth === 'serviceAccount' ? em.clientSecret : em.privateKey);

/**
 * A new, empty store in `home`: a copy of the run's template (test/global-setup.ts), made with PASSPHRASE,
 * which still opens it, and `env` to open it with its session key, as after `eval "$(dynsecret unlock)"`.
 */
export function emptyStore(home = tempHome()): { home: string; env: { DYNSECRET_HOME: string; DYNSECRET_SESSION: string } } {
  const template = inject('storeTemplate');
  copyFileSync(join(template.folder, 'store.json'), join(home, 'store.json'));
  return { home, env: { DYNSECRET_HOME: home, DYNSECRET_SESSION: template.session } };
}

/**
 * A new store holding `configs`, created against the emulator (so `create` verifies them for real). It starts
 * as `emptyStore`, so setting it up derives no key. `create` runs in this process (createInProcess): the tests
 * that use a workspace are about other commands; those about `create` run the bin with `createFlags`.
 */
export async function workspace(em: EmulatorInfo, configs: ConfigSpec[], home = tempHome()): Promise<Workspace> {
  const { env } = emptyStore(home);
  for (const spec of configs) await createInProcess(env, createFlags(em, spec), secretFor(em, spec));
  return workspaceAt(home, env);
}

/** The workspace of a store already in `home`, opened with `env` (DYNSECRET_HOME is set to `home`). */
export function workspaceAt(home: string, env: Record<string, string>): Workspace {
  const own = { ...env, DYNSECRET_HOME: home };
  return {
    home,
    env: own,
    run: (args, options = {}) => dynsecret(args, { ...options, env: { ...own, ...options.env } }),
    cli: (args, options = {}) => cli(args, { ...options, env: { ...own, ...options.env } }),
  };
}

export async function mustSucceed(pending: Promise<RunResult>): Promise<RunResult> {
  const result = await pending;
  if (result.code !== 0) throw new Error(`exit ${result.code}: ${result.stderr}`);
  return result;
}

/** The lease id and password of `lease --format json` output. */
export const LeaseJson = z.looseObject({
  leaseId: z.string(),
  config: z.string(),
  username: z.string(),
  password: z.string(),
  createdAt: z.string(),
  expiresAt: z.string(),
  maxExpiresAt: z.string(),
  connectionString: z.string().optional(),
});
export type LeaseJson = z.infer<typeof LeaseJson>;
export const parseLease = (stdout: string): LeaseJson => LeaseJson.parse(JSON.parse(stdout));

/** The users the emulator holds for a config, by dynsecret's config label. */
export async function usersOf(em: Emulator, config: string): Promise<EmulatedUser[]> {
  const { users } = await em.state();
  return users.filter((u) => u.labels.some((l) => l.key === 'dynsecret.config' && l.value === config));
}

/**
 * The configs of a workspace, read in this process with its session key, as `leaseRecords` reads leases; a
 * warning while opening the store (a mode narrowed back) is an error, as `list` would print it.
 */
export async function configRecords(ws: Pick<Workspace, 'home' | 'env'>): Promise<DynamicSecretConfig[]> {
  const warnings: string[] = [];
  const store = new EncryptedStore({ folder: ws.home, keys: { session: ws.env.DYNSECRET_SESSION }, warn: (w) => warnings.push(w) });
  const { configs } = await store.read();
  if (warnings.length > 0) throw new Error(`reading the store warned: ${warnings.join('; ')}`);
  return configs;
}

/**
 * The lease records of a workspace, read in this process with its session key: a cheap, independent check
 * for tests whose subject is not `list` itself.
 */
export async function leaseRecords(ws: Pick<Workspace, 'home' | 'env'>, config?: string): Promise<LeaseRecord[]> {
  const { leases } = await new EncryptedStore({ folder: ws.home, keys: { session: ws.env.DYNSECRET_SESSION } }).read();
  return config === undefined ? leases : leases.filter((l) => l.config === config);
}
