/*
 * mdb's format letters (/fmt, =fmt): each reads a fixed number of bytes at
 * dot and prints them one way. Widths follow mdb's table (%-16x for X, %-8x
 * for B, ...), with the 64-bit decimal and octal columns wide enough for
 * their largest values as current illumos prints them; J and K widen to 17
 * when the top nibble is set so adjacent values never touch.
 */
import type { FormatItem } from './parse/ast.js';
import { MAX_FORMAT_COUNT } from './parse/parser.js';
import { InstructionReadError, MdbError } from './errors.js';
import type { Iob } from './render/iob.js';
import { numtostr, signed } from './render/number.js';
import type { Target } from './target.js';
import { codeSource, insnAt } from './target/x86dis.js';

/** What a format letter works with. */
export interface FormatContext {
  target: Target;
  iob: Iob;
  /** reads for the verb: target memory for `/`, the value of dot for `=` */
  read(addr: bigint, n: number): Uint8Array;
  /** the increment before this command (for `^`) */
  incr: bigint;
  /** the last value printed (mdb's rvalue, variable `0`) */
  last?: bigint;
  /** --json: each value printed, as data (absent in text mode) */
  values?: FormatValue[];
  /** the values are read from memory at an address (`/`), not from dot itself (`=`) */
  addressed?: boolean;
  /** the letter being run (printFormat sets it) */
  letter?: string;
}

/**
 * One value a format verb printed, as --json gives it: the letter, where it
 * was read (for `/`), the raw bits (`value`, a hex string) and the text as
 * printed (`text`: decimal for D, a symbol for p, a date for Y); strings
 * (s, S, C) give `string`, `a` gives `symbol`.
 */
export interface FormatValue {
  format: string;
  address?: bigint;
  bytes?: number;
  value?: bigint;
  text?: string;
  string?: string;
  symbol?: string;
}

function pushValue(fc: FormatContext, addr: bigint, v: Omit<FormatValue, 'format' | 'address'>): void {
  if (!fc.values) return;
  fc.values.push({ format: fc.letter ?? '', ...(fc.addressed ? { address: addr } : {}), ...v });
}

interface Letter {
  /** bytes consumed per repetition: a number, 'ptr' for pointer-sized, 0 for variable, -1 for none */
  size: number | 'ptr';
  /** the size ::formats shows when it differs from `size` (fmttab's f_size) */
  listSize?: number;
  help: string;
  run(fc: FormatContext, addr: bigint, count: number): bigint;
}

/** The little-endian value of b: up to 8 bytes as two 32-bit halves, with no BigInt per byte. */
function le(b: Uint8Array): bigint {
  const n = b.length;
  if (n > 8) {
    let v = 0n;
    for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
    return v;
  }
  let lo = 0;
  for (let i = Math.min(n, 4) - 1; i >= 0; i--) lo = lo * 256 + b[i]!;
  if (n <= 4) return BigInt(lo);
  let hi = 0;
  for (let i = n - 1; i >= 4; i--) hi = hi * 256 + b[i]!;
  return (BigInt(hi) << 32n) | BigInt(lo);
}

/**
 * A letter that reads `size` bytes `count` times and prints each as a field.
 * `show` is a function of the value alone (and the target, fixed for a
 * run), so a value equal to the previous one reuses its text: `=0t65536F`
 * prints one value 65536 times, and memory is often runs of one pattern.
 */
function numeric(size: number | 'ptr', help: string, show: (v: bigint, fc: FormatContext, n: number) => [string, number]): Letter {
  return {
    size,
    help,
    run(fc, addr, count) {
      const n = size === 'ptr' ? fc.target.pointerSize : size;
      const step = BigInt(n);
      let prev: bigint | undefined;
      let text = '';
      let width = 0;
      for (let i = 0; i < count; i++) {
        const v = le(fc.read(addr, n));
        if (v !== prev) {
          [text, width] = show(v, fc, n);
          prev = v;
        }
        fc.iob.field(text, width);
        pushValue(fc, addr, { bytes: n, value: v, text });
        fc.last = v;
        addr += step;
      }
      return addr;
    },
  };
}

/** Scratch words for reinterpreting bits as a double or float (the same bits DataView gives). */
const SCRATCH = new ArrayBuffer(8);
const SCRATCH_U64 = new BigUint64Array(SCRATCH);
const SCRATCH_F64 = new Float64Array(SCRATCH);
const SCRATCH_U32 = new Uint32Array(SCRATCH, 0, 1);
const SCRATCH_F32 = new Float32Array(SCRATCH, 0, 1);

