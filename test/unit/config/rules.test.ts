import { describe, expect, it } from 'vitest';
import { ExitCode, UsageError } from '../../../src/errors.js';
import {
  parseRole,
  parseScope,
  validateBaseUrl,
  validateConfigName,
  validateGroupId,
  validateRoles,
  validateScopes,
  validateIdentifier,
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
    'rejects %j',
    (id) => {
      expect(usageMessage(() => validateGroupId(id))).toMatch(/24 lowercase hex/);
    },
  );
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

describe('config names and group IDs: boundaries and messages', () => {
  it('names the rule and gives an example', () => {
    expect(usageMessage(() => validateConfigName('a b'))).toBe('Invalid config name "a b": use 1 to 64 letters, digits, ".", "_" or "-".');
    expect(usageMessage(() => validateGroupId('abc'))).toBe(
      'Invalid --group-id "abc": an Atlas project ID is 24 lowercase hex characters.',
    );
  });

  it.each([' app', 'app ', 'app\n', '\napp', 'x'.repeat(64) + '!'])('rejects a config name with a stray character %j', (name) => {
    expect(usageMessage(() => validateConfigName(name))).toMatch(/config name/);
  });

  it.each([' 5f1d2c3b4a5968778695a4b3', '5f1d2c3b4a5968778695a4b3 ', 'g5f1d2c3b4a5968778695a4b3'.slice(0, 24)])(
    'rejects group ID %j',
    (id) => {
      expect(usageMessage(() => validateGroupId(id))).toMatch(/24 lowercase hex/);
    },
  );
});

describe('base URLs: loopback, credentials and parts', () => {
  it.each([
    ['http://[::1]:8080', 'http://[::1]:8080'],
    ['http://127.0.0.2:8080', 'http://127.0.0.2:8080'],
    ['http://127.255.255.254', 'http://127.255.255.254'],
    ['HTTPS://Cloud.MongoDB.com:443/', 'https://cloud.mongodb.com'],
    ['https://localhost', 'https://localhost'],
  ])('accepts %s', (raw, expected) => {
    expect(validateBaseUrl(raw)).toBe(expected);
  });

  it.each([
    [
      'http://128.0.0.1',
      'Invalid --base-url "http://128.0.0.1": use https (plain http is accepted only on 127.0.0.0/8, [::1] or localhost).',
    ],
    [
      'http://localhost.example.com',
      'Invalid --base-url "http://localhost.example.com": use https (plain http is accepted only on 127.0.0.0/8, [::1] or localhost).',
    ],
    [
      'http://10.127.0.1',
      'Invalid --base-url "http://10.127.0.1": use https (plain http is accepted only on 127.0.0.0/8, [::1] or localhost).',
    ],
    [
      'file:///etc/passwd',
      'Invalid --base-url "file:///etc/passwd": use https (plain http is accepted only on 127.0.0.0/8, [::1] or localhost).',
    ],
    ['not a url', 'Invalid --base-url "not a url": not a URL.'],
    ['https://user@cloud.mongodb.com', 'Invalid --base-url "https://***@cloud.mongodb.com": give only the scheme, host and port.'],
    ['https://user:s3cret@cloud.mongodb.com/', 'Invalid --base-url "https://***@cloud.mongodb.com/": give only the scheme, host and port.'],
    ['https://:s3cret@cloud.mongodb.com', 'Invalid --base-url "https://***@cloud.mongodb.com": give only the scheme, host and port.'],
    ['https://cloud.mongodb.com/#top', 'Invalid --base-url "https://cloud.mongodb.com/#top": give only the scheme, host and port.'],
    [
      'https://cloud.mongodb.com/api/atlas/v2',
      'Invalid --base-url "https://cloud.mongodb.com/api/atlas/v2": give only the scheme, host and port.',
    ],
    ['http://127.0.0.1:8080/v2', 'Invalid --base-url "http://127.0.0.1:8080/v2": give only the scheme, host and port.'],
  ])('rejects %s', (raw, message) => {
    expect(usageMessage(() => validateBaseUrl(raw))).toBe(message);
  });

  it.each(['https://user:s3cret@cloud.mongodb.com', 'http://user:s3cret@cloud.mongodb.com', 'ftp://u:s3cret@host'])(
    'never repeats the password of %s',
    (raw) => {
      expect(usageMessage(() => validateBaseUrl(raw))).not.toContain('s3cret');
    },
  );

  it('gives an example URL', () => {
    for (const raw of ['nope', 'https://cloud.mongodb.com/api']) {
      try {
        validateBaseUrl(raw);
      } catch (error) {
        expect((error as UsageError).hint).toBe('e.g. https://cloud.mongodb.com');
      }
    }
    expect.assertions(2);
  });
});

