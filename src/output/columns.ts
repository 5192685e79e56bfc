import { visible } from './terminal-text.js';

/**
 * A plain aligned table (no borders, no colour), cheap enough for the start-up path of `list`. Cells may
 * hold what Atlas sent (usernames of leases made elsewhere), so control characters are shown, not obeyed.
 */
export function renderColumns(headers: readonly string[], untrustedRows: readonly (readonly string[])[]): string {
  const rows = untrustedRows.map((row) => row.map(visible));
  const widths = headers.map((header, i) => Math.max(header.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells.map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(headers), ...rows.map(line)].join('\n') + '\n';
}
