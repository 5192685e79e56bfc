import { examples, FROM_FILE_HELP, type Dispatch, type FlagsOf, type Program } from './define.js';

/** `dynsecret lease [NAME]`'s arguments and options (see define.ts). */
const leaseCommand = (program: Program) =>
  program
    .command('lease')
    .description('issue a short-lived database user and print its credentials')
    .argument('[name]', 'config name (not needed with --from-file)')
    .option('--ttl <duration>', "how long the lease lives (default: the config's default TTL)")
    .option(
      '--format <format>',
      'shell, fish, powershell, dotenv, env (NAME=value, unquoted: for docker, GitLab and systemd, never to be sourced by a shell), json or table (default: table on a terminal, shell otherwise)',
    )
    .option('--prefix <prefix>', 'prefix for the DB_ and MONGODB_ variable names')
    .option('--env-file <path>', 'insert or replace the variables in this file (0600) instead of printing them')
    .option('--cluster <name>', 'print MONGODB_URI for this cluster')
    .option('--wait [timeout]', 'wait until the user is applied to its clusters (timeout: a duration such as 10m; default 5m)')
    .option('--from-file <path>', FROM_FILE_HELP)
    .option('--github-env', 'append the variables to the file $GITHUB_ENV names, masked first (GitHub Actions)')
    .option('--keep-fresh', 'with --env-file: stay in the foreground, renew and rotate so the file always holds working credentials')
    .option(
      '--on-change <command>',
      'with --keep-fresh: run this through sh -c when the file gets new credentials (not on renewals; output to stderr)',
    )
    .option('--grace <duration>', 'with --keep-fresh: how long a replaced user keeps working before it is revoked (default 2m)')
    .option('--allow-ip <address>', "put IP, CIDR or current (the address Atlas sees) on the project's IP access list for the lease")
    .addHelpText(
      'after',
      examples([
        'eval "$(dynsecret lease app-db)"',
        'dynsecret lease app-db --ttl 15m --format json',
        'dynsecret lease app-db --env-file .env --prefix APP_ --wait',
        'dynsecret lease --from-file app-db.json --format env > db.env',
        'dynsecret lease --from-file app-db.json --github-env',
        'dynsecret lease app-db --env-file .env --keep-fresh --on-change "touch server.js"',
        'dynsecret lease app-db --allow-ip current --wait',
      ]),
    );

declare module './define.js' {
  interface CommandFlags {
    lease: FlagsOf<typeof leaseCommand>;
  }
}

/** `dynsecret lease [NAME]`: see lease/lease.ts. */
export function defineLease(program: Program, dispatch: Dispatch) {
  leaseCommand(program).action(async (operand, flags) => {
    const [{ lease }, { configFileOption, waitAndName }, { requestedTtl }] = await Promise.all([
      import('./lease/lease.js'),
      import('../cli/options.js'),
      import('../rules/ttl.js'),
    ]);
    // `lease --wait app-db`: app-db is the NAME, not a timeout.
    const { wait, name } = waitAndName(flags.wait, operand);
    const options = { ...flags, wait };
    const configFile = configFileOption('lease', name, options.fromFile);
    // Before the store is opened or Atlas asked: a TTL under the minimum needs neither to be refused.
    if (options.ttl !== undefined) requestedTtl(options.ttl);
    const audit = { command: 'lease', config: name };
    return dispatch(
      async (context) => {
        const { waitOption, waitForApplied } = await import('../service/wait.js');
        const { wait, fromFile, ...rest } = options;
        const file = fromFile === undefined ? {} : { fromFile };
        return lease(context, { ...rest, name, ...waitOption(wait), ...file }, { fromFile: fromFile !== undefined, audit }, waitForApplied);
      },
      audit,
      configFile,
    );
  });
}
