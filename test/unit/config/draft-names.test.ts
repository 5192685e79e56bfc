import { describe, expect, it } from 'vitest';
import { buildConfig, fileNames, FLAG_NAMES, type ConfigDraft, type DraftNames } from '../../../src/config/draft.js';

const DRAFT: ConfigDraft = { groupId: 'b0123456789abcdef012345b', publicKey: 'abcdefgh', privateKey: 'secret-1', roles: ['read@app'] };

describe('a config without a name says where the name goes', () => {
  it.each<[string, DraftNames, string]>([
    ['create', FLAG_NAMES, 'Missing config name: give it as the first argument.'],
    ['--from-file', fileNames('ci/db.json', DRAFT), 'Missing config name: add "name" to ci/db.json, or give it as the first argument.'],
  ])('%s', (_mode, names, message) => {
    expect(() => buildConfig(DRAFT, new Date(), names)).toThrow(message);
  });
});
