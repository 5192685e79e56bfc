import { examples, type Dispatch, type FlagsOf, type Program } from './define.js';

/** `dynsecret passwd`'s options (see define.ts). */
const passwdCommand = (program: Program) =>
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
    );

declare module './define.js' {
  interface CommandFlags {
    passwd: FlagsOf<typeof passwdCommand>;
  }
}

/** `dynsecret passwd`: see passwd.ts. */
export function definePasswd(program: Program, dispatch: Dispatch) {
  passwdCommand(program).action(async (options) => {
    const { passwd } = await import('./passwd.js');
    return dispatch(
      async (context) => {
        await passwd(context, options);
      },
      { command: 'passwd' },
    );
  });
}
