import type { Command } from 'commander';
import { checkFlags, examples, type Dispatch } from './define.js';

/** `dynsecret passwd`: see passwd.ts. */
export function definePasswd(program: Command, dispatch: Dispatch) {
  program
    .command('passwd')
    .description('change the store passphrase and its data key (earlier session keys stop working)')
    .option('--new-passphrase-stdin', 'read the new passphrase from stdin (the current one from DYNSECRET_PASSPHRASE)')
    .addHelpText(
      'after',
      examples([
        'dynsecret passwd',
        'printf %s "$NEW_PASSPHRASE" | DYNSECRET_PASSPHRASE="$OLD_PASSPHRASE" dynsecret passwd --new-passphrase-stdin',
      ]),
    )
    .action(async (flags: unknown, command: Command) => {
      const { passwd, PASSWD_FLAGS } = await import('./passwd.js');
      const options = checkFlags(command, PASSWD_FLAGS, flags);
      return dispatch(
        async (context) => {
          await passwd(context, options);
        },
        { command: 'passwd' },
      );
    });
}
