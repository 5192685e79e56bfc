import { examples, type Dispatch, type Program } from './define.js';

/** `dynsecret unlock`: see unlock.ts. */
export function defineUnlock(program: Program, dispatch: Dispatch) {
  program
    .command('unlock')
    .description('print `export DYNSECRET_SESSION=…` so this shell unlocks the store once')
    .addHelpText('after', examples(['eval "$(dynsecret unlock)"']))
    .action(async () => {
      const { unlock } = await import('./unlock.js');
      return dispatch(async (context) => unlock(context));
    });
}
