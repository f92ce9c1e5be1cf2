/*
 * Making tables row by row. The simulator thinks in objects (one kmem cache,
 * one buffer) and the dump stores columns; TableBuilder turns the first into
 * the second with growable typed arrays, so a million rows cost a few array
 * doublings rather than a million small objects kept alive.
 */
import { emptyNameTable } from './names.js';
import type { Column, ScalarArray, ScalarKind, Table } from './format.js';
import { DumpError } from './errors.js';
import { SCALAR_KINDS, isScalarKind, newArray } from './kinds.js';

export { col, list, num, str, tableIndex, u64 } from './access.js';
import { NON_STRUCT_TABLES } from './validate.js';

/** A builder for one of format.ts's fixed tables (symbols, frames, buffers ...), with its columns. */
export function formatTable(name: string): TableBuilder {
  const spec = NON_STRUCT_TABLES.get(name);
  if (!spec) throw new DumpError(`'${name}' is not one of the dump format's fixed tables`);
  return new TableBuilder(name, spec);
}

/** How a builder column is declared: a scalar kind, 'str', or { list: element kind }. */
export type ColumnSpec = ScalarKind | 'str' | { list: ScalarKind };

/** A row's value for one column; a missing value is 0, '' or an empty list (unmodelled members read as zero). */
export type RowValue = number | bigint | string | ArrayLike<number | bigint> | undefined;

const INITIAL = 1024;

/** Element access on any scalar array, whose element type is number or bigint by kind. */
type Slots = { [i: number]: number | bigint };

function grow<T extends ScalarArray>(arr: T, need: number): T {
  let cap = arr.length * 2;
  while (cap < need) cap *= 2;
  return resize(arr, cap);
}

/** a new array of `cap` elements holding arr's (cap >= arr.length), from `arena` when given */
function resize<T extends ScalarArray>(arr: T, cap: number, arena?: ColumnArena): T {
  const kind = kindOfArray(arr);
  const out = (arena ? arena.take(kind, cap) : newArray(kind, cap)) as T;
  (out as unknown as { set(a: T): void }).set(arr);
  return out;
}

/** bytes of `n` elements of `kind`, rounded up to 8 (an arena's alignment) */
function arenaBytes(kind: ScalarKind, n: number): number {
  return Math.ceil((SCALAR_KINDS[kind].size * n) / 8) * 8;
}

/**
 * One ArrayBuffer carved into the column arrays of several reserve()d
 * tables. V8 counts every new ArrayBuffer as external memory and runs a
 * full mark-compact of the whole heap each time that grows by 64 MB since
 * the last one; savecore allocates its big tables while the simulator's
 * heap (an object per buffer, slab and segment) is still live, so each of
 * those GCs marks it all and their number grows with the heap: a quadratic.
 * One allocation for all the big tables costs at most one such GC. The
 * arrays are views (byteOffset) into the one buffer; a request past its end
 * gets an array of its own.
 */
export class ColumnArena {
  private at = 0;
  private readonly buffer: ArrayBuffer | null;
  constructor(bytes: number) {
    let b: ArrayBuffer | null = null;
    try {
      b = bytes > 0 ? new ArrayBuffer(bytes) : null;
    } catch {
      // too big for one buffer: every column gets its own
      b = null;
    }
    this.buffer = b;
  }

  take(kind: ScalarKind, n: number): ScalarArray {
    const bytes = arenaBytes(kind, n);
    if (!this.buffer || this.at + bytes > this.buffer.byteLength) return newArray(kind, n);
    const a = new SCALAR_KINDS[kind].ctor(this.buffer, this.at, n);
    this.at += bytes;
    return a;
  }
}

function kindOfArray(arr: ScalarArray): ScalarKind {
  for (const k of Object.keys(SCALAR_KINDS) as ScalarKind[]) if (arr.constructor === SCALAR_KINDS[k].ctor) return k;
  throw new Error('not a scalar array');
}

