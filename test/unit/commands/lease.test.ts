import { mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { lease, type LeaseCommandOptions } from '../../../src/commands/lease/lease.js';
import { StdoutError } from '../../../src/cli/io.js';
import { waitForApplied } from '../../../src/service/wait.js';
import { atlasError, config, fakeContext, H, iso, later, rejection, START, type FakeOptions } from './fake-context.js';

const storeOnly = { fromFile: false, audit: {} };

async function leased(options: Partial<LeaseCommandOptions> = {}, fake: FakeOptions = {}) {
  const fakes = await fakeContext(fake);
  expect(await lease(fakes.context, { name: 'app-db', format: 'json', ...options }, storeOnly, waitForApplied)).toBe('');
  // The command writes the credentials on stdout itself, so that one that cannot be written is revoked.
  return { fakes, output: fakes.stdout.join('') };
}

describe('lease (in-process, fake Atlas)', () => {
  it('creates the Atlas user, records the lease as active, notes it for the audit trail and prints the credentials once', async () => {
    const { fakes, output } = await leased();
    const printed = JSON.parse(output) as Record<string, string>;
    expect(printed).toMatchObject({ config: 'app-db', expiresAt: iso(later(H)), maxExpiresAt: iso(later(24 * H)), createdAt: iso(START) });
    expect(printed.username).toBe(printed.leaseId);
    expect(printed.connectionString).toContain('cluster0.abcde.mongodb.net');
    const user = fakes.atlas.users.get(printed.leaseId!)!;
    expect(user).toMatchObject({
      deleteAfterDate: iso(later(H)),
      password: printed.password,
      roles: [{ roleName: 'readWrite', databaseName: 'app' }],
    });
    expect(user.labels).toEqual(expect.arrayContaining([{ key: 'dynsecret.config', value: 'app-db' }]));
    expect(await fakes.leases()).toEqual([
      {
        leaseId: printed.leaseId,
        config: 'app-db',
        createdAt: iso(START),
        expiresAt: iso(later(H)),
        maxExpiresAt: iso(later(24 * H)),
        status: 'active',
      },
    ]);
    expect(fakes.audit).toEqual([{ config: 'app-db', leaseId: printed.leaseId, expiresAt: iso(later(H)) }]);
    expect(fakes.stderr).toEqual([`Leased ${printed.leaseId} from app-db; expires ${iso(later(H))} (in 1h).`]);
    expect(fakes.stderr.join('\n')).not.toContain(printed.password);
  });

  it('uses --ttl, and shell output by default when stdout is not a terminal', async () => {
    const { fakes, output } = await leased({ ttl: '15m', format: undefined });
    expect(output).toMatch(/^export DB_USERNAME='ds-app-db-/m);
    expect(output).toContain(`export DYNSECRET_LEASE_EXPIRES_AT='${iso(later(15 * 60_000))}'`);
    expect((await fakes.leases())[0]!.expiresAt).toBe(iso(later(15 * 60_000)));
  });

  it('--format env prints unquoted NAME=value lines', async () => {
    const { output } = await leased({ format: 'env', prefix: 'APP_' });
    expect(output).toMatch(/^APP_DB_USERNAME=ds-app-db-\S+$/m);
    expect(output).toMatch(/^DYNSECRET_LEASE_ID=\S+$/m);
  });

  it.each<[string, Partial<LeaseCommandOptions>, FakeOptions, number, RegExp]>([
    ['an unknown config', { name: 'nope' }, {}, 5, /^No config named nope\.$/],
    ['a bare number as TTL', { ttl: '10' }, {}, 2, /--ttl/],
    ['a TTL under a minute', { ttl: '30s' }, {}, 2, /^--ttl 30s is below the minimum of 1 minute; use --ttl 1m or more$/],
    ['a TTL above the max TTL', { ttl: '2d' }, {}, 2, /above the max TTL of this config/],
    ["a TTL above Atlas' 7 days", { ttl: '8d' }, { configs: [config({ maxTtlMs: 30 * 24 * H })] }, 2, /Atlas' limit of 7 days/],
    ['a prefix that makes bad names', { prefix: '1-' }, {}, 2, /^Invalid variable name "1-DB_USERNAME"/],
    ['an unknown format', { format: 'xml' }, {}, 2, /xml/],
    ['an unknown --cluster', { cluster: 'Nope' }, {}, 5, /CLUSTER_NOT_FOUND/],
    ['--github-env with --env-file', { githubEnv: true, envFile: '/tmp/x.env', format: undefined }, {}, 2, /two destinations/],
    ['--github-env with --format', { githubEnv: true }, {}, 2, /leave out --format/],
    ['no NAME and no --from-file', { name: undefined }, {}, 2, /Name the config/],
  ])('refuses %s before any user exists', async (_case, options, fake, exitCode, message) => {
    const fakes = await fakeContext(fake);
    const error = await rejection(lease(fakes.context, { name: 'app-db', format: 'json', ...options }, storeOnly, waitForApplied));
    expect(error.exitCode).toBe(exitCode);
    expect(error.message).toMatch(message);
    expect(fakes.atlas.calls.filter((c) => c.method === 'createDatabaseUser')).toEqual([]);
    expect(fakes.atlas.users.size).toBe(0);
    expect(await fakes.leases()).toEqual([]);
    expect(fakes.audit).toEqual([]);
  });

  it("forgets the intent when Atlas refuses the user (4xx: none can exist), and reports Atlas' error", async () => {
    const fakes = await fakeContext();
    fakes.atlas.fail('createDatabaseUser', atlasError(400, 'INVALID_ATTRIBUTE'));
    const error = await rejection(lease(fakes.context, { name: 'app-db', format: 'json' }, storeOnly));
    expect(error.message).toMatch(/INVALID_ATTRIBUTE/);
    expect(await fakes.leases()).toEqual([]);
    expect(fakes.atlas.calls.filter((c) => c.method === 'deleteDatabaseUser')).toEqual([]);
  });

  it('deletes a user that may exist after an unclear failure (5xx), then forgets the intent', async () => {
    const fakes = await fakeContext();
    fakes.atlas.fail('createDatabaseUser', atlasError(500, 'UNEXPECTED_ERROR'));
    await rejection(lease(fakes.context, { name: 'app-db', format: 'json' }, storeOnly));
    expect(fakes.atlas.calls.filter((c) => c.method === 'deleteDatabaseUser')).toHaveLength(1);
    expect(await fakes.leases()).toEqual([]);
  });

  it('keeps the intent as `creating` (for revoke --expired) when that delete fails too, and says so', async () => {
    const fakes = await fakeContext();
    fakes.atlas
      .fail('createDatabaseUser', atlasError(500, 'UNEXPECTED_ERROR'))
      .fail('deleteDatabaseUser', atlasError(503, 'SERVICE_UNAVAILABLE'));
    await rejection(lease(fakes.context, { name: 'app-db', format: 'json' }, storeOnly));
    expect((await fakes.leases()).map((l) => l.status)).toEqual(['creating']);
    expect(fakes.stderr.join('\n')).toMatch(
      /warning: could not check for ds-app-db-\S+ in Atlas .*run `dynsecret revoke --expired` later\./,
    );
  });

  it("--wait polls once a second until every scoped cluster is applied, on the context's clock", async () => {
    const fakes = await fakeContext();
    fakes.atlas.statuses = ['PENDING', 'PENDING', 'APPLIED'];
    await lease(fakes.context, { name: 'app-db', format: 'json', waitMs: 60_000 }, storeOnly, waitForApplied);
    expect(fakes.atlas.calls.filter((c) => c.method === 'getClusterStatus')).toHaveLength(3);
    expect(fakes.stderr).toContain('Applied to Cluster0 after 2s.');
    expect(fakes.signals.count()).toBe(0);
  });

  const undelivered = /; lease (ds-app-db-\S+) was revoked, since nobody received its credentials\.$/;

  it('--wait times out with exit 6 and revokes the lease, which nobody received', async () => {
    const fakes = await fakeContext();
    fakes.atlas.statuses = ['PENDING'];
    const error = await rejection(lease(fakes.context, { name: 'app-db', format: 'json', waitMs: 4000 }, storeOnly, waitForApplied));
    expect(error.exitCode).toBe(6);
    expect(error.message).toMatch(/^Timed out after 4s waiting for Atlas to apply (ds-app-db-\S+) to Cluster0; lease \1 was revoked/);
    expect(error.message).toMatch(undelivered);
    expect(fakes.atlas.users.size).toBe(0);
    expect(await fakes.leases()).toEqual([]);
    expect(fakes.stdout).toEqual([]);
  });

  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ] as const)('%s during --wait ends with exit %i and revokes the lease', async (signal, code) => {
    const fakes = await fakeContext();
    fakes.atlas.statuses = ['PENDING'];
    const context = { ...fakes.context, sleep: async () => fakes.signals.emit(signal) };
    const error = await rejection(lease(context, { name: 'app-db', format: 'json', waitMs: 60_000 }, storeOnly, waitForApplied));
    expect(error.exitCode).toBe(code);
    expect(error.origin).toBe('expected');
    expect(error.message).toMatch(
      new RegExp(`^Interrupted by ${signal} while waiting for Atlas to apply (ds-app-db-\\S+); lease \\1 was revoked`),
    );
    expect(fakes.atlas.users.size).toBe(0);
    expect(await fakes.leases()).toEqual([]);
    expect(fakes.signals.count()).toBe(0);
  });

  it('a signal while Atlas creates the user (no --wait) revokes it once Atlas has answered', async () => {
    const fakes = await fakeContext();
    const create = fakes.atlas.createDatabaseUser.bind(fakes.atlas);
    fakes.atlas.createDatabaseUser = async (user) => {
      fakes.signals.emit('SIGTERM');
      return create(user);
    };
    const error = await rejection(lease(fakes.context, { name: 'app-db', format: 'json' }, storeOnly, waitForApplied));
    expect(error.exitCode).toBe(143);
    expect(error.message).toMatch(/^Interrupted by SIGTERM before the credentials of (ds-app-db-\S+) were delivered; lease \1 was revoked/);
    expect(fakes.atlas.users.size).toBe(0);
    expect(fakes.stdout).toEqual([]);
  });

  it('a stdout that cannot be written (a reader gone) is exit 1, and the lease is revoked', async () => {
    const fakes = await fakeContext({ stdoutFailure: new StdoutError('EPIPE') });
    const error = await rejection(lease(fakes.context, { name: 'app-db', format: 'json' }, storeOnly, waitForApplied));
    expect(error.exitCode).toBe(1);
    expect(error.message).toMatch(/^Could not write the credentials to stdout \(EPIPE: nothing reads it any more\); lease ds-app-db-/);
    expect(error.message).toMatch(undelivered);
    expect(fakes.atlas.users.size).toBe(0);
    expect(await fakes.leases()).toEqual([]);
  });

  it.each([
    ['the store', undefined, /revoke it with `dynsecret revoke (ds-app-db-\S+)`\.$/],
    ['--from-file', { path: 'ci/app-db.json' }, /revoke it with `dynsecret revoke (ds-app-db-\S+) --from-file ci\/app-db\.json`\.$/],
  ])(
    'a revoke that fails too (with %s) names the command that retries it; the wait timeout exit 6 stands',
    async (_mode, configFile, retry) => {
      const fakes = await fakeContext();
      fakes.atlas.statuses = ['PENDING'];
      fakes.atlas.fail('deleteDatabaseUser', atlasError(503, 'SERVICE_UNAVAILABLE'));
      const context = { ...fakes.context, configFile };
      const error = await rejection(lease(context, { name: 'app-db', format: 'json', waitMs: 2000 }, storeOnly, waitForApplied));
      expect(error.exitCode).toBe(6);
      expect(error.message).toMatch(/; revoking lease (ds-app-db-\S+) failed too \(Atlas failed with HTTP 503/);
      expect(error.message).toMatch(retry);
      expect(fakes.atlas.users.size).toBe(1);
      expect((await fakes.leases()).map((l) => l.status)).toEqual(['revoke-failed']);
    },
  );

  describe('into files', () => {
    let folder = '';
    afterEach(async () => {
      if (folder) await rm(folder, { recursive: true, force: true });
    });

    it('--env-file writes the variables into a 0600 file and prints nothing on stdout', async () => {
      folder = await mkdtemp(join(tmpdir(), 'dynsecret-lease-'));
      const file = join(folder, '.env');
      const { fakes, output } = await leased({ envFile: file, format: undefined, prefix: 'APP_' });
      expect(output).toBe('');
      const text = await readFile(file, 'utf8');
      const leaseId = (await fakes.leases())[0]!.leaseId;
      expect(text).toContain(`DYNSECRET_LEASE_ID='${leaseId}'`);
      expect(text).toMatch(/^APP_DB_PASSWORD='\S+'$/m);
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      expect(fakes.stderr.at(-1)).toBe(`Wrote the credentials to ${file}.`);
    });

    it('--env-file that cannot be written ends the command before any user exists', async () => {
      folder = await mkdtemp(join(tmpdir(), 'dynsecret-lease-'));
      const fakes = await fakeContext();
      const error = await rejection(lease(fakes.context, { name: 'app-db', envFile: join(folder, 'missing', '.env') }, storeOnly));
      expect(error.exitCode).toBe(2);
      expect(fakes.atlas.calls.filter((c) => c.method === 'createDatabaseUser')).toEqual([]);
      expect(await fakes.leases()).toEqual([]);
    });

    it('--github-env prints only the mask commands, then appends the variables to $GITHUB_ENV', async () => {
      folder = await mkdtemp(join(tmpdir(), 'dynsecret-lease-'));
      const path = join(folder, 'github_env');
      const fakes = await fakeContext({ env: { GITHUB_ENV: path } });
      expect(await lease(fakes.context, { name: 'app-db', githubEnv: true }, storeOnly)).toBe('');
      const user = [...fakes.atlas.users.values()][0]!;
      expect(fakes.stdout.join('')).toMatch(
        new RegExp(`^::add-mask::${user.password!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\n::add-mask::mongodb\\+srv://`),
      );
      expect(await readFile(path, 'utf8')).toMatch(new RegExp(`^DYNSECRET_LEASE_ID<<(ghadelimiter_\\w+)\\n${user.username}\\n\\1$`, 'm'));
      expect(fakes.stderr.at(-1)).toBe(
        'Appended DB_USERNAME, DB_PASSWORD, MONGODB_URI, DYNSECRET_LEASE_ID, DYNSECRET_LEASE_EXPIRES_AT to $GITHUB_ENV for the next steps.',
      );
    });

    it('--github-env without GITHUB_ENV is a usage error before any user exists', async () => {
      const fakes = await fakeContext();
      const error = await rejection(lease(fakes.context, { name: 'app-db', githubEnv: true }, storeOnly));
      expect(error.exitCode).toBe(2);
      expect(error.message).toMatch(/^--github-env needs GITHUB_ENV/);
      expect(fakes.atlas.users.size).toBe(0);
    });

    it('revokes the user when the credentials cannot be delivered after all ($GITHUB_ENV turned into a folder)', async () => {
      folder = await mkdtemp(join(tmpdir(), 'dynsecret-lease-'));
      const path = join(folder, 'github_env');
      const fakes = await fakeContext({ env: { GITHUB_ENV: path } });
      // The check passes (the file can be created); the append then meets a folder made in between.
      const create = fakes.atlas.createDatabaseUser.bind(fakes.atlas);
      fakes.atlas.createDatabaseUser = async (user) => {
        await mkdir(path);
        return create(user);
      };
      const error = await rejection(lease(fakes.context, { name: 'app-db', githubEnv: true }, storeOnly));
      expect(error.exitCode).toBe(2);
      expect(fakes.atlas.users.size).toBe(0);
      expect(await fakes.leases()).toEqual([]);
    });
  });
});
