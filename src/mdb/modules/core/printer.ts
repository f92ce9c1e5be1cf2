/*
 * ::print's layout (after mdb_print.c's elt_print): a struct opens with "{",
 * each member is a line "name = value" indented 4 per level, nested structs
 * open their own braces, and the struct closes with "}". -t puts the C type
 * before each name (no space after a pointer's "*"), -a the member's address.
 * Integers print in hex (0x prefix above 9), char arrays as [ "string" ],
 * pointers as symbol+offset when they point into a symbol, char pointers
 * with the string they point to.
 */
import type { TypeDef } from '../../../dump/format.js';
import { escapeString } from '../../format.js';
import { hex, hexBase, numtostr } from '../../render/number.js';
import type { Target } from '../../target.js';
import type { CType } from '../../target/ctype.js';

export interface PrintOptions {
  showType: boolean;
  showAddr: boolean;
  decimal: boolean;
  noSymbolic: boolean;
  /** max elements of a non-char array (mdb: 32) */
  arrayLimit: number;
  /** max chars of a char array printed as a string (mdb: 1024) */
  strLimit: number;
  /** max struct nesting to expand */
  maxDepth: number;
}

export const DEFAULT_PRINT: PrintOptions = { showType: false, showAddr: false, decimal: false, noSymbolic: false, arrayLimit: 32, strLimit: 1024, maxDepth: Infinity };

const isPrintable = (s: string): boolean => /^[\x20-\x7e\t\n]*$/.test(s);

/** Little-endian unsigned value of bytes[off, off+size). */
function readLE(b: Uint8Array, off: number, size: number): bigint {
  let v = 0n;
  for (let i = Math.min(size, 8) - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[off + i] ?? 0);
  return v;
}

export class Printer {
  readonly lines: string[] = [];
  private cur = '';

  constructor(
    private readonly target: Target,
    private readonly o: PrintOptions,
    /** false when no address was given: print the layout without values */
    private readonly showValues: boolean,
  ) {}

  text(): string {
    this.flush();
    return this.lines.map((l) => l.trimEnd() + '\n').join('');
  }

  /**
   * One object of C type `type` at `addr`, its bytes in `bytes` at `off`.
   * `name` is the member name (or the member path given on the command line,
   * with `prefixed` set); depth is the indentation level.
   */
  value(type: string, size: number, addr: bigint, bytes: Uint8Array, off: number, name: string, depth: number, prefixed = false): void {
    const ct = this.target.types.classify(type);
    let head = ' '.repeat(depth * 4);
    if (this.o.showAddr) head += `${hex(addr)} `;
    if (this.o.showType) head += type + (!type.endsWith('*') || (depth === 0 && !prefixed) ? ' ' : '');
    head += name;
    if (depth !== 0 || prefixed) head += this.showValues ? ' = ' : ' ';
    this.cur += head;
    this.body(ct, size, addr, bytes, off, depth);
    this.flush();
  }

  /**
   * The same value as --json data: a struct is an object of its members, an
   * array a list (a char array its string), an integer a number when it
   * fits 2^53 and a bigint (a hex string in JSON) otherwise, a pointer a
   * bigint (hex), a boolean_t a boolean, a float a number.
   */
  valueData(type: string, size: number, b: Uint8Array, off: number, depth: number): unknown {
    if (depth > 16) return null;
    const ct = this.target.types.classify(type);
    if (ct.kind === 'struct') {
      const def = this.target.types.get(ct.name);
      if (!def) return null;
      const o: Record<string, unknown> = {};
      for (const m of def.members) o[m.name] = this.valueData(m.type, m.size, b, off + m.offset, depth + 1);
      return o;
    }
    if (ct.kind === 'array') {
      const esize = ct.count > 0 ? Math.floor(size / ct.count) : 0;
      const et = this.target.types.classify(ct.elem);
      if (et.kind === 'char') {
        const chars = b.subarray(off, off + ct.count);
        const nul = chars.indexOf(0);
        return String.fromCharCode(...(nul < 0 ? chars : chars.subarray(0, nul)));
      }
      const out: unknown[] = [];
      for (let i = 0; i < Math.min(ct.count, this.o.arrayLimit); i++) out.push(this.valueData(ct.elem, esize, b, off + i * esize, depth + 1));
      return out;
    }
    const v = readLE(b, off, size);
    switch (ct.kind) {
      case 'ptr':
        return v;
      case 'bool':
        return v !== 0n;
      case 'float': {
        const dv = new DataView(b.buffer, b.byteOffset + off, size);
        return size === 4 ? dv.getFloat32(0, true) : dv.getFloat64(0, true);
      }
      default: {
        const x = ct.kind === 'int' && ct.signed ? BigInt.asIntN(size * 8, v) : v;
        return x <= BigInt(Number.MAX_SAFE_INTEGER) && x >= -BigInt(Number.MAX_SAFE_INTEGER) ? Number(x) : x;
      }
    }
  }

