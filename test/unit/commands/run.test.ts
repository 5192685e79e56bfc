import { describe, expect, it } from 'vitest';
import { run, type RunOptions } from '../../../src/commands/run/run.js';
import {
  atlasError,
  config,
  fakeContext,
  H,
  iso,
  later,
  rejection,
  START,
  type FakeChild,
  type FakeOptions,
  type Fakes,
} from './fake-context.js';

const ENV = {
  PATH: '/usr/bin',
  DYNSECRET_PASSPHRASE: 'pass phrase',
  DYNSECRET_SESSION: 'sess',
  MONGODB_ATLAS_PRIVATE_API_KEY: 'priv',
  MONGODB_ATLAS_CLIENT_SECRET: 'secret',
};

/** Runs `sh -c true` with a child that `behave` ends; no renewals unless asked. */
async function runWith(
  behave: (child: FakeChild, emit: (signal: NodeJS.Signals) => void) => void,
  options: Partial<RunOptions> = {},
  fake: FakeOptions = {},
) {
  const fakes = await fakeContext({ env: ENV, ...fake });
  fakes.onSpawn = (child) => setImmediate(() => behave(child, fakes.signals.emit));
  const result = await run(fakes.context, { name: 'app-db', command: ['sh', '-c', 'true'], renew: false, ...options });
  return { fakes, result };
}

const exitWith =
  (code: number | null, signal: NodeJS.Signals | null = null) =>
  (child: FakeChild) =>
    child.options.onExit(code, signal);

