import { UsageError } from '../errors.js';
import { examples, FROM_FILE_HELP, type Dispatch, type FlagsOf, type Program } from './define.js';

/** `dynsecret list [NAME]`'s arguments and options (see define.ts). */
const listCommand = (program: Program) =>
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
    );

declare module './define.js' {
  interface CommandFlags {
    list: FlagsOf<typeof listCommand>;
  }
}

/** `dynsecret list [NAME]`: see list/list.ts (the configs, a config's leases or the audit trail). */
export function defineList(program: Program, dispatch: Dispatch) {
  listCommand(program).action(async (name, options) => {
    const { list } = await import('./list/list.js');
    if (options.fromFile !== undefined) {
      if (options.audit) throw new UsageError('--audit reads an audit log, not a config: use --audit-log PATH without --from-file.');
      const { fromFile, ...rest } = options;
      return dispatch((context) => list(context, { ...rest, fromFile: true }), undefined, { path: fromFile, name });
    }
    return dispatch((context) => list(context, { ...options, name, fromFile: false }));
  });
}
