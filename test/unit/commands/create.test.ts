import { describe, expect, it } from 'vitest';
import { create } from '../../../src/commands/create.js';
import type { CreateOptions } from '../../../src/commands/create.js';
import type { DynamicSecretConfig } from '../../../src/config/schema.js';
import { verifyConfig } from '../../../src/service/verify-config.js';
import { config, fakeContext, GROUP, H, rejection, START, type FakeOptions } from './fake-context.js';

const FLAGS: CreateOptions = {
  name: 'reports',
  groupId: GROUP,
  publicKey: 'pubkey-abcd',
  privateKeyStdin: true,
  role: ['read@reports'],
  scope: ['Cluster0'],
  verify: true,
};

describe('create (in-process)', () => {
  it("saves the config with the secret from stdin, verified against Atlas (which records the cluster's connection string)", async () => {
    const fakes = await fakeContext({ stdin: 'priv-0000-1111' });
    await create(fakes.context, FLAGS, verifyConfig);
    const saved = (await fakes.store.read()).configs.find((c) => c.name === 'reports');
    expect(saved).toMatchObject({
      groupId: GROUP,
      auth: { kind: 'apiKey', publicKey: 'pubkey-abcd', privateKey: 'priv-0000-1111' },
      defaultTtlMs: H,
      maxTtlMs: 24 * H,
      roles: [{ roleName: 'read', databaseName: 'reports' }],
      scopes: [{ name: 'Cluster0', type: 'CLUSTER' }],
      connectionString: 'mongodb+srv://cluster0.abcde.mongodb.net',
      createdAt: START.toISOString(),
    });
    expect(fakes.atlas.calls.map((c) => c.method)).toEqual(['listDatabaseUsers', 'getCluster']);
    expect(fakes.audit).toEqual([{ config: 'reports' }]);
    expect(fakes.stderr).toEqual([`Created config reports: project ${GROUP}, default TTL 1 hour, max TTL 1 day.`]);
    expect(fakes.stderr.join('\n')).not.toContain('priv-0000-1111');
  });

  it('--no-verify saves without asking Atlas, and says so', async () => {
    const fakes = await fakeContext({ stdin: 'priv-0000-1111' });
    await create(fakes.context, { ...FLAGS, verify: false }, verifyConfig);
    expect(fakes.atlas.calls).toEqual([]);
    expect(fakes.stderr.at(-1)).toMatch(/\(not verified against Atlas\)\.$/);
  });

  it('--replace overwrites a config of the same name', async () => {
    const fakes = await fakeContext({ stdin: 'priv-0000-1111' });
    await create(fakes.context, { ...FLAGS, name: 'app-db', replace: true, maxTtl: '8h', verify: false });
    expect((await fakes.store.read()).configs.map((c) => [c.name, c.maxTtlMs])).toEqual([['app-db', 8 * H]]);
    expect(fakes.stderr.at(-1)).toMatch(/^Replaced config app-db:/);
  });

  it.each<[string, Partial<CreateOptions>, FakeOptions, number, RegExp]>([
    ['a name that exists, without --replace', { name: 'app-db' }, {}, 2, /^A config named app-db already exists\.$/],
    ['two secrets from stdin', { clientSecretStdin: true }, {}, 2, /^Only one secret can be read from stdin/],
    ['a bad project ID', { groupId: 'nope' }, {}, 2, /project ID|group/i],
    ['a role without a database', { role: ['read'] }, {}, 2, /role/i],
    ['a default TTL above the max TTL', { defaultTtl: '2h', maxTtl: '1h' }, {}, 2, /above the max TTL/],
    ['a missing CA file', { caFile: '/nonexistent/ca.pem' }, {}, 2, /^\/nonexistent\/ca\.pem does not exist\.$/],
  ])('refuses %s, saving nothing', async (_case, flags, fake, exitCode, message) => {
    const fakes = await fakeContext({ stdin: 'priv-0000-1111', ...fake });
    const error = await rejection(create(fakes.context, { ...FLAGS, ...flags }, verifyConfig));
    expect(error.exitCode).toBe(exitCode);
    expect(error.message).toMatch(message);
    expect((await fakes.store.read()).configs).toEqual([config()]);
    expect(fakes.audit).toEqual([]);
  });

  it('refuses a scope naming a cluster the project does not have (exit 5), saving nothing', async () => {
    const fakes = await fakeContext({ stdin: 'priv-0000-1111' });
    const error = await rejection(create(fakes.context, { ...FLAGS, scope: ['Nope'] }, verifyConfig));
    expect(error.exitCode).toBe(5);
    expect(error.message).toBe(`Project ${GROUP} has no cluster named Nope: check --scope.`);
    expect((await fakes.store.read()).configs.map((c: DynamicSecretConfig) => c.name)).toEqual(['app-db']);
  });
});
