import type { ChalkInstance } from 'chalk';
import { visible } from './terminal-text.js';

/**
 * No borders, no rules between rows: columns separated by two spaces, as `ps` or `kubectl get` print them,
 * so `awk '{print $1}'`, `cut` and copying from a terminal keep working.
 */
const PLAIN_CHARS = {
  top: '',
  'top-mid': '',
  'top-left': '',
  'top-right': '',
  bottom: '',
  'bottom-mid': '',
  'bottom-left': '',
  'bottom-right': '',
  left: '',
  'left-mid': '',
  mid: '',
  'mid-mid': '',
  right: '',
  'right-mid': '',
  middle: '  ',
};

/**
 * An aligned table (cli-table3, loaded only by the commands that print one). Columns are sized by display
 * width, so CJK and emoji (two cells) and combining marks (none) do not shift the columns after them.
 * Cells may hold what Atlas sent (usernames of leases made elsewhere), so their control characters are
 * shown, not obeyed, before anything measures them. `paint` (chalk, given only when stdout is a terminal
 * with colour on) makes the headings bold; without it the text has no escape codes at all.
 */
/**
 * Rows per cli-table3 table. Its layout (row and column spans) costs more per row as a table grows: 10,000
 * lease rows took seconds in one table. Long lists are drawn as consecutive tables with the same column widths,
 * which print as one.
 */
const ROWS_PER_TABLE = 100;

export async function renderColumns(
  headers: readonly string[],
  untrustedRows: readonly (readonly string[])[],
  paint?: ChalkInstance,
): Promise<string> {
  const [{ default: Table }, { default: stringWidth }] = await Promise.all([import('cli-table3'), import('string-width')]);
  const head = headers.map((header) => (paint && header !== '' ? paint.bold(header) : header));
  const rows = untrustedRows.map((row) => row.map(visible));
  // The widths of the whole list, so that every part lines up with the first.
  const colWidths = head.map((header, column) =>
    rows.reduce((widest, row) => Math.max(widest, stringWidth(row[column] ?? '')), stringWidth(header)),
  );
  const parts: string[] = [];
  for (let start = 0; start === 0 || start < rows.length; start += ROWS_PER_TABLE) {
    const table = new Table({
      ...(start === 0 ? { head } : {}),
      colWidths,
      chars: PLAIN_CHARS,
      // No colours of cli-table3's own: its optional colour package is never asked for.
      style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0, compact: true },
    });
    table.push(...rows.slice(start, start + ROWS_PER_TABLE));
    parts.push(table.toString());
  }
  return `${parts
    .join('\n')
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n')}\n`;
}
