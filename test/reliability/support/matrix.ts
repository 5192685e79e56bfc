import { createInProcess } from '../../helpers/create-in-process.js';
import { createFlags, mustSucceed, parseLease, usersOf, type Emulator, type Fault, type Workspace } from '../../helpers/emulator.js';
import type { RunOptions } from '../../helpers/bin.js';
import { editStore } from './store.js';

/**
 * The fault matrix: every command that calls Atlas, and every fault the emulator can inject, each aimed at
 * the request that matters most to that command (its write, or its only read).
 */

export interface FaultCase {
  name: string;
  /** The fault, before `match` and `count` are filled in from the command. */
  fault: Omit<Fault, 'match' | 'count'>;
  /** How many matching requests fail; `first` is used when the target is the process's first API call. */
  count: number | { first: number; later: number };
  /** Exit codes this fault may end in besides 0 (for the command's target request when they differ). */
  codes: readonly number[] | { first: readonly number[]; later: readonly number[] };
  /** Only in the stress run, and on an emulator of its own. */
  slow?: boolean;
  /** Environment for the command under test (e.g. a short request timeout). */
  env?: Readonly<Record<string, string>>;
  /** Emulator flags this fault needs. */
  emulatorFlags?: readonly string[];
}

const TRANSIENT = [6];
const AUTH = [4];
/** An answer dynsecret cannot read: "Atlas sent an unexpected response" (exit 1). */
const UNREADABLE = [1];

export const FAULTS: readonly FaultCase[] = [
  // DYNSECRET_REQUEST_TIMEOUT makes the client give up after 2 s, so the fault costs seconds, not 30 s a try.
  {
    name: 'latency beyond the request timeout',
    fault: { latencyMs: 3_500 },
    count: 1,
    codes: TRANSIENT,
    env: { DYNSECRET_REQUEST_TIMEOUT: '2s' },
  },
  { name: '500', fault: { status: 500 }, count: 1, codes: TRANSIENT },
  { name: '500 on every retry', fault: { status: 500 }, count: 12, codes: TRANSIENT },
  { name: '503', fault: { status: 503 }, count: 1, codes: TRANSIENT },
  { name: '429 with Retry-After', fault: { status: 429, retryAfter: 1 }, count: 1, codes: TRANSIENT },
  { name: '429 without Retry-After', fault: { status: 429 }, count: 1, codes: TRANSIENT },
  { name: 'connection reset before the answer', fault: { reset: true }, count: 1, codes: TRANSIENT },
  { name: '500 after the change was applied', fault: { status: 500, afterApply: true }, count: 1, codes: TRANSIENT },
  { name: 'connection reset after the change was applied', fault: { reset: true, afterApply: true }, count: 1, codes: TRANSIENT },
  { name: '401', fault: { status: 401, errorCode: 'UNAUTHORIZED' }, count: 1, codes: AUTH },
  { name: '403', fault: { status: 403, errorCode: 'IP_ADDRESS_NOT_ON_ACCESS_LIST' }, count: 1, codes: AUTH },
  {
    // The nonce has expired by the time the authenticated request is checked: Atlas answers 401 with
    // stale=true. A process reusing an old nonce (run, --wait) must ask again and succeed, and so must one
    // whose nonce dies between the challenge and its very first answer (the unauthenticated request and
    // the first authenticated one are both slowed past the nonce's life).
    name: 'stale nonce',
    fault: { beforeAuth: true, latencyMs: 3_500 },
    count: { first: 2, later: 1 },
    codes: [],
    emulatorFlags: ['--nonce-lifetime', '3s'],
  },
  { name: 'malformed JSON', fault: { body: 'malformed' }, count: 1, codes: UNREADABLE },
  { name: 'a huge body', fault: { body: 'huge' }, count: 1, codes: UNREADABLE },
  { name: 'wrong field types', fault: { body: 'wrong-types' }, count: 1, codes: UNREADABLE },
];

export interface Group {
  em: Emulator;
  /** This machine. */
  ws: Workspace;
  /** Another machine with the same config (for leases made elsewhere). */
  other: Workspace;
  config: string;
  /** Lease ids that must stay recorded: their lease exited 0 and nothing revoked them. */
  committed: Set<string>;
}

export interface Prepared {
  args: string[];
  options?: RunOptions;
  /** The config whose users and records the checks compare (default: the group's). */
  config?: string;
  /** After a run: what it committed or undid, given its exit code and stdout. */
  settle?: (code: number | null, stdout: string) => void | Promise<void>;
}

export interface CommandCase {
  name: string;
  target: { method: string; path: string };
  /** Whether the target is the first API request the process makes (digest challenge included). */
  first: boolean;
  prepare(group: Group, index: number): Promise<Prepared>;
}

