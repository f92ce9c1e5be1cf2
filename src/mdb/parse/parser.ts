/*
 * mdb's grammar: `[addr][,count] verb [args] [| verb [args] ...]`, commands
 * separated by `;` or newlines (mdb_grammar.y, rewritten as recursive
 * descent). Each command parses independently, so a syntax error costs only
 * its own command: parseLine() returns either a Pipeline or the error for
 * each one, in order.
 *
 * Expression precedence, loosest first: `|`, `^`, `&`, `== !=`, `<< >>`,
 * `+ -`, `* % #`, then the unary `- ~ # * %`. In operand position `+` and `^`
 * are dot plus/minus the increment, `&` the last address, `.` dot.
 */
import { ParseError } from '../errors.js';
import type { Arg, BinaryOp, Expr, FormatItem, Invocation, Pipeline, UnaryOp, Verb } from './ast.js';
import { Scanner, isIdentStart, parseNumber, splitCommands } from './lexer.js';

export type ParsedCommand = { ok: true; pipeline: Pipeline } | { ok: false; text: string; error: ParseError };

/** Parses every command of a line; `radix` is the default for unprefixed numbers. */
export function parseLine(line: string, radix = 16): ParsedCommand[] {
  const simple = parseSimpleLine(line, radix);
  if (simple) return simple;
  return splitCommands(line).map((text) => {
    try {
      return { ok: true, pipeline: parsePipeline(text, radix) };
    } catch (e) {
      if (e instanceof ParseError) return { ok: false, text, error: e };
      throw e;
    }
  });
}

/**
 * The shape `ADDR::dcmd` (a number or a name, then a dcmd without
 * arguments), which a script of lookups (10,000 `ADDR::whatis` lines)
 * repeats: the text before `::` is one word of the characters a number or a
 * plain identifier is made of, and the dcmd name has no `.` or `` ` ``.
 */
const SIMPLE = /^([0-9A-Za-z_]+)::([0-9A-Za-z_]+)$/;

/**
 * parseLine's answer for a line of the shape `ADDR::dcmd`, built without
 * splitting the line or running the scanner (a third of what such a line
 * cost the session before its dcmd ran), or undefined for any other line (and for an address that is not a
 * number, whose syntax error parseLine reports). The tree is the one
 * parsePipeline builds: a word starting with a digit is read whole as a
 * number (primary(): `word()` then parseNumber); a name is a symbol, with the
 * number its letters spell in the radix when it starts with a letter (an
 * identifier stops at `:` as the pattern does). Lines are trimmed as
 * splitCommands trims them, and the pattern admits no `;`, newline, quote,
 * space, `|`, `!` or `,`, so the line is one command of one stage.
 */
function parseSimpleLine(line: string, radix = 16): ParsedCommand[] | undefined {
  const text = line.trim();
  const m = SIMPLE.exec(text);
  if (!m) return undefined;
  const word = m[1]!;
  let addr: Expr;
  const c = word.charCodeAt(0);
  if (c >= 48 && c <= 57) {
    const v = parseNumber(word, radix);
    if (v === undefined) return undefined;
    addr = { kind: 'num', value: v };
  } else {
    const number = c !== 95 ? parseNumber(word, radix) : undefined;
    addr = number === undefined ? { kind: 'sym', name: word } : { kind: 'sym', name: word, number };
  }
  return [{ ok: true, pipeline: { text, stages: [{ verb: { kind: 'dcmd', name: m[2]!, args: [] }, addr }] } }];
}

/** One command (no `;`): a pipeline of one or more stages. */
export function parsePipeline(text: string, radix = 16): Pipeline {
  const p = new Parser(new Scanner(text), radix);
  const stages = p.pipeline();
  return p.shell === undefined ? { text, stages } : { text, stages, shell: p.shell };
}

/** A standalone expression (for `$[...]` arguments and tests). */
export function parseExpression(text: string, radix = 16): Expr {
  const p = new Parser(new Scanner(text), radix);
  const e = p.expr(0);
  p.s.skipSpace();
  if (!p.s.eof()) throw p.s.error();
  return e;
}

const BINARY: Array<[BinaryOp[], number]> = [
  [['|'], 1],
  [['^'], 2],
  [['&'], 3],
  [['==', '!='], 4],
  [['<<', '>>'], 5],
  [['+', '-'], 6],
  [['*', '%', '#'], 7],
];

const WRITE_LETTERS = new Set(['v', 'w', 'W', 'Z']);

