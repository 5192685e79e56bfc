import { UsageError } from '../errors.js';
import { examples, Option, type Dispatch, type Program } from './define.js';

/** `dynsecret completion SHELL`: see completion.ts; the script is made from `program`, the whole command tree. */
export function defineCompletion(program: Program, dispatch: Dispatch) {
  program
    .command('completion')
    .description('print a completion script for bash, zsh, fish or powershell')
    .argument('[shell]', 'bash, zsh, fish or powershell')
    // For the scripts themselves: config names, one a line, when the store opens without a prompt.
    .addOption(new Option('--list-configs').hideHelp())
    .addHelpText(
      'after',
      examples([
        'dynsecret completion bash > ~/.local/share/bash-completion/completions/dynsecret',
        'dynsecret completion zsh > "${fpath[1]}/_dynsecret"',
        'dynsecret completion fish > ~/.config/fish/completions/dynsecret.fish',
      ]),
    )
    .action(async (shell, options) => {
      const { completionScript, listConfigNames } = await import('./completion.js');
      return dispatch(async (context) => {
        if (options.listConfigs) return listConfigNames(context);
        if (shell === undefined) throw new UsageError('Name a shell: dynsecret completion bash|zsh|fish|powershell');
        return completionScript(program, shell);
      });
    });
}