/** A lease made as setup for the command under test: in this process (test/helpers/cli.ts). */
export async function leaseOn(ws: Workspace, config: string, extra: string[] = []): Promise<string> {
  return parseLease((await mustSucceed(ws.cli(['lease', config, '--format', 'json', ...extra]))).stdout).leaseId;
}

const committedLease = (group: Group) => (code: number | null, stdout: string) => {
  if (code === 0) group.committed.add(parseLease(stdout).leaseId);
};

const revokedIf = (group: Group, id: string) => (code: number | null) => {
  if (code === 0) group.committed.delete(id);
};

/** A bulk revoke may also clean up leases of earlier cases: whatever Atlas no longer holds was revoked. */
async function forgetRevoked(group: Group): Promise<void> {
  const held = new Set((await usersOf(group.em, group.config)).map((u) => u.username));
  for (const id of group.committed) if (!held.has(id)) group.committed.delete(id);
}

const DB_USERS = '/databaseUsers';

export const COMMANDS: readonly CommandCase[] = [
  {
    name: 'lease',
    target: { method: 'POST', path: DB_USERS },
    first: true,
    prepare: async (group) => ({ args: ['lease', group.config, '--format', 'json'], settle: committedLease(group) }),
  },
  {
    name: 'renew',
    target: { method: 'PATCH', path: DB_USERS },
    first: true,
    prepare: async (group) => {
      const id = await leaseOn(group.ws, group.config);
      group.committed.add(id);
      return { args: ['renew', id, '--ttl', '2h', '--json'] };
    },
  },
  {
    name: 'revoke',
    target: { method: 'DELETE', path: DB_USERS },
    first: true,
    prepare: async (group) => {
      const id = await leaseOn(group.ws, group.config);
      group.committed.add(id);
      return { args: ['revoke', id, '--json'], settle: revokedIf(group, id) };
    },
  },
  {
    name: 'list --remote',
    target: { method: 'GET', path: DB_USERS },
    first: true,
    prepare: async (group) => ({ args: ['list', group.config, '--remote', '--json'] }),
  },
  {
    name: 'create (verifies against Atlas)',
    target: { method: 'GET', path: DB_USERS },
    first: true,
    prepare: async (group, index) => ({
      args: createFlags(group.em, { name: `created-${index}` }),
      options: { input: group.em.privateKey },
    }),
  },
  {
    name: 'lease --wait',
    target: { method: 'GET', path: '/status' },
    first: false,
    prepare: async (group) => ({ args: ['lease', group.config, '--format', 'json', '--wait', '1m'], settle: committedLease(group) }),
  },
  {
    name: 'lease --cluster',
    target: { method: 'GET', path: '/clusters/' },
    first: true,
    prepare: async (group) => ({
      args: ['lease', group.config, '--format', 'json', '--cluster', group.em.clusters[0]!],
      settle: committedLease(group),
    }),
  },
  {
    name: 'renew --config (a lease made elsewhere)',
    target: { method: 'GET', path: DB_USERS },
    first: true,
    prepare: async (group) => ({ args: ['renew', await leaseOn(group.other, group.config), '--config', group.config, '--ttl', '2h'] }),
  },
  {
    name: 'revoke --expired',
    target: { method: 'DELETE', path: DB_USERS },
    first: true,
    prepare: async (group) => {
      const id = await leaseOn(group.ws, group.config);
      // As a revoke that failed earlier leaves it: to be retried by --expired.
      await editStore(group.ws, (data) => {
        const record = data.leases.find((l) => l.leaseId === id);
        if (record) record.status = 'revoke-failed';
      });
      group.committed.add(id);
      return { args: ['revoke', '--expired', '--config', group.config], settle: () => forgetRevoked(group) };
    },
  },
  {
    name: 'delete (revokes the leases first)',
    target: { method: 'DELETE', path: DB_USERS },
    first: true,
    prepare: async (group, index) => {
      const config = `doomed-${index}`;
      // The config is setup for `delete`, the command under test: made in this process, as workspace() makes its own.
      await createInProcess(group.ws.env, [...createFlags(group.em, { name: config }), '--no-verify'], group.em.privateKey);
      await leaseOn(group.ws, config);
      return { args: ['delete', config, '--yes'], config };
    },
  },
  {
    name: 'run (the final revoke)',
    target: { method: 'DELETE', path: DB_USERS },
    first: false,
    prepare: async (group) => ({ args: ['run', group.config, '--', process.execPath, '-e', '0'] }),
  },
];

export const codesFor = (command: CommandCase, fault: FaultCase): readonly number[] =>
  'first' in fault.codes ? (command.first ? fault.codes.first : fault.codes.later) : fault.codes;

/** The fault as the emulator takes it, aimed at the command's target request. */
export function faultFor(command: CommandCase, fault: FaultCase): Fault {
  const count = typeof fault.count === 'number' ? fault.count : command.first ? fault.count.first : fault.count.later;
  return { ...fault.fault, match: command.target, count };
}
