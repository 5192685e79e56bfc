import { examples, FROM_FILE_HELP, type Dispatch, type FlagsOf, type Program } from './define.js';

/** `dynsecret renew LEASE-ID`'s arguments and options (see define.ts). */
const renewCommand = (program: Program) =>
  program
    .command('renew')
    .description("extend a lease, up to the config's max TTL")
    .argument('<lease-id>', 'the lease id (its Atlas username)')
    .option('--ttl <duration>', "new lifetime from now (default: the config's default TTL)")
    .option('--config <name>', 'the config of a lease made on another machine')
    .option('--from-file <path>', FROM_FILE_HELP)
    .option('--json', 'print the new expiry as JSON')
    .addHelpText(
      'after',
      examples([
        'dynsecret renew "$DYNSECRET_LEASE_ID" --ttl 2h',
        'dynsecret renew ds-app-db-1a2b3c4d5e6f --config app-db --json',
        'dynsecret renew "$DYNSECRET_LEASE_ID" --from-file app-db.json',
      ]),
    );

declare module './define.js' {
  interface CommandFlags {
    renew: FlagsOf<typeof renewCommand>;
  }
}

/** `dynsecret renew LEASE-ID`: see renew.ts. */
export function defineRenew(program: Program, dispatch: Dispatch) {
  renewCommand(program).action(async (leaseId, options) => {
    const [{ renew }, { requestedTtl }] = await Promise.all([import('./renew.js'), import('../rules/ttl.js')]);
    // Before the store is opened or Atlas asked (for a lease made elsewhere): a TTL under the minimum needs neither.
    if (options.ttl !== undefined) requestedTtl(options.ttl);
    const { fromFile, ...rest } = options;
    const configFile = fromFile === undefined ? undefined : { path: fromFile, name: rest.config };
    const audit = { command: 'renew', config: rest.config };
    return dispatch(
      async (context) => {
        const { fileConfig } = await import('../service/configs.js');
        // The lease's record is its Atlas labels: the file's config must be the one they name.
        if (configFile !== undefined) audit.config = rest.config = (await fileConfig(context)).name;
        return renew(context, { ...rest, leaseId });
      },
      audit,
      configFile,
    );
  });
}
