import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import { report } from '../../../src/cli/report.js';
import { NotFoundError } from '../../../src/errors.js';
import { colorLevel, loadPainter } from '../../../src/cli/io.js';

describe("colorLevel: dynsecret's decision, not chalk's detection", () => {
  it.each([
    [{}, true, undefined, 1],
    [{}, false, undefined, 0],
    [{ TERM: 'dumb' }, true, undefined, 0],
    [{ NO_COLOR: '1' }, true, undefined, 0],
    [{ NO_COLOR: '' }, true, undefined, 1],
    [{ NO_COLOR: '1', FORCE_COLOR: '3' }, true, undefined, 0],
    [{ FORCE_COLOR: '1' }, false, undefined, 1],
    [{ FORCE_COLOR: '' }, false, undefined, 1],
    [{ FORCE_COLOR: '2' }, false, undefined, 2],
    [{ FORCE_COLOR: '3' }, false, undefined, 3],
    [{ FORCE_COLOR: '0' }, true, undefined, 0],
    [{ FORCE_COLOR: 'false' }, true, undefined, 0],
    [{ FORCE_COLOR: '3' }, true, false, 0],
    [{}, true, false, 0],
  ] as const)('%j, tty %s, flag %s → %i', (env, tty, flag, level) => {
    expect(colorLevel(env, tty, flag)).toBe(level);
  });
});

describe('loadPainter', () => {
  it('loads nothing for level 0', async () => {
    expect(await loadPainter(0)).toBeUndefined();
  });

  it.each([1, 2, 3] as const)('level %i is the level chalk uses, whatever chalk would detect', async (level) => {
    expect((await loadPainter(level))?.level).toBe(level);
  });
});

describe('report with colour', () => {
  it('paints only the label, bold red, and still shows control characters in the message', () => {
    const lines: string[] = [];
    const code = report(new NotFoundError('No config named a\x1b[2Jb.'), false, (line) => lines.push(line), new Chalk({ level: 1 }));
    expect(code).toBe(5);
    expect(lines[0]).toBe('\x1b[1m\x1b[31mdynsecret:\x1b[39m\x1b[22m No config named a\\u001b[2Jb.');
  });

  it('has no escape code without a painter', () => {
    const lines: string[] = [];
    report(new NotFoundError('No config named x.'), false, (line) => lines.push(line));
    expect(lines.join('\n')).not.toContain('\x1b');
  });
});
