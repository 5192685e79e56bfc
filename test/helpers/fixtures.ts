import type { StoreData } from '../../src/store/schema.js';

export const TEST_PRIVATE_KEY = 'PRIVATE-KEY-VALUE-1234';

/** A valid config as the store keeps it; `overrides` change single fields. */
export const sampleConfig = (name: string, overrides: Partial<StoreData['configs'][number]> = {}): StoreData['configs'][number] => ({
  name,
  groupId: 'a'.repeat(24),
  baseUrl: 'https://cloud.mongodb.com',
  auth: { kind: 'apiKey', publicKey: 'abcdefgh', privateKey: TEST_PRIVATE_KEY },
  defaultTtlMs: 3_600_000,
  maxTtlMs: 86_400_000,
  roles: [{ roleName: 'readWrite', databaseName: 'app' }],
  scopes: [],
  createdAt: '2026-11-29T00:00:00.000Z',
  ...overrides,
});
