import type { Command } from 'commander';
import { checkFlags, examples, type Dispatch } from './define.js';

/** `dynsecret unlock`: see unlock.ts. */
export function defineUnlock(program: Command, dispatch: Dispatch) {
  program
    .command('unlock')
    .description('print `export DYNSECRET_SESSION=…` so this shell unlocks the store once')
    .addHelpText('after', examples(['eval "$(dynsecret unlock)"']))
    .action(async (flags: unknown, command: Command) => {
      const { unlock, UNLOCK_FLAGS } = await import('./unlock.js');
      checkFlags(command, UNLOCK_FLAGS, flags);
      return dispatch(async (context) => unlock(context));
    });
}
