import { describe, expect, it } from 'vitest';
import { dynsecret, PASSPHRASE, startDynsecret, tempHome } from '../helpers/bin.js';
import { cli } from '../helpers/cli.js';
import { configRecords, emptyStore } from '../helpers/emulator.js';
import { COUNTS } from '../reliability/support/counts.js';

const GROUP = '5f1d2c3b4a5968778695a4b3';
const createArgs = (name: string) => [
  'create',
  name,
  '--group-id',
  GROUP,
  '--public-key',
  'abcdefgh',
  '--private-key-stdin',
  '--role',
  'readWrite@app',
  '--no-verify',
];

/** A store holding one config, opened with its session key (set up in this process: the writers are the bins). */
async function sessionStore() {
  const { env } = emptyStore();
  const first = await cli(createArgs('seed'), { env, input: 'private-key-1' });
  expect(first.code).toBe(0);
  return env;
}

/** The configs `list` shows, listed in this process. */
async function configNames(env: Record<string, string>): Promise<string[]> {
  const list = await cli(['list', '--json'], { env });
  expect(list.stderr).toBe('');
  expect(list.code).toBe(0);
  return (JSON.parse(list.stdout) as { name: string }[]).map((c) => c.name).sort();
}

/** Resolves when `text()` matches `pattern`, checking on each chunk the child writes on stderr. */
const printed = (started: ReturnType<typeof startDynsecret>, pattern: RegExp) =>
  new Promise<void>((resolve, reject) => {
    const check = () => {
      if (pattern.test(started.stderr())) resolve();
    };
    started.child.stderr!.on('data', check);
    started.child.once('exit', () => reject(new Error(`exited before printing ${pattern}: ${started.stderr()}`)));
    check();
  });

describe('the store across processes', () => {
  // A writer stopped (SIGSTOP, a suspended laptop) while holding the lock loses it once it goes stale (5 s);
  // when it resumes, it must not replace the store another writer committed meanwhile. The first `create` on an
  // empty home derives the new store's key under the lock (scrypt, hundreds of milliseconds): the window
  // in which it is stopped, holding the lock, before its write.
  it("a writer stopped past the lock's stale time never replaces the change committed meanwhile", async () => {
    const home = tempHome();
    const env = { DYNSECRET_HOME: home, DYNSECRET_PASSPHRASE: PASSPHRASE, MONGODB_ATLAS_PRIVATE_API_KEY: 'private-key-1' };
    const args = (name: string) => createArgs(name).filter((arg) => arg !== '--private-key-stdin');
    const stopped = startDynsecret([...args('stopped'), '--debug'], env);
    await printed(stopped, /lock acquired/);
    stopped.child.kill('SIGSTOP');
    try {
      const other = await dynsecret(args('meanwhile'), { env });
      expect(other.code).toBe(0);
    } finally {
      stopped.child.kill('SIGCONT');
    }
    const late = await stopped.done;
    expect(late.code, late.stderr).toBe(0);
    // It was stopped before its write: it found the lock taken over, and wrote again on the newer store.
    expect(late.stderr).toMatch(/changed while this process held its lock .* writing again on the newer store/);
    expect(await configNames({ DYNSECRET_HOME: home, DYNSECRET_PASSPHRASE: PASSPHRASE })).toEqual(['meanwhile', 'stopped']);
  });

  it('16 processes writing at once lose nothing', async () => {
    const env = await sessionStore();
    const names = Array.from({ length: 16 }, (_, i) => `parallel-${String(i).padStart(2, '0')}`);
    const results = await Promise.all(names.map((name) => dynsecret(createArgs(name), { env, input: 'private-key-1' })));
    expect(results.map((r) => r.code)).toEqual(names.map(() => 0));
    expect(await configNames(env)).toEqual(['seed', ...names].sort());
  });

  it('writers killed with SIGKILL at random points leave a store that opens with every committed record', async () => {
    const env = await sessionStore();
    // Spread the kills over the whole life of an uninterrupted write, and a little beyond it.
    const started = Date.now();
    expect((await dynsecret(createArgs('timed'), { env, input: 'private-key-1' })).code).toBe(0);
    const span = (Date.now() - started) * 1.3;
    const committed = ['seed', 'timed'];
    let killed = 0;
    for (let i = 0; i < COUNTS.writerKills; i++) {
      const name = `killed-${i}`;
      const result = await dynsecret(createArgs(name), { env, input: 'private-key-1', killAfterMs: Math.floor(Math.random() * span) });
      if (result.code === 0) committed.push(name);
      else {
        expect(result.signal).toBe('SIGKILL');
        killed += 1;
      }
      // Read in this process after each kill (the same store code `list` runs); `list` itself reads it at the end.
      const names = (await configRecords({ home: env.DYNSECRET_HOME, env })).map((c) => c.name);
      for (const done of committed) expect(names).toContain(done);
    }
    expect(killed).toBeGreaterThan(0);
    // A lock left by a killed writer goes stale and is taken over: a later write still succeeds.
    const after = await dynsecret(createArgs('after-kills'), { env, input: 'private-key-1' });
    expect(after.code).toBe(0);
    const listed = await configNames(env);
    for (const done of [...committed, 'after-kills']) expect(listed).toContain(done);
  });
});
