import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { EncryptedStore } from '../../src/store/store.js';
import { dynsecret, hasScript, onTerminal, PASSPHRASE, tempHome } from '../helpers/bin.js';
import { cli } from '../helpers/cli.js';
import { emptyStore, mustSucceed } from '../helpers/emulator.js';
import { sampleConfig } from '../helpers/fixtures.js';

/**
 * `passwd` as a user runs it, on a real store: the refusals in this process (helpers/cli.ts) and one through the
 * bin; a change of passphrase through the bin, killed at random moments too, and on a pseudo-terminal.
 */

const THROUGH_THE_BIN = ', through the bin';

const NEW = 'a brand new passphrase 42';
const NAMES = ['app-db', 'reports', 'ünï-cødé'.replace(/[^A-Za-z0-9._-]/g, 'x')];

/**
 * A store holding three configs: the run's empty template store (made with PASSPHRASE; see `emptyStore`), the
 * configs added in this process with its session key, so no test pays for a key derivation to set up.
 */
async function newStore(): Promise<string> {
  const { home, env } = emptyStore();
  await new EncryptedStore({ folder: home, keys: { session: env.DYNSECRET_SESSION } }).update((data) => {
    for (const name of NAMES) data.configs.push(sampleConfig(name));
  });
  return home;
}

/** The config names the store shows with `keys`, or the error that refused them. */
async function opens(home: string, keys: { passphrase?: string; session?: string }): Promise<string[] | Error> {
  return new EncryptedStore({ folder: home, keys }).read().then(
    (data) => data.configs.map((c) => c.name),
    (error: Error) => error,
  );
}

const bytes = (home: string) => readFileSync(join(home, 'store.json'));

