/*
 * Terminal input → key events, as a pure function.
 *
 * Why not ink's useInput: it reports both the Backspace key (0x7f) and the
 * Delete key (ESC[3~) as `key.delete` with empty input, and hands a pasted
 * chunk such as "::status\r::kmastat\r" over as one string with
 * `key.return` false (peers.md §4.3 item 8). A debugger's line editor needs
 * both distinctions, so the REPL reads ink's raw input chunks and decodes them
 * here. One chunk may hold any mix of text, control characters and escape
 * sequences; the result lists them in order.
 */

export type KeyName =
  | 'enter'
  | 'tab'
  | 'backspace'
  | 'delete'
  | 'left'
  | 'right'
  | 'wordLeft'
  | 'wordRight'
  | 'home'
  | 'end'
  | 'up'
  | 'down'
  | 'killLine'
  | 'killToEnd'
  | 'killWord'
  | 'yank'
  | 'interrupt'
  | 'eof'
  | 'escape'
  | 'transpose'
  | 'clearScreen'
  | 'reverseSearch'
  | 'cancelSearch'
  | 'suspend';

export type KeyEvent = { kind: 'text'; text: string } | { kind: KeyName };

/** Control characters, emacs/readline style (what mdb's own editor also binds). */
const CONTROL: Readonly<Record<string, KeyName>> = {
  '\x01': 'home', // ^A
  '\x02': 'left', // ^B
  '\x03': 'interrupt', // ^C (raw mode: no SIGINT)
  '\x04': 'eof', // ^D
  '\x05': 'end', // ^E
  '\x06': 'right', // ^F
  '\x08': 'backspace', // ^H
  '\t': 'tab',
  '\n': 'enter',
  '\x07': 'cancelSearch', // ^G (leaves ^R's search)
  '\x0b': 'killToEnd', // ^K
  '\x0c': 'clearScreen', // ^L
  '\x12': 'reverseSearch', // ^R
  '\x14': 'transpose', // ^T
  '\x1a': 'suspend', // ^Z (raw mode: no SIGTSTP)
  '\r': 'enter',
  '\x0e': 'down', // ^N
  '\x10': 'up', // ^P
  '\x15': 'killLine', // ^U
  '\x17': 'killWord', // ^W
  '\x19': 'yank', // ^Y
  '\x7f': 'backspace', // what the Backspace key sends on xterm-like terminals
};

/** Escape sequences (CSI, SS3 and meta forms) that the editor understands. */
const ESCAPES: Readonly<Record<string, KeyName>> = {
  '\x1b[A': 'up',
  '\x1bOA': 'up',
  '\x1b[B': 'down',
  '\x1bOB': 'down',
  '\x1b[C': 'right',
  '\x1bOC': 'right',
  '\x1b[D': 'left',
  '\x1bOD': 'left',
  '\x1b[H': 'home',
  '\x1bOH': 'home',
  '\x1b[1~': 'home',
  '\x1b[7~': 'home',
  '\x1b[F': 'end',
  '\x1bOF': 'end',
  '\x1b[4~': 'end',
  '\x1b[8~': 'end',
  '\x1b[3~': 'delete',
  '\x1b[1;5D': 'wordLeft',
  '\x1b[1;3D': 'wordLeft',
  '\x1bb': 'wordLeft',
  '\x1b[1;5C': 'wordRight',
  '\x1b[1;3C': 'wordRight',
  '\x1bf': 'wordRight',
  '\x1b\x7f': 'killWord',
  '\x1b\b': 'killWord',
};

/** Length of the escape sequence starting at `i` (which holds ESC). */
function escapeLength(s: string, i: number): number {
  const next = s[i + 1];
  if (next === undefined) return 1;
  if (next === '[') {
    // CSI: parameter/intermediate bytes 0x20-0x3f, then one final byte 0x40-0x7e
    let j = i + 2;
    while (j < s.length) {
      const c = s.charCodeAt(j);
      if (c >= 0x40 && c <= 0x7e) return j - i + 1;
      if (c < 0x20 || c > 0x3f) return j - i; // malformed: stop before the odd byte
      j++;
    }
    return s.length - i;
  }
  if (next === 'O') return Math.min(3, s.length - i);
  if (next === '\x1b') return 1; // ESC ESC: treat the first as a lone escape
  // meta + one character (a surrogate pair counts as one)
  const cp = s.codePointAt(i + 1) ?? 0;
  return cp > 0xffff ? 3 : 2;
}

/**
 * Decode one raw input chunk into key events. Printable runs become one
 * `text` event; "\r\n" counts as a single Enter; unknown escape sequences
 * (bracketed-paste markers, function keys) and unbound control characters are
 * dropped.
 */
export function decodeKeys(chunk: string): KeyEvent[] {
  const events: KeyEvent[] = [];
  let text = '';
  const flush = (): void => {
    if (text !== '') {
      events.push({ kind: 'text', text });
      text = '';
    }
  };
  let i = 0;
  while (i < chunk.length) {
    const ch = chunk[i]!;
    if (ch === '\x1b') {
      flush();
      const len = escapeLength(chunk, i);
      const seq = chunk.slice(i, i + len);
      const name = len === 1 ? 'escape' : ESCAPES[seq];
      if (name !== undefined) events.push({ kind: name });
      i += len;
      continue;
    }
    const code = ch.charCodeAt(0);
    if (code < 0x20 || code === 0x7f) {
      flush();
      const name = CONTROL[ch];
      if (name !== undefined) events.push({ kind: name });
      i += ch === '\r' && chunk[i + 1] === '\n' ? 2 : 1;
      continue;
    }
    // C1 controls (0x80-0x9f) would move a terminal's cursor; never insert them
    if (code < 0x80 || code > 0x9f) text += ch;
    i++;
  }
  flush();
  return events;
}