function asDouble(v: bigint): number {
  SCRATCH_U64[0] = v;
  return SCRATCH_F64[0]!;
}

function asFloat(v: bigint): number {
  SCRATCH_U32[0] = Number(v);
  return SCRATCH_F32[0]!;
}

const dec = (w: number, bytes: number) => (v: bigint): [string, number] => [numtostr(signed(v, bytes), 10), w];
const udec = (w: number) => (v: bigint): [string, number] => [numtostr(v, 10, { unsigned: true }), w];
const hexw = (w: number) => (v: bigint): [string, number] => [numtostr(v, 16, { unsigned: true }), w];
const oct = (w: number, alt: boolean, sgn: number) => (v: bigint): [string, number] => {
  const val = sgn ? signed(v, sgn) : v;
  const s = numtostr(val, 8, { unsigned: sgn === 0 });
  return [alt && v !== 0n ? (s.startsWith('-') ? `-0${s.slice(1)}` : `0${s}`) : s, w];
};
const hex64 = (v: bigint): [string, number] => [v.toString(16), v >> 60n !== 0n ? 17 : 16];

/** C escapes for a byte string (mdb's strchr2esc). */
export function escapeString(s: string): string {
  const named: Record<string, string> = { '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v', '\\': '\\\\', '"': '\\"', '\0': '\\0' };
  let out = '';
  for (const c of s) {
    const code = c.charCodeAt(0);
    out += (Object.hasOwn(named, c) ? named[c] : undefined) ?? (code < 0x20 || code > 0x7e ? `\\${code.toString(8).padStart(3, '0')}` : c);
  }
  return out;
}

/** A time_t as mdb's %Y prints it: "1986 Sep 13 00:00:00" (UTC). */
export function formatTime(secs: bigint): string {
  const d = new Date(Number(secs) * 1000);
  if (Number.isNaN(d.getTime())) return secs.toString();
  const mon = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][d.getUTCMonth()]!;
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()} ${mon} ${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
}

/** printf's %g with the default precision of 6. */
export function formatG(x: number): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const exp = Math.floor(Math.log10(Math.abs(x)));
  if (exp < -4 || exp >= 6) {
    const [m, e] = x.toExponential(5).split('e');
    const mant = m!.includes('.') ? m!.replace(/0+$/, '').replace(/\.$/, '') : m!;
    const en = Number(e);
    return `${mant}e${en < 0 ? '-' : '+'}${String(Math.abs(en)).padStart(2, '0')}`;
  }
  const f = x.toFixed(Math.max(0, 5 - exp));
  return f.includes('.') ? f.replace(/0+$/, '').replace(/\.$/, '') : f;
}

/**
 * The most bytes one string item (`0t100s`) may read over all its
 * repetitions: each string stops at 4096 bytes, so without this a large
 * count over memory with no NUL would read for minutes.
 */
export const MAX_STRING_BYTES = 1 << 20;

/** Bytes as a latin-1 string, without spreading them as call arguments (no stack limit). */
export function bytesToString(bytes: ArrayLike<number>): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 4096) s += String.fromCharCode(...Array.prototype.slice.call(bytes, i, i + 4096));
  return s;
}

function stringLetter(escape: boolean, help: string): Letter {
  return {
    size: 0,
    help,
    run(fc, addr, count) {
      let total = 0;
      for (let i = 0; i < count; i++) {
        const at = addr;
        const bytes: number[] = [];
        for (;;) {
          if (++total > MAX_STRING_BYTES) throw new MdbError(`string format read more than ${MAX_STRING_BYTES} bytes; use a smaller count`);
          const b = fc.read(addr, 1)[0]!;
          addr += 1n;
          if (b === 0) break;
          bytes.push(b);
          if (bytes.length >= 4096) break;
        }
        const s = bytesToString(bytes);
        fc.iob.puts(escape ? escapeString(s) : s);
        pushValue(fc, at, { string: s });
        if (i + 1 < count) fc.iob.puts('\\0');
      }
      return addr;
    },
  };
}

const move = (help: string, f: (addr: bigint, count: number, fc: FormatContext) => bigint): Letter => ({ size: -1, help, run: (fc, addr, count) => f(addr, count, fc) });
/** +, - and ^ move dot by a count: fmttab gives them size 0, so ::formats says "(variable size)" */
const moveBy = (help: string, f: (addr: bigint, count: number, fc: FormatContext) => bigint): Letter => ({ ...move(help, f), listSize: 0 });


