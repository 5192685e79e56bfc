import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { Context } from '../../../src/cli/context.js';

// The wiring only: argv in, typed options out, with every command module replaced by a spy.
const spies = vi.hoisted(() => ({
  create: vi.fn(async () => undefined),
  verifyConfig: vi.fn(),
  lease: vi.fn(async () => ''),
  renew: vi.fn(async () => ''),
  revoke: vi.fn(async () => ''),
  listConfigs: vi.fn(async () => ''),
  listLeases: vi.fn(async () => ''),
  showAudit: vi.fn(async () => ''),
  deleteConfig: vi.fn(async () => undefined),
  unlock: vi.fn(async () => ''),
  run: vi.fn(async () => ({ exitCode: 0 })),
  update: vi.fn(async () => undefined),
  passwd: vi.fn(async () => undefined),
}));
// Each handler module keeps its other exports; only the handler is a spy.
vi.mock('../../../src/commands/create.js', async (importOriginal) => ({ ...(await importOriginal<object>()), create: spies.create }));
vi.mock('../../../src/service/verify-config.js', () => ({ verifyConfig: spies.verifyConfig }));
vi.mock('../../../src/commands/lease/lease.js', async (importOriginal) => ({ ...(await importOriginal<object>()), lease: spies.lease }));
vi.mock('../../../src/commands/renew.js', async (importOriginal) => ({ ...(await importOriginal<object>()), renew: spies.renew }));
vi.mock('../../../src/commands/revoke.js', async (importOriginal) => ({ ...(await importOriginal<object>()), revoke: spies.revoke }));
vi.mock('../../../src/commands/list/configs.js', () => ({ listConfigs: spies.listConfigs }));
vi.mock('../../../src/commands/list/leases.js', () => ({ listLeases: spies.listLeases }));
vi.mock('../../../src/commands/list/audit.js', () => ({ showAudit: spies.showAudit }));
vi.mock('../../../src/commands/delete.js', async (importOriginal) => ({
  ...(await importOriginal<object>()),
  deleteConfig: spies.deleteConfig,
}));
vi.mock('../../../src/commands/unlock.js', async (importOriginal) => ({ ...(await importOriginal<object>()), unlock: spies.unlock }));
vi.mock('../../../src/commands/run/run.js', async (importOriginal) => ({ ...(await importOriginal<object>()), run: spies.run }));
vi.mock('../../../src/commands/update.js', async (importOriginal) => ({ ...(await importOriginal<object>()), update: spies.update }));
vi.mock('../../../src/commands/passwd.js', async (importOriginal) => ({ ...(await importOriginal<object>()), passwd: spies.passwd }));

const { buildProgram } = await import('../../../src/cli.js');
const { report } = await import('../../../src/cli/report.js');
const { DynsecretError, NotFoundError, InterruptedError, UsageError } = await import('../../../src/errors.js');
const context = { marker: 'context' } as unknown as Context;

async function parse(args: string[]) {
  const audits: unknown[] = [];
  const argv = ['node', 'dynsecret', ...args];
  const program = await buildProgram(async (action, audit) => {
    audits.push(audit);
    await action(context);
  }, argv);
  await program.parseAsync(argv);
  return audits;
}

beforeEach(() => {
  for (const spy of Object.values(spies)) spy.mockClear();
});