describe('roles: accepted combinations', () => {
  it.each([
    [['readWrite@db.coll'], [{ roleName: 'readWrite', databaseName: 'db', collectionName: 'coll' }]],
    [
      ['readWrite@app', 'read@reports'],
      [
        { roleName: 'readWrite', databaseName: 'app' },
        { roleName: 'read', databaseName: 'reports' },
      ],
    ],
    [
      ['read@app.orders', 'read@app.invoices'],
      [
        { roleName: 'read', databaseName: 'app', collectionName: 'orders' },
        { roleName: 'read', databaseName: 'app', collectionName: 'invoices' },
      ],
    ],
    [
      ['read@app', 'read@app.orders', 'readWrite@app.orders'],
      [
        { roleName: 'read', databaseName: 'app' },
        { roleName: 'read', databaseName: 'app', collectionName: 'orders' },
        { roleName: 'readWrite', databaseName: 'app', collectionName: 'orders' },
      ],
    ],
    [
      ['readAnyDatabase@admin', 'dbAdmin@app', 'clusterMonitor@admin'],
      [
        { roleName: 'readAnyDatabase', databaseName: 'admin' },
        { roleName: 'dbAdmin', databaseName: 'app' },
        { roleName: 'clusterMonitor', databaseName: 'admin' },
      ],
    ],
    [
      ['read@admin', 'readWrite@admin'],
      [
        { roleName: 'read', databaseName: 'admin' },
        { roleName: 'readWrite', databaseName: 'admin' },
      ],
    ],
    [['read@app.mysystem.users'], [{ roleName: 'read', databaseName: 'app', collectionName: 'mysystem.users' }]],
    [['read@app.' + 'c'.repeat(255)], [{ roleName: 'read', databaseName: 'app', collectionName: 'c'.repeat(255) }]],
    [['read@' + 'd'.repeat(64)], [{ roleName: 'read', databaseName: 'd'.repeat(64) }]],
    [['read@a-b_c@1'], [{ roleName: 'read', databaseName: 'a-b_c@1' }]],
    [['A_custom-role1@admin'], [{ roleName: 'A_custom-role1', databaseName: 'admin' }]],
    [['r'.repeat(64) + '@admin'], [{ roleName: 'r'.repeat(64), databaseName: 'admin' }]],
  ])('accepts %j', (specs, roles) => {
    const input = specs.map(parseRole);
    const result = validateRoles(input);
    expect(result).toEqual(roles);
    expect(result).not.toBe(input);
  });

  it.each([
    ['atlasAdmin', true],
    ['backup', true],
    ['clusterMonitor', true],
    ['dbAdmin', false],
    ['dbAdminAnyDatabase', true],
    ['enableSharding', true],
    ['read', false],
    ['readAnyDatabase', true],
    ['readWrite', false],
    ['readWriteAnyDatabase', true],
  ])('built-in role %s on a database other than admin: refused = %s', (roleName, adminOnly) => {
    const role = { roleName, databaseName: 'app' };
    if (adminOnly) {
      expect(usageMessage(() => validateRoles([role]))).toBe(
        `Invalid role "${roleName}@app": ${roleName} can only be granted on the admin database (use ${roleName}@admin).`,
      );
    } else {
      expect(validateRoles([role])).toEqual([role]);
    }
    expect(validateRoles([{ roleName, databaseName: 'admin' }])).toEqual([{ roleName, databaseName: 'admin' }]);
  });
});

