import { expect } from 'vitest';
import type { RunResult } from '../../helpers/bin.js';
import { leaseRecords, usersOf, type Emulator, type Workspace } from '../../helpers/emulator.js';

/** A stack frame as Node prints it. */
export const STACK_LINE = /^\s+at .+[(:]\d+/m;

/**
 * A run that ends the documented way: exit 0, or one of `codes` with an empty stdout and exactly one
 * `dynsecret:` sentence on stderr (the CLI's only error line), no stack trace and no "unexpected error".
 */
export function expectDocumentedEnd(result: RunResult, codes: readonly number[], what: string): void {
  const context = `${what}\nexit ${result.code} ${result.signal ?? ''}\nstderr: ${result.stderr}`;
  expect(result.signal, context).toBeNull();
  if (result.code === 0) return;
  expect(codes, context).toContain(result.code);
  expect(result.stdout, context).toBe('');
  const errorLines = result.stderr.split('\n').filter((line) => line.startsWith('dynsecret:'));
  expect(errorLines, context).toHaveLength(1);
  expect(errorLines[0]!.length, context).toBeGreaterThan('dynsecret: '.length + 10);
  expect(result.stderr, context).not.toMatch(STACK_LINE);
  expect(result.stderr, context).not.toContain('unexpected error');
}

export interface Reconciliation {
  /** Atlas users under the config's labels that the store has no record of. */
  orphans: string[];
  /** Records of finished leases (exit 0) that are missing from the store. */
  lost: string[];
  /** Records whose status is active but whose user Atlas does not hold. */
  phantoms: string[];
}

/**
 * Compares what Atlas holds with what the stores (one per machine) record. `committed` are lease ids whose
 * `lease` exited 0 and that nothing revoked since: each must still be recorded.
 */
export async function reconcile(
  em: Emulator,
  stores: readonly Pick<Workspace, 'home' | 'env'>[],
  config: string,
  committed: Iterable<string> = [],
): Promise<Reconciliation> {
  const users = await usersOf(em, config);
  const records = (await Promise.all(stores.map((ws) => leaseRecords(ws, config)))).flat();
  const recorded = new Set(records.map((r) => r.leaseId));
  const held = new Set(users.map((u) => u.username));
  return {
    orphans: users.map((u) => u.username).filter((name) => !recorded.has(name)),
    lost: [...committed].filter((id) => !recorded.has(id)),
    phantoms: records.filter((r) => r.status === 'active' && !held.has(r.leaseId)).map((r) => r.leaseId),
  };
}
