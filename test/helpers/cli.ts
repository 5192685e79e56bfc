import { runCli } from '../../src/cli.js';
import type { Host, StdWriter } from '../../src/cli/host.js';
import { cleanEnv, type RunOptions, type RunResult } from './bin.js';

/**
 * `dynsecret ARGS` run in this process, through the same `runCli` the bin calls, on a host of its own: the
 * environment is PATH, HOME and NO_COLOR plus `options.env` (as the bins get), stdin is `options.input`,
 * stdout and stderr are captured (neither is a terminal), and no signal ever arrives. It talks to the emulator
 * over real HTTP and to the store on disk, as the bin does; only the process start is saved.
 *
 * For tests whose subject is what a command decides and prints. What only a process shows stays with the bin
 * (test/helpers/bin.ts): the shebang and the build, signals, killed or crashed processes, processes racing each
 * other for the store, pipes and terminals, and `run` or `lease --keep-fresh` past their checks (a command
 * `run` starts here would write to this process's own stdout; `--keep-fresh` waits for a signal).
 */
export async function cli(args: string[], options: Omit<RunOptions, 'killAfterMs'> = {}): Promise<RunResult> {
  const env = cleanEnv(options.env);
  const stdout = captured();
  const stderr = captured();
  const host: Host = {
    env,
    stdout,
    stderr,
    stdin: { isTerminal: () => false, read: async () => options.input ?? '' },
    signals: { on: () => undefined, off: () => undefined },
    promptOutput: () => {
      throw new Error('no prompt can be shown: stdin is not a terminal');
    },
  };
  const code = await runCli(['node', 'dynsecret', ...args], host);
  return { code, signal: null, stdout: stdout.text(), stderr: stderr.text() };
}

function captured(): StdWriter & { text(): string } {
  let text = '';
  return {
    write: (chunk) => {
      text += chunk;
    },
    writeAll: async (chunk) => {
      text += chunk;
    },
    isTerminal: () => false,
    columns: () => undefined,
    text: () => text,
  };
}