describe('argv → command options', () => {
  const cases: [string[], keyof typeof spies, unknown][] = [
    [
      ['create', 'app-db', '--group-id', 'g', '--role', 'read@a', '--role', 'readWrite@b', '--scope', 'C0', '--no-verify'],
      'create',
      expect.objectContaining({ name: 'app-db', groupId: 'g', role: ['read@a', 'readWrite@b'], scope: ['C0'], verify: false }),
    ],
    [
      ['create', 'x', '--private-key-stdin', '--default-ttl', '30m', '--max-ttl', '2h', '--replace'],
      'create',
      expect.objectContaining({ name: 'x', privateKeyStdin: true, defaultTtl: '30m', maxTtl: '2h', replace: true, verify: true }),
    ],
    [['lease', 'app-db'], 'lease', { name: 'app-db' }],
    [
      ['lease', 'app-db', '--ttl', '15m', '--format', 'json', '--prefix', 'APP_', '--env-file', '.env', '--cluster', 'C1'],
      'lease',
      { name: 'app-db', ttl: '15m', format: 'json', prefix: 'APP_', envFile: '.env', cluster: 'C1' },
    ],
    [['lease', 'app-db', '--wait'], 'lease', { name: 'app-db', waitMs: 300_000 }],
    [['lease', 'app-db', '--wait', '90s'], 'lease', { name: 'app-db', waitMs: 90_000 }],
    // A word after --wait that does not start with a digit is the NAME, not a timeout.
    [['lease', '--wait', 'app-db'], 'lease', { name: 'app-db', waitMs: 300_000 }],
    [['lease', '--wait', 'app-db', '--ttl', '15m'], 'lease', { name: 'app-db', ttl: '15m', waitMs: 300_000 }],
    [['renew', 'ds-1', '--ttl', '2h', '--json'], 'renew', { leaseId: 'ds-1', ttl: '2h', json: true }],
    [['renew', 'ds-1', '--config', 'app-db'], 'renew', { leaseId: 'ds-1', config: 'app-db' }],
    [['revoke', 'ds-1', 'ds-2'], 'revoke', { leaseIds: ['ds-1', 'ds-2'] }],
    [
      ['revoke', '--config', 'app-db', '--all', '--yes', '--json'],
      'revoke',
      { leaseIds: [], config: 'app-db', all: true, yes: true, json: true },
    ],
    [['revoke', '--expired', '--force'], 'revoke', { leaseIds: [], expired: true, force: true }],
    [['revoke', 'ds-1', '--env-file', '.env', '--prefix', 'APP_'], 'revoke', { leaseIds: ['ds-1'], envFile: '.env', prefix: 'APP_' }],
    [['list'], 'listConfigs', {}],
    [['list', '--json'], 'listConfigs', { json: true }],
    [['list', 'app-db', '--remote'], 'listLeases', { name: 'app-db', remote: true }],
    [['list', '--audit', 'app-db'], 'showAudit', { audit: true, config: 'app-db' }],
    [['delete', 'app-db', '--yes', '--force'], 'deleteConfig', { name: 'app-db', yes: true, force: true }],
    [['unlock'], 'unlock', undefined],
    [
      ['update', 'app-db', '--max-ttl', '8h', '--role', 'read@a', '--role', 'read@b', '--private-key-stdin', '--no-verify'],
      'update',
      { name: 'app-db', maxTtl: '8h', role: ['read@a', 'read@b'], privateKeyStdin: true, verify: false },
    ],
    [['update', 'app-db', '--scope', 'C1'], 'update', { name: 'app-db', scope: ['C1'], verify: true }],
    [['passwd'], 'passwd', {}],
    [['passwd', '--new-passphrase-stdin'], 'passwd', { newPassphraseStdin: true }],
    [
      ['run', 'app-db', '--', 'npm', 'test', '--watch'],
      'run',
      { name: 'app-db', command: ['npm', 'test', '--watch'], waitMs: 300_000, renew: true, mask: true },
    ],
    [
      ['run', 'app-db', '--no-wait', '--keep', '--ttl', '10m', '--', 'sh', '-c', 'exit 3'],
      'run',
      { name: 'app-db', command: ['sh', '-c', 'exit 3'], wait: false, keep: true, ttl: '10m', renew: true, mask: true },
    ],
    [
      ['run', 'app-db', '--wait=10m', '--no-renew', '--', 'npm', 'test'],
      'run',
      { name: 'app-db', command: ['npm', 'test'], waitMs: 600_000, renew: false, mask: true },
    ],
    [
      ['run', 'app-db', '--no-mask', '--', 'npm', 'test'],
      'run',
      { name: 'app-db', command: ['npm', 'test'], waitMs: 300_000, renew: true, mask: false },
    ],
    [
      ['run', 'app-db', '--wait', '--', 'npm', 'test'],
      'run',
      { name: 'app-db', command: ['npm', 'test'], waitMs: 300_000, renew: true, mask: true },
    ],
    [
      ['run', '--wait', 'app-db', '--', 'npm', 'test'],
      'run',
      { name: 'app-db', command: ['npm', 'test'], waitMs: 300_000, renew: true, mask: true },
    ],
    [['run', '--wait', '2m', 'app-db', '--', 'npm'], 'run', { name: 'app-db', command: ['npm'], waitMs: 120_000, renew: true, mask: true }],
    // Without `--`, a word after --wait that is no timeout is the command's.
    [
      ['run', 'app-db', '--wait', 'npm', 'test'],
      'run',
      { name: 'app-db', command: ['npm', 'test'], waitMs: 300_000, renew: true, mask: true },
    ],
    [['run', 'app-db', '--wait', '2m', 'npm'], 'run', { name: 'app-db', command: ['npm'], waitMs: 120_000, renew: true, mask: true }],
  ];

  it.each(cases)('%j → %s', async (args, command, options) => {
    await parse(args);
    const spy = spies[command];
    expect(spy).toHaveBeenCalledTimes(1);
    const call = spy.mock.calls[0] as unknown[];
    expect(call[0]).toBe(context);
    if (options !== undefined) expect(call[1]).toEqual(options);
  });

  it.each([
    [['create', 'app-db', '--no-verify'], { command: 'create', config: 'app-db' }],
    [['lease', 'app-db'], { command: 'lease', config: 'app-db' }],
    [['revoke', 'x', '--config', 'c'], { command: 'revoke', config: 'c' }],
    [['list'], undefined],
    [['unlock'], undefined],
    [['update', 'app-db', '--max-ttl', '8h'], { command: 'update', config: 'app-db' }],
    [['passwd'], { command: 'passwd' }],
  ])('%j is audited as %j', async (args, audit) => {
    expect(await parse(args)).toEqual([audit]);
  });

  it.each([
    [['lease']],
    [['lease', 'app-db', '--bogus']],
    [['create', 'x', '--private-key', 'secret']],
    [['nope']],
    [['run', 'app-db']],
    [['run', '--', 'npm', 'test']],
    [['run', 'app-db', '--wait', 'soon', '--', 'npm']],
    [['renew']],
    [['revoke', '--all', '--from-file', 'x.json']],
    [['list', '--audit', '--from-file', 'x.json']],
  ])('%j is a usage error with exit 2', async (args) => {
    const error = await parse(args).then(
      () => undefined,
      (e: unknown) => e,
    );
    const lines: string[] = [];
    expect(report(error, false, (line) => lines.push(line))).toBe(2);
    expect(lines[0]).toMatch(/^dynsecret: /);
    expect(lines.join('\n')).not.toContain('secret\n');
  });
});

