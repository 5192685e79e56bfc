import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/errors.js';
import { networkSettings } from '../../../src/config/network-env.js';

describe('network settings from the environment', () => {
  it('defaults to 10 s to connect, 30 s per request and 4 retries (5 attempts)', () => {
    expect(networkSettings({})).toEqual({ connectMs: 10_000, requestMs: 30_000, maxAttempts: 5 });
  });

  it.each<[Record<string, string>, Partial<ReturnType<typeof networkSettings>>]>([
    [{ DYNSECRET_CONNECT_TIMEOUT: '3s' }, { connectMs: 3000 }],
    [{ DYNSECRET_CONNECT_TIMEOUT: '5m' }, { connectMs: 300_000 }],
    [{ DYNSECRET_REQUEST_TIMEOUT: '1s' }, { requestMs: 1000 }],
    [{ DYNSECRET_REQUEST_TIMEOUT: '2m30s' }, { requestMs: 150_000 }],
    [{ DYNSECRET_REQUEST_TIMEOUT: '30m' }, { requestMs: 1_800_000 }],
    [{ DYNSECRET_RETRIES: '0' }, { maxAttempts: 1 }],
    [{ DYNSECRET_RETRIES: '10' }, { maxAttempts: 11 }],
    [{ DYNSECRET_RETRIES: '' }, { maxAttempts: 5 }],
  ])('reads %j', (env, expected) => {
    expect(networkSettings(env)).toMatchObject(expected);
  });

  it.each<[Record<string, string>, string]>([
    [{ DYNSECRET_CONNECT_TIMEOUT: '10' }, 'DYNSECRET_CONNECT_TIMEOUT'],
    [{ DYNSECRET_CONNECT_TIMEOUT: '500ms' }, 'DYNSECRET_CONNECT_TIMEOUT'],
    [{ DYNSECRET_CONNECT_TIMEOUT: '6m' }, 'DYNSECRET_CONNECT_TIMEOUT'],
    [{ DYNSECRET_REQUEST_TIMEOUT: '0s' }, 'DYNSECRET_REQUEST_TIMEOUT'],
    [{ DYNSECRET_REQUEST_TIMEOUT: '31m' }, 'DYNSECRET_REQUEST_TIMEOUT'],
    [{ DYNSECRET_REQUEST_TIMEOUT: '-1s' }, 'DYNSECRET_REQUEST_TIMEOUT'],
    [{ DYNSECRET_REQUEST_TIMEOUT: 'soon' }, 'DYNSECRET_REQUEST_TIMEOUT'],
    [{ DYNSECRET_RETRIES: '-1' }, 'DYNSECRET_RETRIES'],
    [{ DYNSECRET_RETRIES: '11' }, 'DYNSECRET_RETRIES'],
    [{ DYNSECRET_RETRIES: '1.5' }, 'DYNSECRET_RETRIES'],
    [{ DYNSECRET_RETRIES: '3x' }, 'DYNSECRET_RETRIES'],
    [{ DYNSECRET_RETRIES: '١' }, 'DYNSECRET_RETRIES'],
    [{ DYNSECRET_RETRIES: '1e1' }, 'DYNSECRET_RETRIES'],
  ])('refuses %j with exit 2 naming the variable', (env, name) => {
    expect(() => networkSettings(env)).toThrow(UsageError);
    expect(() => networkSettings(env)).toThrow(new RegExp(`^Invalid ${name} `));
  });
});
