import { examples, type Dispatch, type FlagsOf, type Program } from './define.js';

/** `dynsecret delete NAME`'s arguments and options (see define.ts). */
const deleteCommand = (program: Program) =>
  program
    .command('delete')
    .description('remove a config (revoking its live leases first)')
    .argument('<name>', 'config name')
    .option('--yes', 'do not ask for confirmation (required without a terminal)')
    .option('--force', 'remove the config even if some leases could not be revoked')
    .addHelpText('after', examples(['dynsecret delete app-db --yes']));

declare module './define.js' {
  interface CommandFlags {
    delete: FlagsOf<typeof deleteCommand>;
  }
}

/** `dynsecret delete NAME`: see delete.ts. */
export function defineDelete(program: Program, dispatch: Dispatch) {
  deleteCommand(program).action(async (name, options) => {
    const { deleteConfig } = await import('./delete.js');
    return dispatch(
      async (context) => {
        await deleteConfig(context, { ...options, name });
      },
      { command: 'delete', config: name },
    );
  });
}
