import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { checkFlags, examples, FROM_FILE_HELP, type Dispatch } from './define.js';

/** `dynsecret run [NAME] -- COMMAND…`: see run.ts. `argv` is what `main` parses: NAME is what comes before `--`. */
export function defineRun(program: Command, dispatch: Dispatch, argv: readonly string[]) {
  program
    .command('run')
    .description('lease, run a command with the credentials in its environment, then revoke')
    .argument('[name]', 'config name (not needed with --from-file)')
    .argument('[command...]', 'the command and its arguments, after --')
    .option('--ttl <duration>', "how long each lease period lasts (default: the config's default TTL)")
    .option('--prefix <prefix>', 'prefix for the DB_ and MONGODB_ variable names')
    .option('--wait [timeout]', 'wait until Atlas applies the user before starting the command (default; timeout 5m)')
    .option('--no-wait', 'start the command without waiting for Atlas to apply the user')
    .option('--no-renew', 'do not renew the lease while the command runs (it ends at the TTL)')
    .option('--keep', 'do not revoke the lease when the command exits')
    .option('--from-file <path>', FROM_FILE_HELP)
    .option('--allow-ip <address>', "put IP, CIDR or current (the address Atlas sees) on the project's IP access list for the lease")
    .addHelpText(
      'after',
      examples([
        'dynsecret run app-db -- npm test',
        'dynsecret run app-db --ttl 30m -- sh -c \'mongosh "$MONGODB_URI" --eval "db.stats()"\'',
        'dynsecret run --from-file app-db.json --wait=10m -- npm test',
      ]),
    )
    .action(async (first: string | undefined, rest: string[], flags: unknown, command: Command) => {
      const [{ run, RUN_FLAGS }, { configFileOption, operandsBeforeDashDash }] = await Promise.all([
        import('./run.js'),
        import('../cli/options.js'),
      ]);
      const options = checkFlags(command, RUN_FLAGS, flags);
      // NAME is what comes before `--`; with --from-file it may be left out, and all that follows `--` is the command.
      const named =
        operandsBeforeDashDash(argv.slice(2), 'run', ['--ttl', '--prefix', '--from-file', '--audit-log', '--allow-ip'], ['--wait']) > 0;
      const name = named ? first : undefined;
      const child = named || first === undefined ? rest : [first, ...rest];
      if (child.length === 0) throw new UsageError('Give the command to run after --: dynsecret run NAME -- COMMAND [ARGS…]');
      const configFile = configFileOption('run', name, options.fromFile);
      const audit = { command: 'run', config: name };
      return dispatch(
        async (context) => {
          const [{ waitOption }, { fileConfig, defaultCluster }] = await Promise.all([
            import('../service/wait.js'),
            import('../service/configs.js'),
          ]);
          const { fromFile, wait, ...other } = options;
          const config = fromFile === undefined ? undefined : await fileConfig(context);
          audit.config = config?.name ?? name;
          const cluster = config === undefined ? undefined : defaultCluster(config);
          return run(context, {
            ...other,
            name: audit.config!,
            command: child,
            ...(wait === false ? { wait: false } : waitOption(wait === undefined ? true : wait)),
            ...(cluster === undefined ? {} : { cluster }),
            ...(fromFile === undefined ? {} : { fromFile }),
          });
        },
        audit,
        configFile,
      );
    });
}
