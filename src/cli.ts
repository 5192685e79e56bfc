import { defineCompletion } from './commands/completion.command.js';
import { defineCreate } from './commands/create.command.js';
import { Command, type Action, type DefineCommand, type Dispatch, type Program } from './commands/define.js';
import { defineDelete } from './commands/delete.command.js';
import { defineLease } from './commands/lease.command.js';
import { defineList } from './commands/list.command.js';
import { definePasswd } from './commands/passwd.command.js';
import { defineRenew } from './commands/renew.command.js';
import { defineRevoke } from './commands/revoke.command.js';
import { defineRun } from './commands/run.command.js';
import { defineUnlock } from './commands/unlock.command.js';
import { defineUpdate } from './commands/update.command.js';
import type { ConfigSource } from './cli/error-text.js';
import { processHost, type Host } from './cli/host.js';
import { colorLevel, loadPainter } from './cli/io.js';
import { visible } from './output/terminal-text.js';
import { VERSION } from './version.js';

/**
 * The only place that reads argv and decides the exit code. Commands are loaded on demand, so `--help`
 * pays for nothing it does not use. (`--version` alone is answered by bin/dynsecret.js, and again by
 * `main` for callers that reach it directly.)
 */

/** The commands, in the order `--help` lists them; each definition is in `src/commands/NAME.command.ts`. */
const COMMANDS: readonly DefineCommand[] = [
  defineCreate,
  defineLease,
  defineRun,
  defineRenew,
  defineRevoke,
  defineList,
  defineDelete,
  defineUnlock,
  defineUpdate,
  definePasswd,
  defineCompletion,
];

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
  for (const define of COMMANDS) define(program, dispatch, argv);
  return program;
}

/** dynsecret in this process, on its argv, environment and standard streams. */
export async function main(argv: readonly string[] = process.argv): Promise<void> {
  const status = await runCli(argv, processHost());
  // Not set for 0: a stdout that failed after the data was written (guardedStdout in src/cli/host.ts) keeps its 1.
  if (status !== 0) process.exitCode = status;
}

/** Runs the command line `argv` (node's argv: two words, then dynsecret's) on `host`; resolves to the exit status. */
export async function runCli(argv: readonly string[], host: Host): Promise<number> {
  const { stdout, stderr } = host;
  const args = argv.slice(2);
  const writeErr = (line: string) => stderr.write(`${line}\n`);
  // The hot path of scripts that check the version: no parser, no imports.
  if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
    stdout.write(`${VERSION}\n`);
    return 0;
  }
  let status = 0;
  const debug = args.includes('--debug');
  // The subcommand being run, so the error handler knows what its stdout would have carried.
  let invoked: Program | undefined;
  try {
    const program = await buildProgram(async (action, audit, configFile) => {
      // Only the commands that change something (those with an audit trail) run the lease service, whose events
      // need words: `list` and the other readers do without loading them.
      const [{ createContext }, notices] = await Promise.all([
        import('./cli/context.js'),
        audit === undefined ? undefined : import('./cli/notice-text.js'),
      ]);
      const context = await createContext(host, program.opts(), configFile, notices?.tell);
      let output: Awaited<ReturnType<Action>>;
      try {
        output = await action(context);
      } catch (error) {
        if (audit) {
          // The words of errors are loaded only when there is an error to word.
          const { failureOf } = await import('./cli/report.js');
          await context.audit.flush(audit.command, failureOf(error, audit.config)).catch(() => undefined);
        }
        throw error;
      } finally {
        await context.close();
      }
      // The work is done (a lease may exist): an audit log that cannot be written must not swallow its output.
      if (audit) {
        await context.audit.flush(audit.command).catch((error: unknown) => {
          writeErr(
            visible(
              `warning: could not append to the audit log ${context.audit.path} (${(error as NodeJS.ErrnoException).code ?? 'error'}).`,
            ),
          );
        });
      }
      if (typeof output === 'string') stdout.write(output);
      else if (output) status = output.exitCode;
    }, argv);
    program.hook('preSubcommand', (_program, sub) => {
      invoked = sub;
    });
    // Help and the version go out as the data does (see stdWriter): commander's defaults would make
    // process.stdout even for a pipe. Off a terminal, help has no width and no colour (it has no colour codes
    // to strip either way).
    for (const command of [program, ...program.commands]) {
      const defaults = command.configureOutput();
      command.configureOutput({
        writeOut: (text) => stdout.write(text),
        writeErr: (text) => stderr.write(text),
        // commander's own default is undefined off a terminal too, whatever its type says
        getOutHelpWidth: () => stdout.columns() as number,
        getOutHasColors: () => stdout.isTerminal() && Boolean(defaults.getOutHasColors?.()),
      });
    }
    // No command at all (global flags aside): the help, on stdout as `--help` prints it, and exit 0, as git does.
    const { operands, unknown } = program.parseOptions(args);
    if (operands.length === 0 && unknown.length === 0) {
      program.outputHelp();
      return 0;
    }
    await program.parseAsync(argv as string[]);
    return status;
  } catch (error) {
    // --help and --version end the parse as a commander error that exits 0: nothing to word.
    const ended = error as { code?: unknown; exitCode?: unknown };
    if (typeof ended.code === 'string' && ended.code.startsWith('commander.') && ended.exitCode === 0) return 0;
    const level = colorLevel(host.env, stderr.isTerminal(), args.includes('--no-color') ? false : undefined);
    // A colour that cannot be loaded is no reason to lose the message.
    const [paint, { report, failureStatement }] = await Promise.all([loadPainter(level).catch(() => undefined), import('./cli/report.js')]);
    // Off a terminal, a command whose output a shell evaluates ends with a statement that fails: `eval "$(dynsecret
    // lease db)"` under `set -e` must stop the script rather than carry on without credentials.
    const failed = stdout.isTerminal() ? undefined : failureStatement(evaluatedFormat(invoked));
    if (failed !== undefined) stdout.write(failed);
    return report(error, debug, writeErr, paint, configSource(invoked));
  }
}

/**
 * The output format a failed command would have printed on success, when a shell may evaluate it: `lease`'s
 * `--format` (default `shell` off a terminal; none with `--env-file` or `--github-env` alone, which print no
 * credentials) and `unlock`'s `export` line. Read from the options commander parsed before the failure.
 */
function evaluatedFormat(command: Program | undefined): string | undefined {
  if (command?.name() === 'unlock') return 'shell';
  if (command?.name() !== 'lease') return undefined;
  const { format, envFile, githubEnv }: { format?: unknown; envFile?: unknown; githubEnv?: unknown } = command.opts();
  if (typeof format === 'string') return format;
  return envFile === undefined && githubEnv === undefined ? 'shell' : undefined;
}

/**
 * Where the failed command's config came from, for advice that names only what exists: `create` takes it from
 * its flags, `--from-file` from a file (and the environment), every other command from the store.
 */
export function configSource(command: Program | undefined): ConfigSource {
  const fromFile: unknown = (command?.opts() as { fromFile?: unknown } | undefined)?.fromFile;
  if (typeof fromFile === 'string') return { kind: 'file', path: fromFile };
  // `update` keeps the saved project (it has no --group-id): its advice is the stored config's.
  return command === undefined || command.name() === 'create' ? { kind: 'flags' } : { kind: 'store' };
}
