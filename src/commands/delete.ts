import type { Context } from '../context.js';
import { NotFoundError, UsageError } from '../errors.js';

export interface DeleteOptions {
  name: string;
  yes?: boolean;
  force?: boolean;
}

/** `dynsecret delete NAME`: removes a config after confirmation (required as --yes without a terminal). */
export async function deleteConfig(context: Context, options: DeleteOptions): Promise<void> {
  const data = await context.store.read();
  if (!data.configs.some((c) => c.name === options.name)) {
    throw new NotFoundError(`No config named ${options.name}.`, { hint: 'See the configs with: dynsecret list' });
  }
  const live = data.leases.filter((l) => l.config === options.name && l.status !== 'gone');
  if (live.length > 0 && !options.force) {
    throw new UsageError(`Config ${options.name} still has ${live.length} lease(s); revoke them first.`, {
      hint: `dynsecret revoke --config ${options.name} --all --yes, or pass --force to forget them.`,
    });
  }
  if (!options.yes) {
    if (!context.io.interactive) {
      throw new UsageError(`Deleting config ${options.name} needs confirmation: pass --yes.`);
    }
    const confirmed = await context.prompts.confirm({ message: `Delete config ${options.name}?`, default: false });
    if (!confirmed) {
      context.io.error('Nothing was deleted.');
      return;
    }
  }
  await context.store.update((fresh) => {
    fresh.configs = fresh.configs.filter((c) => c.name !== options.name);
    fresh.leases = fresh.leases.filter((l) => l.config !== options.name);
    fresh.tokens = fresh.tokens.filter((t) => t.config !== options.name);
  });
  context.io.error(`Deleted config ${options.name}.`);
}
