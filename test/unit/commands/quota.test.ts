import { describe, expect, it } from 'vitest';
import { AtlasApiError } from '../../../src/atlas/index.js';
import { lease } from '../../../src/commands/lease/lease.js';
import { listLeases } from '../../../src/commands/list/leases.js';
import { revoke } from '../../../src/commands/revoke.js';
import { describeError } from '../../../src/cli/error-text.js';
import { reportedLimit } from '../../../src/service/quota.js';
import { waitForApplied } from '../../../src/service/wait.js';
import { fakeContext, H, iso, later, rejection, type Fakes } from './fake-context.js';

const LIMIT_DETAIL = 'Groups can contain at most 250 database users.';

function userLimit(detail: string | undefined, parameters: string[] = []): AtlasApiError {
  return new AtlasApiError({
    kind: 'forbidden',
    status: 403,
    errorCode: 'GROUP_USERS_LIMIT_EXCEEDED',
    detail,
    parameters,
    method: 'POST',
    path: '/api/atlas/v2/groups/x/databaseUsers',
    subject: { groupId: 'b0123456789abcdef012345b', authKind: 'apiKey', creating: true },
  });
}

/** Leases made elsewhere, in Atlas only: `live` still within their expiry and max TTL, `stale` past their max TTL. */
function seedAtlas(fakes: Fakes, counts: { live: number; stale: number; other: number; otherConfig?: number }) {
  const add = (leaseId: string, config: string, maxExpiresAt: Date) =>
    fakes.atlas.addLease({ leaseId, config, createdAt: iso(later(-48 * H)), expiresAt: iso(later(H)), maxExpiresAt: iso(maxExpiresAt) });
  for (let i = 0; i < counts.live; i++) add(`ds-app-db-live${i}`, 'app-db', later(24 * H));
  for (let i = 0; i < counts.stale; i++) add(`ds-app-db-stale${i}`, 'app-db', later(-H));
  for (let i = 0; i < (counts.otherConfig ?? 0); i++) add(`ds-other-stale${i}`, 'other-db', later(-H));
  for (let i = 0; i < counts.other; i++) {
    fakes.atlas.users.set(`app-user-${i}`, {
      username: `app-user-${i}`,
      databaseName: 'admin',
      groupId: 'g',
      roles: [],
      scopes: [],
      labels: [],
    });
  }
}

describe('the project user limit', () => {
  it.each([
    [LIMIT_DETAIL, [], 250],
    ['Groups can contain at most 100 database users', [], 100],
    [undefined, ['250'], 250],
    [undefined, [], undefined],
    ['Something else', ['abc'], undefined],
  ] as const)('reads the limit from %j %j: %s', (detail, parameters, limit) => {
    expect(reportedLimit(userLimit(detail, [...parameters]))).toBe(limit);
  });

  it.each([
    [LIMIT_DETAIL, 'already has the 250 database users Atlas allows'],
    [undefined, 'already has the 100 database users Atlas allows'],
  ])('words the raw refusal (outside a lease) with the limit Atlas named: %j', (detail, words) => {
    expect(describeError(userLimit(detail)).message).toContain(words);
  });

  it.each([
    { fromFile: undefined, command: 'dynsecret revoke --expired' },
    { fromFile: 'ci/app-db.json', command: 'dynsecret revoke --expired --from-file ci/app-db.json' },
  ])(
    'says so in one sentence with the limit, the leases, the stale ones and the clean-up command ($command), without retrying',
    async ({ fromFile, command }) => {
      const fakes = await fakeContext();
      seedAtlas(fakes, { live: 3, stale: 2, other: 4, otherConfig: 1 });
      fakes.atlas.fail('createDatabaseUser', userLimit(LIMIT_DETAIL, ['250']));
      const failure = await rejection(
        lease(
          fakes.context,
          { name: 'app-db', format: 'json', ...(fromFile === undefined ? {} : { fromFile }) },
          { fromFile: false, audit: {} },
          waitForApplied,
        ),
      );
      expect(failure.exitCode).toBe(1);
      expect(failure.message).toBe(
        `Atlas project b0123456789abcdef012345b is at its limit of 250 database users (6 of them are dynsecret leases, 3 of those past their expiry or max TTL), so no lease can be created (Atlas error GROUP_USERS_LIMIT_EXCEEDED); clean up with: ${command}`,
      );
      expect(fakes.atlas.calls.filter((c) => c.method === 'createDatabaseUser')).toHaveLength(1);
      expect(await fakes.leases()).toEqual([]);
    },
  );

  it('still says what it can when the users cannot be counted', async () => {
    const fakes = await fakeContext();
    fakes.atlas.fail('createDatabaseUser', userLimit(undefined));
    fakes.atlas.fail('listAllDatabaseUsers', new Error('boom'));
    const failure = await rejection(
      lease(fakes.context, { name: 'app-db', format: 'json' }, { fromFile: false, audit: {} }, waitForApplied),
    );
    expect(failure.message).toMatch(
      /^Atlas project \S+ is at its limit of database users, so no lease can be created .*clean up with: dynsecret revoke --expired$/,
    );
  });

  it('revoke --expired reaches the stale leases of other machines in Atlas, and leaves live ones and other configs alone', async () => {
    const fakes = await fakeContext();
    seedAtlas(fakes, { live: 2, stale: 2, other: 1, otherConfig: 1 });
    const output = await revoke(fakes.context, { leaseIds: [], expired: true, json: true });
    expect((JSON.parse(output) as { leaseId: string; outcome: string }[]).map((r) => [r.leaseId, r.outcome])).toEqual([
      ['ds-app-db-stale0', 'revoked'],
      ['ds-app-db-stale1', 'revoked'],
    ]);
    expect([...fakes.atlas.users.keys()].sort()).toEqual(['app-user-0', 'ds-app-db-live0', 'ds-app-db-live1', 'ds-other-stale0']);
  });

  it('revoke --expired --config NAME asks Atlas about that config only, and warns when it cannot', async () => {
    const fakes = await fakeContext();
    seedAtlas(fakes, { live: 0, stale: 1, other: 0 });
    fakes.atlas.fail(
      'listAllDatabaseUsers',
      new AtlasApiError({ kind: 'server', status: 503, method: 'GET', path: '/x', subject: { groupId: 'g', authKind: 'apiKey' } }),
    );
    await revoke(fakes.context, { leaseIds: [], expired: true, config: 'app-db' });
    expect(fakes.stderr.some((l) => l.startsWith('warning: could not look for expired leases of app-db in Atlas'))).toBe(true);
    expect(fakes.stderr).toContain('Nothing to revoke.');
  });

  it.each([
    [79, false],
    [80, true],
    [100, true],
  ])('list --remote shows the user count when the project has %i users: %s', async (users, shown) => {
    const fakes = await fakeContext();
    seedAtlas(fakes, { live: 0, stale: 0, other: users });
    await listLeases(fakes.context, { name: 'app-db', remote: true });
    const line = `The project has ${users} database users of the 100 Atlas allows by default; at the limit no lease can be created.`;
    expect(fakes.stderr.includes(line)).toBe(shown);
  });
});