/**
 * How deeply parentheses and `$[...]` may nest. mdb's yacc parser has a
 * fixed stack (YYMAXDEPTH) and refuses deeper input; recursive descent
 * would instead run out of JavaScript stack, so the limit is explicit.
 * Unary operators and left-associative chains (`1+1+...`) do not count:
 * they are parsed in loops and evaluated without recursion (eval.ts).
 */
export const MAX_NESTING = 256;

/**
 * The largest repeat count a format item may carry (`0t100X`): the same cap
 * as `addr,count` (engine.ts MAX_COUNT), so no format string prints or
 * allocates without bound.
 */
export const MAX_FORMAT_COUNT = 0x10000;

class Parser {
  /** current nesting of `(` and `$[` */
  private depth = 0;

  constructor(
    readonly s: Scanner,
    private readonly radix: number,
  ) {}

  pipeline(): Invocation[] {
    const stages: Invocation[] = [this.invocation(true)];
    this.s.skipSpace();
    while (this.s.peek() === '|') {
      this.s.pos++;
      stages.push(this.invocation(false));
      this.s.skipSpace();
    }
    if (!this.s.eof()) {
      if (this.s.peek() === '!') {
        this.shell = this.s.text.slice(this.s.pos + 1).trim();
        if (this.shell === '') throw new ParseError('missing shell command after !');
        this.s.pos = this.s.text.length;
        return stages;
      }
      throw this.s.error();
    }
    return stages;
  }

  /** the shell command after `!`, if any */
  shell: string | undefined;

  private invocation(first: boolean): Invocation {
    const s = this.s;
    s.skipSpace();
    const inv: Invocation = { verb: { kind: 'none' } };
    if (first && this.startsExpression()) inv.addr = this.expr(0);
    s.skipSpace();
    if (s.peek() === ',') {
      s.pos++;
      s.skipSpace();
      inv.count = this.expr(0);
      s.skipSpace();
    }
    inv.verb = this.verb();
    if (inv.verb.kind === 'none' && !first) throw s.error();
    if (inv.verb.kind === 'none' && inv.addr === undefined && inv.count === undefined) throw s.error();
    return inv;
  }

  private startsExpression(): boolean {
    const c = this.s.peek();
    if (c === undefined) return false;
    if (c === ':' || c === '$' || c === '/' || c === '\\' || c === '?' || c === ',' || c === '|' || c === '!') return false;
    if (c === '=' && this.s.peek(1) !== '=') return false;
    if (c === '>' && this.s.peek(1) !== '>') return false;
    return true;
  }

  private verb(): Verb {
    const s = this.s;
    const c = s.peek();
    if (c === undefined || c === '|') return { kind: 'none' };
    if (s.startsWith('::')) {
      s.pos += 2;
      const name = s.ident();
      if (name === '') throw s.error();
      return { kind: 'dcmd', name, args: this.args() };
    }
    if (c === ':') {
      s.pos++;
      const ch = s.peek();
      if (ch === undefined || !/[A-Za-z]/.test(ch)) throw s.error();
      s.pos++;
      return { kind: 'dcmd', name: `:${ch}`, args: this.args() };
    }
    if (c === '$') {
      s.pos++;
      if (s.peek() === '<') {
        s.pos++;
        if (s.peek() === '<') s.pos++;
        s.skipSpace();
        const file = s.argWord();
        return { kind: 'dcmd', name: '$<', args: file ? [{ kind: 'str', value: file }, ...this.args()] : this.args() };
      }
      const ch = s.peek();
      if (ch === undefined || /\s/.test(ch)) throw s.error();
      s.pos++;
      return { kind: 'dcmd', name: `$${ch}`, args: this.args() };
    }
    if (c === '/' || c === '\\' || c === '?' || c === '=') {
      s.pos++;
      return this.format(c);
    }
    if (c === '>') {
      s.pos++;
      s.skipSpace();
      const name = s.ident();
      if (name === '') throw s.error();
      return { kind: 'assign', name };
    }
    if (c === '!') return { kind: 'none' };
    throw s.error();
  }

  /** Arguments up to `|` or the end: words, quoted strings, `$[expr]`. */
  private args(): Arg[] {
    const s = this.s;
    const out: Arg[] = [];
    for (;;) {
      s.skipSpace();
      const c = s.peek();
      if (c === undefined || c === '|' || c === '!') return out;
      if (s.startsWith('$[')) {
        const start = s.pos;
        s.pos += 2;
        this.enter();
        const expr = this.expr(0);
        this.depth--;
        s.skipSpace();
        if (s.peek() !== ']') throw s.error();
        s.pos++;
        out.push({ kind: 'expr', expr, text: s.text.slice(start, s.pos) });
        continue;
      }
      out.push({ kind: 'str', value: s.argWord() });
    }
  }

