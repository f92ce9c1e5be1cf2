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
 *    so text read from a dump can never move the cursor or repaint the screen;
 *  - with colour on, SGR sequences (ESC [ digits ; m: colour and weight, never
 *    cursor motion or a window title) pass through and take no width. The
 *    engine writes them only around its own highlights (a non-zero alloc fail,
 *    a usage bar): every string it prints from a dump has had its ESC made
 *    visible first (render/visible.ts), so a dump cannot smuggle one in.
 *    A row cut from a coloured line ends with a reset and the next row
 *    reopens the colour, so no colour leaks past its row.
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

/** An SGR sequence, or a control character that is not the start of one. */
// eslint-disable-next-line no-control-regex
const SGR_OR_CONTROL_RE = /\x1b\[[0-9;]*m|[\x00-\x08\x0a-\x1f\x7f-\x9f]/g;
// eslint-disable-next-line no-control-regex
const SGR_AT = /\x1b\[[0-9;]*m/y;
const RESET = '\x1b[0m';

/** The SGR sequence starting at `i`, or '' */
function sgrAt(line: string, i: number): string {
  if (line.charCodeAt(i) !== 0x1b) return '';
  SGR_AT.lastIndex = i;
  const m = SGR_AT.exec(line);
  return m ? m[0] : '';
}

function expandTabs(line: string): string {
  let out = '';
  let col = 0;
  for (let i = 0; i < line.length; ) {
    const seq = sgrAt(line, i);
    if (seq !== '') {
      out += seq;
      i += seq.length;
      continue;
    }
    const ch = line[i++]!;
    if (ch === '\t') {
      const n = TAB - (col % TAB);
      out += ' '.repeat(n);
      col += n;
    } else {
      out += ch;
      col++;
    }
  }
  return out;
}

/**
 * Clean one logical line (no '\n' inside) for display; `sgr`: colour is on,
 * SGR sequences are kept (see above).
 */
export function displayLine(line: string, sgr = false): string {
  let s = line;
  if (s.endsWith('\r')) s = s.slice(0, -1); // a CRLF producer; the CR means nothing here
  if (sgr) s = s.replace(SGR_OR_CONTROL_RE, (m) => (m.length > 1 ? m : caret(m)));
  else {
    if (CONTROL_RE.test(s)) s = s.replace(CONTROL_RE, caret);
    CONTROL_RE.lastIndex = 0;
  }
  if (s.includes('\t')) s = expandTabs(s);
  return s;
}

/** A displayed line with SGR sequences cut into rows of `width` columns, each closing its colour. */
function cutColoured(line: string, width: number): string[] {
  const rows: string[] = [];
  let cur = '';
  let n = 0;
  let active = '';
  for (let i = 0; i < line.length; ) {
    const seq = sgrAt(line, i);
    if (seq !== '') {
      cur += seq;
      active = seq === RESET || seq === '\x1b[m' ? '' : active + seq;
      i += seq.length;
      continue;
    }
    if (n === width) {
      rows.push(active !== '' ? cur + RESET : cur);
      cur = active;
      n = 0;
    }
    cur += line[i++];
    n++;
  }
  rows.push(active !== '' ? cur + RESET : cur);
  return rows;
}

/** The logical lines of newline-terminated text (no trailing empty line). */
export function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Text → screen rows at `columns` wide; `sgr`: colour is on (keep SGR sequences). */
export function toScreenRows(text: string, columns: number, sgr = false): string[] {
  const width = Math.max(1, Math.floor(columns));
  const rows: string[] = [];
  for (const raw of splitLines(text)) {
    const line = displayLine(raw, sgr);
    if (sgr && line.includes('\x1b')) {
      const cut = cutColoured(line, width);
      for (const r of cut) rows.push(r);
      continue;
    }
    if (line.length <= width) {
      rows.push(line);
      continue;
    }
    for (let i = 0; i < line.length; i += width) rows.push(line.slice(i, i + width));
  }
  return rows;
}