export const LETTERS: Record<string, Letter> = {
  B: numeric(1, 'hexadecimal int', hexw(8)),
  C: {
    size: 1,
    help: 'character using C character notation',
    run(fc, addr, count) {
      const b = fc.read(addr, count);
      fc.iob.puts(escapeString(bytesToString(b)));
      pushValue(fc, addr, { string: bytesToString(b) });
      return addr + BigInt(count);
    },
  },
  D: numeric(4, 'decimal signed int', dec(16, 4)),
  E: numeric(8, 'decimal unsigned long long', udec(21)),
  F: numeric(8, 'double', (v) => [formatG(asDouble(v)), 0]),
  G: numeric(8, 'octal unsigned long long', oct(23, false, 0)),
  H: numeric(4, 'swap bytes and shorts', (v) => [((v & 0xffn) << 24n | (v & 0xff00n) << 8n | (v >> 8n) & 0xff00n | v >> 24n).toString(16), 16]),
  I: {
    size: 0,
    help: 'address and disassembled instruction',
    // fmt_dotinstr(): "%lx %x: %s" - the address, the first four bytes there
    // as a little-endian int, the instruction; stops where there is no code
    run(fc, addr, count) {
      const src = codeSource(fc.target);
      for (let i = 0; i < count; i++) {
        const w = fc.read(addr, 4);
        const word = (w[0]! | (w[1]! << 8) | (w[2]! << 16) | (w[3]! << 24)) >>> 0;
        const d = insnAt(src, addr);
        if (!d) throw new InstructionReadError(addr);
        fc.iob.puts(`${addr.toString(16)} ${word.toString(16)}: ${d.text}\n`);
        pushValue(fc, addr, { bytes: d.len, value: BigInt(word), text: d.text.replace(/\s+$/, '') });
        addr += BigInt(d.len);
      }
      return addr;
    },
  },
  J: numeric(8, 'hexadecimal long long', hex64),
  K: numeric('ptr', 'hexadecimal uintptr_t', (v, _fc, n) => (n === 8 ? hex64(v) : [v.toString(16), 16])),
  N: move('newline', (a, c, fc) => (nls(fc, c), a)),
  O: numeric(4, 'octal unsigned int', oct(16, true, 0)),
  P: numeric('ptr', 'symbol', (v, fc) => sym(v, fc)),
  Q: numeric(4, 'octal signed int', oct(16, true, 4)),
  R: numeric(8, 'binary unsigned long long', (v) => [v.toString(2), 64]),
  S: stringLetter(true, 'string using C string notation'),
  T: move('horizontal tab', (a, c, fc) => (fc.iob.tab(c), a)),
  U: numeric(4, 'decimal unsigned int', udec(16)),
  V: numeric(1, 'decimal unsigned int', udec(8)),
  X: numeric(4, 'hexadecimal int', hexw(16)),
  Y: numeric(4, 'decoded time32_t', (v) => [formatTime(signed(v, 4)), 24]),
  '^': moveBy('decrement dot by increment * count', (a, c, fc) => BigInt.asUintN(64, a - fc.incr * BigInt(c))),
  '+': moveBy('increment dot by the count', (a, c) => BigInt.asUintN(64, a + BigInt(c))),
  '-': moveBy('decrement dot by the count', (a, c) => BigInt.asUintN(64, a - BigInt(c))),
  a: move('dot as symbol+offset', (a, c, fc) => {
    for (let i = 0; i < c; i++) {
      if (fc.values) fc.values.push({ format: 'a', address: a, symbol: fc.target.formatAddr(a) });
      fc.iob.field(`${fc.target.formatAddr(a)}:`, 16);
      fc.iob.tabTo(16);
    }
    return a;
  }),
  b: numeric(1, 'octal unsigned int', oct(8, true, 0)),
  c: numeric(1, 'character', (v) => [v === 0n ? '' : String.fromCharCode(Number(v)), 0]),
  d: numeric(2, 'decimal signed short', dec(8, 2)),
  e: numeric(8, 'decimal signed long long', dec(21, 8)),
  f: numeric(4, 'float', (v) => [asFloat(v).toExponential(6).replace(/e([+-])(\d)$/, 'e$10$2'), 0]),
  g: numeric(8, 'octal signed long long', oct(23, false, 8)),
  h: numeric(2, 'swap bytes', (v) => [(((v & 0xffn) << 8n) | (v >> 8n)).toString(16), 8]),
  i: {
    size: 0,
    help: 'disassembled instruction',
    // fmt_instr(): one instruction per line, libdisasm's text; stops where there is no code
    run(fc, addr, count) {
      const src = codeSource(fc.target);
      for (let i = 0; i < count; i++) {
        const d = insnAt(src, addr);
        if (!d) throw new InstructionReadError(addr);
        fc.iob.puts(`${d.text}\n`);
        pushValue(fc, addr, { bytes: d.len, text: d.text.replace(/\s+$/, '') });
        addr += BigInt(d.len);
      }
      return addr;
    },
  },
  n: move('newline', (a, c, fc) => (nls(fc, c), a)),
  o: numeric(2, 'octal unsigned short', oct(8, true, 0)),
  p: numeric('ptr', 'symbol', (v, fc) => sym(v, fc)),
  q: numeric(2, 'octal signed short', oct(8, true, 2)),
  r: move('whitespace', (a, c, fc) => (fc.iob.ws(c), a)),
  s: stringLetter(false, 'raw string'),
  t: move('horizontal tab', (a, c, fc) => (fc.iob.tab(c), a)),
  u: numeric(2, 'decimal unsigned short', udec(8)),
  v: numeric(1, 'decimal signed int', dec(8, 1)),
  x: numeric(2, 'hexadecimal short', hexw(8)),
  y: numeric(8, 'decoded time64_t', (v) => [formatTime(signed(v, 8)), 24]),
};

