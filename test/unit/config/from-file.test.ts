import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/errors.js';
import { storeLessEndpoint } from '../../../src/config/from-file.js';

// Without a store, the endpoint and CA are the environment's; the file may only repeat them.
describe('storeLessEndpoint', () => {
  const atlas = 'https://cloud.mongodb.com';
  const local = 'http://127.0.0.1:4010';
  it.each<[string, { baseUrl?: string; caFile?: string }, Record<string, string>, { baseUrl: string; caFile?: string | undefined }]>([
    ['nothing anywhere: Atlas itself', {}, {}, { baseUrl: atlas }],
    ['only the environment', {}, { MONGODB_ATLAS_BASE_URL: local }, { baseUrl: local }],
    ['a file that repeats the environment', { baseUrl: local }, { MONGODB_ATLAS_BASE_URL: local }, { baseUrl: local }],
    ['a file that repeats it with a trailing slash', { baseUrl: `${local}/` }, { MONGODB_ATLAS_BASE_URL: local }, { baseUrl: local }],
    ['a file that names Atlas, with no variable', { baseUrl: atlas }, {}, { baseUrl: atlas }],
    ['an empty variable counts as unset', { baseUrl: atlas }, { MONGODB_ATLAS_BASE_URL: '' }, { baseUrl: atlas }],
    ['a CA from DYNSECRET_CA_FILE', {}, { DYNSECRET_CA_FILE: 'ci/ca.pem' }, { baseUrl: atlas, caFile: 'ci/ca.pem' }],
    [
      'a file CA equal to DYNSECRET_CA_FILE',
      { caFile: resolve('ci/ca.pem') },
      { DYNSECRET_CA_FILE: 'ci/ca.pem' },
      { baseUrl: atlas, caFile: 'ci/ca.pem' },
    ],
    [
      'a file CA equal to NODE_EXTRA_CA_CERTS',
      { caFile: './ci/ca.pem' },
      { NODE_EXTRA_CA_CERTS: resolve('ci/ca.pem') },
      { baseUrl: atlas },
    ],
  ])('accepts %s', (_what, file, env, expected) => {
    expect(storeLessEndpoint(file, env, 'c.json')).toEqual({ caFile: undefined, ...expected });
  });

  it.each<[string, { baseUrl?: string; caFile?: string }, Record<string, string>, RegExp]>([
    [
      'a file host, no variable',
      { baseUrl: 'https://localhost:38140' },
      {},
      /names the Atlas endpoint https:\/\/localhost:38140, but the environment names https:\/\/cloud\.mongodb\.com/,
    ],
    [
      'a file host other than the variable',
      { baseUrl: 'https://atlas.example' },
      { MONGODB_ATLAS_BASE_URL: local },
      /but the environment names http:\/\/127\.0\.0\.1:4010/,
    ],
    ['another port of the same host', { baseUrl: 'http://127.0.0.1:4011' }, { MONGODB_ATLAS_BASE_URL: local }, /names the Atlas endpoint/],
    [
      'http where the variable says https',
      { baseUrl: 'http://localhost:443' },
      { MONGODB_ATLAS_BASE_URL: 'https://localhost' },
      /names the Atlas endpoint/,
    ],
    ['a file CA, no variable', { caFile: 'ca.pem' }, {}, /names the CA file ca\.pem, which the environment does not/],
    ['a file CA other than DYNSECRET_CA_FILE', { caFile: 'mine.pem' }, { DYNSECRET_CA_FILE: 'ci/ca.pem' }, /names the CA file mine\.pem/],
    ['an invalid variable', {}, { MONGODB_ATLAS_BASE_URL: 'ftp://x' }, /Invalid --base-url/],
  ])('refuses %s (a usage error)', (_what, file, env, message) => {
    let thrown: unknown;
    try {
      storeLessEndpoint(file, env, 'c.json');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(UsageError);
    expect((thrown as Error).message).toMatch(message);
  });
});
