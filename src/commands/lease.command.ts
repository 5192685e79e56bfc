import type { Command } from 'commander';
import { checkFlags, examples, FROM_FILE_HELP, type Dispatch } from './define.js';

/** `dynsecret lease [NAME]`: see lease.ts. */
export function defineLease(program: Command, dispatch: Dispatch) {
  program
    .command('lease')
    .description('issue a short-lived database user and print its credentials')
    .argument('[name]', 'config name (not needed with --from-file)')
    .option('--ttl <duration>', "how long the lease lives (default: the config's default TTL)")
    .option(
      '--format <format>',
      'shell, fish, powershell, dotenv, env (NAME=value, unquoted), json or table (default: table on a terminal, shell otherwise)',
    )
    .option('--prefix <prefix>', 'prefix for the DB_ and MONGODB_ variable names')
    .option('--env-file <path>', 'insert or replace the variables in this file (0600) instead of printing them')
    .option('--cluster <name>', 'print MONGODB_URI for this cluster')
    .option('--wait [timeout]', 'wait until the user is applied to its clusters (default timeout 5m)')
    .option('--from-file <path>', FROM_FILE_HELP)
    .option('--github-env', 'append the variables to the file $GITHUB_ENV names, masked first (GitHub Actions)')
    .option('--allow-ip <address>', "put IP, CIDR or current (the address Atlas sees) on the project's IP access list for the lease")
    .addHelpText(
      'after',
      examples([
        'eval "$(dynsecret lease app-db)"',
        'dynsecret lease app-db --ttl 15m --format json',
        'dynsecret lease app-db --env-file .env --prefix APP_ --wait',
        'dynsecret lease --from-file app-db.json --format env > db.env',
        'dynsecret lease --from-file app-db.json --github-env',
        'dynsecret lease app-db --allow-ip current --wait',
      ]),
    )
    .action(async (name: string | undefined, flags: unknown, command: Command) => {
      const [{ lease, LEASE_FLAGS }, { configFileOption }] = await Promise.all([import('./lease.js'), import('../cli/options.js')]);
      const options = checkFlags(command, LEASE_FLAGS, flags);
      const configFile = configFileOption('lease', name, options.fromFile);
      const audit = { command: 'lease', config: name };
      return dispatch(
        async (context) => {
          const { waitOption, waitForApplied } = await import('../service/wait.js');
          const { wait, fromFile, ...rest } = options;
          const file = fromFile === undefined ? {} : { fromFile };
          return lease(
            context,
            { ...rest, name, ...waitOption(wait), ...file },
            { fromFile: fromFile !== undefined, audit },
            waitForApplied,
          );
        },
        audit,
        configFile,
      );
    });
}
