// Throwaway dynsecret homes for the bench, made through the CLI itself: a config created against an
// emulator, and the session key that unlocks its store (so runs pay no scrypt unless they mean to).
import { mkdirSync, rmSync } from 'node:fs';
import { timeRun } from './measure.mjs';
import { DYNSECRET_BIN, TMP } from './paths.mjs';

export const PASSPHRASE = 'bench passphrase, not a secret';
export const CONFIG = 'bench';
export const SA_CONFIG = 'bench-sa';

/** Variables of the caller's shell that would change what dynsecret does rather than what Node costs. */
const BEHAVIOUR = /^(DYNSECRET_|MONGODB_ATLAS_|FORCE_COLOR$|NO_COLOR$|CI$|(HTTPS?|NO|ALL)_PROXY$)/i;

/**
 * The environment of a run: the caller's own (what `hyperfine` or a script started from the same shell
 * sees, Node's own variables such as NODE_EXTRA_CA_CERTS included) without anything that would change
 * dynsecret's behaviour, or with `clean`, nothing but PATH and HOME. Either way plus `extra`.
 */
export function cliEnv(home, extra = {}, { clean = false } = {}) {
  const base = clean
    ? { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp' }
    : Object.fromEntries(Object.entries(process.env).filter(([name]) => !BEHAVIOUR.test(name)));
  return { ...base, NO_COLOR: '1', DYNSECRET_HOME: home, ...extra };
}

export const dynsecret = (args) => [process.execPath, DYNSECRET_BIN, ...args];

/** `create` arguments for a config against `emulator`, scoped to its first cluster. */
export const createArgs = (name, emulator) => [
  'create',
  name,
  '--group-id',
  emulator.groupId,
  '--base-url',
  emulator.url,
  '--role',
  'readWrite@app',
  '--scope',
  emulator.clusters[0],
];

export const apiKeyEnv = (emulator) => ({
  MONGODB_ATLAS_PUBLIC_API_KEY: emulator.publicKey,
  MONGODB_ATLAS_PRIVATE_API_KEY: emulator.privateKey,
});

/**
 * A home with the config `bench` (API key) and, when asked, `bench-sa` (service account) against
 * `emulator`. Returns `{ home, session, env }`, `env` unlocking the store with DYNSECRET_SESSION.
 */
export async function makeHome(name, emulator, { serviceAccount = false } = {}) {
  const home = `${TMP}/${name}`;
  rmSync(home, { recursive: true, force: true });
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const setup = cliEnv(home, { DYNSECRET_PASSPHRASE: PASSPHRASE, ...apiKeyEnv(emulator) });
  await timeRun(dynsecret(createArgs(CONFIG, emulator)), { env: setup });
  if (serviceAccount) {
    await timeRun(dynsecret([...createArgs(SA_CONFIG, emulator)]), {
      env: {
        ...cliEnv(home, { DYNSECRET_PASSPHRASE: PASSPHRASE }),
        MONGODB_ATLAS_CLIENT_ID: emulator.clientId,
        MONGODB_ATLAS_CLIENT_SECRET: emulator.clientSecret,
      },
    });
  }
  const { stdout } = await timeRun(dynsecret(['unlock']), { env: setup });
  const session = /DYNSECRET_SESSION='([^']+)'/.exec(stdout)?.[1];
  if (!session) throw new Error('dynsecret unlock printed no DYNSECRET_SESSION');
  return {
    home,
    session,
    env: cliEnv(home, { DYNSECRET_SESSION: session }),
    cleanEnv: cliEnv(home, { DYNSECRET_SESSION: session }, { clean: true }),
  };
}
