import type { Command } from 'commander';
import { examples, type Dispatch } from './define.js';

/** `dynsecret delete NAME`: see delete.ts. */
export function defineDelete(program: Command, dispatch: Dispatch) {
  program
    .command('delete')
    .description('remove a config (revoking its live leases first)')
    .argument('<name>', 'config name')
    .option('--yes', 'do not ask for confirmation (required without a terminal)')
    .option('--force', 'remove the config even if some leases could not be revoked')
    .addHelpText('after', examples(['dynsecret delete app-db --yes']))
    .action((name: string, options: { yes?: boolean; force?: boolean }) =>
      dispatch(async (context) => {
        const { deleteConfig } = await import('./delete.js');
        await deleteConfig(context, { ...options, name });
      }, { command: 'delete', config: name }));
}