describe('dynsecret passwd', () => {
  let home: string;
  beforeEach(async () => {
    home = await newStore();
  });

  it('changes the passphrase and the data key: the old passphrase and old session keys stop opening the store, through the bin', async () => {
    const unlock = await mustSucceed(cli(['unlock'], { env: { DYNSECRET_HOME: home, DYNSECRET_PASSPHRASE: PASSPHRASE } }));
    const oldSession = /DYNSECRET_SESSION='([^']+)'/.exec(unlock.stdout)![1]!;
    const result = await mustSucceed(
      dynsecret(['passwd', '--new-passphrase-stdin'], {
        env: { DYNSECRET_HOME: home, DYNSECRET_PASSPHRASE: PASSPHRASE },
        input: `${NEW}\n`,
      }),
    );
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/earlier DYNSECRET_SESSION values no longer open it/);
    expect(result.stderr + result.stdout).not.toContain(NEW);
    expect(await opens(home, { passphrase: NEW })).toEqual(NAMES);
    expect(await opens(home, { passphrase: PASSPHRASE })).toBeInstanceOf(Error);
    const withOldSession = await cli(['list'], { env: { DYNSECRET_HOME: home, DYNSECRET_SESSION: oldSession } });
    expect(withOldSession.code).toBe(3);
    expect(withOldSession.stderr).toMatch(/DYNSECRET_SESSION does not open this store/);
    // A new session works, and is another key.
    const again = await mustSucceed(cli(['unlock'], { env: { DYNSECRET_HOME: home, DYNSECRET_PASSPHRASE: NEW } }));
    const newSession = /DYNSECRET_SESSION='([^']+)'/.exec(again.stdout)![1]!;
    expect(newSession).not.toBe(oldSession);
    expect(await opens(home, { session: newSession })).toEqual(NAMES);
    // The audit trail has it.
    expect(readFileSync(join(home, 'audit.log'), 'utf8')).toMatch(/"command":"passwd".*"outcome":"ok"/);
  });

  it.each([
    ['a wrong current passphrase', { DYNSECRET_PASSPHRASE: 'not the passphrase' }, NEW, 3, /Wrong passphrase/],
    [`no current passphrase (and no terminal)${THROUGH_THE_BIN}`, {}, NEW, 3, /current passphrase is needed/],
    ['only a session key', { DYNSECRET_SESSION: 'ds1_' + Buffer.alloc(32).toString('base64url') }, NEW, 3, /current passphrase is needed/],
    ['an empty new passphrase', { DYNSECRET_PASSPHRASE: PASSPHRASE }, '', 3, /at least 8 characters/],
    ['a newline only', { DYNSECRET_PASSPHRASE: PASSPHRASE }, '\n', 3, /at least 8 characters/],
    ['a short new passphrase', { DYNSECRET_PASSPHRASE: PASSPHRASE }, '1234567', 3, /at least 8 characters/],
  ])('%s is refused and the file is unchanged', async (what, env, input, code, message) => {
    const before = bytes(home);
    const result = await (what.endsWith(THROUGH_THE_BIN) ? dynsecret : cli)(['passwd', '--new-passphrase-stdin'], {
      env: { DYNSECRET_HOME: home, ...env },
      input,
    });
    expect(result.code).toBe(code);
    expect(result.stderr).toMatch(message);
    // The very bytes of the store PASSPHRASE opens (the template's, opened in the first test).
    expect(bytes(home).equals(before)).toBe(true);
  });

  it('without --new-passphrase-stdin and no terminal, it is a usage error', async () => {
    const result = await cli(['passwd'], { env: { DYNSECRET_HOME: home, DYNSECRET_PASSPHRASE: PASSPHRASE } });
    expect(result.code).toBe(2);
  });

  it('without a store, there is nothing to change (exit 3)', async () => {
    const result = await cli(['passwd', '--new-passphrase-stdin'], {
      env: { DYNSECRET_HOME: tempHome(), DYNSECRET_PASSPHRASE: PASSPHRASE },
      input: NEW,
    });
    expect(result.code).toBe(3);
  });

  it('killed at random moments, the store always opens with exactly one of the two passphrases and keeps every config', async () => {
    // Each try derives up to four keys at full cost (scrypt, most of a second of CPU each): `npm test` kills two
    // runs (after the whole run that times them), the stress run forty.
    const tries = Number(process.env.DYNSECRET_PASSWD_KILL_TRIES ?? (process.env.DYNSECRET_STRESS === '1' ? 40 : 2));
    // How long a whole passwd takes here, so the kills spread over all of it, the write included.
    const started = Date.now();
    await mustSucceed(
      dynsecret(['passwd', '--new-passphrase-stdin'], { env: { DYNSECRET_HOME: home, DYNSECRET_PASSPHRASE: PASSPHRASE }, input: NEW }),
    );
    let fullMs = Date.now() - started;
    let current = NEW;
    let before = bytes(home);
    expect(await opens(home, { passphrase: NEW })).toEqual(NAMES);
    const outcomes = { old: 0, new: 0 };
    for (let i = 0; i < tries; i++) {
      const next = `passphrase number ${i} of the kill loop`;
      // From before the first key derivation to past the exit of the last whole run.
      const killAfterMs = Math.floor(fullMs * (0.2 + Math.random() * 1.1));
      const t0 = Date.now();
      await dynsecret(['passwd', '--new-passphrase-stdin'], {
        env: { DYNSECRET_HOME: home, DYNSECRET_PASSPHRASE: current },
        input: next,
        killAfterMs,
      }).then((r) => {
        // The next kills aim at how long a whole run takes now (the machine's load changes it).
        if (r.code === 0) fullMs = Date.now() - t0;
      });
      // The lock a killed process held would be taken over once stale (5 s); its owner is dead, so it goes now
      // and the next try does not spend its time waiting for it.
      rmSync(join(home, 'store.json.lock'), { recursive: true, force: true });
      const after = bytes(home);
      if (after.equals(before)) {
        // Not replaced: the very file the current passphrase opened on the previous try.
        outcomes.old++;
      } else {
        const [withCurrent, withNext] = await Promise.all([opens(home, { passphrase: current }), opens(home, { passphrase: next })]);
        expect(withCurrent, `try ${i}, killed after ${killAfterMs} ms: a new file the old passphrase opens`).toBeInstanceOf(Error);
        expect(withNext, `try ${i}, killed after ${killAfterMs} ms`).toEqual(NAMES);
        current = next;
        before = after;
        outcomes.new++;
      }
    }
    // No temp file is mistaken for the store; the next write clears what a killed writer left.
    expect(
      readdirSync(home)
        .filter((f) => f.startsWith('store.json') && f !== 'store.json' && !f.endsWith('.lock'))
        .every((f) => f.endsWith('.tmp')),
    ).toBe(true);
    console.info(`passwd kill loop: ${outcomes.old} tries left the old passphrase, ${outcomes.new} the new one`);
  });

  describe.skipIf(!hasScript)('on a terminal (script(1) gives it a pseudo-terminal)', () => {
    it('asks for the current passphrase, then the new one twice', async () => {
      const { code, seen, output } = await onTerminal(
        home,
        ['passwd'],
        [
          ['Current store passphrase', PASSPHRASE],
          ['New store passphrase', NEW],
          ['Repeat the passphrase', NEW],
        ],
      );
      expect(seen).toEqual(['Current store passphrase', 'New store passphrase', 'Repeat the passphrase']);
      expect(code).toBe(0);
      expect(output).not.toContain(NEW);
      expect(await opens(home, { passphrase: NEW })).toEqual(NAMES);
    });

    it('says a wrong current passphrase before asking for a new one; the file is unchanged', async () => {
      const before = bytes(home);
      const { code, seen, output } = await onTerminal(
        home,
        ['passwd'],
        [
          ['Current store passphrase', 'not the passphrase'],
          ['New store passphrase', NEW],
        ],
      );
      expect(code).toBe(3);
      expect(seen).toEqual(['Current store passphrase']);
      expect(output).toMatch(/Wrong passphrase/);
      expect(bytes(home).equals(before)).toBe(true);
    });

    it('asks again for new passphrases that differ, and refuses a third pair that differs; the file is unchanged', async () => {
      const before = bytes(home);
      const { code, output } = await onTerminal(
        home,
        ['passwd'],
        [
          ['Current store passphrase', PASSPHRASE],
          ['New store passphrase', NEW],
          ['Repeat the passphrase', `${NEW}!`],
          ['The two entries differed. New store passphrase', NEW],
          ['Repeat the passphrase', `${NEW}?`],
          ['The two entries differed. New store passphrase', NEW],
          ['Repeat the passphrase', `${NEW}.`],
        ],
      );
      expect(code).toBe(3);
      expect(output).toMatch(/differ/);
      expect(bytes(home).equals(before)).toBe(true);
    });
  });
});
