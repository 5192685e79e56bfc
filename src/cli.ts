import { Command, Option } from 'commander';
import { UsageError } from './errors.js';
import { colorLevel, loadPainter, stderr, stdout } from './io.js';
import { visible } from './output/terminal-text.js';
import { VERSION } from './version.js';
import type { ConfigFileOption, Context, GlobalOptions } from './context.js';

/**
 * The only place that reads argv and sets the exit code. Commands are loaded on demand, so `--help`
 * pays for nothing it does not use. (`--version` alone is answered by bin/dynsecret.js, and again by
 * `main` for callers that reach it directly.)
 */

/** What an action hands back: the data for stdout, written once after success, or a child's exit status. */
type Action = (context: Context) => Promise<string | void | { exitCode: number }>;
/**
 * Runs an action; `audit` names the command and config for the audit trail (read-only commands pass none);
 * `configFile` is a `--from-file` config, which replaces the store for this command.
 */
export type Dispatch = (action: Action, audit?: { command: string; config?: string | undefined }, configFile?: ConfigFileOption) => Promise<void>;

const FROM_FILE_HELP = 'the config as a JSON file (what create --from-file takes), without a store';

const collect = (value: string, previous: string[] = []) => [...previous, value];

const examples = (lines: string[]) => `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`;

interface LeaseFlags {
  ttl?: string; format?: string; prefix?: string; envFile?: string; cluster?: string; wait?: string | boolean;
  fromFile?: string; githubEnv?: boolean;
}
interface RunFlags { ttl?: string; prefix?: string; wait?: string | boolean; renew?: boolean; keep?: boolean; fromFile?: string }