describe('run (in-process, fake Atlas, fake spawn)', () => {
  it('passes on a SIGTERM that arrives while the command is being started, so it never outlives dynsecret', async () => {
    const fakes = await fakeContext({ env: ENV });
    fakes.onSpawn = (child) => {
      // Before spawn has handed back the child: the signal must wait for it, not be lost.
      fakes.signals.emit('SIGTERM');
      setImmediate(() => child.options.onExit(null, child.killed.includes('SIGTERM') ? 'SIGTERM' : null));
    };
    const result = await run(fakes.context, { name: 'app-db', command: ['sh', '-c', 'true'], renew: false });
    expect(fakes.children[0]!.killed).toEqual(['SIGTERM']);
    expect(result).toEqual({ exitCode: 143 });
    expect(fakes.atlas.users.size).toBe(0);
  });

  it('is still listening for signals while it revokes at the end', async () => {
    const fakes = await fakeContext({ env: ENV });
    const listeners: number[] = [];
    const deleteUser = fakes.atlas.deleteDatabaseUser.bind(fakes.atlas);
    fakes.atlas.deleteDatabaseUser = async (username: string) => {
      // Without a listener, a SIGTERM now would end dynsecret with the user still there.
      listeners.push(fakes.signals.count());
      return deleteUser(username);
    };
    const result = await run(fakes.context, { name: 'app-db', command: ['true'], renew: false });
    expect(result).toEqual({ exitCode: 0 });
    expect(listeners).toHaveLength(1);
    expect(listeners[0]).toBeGreaterThan(0);
    expect(fakes.atlas.users.size).toBe(0);
    expect(fakes.signals.count()).toBe(0);
  });

  it("runs the command with the lease in its environment (never dynsecret's own secrets), then revokes it and hands back its status", async () => {
    const { fakes, result } = await runWith(exitWith(3));
    expect(result).toEqual({ exitCode: 3 });
    const [child] = fakes.children;
    expect(child!.file).toBe('sh');
    expect(child!.args).toEqual(['-c', 'true']);
    const leaseId = child!.env.DYNSECRET_LEASE_ID!;
    expect(child!.env).toMatchObject({ PATH: '/usr/bin', DB_USERNAME: leaseId, DYNSECRET_LEASE_EXPIRES_AT: iso(later(H)) });
    expect(child!.env.DB_PASSWORD).toMatch(/^\S{20,}$/);
    expect(child!.env.MONGODB_URI).toContain('@cluster0.abcde.mongodb.net');
    for (const name of ['DYNSECRET_PASSPHRASE', 'DYNSECRET_SESSION', 'MONGODB_ATLAS_PRIVATE_API_KEY', 'MONGODB_ATLAS_CLIENT_SECRET']) {
      expect(child!.env).not.toHaveProperty(name);
    }
    expect(fakes.atlas.users.size).toBe(0);
    expect(await fakes.leases()).toEqual([]);
    expect(fakes.stderr).toEqual([
      `Waiting up to 5m for Atlas to apply ${leaseId} to Cluster0.`,
      'Applied to Cluster0 after 0s.',
      `Leased ${leaseId} from app-db; expires ${iso(later(H))} (in 1h).`,
      `Revoked ${leaseId}.`,
    ]);
    expect(fakes.signals.count()).toBe(0);
  });

  it.each([
    ['by default: the password and its URI-encoded form', {}, '*** and mongodb+srv://USER:***@\n'],
    ['not with --no-mask', { mask: false }, undefined],
  ])('hands the child a masker of the lease password %s', async (_what, options, masked) => {
    const { fakes } = await runWith(exitWith(0), options);
    const child = fakes.children[0]!;
    const { DB_PASSWORD: password, DB_USERNAME: username, MONGODB_URI: uri } = child.env;
    const stream = child.options.mask?.stream();
    const output = `${password} and ${uri!.slice(0, uri!.indexOf('@') + 1)}\n`;
    const shown = stream && Buffer.concat([...stream.write(Buffer.from(output)), ...stream.end()]).toString();
    expect(shown?.replace(username!, 'USER')).toBe(masked);
  });

  it('--keep leaves the lease alive and says until when', async () => {
    const { fakes, result } = await runWith(exitWith(0), { keep: true });
    expect(result).toEqual({ exitCode: 0 });
    const leaseId = fakes.children[0]!.env.DYNSECRET_LEASE_ID!;
    expect(fakes.atlas.users.has(leaseId)).toBe(true);
    expect(fakes.stderr.at(-1)).toBe(`Kept ${leaseId} (--keep); it expires ${iso(later(H))} (in 1h).`);
  });

  it.each<[string, NodeJS.Signals, boolean, NodeJS.Signals[]]>([
    ['SIGTERM is relayed', 'SIGTERM', false, ['SIGTERM']],
    ['SIGHUP is relayed', 'SIGHUP', false, ['SIGHUP']],
    ['SIGINT is relayed when stdin is not a terminal', 'SIGINT', false, ['SIGINT']],
    ['SIGINT is not relayed from a terminal (the child has it already)', 'SIGINT', true, []],
    ['SIGQUIT is relayed when stdin is not a terminal', 'SIGQUIT', false, ['SIGQUIT']],
    ['SIGQUIT is not relayed from a terminal (the child has it already)', 'SIGQUIT', true, []],
    ['SIGUSR2 is relayed', 'SIGUSR2', false, ['SIGUSR2']],
  ])('%s', async (_case, signal, stdinIsTty, relayed) => {
    const { fakes, result } = await runWith(
      (child, emit) => {
        emit(signal);
        child.options.onExit(null, signal);
      },
      {},
      { stdinIsTty },
    );
    expect(fakes.children[0]!.killed).toEqual(relayed);
    expect(result.exitCode).toBe({ SIGTERM: 143, SIGHUP: 129, SIGINT: 130, SIGQUIT: 131, SIGUSR2: 140 }[signal as string]);
    expect(fakes.atlas.users.size).toBe(0);
    expect(fakes.signals.count()).toBe(0);
  });

  // 128 + the signal's number, for every signal (Linux numbers).
  it.each<[NodeJS.Signals, number]>([
    ['SIGHUP', 129],
    ['SIGQUIT', 131],
    ['SIGILL', 132],
    ['SIGABRT', 134],
    ['SIGBUS', 135],
    ['SIGKILL', 137],
    ['SIGUSR1', 138],
    ['SIGSEGV', 139],
    ['SIGPIPE', 141],
    ['SIGALRM', 142],
    ['SIGXCPU', 152],
    ['SIGSYS', 159],
  ])('a child killed by %s exits %i, and the lease is revoked', async (signal, status) => {
    const { fakes, result } = await runWith(exitWith(null, signal));
    expect(result).toEqual({ exitCode: status });
    expect(fakes.atlas.users.size).toBe(0);
  });

  it.each([
    ['ENOENT', 127, 'command not found'],
    ['EACCES', 126, 'spawn sh EACCES'],
  ])('a command that cannot start (%s) ends with %s, and the lease is revoked', async (code, status, words) => {
    const { fakes, result } = await runWith((child) => {
      child.options.onError(Object.assign(new Error(`spawn sh ${code}`), { code }));
    });
    expect(result).toEqual({ exitCode: status });
    expect(fakes.stderr).toContain(`dynsecret: cannot run sh: ${words}.`);
    expect(fakes.atlas.users.size).toBe(0);
  });

  it('revokes the lease and starts nothing when Atlas does not apply the user in time', async () => {
    const fakes = await fakeContext({ env: ENV });
    fakes.atlas.statuses = ['PENDING'];
    const error = await rejection(run(fakes.context, { name: 'app-db', command: ['true'], waitMs: 3000 }));
    expect(error.exitCode).toBe(6);
    expect(error.message).toMatch(
      /^Timed out after 3s waiting for Atlas to apply (ds-app-db-\S+) to Cluster0; lease \1 was revoked, since nobody received its credentials\.$/,
    );
    expect(fakes.children).toEqual([]);
    expect(fakes.atlas.users.size).toBe(0);
  });

  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('%s during the wait is exit %i: the lease is revoked and the command never starts', async (signal, code) => {
    const fakes = await fakeContext({ env: ENV });
    fakes.atlas.statuses = ['PENDING'];
    const context = { ...fakes.context, sleep: async () => fakes.signals.emit(signal) };
    const error = await rejection(run(context, { name: 'app-db', command: ['true'] }));
    expect(error.exitCode).toBe(code);
    expect(error.message).toMatch(
      new RegExp(`^Interrupted by ${signal} while waiting for Atlas to apply (ds-app-db-\\S+); lease \\1 was revoked`),
    );
    expect(fakes.children).toEqual([]);
    expect(fakes.atlas.users.size).toBe(0);
    expect(fakes.signals.count()).toBe(0);
  });

  it('refuses an unknown config with exit 5, starting nothing', async () => {
    const fakes = await fakeContext({ env: ENV });
    expect((await rejection(run(fakes.context, { name: 'nope', command: ['true'] }))).exitCode).toBe(5);
    expect(fakes.children).toEqual([]);
  });

  it('on GitHub Actions, masks the password and the URI before the lease is named', async () => {
    const { fakes } = await runWith(exitWith(0), {}, { env: { ...ENV, GITHUB_ACTIONS: 'true' } });
    const { env } = fakes.children[0]!;
    expect(fakes.stderr.slice(2, 5)).toEqual([
      `::add-mask::${env.DB_PASSWORD}`,
      `::add-mask::${env.MONGODB_URI}`,
      expect.stringMatching(/^Leased /),
    ]);
  });

  it("a warning, not a failure, when the final revoke fails: the command's status stands", async () => {
    const fakes = await fakeContext({ env: ENV });
    fakes.onSpawn = (child) => setImmediate(() => child.options.onExit(0, null));
    fakes.atlas.fail('deleteDatabaseUser', atlasError(500, 'UNEXPECTED_ERROR'));
    expect(await run(fakes.context, { name: 'app-db', command: ['true'], renew: false })).toEqual({ exitCode: 0 });
    expect(fakes.stderr.at(-1)).toBe(
      `warning: 1 of 1 revoke(s) failed; they stay listed as "revoke failed". Atlas deletes it by itself at ${iso(later(H))} (in 1h).`,
    );
  });

  it("keeps the lease alive while the command runs (on the context's clock), up to its max TTL", async () => {
    const fakes = await fakeContext({ env: ENV });
    // The keep-alive's sleeps move the fake clock at once: the child ends after the lease reached its max TTL.
    fakes.onSpawn = (child) => setTimeout(() => child.options.onExit(0, null), 20);
    await run(fakes.context, { name: 'app-db', command: ['true'] });
    const renewed = fakes.stderr.filter((line) => line.startsWith('Renewed '));
    expect(renewed.length).toBeGreaterThan(10);
    expect(fakes.stderr).toContain("Capped by the config's max TTL.");
    expect(fakes.stderr.some((line) => /^warning: ds-app-db-\S+ reaches its max TTL at 2026-11-30T12:00:00Z/.test(line))).toBe(true);
    // Every renewal is on the audit trail, then the revoke.
    expect(fakes.audit.filter((note) => note.expiresAt !== undefined)).toHaveLength(renewed.length + 1);
    expect(fakes.atlas.users.size).toBe(0);
  });
});

