import { describe, expect, it } from 'vitest';
import { unlock } from '../../../src/commands/unlock.js';
import type { Store } from '../../../src/store/store-api.js';
import { fakeContext, rejection } from './fake-context.js';

describe('unlock (in-process)', () => {
  it('prints the session key as a shell export, and how to use it on stderr', async () => {
    const fakes = await fakeContext();
    const store: Store = {
      read: fakes.store.read.bind(fakes.store),
      update: fakes.store.update.bind(fakes.store),
      sessionKey: async () => 'c2Vzc2lvbi1rZXk',
    };
    expect(await unlock({ ...fakes.context, store })).toBe("export DYNSECRET_SESSION='c2Vzc2lvbi1rZXk'\n");
    expect(fakes.stderr).toEqual([
      'Store unlocked for this shell. Use: eval "$(dynsecret unlock)"; unset DYNSECRET_SESSION to lock it again.',
    ]);
  });

  it('refuses with exit 2 when stdout is a terminal, printing nothing secret and saying what to type', async () => {
    const fakes = await fakeContext({ stdoutIsTty: true });
    let asked = false;
    const store: Store = {
      read: fakes.store.read.bind(fakes.store),
      update: fakes.store.update.bind(fakes.store),
      sessionKey: async () => {
        asked = true;
        return 'c2Vzc2lvbi1rZXk';
      },
    };
    const error = await rejection(unlock({ ...fakes.context, store }));
    expect(error.exitCode).toBe(2);
    expect(error.message).toBe("unlock prints the store's key for a shell to read, not for the screen.");
    expect((error as { hint?: string }).hint).toBe(
      'Run: eval "$(dynsecret unlock)" in sh, bash or zsh; dynsecret unlock | source in fish.',
    );
    expect(asked).toBe(false);
    expect([...fakes.stderr, ...fakes.stdout]).toEqual([]);
  });

  it('refuses with exit 3 where there is no store to unlock (a --from-file config)', async () => {
    const fakes = await fakeContext();
    const error = await rejection(unlock(fakes.context));
    expect(error.exitCode).toBe(3);
    expect(error.message).toBe('A config given with --from-file has no store to unlock.');
    expect(fakes.stderr).toEqual([]);
  });
});
