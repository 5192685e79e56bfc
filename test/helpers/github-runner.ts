/**
 * GitHub's reading of a runner file ($GITHUB_ENV, $GITHUB_STATE, $GITHUB_OUTPUT): `NAME=value` lines and
 * `NAME<<DELIMITER` … `DELIMITER` blocks. A line the runner would refuse throws.
 */
export function parseRunnerFile(text: string): Record<string, string> {
  const vars: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === '') continue;
    const equals = line.indexOf('=');
    const heredoc = line.indexOf('<<');
    if (equals !== -1 && (heredoc === -1 || equals < heredoc)) {
      vars[line.slice(0, equals)] = line.slice(equals + 1);
      continue;
    }
    const delimiter = heredoc === -1 ? '' : line.slice(heredoc + 2);
    const end = delimiter === '' ? -1 : lines.indexOf(delimiter, i + 1);
    if (end === -1) throw new Error(`the runner would refuse the line ${line}`);
    vars[line.slice(0, heredoc)] = lines.slice(i + 1, end).join('\n');
    i = end;
  }
  return vars;
}