interface ScalarBuild {
  type: 'scalar';
  name: string;
  kind: ScalarKind;
  bigint: boolean;
  values: ScalarArray;
  /** u64/i64 on a little-endian host: the same memory as 32-bit halves (the put* fast path) */
  halves: Uint32Array | null;
  /** the last row a put* method wrote */
  mark: number;
}
interface StrBuild {
  type: 'str';
  name: string;
  values: string[];
}
interface ListBuild {
  type: 'list';
  name: string;
  of: ScalarKind;
  bigint: boolean;
  offsets: Uint32Array;
  values: ScalarArray;
  halves: Uint32Array | null;
  count: number;
  mark: number;
}
type Build = ScalarBuild | StrBuild | ListBuild;

/** Typed arrays are in the host's byte order; the 32-bit halves trick needs little-endian. */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const TWO32 = 0x1_0000_0000;

function halvesOf(values: ScalarArray, bigint: boolean): Uint32Array | null {
  return bigint && LITTLE_ENDIAN ? new Uint32Array(values.buffer, values.byteOffset, values.length * 2) : null;
}

export class TableBuilder {
  private readonly cols: Build[];
  private n = 0;
  private cap = INITIAL;

  constructor(
    readonly name: string,
    spec: Record<string, ColumnSpec>,
  ) {
    this.cols = Object.entries(spec).map(([cname, s]): Build => {
      if (s === 'str') return { type: 'str', name: cname, values: [] };
      if (typeof s === 'object' && s !== null && isScalarKind(s.list)) {
        const offsets = new Uint32Array(INITIAL + 1);
        const values = newArray(s.list, INITIAL);
        const bigint = SCALAR_KINDS[s.list].bigint;
        return { type: 'list', name: cname, of: s.list, bigint, offsets, values, halves: halvesOf(values, bigint), count: 0, mark: -1 };
      }
      if (isScalarKind(s)) {
        const values = newArray(s, INITIAL);
        const bigint = SCALAR_KINDS[s].bigint;
        return { type: 'scalar', name: cname, kind: s, bigint, values, halves: halvesOf(values, bigint), mark: -1 };
      }
      throw new DumpError(`table '${name}' column '${cname}' has a bad kind ${JSON.stringify(s)}`, undefined, 'build');
    });
  }

  get rowCount(): number {
    return this.n;
  }

  /**
   * Append one row. Keys not declared in the spec are ignored. Returns the new
   * row's number. A value a column cannot hold throws a DumpError and adds
   * nothing: the columns filled before the bad one are rolled back.
   */
  add(row: Record<string, RowValue>): number {
    const r = this.n;
    if (r === this.cap) this.growRows();
    const cols = this.cols;
    try {
      for (let i = 0; i < cols.length; i++) {
        const c = cols[i]!;
        const v = row[c.name];
        if (c.type === 'scalar') {
          const x = this.scalar(c.kind, c.bigint, v, c.name, r);
          const a = c.values as Slots;
          a[r] = x;
          // a typed array wraps or truncates silently; a simulator bug should not
          if (a[r] !== x && c.kind !== 'f64') this.doesNotFit(c.name, c.kind, r, v);
        } else if (c.type === 'str') {
          if (v === undefined) c.values.push('');
          else if (typeof v === 'string') c.values.push(v);
          else throw this.error(c.name, r, `${String(v)} is not a string`);
        } else this.addList(c, v, r);
      }
    } catch (e) {
      this.rollback(r);
      throw e;
    }
    this.n = r + 1;
    return r;
  }

  /** Forget a partly added row `r` (scalar slots past the row count are simply overwritten later). */
  private rollback(r: number): void {
    for (const c of this.cols) {
      if (c.type === 'str') c.values.length = r;
      else if (c.type === 'list') c.count = c.offsets[r]!;
    }
  }

