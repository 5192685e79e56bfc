import { UsageError } from '../errors.js';
import type { Context } from '../cli/context.js';
import { renderVariables } from '../output/formats.js';

/**
 * `dynsecret unlock`: prints the store's data key as `DYNSECRET_SESSION` so one shell pays for the key
 * derivation once. Anyone holding the value can read the store: keep it in the shell, not in files.
 */
export async function unlock(context: Context): Promise<string> {
  // On a terminal the key would only be shown, not set: say how to set it, before any passphrase is asked.
  if (context.io.stdoutIsTty) {
    throw new UsageError("unlock prints the store's key for a shell to read, not for the screen.", {
      hint: 'Run: eval "$(dynsecret unlock)" in sh, bash or zsh; dynsecret unlock | source in fish.',
    });
  }
  const session = await context.store.sessionKey();
  context.io.error('Store unlocked for this shell. Use: eval "$(dynsecret unlock)"; unset DYNSECRET_SESSION to lock it again.');
  return renderVariables('shell', [['DYNSECRET_SESSION', session]]);
}
