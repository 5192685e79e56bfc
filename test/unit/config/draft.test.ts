import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/errors.js';
import { draftFromFile } from '../../../src/config/draft.js';

// The --from-file reader takes its role and scope objects from the config's schema (src/config/schema.ts).
describe('draftFromFile', () => {
  it.each<[string, object, object]>([
    ['roles and scopes as text', { roles: ['read@app'], scopes: ['c0'] }, { roles: ['read@app'], scopes: ['c0'] }],
    [
      'a role object, with and without a collection',
      {
        roles: [
          { roleName: 'read', databaseName: 'app' },
          { roleName: 'readWrite', databaseName: 'app', collectionName: 'orders' },
        ],
      },
      { roles: ['read@app', 'readWrite@app.orders'] },
    ],
    [
      'a scope object, with and without a type',
      { scopes: [{ name: 'c0' }, { name: 'lake1', type: 'DATA_LAKE' }] },
      { scopes: ['c0', 'lake1:DATA_LAKE'] },
    ],
  ])('reads %s', (_what, document, expected) => {
    expect(draftFromFile(JSON.stringify(document), 'c.json')).toMatchObject(expected);
  });

  it.each<[string, string, RegExp]>([
    ['a role object missing its database', '{"roles": [{"roleName": "read"}]}', /field roles\.0/],
    [
      'a role object with a field a role does not have',
      '{"roles": [{"roleName": "read", "databaseName": "a", "db": "x"}]}',
      /unknown field "db"/,
    ],
    ['a scope object with a numeric name', '{"scopes": [{"name": 5}]}', /field scopes\.0/],
    ['a name that is a number', '{"name": 5}', /^c\.json: field name: Invalid input: expected string, received number\.$/],
    ['an unknown field', '{"privateKeyy": "x"}', /^c\.json: unknown field "privateKeyy"\.$/],
    ['a field over 4096 characters', JSON.stringify({ publicKey: 'x'.repeat(4097) }), /field publicKey: Too big/],
    ['101 roles', JSON.stringify({ roles: Array.from({ length: 101 }, () => 'read@app') }), /field roles: Too big/],
    ['not JSON', '{', /^c\.json is not valid JSON\.$/],
  ])('refuses %s (exit 2)', (_what, text, message) => {
    const error = (() => {
      try {
        draftFromFile(text, 'c.json');
        return undefined;
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).exitCode).toBe(2);
    expect((error as Error).message).toMatch(message);
  });
});
