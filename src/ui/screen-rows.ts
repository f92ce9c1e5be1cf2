/*
 * Output text → terminal rows, the unit the pager counts.
 *
 * The characters are batch mode's; only their placement on the screen is
 * decided here, the way a terminal would place them:
 *  - tabs expand to the next multiple of 8 columns (ink's layout does not
 *    know tabs and would misalign them);
 *  - a line wider than the terminal is cut into rows of `columns` characters
 *    (a terminal's own autowrap; ink would otherwise word-wrap, which moves
 *    text and makes the pager's row count wrong);
 *  - other control characters, ESC included, show as ^X (as `cat -v` does),
 *    so text read from a dump can never move the cursor or repaint the screen.
 * Width is counted in UTF-16 units: dcmd output is ASCII.
 */

const TAB = 8;

/** Controls other than TAB, ESC included, plus DEL and the C1 range. */
const CONTROL_RE = /[\x00-\x08\x0a-\x1f\x7f-\x9f]/g;

function caret(ch: string): string {
  const code = ch.charCodeAt(0);
  if (code === 0x7f) return '^?';
  if (code < 0x20) return '^' + String.fromCharCode(code + 0x40);
  return `\\x${code.toString(16)}`;
}

function expandTabs(line: string): string {
  let out = '';
  for (const ch of line) {
    if (ch === '\t') out += ' '.repeat(TAB - (out.length % TAB));
    else out += ch;
  }
  return out;
}

/** Clean one logical line (no '\n' inside) for display. */
export function displayLine(line: string): string {
  let s = line;
  if (s.endsWith('\r')) s = s.slice(0, -1); // a CRLF producer; the CR means nothing here
  if (CONTROL_RE.test(s)) s = s.replace(CONTROL_RE, caret);
  CONTROL_RE.lastIndex = 0;
  if (s.includes('\t')) s = expandTabs(s);
  return s;
}

/** The logical lines of newline-terminated text (no trailing empty line). */
export function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Text → screen rows at `columns` wide. */
export function toScreenRows(text: string, columns: number): string[] {
  const width = Math.max(1, Math.floor(columns));
  const rows: string[] = [];
  for (const raw of splitLines(text)) {
    const line = displayLine(raw);
    if (line.length <= width) {
      rows.push(line);
      continue;
    }
    for (let i = 0; i < line.length; i += width) rows.push(line.slice(i, i + width));
  }
  return rows;
}
