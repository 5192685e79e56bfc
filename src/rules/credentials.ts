import { randomBytes } from 'node:crypto';
import { UsageError } from '../errors.js';

/** Safe unquoted in every shell and env-file format and in a connection string: 66 symbols. */
export const PASSWORD_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~';
const USERNAME_RANDOM_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
const USERNAME_RANDOM_LENGTH = 12;
const MIN_PASSWORD_LENGTH = 32;
const MAX_USERNAME_LENGTH = 100;
const MAX_DRAWS = 1000;

/** A CSPRNG in production (`crypto.randomBytes`); tests hand in scripted bytes. */
type RandomSource = (size: number) => Uint8Array;

/** A password of `length` symbols from PASSWORD_ALPHABET, drawn from a CSPRNG. */
export function generatePassword(length = 40, random: RandomSource = randomBytes): string {
  if (!Number.isInteger(length) || length < MIN_PASSWORD_LENGTH) {
    throw new UsageError(`A password must be a whole number of at least ${MIN_PASSWORD_LENGTH} characters`);
  }
  return randomString(PASSWORD_ALPHABET, length, random);
}

/**
 * Rejection sampling: bytes at or above the largest multiple of the alphabet size are discarded, so every
 * symbol is equally likely (256 % 66 ≠ 0, and folding those bytes would favour the first 58 symbols).
 */
function randomString(alphabet: string, length: number, random: RandomSource): string {
  const limit = 256 - (256 % alphabet.length);
  let result = '';
  for (let draw = 0; result.length < length; draw++) {
    if (draw >= MAX_DRAWS) throw new Error('The random source keeps returning unusable bytes');
    for (const byte of random(Math.max(16, Math.ceil((length - result.length) * 1.25)))) {
      if (byte >= limit) continue;
      result += alphabet.charAt(byte % alphabet.length);
      if (result.length === length) break;
    }
  }
  return result;
}

const PLACEHOLDERS = ['config', 'random', 'time'] as const;
type Placeholder = (typeof PLACEHOLDERS)[number];
const PLACEHOLDER = /\{([^{}]*)\}/g;

/**
 * A username template may use {config}, {random} (12 characters) and {time} (unix seconds), and must use
 * {random}. Given the config name, also checks the longest username it can produce.
 */
export function validateUsernameTemplate(template: string, configName?: string): void {
  const shown = JSON.stringify(template.length > 60 ? `${template.slice(0, 60)}…` : template);
  for (const [, name] of template.matchAll(PLACEHOLDER)) {
    if (!isPlaceholder(name)) {
      throw new UsageError(`Username template ${shown} has an unknown placeholder {${name ?? ''}}`, {
        hint: 'use {config}, {random} and {time}',
      });
    }
  }
  const literal = template.replace(PLACEHOLDER, '');
  if (/[{}]/.test(literal)) throw new UsageError(`Username template ${shown} has unbalanced braces`);
  if (!/^[A-Za-z0-9._-]*$/.test(literal)) {
    throw new UsageError(
      `Username template ${shown} may only contain letters, digits, ".", "_", "-" and the placeholders ` + '{config}, {random}, {time}',
    );
  }
  if (!template.includes('{random}')) {
    throw new UsageError(`Username template ${shown} must contain {random} so every lease gets a unique username`, {
      hint: 'e.g. ci-{config}-{random}',
    });
  }
  // The shortest config name stands in when none is known; generateUsername checks the real one again.
  const sample = render(template, {
    config: configName ?? 'x',
    random: 'x'.repeat(USERNAME_RANDOM_LENGTH),
    time: '9'.repeat(10),
  });
  validateUsername(sample);
}

/** `ds-<config>-<12 random [a-z0-9]>` by default, or the template filled in. */
export function generateUsername(input: { configName: string; template?: string | undefined; random?: RandomSource; now: Date }): string {
  const template = input.template ?? 'ds-{config}-{random}';
  if (input.template !== undefined) validateUsernameTemplate(template);
  const username = render(template, {
    config: input.configName,
    random: randomString(USERNAME_RANDOM_ALPHABET, USERNAME_RANDOM_LENGTH, input.random ?? randomBytes),
    time: String(Math.floor(input.now.getTime() / 1000)),
  });
  validateUsername(username);
  return username;
}

function render(template: string, values: Record<Placeholder, string>): string {
  return template.replace(PLACEHOLDER, (_match, name: string) => (isPlaceholder(name) ? values[name] : ''));
}

function isPlaceholder(name: string | undefined): name is Placeholder {
  return (PLACEHOLDERS as readonly (string | undefined)[]).includes(name);
}

/**
 * Atlas takes far more, but the username is also the lease id typed on command lines and put in
 * connection strings: keep to characters that need no quoting and never look like an option.
 */
function validateUsername(username: string): void {
  const shown = JSON.stringify(username.length > 60 ? `${username.slice(0, 60)}…` : username);
  if (username.length > MAX_USERNAME_LENGTH) {
    throw new UsageError(`Username ${shown} is longer than ${MAX_USERNAME_LENGTH} characters`, {
      hint: 'use a shorter config name or username template',
    });
  }
  if (!/^[A-Za-z0-9._-]+$/.test(username)) {
    throw new UsageError(`Username ${shown} may only contain letters, digits, ".", "_" and "-"`);
  }
  if (!/^[A-Za-z0-9]/.test(username)) {
    throw new UsageError(`Username ${shown} must start with a letter or digit`);
  }
}
