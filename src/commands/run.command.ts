import { UsageError } from '../errors.js';
import { examples, FROM_FILE_HELP, type Dispatch, type FlagsOf, type Program } from './define.js';

/** `dynsecret run [NAME] -- COMMAND…`'s arguments and options (see define.ts). */
const runCommand = (program: Program) =>
  program
    .command('run')
    .description('lease, run a command with the credentials in its environment, then revoke')
    .argument('[name]', 'config name (not needed with --from-file)')
    .argument('[command...]', 'the command and its arguments, after --')
    .option('--ttl <duration>', "how long each lease period lasts (default: the config's default TTL)")
    .option('--prefix <prefix>', 'prefix for the DB_ and MONGODB_ variable names')
    .option(
      '--wait [timeout]',
      'wait until Atlas applies the user before starting the command (default; timeout: a duration such as 10m; default 5m)',
    )
    .option('--no-wait', 'start the command without waiting for Atlas to apply the user')
    .option('--no-renew', 'do not renew the lease while the command runs (it ends at the TTL)')
    .option('--keep', 'do not revoke the lease when the command exits')
    .option('--no-mask', "leave secrets in the command's output (by default they become *** where it is not a terminal)")
    .option('--from-file <path>', FROM_FILE_HELP)
    .option('--rotate', 'past the max TTL: lease the next user ahead of time, hand it over, revoke the old one after --grace')
    .option('--restart', 'with --rotate: restart the command with the new user (the default)')
    .option('--signal <signal>', 'with --rotate: rewrite --env-file and send the command this signal (e.g. HUP) instead of restarting it')
    .option('--grace <duration>', 'with --rotate: how long the old user keeps working after the hand-over (default 2m)')
    .option(
      '--stop-timeout <duration>',
      'with --rotate --restart: how long the command has to exit after SIGTERM before SIGKILL (default 10s)',
    )
    .option('--env-file <path>', 'with --rotate: also keep the variables in this file, rewritten in place at each rotation')
    .option('--allow-ip <address>', "put IP, CIDR or current (the address Atlas sees) on the project's IP access list for the lease")
    .addHelpText(
      'after',
      examples([
        'dynsecret run app-db -- npm test',
        'dynsecret run app-db --ttl 30m -- sh -c \'mongosh "$MONGODB_URI" --eval "db.stats()"\'',
        'dynsecret run --from-file app-db.json --wait=10m -- npm test',
        'dynsecret run app-db --rotate --grace 5m -- node server.js',
        'dynsecret run app-db --rotate --signal HUP --env-file .env -- ./server --env .env',
        'dynsecret run app-db --no-mask -- ./debug.sh > debug.log   # the password shown, not ***',
        'dynsecret run --from-file app-db.json --allow-ip current -- npm test',
      ]),
    );

declare module './define.js' {
  interface CommandFlags {
    run: FlagsOf<typeof runCommand>;
  }
}

/** `dynsecret run [NAME] -- COMMAND…`: see run/run.ts. `argv` is what `main` parses: NAME is what comes before `--`. */
export function defineRun(program: Program, dispatch: Dispatch, argv: readonly string[]) {
  runCommand(program).action(async (first, rest, flags, command) => {
    const [{ run }, { configFileOption, flagsTakingValues, runOperands }, { requestedTtl }] = await Promise.all([
      import('./run/run.js'),
      import('../cli/options.js'),
      import('../rules/ttl.js'),
    ]);
    // NAME is what comes before `--`; with --from-file it may be left out, and all that follows `--` is the command.
    // `run --wait app-db -- npm test`: app-db is the NAME, not a timeout; `run app-db --wait npm test`: npm is the command.
    const {
      wait: given,
      operands,
      before,
    } = runOperands(argv.slice(2), 'run', flagsTakingValues([...command.options, ...program.options]), {
      wait: flags.wait,
      operands: first === undefined ? rest : [first, ...rest],
    });
    const named = before > 0;
    const name = named ? operands[0] : undefined;
    const options = { ...flags, wait: given };
    const child = named ? operands.slice(1) : operands;
    if (child.length === 0) throw new UsageError('Give the command to run after --: dynsecret run NAME -- COMMAND [ARGS…]');
    const configFile = configFileOption('run', name, options.fromFile);
    // Before the store is opened or Atlas asked: a TTL under the minimum needs neither to be refused.
    if (options.ttl !== undefined) requestedTtl(options.ttl);
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
