import { beforeAll, describe, expect, it } from 'vitest';
import { usersOf } from '../helpers/emulator.js';
import { expectDocumentedEnd, reconcile } from './support/checks.js';
import { budget, STRESS } from './support/counts.js';
import { recordFigures } from './support/figures.js';
import { fleet, type Fleet } from '../helpers/fleet.js';
import { codesFor, COMMANDS, FAULTS, faultFor, type CommandCase, type FaultCase, type Group } from './support/matrix.js';
import { openStore } from './support/store.js';

/**
 * Every command that calls Atlas against every fault the emulator can inject. Each run must end in success
 * or the fault's documented exit code with one sentence and an empty stdout, and afterwards Atlas and the
 * stores must agree: no user Atlas holds that no store knows, no finished lease forgotten, no record of a
 * live lease whose user is gone.
 *
 * The stress run crosses every command with every fault. `npm test` runs a quarter of the pairs, chosen so
 * that every command meets several faults and every fault several commands, plus the pairs named below.
 *
 * A command runs in this process (test/helpers/cli.ts) unless a process is the point: `run`, which starts its
 * child on this process's standard streams, always runs the bin, and so do the pairs named below and the first
 * and the last fault each command meets in its group (the first is one Atlas recovers from, the last, in most
 * groups, one that ends in a refusal), so that the built bin is seen ending both ways under faults.
 */

const ALWAYS = new Set([
  'lease × latency beyond the request timeout',
  'lease × stale nonce',
  'lease --wait × stale nonce',
  'run (the final revoke) × stale nonce',
]);
const label = (command: CommandCase, fault: FaultCase) => `${command.name} × ${fault.name}`;
const pairs = COMMANDS.flatMap((command, c) => FAULTS.map((fault, f) => ({ command, fault, c, f, label: label(command, fault) }))).filter(
  ({ c, f, label: name }) => STRESS || (c + f) % 4 === 2 || ALWAYS.has(name),
);

const outcomes: { pair: string; exitCode: number | null }[] = [];
let machines: Fleet;

beforeAll(async () => {
  machines = await fleet([{ name: 'matrix' }]);
});

async function newGroup(flags: readonly string[] = []): Promise<Group> {
  const em = await machines.emulator(flags);
  const [ws, other] = await Promise.all([machines.workspace(em), machines.workspace(em)]);
  return { em, ws, other, config: 'matrix', committed: new Set() };
}

/** The stress run sends every pair through the bin; `npm test` the ends of each command's group, `run` and ALWAYS. */
const throughTheBin = (command: CommandCase, fault: FaultCase, atEnd: boolean) =>
  STRESS || atEnd || command.name.startsWith('run ') || ALWAYS.has(label(command, fault));

async function runCase(group: Group, command: CommandCase, fault: FaultCase, index: number, atEnd: boolean): Promise<void> {
  const what = label(command, fault);
  await group.em.clearFaults();
  const prepared = await command.prepare(group, index);
  await group.em.clearRequests();
  await group.em.addFault(faultFor(command, fault));
  const options = fault.env === undefined ? prepared.options : { ...prepared.options, env: { ...prepared.options?.env, ...fault.env } };
  const result = await (throughTheBin(command, fault, atEnd) ? group.ws.run : group.ws.cli)(prepared.args, options);
  await group.em.clearFaults();
  outcomes.push({ pair: what, exitCode: result.code });
  expectDocumentedEnd(result, codesFor(command, fault), what);
  await prepared.settle?.(result.code, result.stdout);

  if (fault.name === 'stale nonce') {
    const staleAnswers = (await group.em.requests()).filter((r) => r.auth === 'digest' && r.status === 401);
    expect(staleAnswers.length, `${what}: the nonce never went stale`).toBeGreaterThan(0);
  }
  const config = prepared.config ?? group.config;
  const found = await reconcile(group.em, [group.ws, group.other], config, config === group.config ? group.committed : []);
  expect(found, what).toEqual({ orphans: [], lost: [], phantoms: [] });
}

/** After a group: the store opens, and `list --remote` shows every user Atlas holds under the labels. */
async function finalChecks(group: Group): Promise<void> {
  await openStore(group.ws);
  const remote = await group.ws.cli(['list', group.config, '--remote', '--json']);
  expect(remote.code, remote.stderr).toBe(0);
  const shown = new Set((JSON.parse(remote.stdout) as { leaseId: string }[]).map((l) => l.leaseId));
  for (const user of await usersOf(group.em, group.config)) expect(shown).toContain(user.username);
}

describe.concurrent('fault matrix', () => {
  // Faults that need emulator flags (or are slow) get an emulator of their own, so they run beside the rest
  // instead of after it.
  const own = (fault: FaultCase) => fault.slow === true || fault.emulatorFlags !== undefined;
  const groups = COMMANDS.map((command) => ({
    name: command.name,
    command,
    faults: pairs.filter((p) => p.command === command && !own(p.fault)).map((p) => p.fault),
  })).filter((g) => g.faults.length > 0);
  it.each(groups)(
    '$name × $faults.length faults',
    async ({ command, faults }) => {
      const group = await newGroup();
      for (const [index, fault] of faults.entries())
        await runCase(group, command, fault, index, index === 0 || index === faults.length - 1);
      await finalChecks(group);
    },
    budget(150_000, 600_000),
  );

  it.each(pairs.filter((p) => own(p.fault)))(
    '$label',
    async ({ command, fault }) => {
      const group = await newGroup(fault.emulatorFlags);
      await runCase(group, command, fault, 0, false);
      await finalChecks(group);
    },
    budget(150_000, 400_000),
  );
});

describe('fault matrix figures', () => {
  it('records the outcome of every run', async () => {
    expect(outcomes).toHaveLength(pairs.length);
    const byExitCode: Record<string, number> = {};
    for (const o of outcomes) byExitCode[String(o.exitCode)] = (byExitCode[String(o.exitCode)] ?? 0) + 1;
    await recordFigures('faults', {
      commands: COMMANDS.length,
      faults: FAULTS.length,
      runs: outcomes.length,
      byExitCode,
      orphans: 0,
      lostRecords: 0,
      outcomes: outcomes.map((o) => `${o.pair} → exit ${o.exitCode}`).sort(),
    });
  });
});
