import { StoreError } from '../errors.js';

/** Where the store's key can come from, in the order SPEC gives: session key, passphrase, prompt. */
export interface KeySources {
  /** `DYNSECRET_SESSION`: the unwrapped data key printed by `dynsecret unlock`. */
  session?: string | undefined;
  /** `DYNSECRET_PASSPHRASE`. */
  passphrase?: string | undefined;
  /** A hidden prompt; absent when stdin/stderr are not TTYs or CI is set. */
  prompt?: ((request: { message: string; confirm: boolean }) => Promise<string>) | undefined;
}

const SESSION_PREFIX = 'ds1_';

export const encodeSession = (dataKey: Buffer): string => `${SESSION_PREFIX}${dataKey.toString('base64url')}`;

/** Decodes a session key; a malformed one is an error rather than a silent fall-through to the passphrase. */
export function decodeSession(session: string): Buffer {
  const body = session.trim().startsWith(SESSION_PREFIX) ? session.trim().slice(SESSION_PREFIX.length) : '';
  const key = Buffer.from(body, 'base64url');
  if (key.length !== 32 || key.toString('base64url') !== body) {
    throw new StoreError('DYNSECRET_SESSION is not a dynsecret session key.', {
      hint: 'Run `eval "$(dynsecret unlock)"` again, or unset DYNSECRET_SESSION.',
    });
  }
  return key;
}

export const noKeyError = (creating: boolean) =>
  new StoreError(creating ? 'No passphrase to create the store with.' : 'The store is locked and no key was given.', {
    hint: creating
      ? 'Set DYNSECRET_PASSPHRASE, or run the command on a terminal to choose a passphrase.'
      : 'Set DYNSECRET_SESSION (from `dynsecret unlock`) or DYNSECRET_PASSPHRASE, or run on a terminal to be asked.',
  });

/** Why a new passphrase is asked for again, before the prompt. */
const AGAIN = { short: 'That one was shorter than 8 characters. ', differ: 'The two entries differed. ' } as const;

/** How many times a new passphrase is asked for before giving up. */
const NEW_PASSPHRASE_TRIES = 3;

/**
 * Asks for a new passphrase twice. A short one, or two entries that differ, is asked for again (saying why in
 * the next prompt), a few times, so what the command was given before is not lost; then it is refused.
 */
export async function promptNewPassphrase(prompt: NonNullable<KeySources['prompt']>): Promise<string> {
  let problem: 'short' | 'differ' | undefined;
  for (let attempt = 0; attempt < NEW_PASSPHRASE_TRIES; attempt++) {
    const again = problem === undefined ? '' : AGAIN[problem];
    const first = await prompt({ message: `${again}New store passphrase`, confirm: false });
    if (first.length < 8) {
      problem = 'short';
      continue;
    }
    const second = await prompt({ message: 'Repeat the passphrase', confirm: true });
    if (first === second) return first;
    problem = 'differ';
  }
  if (problem === 'short') throw new StoreError('The passphrase must be at least 8 characters long.');
  throw new StoreError('The two passphrases differ; nothing was created.');
}