/** `argv` is what `main` parses: `run` looks at it to see whether a NAME came before `--`. */
export async function buildProgram(dispatch: Dispatch, argv: readonly string[] = process.argv) {
  const program = new Command('dynsecret')
    .description('Short-lived MongoDB Atlas database users on demand.')
    .version(VERSION, '-V, --version', 'print the version')
    .option('--debug', 'print debug lines and stack traces on stderr (never secrets)')
    .option('--no-color', 'no colour in messages')
    .option('--audit-log <path>', 'append the audit trail here (or DYNSECRET_AUDIT_LOG; default: audit.log beside the store)')
    .showSuggestionAfterError()
    .exitOverride()
    .configureOutput({ outputError: () => undefined });

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
    .addHelpText('after', examples([
      'printf %s "$PRIVATE_KEY" | dynsecret create app-db --group-id 5f1d… --public-key abcdefgh --private-key-stdin --role readWrite@app --scope Cluster0',
      'MONGODB_ATLAS_PUBLIC_API_KEY=… MONGODB_ATLAS_PRIVATE_API_KEY=… dynsecret create reports --group-id 5f1d… --role read@reports --max-ttl 8h',
      'dynsecret create app-db --from-file app-db.json --replace',
    ]))
    .action((name: string, options) =>
      dispatch(async (context) => {
        const { create } = await import('./commands/create.js');
        const { verifyConfig } = await import('./commands/verify.js');
        await create(context, { ...options, name }, verifyConfig);
      }, { command: 'create', config: name }));

  program
    .command('lease')
    .description('issue a short-lived database user and print its credentials')
    .argument('[name]', 'config name (not needed with --from-file)')
    .option('--ttl <duration>', "how long the lease lives (default: the config's default TTL)")
    .option('--format <format>', 'shell, fish, powershell, dotenv, env (NAME=value, unquoted), json or table (default: table on a terminal, shell otherwise)')
    .option('--prefix <prefix>', 'prefix for the DB_ and MONGODB_ variable names')
    .option('--env-file <path>', 'insert or replace the variables in this file (0600) instead of printing them')
    .option('--cluster <name>', 'print MONGODB_URI for this cluster')
    .option('--wait [timeout]', 'wait until the user is applied to its clusters (default timeout 5m)')
    .option('--from-file <path>', FROM_FILE_HELP)
    .option('--github-env', 'append the variables to the file $GITHUB_ENV names, masked first (GitHub Actions)')
    .addHelpText('after', examples([
      'eval "$(dynsecret lease app-db)"',
      'dynsecret lease app-db --ttl 15m --format json',
      'dynsecret lease app-db --env-file .env --prefix APP_ --wait',
      'dynsecret lease --from-file app-db.json --format env > db.env',
      'dynsecret lease --from-file app-db.json --github-env',
    ]))
    .action(async (name: string | undefined, options: LeaseFlags) => {
      const { configFileOption } = await import('./cli-options.js');
      const configFile = configFileOption('lease', name, options.fromFile);
      const audit = { command: 'lease', config: name };
      return dispatch(async (context) => {
        const [{ lease }, { waitOption, waitForApplied }] = await Promise.all([import('./commands/lease.js'), import('./leases/wait.js')]);
        const { wait, fromFile, ...rest } = options;
        return lease(context, { ...rest, name, ...waitOption(wait) }, { fromFile: fromFile !== undefined, audit }, waitForApplied);
      }, audit, configFile);
    });

  program
    .command('run')
    .description('lease, run a command with the credentials in its environment, then revoke')
    .argument('[name]', 'config name (not needed with --from-file)')
    .argument('[command...]', 'the command and its arguments, after --')
    .option('--ttl <duration>', "how long each lease period lasts (default: the config's default TTL)")
    .option('--prefix <prefix>', 'prefix for the DB_ and MONGODB_ variable names')
    .option('--wait [timeout]', 'wait until Atlas applies the user before starting the command (default; timeout 5m)')
    .option('--no-wait', 'start the command without waiting for Atlas to apply the user')
    .option('--no-renew', "do not renew the lease while the command runs (it ends at the TTL)")
    .option('--keep', 'do not revoke the lease when the command exits')
    .option('--from-file <path>', FROM_FILE_HELP)
    .addHelpText('after', examples([
      'dynsecret run app-db -- npm test',
      'dynsecret run app-db --ttl 30m -- sh -c \'mongosh "$MONGODB_URI" --eval "db.stats()"\'',
      'dynsecret run --from-file app-db.json --wait=10m -- npm test',
    ]))
    .action(async (first: string | undefined, rest: string[], options: RunFlags) => {
      const { configFileOption, operandsBeforeDashDash } = await import('./cli-options.js');
      // NAME is what comes before `--`; with --from-file it may be left out, and all that follows `--` is the command.
      const named = operandsBeforeDashDash(argv.slice(2), 'run', ['--ttl', '--prefix', '--from-file', '--audit-log'], ['--wait']) > 0;
      const name = named ? first : undefined;
      const command = named || first === undefined ? rest : [first, ...rest];
      if (command.length === 0) throw new UsageError('Give the command to run after --: dynsecret run NAME -- COMMAND [ARGS…]');
      const configFile = configFileOption('run', name, options.fromFile);
      const audit = { command: 'run', config: name };
      return dispatch(async (context) => {
        const [{ run }, { waitOption }, { fileConfig, defaultCluster }] = await Promise.all([
          import('./commands/run.js'), import('./leases/wait.js'), import('./leases/configs.js'),
        ]);
        const { fromFile, wait, ...flags } = options;
        const config = fromFile === undefined ? undefined : await fileConfig(context);
        audit.config = config?.name ?? name;
        const cluster = config === undefined ? undefined : defaultCluster(config);
        return run(context, {
          ...flags, name: audit.config!, command,
          ...(wait === false ? { wait: false } : waitOption(wait === undefined ? true : wait)),
          ...(cluster === undefined ? {} : { cluster }),
        });
      }, audit, configFile);
    });

  program
    .command('renew')
    .description("extend a lease, up to the config's max TTL")
    .argument('<lease-id>', 'the lease id (its Atlas username)')
    .option('--ttl <duration>', "new lifetime from now (default: the config's default TTL)")
    .option('--config <name>', 'the config of a lease made on another machine')
    .option('--from-file <path>', FROM_FILE_HELP)
    .option('--json', 'print the new expiry as JSON')
    .addHelpText('after', examples([
      'dynsecret renew "$DYNSECRET_LEASE_ID" --ttl 2h', 'dynsecret renew ds-app-db-1a2b3c4d5e6f --config app-db --json',
      'dynsecret renew "$DYNSECRET_LEASE_ID" --from-file app-db.json',
    ]))
    .action((leaseId: string, options: { ttl?: string; config?: string; json?: boolean; fromFile?: string }) => {
      const { fromFile, ...rest } = options;
      const configFile = fromFile === undefined ? undefined : { path: fromFile, name: rest.config };
      const audit = { command: 'renew', config: rest.config };
      return dispatch(async (context) => {
        const [{ renew }, { fileConfig }] = await Promise.all([import('./commands/renew.js'), import('./leases/configs.js')]);
        // The lease's record is its Atlas labels: the file's config must be the one they name.
        if (configFile !== undefined) audit.config = rest.config = (await fileConfig(context)).name;
        return renew(context, { ...rest, leaseId });
      }, audit, configFile);
    });

  program
    .command('revoke')
    .description('delete leased users now')
    .argument('[lease-id...]', 'lease ids to revoke')
    .option('--config <name>', 'the config (with --all, or for leases made elsewhere)')
    .option('--all', "revoke every lease of --config")
    .option('--expired', 'clean up expired, failed and interrupted leases')
    .option('--force', 'forget a lease locally even when Atlas could not revoke it')
    .option('--yes', 'do not ask for confirmation (required for --all without a terminal)')
    .option('--json', 'print one result per lease as JSON')
    .option('--env-file <path>', "remove the lease's variables from this file")
    .option('--prefix <prefix>', 'the --prefix the variables were written with')
    .option('--from-file <path>', FROM_FILE_HELP)
    .addHelpText('after', examples([
      'dynsecret revoke "$DYNSECRET_LEASE_ID"', 'dynsecret revoke --config app-db --all --yes', 'dynsecret revoke --expired',
      'dynsecret revoke "$DYNSECRET_LEASE_ID" --from-file app-db.json',
    ]))
    .action((leaseIds: string[], options: Omit<import('./commands/revoke.js').RevokeOptions, 'leaseIds'> & { fromFile?: string }) => {
      const { fromFile, ...rest } = options;
      if (fromFile !== undefined && (rest.all || rest.expired)) {
        throw new UsageError('With --from-file, name the lease ids to revoke (see them with: dynsecret list --from-file PATH).');
      }
      const configFile = fromFile === undefined ? undefined : { path: fromFile, name: rest.config };
      const audit = { command: 'revoke', config: rest.config };
      return dispatch(async (context) => {
        const [{ revoke }, { fileConfig }] = await Promise.all([import('./commands/revoke.js'), import('./leases/configs.js')]);
        // Nothing is recorded locally: every id is checked against the file's config label in Atlas.
        if (configFile !== undefined) audit.config = rest.config = (await fileConfig(context)).name;
        return revoke(context, { ...rest, leaseIds });
      }, audit, configFile);
    });

  program
    .command('list')
    .description('list configs, or the leases of one config')
    .argument('[name]', 'a config name: list its leases')
    .option('--json', 'machine-readable output')
    .option('--remote', 'with NAME: reconcile with the users Atlas holds under the config\'s labels')
    .option('--audit', 'show the audit trail (of NAME, or of every config)')
    .option('--from-file <path>', `${FROM_FILE_HELP}: its leases as Atlas has them`)
    .addHelpText('after', examples(['dynsecret list', 'dynsecret list app-db', 'dynsecret list app-db --remote --json', 'dynsecret list --from-file app-db.json']))
    .action((name: string | undefined, options: { json?: boolean; remote?: boolean; audit?: boolean; fromFile?: string }) => {
      if (options.fromFile !== undefined) {
        if (options.audit) throw new UsageError('--audit reads an audit log, not a config: use --audit-log PATH without --from-file.');
        const { fromFile, ...rest } = options;
        return dispatch(async (context) => {
          const [{ listLeases }, { fileConfig }] = await Promise.all([import('./commands/list-leases.js'), import('./leases/configs.js')]);
          return listLeases(context, { ...rest, name: (await fileConfig(context)).name, remote: true });
        }, undefined, { path: fromFile, name });
      }
      return dispatch(async (context) => {
        if (options.audit) {
          const { showAudit } = await import('./commands/audit.js');
          return showAudit(context, { ...options, ...(name === undefined ? {} : { config: name }) });
        }
        if (name === undefined) {
          if (options.remote) throw new UsageError('--remote needs a config name: dynsecret list NAME --remote');
          const { listConfigs } = await import('./commands/list.js');
          return listConfigs(context, options);
        }
        const { listLeases } = await import('./commands/list-leases.js');
        return listLeases(context, { ...options, name });
      });
    });

  program
    .command('delete')
    .description('remove a config (revoking its live leases first)')
    .argument('<name>', 'config name')
    .option('--yes', 'do not ask for confirmation (required without a terminal)')
    .option('--force', 'remove the config even if some leases could not be revoked')
    .addHelpText('after', examples(['dynsecret delete app-db --yes']))
    .action((name: string, options: { yes?: boolean; force?: boolean }) =>
      dispatch(async (context) => {
        const { deleteConfig } = await import('./commands/delete.js');
        await deleteConfig(context, { ...options, name });
      }, { command: 'delete', config: name }));

  program
    .command('unlock')
    .description('print `export DYNSECRET_SESSION=…` so this shell unlocks the store once')
    .addHelpText('after', examples(['eval "$(dynsecret unlock)"']))
    .action(() =>
      dispatch(async (context) => {
        const { unlock } = await import('./commands/unlock.js');
        return unlock(context);
      }));

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
    .addHelpText('after', examples([
      'dynsecret update app-db --max-ttl 8h --default-ttl 30m',
      'dynsecret update app-db --role read@app --role read@reports',
      'printf %s "$NEW_PRIVATE_KEY" | dynsecret update app-db --private-key-stdin',
    ]))
    .action((name: string, options) =>
      dispatch(async (context) => {
        const { update } = await import('./commands/update.js');
        const { verifyConfig } = await import('./commands/verify.js');
        await update(context, { ...options, name }, verifyConfig);
      }, { command: 'update', config: name }));

  program
    .command('passwd')
    .description('change the store passphrase and its data key (earlier session keys stop working)')
    .option('--new-passphrase-stdin', 'read the new passphrase from stdin (the current one from DYNSECRET_PASSPHRASE)')
    .addHelpText('after', examples([
      'dynsecret passwd',
      'printf %s "$NEW_PASSPHRASE" | DYNSECRET_PASSPHRASE="$OLD_PASSPHRASE" dynsecret passwd --new-passphrase-stdin',
    ]))
    .action((options: { newPassphraseStdin?: boolean }) =>
      dispatch(async (context) => {
        const { passwd } = await import('./commands/passwd.js');
        await passwd(context, options);
      }, { command: 'passwd' }));

  program
    .command('completion')
    .description('print a completion script for bash, zsh, fish or powershell')
    .argument('[shell]', 'bash, zsh, fish or powershell')
    // For the scripts themselves: config names, one a line, when the store opens without a prompt.
    .addOption(new Option('--list-configs').hideHelp())
    .addHelpText('after', examples([
      'dynsecret completion bash > ~/.local/share/bash-completion/completions/dynsecret',
      'dynsecret completion zsh > "${fpath[1]}/_dynsecret"',
      'dynsecret completion fish > ~/.config/fish/completions/dynsecret.fish',
    ]))
    .action((shell: string | undefined, options: { listConfigs?: boolean }) =>
      dispatch(async (context) => {
        const { completionScript, listConfigNames } = await import('./commands/completion.js');
        if (options.listConfigs) return listConfigNames(context);
        if (shell === undefined) throw new UsageError('Name a shell: dynsecret completion bash|zsh|fish|powershell');
        return completionScript(program, shell);
      }));

  return program;
}