  /**
   * Make room for `rows` rows in all (and `listElems` elements in every list
   * column) in one allocation per column. A caller that knows its table's
   * size up front saves the doublings: each new typed array is external
   * memory to V8, which runs a full mark-compact of the whole heap for every
   * 64 MB of it, so a million-row table built by doubling cost savecore a
   * dozen full GCs of the simulator's heap. Never shrinks.
   */
  reserve(rows: number, listElems = 0, arena?: ColumnArena): this {
    if (!Number.isSafeInteger(rows) || rows < 0 || !Number.isSafeInteger(listElems) || listElems < 0)
      throw new DumpError(`table '${this.name}': bad reservation ${rows}, ${listElems}`, undefined, 'build');
    if (rows > this.cap) {
      for (const c of this.cols) {
        if (c.type === 'scalar') {
          c.values = resize(c.values, rows, arena);
          c.halves = halvesOf(c.values, c.bigint);
        } else if (c.type === 'list') c.offsets = resize(c.offsets, rows + 1, arena);
      }
      this.cap = rows;
    }
    if (listElems > 0)
      for (const c of this.cols)
        if (c.type === 'list' && listElems > c.values.length) {
          c.values = resize(c.values, listElems, arena);
          c.halves = halvesOf(c.values, c.bigint);
        }
    return this;
  }

  /** the bytes reserve(rows, listElems) takes from a ColumnArena */
  reserveBytes(rows: number, listElems = 0): number {
    let n = 0;
    for (const c of this.cols) {
      if (c.type === 'scalar' && rows > this.cap) n += arenaBytes(c.kind, rows);
      else if (c.type === 'list') {
        if (rows > this.cap) n += arenaBytes('u32', rows + 1);
        if (listElems > c.values.length) n += arenaBytes(c.of, listElems);
      }
    }
    return n;
  }

  /**
   * The table: arrays trimmed to rowCount. A column whose array is exactly
   * full is handed over as it is (a reserve()d table is not copied again);
   * otherwise a copy. Either way the builder can keep adding: it writes only
   * past rowCount, and a full array is replaced before the next row.
   */
  build(): Table {
    const n = this.n;
    const columns = emptyNameTable<Column>();
    const trim = <T extends ScalarArray>(a: T, len: number): T => (a.length === len ? a : (a.slice(0, len) as T));
    for (const c of this.cols) {
      if (c.type === 'scalar') columns[c.name] = { kind: c.kind, values: trim(c.values, n) };
      else if (c.type === 'str') columns[c.name] = { kind: 'str', values: c.values.slice(0, n) };
      else
        columns[c.name] = {
          kind: 'list',
          of: c.of,
          offsets: trim(c.offsets, n + 1),
          values: trim(c.values, c.count),
        };
    }
    return { name: this.name, rowCount: n, columns };
  }

  /** The value to store in a column of `kind`: numbers for number kinds, bigints for u64/i64. */
  private scalar(kind: ScalarKind, bigint: boolean, v: RowValue, cname: string, r: number): number | bigint {
    let x: number | bigint;
    if (v === undefined) x = bigint ? 0n : 0;
    else if (bigint) {
      if (typeof v === 'bigint') x = v;
      else if (typeof v === 'number' && Number.isSafeInteger(v)) x = BigInt(v);
      else throw this.error(cname, r, `${String(v)} is not an exact integer for ${kind}`);
    } else if (typeof v === 'number') x = v;
    else if (typeof v === 'bigint') x = Number(v);
    else throw this.error(cname, r, `${String(v)} is not a number`);
    return x;
  }

  private addList(c: ListBuild, v: RowValue, r: number): void {
    if (v !== undefined) {
      if (typeof v !== 'object' || v === null || typeof v.length !== 'number')
        throw this.error(c.name, r, `${String(v)} is not a list`);
      const len = v.length;
      if (c.count + len > c.values.length) this.growList(c, c.count + len);
      const a = c.values as Slots;
      for (let i = 0, at = c.count; i < len; i++, at++) {
        const x = this.scalar(c.of, c.bigint, v[i], c.name, r);
        a[at] = x;
        if (a[at] !== x && c.of !== 'f64') this.doesNotFit(c.name, c.of, r, v[i]);
      }
      c.count += len;
      if (c.count > 0xffffffff) throw this.error(c.name, r, 'more than 2^32 - 1 list elements');
    }
    c.offsets[r + 1] = c.count;
  }

  private growRows(): void {
    const need = this.cap * 2;
    for (const c of this.cols) {
      if (c.type === 'scalar') {
        c.values = grow(c.values, need);
        c.halves = halvesOf(c.values, c.bigint);
      } else if (c.type === 'list') c.offsets = grow(c.offsets, need + 1);
    }
    this.cap = need;
  }

