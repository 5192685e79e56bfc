import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import { renderColumns } from '../../../src/output/columns.js';

// Every expectation is written out by hand, column by column: a CJK character and an emoji take two
// terminal cells, a combining mark none.
describe('renderColumns: aligned by display width', () => {
  it.each([
    ['ASCII', [['ds-app-1', 'active']], ['USERNAME  STATUS', 'ds-app-1  active']],
    [
      'CJK (two cells each)',
      [
        ['用户名', 'active'],
        ['ab', 'gone'],
      ],
      ['USERNAME  STATUS', '用户名    active', 'ab        gone'],
    ],
    [
      'emoji (two cells)',
      [
        ['😀x', 'active'],
        ['ab', 'gone'],
      ],
      ['USERNAME  STATUS', '😀x       active', 'ab        gone'],
    ],
    [
      'combining marks (no cell)',
      [
        ['e\u0301e\u0301', 'active'],
        ['abcdefghij', 'gone'],
      ],
      ['USERNAME    STATUS', 'e\u0301e\u0301          active', 'abcdefghij  gone'],
    ],
    [
      'wide names longer than the heading',
      [
        ['ユーザー名前', 'x'],
        ['b', 'y'],
      ],
      ['USERNAME      STATUS', 'ユーザー名前  x', 'b             y'],
    ],
  ])('%s', async (_case, rows, lines) => {
    expect(await renderColumns(['USERNAME', 'STATUS'], rows)).toBe(`${lines.join('\n')}\n`);
  });

  it('keeps the columns after a wide cell in place', async () => {
    const text = await renderColumns(
      ['A', 'B', 'C'],
      [
        ['漢字漢字', 'x', 'y'],
        ['abcdefgh', 'x', 'y'],
      ],
    );
    const [, wide, ascii] = text.split('\n');
    // Both rows end at the same display column: the CJK row has 4 fewer code units for the same width.
    expect(wide).toBe('漢字漢字  x  y');
    expect(ascii).toBe('abcdefgh  x  y');
  });

  it.each([0, 1, 99, 100, 101, 250])('a list of %i rows is one aligned table, whatever its length', async (count) => {
    // The widest cells sit in the last rows, after the first part of a long list has been drawn.
    const rows = Array.from({ length: count }, (_, i) => (i === count - 1 ? ['用户名用户名用户名', 'x'] : [`ds-app-${i}`, 'active']));
    const lines = (await renderColumns(['USERNAME', 'STATUS'], rows)).split('\n');
    expect(lines).toHaveLength(count + 2);
    expect(lines.at(-1)).toBe('');
    const statusColumn = count === 0 ? 'USERNAME  '.length : '用户名用户名用户名'.length * 2 + 2;
    expect(lines[0]).toBe(`${'USERNAME'.padEnd(statusColumn)}STATUS`);
    rows.forEach((row, i) => {
      // The CJK name is 9 characters and 18 cells wide: pad by cells, not characters.
      const pad = row[0]!.startsWith('用') ? 2 : statusColumn - row[0]!.length;
      expect(lines[i + 1]).toBe(`${row[0]}${' '.repeat(pad)}${row[1]}`);
    });
  });

  it('shows control characters as escapes before measuring them', async () => {
    const text = await renderColumns(['NAME', 'X'], [['a\x1b[31mb\nc', 'y']]);
    expect(text).toBe('NAME                 X\na\\u001b[31mb\\u000ac  y\n');
  });

  it('is plain without a painter: no escape codes, no borders, no trailing blanks', async () => {
    const text = await renderColumns(
      ['NAME', '', 'STATUS'],
      [
        ['a', '(in 5m)', 'active'],
        ['bb', '', ''],
      ],
    );
    expect(text).toBe('NAME           STATUS\na     (in 5m)  active\nbb\n');
    expect(text).not.toMatch(/[─│┌]/);
    expect(text).not.toContain('\x1b');
  });

  it('with a painter (stdout on a terminal), only the headings are bold and the columns stay aligned', async () => {
    const text = await renderColumns(['NAME', 'STATUS'], [['用户', 'active']], new Chalk({ level: 1 }));
    expect(text).toBe('\x1b[1mNAME\x1b[22m  \x1b[1mSTATUS\x1b[22m\n用户  active\n');
  });

  it('an empty table is its headings', async () => {
    expect(await renderColumns(['A', 'B'], [])).toBe('A  B\n');
  });
});