describe('a lease TTL under the minimum', () => {
  it.each([
    [['lease', 'app-db', '--ttl', '30s'], '30s'],
    [['lease', '--from-file', 'app-db.json', '--ttl', '30s'], '30s'],
    [['lease', 'app-db', '--env-file', '.env', '--keep-fresh', '--ttl', '1s'], '1s'],
    [['run', 'app-db', '--ttl', '59s', '--', 'true'], '59s'],
    [['run', '--from-file', 'app-db.json', '--ttl', '59s', '--', 'true'], '59s'],
    [['run', 'app-db', '--rotate', '--ttl', '0m30s', '--', 'true'], '30s'],
    [['renew', 'ds-1', '--ttl', '10s'], '10s'],
    [['renew', 'ds-1', '--from-file', 'app-db.json', '--ttl', '10s'], '10s'],
  ])('%j is refused (exit 2) before anything is opened', async (args, shown) => {
    const dispatched = vi.fn();
    const argv = ['node', 'dynsecret', ...args];
    const program = await buildProgram(async () => dispatched(), argv);
    const error = await program.parseAsync(argv).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(dispatched).not.toHaveBeenCalled();
    const lines: string[] = [];
    expect(report(error, false, (line) => lines.push(line))).toBe(2);
    expect(lines).toEqual([`dynsecret: --ttl ${shown} is below the minimum of 1 minute; use --ttl 1m or more`]);
  });

  it.each([[['lease', 'app-db', '--ttl', '1m']], [['run', 'app-db', '--ttl', '60s', '--', 'true']], [['renew', 'ds-1', '--ttl', '1m']]])(
    '%j, at the minimum, goes on to the command',
    async (args) => {
      expect(await parse(args)).toHaveLength(1);
    },
  );
});

describe('report: the one way errors are printed', () => {
  const printed = (error: unknown, debug = false) => {
    const lines: string[] = [];
    const code = report(error, debug, (line) => lines.push(line));
    return { code, text: lines.join('\n') };
  };

  it.each([
    [new UsageError('Bad TTL.', { hint: 'use e.g. 1h' }), 2, 'dynsecret: Bad TTL.\n  use e.g. 1h'],
    [new NotFoundError('No config named x.'), 5, 'dynsecret: No config named x.'],
    [new DynsecretError('Transient.', 6), 6, 'dynsecret: Transient.'],
    [new InterruptedError(), 130, ''],
  ])('%s → exit %i', (error, code, text) => {
    expect(printed(error)).toEqual({ code, text });
  });

  it('prints an Atlas error in the words src/cli/error-text.ts gives it, hint and exit code included', async () => {
    const { AtlasApiError, AtlasNetworkError } = await import('../../../src/atlas/error-types.js');
    const full = new AtlasApiError({
      kind: 'forbidden',
      status: 403,
      errorCode: 'GROUP_USERS_LIMIT_EXCEEDED',
      method: 'POST',
      path: '/api/atlas/v2/groups/g/databaseUsers',
      subject: { groupId: 'g', authKind: 'apiKey' },
    });
    expect(printed(full)).toEqual({
      code: 1,
      text:
        'dynsecret: Project g already has the 100 database users Atlas allows (Atlas error GROUP_USERS_LIMIT_EXCEEDED).\n' +
        '  Remove expired leases with `dynsecret revoke --expired` and look for strays with `dynsecret list NAME --remote`.',
    });
    const timeout = new AtlasNetworkError('timeout', {
      code: 'ETIMEDOUT',
      host: 'h',
      reason: 'the connection timed out',
      cause: undefined,
    });
    expect(printed(timeout)).toEqual({
      code: 6,
      text: 'dynsecret: No answer in time from h (the connection timed out): check the network and try again.',
    });
    expect(printed(timeout, true).text).toMatch(/^dynsecret: No answer in time from h .*\nAtlasNetworkError: timeout talking to h/);
  });

  it('prints an unexpected error in one line, with the stack only under --debug', () => {
    const error = new TypeError('boom');
    expect(printed(error)).toEqual({ code: 1, text: 'dynsecret: unexpected error: boom\n  Run again with --debug for details.' });
    expect(printed(error, true).text).toMatch(/boom\nTypeError: boom\n\s+at /);
  });
});
