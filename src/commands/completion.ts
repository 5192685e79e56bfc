import type { CommandUnknownOpts as Command } from '@commander-js/extra-typings';
import type { Context } from '../cli/context.js';
import { UsageError } from '../errors.js';
import { COMPLETION_SHELLS, type CompletionShell } from '../output/completion-model.js';
import { renderCompletion } from '../output/completion-scripts.js';

/**
 * `dynsecret completion SHELL`: the completion script for a shell (src/output/completion-scripts.ts builds it
 * from the command tree), and `--list-configs`, the config names those scripts ask for.
 */

export function completionScript(program: Command, shell: string): string {
  if (!(COMPLETION_SHELLS as readonly string[]).includes(shell)) {
    throw new UsageError(`Unknown shell ${JSON.stringify(shell)}: use one of ${COMPLETION_SHELLS.join(', ')}.`, {
      hint: 'e.g. dynsecret completion bash > ~/.local/share/bash-completion/completions/dynsecret',
    });
  }
  return renderCompletion(program, shell as CompletionShell);
}

/**
 * The config names, one a line, for completion: only when the store opens without asking (a session key
 * in DYNSECRET_SESSION, or no store yet); any failure prints nothing, as a completion must not prompt or
 * complain. The passphrase is not used: its key derivation would cost every Tab press about 0.4 s.
 */
export async function listConfigNames(context: Pick<Context, 'env'>): Promise<string> {
  try {
    const [{ storeFolder }, { EncryptedStore }] = await Promise.all([import('../cli/context.js'), import('../store/store.js')]);
    const session = context.env.DYNSECRET_SESSION || undefined;
    const store = new EncryptedStore({ folder: await storeFolder(context.env), keys: { session } });
    if (store.exists() && session === undefined) return '';
    const { configs } = await store.read();
    return configs
      .map((c) => `${c.name}\n`)
      .sort()
      .join('');
  } catch {
    return '';
  }
}
