/*
 * Character-level scanning for mdb's command language. mdb's own lexer is
 * stateful (an address expression, a dcmd's arguments and a format string
 * are tokenised differently), so this is a cursor with one reader per state
 * and the parser decides which to call.
 */
import { ParseError } from '../errors.js';

/** Splits a line into its `;`/newline-separated commands, leaving quoted text and `$[...]` intact. */
export function splitCommands(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quote = '';
  let bracket = 0;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      cur += c;
      if (c === '\\' && quote === '"' && i + 1 < line.length) cur += line[++i]!;
      else if (c === quote) quote = '';
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    else if (c === '$' && line[i + 1] === '[') bracket++;
    else if (c === ']' && bracket > 0) bracket--;
    else if ((c === ';' || c === '\n' || c === '\r') && bracket === 0) {
      out.push(cur);
      cur = '';
      continue;
    }
    cur += c;
  }
  out.push(cur);
  return out.map((s) => s.trim()).filter((s) => s !== '');
}

export const isIdentStart = (c: string | undefined): boolean => c !== undefined && /[A-Za-z_]/.test(c);
export const isIdentChar = (c: string | undefined): boolean => c !== undefined && /[A-Za-z0-9_.`]/.test(c);
const isSpace = (c: string | undefined): boolean => c === ' ' || c === '\t';

/** A cursor over one command's text. */
export class Scanner {
  pos = 0;
  constructor(readonly text: string) {}

  peek(n = 0): string | undefined {
    return this.text[this.pos + n];
  }
  startsWith(s: string): boolean {
    return this.text.startsWith(s, this.pos);
  }
  eof(): boolean {
    return this.pos >= this.text.length;
  }
  skipSpace(): void {
    while (isSpace(this.peek())) this.pos++;
  }

  /** mdb's complaint about the text at the cursor. */
  error(): ParseError {
    const rest = this.text.slice(this.pos).trim();
    const near = rest === '' ? this.text.trim() : rest.split(/\s+/)[0]!;
    return new ParseError(`syntax error near "${near}"`);
  }

  /** An identifier: letters, digits, `_`, `.`, and `` ` `` for module scoping. */
  ident(): string {
    const start = this.pos;
    while (isIdentChar(this.peek())) this.pos++;
    return this.text.slice(start, this.pos);
  }

  /** The run of letters, digits and underscores at the cursor (a number's text). */
  word(): string {
    const start = this.pos;
    while (/[A-Za-z0-9_]/.test(this.peek() ?? '')) this.pos++;
    return this.text.slice(start, this.pos);
  }

  /** A quoted string; the cursor is on the opening quote. Double quotes take C escapes. */
  quoted(): string {
    const q = this.text[this.pos++]!;
    let s = '';
    while (!this.eof()) {
      const c = this.text[this.pos++]!;
      if (c === q) return s;
      if (c === '\\' && q === '"' && !this.eof()) s += unescape(this.text[this.pos++]!);
      else s += c;
    }
    throw new ParseError(`unterminated string`);
  }

  /**
   * A dcmd argument word: unquoted text up to whitespace, `|` or `!`, with
   * quoted parts joined in (`foo"bar baz"` is one argument, as in a shell).
   */
  argWord(): string {
    let s = '';
    while (!this.eof()) {
      const c = this.peek()!;
      if (isSpace(c) || c === '|' || c === '!') break;
      if (c === '"' || c === "'") s += this.quoted();
      else {
        s += c;
        this.pos++;
      }
    }
    return s;
  }
}

function unescape(c: string): string {
  switch (c) {
    case 'n':
      return '\n';
    case 't':
      return '\t';
    case 'r':
      return '\r';
    case '0':
      return '\0';
    case 'a':
      return '\x07';
    case 'b':
      return '\b';
    default:
      return c;
  }
}

const RADIX: Record<string, number> = { x: 16, t: 10, o: 8, i: 2 };
/** Digits of the radixes BigInt() reads, and its prefix for each. */
const FAST_DIGITS: Record<number, RegExp> = { 16: /^[0-9a-fA-F]{1,64}$/, 10: /^[0-9]{1,64}$/, 8: /^[0-7]{1,64}$/, 2: /^[01]{1,128}$/ };
const FAST_PREFIX: Record<number, string> = { 16: '0x', 10: '', 8: '0o', 2: '0b' };

/**
 * A number in mdb's syntax: `0x`, `0t`, `0o`, `0i` prefixes (default radix
 * otherwise), `_` allowed between digits but not right after a prefix, and
 * nothing that overflows 64 bits. Returns undefined for text that is not a
 * valid number (the caller decides whether that is a symbol or an error).
 */
export function parseNumber(text: string, radix: number): bigint | undefined {
  let base = radix;
  let digits = text;
  const m = /^0([xXtToOiI])/.exec(text);
  if (m && text.length > 2) {
    base = RADIX[m[1]!.toLowerCase()]!;
    digits = text.slice(2);
    if (digits.startsWith('_')) return undefined;
  } else if (m && text.length === 2 && base <= 16 && !/^[0-9a-fA-F]$/.test(m[1]!)) {
    return undefined;
  }
  if (digits === '' || digits.startsWith('_')) return undefined;
  // the usual case, an address in hex or a count in decimal: one BigInt() of the digits, not one per digit
  const plain = digits.includes('_') ? digits.replace(/_/g, '') : digits;
  const fast = FAST_DIGITS[base];
  if (fast && fast.test(plain)) {
    const v = BigInt(`${FAST_PREFIX[base]!}${plain}`);
    return v > 0xffffffffffffffffn ? undefined : v;
  }
  let v = 0n;
  const b = BigInt(base);
  for (const c of digits) {
    if (c === '_') continue;
    const d = parseInt(c, 36);
    if (Number.isNaN(d) || d >= base) return undefined;
    v = v * b + BigInt(d);
    if (v > 0xffffffffffffffffn) return undefined;
  }
  return v;
}
