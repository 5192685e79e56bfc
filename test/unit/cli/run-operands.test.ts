import { describe, expect, it } from 'vitest';
import { flagsTakingValues, operandsBeforeDashDash } from '../../../src/cli/options.js';

const count = (args: string[]) =>
  operandsBeforeDashDash(args, 'run', { withValue: ['--ttl', '--prefix', '--from-file', '--audit-log'], withOptionalValue: ['--wait'] });

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
      withValue: ['--ttl', '--prefix', '--from-file', '--audit-log'],
      withOptionalValue: ['--wait'],
    });
  });
});
