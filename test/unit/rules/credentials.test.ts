import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/errors.js';
import { PASSWORD_ALPHABET, generatePassword, generateUsername, validateUsernameTemplate } from '../../../src/rules/credentials.js';

const NOW = new Date('2026-11-29T14:33:35.250Z');
const NOW_SECONDS = '1795962815';

/** A random source that hands out the given bytes in order, then fails the test if asked for more. */
function scripted(bytes: number[]): (size: number) => Uint8Array {
  let offset = 0;
  return (size) => {
    if (offset + size > bytes.length) {
      const chunk = bytes.slice(offset);
      offset = bytes.length;
      if (chunk.length === 0) throw new Error('random source exhausted');
      return Uint8Array.from(chunk);
    }
    const chunk = bytes.slice(offset, offset + size);
    offset += size;
    return Uint8Array.from(chunk);
  };
}

/** Cycles through bytes forever. */
function cycling(bytes: number[]): (size: number) => Uint8Array {
  let i = 0;
  return (size) => Uint8Array.from({ length: size }, () => bytes[i++ % bytes.length] ?? 0);
}

describe('PASSWORD_ALPHABET', () => {
  it('is A–Z a–z 0–9 - . _ ~, 66 distinct symbols', () => {
    expect(PASSWORD_ALPHABET).toHaveLength(66);
    expect(new Set(PASSWORD_ALPHABET).size).toBe(66);
    expect(PASSWORD_ALPHABET).toMatch(/^[A-Za-z0-9._~-]+$/);
  });
});

describe('generatePassword', () => {
  it.each([[32], [40], [64], [200]])('has length %d and only alphabet symbols', (length) => {
    const password = generatePassword(length);
    expect(password).toHaveLength(length);
    expect(password).toMatch(/^[A-Za-z0-9._~-]+$/);
  });

  it('defaults to 40 characters', () => {
    expect(generatePassword()).toHaveLength(40);
  });

  it.each([[31], [0], [-1], [32.5], [Number.NaN], [Number.POSITIVE_INFINITY]])('refuses length %d', (length) => {
    const run = () => generatePassword(length);
    expect(run).toThrow(UsageError);
    expect(run).toThrow('A password must be a whole number of at least 32 characters');
  });

  it.each([
    ['bytes below 198 map onto the alphabet modulo 66', [0, 1, 65, 66, 197], 'AB~A~'],
    ['bytes from 198 up are discarded, not folded', [198, 255, 0, 230, 1, 66, 197], 'ABA~'],
    ['only bytes from 198 up in a first draw', Array.from({ length: 64 }, () => 199), ''],
  ])('%s', (_name, bytes, prefix) => {
    const padding = Array.from({ length: 32 - prefix.length }, () => 0);
    expect(generatePassword(32, scripted([...bytes, ...padding]))).toBe(prefix.padEnd(32, 'A'));
  });

  it('discards every byte ≥ 198 (rejection sampling, no modulo bias)', () => {
    // 255 % 66 = 57 ('5'), 200 % 66 = 2 ('C'): a biased generator would emit them.
    const bytes = [255, 255, 200, 198, ...Array.from({ length: 32 }, (_, i) => i)];
    const password = generatePassword(32, scripted(bytes));
    expect(password).toBe(PASSWORD_ALPHABET.slice(0, 32));
  });

  it('maps byte values onto the alphabet by index', () => {
    const bytes = Array.from({ length: 66 }, (_, i) => i);
    expect(generatePassword(66, scripted(bytes))).toBe(PASSWORD_ALPHABET);
    const shifted = Array.from({ length: 66 }, (_, i) => i + 132);
    expect(generatePassword(66, scripted(shifted))).toBe(PASSWORD_ALPHABET);
  });

  it('gives up after 1000 draws from a random source that only returns unusable bytes', () => {
    let draws = 0;
    const source = cycling([255]);
    const error = (() => {
      try {
        generatePassword(32, (size) => {
          draws += 1;
          return source(size);
        });
      } catch (e) {
        return e as Error;
      }
      return undefined;
    })();
    expect(error?.message).toBe('The random source keeps returning unusable bytes');
    expect(draws).toBe(1000);
  });

  it.each([
    // [length, usable bytes, expected request sizes]
    [32, 'all', [40]],
    [40, 'all', [50]],
    [200, 'all', [250]],
    // Every other byte unusable: each draw asks for 1.25 × what is still missing, never fewer than 16.
    [32, 'half', [40, 16, 16]],
    [40, 'half', [50, 19, 16]],
  ])('length %d, %s of the bytes usable: asks for %j bytes', (length, usable, sizes) => {
    const asked: number[] = [];
    const source = cycling(usable === 'all' ? [0] : [0, 255]);
    const password = generatePassword(length, (size) => {
      asked.push(size);
      return source(size);
    });
    expect(password).toBe('A'.repeat(length));
    expect(asked).toEqual(sizes);
  });

  it('takes no more symbols than asked for, even when a draw has more usable bytes', () => {
    const asked: number[] = [];
    const password = generatePassword(32, (size) => {
      asked.push(size);
      return Uint8Array.from({ length: 200 }, (_, i) => i % 66);
    });
    expect(password).toBe(PASSWORD_ALPHABET.slice(0, 32));
    expect(asked).toEqual([40]);
  });

  it('uses every symbol with roughly equal frequency over 100k characters', () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 2500; i++) {
      for (const c of generatePassword(40)) counts.set(c, (counts.get(c) ?? 0) + 1);
    }
    expect(counts.size).toBe(66);
    const expected = 100_000 / 66;
    let chiSquare = 0;
    for (const count of counts.values()) chiSquare += (count - expected) ** 2 / expected;
    // 65 degrees of freedom: p < 1e-9 beyond ~160. A modulo bias (256 % 66) would give about 1600.
    expect(chiSquare).toBeLessThan(160);
  });
});

