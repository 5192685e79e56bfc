import { describe, expect, it } from 'vitest';
import { update, type UpdateOptions } from '../../../src/commands/update.js';
import { verifyConfig } from '../../../src/service/verify-config.js';
import { config, fakeContext, H, iso, later, rejection, START } from './fake-context.js';

describe('update (in-process)', () => {
  it('changes what is given, keeps the rest, and tells live leases how renewals are capped', async () => {
    const fakes = await fakeContext({
      leases: [
        {
          leaseId: 'ds-a',
          config: 'app-db',
          createdAt: iso(START),
          expiresAt: iso(later(H)),
          maxExpiresAt: iso(later(24 * H)),
          status: 'active',
        },
      ],
    });
    await update(fakes.context, { name: 'app-db', verify: true, maxTtl: '8h' }, verifyConfig);
    expect((await fakes.store.read()).configs).toEqual([config({ maxTtlMs: 8 * H })]);
    expect(fakes.atlas.calls).toEqual([]);
    expect(fakes.audit).toEqual([{ config: 'app-db' }]);
    expect(fakes.stderr).toEqual([
      'Updated config app-db: max TTL.',
      '1 live lease(s) keep their expiry; renewing them stops at the lower of the max they were issued with and the new max TTL (8 hours from their creation).',
    ]);
  });

  it('verifies new credentials against Atlas before saving them', async () => {
    const fakes = await fakeContext({ stdin: 'priv-new' });
    await update(fakes.context, { name: 'app-db', verify: true, privateKeyStdin: true }, verifyConfig);
    expect((await fakes.store.read()).configs[0]!.auth).toEqual({ kind: 'apiKey', publicKey: 'pubkey-abcd', privateKey: 'priv-new' });
    expect(fakes.atlas.calls.map((c) => c.method)).toContain('listDatabaseUsers');
    expect(fakes.stderr.at(-1)).toBe('Updated config app-db: private key (verified against Atlas).');
  });

  it('says so when nothing would change', async () => {
    const fakes = await fakeContext();
    await update(fakes.context, { name: 'app-db', verify: true, maxTtl: '24h' }, verifyConfig);
    expect(fakes.stderr).toEqual(['Config app-db already is as given; nothing was changed.']);
    expect(fakes.audit).toEqual([]);
  });

  it.each<[string, Partial<UpdateOptions> & { name?: string }, number, RegExp]>([
    ['an unknown config', { name: 'nope', maxTtl: '8h' }, 5, /^No config named nope\.$/],
    ['nothing to change', {}, 2, /^Nothing to update/],
    ['a max TTL below the default TTL', { maxTtl: '30m' }, 2, /above the max TTL/],
    ['two secrets from stdin', { privateKeyStdin: true, clientSecretStdin: true }, 2, /^Only one secret/],
  ])('refuses %s, changing nothing', async (_case, options, exitCode, message) => {
    const fakes = await fakeContext();
    const error = await rejection(update(fakes.context, { name: 'app-db', verify: true, ...options }, verifyConfig));
    expect(error.exitCode).toBe(exitCode);
    expect(error.message).toMatch(message);
    expect((await fakes.store.read()).configs).toEqual([config()]);
  });
});
