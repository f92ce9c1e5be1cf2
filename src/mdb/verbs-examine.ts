/*
 * ddb's examine, `x/FMT addr[,count]`, as db_examine() (ddb/db_examine.c)
 * prints it. FMT is read a character at a time, count times over, the size
 * going back to l (4 bytes) at each round: b h l g set the size; every
 * other letter starts a line with the location as db_printsym() names it
 * and ":\t" if none is started, and r x z d u o print a value in a field of
 * size * 4 columns ("%-*lx"), c a character, s a string, S the symbol a
 * pointer names; a letter it does not know prints nothing more. So `x/l`
 * alone prints nothing and `x/bxxxx` four bytes a line. After each of those
 * letters db_end_line(1) starts a new line once the next column would pass
 * db_max_width (79). Values are read by db_get_value() into a db_expr_t, a
 * long: on i386 `x/g` keeps the low 32 bits. `a` prints the location alone,
 * on a line of its own, and reads nothing; `i` and `I` would disassemble,
 * and the dump keeps no kernel text, so they stop at the first instruction
 * with db_get_value()'s error. The blanks are the
 * console's business (render/ddb-console.ts): the padding at the end of a
 * line never reaches the terminal.
 */
import type { Call, Engine } from './engine.js';
import { InstructionReadError, MemoryError, TargetReadError } from './errors.js';
import type { DdbExamine } from './parse/ast.js';
import type { StageSink } from './sink.js';

/** db_output.c: "int db_max_width = 79" */
const DB_MAX_WIDTH = 79;

/** the size letters: b 1, h 2, l 4, g 8 bytes */
const EXAMINE_SIZES: ReadonlyMap<string, number> = new Map([
  ['b', 1],
  ['h', 2],
  ['l', 4],
  ['g', 8],
]);

/** a value as a long of the kernel's word: signed or not, cut to the pointer size */
function asLong(v: bigint, size: number, signed: boolean, ptrBits: number): bigint {
  let x = BigInt.asUintN(size * 8, v);
  if (signed) x = BigInt.asIntN(size * 8, x);
  return signed ? BigInt.asIntN(ptrBits, x) : BigInt.asUintN(ptrBits, x);
}

/** a byte as db_examine()'s 'c' and 's' print it: itself when printable, else \ooo */
function charOf(b: number): string {
  return b >= 0x20 && b <= 0x7e ? String.fromCharCode(b) : `\\${b.toString(8).padStart(3, '0')}`;
}

export function runDdbExamine(engine: Engine, ex: DdbExamine, call: Call, sink: StageSink): void {
  const { target, state } = engine;
  // db_examine() breaks its own lines (db_end_line()); a label too long for them overflows, as on a console
  const iob = sink.iob(Number.MAX_SAFE_INTEGER);
  const values = sink.formatValues().values;
  const ptrBits = target.pointerSize * 8;
  let addr = BigInt.asUintN(ptrBits, call.dot);
  let line = '';
  /** db_output_position: tabs to multiples of 8 */
  let pos = 0;
  const print = (s: string): void => {
    line += s;
    for (const ch of s) pos = ch === '\t' ? (pos + 8) & ~7 : pos + 1;
  };
  const newline = (): void => {
    iob.puts(line);
    iob.nl();
    line = '';
    pos = 0;
  };
  /** db_prev: where the last line began */
  let prev = addr;
  const label = (): void => {
    prev = addr;
    print(`${target.formatAddrDdb(addr)}:\t`);
  };
  const read = (n: number): bigint => {
    try {
      return target.readUint(addr, n);
    } catch (e) {
      if (e instanceof MemoryError) throw new TargetReadError(addr);
      throw e;
    }
  };
  /** one value of `size` bytes, as db_get_value() reads it into a long */
  const value = (size: number, signed: boolean): bigint => {
    const v = asLong(read(size), size, signed, ptrBits);
    addr = BigInt.asUintN(ptrBits, addr + BigInt(size));
    return v;
  };
  try {
    for (let i = 0; i < ex.count; i++) {
      let size = 4;
      for (const c of ex.format) {
        const sz = EXAMINE_SIZES.get(c);
        if (sz !== undefined) {
          size = sz;
          continue;
        }
        if (c === 'a') {
          size = target.pointerSize;
          // "always forces a new line"
          if (pos !== 0) newline();
          label();
          values?.push({ format: 'a', address: addr, symbol: target.formatAddrDdb(addr) });
          continue;
        }
        if (pos === 0) label();
        const width = size * 4;
        const at = addr;
        switch (c) {
          case 'r':
          case 'x':
          case 'z':
          case 'd':
          case 'u':
          case 'o': {
            const v = value(size, c === 'z' || c === 'd' || c === 'r');
            const neg = v < 0n;
            const mag = neg ? -v : v;
            const base = c === 'd' || c === 'u' ? 10 : c === 'o' ? 8 : 16;
            print(((neg ? '-' : '') + mag.toString(base)).padEnd(width));
            values?.push({ format: c, address: at, bytes: size, value: BigInt.asUintN(64, v) });
            break;
          }
          case 'c': {
            const b = Number(value(1, false));
            print(charOf(b));
            values?.push({ format: 'c', address: at, bytes: 1, value: BigInt(b) });
            break;
          }
          case 's': {
            let text = '';
            let raw = '';
            for (let n = 0; n < 0x10000; n++) {
              const b = Number(value(1, false));
              if (b === 0) break;
              text += charOf(b);
              raw += String.fromCharCode(b);
            }
            print(text);
            values?.push({ format: 's', address: at, string: raw });
            break;
          }
          case 'S': {
            // "symbol": the pointer at addr, named by db_printsym()
            const p = BigInt.asUintN(ptrBits, value(target.pointerSize, false));
            const name = target.formatAddrDdb(p);
            print(name);
            values?.push({ format: 'S', address: at, bytes: target.pointerSize, value: p, symbol: name });
            break;
          }
          case 'i':
          case 'I':
            throw new InstructionReadError(addr);
          default:
            // a letter db_examine() does not know: the line is started, nothing printed
            break;
        }
        // db_end_line(1)
        if (pos !== 0 && pos + 1 > DB_MAX_WIDTH) newline();
      }
    }
  } finally {
    if (line !== '') newline();
    // db_command() with db_ed_style: dot becomes db_prev, the last line's address, so a bare x shows
    // that line again; the empty line goes on at db_next, dot + incr
    state.dot = prev;
    state.incr = BigInt.asUintN(64, addr - prev);
  }
}