/** The clock reading, the user's deleteAfterDate before and the one asked for, at each renewal Atlas receives. */
function watchRenewals(fakes: Fakes) {
  const renewals: { now: number; before: number; after: number }[] = [];
  const update = fakes.atlas.updateDatabaseUser.bind(fakes.atlas);
  fakes.atlas.updateDatabaseUser = async (username, patch) => {
    const before = fakes.atlas.users.get(username)?.deleteAfterDate;
    renewals.push({ now: fakes.clock.now.getTime(), before: Date.parse(before ?? ''), after: Date.parse(patch.deleteAfterDate ?? '') });
    return update(username, patch);
  };
  return renewals;
}

/** Each stderr line with the clock reading it was written at. */
function timedLines(fakes: Fakes) {
  const lines: { at: number; line: string }[] = [];
  const write = fakes.context.io.error;
  fakes.context.io.error = (line) => {
    lines.push({ at: fakes.clock.now.getTime(), line });
    write(line);
  };
  return lines;
}

describe('run keeps its lease alive (in-process, on the context clock)', () => {
  const M = 60 * 1000;
  // The child ends a moment later in real time; meanwhile the keep-alive's sleeps move the fake clock at once.
  const endSoon = (code: number) => (child: FakeChild) => setTimeout(() => child.options.onExit(code, null), 20);

  it('renews for the --ttl asked, each time before the current expiry, so the user never lapses; one audit note each', async () => {
    const fakes = await fakeContext({ env: ENV, configs: [config({ maxTtlMs: 2 * H })] });
    const renewals = watchRenewals(fakes);
    fakes.onSpawn = endSoon(0);
    const result = await run(fakes.context, { name: 'app-db', command: ['true'], ttl: '10m' });
    expect(result.exitCode).toBe(0);
    // 10m leases across a 2h max TTL: at least a renewal per TTL.
    expect(renewals.length).toBeGreaterThanOrEqual(11);
    for (const [i, renewal] of renewals.entries()) {
      expect(renewal.now).toBeLessThan(renewal.before);
      expect(renewal.after).toBeGreaterThan(renewal.before);
      expect(renewal.after).toBeLessThanOrEqual(START.getTime() + 2 * H);
      // Capped at the max TTL only at the end.
      if (i < renewals.length - 1) expect(renewal.after - renewal.now).toBeGreaterThan(10 * M - 1000);
    }
    const renewed = fakes.stderr.filter((line) => line.startsWith('Renewed '));
    expect(renewed).toHaveLength(renewals.length);
    const expiries = fakes.audit.slice(1, -1).map((note) => note.expiresAt!);
    expect(expiries).toHaveLength(renewals.length);
    expect(new Set(expiries).size).toBe(expiries.length);
    expect([...expiries].sort()).toEqual(expiries);
    expect(fakes.stderr.at(-1)).toMatch(/^Revoked ds-app-db-\S+\.$/);
    expect(fakes.atlas.users.size).toBe(0);
  });

  it('warns about a failed renewal, retries it before the expiry and goes on; the command never notices', async () => {
    const fakes = await fakeContext({ env: ENV, configs: [config({ maxTtlMs: 2 * H })] });
    fakes.atlas.fail('updateDatabaseUser', atlasError(503, 'SERVICE_UNAVAILABLE'));
    const renewals = watchRenewals(fakes);
    fakes.onSpawn = endSoon(0);
    const result = await run(fakes.context, { name: 'app-db', command: ['true'], ttl: '10m' });
    expect(result.exitCode).toBe(0);
    const warnings = fakes.stderr.filter((line) => line.startsWith('warning: could not renew'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^warning: could not renew ds-app-db-\S+ \(.+\); retrying in 5s, before it expires 2026-11-29T12:10:00Z/);
    expect(fakes.stderr.filter((line) => /^Renewal of ds-app-db-\S+ succeeded again\.$/.test(line))).toHaveLength(1);
    // The failed attempt and the retry both came before the expiry, and renewals went on after it.
    expect(renewals.every((renewal) => renewal.now < renewal.before)).toBe(true);
    expect(renewals.length).toBeGreaterThanOrEqual(11);
    expect(fakes.atlas.users.size).toBe(0);
  });

  it('with --no-renew, nothing renews even when the command outlives the TTL; run still revokes and hands back its status', async () => {
    const fakes = await fakeContext({ env: ENV });
    const renewals = watchRenewals(fakes);
    fakes.onSpawn = (child) => {
      fakes.clock.advance(3 * H);
      endSoon(3)(child);
    };
    const result = await run(fakes.context, { name: 'app-db', command: ['true'], ttl: '1m', renew: false });
    expect(result.exitCode).toBe(3);
    expect(renewals).toEqual([]);
    expect(fakes.stderr.filter((line) => /^Renewed |^warning: /.test(line))).toEqual([]);
    expect(fakes.atlas.calls.filter((c) => c.method === 'deleteDatabaseUser')).toHaveLength(1);
  });

  it('says once, ahead of time and with the time, when the max TTL ends the lease before the command', async () => {
    const fakes = await fakeContext({ env: ENV, configs: [config({ defaultTtlMs: 10 * M, maxTtlMs: 30 * M })] });
    const lines = timedLines(fakes);
    fakes.onSpawn = endSoon(0);
    await run(fakes.context, { name: 'app-db', command: ['true'] });
    const notices = lines.filter(({ line }) => line.includes('reaches its max TTL'));
    expect(notices).toHaveLength(1);
    expect(notices[0]!.line).toMatch(/^warning: ds-app-db-\S+ reaches its max TTL at 2026-11-29T12:30:00Z \(in \d+m\)/);
    expect(notices[0]!.at).toBeLessThan(START.getTime() + 30 * M);
  });

  it('says it at once when the first TTL already is the max TTL, and renews nothing', async () => {
    const fakes = await fakeContext({ env: ENV, configs: [config({ defaultTtlMs: M, maxTtlMs: M })] });
    const renewals = watchRenewals(fakes);
    const lines = timedLines(fakes);
    fakes.onSpawn = endSoon(0);
    await run(fakes.context, { name: 'app-db', command: ['true'] });
    expect(renewals).toEqual([]);
    const notices = lines.filter(({ line }) => line.includes('reaches its max TTL'));
    expect(notices.map(({ at }) => at)).toEqual([START.getTime()]);
  });
});
