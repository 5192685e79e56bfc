import { describe, expect, it } from 'vitest';
import { flagsTakingValues, runOperands, waitAndName } from '../../../src/cli/options.js';

const FLAGS = { withValue: ['--ttl', '--prefix', '--from-file', '--audit-log'], withOptionalValue: ['--wait'] };
const count = (args: string[]) => runOperands(args, 'run', FLAGS, { wait: undefined, operands: [] }).before;

describe('run: whether a NAME precedes --', () => {
  it.each([
    [['run', '--from-file', 'f.json', '--', 'npm', 'test'], 0],
    [['run', 'app-db', '--from-file', 'f.json', '--', 'npm', 'test'], 1],
    [['run', '--from-file', 'f.json', 'app-db', '--', 'npm'], 1],
    [['run', '--ttl', '5m', '--from-file', 'f.json', '--', 'app-db'], 0],
    [['run', '--wait', '5m', '--from-file', 'f.json', '--', 'npm'], 0],
    [['run', '--wait', '--from-file', 'f.json', '--', 'npm'], 0],
    [['run', '--wait=5m', '--from-file=f.json', '--', 'npm'], 0],
    [['--audit-log', 'a.log', 'run', '--from-file', 'f.json', '--', 'npm'], 0],
    [['run', '--from-file', 'f.json', 'npm', 'test'], 2],
  ])('%j → %i', (args, expected) => {
    expect(count(args)).toBe(expected);
  });
});

describe('run: the options that take a value', () => {
  it("are read from run's definition and the program's", async () => {
    const { buildProgram } = await import('../../../src/cli.js');
    const program = await buildProgram(async () => undefined, ['node', 'dynsecret']);
    const run = program.commands.find((c) => c.name() === 'run')!;
    expect(flagsTakingValues([...run.options, ...program.options])).toEqual({
      withValue: ['--ttl', '--prefix', '--from-file', '--signal', '--grace', '--stop-timeout', '--env-file', '--allow-ip', '--audit-log'],
      withOptionalValue: ['--wait'],
    });
  });
});

describe('--wait: a timeout, or the NAME', () => {
  it.each<[string | boolean | undefined, string | undefined, { wait: string | boolean | undefined; name: string | undefined }]>([
    [undefined, 'app-db', { wait: undefined, name: 'app-db' }],
    [true, 'app-db', { wait: true, name: 'app-db' }],
    [false, undefined, { wait: false, name: undefined }],
    ['2m', 'app-db', { wait: '2m', name: 'app-db' }],
    ['2m', undefined, { wait: '2m', name: undefined }],
    // A word that does not start with a digit, with no NAME before it, is the NAME.
    ['app-db', undefined, { wait: true, name: 'app-db' }],
    ['m2', undefined, { wait: true, name: 'm2' }],
    // A number without a unit stays a timeout, for the duration rule to refuse.
    ['10', undefined, { wait: '10', name: undefined }],
    // With a NAME already given, the word stays --wait's, for the duration rule to refuse.
    ['soon', 'app-db', { wait: 'soon', name: 'app-db' }],
  ])('--wait %j with NAME %j', (wait, name, expected) => {
    expect(waitAndName(wait, name)).toEqual(expected);
  });
});

describe('run: a word after --wait that is no timeout is an operand', () => {
  // argv, then what commander parsed (--wait's value and the operands), then what run takes.
  it.each<
    [
      string[],
      { wait: string | boolean | undefined; operands: string[] },
      { wait: string | boolean | undefined; operands: string[]; before: number },
    ]
  >([
    [
      ['run', '--from-file', 'f', '--wait', 'npm', 'test'],
      { wait: 'npm', operands: ['test'] },
      { wait: true, operands: ['npm', 'test'], before: 2 },
    ],
    [
      ['run', 'app-db', '--wait', 'npm', 'test'],
      { wait: 'npm', operands: ['app-db', 'test'] },
      { wait: true, operands: ['app-db', 'npm', 'test'], before: 3 },
    ],
    [
      ['run', '--wait', 'app-db', '--', 'npm'],
      { wait: 'app-db', operands: ['npm'] },
      { wait: true, operands: ['app-db', 'npm'], before: 1 },
    ],
    [
      ['run', 'app-db', '--wait', '2m', 'npm'],
      { wait: '2m', operands: ['app-db', 'npm'] },
      { wait: '2m', operands: ['app-db', 'npm'], before: 2 },
    ],
    [
      ['run', 'app-db', '--wait', '--', 'npm'],
      { wait: true, operands: ['app-db', 'npm'] },
      { wait: true, operands: ['app-db', 'npm'], before: 1 },
    ],
    // `--wait=WORD` is a value given on purpose, and after a NAME and before `--` a word can only be a timeout.
    [
      ['run', 'app-db', '--wait=soon', '--', 'npm'],
      { wait: 'soon', operands: ['app-db', 'npm'] },
      { wait: 'soon', operands: ['app-db', 'npm'], before: 1 },
    ],
    [
      ['run', 'app-db', '--wait', 'soon', '--', 'npm'],
      { wait: 'soon', operands: ['app-db', 'npm'] },
      { wait: 'soon', operands: ['app-db', 'npm'], before: 1 },
    ],
  ])('%j', (args, parsed, expected) => {
    expect(runOperands(args, 'run', FLAGS, parsed)).toEqual(expected);
  });
});
