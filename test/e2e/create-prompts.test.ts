import { describe, expect, it } from 'vitest';
import { EncryptedStore } from '../../src/store/store.js';
import { hasScript, onTerminal, tempHome } from '../helpers/bin.js';

/** An interactive `create` on a pseudo-terminal (script(1)), with no store yet: the passphrase is chosen last. */

const NEW = 'a passphrase for the new store';
const PRIVATE_KEY = 'typed-private-key-0123';
const FLAGS = ['--no-verify', '--group-id', '5f1d2c3b4a5968778695a4b3', '--public-key', 'abcdefgh', '--role', 'read@app'];

describe.skipIf(!hasScript)('an interactive create whose new passphrase is refused', () => {
  it.each<[string, [string, string][]]>([
    [
      'too short',
      [
        ['New store passphrase', 'short'],
        ['That one was shorter than 8 characters. New store passphrase', NEW],
      ],
    ],
    [
      'two entries that differ',
      [
        ['New store passphrase', NEW],
        ['Repeat the passphrase', `${NEW}!`],
        ['The two entries differed. New store passphrase', NEW],
      ],
    ],
  ])('(%s) asks for it again and keeps every answer typed before, the private key included', async (_case, retry) => {
    const home = tempHome();
    const answers: [string, string][] = [
      ['API private key', PRIVATE_KEY],
      ['Scopes, comma-separated', 'Cluster0'],
      ['Default TTL', '30m'],
      ['Max TTL', '2h'],
      ['Atlas base URL', ''],
      ...retry,
      ['Repeat the passphrase', NEW],
    ];
    const { code, seen, output } = await onTerminal(home, ['create', 'app-db', ...FLAGS], answers);
    expect(seen).toEqual(answers.map(([prompt]) => prompt));
    expect(code).toBe(0);
    expect(output).toMatch(/Created config app-db/);
    expect(output).not.toContain(PRIVATE_KEY);
    expect(output).not.toContain(NEW);
    const saved = await new EncryptedStore({ folder: home, keys: { passphrase: NEW } }).read();
    expect(saved.configs).toEqual([
      expect.objectContaining({
        name: 'app-db',
        auth: { kind: 'apiKey', publicKey: 'abcdefgh', privateKey: PRIVATE_KEY },
        scopes: [{ name: 'Cluster0', type: 'CLUSTER' }],
        defaultTtlMs: 30 * 60_000,
        maxTtlMs: 2 * 60 * 60_000,
      }),
    ]);
  });
});
