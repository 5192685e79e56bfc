import { describe, expect, it } from 'vitest';
import { listConfigs } from '../../../src/commands/list/configs.js';
import { config, fakeContext, GROUP } from './fake-context.js';

describe('list (in-process)', () => {
  it('prints the configs sorted by name as JSON, never a secret', async () => {
    const fakes = await fakeContext({ configs: [config({ name: 'b' }), config({ name: 'a', scopes: [] })] });
    const output = await listConfigs(fakes.context, { json: true });
    expect(JSON.parse(output)).toEqual([
      expect.objectContaining({
        name: 'a',
        groupId: GROUP,
        auth: 'apiKey',
        publicKey: 'pubkey-abcd',
        roles: ['readWrite@app'],
        scopes: [],
        defaultTtlSeconds: 3600,
      }),
      expect.objectContaining({ name: 'b', scopes: ['Cluster0:CLUSTER'], maxTtl: '1d' }),
    ]);
    expect(output).not.toContain('priv-0000-1111');
  });

  it('prints a table, "(all)" for a config without scopes', async () => {
    const fakes = await fakeContext({ configs: [config({ scopes: [] })] });
    expect(await listConfigs(fakes.context, {})).toMatch(
      /^NAME\s+PROJECT\s+ROLES\s+SCOPES\s+DEFAULT TTL\s+MAX TTL\napp-db\s+\S+\s+readWrite@app\s+\(all\)\s+1h\s+1d\n$/,
    );
  });

  it('says how to create one when there are none', async () => {
    const fakes = await fakeContext({ configs: [] });
    expect(await listConfigs(fakes.context, {})).toBe('');
    expect(fakes.stderr).toEqual(['No configs yet. Create one with: dynsecret create NAME --group-id … --role readWrite@app']);
    expect(await listConfigs(fakes.context, { json: true })).toBe('[]\n');
  });
});