function nls(fc: FormatContext, c: number): void {
  for (let i = 0; i < c; i++) fc.iob.nl();
}

/** %-16a, with at least one space after a long symbol or address. */
function sym(v: bigint, fc: FormatContext): [string, number] {
  const s = fc.target.formatAddr(v);
  return [s, Math.max(16, s.length + 1)];
}

/** Letters that write memory: not possible on a dump. */
export const WRITE_LETTERS = new Set(['v', 'w', 'W', 'Z']);

/** Runs a format string at addr; returns the address after the last item (dot + increment). */
export function printFormat(fc: FormatContext, addr: bigint, items: readonly FormatItem[]): bigint {
  for (const it of items) {
    if (it.kind === 'text') {
      fc.iob.puts(it.text);
      continue;
    }
    const l = Object.hasOwn(LETTERS, it.letter) ? LETTERS[it.letter] : undefined;
    if (!l) throw new MdbError(`invalid format character -- '${it.letter}'`);
    // the parser refuses larger counts; an AST built elsewhere is held to the same bound
    if (!(it.count >= 0 && it.count <= MAX_FORMAT_COUNT)) throw new MdbError(`format repeat count ${it.count} exceeds the limit of 0t${MAX_FORMAT_COUNT}`);
    fc.letter = it.letter;
    addr = l.run(fc, addr, it.count);
  }
  return addr;
}

/**
 * Letters ::formats lists that the format verbs do not run: the match
 * letters of `/l`, `/L`, `/M` and the write letters (mdb_fmt.c's fmttab
 * FMT_MATCH and FMT_WRITE entries; `v` also prints, as a signed byte, so it
 * is in LETTERS, and ::formats names it as a write letter).
 */
const LISTED_ONLY: ReadonlyMap<string, { help: string; size: number }> = new Map([
  ['L', { help: 'match int', size: 4 }],
  ['M', { help: 'match long long', size: 8 }],
  ['W', { help: 'write default radix unsigned int', size: 4 }],
  ['Z', { help: 'write hexadecimal long long', size: 8 }],
  ['l', { help: 'match short', size: 2 }],
  ['v', { help: 'write decimal signed int', size: 1 }],
  ['w', { help: 'write default radix unsigned short', size: 2 }],
]);

/** The format letters as ::formats --json gives them, in fmttab (ASCII) order: bytes is -1 for none, 0 for variable. */
export function formatList(pointerSize: number): Array<{ letter: string; description: string; bytes: number }> {
  const names = [...new Set([...Object.keys(LETTERS), ...LISTED_ONLY.keys()])].sort((a, b) => a.charCodeAt(0) - b.charCodeAt(0));
  return names.map((k) => {
    const only = LISTED_ONLY.get(k);
    if (only) return { letter: k, description: only.help, bytes: only.size };
    const l = LETTERS[k]!;
    return { letter: k, description: l.help, bytes: l.listSize ?? (l.size === 'ptr' ? pointerSize : l.size) };
  });
}

/** "X - hexadecimal int (4 bytes)" lines for ::formats. */
export function formatHelp(pointerSize: number): string {
  return formatList(pointerSize)
    .map(({ letter, description, bytes: n }) => {
      const size = n < 0 ? '' : n === 0 ? ' (variable size)' : n === 1 ? ' (1 byte)' : ` (${n} bytes)`;
      return `${letter} - ${description}${size}\n`;
    })
    .join('');
}