  private flush(): void {
    if (this.cur !== '') this.lines.push(this.cur);
    this.cur = '';
  }

  private body(ct: CType, size: number, addr: bigint, b: Uint8Array, off: number, depth: number): void {
    if (ct.kind === 'struct') return this.struct(this.target.types.get(ct.name)!, addr, b, off, depth);
    if (!this.showValues) return;
    if (ct.kind === 'array') return this.array(ct, size, addr, b, off, depth);
    this.cur += this.scalar(ct, size, b, off);
  }

  /** The text of a non-aggregate value. */
  scalar(ct: CType, size: number, b: Uint8Array, off: number): string {
    const v = readLE(b, off, size);
    switch (ct.kind) {
      case 'char':
        return `'${escapeString(String.fromCharCode(Number(v)))}'`;
      case 'bool': {
        const s = this.o.decimal || v < 10n ? numtostr(v, 10, { showbase: true }) : hexBase(v);
        return `${s} (${v === 0n ? 'B_FALSE' : v === 1n ? 'B_TRUE' : '???'})`;
      }
      case 'float': {
        const dv = new DataView(b.buffer, b.byteOffset + off, size);
        const x = size === 4 ? dv.getFloat32(0, true) : dv.getFloat64(0, true);
        return x.toExponential(6).replace(/e([+-])(\d)$/, 'e$10$2');
      }
      case 'ptr':
        return this.pointer(ct, v);
      default: {
        if (!this.o.decimal) return hexBase(v);
        const signedV = ct.kind === 'int' && ct.signed ? BigInt.asIntN(size * 8, v) : v;
        return numtostr(signedV, 10, { showbase: true, unsigned: !(ct.kind === 'int' && ct.signed) });
      }
    }
  }

  private pointer(ct: Extract<CType, { kind: 'ptr' }>, v: bigint): string {
    if (this.o.noSymbolic) return hexBase(v);
    let s = this.target.formatAddr(v);
    if (v !== 0n && ct.charPtr) {
      try {
        const str = this.target.readString(v, 256);
        if (isPrintable(str)) s += ` "${str}"`;
      } catch {
        // an unreadable string is simply not shown, as in mdb
      }
    }
    return s;
  }

  private struct(def: TypeDef, addr: bigint, b: Uint8Array, off: number, depth: number): void {
    if (depth >= this.o.maxDepth) {
      this.cur += '{ ... }';
      return;
    }
    this.cur += '{';
    this.flush();
    for (const m of def.members) {
      this.value(m.type, m.size, addr + BigInt(m.offset), b, off + m.offset, m.name, depth + 1);
    }
    this.cur += `${' '.repeat(depth * 4)}}`;
  }

  private array(ct: Extract<CType, { kind: 'array' }>, size: number, addr: bigint, b: Uint8Array, off: number, depth: number): void {
    const esize = ct.count > 0 ? Math.floor(size / ct.count) : 0;
    const et = this.target.types.classify(ct.elem);
    if (et.kind === 'char' && ct.count <= this.o.strLimit) {
      const chars = b.subarray(off, off + ct.count);
      const nul = chars.indexOf(0);
      const str = String.fromCharCode(...(nul < 0 ? chars : chars.subarray(0, nul)));
      if (str.length > 0 && isPrintable(str)) {
        this.cur += `[ "${str}" ]`;
        return;
      }
    }
    const limit = Math.min(ct.count, this.o.arrayLimit);
    if (limit === 0) {
      this.cur += '[ ... ]';
      return;
    }
    if (et.kind === 'struct') {
      this.cur += '[';
      this.flush();
      const def = this.target.types.get(et.name)!;
      for (let i = 0; i < limit; i++) {
        this.cur += ' '.repeat((depth + 1) * 4);
        this.struct(def, addr + BigInt(i * esize), b, off + i * esize, depth + 1);
        this.cur += ',';
        this.flush();
      }
      this.cur += `${' '.repeat(depth * 4)}${limit < ct.count ? '... ]' : ']'}`;
      return;
    }
    const parts: string[] = [];
    for (let i = 0; i < limit; i++) {
      if (et.kind === 'array') {
        const sub = new Printer(this.target, this.o, true);
        sub.array(et, esize, addr + BigInt(i * esize), b, off + i * esize, depth);
        parts.push(sub.cur);
      } else parts.push(this.scalar(et, esize, b, off + i * esize));
    }
    this.cur += `[ ${parts.join(', ')}${limit < ct.count ? ', ... ]' : ' ]'}`;
  }
}
