import { describe, expect, it } from 'vitest';
import { CONFIG_NAME, isConfigName } from '../../../src/rules/config-name.js';

describe('config names: 1–64 letters, digits, ".", "_" and "-"', () => {
  it.each([['a'], ['app-db'], ['App_DB.2'], ['0'], ['.'], ['-leading-dash'], ['__proto__'], ['a'.repeat(64)]])('takes %j', (name) => {
    expect(isConfigName(name)).toBe(true);
  });

  it.each([
    ['the empty string', ''],
    ['65 characters', 'a'.repeat(65)],
    ['a space', 'app db'],
    ['a slash', 'app/db'],
    ['path traversal', '../app'],
    ['a newline at the end', 'app\n'],
    ['a newline at the start', '\napp'],
    ['a valid name after a newline', 'bad name\napp'],
    ['a valid name before a newline', 'app\nbad name'],
    ['a shell metacharacter', 'app;id'],
    ['a dollar', '$app'],
    ['a non-ASCII letter', 'äpp'],
    ['an at sign', 'app@db'],
    ['a colon', 'app:db'],
  ])('refuses %s', (_what, name) => {
    expect(isConfigName(name)).toBe(false);
  });

  it.each([
    ['a number', 42],
    ['undefined', undefined],
    ['null', null],
    ['an array holding a valid name', ['app']],
    ['an object', { name: 'app' }],
  ])('refuses %s, which is no string', (_what, name) => {
    expect(isConfigName(name)).toBe(false);
  });

  it('is the whole-string pattern the store and the config rules share', () => {
    expect(CONFIG_NAME.test('app-db')).toBe(true);
    expect(CONFIG_NAME.test('x app-db')).toBe(false);
  });
});
