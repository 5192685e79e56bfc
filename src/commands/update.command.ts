import { collect, examples, type Dispatch, type FlagsOf, type Program } from './define.js';

/** `dynsecret update NAME`'s arguments and options (see define.ts). */
const updateCommand = (program: Program) =>
  program
    .command('update')
    .description("change what is given of a config and keep the rest (checked like create's)")
    .argument('<name>', 'config name')
    .option('--public-key <key>', 'new API public key (with a new private key)')
    .option('--private-key-stdin', 'read a new API private key from stdin (a hidden prompt on a terminal)')
    .option('--client-id <id>', 'new service account client ID')
    .option('--client-secret-stdin', 'read a new service account secret from stdin (a hidden prompt on a terminal)')
    .option('--role <role@db[.collection]>', 'roles for new leases, repeatable: replaces the whole list', collect)
    .option('--scope <name[:TYPE]>', 'scopes for new leases, repeatable: replaces the whole list', collect)
    .option('--default-ttl <duration>', 'lease TTL when --ttl is not given')
    .option('--max-ttl <duration>', 'longest a lease may live, renewals included')
    .option('--base-url <url>', 'Atlas base URL')
    .option('--ca-file <path>', 'extra trusted CA certificate (PEM)')
    .option('--username-template <template>', 'leased usernames, with {config}, {random} and {time}')
    .option('--from-file <path>', 'read the changes from a JSON file (the fields of create --from-file)')
    .option('--no-verify', 'save new credentials, base URL, CA file or scopes without checking them against Atlas')
    .addHelpText(
      'after',
      examples([
        'dynsecret update app-db --max-ttl 8h --default-ttl 30m',
        'dynsecret update app-db --role read@app --role read@reports',
        'printf %s "$NEW_PRIVATE_KEY" | dynsecret update app-db --private-key-stdin',
      ]),
    );

declare module './define.js' {
  interface CommandFlags {
    update: FlagsOf<typeof updateCommand>;
  }
}

/** `dynsecret update NAME`: see update.ts. */
export function defineUpdate(program: Program, dispatch: Dispatch) {
  updateCommand(program).action(async (name, options) => {
    const { update } = await import('./update.js');
    return dispatch(
      async (context) => {
        const { verifyConfig } = await import('../service/verify-config.js');
        await update(context, { ...options, name }, verifyConfig);
      },
      { command: 'update', config: name },
    );
  });
}
