import type { Command } from 'commander';
import { examples, type Dispatch } from './define.js';

/** `dynsecret unlock`: see unlock.ts. */
export function defineUnlock(program: Command, dispatch: Dispatch) {
  program
    .command('unlock')
    .description('print `export DYNSECRET_SESSION=…` so this shell unlocks the store once')
    .addHelpText('after', examples(['eval "$(dynsecret unlock)"']))
    .action(() =>
      dispatch(async (context) => {
        const { unlock } = await import('./unlock.js');
        return unlock(context);
      }));
}
