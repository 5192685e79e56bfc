import { describe, expect, it } from 'vitest';
import { promptNewPassphrase } from '../../../src/store/keys.js';

/** A prompt that answers from a script, recording each message it was shown. */
function scripted(answers: string[]) {
  const queue = [...answers];
  const asked: string[] = [];
  const prompt = async ({ message }: { message: string; confirm: boolean }) => {
    asked.push(message);
    const answer = queue.shift();
    if (answer === undefined) throw new Error(`no answer left for ${message}`);
    return answer;
  };
  return { prompt, asked };
}

const GOOD = 'a good passphrase';

describe('promptNewPassphrase', () => {
  it.each<[string, string[], string[]]>([
    ['the same entry twice', [GOOD, GOOD], ['New store passphrase', 'Repeat the passphrase']],
    [
      'a short one, then a good one',
      ['short', GOOD, GOOD],
      ['New store passphrase', 'That one was shorter than 8 characters. New store passphrase', 'Repeat the passphrase'],
    ],
    [
      'two entries that differ, then the same twice',
      [GOOD, `${GOOD}!`, GOOD, GOOD],
      ['New store passphrase', 'Repeat the passphrase', 'The two entries differed. New store passphrase', 'Repeat the passphrase'],
    ],
    ['8 characters, the least', ['12345678', '12345678'], ['New store passphrase', 'Repeat the passphrase']],
  ])('accepts %s', async (_case, answers, messages) => {
    const { prompt, asked } = scripted(answers);
    expect(await promptNewPassphrase(prompt)).toBe(answers.at(-1));
    expect(asked).toEqual(messages);
  });

  it.each<[string, string[], string, number]>([
    ['three short ones', ['short', '1234567', ''], 'The passphrase must be at least 8 characters long.', 3],
    ['three pairs that differ', [GOOD, 'x', GOOD, 'y', GOOD, 'z'], 'The two passphrases differ; nothing was created.', 6],
    ['a pair that differs, then two short ones', [GOOD, 'x', 'short', 'short'], 'The passphrase must be at least 8 characters long.', 4],
    ['two short ones, then a pair that differs', ['short', 'short', GOOD, 'x'], 'The two passphrases differ; nothing was created.', 4],
  ])('gives up after three tries: %s', async (_case, answers, message, prompts) => {
    const { prompt, asked } = scripted(answers);
    await expect(promptNewPassphrase(prompt)).rejects.toThrow(message);
    expect(asked).toHaveLength(prompts);
  });
});
