// Bench fixtures made with dynsecret's own code (bundled by esbuild when the bench starts): lease records
// written into a store in one update, and optionally the matching users created in the Atlas stand-in, so
// a store of 10,000 leases takes a second rather than 10,000 `dynsecret lease` runs.
import { randomBytes } from 'node:crypto';
import { createAtlasClient } from '../../src/atlas/index.js';
import { generatePassword } from '../../src/rules/credentials.js';
import { leaseDescription, leaseLabels } from '../../src/rules/labels.js';
import { toAtlasDate } from '../../src/rules/ttl.js';
import type { LeaseRecord } from '../../src/store/schema.js';
import { EncryptedStore } from '../../src/store/store.js';

export interface SeedOptions {
  /** The DYNSECRET_HOME holding the store. */
  home: string;
  /** DYNSECRET_SESSION for that store. */
  session: string;
  config: string;
  count: number;
  /** Also create each user in Atlas (for revokes that must find them). */
  inAtlas?: boolean;
}

/** Adds `count` active lease records of `config`; returns their ids. */
export async function seedLeases(options: SeedOptions): Promise<string[]> {
  const store = new EncryptedStore({ folder: options.home, keys: { session: options.session } });
  const config = (await store.read()).configs.find((c) => c.name === options.config);
  if (!config) throw new Error(`no config ${options.config} in ${options.home}`);
  const now = Date.now();
  const records: LeaseRecord[] = Array.from({ length: options.count }, () => ({
    leaseId: `ds-${config.name}-${randomBytes(6).toString('hex')}`,
    config: config.name,
    createdAt: toAtlasDate(new Date(now)),
    expiresAt: toAtlasDate(new Date(now + 6 * 3_600_000)),
    maxExpiresAt: toAtlasDate(new Date(now + 24 * 3_600_000)),
    status: 'active',
  }));
  if (options.inAtlas) {
    const atlas = createAtlasClient({ baseUrl: config.baseUrl, groupId: config.groupId, auth: config.auth, env: {} });
    try {
      for (let i = 0; i < records.length; i += 16) {
        await Promise.all(
          records.slice(i, i + 16).map((record) =>
            atlas.createDatabaseUser({
              username: record.leaseId,
              password: generatePassword(),
              roles: config.roles,
              scopes: config.scopes,
              deleteAfterDate: record.expiresAt,
              description: leaseDescription(config.name),
              labels: leaseLabels(record),
            }),
          ),
        );
      }
    } finally {
      await atlas.close();
    }
  }
  await store.update((data) => {
    data.leases.push(...records);
  });
  return records.map((r) => r.leaseId);
}
