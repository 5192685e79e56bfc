import { randomBytes, randomUUID } from 'node:crypto';
import { copyFileSync } from 'node:fs';
import { tempHome } from './bin.js';
import { startEmulator, workspace, workspaceAt, type ConfigSpec, type Emulator, type Workspace } from './emulator.js';
import { join } from 'node:path';
import { EncryptedStore } from '../../src/store/store.js';

/**
 * Many emulators that share one API key and project, and stores copied from one template. Creating a store
 * costs two passphrase derivations (create, unlock); a copy re-pointed at its emulator costs none, so each
 * fault or crash scenario can have an emulator of its own without paying for a new store.
 */
export interface Fleet {
  /** A new emulator (same key and project as the others) with extra flags. */
  emulator(flags?: readonly string[]): Promise<Emulator>;
  /** A new store holding the template's configs, pointed at `em`. */
  workspace(em: Emulator): Promise<Workspace>;
}

export async function fleet(configs: ConfigSpec[]): Promise<Fleet> {
  const identity = [
    '--public-key',
    `rel${randomBytes(3).toString('hex')}`,
    '--private-key',
    randomUUID(),
    '--group-id',
    randomBytes(12).toString('hex'),
  ];
  const emulator = (flags: readonly string[] = []) => startEmulator(['--apply-delay', '0s', '--quiet', ...identity, ...flags]);
  const seed = await emulator();
  const template = await workspace(seed, configs);
  await seed.stop();
  return {
    emulator,
    workspace: async (em) => {
      const home = tempHome();
      copyFileSync(join(template.home, 'store.json'), join(home, 'store.json'));
      const ws = workspaceAt(home, template.env);
      await new EncryptedStore({ folder: home, keys: { session: ws.env.DYNSECRET_SESSION } }).update((data) => {
        for (const config of data.configs) config.baseUrl = em.url;
      });
      return ws;
    },
  };
}
