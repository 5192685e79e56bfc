import type { Context } from '../cli/context.js';
import { renderVariables } from '../output/formats.js';

/**
 * `dynsecret unlock`: prints the store's data key as `DYNSECRET_SESSION` so one shell pays for the key
 * derivation once. Anyone holding the value can read the store: keep it in the shell, not in files.
 */
export async function unlock(context: Context): Promise<string> {
  const session = await context.store.sessionKey();
  context.io.error('Store unlocked for this shell. Use: eval "$(dynsecret unlock)"; unset DYNSECRET_SESSION to lock it again.');
  return renderVariables('shell', [['DYNSECRET_SESSION', session]]);
}