describe('roles: messages', () => {
  it.each([
    ['readWrite', 'Invalid --role "readWrite": expected ROLE@DATABASE[.COLLECTION].'],
    ['@app', 'Invalid --role "@app": expected ROLE@DATABASE[.COLLECTION].'],
    ['readWrite@', 'Invalid --role "readWrite@": expected ROLE@DATABASE[.COLLECTION].'],
    ['@', 'Invalid --role "@": expected ROLE@DATABASE[.COLLECTION].'],
  ])('parseRole refuses %j', (spec, message) => {
    expect(usageMessage(() => parseRole(spec))).toBe(message);
    try {
      parseRole(spec);
    } catch (error) {
      expect((error as UsageError).hint).toBe('e.g. --role readWrite@app or --role read@app.orders');
    }
  });

  it.each([
    ['r@a', { roleName: 'r', databaseName: 'a' }],
    ['read@.orders', { roleName: 'read', databaseName: '', collectionName: 'orders' }],
    ['read@app..x', { roleName: 'read', databaseName: 'app', collectionName: '.x' }],
  ])('parseRole splits %j at the first @ and the first dot after it', (spec, role) => {
    expect(parseRole(spec)).toEqual(role);
  });

  it.each([
    [['dbAdmin@app.orders'], 'Invalid role "dbAdmin@app.orders": only read and readWrite can be limited to a collection.'],
    [['readAnyDatabase@admin.x'], 'Invalid role "readAnyDatabase@admin.x": only read and readWrite can be limited to a collection.'],
    [['myRole@admin.x'], 'Invalid role "myRole@admin.x": only read and readWrite can be limited to a collection.'],
    [['read@app.'], 'Invalid role "read@app.": "" is not a valid collection name.'],
    [['read@app.a$b'], 'Invalid role "read@app.a$b": "a$b" is not a valid collection name.'],
    [['read@app.system.js'], 'Invalid role "read@app.system.js": "system.js" is not a valid collection name.'],
    [['read@app.' + 'c'.repeat(256)], `Invalid role "read@app.${'c'.repeat(256)}": "${'c'.repeat(256)}" is not a valid collection name.`],
    [['read@.orders'], 'Invalid role "read@.orders": "" is not a valid database name.'],
    [['read@' + 'd'.repeat(65)], `Invalid role "read@${'d'.repeat(65)}": "${'d'.repeat(65)}" is not a valid database name.`],
    [
      ['my role@admin'],
      'Invalid role "my role@admin": "my role" is neither a built-in role (atlasAdmin, backup, clusterMonitor, dbAdmin, dbAdminAnyDatabase, enableSharding, read, readAnyDatabase, readWrite, readWriteAnyDatabase) nor a valid custom role name.',
    ],
    [
      ['r'.repeat(65) + '@admin'],
      `Invalid role "${'r'.repeat(65)}@admin": "${'r'.repeat(65)}" is neither a built-in role (atlasAdmin, backup, clusterMonitor, dbAdmin, dbAdminAnyDatabase, enableSharding, read, readAnyDatabase, readWrite, readWriteAnyDatabase) nor a valid custom role name.`,
    ],
    [['myRole@app'], 'Invalid role "myRole@app": custom roles can only be granted on the admin database (use myRole@admin).'],
    // A built-in role but for its case is that role, not a custom one.
    [['readwrite@app'], 'Invalid role "readwrite@app": role names are case-sensitive (use readWrite@app).'],
    [['READ@app.orders'], 'Invalid role "READ@app.orders": role names are case-sensitive (use read@app.orders).'],
    [['dbadmin@reports'], 'Invalid role "dbadmin@reports": role names are case-sensitive (use dbAdmin@reports).'],
    [['read@app.orders', 'read@app.orders'], 'Duplicate role "read@app.orders": give each role once.'],
    [['read@app', 'readWrite@app', 'read@app'], 'Duplicate role "read@app": give each role once.'],
    [['read@app', 'myRole@admin'], 'A custom role cannot be combined with other roles: Atlas grants a custom role alone.'],
    [['myRole@admin', 'otherRole@admin'], 'A custom role cannot be combined with other roles: Atlas grants a custom role alone.'],
  ])('validateRoles refuses %j', (specs, message) => {
    expect(usageMessage(() => validateRoles(specs.map(parseRole)))).toBe(message);
  });

  it.each(['/', '\\', '.', ' ', '"', '$', '*', '<', '>', ':', '|', '?'])('refuses %j in a database name', (c) => {
    for (const databaseName of [`${c}app`, `a${c}pp`, `app${c}`]) {
      expect(usageMessage(() => validateRoles([{ roleName: 'read', databaseName }]))).toMatch(/is not a valid database name/);
    }
  });

  it.each(['my.role', 'my role', 'my$role', 'rôle', ''])('refuses the custom role name %j', (roleName) => {
    expect(usageMessage(() => validateRoles([{ roleName, databaseName: 'admin' }]))).toMatch(/neither a built-in role/);
  });

  it('requires a role, with an example', () => {
    expect(usageMessage(() => validateRoles([]))).toBe('At least one --role is required.');
    try {
      validateRoles([]);
    } catch (error) {
      expect((error as UsageError).hint).toBe('e.g. --role readWrite@app');
    }
  });
});

