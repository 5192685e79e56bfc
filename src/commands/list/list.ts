import type { Context } from '../../cli/context.js';
import { UsageError } from '../../errors.js';
import type { CommandFlags } from '../define.js';

/** `dynsecret list`'s options, as its definition (list.command.ts) declares them. */
type ListFlags = CommandFlags['list'];

/**
 * What `dynsecret list` is given (list.command.ts): its options, NAME, and whether the config is a
 * `--from-file` one (the context's, whose leases are always Atlas').
 */
export type ListOptions = Omit<ListFlags, 'fromFile'> & { name?: string | undefined; fromFile: boolean };

/**
 * `dynsecret list [NAME]`: the configs (configs.ts), a config's leases (leases.ts) or the audit
 * trail (audit.ts), each loaded only when it is the one asked for.
 */
export async function list(context: Context, options: ListOptions): Promise<string> {
  const { name, fromFile, ...flags } = options;
  if (fromFile) {
    const [{ listLeases }, { fileConfig }] = await Promise.all([import('./leases.js'), import('../../service/configs.js')]);
    return listLeases(context, { ...flags, name: (await fileConfig(context)).name, remote: true });
  }
  if (flags.audit) {
    const { showAudit } = await import('./audit.js');
    return showAudit(context, { ...flags, ...(name === undefined ? {} : { config: name }) });
  }
  if (name === undefined) {
    if (flags.remote) throw new UsageError('--remote needs a config name: dynsecret list NAME --remote');
    const { listConfigs } = await import('./configs.js');
    return listConfigs(context, flags);
  }
  const { listLeases } = await import('./leases.js');
  return listLeases(context, { ...flags, name });
}
