import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EmulatorInfo } from './emulator.js';

/** A `--from-file` document for the emulator (no secret in it) and the environment that holds the keys. */
export interface ConfigFile {
  folder: string;
  path: string;
  /** The API key and endpoint in MONGODB_ATLAS_*, and a DYNSECRET_HOME that must never come to exist. */
  env: Record<string, string>;
  home: string;
}

export function configFile(
  em: EmulatorInfo,
  fields: Record<string, unknown> = {},
  folder = mkdtempSync(join(tmpdir(), 'dynsecret-file-')),
): ConfigFile {
  const document = {
    name: 'app-db',
    groupId: em.groupId,
    baseUrl: em.url,
    roles: ['readWrite@app'],
    scopes: [em.clusters[0] ?? 'Cluster0'],
    ...fields,
  };
  const path = join(folder, `${String(document.name)}.json`);
  writeFileSync(path, `${JSON.stringify(document, null, 2)}\n`);
  const home = join(folder, 'no-store-here');
  return {
    folder,
    path,
    home,
    env: {
      MONGODB_ATLAS_PUBLIC_API_KEY: em.publicKey,
      MONGODB_ATLAS_PRIVATE_API_KEY: em.privateKey,
      // Without a store, the endpoint is the environment's: the file's baseUrl may only repeat it.
      MONGODB_ATLAS_BASE_URL: em.url,
      DYNSECRET_HOME: home,
    },
  };
}
