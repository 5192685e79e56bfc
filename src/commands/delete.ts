import type { Context } from '../cli/context.js';
import { UsageError } from '../errors.js';
import { findConfig } from '../service/configs.js';
import { revokeSelection } from '../service/revoke.js';
import type { CommandFlags } from './define.js';

/** `dynsecret delete`'s options, as its definition (delete.command.ts) declares them. */
type DeleteFlags = CommandFlags['delete'];

/** What `dynsecret delete` is given (delete.command.ts). */
export type DeleteOptions = DeleteFlags & { name: string };

/**
 * `dynsecret delete NAME`: revokes the config's live leases, then removes the config. A failed revoke
 * keeps the config (so the lease can still be revoked) unless --force.
 */
export async function deleteConfig(context: Context, options: DeleteOptions): Promise<void> {
  await findConfig(context, options.name);
  const live = (await context.store.read()).leases.filter((l) => l.config === options.name && l.status !== 'gone');
  if (!options.yes) {
    if (!context.io.interactive) throw new UsageError(`Deleting config ${options.name} needs confirmation: pass --yes.`);
    const leases = live.length > 0 ? ` and revoke its ${live.length} lease(s)` : '';
    const confirmed = await context.prompts.confirm({ message: `Delete config ${options.name}${leases}?`, default: false });
    if (!confirmed) {
      context.io.error('Nothing was deleted.');
      return;
    }
  }
  if (live.length > 0) {
    try {
      await revokeSelection(context, { leaseIds: [], config: options.name, all: true });
    } catch (error) {
      if (!options.force) {
        context.io.error(`Config ${options.name} was kept so its remaining leases can still be revoked (or pass --force).`);
        throw error;
      }
    }
  }
  await context.store.update((data) => {
    data.configs = data.configs.filter((c) => c.name !== options.name);
    data.leases = data.leases.filter((l) => l.config !== options.name);
    data.tokens = data.tokens.filter((t) => t.config !== options.name);
  });
  context.audit.note({ config: options.name });
  context.io.error(`Deleted config ${options.name}.`);
}
