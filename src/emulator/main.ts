import { OptionError, parseArgv, USAGE } from './options.js';
import { startEmulator } from './server.js';

/**
 * `dynsecret-atlas-emulator`: parses argv, starts the server, prints one JSON line with the URL and
 * credentials on stdout; logs go to stderr. SIGINT/SIGTERM close it cleanly (state file flushed).
 */
export async function main(argv: string[] = process.argv.slice(2)): Promise<void> {
  let parsed;
  try {
    parsed = parseArgv(argv);
  } catch (error) {
    if (!(error instanceof OptionError)) throw error;
    process.stderr.write(`dynsecret-atlas-emulator: ${error.message}\nRun with --help for the options.\n`);
    process.exitCode = 2;
    return;
  }
  if (parsed.help) {
    process.stdout.write(USAGE);
    return;
  }
  const log = parsed.quiet ? undefined : (line: string) => process.stderr.write(`${line}\n`);
  let emulator;
  try {
    emulator = await startEmulator({ ...parsed.options, log });
  } catch (error) {
    process.stderr.write(`dynsecret-atlas-emulator: cannot start: ${(error as Error).message}\n`);
    process.exitCode = 1;
    return;
  }
  const { url, publicKey, privateKey, groupId, clusters, clientId, clientSecret } = emulator;
  process.stdout.write(`${JSON.stringify({ url, publicKey, privateKey, groupId, clusters, clientId, clientSecret })}\n`);

  const stop = (signal: NodeJS.Signals): void => {
    log?.(`${signal}: stopping`);
    emulator.close().then(
      () => log?.('stopped'),
      (error: unknown) => {
        process.stderr.write(`dynsecret-atlas-emulator: ${(error as Error).message}\n`);
        process.exitCode = 1;
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
