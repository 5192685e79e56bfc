import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../../src/cli.js';
import { completionScript } from '../../../src/commands/completion.js';
import { COMPLETION_SHELLS, programModel } from '../../../src/output/completion-model.js';
import { parseOutputFormat } from '../../../src/output/lease-output.js';

// Every --format lease takes, env included, as --help lists them but in the order the scripts offer them.
const FORMATS = ['shell', 'fish', 'powershell', 'dotenv', 'json', 'table', 'env'];

const program = async () => buildProgram(async () => undefined);

describe('completion scripts come from the command tree', () => {
  it('the model holds every visible command, none hidden, and each option of each', async () => {
    const tree = await program();
    const model = programModel(tree);
    expect(model.commands.map((c) => c.name)).toEqual(tree.commands.map((c) => c.name()).concat('help'));
    const lease = model.commands.find((c) => c.name === 'lease')!;
    expect(lease.options.map((o) => o.long)).toEqual(
      tree.commands
        .find((c) => c.name() === 'lease')!
        .options.map((o) => o.long)
        .concat('--help'),
    );
    expect(lease.options.find((o) => o.long === '--format')?.value).toEqual({ kind: 'words', words: FORMATS });
    expect(lease.firstArgument).toEqual({ kind: 'configs' });
    // The helper option used by the scripts is not offered to users.
    expect(model.commands.find((c) => c.name === 'completion')!.options.map((o) => o.long)).not.toContain('--list-configs');
  });

  it.each(COMPLETION_SHELLS)('%s: a command or option added to the tree appears with no other change', async (shell) => {
    const tree = await program();
    tree
      .command('zz-added')
      .description('added for the test')
      .argument('<name>')
      .option('--zz-flag', 'a flag')
      .option('--zz-file <path>', 'a file');
    const text = completionScript(tree, shell);
    for (const word of ['zz-added', 'zz-flag', 'zz-file']) expect(text).toContain(word);
  });

  it.each(COMPLETION_SHELLS)('%s: the --format values are every format lease takes', async (shell) => {
    const text = completionScript(await program(), shell);
    const list = shell === 'powershell' ? FORMATS.map((f) => `'${f}'`).join(', ') : FORMATS.join(' ');
    expect(text).toContain(list);
  });

  it("an unknown --format's error lists every format lease takes", () => {
    expect(() => parseOutputFormat('yaml')).toThrow(
      'Invalid --format "yaml": use one of shell, fish, powershell, dotenv, json, table, env.',
    );
  });

  it('refuses an unknown shell', async () => {
    expect(() => completionScript({} as never, 'csh')).toThrow(/Unknown shell "csh"/);
  });
});
