import { UsageError } from '../errors.js';
import { examples, FROM_FILE_HELP, type Dispatch, type FlagsOf, type Program } from './define.js';

/** `dynsecret revoke [LEASE-ID…]`'s arguments and options (see define.ts). */
const revokeCommand = (program: Program) =>
  program
    .command('revoke')
    .description('delete leased users now')
    .argument('[lease-id...]', 'lease ids to revoke')
    .option('--config <name>', 'the config (with --all, or for leases made elsewhere)')
    .option('--all', 'revoke every lease of --config')
    .option('--expired', 'clean up expired, failed and interrupted leases')
    .option('--force', 'forget a lease locally even when Atlas could not revoke it')
    .option('--yes', 'do not ask for confirmation (required for --all without a terminal)')
    .option('--json', 'print one result per lease as JSON')
    .option('--env-file <path>', "remove the lease's variables from this file")
    .option('--prefix <prefix>', 'the --prefix the variables were written with')
    .option('--from-file <path>', FROM_FILE_HELP)
    .addHelpText(
      'after',
      examples([
        'dynsecret revoke "$DYNSECRET_LEASE_ID"',
        'dynsecret revoke --config app-db --all --yes',
        'dynsecret revoke --expired',
        'dynsecret revoke "$DYNSECRET_LEASE_ID" --from-file app-db.json',
        'dynsecret revoke --expired --from-file app-db.json',
      ]),
    );

declare module './define.js' {
  interface CommandFlags {
    revoke: FlagsOf<typeof revokeCommand>;
  }
}

/** `dynsecret revoke [LEASE-ID…]`: see revoke.ts. */
export function defineRevoke(program: Program, dispatch: Dispatch) {
  revokeCommand(program).action(async (leaseIds, options) => {
    const { revoke } = await import('./revoke.js');
    const { fromFile, ...rest } = options;
    if (fromFile !== undefined && rest.all) {
      throw new UsageError(
        'With --from-file, name the lease ids to revoke (see them with: dynsecret list --from-file PATH), or use --expired.',
      );
    }
    const configFile = fromFile === undefined ? undefined : { path: fromFile, name: rest.config };
    const audit = { command: 'revoke', config: rest.config };
    return dispatch(
      async (context) => {
        const { fileConfig } = await import('../service/configs.js');
        // Nothing is recorded locally: every id is checked against the file's config label in Atlas.
        if (configFile !== undefined) audit.config = rest.config = (await fileConfig(context)).name;
        return revoke(context, { ...rest, leaseIds });
      },
      audit,
      configFile,
    );
  });
}