export async function main(argv: readonly string[] = process.argv): Promise<void> {
  const args = argv.slice(2);
  const writeErr = (line: string) => stderr.write(`${line}\n`);
  // The hot path of scripts that check the version: no parser, no imports.
  if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
    stdout.write(`${VERSION}\n`);
    return;
  }
  const debug = args.includes('--debug');
  try {
    const program = await buildProgram(async (action, audit, configFile) => {
      const { createContext } = await import('./context.js');
      const context = await createContext(program.opts<GlobalOptions>(), configFile);
      let output: Awaited<ReturnType<Action>>;
      try {
        output = await action(context);
      } catch (error) {
        if (audit) {
          // The words of errors are loaded only when there is an error to word.
          const { failureOf } = await import('./report.js');
          await context.audit.flush(audit.command, failureOf(error, audit.config)).catch(() => undefined);
        }
        throw error;
      } finally {
        await context.close();
      }
      // The work is done (a lease may exist): an audit log that cannot be written must not swallow its output.
      if (audit) {
        await context.audit.flush(audit.command).catch((error: unknown) => {
          writeErr(visible(`warning: could not append to the audit log ${context.audit.path} (${(error as NodeJS.ErrnoException).code ?? 'error'}).`));
        });
      }
      if (typeof output === 'string') stdout.write(output);
      else if (output) process.exitCode = output.exitCode;
    }, argv);
    // Help and the version go out as the data does (see stdWriter): commander's defaults would make
    // process.stdout even for a pipe. Off a terminal, help has no width and no colour (it has no colour codes
    // to strip either way).
    for (const command of [program, ...program.commands]) {
      const defaults = command.configureOutput();
      command.configureOutput({
        writeOut: (text) => stdout.write(text),
        // commander's own default is undefined off a terminal too, whatever its type says
        getOutHelpWidth: () => stdout.columns() as number,
        getOutHasColors: () => stdout.isTerminal() && Boolean(defaults.getOutHasColors?.()),
      });
    }
    await program.parseAsync(argv as string[]);
  } catch (error) {
    // --help and --version end the parse as a commander error that exits 0: nothing to word.
    const ended = error as { code?: unknown; exitCode?: unknown };
    if (typeof ended.code === 'string' && ended.code.startsWith('commander.') && ended.exitCode === 0) return;
    const level = colorLevel(process.env, stderr.isTerminal(), args.includes('--no-color') ? false : undefined);
    // A colour that cannot be loaded is no reason to lose the message.
    const [paint, { report }] = await Promise.all([loadPainter(level).catch(() => undefined), import('./report.js')]);
    process.exitCode = report(error, debug, writeErr, paint);
  }
}
