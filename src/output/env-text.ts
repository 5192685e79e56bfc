import { checkVariableName, renderAssignment, type Variable } from './formats.js';

/** How the file is read: by a POSIX shell (`. ./file`) or by a dotenv loader. */
export type EnvFileFormat = 'shell' | 'dotenv';

/** One logical entry: a physical line, or an assignment whose quoted value spans several. */
interface Entry {
  text: string;
  eol: '' | '\n' | '\r\n';
  key?: string;
  indent: string;
  exportPrefix: boolean;
}

const BOM = '\uFEFF';
// Keys as dotenv loaders accept them; only exact matches of our names are ever touched.
const ASSIGNMENT = /^([ \t]*)(export[ \t]+)?([A-Za-z0-9_.-]+)[ \t]*=/;

/**
 * Sets each variable: existing entries are replaced in place (all of them, keeping their `export ` style),
 * new ones are appended. Every other line, comment, blank line, the line ending and the presence of a
 * final newline are kept.
 */
export function applyEnvUpdates(text: string, vars: ReadonlyArray<Variable>, format: EnvFileFormat): string {
  const values = new Map(vars);
  for (const [name, value] of values) renderAssignment(format, name, value);
  const { bom, entries, eol } = parse(text, format);
  for (const entry of entries) {
    const value = entry.key === undefined ? undefined : values.get(entry.key);
    if (entry.key === undefined || value === undefined) continue;
    entry.text = entry.indent + renderAssignment(format, entry.key, value, entry.exportPrefix);
  }
  const present = new Set(entries.map((entry) => entry.key));
  const added = [...values].filter(([name]) => !present.has(name));
  if (added.length > 0) {
    const endsWithNewline = entries.length === 0 || entries.at(-1)?.eol !== '';
    const last = entries.at(-1);
    if (last !== undefined) last.eol = eol;
    for (const [name, value] of added) {
      entries.push({ text: renderAssignment(format, name, value), eol, indent: '', exportPrefix: false });
    }
    if (!endsWithNewline) setLastEol(entries, '');
  }
  return bom + join(entries);
}

/** Removes every entry of the given names; everything else stays byte for byte. */
export function removeEnvKeys(text: string, names: ReadonlyArray<string>, format: EnvFileFormat = 'dotenv'): string {
  for (const name of names) checkVariableName(name);
  const { bom, entries } = parse(text, format);
  const endsWithNewline = entries.at(-1)?.eol !== '';
  const kept = entries.filter((entry) => entry.key === undefined || !names.includes(entry.key));
  if (!endsWithNewline) setLastEol(kept, '');
  return kept.length === 0 ? '' : bom + join(kept);
}

function setLastEol(entries: Entry[], eol: Entry['eol']): void {
  const last = entries.at(-1);
  if (last !== undefined) last.eol = eol;
}

function join(entries: Entry[]): string {
  return entries.map((entry) => entry.text + entry.eol).join('');
}

function parse(input: string, format: EnvFileFormat): { bom: string; entries: Entry[]; eol: '\n' | '\r\n' } {
  const bom = input.startsWith(BOM) ? BOM : '';
  const text = input.slice(bom.length);
  const firstNewline = text.indexOf('\n');
  const eol = firstNewline > 0 && text[firstNewline - 1] === '\r' ? '\r\n' : '\n';
  const entries: Entry[] = [];
  let start = 0;
  while (start < text.length) {
    const lineEnd = endOfLine(text, start);
    const match = ASSIGNMENT.exec(text.slice(start, lineEnd));
    let end = lineEnd;
    if (match !== null) {
      const valueStart = start + match[0].length;
      end = (format === 'shell' ? shellValueEnd(text, valueStart) : dotenvValueEnd(text, valueStart)) ?? lineEnd;
    }
    let body = text.slice(start, end);
    let entryEol: Entry['eol'] = '';
    if (end < text.length) {
      entryEol = body.endsWith('\r') ? '\r\n' : '\n';
      if (entryEol === '\r\n') body = body.slice(0, -1);
    }
    entries.push({
      text: body,
      eol: entryEol,
      key: match?.[3],
      indent: match?.[1] ?? '',
      exportPrefix: match?.[2] !== undefined,
    });
    start = end + 1;
  }
  return { bom, entries, eol };
}

function endOfLine(text: string, from: number): number {
  const index = text.indexOf('\n', from);
  return index < 0 ? text.length : index;
}

/**
 * Where a value ends as a dotenv loader (the `dotenv` npm package) reads it: a quote right after `=` may
 * span lines and closes at a matching quote followed only by blanks or a comment on its line; a quote
 * preceded by a backslash may close it only when nothing better follows. Anything else is one line.
 * Returns the index of the line end after the value, or null to treat the entry as one line.
 */
function dotenvValueEnd(text: string, from: number): number | null {
  let open = from;
  while (text[open] === ' ' || text[open] === '\t') open++;
  const quote = text[open];
  if (quote !== "'" && quote !== '"' && quote !== '`') return null;
  const candidates: number[] = [];
  for (let i = open + 1; i < text.length; i++) {
    if (text[i] === '\\' && text[i + 1] === quote) {
      candidates.push(++i);
    } else if (text[i] === quote) {
      candidates.push(i);
      break;
    }
  }
  for (const close of candidates.reverse()) {
    const lineEnd = endOfLine(text, close + 1);
    if (/^[ \t\r]*(#[^\n]*)?$/.test(text.slice(close + 1, lineEnd))) return lineEnd;
  }
  return null;
}

/**
 * Where a value ends as a POSIX shell reads the word: quotes anywhere open a span that may cross lines,
 * a backslash escapes the next character, `#` after a blank starts a comment (right after `=` it does not:
 * `K=#'a` is one word). A backslash-newline is not followed, so a stray one can never swallow the next line.
 * Null when a quote is never closed.
 */
function shellValueEnd(text: string, from: number): number | null {
  let afterBlank = false;
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (c === '\n') return i;
    if (c === "'" || c === '`') {
      const close = text.indexOf(c, i + 1);
      if (close < 0) return null;
      i = close;
    } else if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      if (j >= text.length) return null;
      i = j;
    } else if (c === '\\' && text[i + 1] !== '\n') {
      i++;
    } else if (c === '#' && afterBlank) {
      return endOfLine(text, i);
    }
    afterBlank = c === ' ' || c === '\t';
  }
  return text.length;
}