  /** A format string: `[count]letter` items and "quoted text"; write letters take values. */
  private format(space: '/' | '\\' | '?' | '='): Verb {
    const s = this.s;
    const items: FormatItem[] = [];
    const values: Arg[] = [];
    for (;;) {
      s.skipSpace();
      const c = s.peek();
      if (c === undefined || c === '|' || c === '!') break;
      if (items.length > 0 && items[0]!.kind === 'fmt' && WRITE_LETTERS.has(items[0]!.letter)) {
        values.push(...this.args());
        break;
      }
      if (c === '"' || c === "'") {
        items.push({ kind: 'text', text: s.quoted() });
        continue;
      }
      let count = 1;
      if (/[0-9]/.test(c)) {
        const start = s.pos;
        while (/[0-9]/.test(s.peek() ?? '')) s.pos++;
        count = Number(s.text.slice(start, s.pos));
        if (!(count <= MAX_FORMAT_COUNT)) throw new ParseError(`format repeat count ${s.text.slice(start, s.pos)} exceeds the limit of 0t${MAX_FORMAT_COUNT}`);
      }
      const letter = s.peek();
      if (letter === undefined || /[\s|]/.test(letter)) throw s.error();
      s.pos++;
      items.push({ kind: 'fmt', letter, count });
    }
    return { kind: 'format', space, items, values };
  }

  /** Precedence climbing over mdb's binary operators. */
  expr(minPrec: number): Expr {
    let left = this.unary();
    for (;;) {
      this.s.skipSpace();
      const op = this.binaryOp();
      if (!op) return left;
      const prec = BINARY.find(([ops]) => ops.includes(op))![1];
      if (prec < minPrec) return left;
      this.s.pos += op.length;
      const right = this.expr(prec + 1);
      left = { kind: 'binary', op, left, right };
    }
  }

  private binaryOp(): BinaryOp | undefined {
    const s = this.s;
    for (const op of ['<<', '>>', '==', '!='] as const) if (s.startsWith(op)) return op;
    const c = s.peek();
    if (c === '*' || c === '%' || c === '#' || c === '+' || c === '-' || c === '&' || c === '^' || c === '|') return c;
    return undefined;
  }

  /** Prefix operators, read in a loop (thousands of `~` cost no stack). */
  private unary(): Expr {
    const s = this.s;
    const ops: UnaryOp[] = [];
    for (;;) {
      s.skipSpace();
      const c = s.peek();
      if (c !== '-' && c !== '~' && c !== '#' && c !== '*' && c !== '%') break;
      s.pos++;
      ops.push(c);
    }
    let e = this.primary();
    for (let i = ops.length - 1; i >= 0; i--) e = { kind: 'unary', op: ops[i]!, arg: e };
    return e;
  }

  /** One level deeper into `(` or `$[`, refused past MAX_NESTING. */
  private enter(): void {
    if (++this.depth > MAX_NESTING) throw new ParseError(`expression nested too deeply (more than ${MAX_NESTING} levels)`);
  }

  private primary(): Expr {
    const s = this.s;
    const c = s.peek();
    if (c === undefined) throw s.error();
    if (c === '(') {
      s.pos++;
      this.enter();
      const e = this.expr(0);
      this.depth--;
      s.skipSpace();
      if (s.peek() !== ')') throw s.error();
      s.pos++;
      return e;
    }
    if (/[0-9]/.test(c)) {
      const start = s.pos;
      const text = s.word();
      const v = parseNumber(text, this.radix);
      if (v === undefined) {
        s.pos = start;
        throw s.error();
      }
      return { kind: 'num', value: v };
    }
    if (c === '<' && s.peek(1) !== '<') {
      s.pos++;
      const name = s.peek() === '.' ? (s.pos++, '.') : s.word();
      if (name === '') throw s.error();
      return { kind: 'var', name };
    }
    if (c === '.' && !isIdentStart(s.peek(1))) {
      s.pos++;
      return { kind: 'dot' };
    }
    if (c === '&') {
      s.pos++;
      return { kind: 'lastdot' };
    }
    if (c === '+') {
      s.pos++;
      return { kind: 'incr' };
    }
    if (c === '^') {
      s.pos++;
      return { kind: 'decr' };
    }
    if (isIdentStart(c) || c === '.') {
      const name = s.ident();
      // A name made of digits in the default radix is a number unless a
      // symbol of that name exists (mdb prefers the symbol); decided at run time.
      const number = /^[A-Za-z]/.test(name) ? parseNumber(name, this.radix) : undefined;
      return number === undefined ? { kind: 'sym', name } : { kind: 'sym', name, number };
    }
    throw s.error();
  }
}
