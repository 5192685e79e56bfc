import { describe, expect, it } from 'vitest';
import { configSchemas } from '../../../src/config/schema.js';
import { schemas } from '../../../src/store/schema.js';

// The config's one schema (src/config/schema.ts), which the store checks stored configs against.
const valid = {
  name: 'app-db',
  groupId: 'a'.repeat(24),
  baseUrl: 'https://cloud.mongodb.com',
  auth: { kind: 'apiKey', publicKey: 'abcdefgh', privateKey: 'secret' },
  defaultTtlMs: 3_600_000,
  maxTtlMs: 86_400_000,
  roles: [{ roleName: 'readWrite', databaseName: 'app' }],
  scopes: [],
  createdAt: '2026-11-29T00:00:00.000Z',
};

const cases: [string, unknown, boolean][] = [
  ['a minimal API-key config', valid, true],
  ['a service account', { ...valid, auth: { kind: 'serviceAccount', clientId: 'id', clientSecret: 's' } }, true],
  [
    'every optional field',
    {
      ...valid,
      caFile: '/ca.pem',
      usernameTemplate: 'x-{random}',
      connectionString: 'mongodb+srv://c0',
      scopes: [{ name: 'lake1', type: 'DATA_LAKE' }],
    },
    true,
  ],
  ['a role with a collection', { ...valid, roles: [{ roleName: 'read', databaseName: 'app', collectionName: 'orders' }] }, true],
  ['an unknown field', { ...valid, surprise: 1 }, true],
  ['no roles', { ...valid, roles: [] }, false],
  ['a zero TTL', { ...valid, defaultTtlMs: 0 }, false],
  ['a fractional TTL', { ...valid, maxTtlMs: 1.5 }, false],
  ['a TTL beyond safe integers', { ...valid, maxTtlMs: 2 ** 60 }, false],
  ['a TTL as text', { ...valid, defaultTtlMs: '3600000' }, false],
  ['an unknown scope type', { ...valid, scopes: [{ name: 'c', type: 'SERVERLESS' }] }, false],
  ['an unknown auth kind', { ...valid, auth: { kind: 'password', password: 'x' } }, false],
  ['an API key without its private key', { ...valid, auth: { kind: 'apiKey', publicKey: 'abcdefgh' } }, false],
  ['no createdAt', { ...valid, createdAt: undefined }, false],
  ['a null caFile', { ...valid, caFile: null }, false],
  ['not an object', 'app-db', false],
];

describe('the config schema', () => {
  it.each(cases)('%s: accepted %s', (_what, input, accepted) => {
    const parsed = configSchemas().configSchema.safeParse(input);
    expect(parsed.success).toBe(accepted);
    // An unknown field is dropped, never carried into the store.
    if (parsed.success) expect(parsed.data).not.toHaveProperty('surprise');
  });

  it('is the schema the store checks stored configs against', () => {
    expect(schemas().storedConfigSchema).toBe(configSchemas().configSchema);
  });
});
