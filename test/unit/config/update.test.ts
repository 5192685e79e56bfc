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
const account: DynamicSecretConfig = {
  ...saved,
  auth: { kind: 'serviceAccount', clientId: 'mdb_sa_id_0123', clientSecret: 'mdb_sa_sk_0123' },
};
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

  it.each([
    ['client ID and secret', { clientId: 'id', clientSecret: 'secret' }],
    ['the client secret alone', { clientSecret: 'secret' }],
    ['the client ID alone', { clientId: 'id' }],
  ] satisfies [string, ConfigDraft][])('%s over an API key drop the whole key', (_what, changes) => {
    const next = applyChanges(draftOfConfig(saved), changes);
    expect(next).not.toHaveProperty('publicKey');
    expect(next).not.toHaveProperty('privateKey');
    expect(next).toMatchObject(changes);
  });

  it.each([
    ['public and private key', { publicKey: 'pk', privateKey: 'sk' }],
    ['the public key alone', { publicKey: 'pk' }],
    ['the private key alone', { privateKey: 'sk' }],
  ] satisfies [string, ConfigDraft][])('%s over a service account drop the whole account', (_what, changes) => {
    const next = applyChanges(draftOfConfig(account), changes);
    expect(next).not.toHaveProperty('clientId');
    expect(next).not.toHaveProperty('clientSecret');
    expect(next).toMatchObject(changes);
  });

  it.each([
    ['an API key', saved, { publicKey: 'abcdefgh', privateKey: saved.auth.kind === 'apiKey' ? saved.auth.privateKey : '' }],
    ['a service account', account, { clientId: 'mdb_sa_id_0123', clientSecret: 'mdb_sa_sk_0123' }],
  ])('a change that names no credentials keeps those of %s, and no other kind appears', (_what, config, credentials) => {
    const next = applyChanges(draftOfConfig(config), { maxTtl: '8h' });
    expect(next).toMatchObject({ ...credentials, maxTtl: '8h' });
    const other = 'clientId' in credentials ? ['publicKey', 'privateKey'] : ['clientId', 'clientSecret'];
    for (const key of other) expect(next[key as keyof ConfigDraft]).toBeUndefined();
  });

  it('a saved service account as a draft carries its client ID and secret, and no key', () => {
    const draft = draftOfConfig(account);
    expect(draft).toMatchObject({ clientId: 'mdb_sa_id_0123', clientSecret: 'mdb_sa_sk_0123' });
    expect(draft.publicKey).toBeUndefined();
    expect(draft.privateKey).toBeUndefined();
  });

  it('roles given replace the whole list', () => {
    expect(rebuilt({ roles: ['readWrite@other'] }).roles).toEqual([{ roleName: 'readWrite', databaseName: 'other' }]);
  });
});

describe('configChanges: what differs, in the order update reports it', () => {
  const withAuth = (auth: DynamicSecretConfig['auth']): DynamicSecretConfig => ({ ...saved, auth });
  it.each([
    ['nothing', saved, saved, []],
    ['an API key for a service account', saved, account, ['auth-now-service-account']],
    ['a service account for an API key', account, saved, ['auth-now-api-key']],
    [
      'the client ID',
      account,
      withAuth({ kind: 'serviceAccount', clientId: 'mdb_sa_id_9999', clientSecret: 'mdb_sa_sk_0123' }),
      ['client-id'],
    ],
    [
      'the client secret',
      account,
      withAuth({ kind: 'serviceAccount', clientId: 'mdb_sa_id_0123', clientSecret: 'mdb_sa_sk_9999' }),
      ['client-secret'],
    ],
    [
      'client ID and secret',
      account,
      withAuth({ kind: 'serviceAccount', clientId: 'mdb_sa_id_9999', clientSecret: 'mdb_sa_sk_9999' }),
      ['client-id', 'client-secret'],
    ],
    ['the service account, nothing of it changed', account, { ...account }, []],
    ['the CA file', saved, { ...saved, caFile: '/etc/ssl/atlas.pem' }, ['ca-file']],
    ['the CA file removed', { ...saved, caFile: '/etc/ssl/atlas.pem' }, saved, ['ca-file']],
    [
      'everything but the credentials, in order',
      saved,
      {
        ...saved,
        baseUrl: 'https://cloud-gov.mongodb.com',
        caFile: '/ca.pem',
        defaultTtlMs: 60_000,
        maxTtlMs: 60_000,
        roles: [{ roleName: 'read', databaseName: 'x' }],
        scopes: [{ name: 'C9', type: 'CLUSTER' }],
        usernameTemplate: 'u-{random}',
      },
      ['base-url', 'ca-file', 'default-ttl', 'max-ttl', 'roles', 'scopes', 'username-template'],
    ],
  ] satisfies [string, DynamicSecretConfig, DynamicSecretConfig, ConfigChange[]][])('%s', (_what, before, after, changes) => {
    expect(configChanges(before, after)).toEqual(changes);
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
