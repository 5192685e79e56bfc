import { describe, expect, it } from 'vitest';
import { dynamicSecretConfigSchema } from '../../../src/config/schema.js';
import { schemas } from '../../../src/store/schema.js';

// The store repeats the config's shape in zod/mini (see src/store/schema.ts); both must accept and refuse the same.
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

const cases: [string, unknown][] = [
  ['a minimal API-key config', valid],
  ['a service account', { ...valid, auth: { kind: 'serviceAccount', clientId: 'id', clientSecret: 's' } }],
  ['every optional field', { ...valid, caFile: '/ca.pem', usernameTemplate: 'x-{random}', connectionString: 'mongodb+srv://c0', scopes: [{ name: 'lake1', type: 'DATA_LAKE' }] }],
  ['a role with a collection', { ...valid, roles: [{ roleName: 'read', databaseName: 'app', collectionName: 'orders' }] }],
  ['an unknown field', { ...valid, surprise: 1 }],
  ['no roles', { ...valid, roles: [] }],
  ['a zero TTL', { ...valid, defaultTtlMs: 0 }],
  ['a fractional TTL', { ...valid, maxTtlMs: 1.5 }],
  ['a TTL beyond safe integers', { ...valid, maxTtlMs: 2 ** 60 }],
  ['a TTL as text', { ...valid, defaultTtlMs: '3600000' }],
  ['an unknown scope type', { ...valid, scopes: [{ name: 'c', type: 'SERVERLESS' }] }],
  ['an unknown auth kind', { ...valid, auth: { kind: 'password', password: 'x' } }],
  ['an API key without its private key', { ...valid, auth: { kind: 'apiKey', publicKey: 'abcdefgh' } }],
  ['no createdAt', { ...valid, createdAt: undefined }],
  ['a null caFile', { ...valid, caFile: null }],
  ['not an object', 'app-db'],
];

describe('the stored config schema', () => {
  it.each(cases)('treats %s as the config schema does', (_what, input) => {
    const classic = dynamicSecretConfigSchema.safeParse(input);
    const stored = schemas().storedConfigSchema.safeParse(input);
    expect(stored.success).toBe(classic.success);
    if (classic.success && stored.success) expect(stored.data).toEqual(classic.data);
  });

  it('has a case that each schema accepts and one each refuses', () => {
    const verdicts = cases.map(([, input]) => dynamicSecretConfigSchema.safeParse(input).success);
    expect(verdicts).toContain(true);
    expect(verdicts).toContain(false);
  });
});
