import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { checkFlags, examples, FROM_FILE_HELP, type Dispatch } from './define.js';

/** `dynsecret list [NAME]`: the configs (list.ts), a config's leases (list-leases.ts) or the audit trail (audit.ts). */
export function defineList(program: Command, dispatch: Dispatch) {
  program
    .command('list')
    .description('list configs, or the leases of one config')
    .argument('[name]', 'a config name: list its leases')
    .option('--json', 'machine-readable output')
    .option('--remote', "with NAME: reconcile with the users Atlas holds under the config's labels")
    .option('--audit', 'show the audit trail (of NAME, or of every config)')
    .option('--from-file <path>', `${FROM_FILE_HELP}: its leases as Atlas has them`)
    .addHelpText(
      'after',
      examples([
        'dynsecret list',
        'dynsecret list app-db',
        'dynsecret list app-db --remote --json',
        'dynsecret list --from-file app-db.json',
      ]),
    )
    .action(async (name: string | undefined, flags: unknown, command: Command) => {
      const { listConfigs, LIST_FLAGS } = await import('./list.js');
      const options = checkFlags(command, LIST_FLAGS, flags);
      if (options.fromFile !== undefined) {
        if (options.audit) throw new UsageError('--audit reads an audit log, not a config: use --audit-log PATH without --from-file.');
        const { fromFile, ...rest } = options;
        return dispatch(
          async (context) => {
            const [{ listLeases }, { fileConfig }] = await Promise.all([import('./list-leases.js'), import('../service/configs.js')]);
            return listLeases(context, { ...rest, name: (await fileConfig(context)).name, remote: true });
          },
          undefined,
          { path: fromFile, name },
        );
      }
      return dispatch(async (context) => {
        if (options.audit) {
          const { showAudit } = await import('./audit.js');
          return showAudit(context, { ...options, ...(name === undefined ? {} : { config: name }) });
        }
        if (name === undefined) {
          if (options.remote) throw new UsageError('--remote needs a config name: dynsecret list NAME --remote');
          return listConfigs(context, options);
        }
        const { listLeases } = await import('./list-leases.js');
        return listLeases(context, { ...options, name });
      });
    });
}
