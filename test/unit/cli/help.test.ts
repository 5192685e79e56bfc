import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../../src/cli.js';
import * as host from '../../../src/cli/host.js';

// What `--help` prints off a terminal (no width, no colour), for the program and every command, against reviewed
// files under test/unit/cli/help/: a changed option, description or example shows as a diff of one of them.
// Update them on purpose with `npx vitest run test/unit/cli/help.test.ts -u`, and review the diff.

const COMMANDS = ['create', 'lease', 'run', 'renew', 'revoke', 'list', 'delete', 'unlock', 'update', 'passwd', 'completion'];

async function help(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(host.stdout, 'write').mockImplementation((text: string) => {
    out.push(text);
  });
  vi.spyOn(host.stdout, 'isTerminal').mockReturnValue(false);
  vi.spyOn(host.stdout, 'columns').mockReturnValue(undefined);
  vi.spyOn(host.stderr, 'write').mockImplementation((text: string) => {
    err.push(text);
  });
  await main(['node', 'dynsecret', ...args]);
  return { out: out.join(''), err: err.join(''), exitCode: process.exitCode };
}

afterEach(() => {
  process.exitCode = undefined;
  vi.restoreAllMocks();
});

describe('--help', () => {
  it('of the program matches its reviewed text', async () => {
    const { out, err, exitCode } = await help(['--help']);
    expect(err).toBe('');
    expect(exitCode).toBeUndefined();
    await expect(out).toMatchFileSnapshot('help/dynsecret.txt');
  });

  it.each(COMMANDS)('of %s matches its reviewed text', async (name) => {
    const { out, err, exitCode } = await help([name, '--help']);
    expect(err).toBe('');
    expect(exitCode).toBeUndefined();
    await expect(out).toMatchFileSnapshot(`help/${name}.txt`);
  });

  it('is snapshotted for every command the program has', async () => {
    const { buildProgram } = await import('../../../src/cli.js');
    const program = await buildProgram(async () => undefined, ['node', 'dynsecret']);
    expect(program.commands.map((c) => c.name())).toEqual(COMMANDS);
  });
});

describe('a command line without a command', () => {
  it.each([[[]], [['--debug']], [['--no-color', '--audit-log', 'a.log']]])('%j prints the help on stdout and exits 0', async (args) => {
    const { out, err, exitCode } = await help(args);
    expect(err).toBe('');
    expect(exitCode).toBeUndefined();
    expect(out).toBe((await help(['--help'])).out);
    expect(out).toMatch(/^Usage: dynsecret \[options\] \[command\]\n/);
  });
});

describe('a mistyped command or option', () => {
  it.each([
    [['lst'], "unknown command 'lst' (Did you mean list?)", ''],
    [['--no-colour', 'list'], "unknown option '--no-colour' (Did you mean --no-color?)", ''],
    // A lease that fails in its default format (shell, off a terminal) ends stdout with a statement that fails.
    [['lease', 'app-db', '--fromat', 'json'], "unknown option '--fromat' (Did you mean --format?)", 'false\n'],
  ])('%j is one line with the suggestion, exit 2', async (args, message, stdout) => {
    const { out, err, exitCode } = await help(args);
    expect(out).toBe(stdout);
    expect(exitCode).toBe(2);
    expect(err).toBe(`dynsecret: ${message}\n  See dynsecret --help, or dynsecret COMMAND --help.\n`);
  });
});
