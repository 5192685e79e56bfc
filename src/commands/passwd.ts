import type { Context } from '../cli/context.js';
import { StoreError, UsageError } from '../errors.js';
import { promptNewPassphrase } from '../store/keys.js';
import { EncryptedStore } from '../store/store.js';
import { MIN_PASSPHRASE_LENGTH, rekeyStore } from '../store/rekey.js';
import type { CommandFlags } from './define.js';

/** `dynsecret passwd`'s options, as its definition (passwd.command.ts) declares them. */
type PasswdFlags = CommandFlags['passwd'];

/** What `dynsecret passwd` is given (passwd.command.ts). */
type PasswdOptions = PasswdFlags;

/**
 * `dynsecret passwd`: a new passphrase and a new data key. The current passphrase is required (from
 * DYNSECRET_PASSPHRASE or a prompt), never a session key: revoking a leaked session key is what this is for.
 * The new one is asked twice on a terminal, or read from stdin with --new-passphrase-stdin (one final line
 * break removed).
 */
export async function passwd(context: Context, options: PasswdOptions): Promise<void> {
  const { io, prompts, env, store } = context;
  // The encrypted store is the only one with a passphrase; `passwd` has no --from-file.
  if (!(store instanceof EncryptedStore)) throw new UsageError('There is no encrypted store here, so there is no passphrase to change.');
  if (!store.exists()) {
    throw new StoreError('There is no store yet, so there is no passphrase to change.', {
      hint: 'Create a config first: dynsecret create NAME …',
    });
  }
  // Read before asking anything: a missing new passphrase is a usage error that costs no key derivation.
  let next: string | undefined;
  if (options.newPassphraseStdin) {
    if (io.stdinIsTty) throw new UsageError('--new-passphrase-stdin reads a pipe; on a terminal, leave it out to be asked.');
    next = (await io.readStdin()).replace(/\r?\n$/, '');
    if (next.length < MIN_PASSPHRASE_LENGTH) {
      throw new StoreError(`The passphrase must be at least ${MIN_PASSPHRASE_LENGTH} characters long; nothing was changed.`);
    }
  } else if (!io.interactive) {
    throw new UsageError('No terminal to ask for the new passphrase: pipe it to --new-passphrase-stdin.');
  }
  const current =
    env.DYNSECRET_PASSPHRASE || (io.interactive ? await prompts.password({ message: 'Current store passphrase' }) : undefined);
  if (current === undefined) {
    throw new StoreError('The current passphrase is needed to change it.', {
      hint: 'Set DYNSECRET_PASSPHRASE, or run on a terminal to be asked (a session key cannot change the passphrase).',
    });
  }
  if (next === undefined) {
    // On a terminal, a wrong current passphrase is said before the new one is typed twice.
    await new EncryptedStore({ folder: store.folder, keys: { passphrase: current } }).read();
    next = await promptNewPassphrase(({ message }) => prompts.password({ message }));
  }
  await rekeyStore(store.folder, { current, next });
  context.audit.note({});
  io.error(
    'Changed the store passphrase and its data key: earlier DYNSECRET_SESSION values no longer open it. Run eval "$(dynsecret unlock)" again where you need one.',
  );
}
