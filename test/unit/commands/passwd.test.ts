import { describe, expect, it } from 'vitest';
import { passwd } from '../../../src/commands/passwd.js';
import { fakeContext, rejection } from './fake-context.js';

// The rekey itself needs the encrypted store on disk: test/unit/store/rekey.test.ts and test/e2e/passwd.test.ts.
describe('passwd (in-process)', () => {
  it('refuses with exit 2 when the context has no encrypted store (no passphrase to change)', async () => {
    const fakes = await fakeContext({ interactive: true });
    const error = await rejection(passwd(fakes.context, {}));
    expect(error.exitCode).toBe(2);
    expect(error.message).toBe('There is no encrypted store here, so there is no passphrase to change.');
    expect(fakes.audit).toEqual([]);
  });
});