  private growList(c: ListBuild, need: number): void {
    c.values = grow(c.values, need);
    c.halves = halvesOf(c.values, c.bigint);
  }

  /*
   * The fast path, for tables of a million rows: begin() a row, put values
   * into columns by number (colIndex), commit(). No row object, no name
   * lookups, and an address or a count goes into a u64 column as two 32-bit
   * halves rather than as a BigInt. A column not put gets its zero value, as
   * with add(); a value a column cannot hold throws the same DumpError and
   * the row is dropped.
   */

  /** the number of column `name`, for the put* methods */
  colIndex(name: string): number {
    const i = this.cols.findIndex((c) => c.name === name);
    if (i < 0) throw new DumpError(`table '${this.name}' has no column '${name}'`, undefined, 'build');
    return i;
  }

  /** start a row; returns its number */
  begin(): number {
    if (this.n === this.cap) this.growRows();
    return this.n;
  }

  /** finish the row begin() started: columns not put get their zero value */
  commit(): number {
    const r = this.n;
    const cols = this.cols;
    for (let i = 0; i < cols.length; i++) {
      const c = cols[i]!;
      if (c.type === 'str') {
        if (c.values.length === r) c.values.push('');
      } else if (c.mark !== r) {
        if (c.type === 'scalar') (c.values as Slots)[r] = c.bigint ? 0n : 0;
        else c.offsets[r + 1] = c.count;
      }
    }
    this.n = r + 1;
    return r;
  }

  /** put a value as add() would */
  put(ci: number, v: RowValue): void {
    const c = this.cols[ci]!;
    const r = this.n;
    try {
      if (c.type === 'scalar') {
        const x = this.scalar(c.kind, c.bigint, v, c.name, r);
        const a = c.values as Slots;
        a[r] = x;
        if (a[r] !== x && c.kind !== 'f64') this.doesNotFit(c.name, c.kind, r, v);
        c.mark = r;
      } else if (c.type === 'str') {
        if (v === undefined) c.values.push('');
        else if (typeof v === 'string') c.values.push(v);
        else throw this.error(c.name, r, `${String(v)} is not a string`);
      } else {
        c.offsets[r] = c.count;
        this.addList(c, v, r);
        c.mark = r;
      }
    } catch (e) {
      this.rollback(r);
      throw e;
    }
  }

  private base = 0n;
  private baseHi = 0;
  private baseLo = 0;
  private baseOk = true;

  /** the base putAddr() and putAddrList() add to offsets (a platform's kvaBase) */
  setAddrBase(base: bigint): this {
    this.base = base;
    this.baseOk = base >= 0n && base < 1n << 64n;
    this.baseHi = this.baseOk ? Number(base >> 32n) : 0;
    this.baseLo = this.baseOk ? Number(base & 0xffffffffn) : 0;
    return this;
  }

  /**
   * put base + off into a u64 column, or 0 when off is 0 (an address: the
   * platform's base, setAddrBase(), plus a Kva), as toAddr() and add() would store it
   */
  putAddr(ci: number, off: number): void {
    const c = this.cols[ci]!;
    if (off === 0) {
      this.putUint(ci, 0);
      return;
    }
    if (c.type !== 'scalar' || c.kind !== 'u64' || !c.halves || !(off > 0 && off <= Number.MAX_SAFE_INTEGER && Number.isInteger(off)) || !this.baseOk) {
      this.put(ci, this.base + BigInt(off));
      return;
    }
    const r = this.n;
    const bhi = this.baseHi;
    const blo = this.baseLo;
    const ohi = Math.floor(off / TWO32);
    let lo = blo + (off - ohi * TWO32);
    let hi = bhi + ohi;
    if (lo >= TWO32) {
      lo -= TWO32;
      hi++;
    }
    if (hi >= TWO32) {
      // a BigUint64Array would wrap it; add() refuses
      this.put(ci, this.base + BigInt(off));
      return;
    }
    c.halves[2 * r] = lo;
    c.halves[2 * r + 1] = hi;
    c.mark = r;
  }

