import { describe, expect, it } from 'vitest';
import { buildConfig, type ConfigDraft } from '../../../src/config/draft.js';
import type { DynamicSecretConfig } from '../../../src/config/schema.js';
import {
  applyChanges,
  CHANGE_WORDS,
  configChanges,
  draftOfConfig,
  needsVerification,
  type ConfigChange,
} from '../../../src/config/changes.js';
import { sampleConfig } from '../../helpers/fixtures.js';

const NOW = new Date('2026-11-30T00:00:00Z');
const saved: DynamicSecretConfig = sampleConfig('app-db', {
  defaultTtlMs: (1 * 86_400 + 2 * 3600 + 3 * 60 + 4) * 1000,
  maxTtlMs: 3 * 86_400_000,
  roles: [
    { roleName: 'read', databaseName: 'app', collectionName: 'orders' },
    { roleName: 'readWrite', databaseName: 'logs' },
  ],
  scopes: [
    { name: 'Cluster0', type: 'CLUSTER' },
    { name: 'lake1', type: 'DATA_LAKE' },
  ],
  usernameTemplate: 'ds-{config}-{random}',
  connectionString: 'mongodb+srv://cluster0.example.mongodb.net',
});
const rebuilt = (changes: Parameters<typeof applyChanges>[1]) => buildConfig(applyChanges(draftOfConfig(saved), changes), NOW).config;

describe('update: the saved config as a draft, judged again by the rules of create', () => {
  it('an empty change rebuilds the very same config (TTLs to the second, roles, scopes, template)', () => {
    const { createdAt: _c, connectionString: _s, ...expected } = saved;
    const { createdAt: _n, ...config } = rebuilt({});
    expect(config).toEqual(expected);
    expect(configChanges(saved, { ...rebuilt({}), createdAt: saved.createdAt })).toEqual([]);
  });

  it.each([
    [{ maxTtl: '8h', defaultTtl: '30m' }, ['default-ttl', 'max-ttl']],
    [{ roles: ['read@reports'] }, ['roles']],
    [{ scopes: ['Cluster1'] }, ['scopes']],
    [{ privateKey: 'NEW-PRIVATE-KEY-0000' }, ['private-key']],
    [{ publicKey: 'newpublic', privateKey: 'NEW-PRIVATE-KEY-0000' }, ['public-key', 'private-key']],
    [{ clientId: 'mdb_sa_id_1', clientSecret: 'mdb_sa_sk_secret' }, ['auth-now-service-account']],
    [{ baseUrl: 'https://cloud-gov.mongodb.com' }, ['base-url']],
    [{ usernameTemplate: 'x-{random}' }, ['username-template']],
  ] satisfies [ConfigDraft, ConfigChange[]][])('%j changes %j, nothing else', (changes, kinds) => {
    const next = { ...rebuilt(changes), createdAt: saved.createdAt };
    expect(configChanges(saved, next)).toEqual(kinds);
  });

  it.each([
    [{ defaultTtl: '4d' }, /default TTL .* is above the max TTL/],
    [{ maxTtl: '1h' }, /default TTL .* is above the max TTL/],
    [{ roles: ['nonsense'] }, /Invalid --role/],
    [{ roles: ['atlasAdmin@app'] }, /admin database/],
    [{ scopes: ['bad name'] }, /Invalid --scope/],
    [{ baseUrl: 'http://example.com' }, /Invalid --base-url/],
    [{ privateKey: 'has space' }, /Invalid private key/],
    [{ clientId: 'only-the-id' }, /Missing service account client secret/],
    [{ usernameTemplate: 'no-random' }, /.+/],
    [{ defaultTtl: '0s' }, /greater than zero/],
  ])('%j is refused by the rules of create', (changes, message) => {
    expect(() => rebuilt(changes)).toThrow(message);
  });

  it('a service account over an API key drops the key, and the reverse', () => {
    const sa = applyChanges(draftOfConfig(saved), { clientId: 'id', clientSecret: 'secret' });
    expect(sa).not.toHaveProperty('publicKey');
    expect(sa).not.toHaveProperty('privateKey');
    const back = applyChanges(sa, { publicKey: 'pk', privateKey: 'sk' });
    expect(back).not.toHaveProperty('clientId');
    expect(back).toMatchObject({ publicKey: 'pk', privateKey: 'sk' });
  });

  it('roles given replace the whole list', () => {
    expect(rebuilt({ roles: ['readWrite@other'] }).roles).toEqual([{ roleName: 'readWrite', databaseName: 'other' }]);
  });
});

describe('update: which changes Atlas must confirm first', () => {
  it.each([
    ['auth-now-api-key', true],
    ['auth-now-service-account', true],
    ['public-key', true],
    ['private-key', true],
    ['client-id', true],
    ['client-secret', true],
    ['base-url', true],
    ['ca-file', true],
    ['scopes', true],
    ['default-ttl', false],
    ['max-ttl', false],
    ['roles', false],
    ['username-template', false],
  ] satisfies [ConfigChange, boolean][])('%s: %s', (change, verified) => {
    expect(needsVerification([change])).toBe(verified);
    expect(needsVerification(['roles', change])).toBe(verified);
    expect(CHANGE_WORDS[change]).toMatch(/^[a-zA-Z (),]+$/);
  });

  it('no change needs nothing', () => expect(needsVerification([])).toBe(false));
});
