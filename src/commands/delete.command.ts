import type { Command } from 'commander';
import { checkFlags, examples, type Dispatch } from './define.js';

/** `dynsecret delete NAME`: see delete.ts. */
export function defineDelete(program: Command, dispatch: Dispatch) {
  program
    .command('delete')
    .description('remove a config (revoking its live leases first)')
    .argument('<name>', 'config name')
    .option('--yes', 'do not ask for confirmation (required without a terminal)')
    .option('--force', 'remove the config even if some leases could not be revoked')
    .addHelpText('after', examples(['dynsecret delete app-db --yes']))
    .action(async (name: string, flags: unknown, command: Command) => {
      const { deleteConfig, DELETE_FLAGS } = await import('./delete.js');
      const options = checkFlags(command, DELETE_FLAGS, flags);
      return dispatch(
        async (context) => {
          await deleteConfig(context, { ...options, name });
        },
        { command: 'delete', config: name },
      );
    });
}