  /** put a non-negative safe integer into any scalar column, as add() would */
  putUint(ci: number, v: number): void {
    const c = this.cols[ci]!;
    if (c.type === 'scalar' && !c.bigint && v >= 0 && Number.isInteger(v)) {
      // a number column: stored as is when it fits (else put() refuses it as add() does)
      const a = c.values as Slots;
      const r = this.n;
      a[r] = v;
      if (a[r] === v) {
        c.mark = r;
        return;
      }
    }
    if (c.type !== 'scalar' || !c.halves || !(v >= 0 && v <= Number.MAX_SAFE_INTEGER && Number.isInteger(v))) {
      this.put(ci, v);
      return;
    }
    const r = this.n;
    const hi = Math.floor(v / TWO32);
    c.halves[2 * r] = v - hi * TWO32;
    c.halves[2 * r + 1] = hi;
    c.mark = r;
  }

  /** put the first `len` of `vals` (non-negative integers) into a list column of a number kind, as add() would */
  putUintList(ci: number, vals: ArrayLike<number>, len = vals.length): void {
    const c = this.cols[ci]!;
    const r = this.n;
    if (c.type !== 'list' || c.bigint) {
      this.put(ci, Array.from({ length: len }, (_, i) => vals[i]!));
      return;
    }
    c.offsets[r] = c.count;
    if (c.count + len > c.values.length) this.growList(c, c.count + len);
    const a = c.values as Slots;
    const at0 = c.count;
    for (let i = 0; i < len; i++) {
      const v = vals[i]!;
      a[at0 + i] = v;
      if (a[at0 + i] !== v || !(v >= 0 && Number.isInteger(v))) {
        // not a plain fit: put() stores or refuses the whole list as add() does
        this.put(ci, Array.from({ length: len }, (_, j) => vals[j]!));
        return;
      }
    }
    this.endList(c, r, len);
  }

  /**
   * put a list of addresses (base + each off; 0 stays 0) into a u64 list
   * column, as add() would store their toAddr() values
   */
  putAddrList(ci: number, offs: ArrayLike<number>, len = offs.length): void {
    const c = this.cols[ci]!;
    const r = this.n;
    const base = this.base;
    if (c.type !== 'list' || c.of !== 'u64' || !this.baseOk) {
      this.put(ci, Array.from({ length: len }, (_, i) => (offs[i] === 0 ? 0n : base + BigInt(offs[i]!))));
      return;
    }
    if (c.count + len > c.values.length) this.growList(c, c.count + len);
    const h = c.halves;
    const bhi = this.baseHi;
    const blo = this.baseLo;
    const at0 = c.count;
    for (let i = 0; i < len; i++) {
      const off = offs[i]!;
      const at = at0 + i;
      if (off === 0) {
        (c.values as Slots)[at] = 0n;
        continue;
      }
      let lo = 0;
      let hi = TWO32;
      if (h && off > 0 && off <= Number.MAX_SAFE_INTEGER && Number.isInteger(off)) {
        const ohi = Math.floor(off / TWO32);
        lo = blo + (off - ohi * TWO32);
        hi = bhi + ohi;
        if (lo >= TWO32) {
          lo -= TWO32;
          hi++;
        }
      }
      if (h && hi < TWO32) {
        h[2 * at] = lo;
        h[2 * at + 1] = hi;
      } else {
        const x = base + BigInt(off);
        (c.values as Slots)[at] = x;
        if ((c.values as Slots)[at] !== x) {
          this.rollback(r);
          this.doesNotFit(c.name, c.of, r, x);
        }
      }
    }
    this.endList(c, r, len);
  }

  /** a list cell of `len` elements, put in place by putUintList/putAddrList: count it and close the row */
  private endList(c: Extract<Build, { type: 'list' }>, r: number, len: number): void {
    c.count += len;
    if (c.count > 0xffffffff) {
      this.rollback(r);
      throw this.error(c.name, r, 'more than 2^32 - 1 list elements');
    }
    c.offsets[r + 1] = c.count;
    c.mark = r;
  }

  private doesNotFit(cname: string, kind: ScalarKind, r: number, v: RowValue): never {
    throw this.error(cname, r, `${String(v)} does not fit in ${kind}`);
  }

  private error(cname: string, r: number, what: string): DumpError {
    return new DumpError(`table '${this.name}' column '${cname}' row ${r}: ${what}`, undefined, 'build');
  }
}
