import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error -- a build script in plain JavaScript, without types
import { buildAction } from '../../../scripts/build-action.mjs';

/**
 * The GitHub Action runs from the committed files under action/ (a workflow's `uses:` gets a plain checkout,
 * with no install or build step), so they must be exactly what the sources build today.
 */
describe('the GitHub Action as committed', () => {
  const out = mkdtempSync(join(tmpdir(), 'dynsecret-action-build-'));
  beforeAll(() => (buildAction as (options: { outdir: string }) => Promise<void>)({ outdir: out }));

  it.each(['main.cjs', 'post.cjs', 'steps.cjs'])('action/%s is what scripts/build-action.mjs builds from the sources', (name) => {
    const fresh = readFileSync(join(out, name), 'utf8') === readFileSync(join('action', name), 'utf8');
    expect(fresh, `action/${name} is stale: run npm run build:action and commit it`).toBe(true);
  });

  it('is declared in action.yml on the current runtime, with every input and output, and post always run', () => {
    const yml = readFileSync('action.yml', 'utf8');
    expect(yml).toMatch(/^ {2}using: node24$/m);
    expect(yml).toMatch(/^ {2}main: action\/main\.cjs$/m);
    expect(yml).toMatch(/^ {2}post: action\/post\.cjs$/m);
    expect(yml).toMatch(/^ {2}post-if: always\(\)$/m);
    for (const name of ['config', 'ttl', 'prefix', 'wait', 'allow-ip', 'lease-id', 'username', 'expires-at']) {
      expect(yml).toMatch(new RegExp(`^ {2}${name}:$`, 'm'));
    }
  });
});