describe('generateUsername', () => {
  const random = cycling([0, 1, 2, 35, 36, 251, 252, 255]);
  // 0→a 1→b 2→c 35→9 36→a 251→(251 % 36 = 35)→9; 252 and 255 are discarded.

  it.each([
    ['default', 'app', undefined, 'ds-app-abc9a9abc9a9'],
    ['default keeps dots in config names', 'team.prod_db-1', undefined, 'ds-team.prod_db-1-abc9a9abc9a9'],
    ['template with all placeholders', 'app', 'ci-{config}-{time}-{random}', `ci-app-${NOW_SECONDS}-abc9a9abc9a9`],
    ['template with random only', 'app', '{random}', 'abc9a9abc9a9'],
    ['placeholders repeated', 'app', '{config}.{config}.{random}', 'app.app.abc9a9abc9a9'],
    ['a template that is the default one', 'app', 'ds-{config}-{random}', 'ds-app-abc9a9abc9a9'],
    ['time and random only', 'app', '{time}{random}', `${NOW_SECONDS}abc9a9abc9a9`],
    // Exactly 100 characters: ds- (3) + 84 + - (1) + 12.
    ['a username of exactly 100 characters', 'x'.repeat(84), undefined, `ds-${'x'.repeat(84)}-abc9a9abc9a9`],
    ['a template giving exactly 100 characters', 'app', `${'t'.repeat(88)}{random}`, `${'t'.repeat(88)}abc9a9abc9a9`],
  ])('%s', (_name, configName, template, expected) => {
    expect(generateUsername({ configName, template, random: cycling([0, 1, 2, 35, 36, 251, 252, 255]), now: NOW })).toBe(expected);
  });

  it('draws fresh random characters every time', () => {
    const a = generateUsername({ configName: 'app', now: NOW });
    const b = generateUsername({ configName: 'app', now: NOW });
    expect(a).toMatch(/^ds-app-[a-z0-9]{12}$/);
    expect(a).not.toBe(b);
  });

  it.each([
    ['a name beyond 100 characters', 'x'.repeat(90), undefined, /longer than 100/],
    ['a name of 101 characters', 'x'.repeat(85), undefined, `Username "ds-${'x'.repeat(57)}…" is longer than 100 characters`],
    [
      'a config name with characters Atlas refuses',
      'app/prod',
      undefined,
      'Username "ds-app/prod-abc9a9abc9a9" may only contain letters, digits, ".", "_" and "-"',
    ],
    ['a refused character at the end', 'app!', '{random}{config}', 'Username "abc9a9abc9a9app!" may only contain'],
    ['a refused character at the start', '!app', '{config}{random}', 'Username "!appabc9a9abc9a9" may only contain'],
    ['a config name that starts with a dash', '-app', '{config}{random}', 'Username "-appabc9a9abc9a9" must start with a letter or digit'],
    ['a config name that starts with a dot', '.app', '{config}{random}', 'must start with a letter or digit'],
    ['a config name that starts with "_"', '_app', '{config}{random}', 'must start with a letter or digit'],
    ['a template that starts with a dash', 'app', '-{random}', /start with a letter or digit/],
    // The template is checked here too, not only when a config is created.
    ['a template without {random}', 'app', 'ds-{config}', 'must contain {random} so every lease gets a unique username'],
    ['a template with an unknown placeholder', 'app', '{user}-{random}', 'has an unknown placeholder {user}'],
    ['a template with unbalanced braces', 'app', '{random}}', 'has unbalanced braces'],
    ['a template with a space', 'app', 'ds {random}', 'may only contain letters, digits, ".", "_", "-" and the placeholders'],
  ])('refuses %s', (_name, configName, template, message) => {
    const run = () => generateUsername({ configName, template, random: cycling([0, 1, 2, 35, 36, 251, 252, 255]), now: NOW });
    expect(run).toThrow(UsageError);
    expect(run).toThrow(message);
  });

  it('explains how to shorten a name that is too long', () => {
    const error = (() => {
      try {
        generateUsername({ configName: 'x'.repeat(85), random, now: NOW });
      } catch (e) {
        return e as UsageError;
      }
      return undefined;
    })();
    expect(error?.hint).toBe('use a shorter config name or username template');
  });
});

