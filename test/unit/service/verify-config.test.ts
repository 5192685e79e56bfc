import { describe, expect, it } from 'vitest';
import { verifyConfig } from '../../../src/service/verify-config.js';
import { atlasError, config, fakeContext, GROUP, rejection } from '../commands/fake-context.js';

describe('verifyConfig (in-process, fake Atlas)', () => {
  it.each([
    [
      'one CLUSTER scope records its connection string',
      [{ name: 'Cluster0', type: 'CLUSTER' as const }],
      'mongodb+srv://cluster0.abcde.mongodb.net',
    ],
    ['no scope records none (and drops a stale one)', [], undefined],
  ])('%s', async (_case, scopes, connectionString) => {
    const fakes = await fakeContext();
    const verified = await verifyConfig(fakes.context, config({ scopes, connectionString: 'mongodb+srv://stale.example.net' }));
    expect(verified.connectionString).toBe(connectionString);
  });

  it('refuses a scope the project does not have, with exit 5', async () => {
    const fakes = await fakeContext();
    const error = await rejection(verifyConfig(fakes.context, config({ scopes: [{ name: 'Nope', type: 'CLUSTER' }] })));
    expect({ exitCode: error.exitCode, message: error.message }).toEqual({
      exitCode: 5,
      message: `Project ${GROUP} has no cluster named Nope: check --scope.`,
    });
  });

  it('passes on Atlas rejecting the credentials', async () => {
    const fakes = await fakeContext();
    const failure = atlasError(401, 'UNAUTHORIZED');
    fakes.atlas.fail('listDatabaseUsers', failure);
    await expect(verifyConfig(fakes.context, config())).rejects.toBe(failure);
  });
});
