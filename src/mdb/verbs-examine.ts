/*
 * ddb's examine, `x[/bhlg][xzduorcsai] addr[,count]`, as db_examine()
 * (ddb/db_examine.c) prints it. Every line starts with the location as
 * db_printsym() names it and ":\t"; a value is printed in a field of
 * size * 4 columns ("%-*lx"), and after each one db_end_line(1) starts a
 * new line once the next column would pass db_max_width (79). Values are
 * read by db_get_value() into a db_expr_t, a long: on i386 `x/g` keeps the
 * low 32 bits. `a` prints the location alone, on a line of its own; `i`
 * would disassemble, and the dump keeps no kernel text, so it stops at the
 * first instruction with db_get_value()'s error. The blanks are the
 * console's business (render/ddb-console.ts): the padding at the end of a
 * line never reaches the terminal.
 */
import type { Call, Engine } from './engine.js';
import { InstructionReadError, MemoryError, TargetReadError } from './errors.js';
import type { DdbExamine } from './parse/ast.js';
import type { StageSink } from './sink.js';

/** db_output.c: "int db_max_width = 79" */
const DB_MAX_WIDTH = 79;

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
  try {
    for (let i = 0; i < ex.count; i++) {
      if (ex.fmt === 'a') {
        // "always forces a new line"
        if (pos !== 0) newline();
        label();
        values?.push({ format: 'a', address: addr, symbol: target.formatAddrDdb(addr) });
        continue;
      }
      if (pos === 0) label();
      const width = ex.size * 4;
      const at = addr;
      switch (ex.fmt) {
        case 'c': {
          const b = Number(read(1));
          addr += 1n;
          print(charOf(b));
          values?.push({ format: 'c', address: at, bytes: 1, value: BigInt(b) });
          break;
        }
        case 's': {
          let s = '';
          let raw = '';
          for (let n = 0; n < 0x10000; n++) {
            const b = Number(read(1));
            addr += 1n;
            if (b === 0) break;
            s += charOf(b);
            raw += String.fromCharCode(b);
          }
          print(s);
          values?.push({ format: 's', address: at, string: raw });
          break;
        }
        case 'i':
          throw new InstructionReadError(addr);
        default: {
          const signed = ex.fmt === 'z' || ex.fmt === 'd' || ex.fmt === 'r';
          const v = asLong(read(ex.size), ex.size, signed, ptrBits);
          addr += BigInt(ex.size);
          const neg = v < 0n;
          const mag = neg ? -v : v;
          const base = ex.fmt === 'd' || ex.fmt === 'u' ? 10 : ex.fmt === 'o' ? 8 : 16;
          const text = (neg ? '-' : '') + mag.toString(base);
          print(text.padEnd(width));
          values?.push({ format: ex.fmt, address: at, bytes: ex.size, value: BigInt.asUintN(64, v) });
        }
      }
      addr = BigInt.asUintN(ptrBits, addr);
      // db_end_line(1)
      if (pos !== 0 && pos + 1 > DB_MAX_WIDTH) newline();
    }
  } finally {
    if (line !== '') newline();
    // db_command() with db_ed_style: dot becomes db_prev, the last line's address, so a bare x shows
    // that line again; the empty line goes on at db_next, dot + incr
    state.dot = prev;
    state.incr = BigInt.asUintN(64, addr - prev);
  }
}
