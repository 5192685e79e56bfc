import { describe, expect, it } from 'vitest';
import { ExitCode, UsageError } from '../../../src/errors.js';
import {
  parseRole, parseScope, validateBaseUrl, validateConfigName, validateGroupId, validateRoles, validateScopes,
  validateSecret,
} from '../../../src/config/rules.js';

function usageMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).exitCode).toBe(ExitCode.usage);
    return (error as UsageError).message;
  }
  throw new Error('expected a UsageError');
}

describe('config names', () => {
  it.each(['app-db', 'A', 'a.b_c-d', 'x'.repeat(64), '__proto__'])('accepts %j', (name) => {
    expect(validateConfigName(name)).toBe(name);
  });
  it.each(['', 'x'.repeat(65), 'app db', 'app/db', '../etc', 'é', 'a;rm', '$(id)', 'a\nb'])('rejects %j', (name) => {
    expect(usageMessage(() => validateConfigName(name))).toMatch(/config name/);
  });
});

describe('group IDs', () => {
  it('accepts 24 lowercase hex characters', () => {
    expect(validateGroupId('5f1d2c3b4a5968778695a4b3')).toBe('5f1d2c3b4a5968778695a4b3');
  });
  it.each(['', '5F1D2C3B4A5968778695A4B3', '5f1d2c3b4a5968778695a4b', '5f1d2c3b4a5968778695a4b3a', 'zzzzzzzzzzzzzzzzzzzzzzzz'])(
    'rejects %j', (id) => {
      expect(usageMessage(() => validateGroupId(id))).toMatch(/24 lowercase hex/);
    });
});

describe('base URLs', () => {
  it.each([
    ['https://cloud.mongodb.com', 'https://cloud.mongodb.com'],
    ['https://cloud.mongodb.com/', 'https://cloud.mongodb.com'],
    ['http://127.0.0.1:8080', 'http://127.0.0.1:8080'],
    ['http://localhost:9000/', 'http://localhost:9000'],
    ['https://cloud-qa.mongodb.com:8443', 'https://cloud-qa.mongodb.com:8443'],
    ['http://127.5.6.7:8080', 'http://127.5.6.7:8080'],
    ['http://127.1:8080', 'http://127.0.0.1:8080'],
    ['http://0x7f.0.0.1:8080', 'http://127.0.0.1:8080'],
    ['http://LOCALHOST:9000', 'http://localhost:9000'],
    ['http://[::1]:9000', 'http://[::1]:9000'],
  ])('accepts %s', (raw, expected) => {
    expect(validateBaseUrl(raw)).toBe(expected);
  });
  it.each([
    ['cloud.mongodb.com', /not a URL/],
    ['http://cloud.mongodb.com', /use https/],
    ['ftp://127.0.0.1', /use https/],
    ['http://127.attacker.example', /use https/],
    ['http://127.0.0.1.nip.io:8080', /use https/],
    ['http://localhost.evil', /use https/],
    ['http://localhost.:9000', /use https/],
    ['http://evil.localhost', /use https/],
    ['http://128.0.0.1', /use https/],
    ['http://10.0.0.1', /use https/],
    ['http://0.0.0.0', /use https/],
    ['http://[::ffff:127.0.0.1]', /use https/],
    ['http://[::2]', /use https/],
    ['https://user:pw@cloud.mongodb.com', /only the scheme/],
    ['https://cloud.mongodb.com/api', /only the scheme/],
    ['https://cloud.mongodb.com/?x=1', /only the scheme/],
  ])('rejects %s', (raw, message) => {
    expect(usageMessage(() => validateBaseUrl(raw))).toMatch(message);
  });
});

describe('roles', () => {
  it.each([
    ['readWrite@app', { roleName: 'readWrite', databaseName: 'app' }],
    ['read@app.orders', { roleName: 'read', databaseName: 'app', collectionName: 'orders' }],
    ['read@app.orders.2026', { roleName: 'read', databaseName: 'app', collectionName: 'orders.2026' }],
    ['readAnyDatabase@admin', { roleName: 'readAnyDatabase', databaseName: 'admin' }],
  ])('parses %s', (spec, role) => {
    expect(parseRole(spec)).toEqual(role);
    expect(validateRoles([parseRole(spec)])).toEqual([role]);
  });

  it.each([
    [['readWrite'], /ROLE@DATABASE/],
    [['@app'], /ROLE@DATABASE/],
    [['readWrite@'], /ROLE@DATABASE/],
    [['readAnyDatabase@app'], /only be granted on the admin database/],
    [['atlasAdmin@app'], /admin database/],
    [['clusterMonitor@reports'], /admin database/],
    [['dbAdmin@app.orders'], /only read and readWrite/],
    [['read@app.'], /not a valid collection name/],
    [['read@app.$cmd'], /not a valid collection name/],
    [['read@app.system.users'], /not a valid collection name/],
    [['read@a b'], /not a valid database name/],
    [['read@a$b'], /not a valid database name/],
    [['no such role!@admin'], /neither a built-in role/],
    [['myCustomRole@app'], /custom roles can only be granted on the admin database/],
    [['readWrite@app', 'readWrite@app'], /Duplicate role/],
    [['myCustomRole@admin', 'read@app'], /custom role cannot be combined/],
  ])('rejects %j', (specs, message) => {
    expect(usageMessage(() => validateRoles(specs.map(parseRole)))).toMatch(message);
  });

  it('requires at least one role', () => {
    expect(usageMessage(() => validateRoles([]))).toMatch(/At least one --role/);
  });

  it('accepts a custom role alone on admin', () => {
    expect(validateRoles([parseRole('myCustomRole@admin')])).toEqual([{ roleName: 'myCustomRole', databaseName: 'admin' }]);
  });
});

describe('scopes', () => {
  it.each([
    ['Cluster0', { name: 'Cluster0', type: 'CLUSTER' }],
    ['lake1:DATA_LAKE', { name: 'lake1', type: 'DATA_LAKE' }],
    ['stream-1:stream', { name: 'stream-1', type: 'STREAM' }],
    ['c:CLUSTER', { name: 'c', type: 'CLUSTER' }],
  ])('parses %s', (spec, scope) => {
    expect(parseScope(spec)).toEqual(scope);
  });
  it.each([
    ['-cluster', /name must start/],
    ['cluster_0', /name must start/],
    ['', /name must start/],
    ['Cluster0:SERVERLESS', /CLUSTER, DATA_LAKE, STREAM/],
    ['Cluster0:', /CLUSTER, DATA_LAKE, STREAM/],
  ])('rejects %j', (spec, message) => {
    expect(usageMessage(() => parseScope(spec))).toMatch(message);
  });
  it('rejects duplicates', () => {
    expect(usageMessage(() => validateScopes([parseScope('Cluster0'), parseScope('Cluster0:CLUSTER')]))).toMatch(/Duplicate scope/);
  });
});

describe('secrets', () => {
  it('drops one trailing newline from stdin', () => {
    expect(validateSecret('abc-123\n', 'private key')).toBe('abc-123');
  });
  it.each(['', 'has space', 'two\nlines\n', '\t'])('rejects %j without repeating it', (value) => {
    const message = usageMessage(() => validateSecret(value, 'private key'));
    expect(message).toMatch(/Invalid private key/);
    if (value.trim()) expect(message).not.toContain(value.trim());
  });
});
