import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  actionInput,
  appendRunnerFile,
  commandData,
  parseEnvironmentFile,
  readFrom,
  savedState,
  sizeOf,
} from '../../../src/action/runner.js';
import { leaseArguments } from '../../../src/action/steps.js';

describe('the runner protocol', () => {
  it.each([
    { env: { INPUT_CONFIG: ' app-db.json ' }, name: 'config', value: 'app-db.json' },
    { env: { 'INPUT_ALLOW-IP': 'current' }, name: 'allow-ip', value: 'current' },
    { env: { INPUT_MY_INPUT: 'x' }, name: 'my input', value: 'x' },
    { env: {}, name: 'ttl', value: '' },
  ])('reads the input $name from its INPUT_ variable', ({ env, name, value }) => {
    expect(actionInput(env, name)).toBe(value);
  });

  it('reads saved state from STATE_<name>, as given', () => {
    expect(savedState({ 'STATE_lease-id': 'ds-app-db-1' }, 'lease-id')).toBe('ds-app-db-1');
    expect(savedState({ 'STATE_LEASE-ID': 'ds-app-db-1' }, 'lease-id')).toBe('');
  });

  it.each([
    { inputs: {}, args: [] },
    { inputs: { INPUT_TTL: '30m', INPUT_PREFIX: 'APP_' }, args: ['--ttl', '30m', '--prefix', 'APP_'] },
    { inputs: { INPUT_WAIT: 'true' }, args: ['--wait'] },
    { inputs: { INPUT_WAIT: 'false' }, args: [] },
    { inputs: { INPUT_WAIT: '2m' }, args: ['--wait=2m'] },
    { inputs: { 'INPUT_ALLOW-IP': 'current' }, args: ['--allow-ip', 'current'] },
  ])('passes the inputs $inputs to lease as $args', ({ inputs, args }) => {
    expect(leaseArguments(inputs, 'db.json')).toEqual(['lease', '--from-file', 'db.json', '--github-env', ...args]);
  });

  it.each([
    { text: 'A=1\nB<<EOF\nx\ny\nEOF\n', vars: { A: '1', B: 'x\ny' } },
    { text: 'A=b<<c\n', vars: { A: 'b<<c' } },
    { text: 'A<<D\n=\nD\nC=2', vars: { A: '=', C: '2' } },
  ])('reads an environment file as the runner does: $text', ({ text, vars }) => {
    expect(Object.fromEntries(parseEnvironmentFile(text))).toEqual(vars);
  });

  it.each(['A<<D\nno end\n', 'no equals sign\n', 'A<<\n\n'])('refuses what the runner would refuse: %j', (text) => {
    expect(() => parseEnvironmentFile(text)).toThrow(/refuse/);
  });

  it('appends name=value lines, and refuses a value with a line break before writing anything', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dynsecret-runner-'));
    const path = join(dir, 'output');
    writeFileSync(path, 'x=1\n');
    await appendRunnerFile({ GITHUB_OUTPUT: path }, 'GITHUB_OUTPUT', [
      ['lease-id', 'a'],
      ['username', 'b'],
    ]);
    expect(readFileSync(path, 'utf8')).toBe('x=1\nlease-id=a\nusername=b\n');
    await expect(
      appendRunnerFile({ GITHUB_OUTPUT: path }, 'GITHUB_OUTPUT', [
        ['a', 'ok'],
        ['b', 'x\nevil=1'],
      ]),
    ).rejects.toThrow(/line break/);
    await expect(appendRunnerFile({}, 'GITHUB_STATE', [['a', 'b']])).rejects.toThrow(/GITHUB_STATE is not set/);
    expect(readFileSync(path, 'utf8')).toBe('x=1\nlease-id=a\nusername=b\n');
  });

  it('reads what was appended after a size taken earlier', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dynsecret-runner-'));
    const path = join(dir, 'env');
    expect(await sizeOf(path)).toBe(0);
    writeFileSync(path, 'OLD=1\n');
    const before = await sizeOf(path);
    writeFileSync(path, 'OLD=1\nNEW=2\n');
    expect(await readFrom(path, before)).toBe('NEW=2\n');
  });

  it.each([
    ['plain', 'plain'],
    ['50%\r\nnext', '50%25%0D%0Anext'],
  ])('escapes workflow command data: %j', (text, escaped) => {
    expect(commandData(text)).toBe(escaped);
  });
});
