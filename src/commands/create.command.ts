import { collect, examples, type Dispatch, type FlagsOf, type Program } from './define.js';

/** `dynsecret create NAME`'s arguments and options (see define.ts). */
const createCommand = (program: Program) =>
  program
    .command('create')
    .description('define a dynamic secret: how to reach an Atlas project and what leased users may do')
    .argument('<name>', 'config name: 1-64 letters, digits, ".", "_" or "-"')
    .option('--group-id <id>', 'Atlas project ID (24 hex characters)')
    .option('--public-key <key>', 'API public key (or MONGODB_ATLAS_PUBLIC_API_KEY)')
    .option('--private-key-stdin', 'read the API private key from stdin (or MONGODB_ATLAS_PRIVATE_API_KEY)')
    .option('--client-id <id>', 'service account client ID (or MONGODB_ATLAS_CLIENT_ID)')
    .option('--client-secret-stdin', 'read the service account secret from stdin (or MONGODB_ATLAS_CLIENT_SECRET)')
    .option('--role <role@db[.collection]>', 'a role for leased users, repeatable', collect)
    .option('--scope <name[:TYPE]>', 'limit leased users to a cluster (TYPE CLUSTER, DATA_LAKE or STREAM), repeatable', collect)
    .option('--default-ttl <duration>', 'lease TTL when --ttl is not given (default 1h)')
    .option('--max-ttl <duration>', 'longest a lease may live, renewals included (default 24h)')
    .option('--base-url <url>', 'Atlas base URL (or MONGODB_ATLAS_BASE_URL; default https://cloud.mongodb.com)')
    .option('--ca-file <path>', 'extra trusted CA certificate (PEM) for TLS-intercepting proxies')
    .option('--username-template <template>', 'leased usernames, with {config}, {random} and {time}')
    .option('--from-file <path>', 'read the definition from a JSON file')
    .option('--replace', 'overwrite an existing config of the same name')
    .option('--no-verify', 'save without checking the credentials against Atlas')
    .addHelpText(
      'after',
      examples([
        'printf %s "$PRIVATE_KEY" | dynsecret create app-db --group-id 5f1d… --public-key abcdefgh --private-key-stdin --role readWrite@app --scope Cluster0',
        'MONGODB_ATLAS_PUBLIC_API_KEY=… MONGODB_ATLAS_PRIVATE_API_KEY=… dynsecret create reports --group-id 5f1d… --role read@reports --max-ttl 8h',
        'dynsecret create app-db --from-file app-db.json --replace',
      ]),
    );

declare module './define.js' {
  interface CommandFlags {
    create: FlagsOf<typeof createCommand>;
  }
}

/** `dynsecret create NAME`: see create.ts. */
export function defineCreate(program: Program, dispatch: Dispatch) {
  createCommand(program).action(async (name, options) => {
    const { create } = await import('./create.js');
    return dispatch(
      async (context) => {
        const { verifyConfig } = await import('../service/verify-config.js');
        await create(context, { ...options, name }, verifyConfig);
      },
      { command: 'create', config: name },
    );
  });
}