describe('scopes: boundaries and messages', () => {
  it.each([
    ['lake1:data_lake', { name: 'lake1', type: 'DATA_LAKE' }],
    ['0cluster', { name: '0cluster', type: 'CLUSTER' }],
    ['c'.repeat(64), { name: 'c'.repeat(64), type: 'CLUSTER' }],
    ['a-b-c:Stream', { name: 'a-b-c', type: 'STREAM' }],
  ])('parses %s', (spec, scope) => {
    expect(parseScope(spec)).toEqual(scope);
  });

  it.each([
    [
      'c'.repeat(65),
      `Invalid --scope "${'c'.repeat(65)}": the name must start with a letter or digit and contain only letters, digits and "-".`,
    ],
    ['a:b:CLUSTER', 'Invalid --scope "a:b:CLUSTER": the name must start with a letter or digit and contain only letters, digits and "-".'],
    ['Cluster0 ', 'Invalid --scope "Cluster0 ": the name must start with a letter or digit and contain only letters, digits and "-".'],
    ['Cluster0:LAKE', 'Invalid --scope "Cluster0:LAKE": the type must be one of CLUSTER, DATA_LAKE, STREAM.'],
    ['Cluster0:CLUSTERS', 'Invalid --scope "Cluster0:CLUSTERS": the type must be one of CLUSTER, DATA_LAKE, STREAM.'],
  ])('rejects %j', (spec, message) => {
    expect(usageMessage(() => parseScope(spec))).toBe(message);
  });

  it('gives an example for a bad name', () => {
    try {
      parseScope('-x');
    } catch (error) {
      expect((error as UsageError).hint).toBe('e.g. --scope Cluster0 or --scope lake1:DATA_LAKE');
    }
    expect.assertions(1);
  });

  it('accepts the same name with different types, and returns a copy', () => {
    const scopes = [parseScope('x'), parseScope('x:DATA_LAKE'), parseScope('y:STREAM')];
    const result = validateScopes(scopes);
    expect(result).toEqual([
      { name: 'x', type: 'CLUSTER' },
      { name: 'x', type: 'DATA_LAKE' },
      { name: 'y', type: 'STREAM' },
    ]);
    expect(result).not.toBe(scopes);
    expect(validateScopes([])).toEqual([]);
  });

  it('names a duplicate scope', () => {
    expect(usageMessage(() => validateScopes([parseScope('lake:DATA_LAKE'), parseScope('lake:data_lake')]))).toBe(
      'Duplicate scope "lake": give each scope once.',
    );
  });

  it('checks each scope it is given', () => {
    expect(usageMessage(() => validateScopes([{ name: 'bad_name', type: 'CLUSTER' }]))).toMatch(/name must start/);
  });
});

describe('identifiers and secrets: boundaries', () => {
  it.each(['a', 'x'.repeat(256), '!~', 'abc-123_DEF'])('accepts the identifier %j', (value) => {
    expect(validateIdentifier(value, 'public key')).toBe(value);
  });

  it.each(['', 'x'.repeat(257), 'a b', 'a\tb', 'é', 'abc\n', '\nabc', 'a\x7fb'])('rejects the identifier %j', (value) => {
    expect(usageMessage(() => validateIdentifier(value, 'public key'))).toBe(
      'Invalid public key: expected 1 to 256 printable characters without spaces.',
    );
  });

  it.each([
    ['abc', 'abc'],
    ['abc\r\n', 'abc'],
    ['x'.repeat(512), 'x'.repeat(512)],
    ['x'.repeat(512) + '\n', 'x'.repeat(512)],
    ['!~', '!~'],
  ])('accepts the secret %j', (value, expected) => {
    expect(validateSecret(value, 'private key')).toBe(expected);
  });

  it.each(['x'.repeat(513), 'abc\n\n', '\nabc', 'abc\r', 'a\x7fb', 'é'])('rejects the secret %j', (value) => {
    expect(usageMessage(() => validateSecret(value, 'client secret'))).toBe(
      'Invalid client secret: expected 1 to 512 printable characters without spaces.',
    );
  });
});

describe('hints and exact shapes', () => {
  function hint(fn: () => unknown): string | undefined {
    try {
      fn();
    } catch (error) {
      return (error as UsageError).hint;
    }
    throw new Error('expected a UsageError');
  }

  it('points to an example or to where the value is found', () => {
    expect(hint(() => validateConfigName('a b'))).toBe('e.g. dynsecret create app-db …');
    expect(hint(() => validateGroupId('abc'))).toBe('Find it in Atlas under Project Settings, or with `atlas projects list`.');
  });

  it.each([
    ['readWrite@app', { roleName: 'readWrite', databaseName: 'app' }],
    ['read@app.orders', { roleName: 'read', databaseName: 'app', collectionName: 'orders' }],
  ])('parseRole(%j) has a collection field only when one is given', (spec, role) => {
    expect(parseRole(spec)).toStrictEqual(role);
    expect(JSON.stringify(parseRole(spec))).toBe(JSON.stringify(role));
  });
});
