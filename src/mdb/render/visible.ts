/*
 * Strings from a dump (hostname, panic message, symbol and cache names, the
 * console buffer) are data, not terminal commands: a dump could carry escape
 * sequences that rewrite the screen or set the window title. Text output
 * shows every control character as a `\xHH` escape (C0 except tab and
 * newline, DEL, and the C1 range, whose 0x9b is a one-byte CSI); --json
 * keeps the characters, escaped by JSON itself.
 */

// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/g;

/** `s` with each control character other than tab and newline written as `\xHH`. */
export function visible(s: string): string {
  return s.replace(CONTROL, (c) => '\\x' + c.charCodeAt(0).toString(16).padStart(2, '0'));
}

/** The same for one-line text (an error line): newlines are shown too. */
export function visibleLine(s: string): string {
  return visible(s).replace(/\n/g, '\\n');
}

// eslint-disable-next-line no-control-regex
const SGR = /\x1b\[[0-9;]*m/g;

/** Coloured output without its SGR sequences (a transcript file is plain text). */
export function withoutSgr(s: string): string {
  return s.includes('\x1b') ? s.replace(SGR, '') : s;
}