describe('validateUsernameTemplate', () => {
  it.each([
    ['{random}'],
    ['ds-{config}-{random}'],
    ['{config}.{time}.{random}'],
    ['{config}-{random}'],
    ['ci_{random}_x'],
    ['x'.repeat(88) + '{random}'],
    ['x'.repeat(77) + '-{time}{random}'],
  ])('accepts %j', (template) => {
    expect(() => validateUsernameTemplate(template)).not.toThrow();
    expect(() => validateUsernameTemplate(template, 'app')).not.toThrow();
  });

  it.each([
    ['', /must contain \{random\}/],
    ['ds-{config}', /must contain \{random\} so every lease gets a unique username/],
    ['{user}-{random}', /unknown placeholder \{user\}/],
    ['{Random}', /unknown placeholder \{Random\}/],
    ['{random', /unbalanced/],
    ['random}', /unbalanced/],
    ['{{random}}', /unbalanced|unknown placeholder/],
    ['ds {random}', /letters, digits/],
    ['ds/{random}', /letters, digits/],
    ['ds@{random}', /letters, digits/],
    ['é{random}', /letters, digits/],
    ['.{random}', /start with a letter or digit/],
    ['x'.repeat(89) + '{random}', /longer than 100/],
    // {time} counts as 10 digits and {random} as 12: 77 + 1 + 10 + 12 = 100 is the most.
    ['x'.repeat(78) + '-{time}{random}', /longer than 100/],
    ['{}{random}', 'unknown placeholder {}'],
  ])('refuses %j', (template, message) => {
    const run = () => validateUsernameTemplate(template);
    expect(run).toThrow(UsageError);
    expect(run).toThrow(message);
  });

  it.each([
    ['{config}-{random}', 'x'.repeat(64), true],
    ['{config}-{random}', 'x'.repeat(87), true],
    ['{config}-{random}', 'x'.repeat(88), false],
    ['{config}{random}', '-app', false],
    ['{config}-{config}-{random}', 'x'.repeat(44), false],
    ['{config}-{time}-{random}', 'x'.repeat(64), true],
  ])('checks the length with the config name: %j', (template, configName, ok) => {
    const run = () => validateUsernameTemplate(template, configName);
    if (ok) expect(run).not.toThrow();
    else expect(run).toThrow(/longer than 100|must start with a letter or digit/);
  });
});

describe('messages and hints', () => {
  function usage(run: () => unknown): UsageError {
    try {
      run();
    } catch (error) {
      if (error instanceof UsageError) return error;
      throw error;
    }
    throw new Error('expected a UsageError');
  }
  const random = cycling([0, 1, 2, 35, 36, 251, 252, 255]);

  it.each([
    ['{user}-{random}', 'Username template "{user}-{random}" has an unknown placeholder {user}', 'use {config}, {random} and {time}'],
    [
      'ds-{config}',
      'Username template "ds-{config}" must contain {random} so every lease gets a unique username',
      'e.g. ci-{config}-{random}',
    ],
    ['{random', 'Username template "{random" has unbalanced braces', undefined],
    [
      'a+{random}',
      'Username template "a+{random}" may only contain letters, digits, ".", "_", "-" and the placeholders {config}, {random}, {time}',
      undefined,
    ],
    // Up to 60 characters the template is shown whole; beyond, its first 60 and an ellipsis.
    [`${'t'.repeat(51)}+{random}`, `Username template "${'t'.repeat(51)}+{random}" may only contain`, undefined],
    [`${'t'.repeat(52)}+{random}`, `Username template "${'t'.repeat(52)}+{random…" may only contain`, undefined],
    [`${'t'.repeat(70)}`, `Username template "${'t'.repeat(60)}…" must contain {random}`, 'e.g. ci-{config}-{random}'],
  ])('validateUsernameTemplate(%j)', (template, message, hint) => {
    const error = usage(() => validateUsernameTemplate(template));
    expect(error.message.slice(0, message.length)).toBe(message);
    expect(error.hint).toBe(hint);
  });

  it.each([
    // ds- (3) + 44 + - (1) + 12 = 60 characters: shown whole; one more and it is cut.
    ['a/' + 'x'.repeat(42), `Username "ds-a/${'x'.repeat(42)}-abc9a9abc9a9" may only contain letters, digits, ".", "_" and "-"`],
    ['a/' + 'x'.repeat(43), `Username "ds-a/${'x'.repeat(43)}-abc9a9abc9a…" may only contain letters, digits, ".", "_" and "-"`],
  ])('generateUsername with config %j', (configName, message) => {
    expect(usage(() => generateUsername({ configName, random, now: NOW })).message).toBe(message);
  });
});
