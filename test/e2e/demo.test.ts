import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

/** `npm run demo` piped into a log: the whole job runs, and no escape code lands in the log. */
describe('scripts/demo.mjs', () => {
  it('runs end to end into a pipe with plain text only', async () => {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [resolve('scripts/demo.mjs')], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp' },
      maxBuffer: 4 * 1024 * 1024,
    });
    expect(stdout).toContain('▶ Define a dynamic secret');
    // Each step as a user would type it.
    expect(stdout).toMatch(/^ {2}\$ dynsecret create app-db --group-id /m);
    expect(stdout).toContain('  $ eval "$(dynsecret unlock)"');
    expect(stdout).toContain('  $ eval "$(dynsecret lease app-db --ttl 30m --wait)"');
    expect(stdout).not.toMatch(/\$DYNSECRET\b/);
    expect(stdout + stderr).not.toContain('\x1b');
  });
});
