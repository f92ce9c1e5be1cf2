/*
 * One structure read out of the dump, the way mdb's dcmds mdb_vread() a
 * kmem_cache_t or vmem_seg_t into a local and then look at its members.
 * The bytes are read once (through the target, so an address that is not a
 * row start still reads what memory holds there) and members are decoded by
 * name, nested paths included ("cache_full.ml_total").
 */
import type { Table, TypeDef } from '../../../../dump/format.js';
import { chunksOf, type ColumnChunks } from '../../../../dump/chunks.js';
import { DcmdError, MemoryError } from '../../../errors.js';
import { hex } from '../../../render/number.js';
import type { Target } from '../../../target.js';
import { parseArray } from '../../../target/ctype.js';
import { uintLE, type Hit } from '../../../target/memory.js';
import type { ResolvedMember } from '../../../target/types.js';

/**
 * Member offsets by type and path, resolved once per dump: keyed by the
 * dump's own TypeDef object (one per type per dump), then by path, so the
 * hot path is two lookups and no string building.
 */
const resolved = new WeakMap<TypeDef, Map<string, ResolvedMember>>();

function member(target: Target, def: TypeDef, path: string): ResolvedMember {
  let m = resolved.get(def);
  if (!m) resolved.set(def, (m = new Map()));
  let r = m.get(path);
  if (!r) m.set(path, (r = target.types.resolve(def, path)));
  return r;
}

/**
 * Whether the columns of a struct table name members that never overlap
 * (worked out once per table from the names alone, no column read): then a
 * member with a column of its own reads as that column's value, exactly the
 * bytes the target would synthesise there.
 */
const disjoint = new WeakMap<Table, boolean>();
/** the byte spans of a disjoint table's columns, by start: a member outside them all reads as zero */
const columnSpans = new WeakMap<Table, Array<[number, number]>>();

function columnsDisjoint(target: Target, def: TypeDef, t: Table): boolean {
  let ok = disjoint.get(t);
  if (ok !== undefined) return ok;
  const spans: Array<[number, number]> = [];
  columnSpans.set(t, spans);
  ok = true;
  for (const name of Object.keys(t.columns)) {
    if (name === 'addr') continue;
    try {
      const m = member(target, def, name);
      spans.push([m.offset, m.offset + m.size]);
    } catch {
      // a column the layout does not place is skipped by the synthesis too
    }
  }
  spans.sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < spans.length && ok; i++) ok = spans[i]![0] >= spans[i - 1]![1];
  disjoint.set(t, ok);
  return ok;
}

/**
 * Room for a struct read whole. Its bytes never leave the StructView, so a
 * struct of 65 to 1024 bytes (a proc_t, a kmem_cache_t) is a view of a
 * shared 16 KiB buffer rather than an array of its own: V8 keeps an array
 * over 64 bytes outside its heap, and making one cost more than the read
 * that fills it (a pipe of 65,536 page_t addresses into ::ptree reads a
 * proc_t at each). A buffer lives while any view of it does: at most 16 KiB
 * per StructView kept, and dcmds keep none.
 */
function structBytes(n: number): Uint8Array {
  if (n <= 64 || n > 1024) return new Uint8Array(n);
  if (poolUsed + n > POOL_BYTES) {
    pool = new ArrayBuffer(POOL_BYTES);
    poolUsed = 0;
  }
  const b = new Uint8Array(pool, poolUsed, n);
  poolUsed += (n + 7) & ~7;
  return b;
}

const POOL_BYTES = 16 << 10;
let pool = new ArrayBuffer(POOL_BYTES);
let poolUsed = 0;

const INTEGER_KINDS = new Set(['u8', 'u16', 'u32', 'u64', 'i8', 'i16', 'i32', 'i64']);

/**
 * The column a member's value is read from, by table and member path, or
 * null when it has none to read a cell of (no column, not an integer, or an
 * array member, whose column holds elements or a stacks row rather than the
 * bytes at its start): worked out once, where a loop of struct reads (a
 * script of 10,000 ::whatis lines, each printing an audit record) asked
 * each time.
 */
const cellColumns = new WeakMap<Table, Map<string, ColumnChunks | null>>();

function cellColumn(t: Table, path: string, m: ResolvedMember): ColumnChunks | null {
  let byPath = cellColumns.get(t);
  if (!byPath) cellColumns.set(t, (byPath = new Map()));
  let cc = byPath.get(path);
  if (cc === undefined) {
    const c = parseArray(m.type) ? undefined : chunksOf(t, path);
    cc = c && INTEGER_KINDS.has(c.kind) ? c : null;
    byPath.set(path, cc);
  }
  return cc;
}

export class StructView {
  private raw: Uint8Array | undefined;

  private constructor(
    readonly target: Target,
    readonly def: TypeDef,
    readonly addr: bigint,
    bytes: Uint8Array | undefined,
    /** the row of the type's own table the struct is, when it is one whose columns are disjoint */
    private readonly at?: { table: Table; row: number; hit: Hit },
  ) {
    this.raw = bytes;
  }

  /** The struct's bytes, synthesised on first need (a member with its own column needs none). */
  private get bytes(): Uint8Array {
    this.raw ??= this.target.memory.hitBytes(this.at!.hit);
    return this.raw;
  }

  /**
   * Reads a `type` at addr. An unreadable address fails as mdb's dcmds do:
   * "couldn't read <what> at <addr>" (what defaults to the type name).
   * A row of the type's own table at addr is the object, and only that table
   * is asked (target/memory.ts rowAt); its members are then read from their
   * columns, so a dcmd reads only the columns it uses.
   */
  static read(target: Target, type: string, addr: bigint, what?: string): StructView {
    const def = target.types.need(type);
    try {
      const a = BigInt.asUintN(64, addr);
      const at = target.memory.rowAt(type, a);
      if (at && at.hit.size === def.size && columnsDisjoint(target, def, at.table)) return new StructView(target, def, a, undefined, at);
      const row = at ? target.memory.hitBytes(at.hit) : undefined;
      return new StructView(target, def, a, row && row.length === def.size ? row : target.readInto(a, structBytes(def.size)));
    } catch (e) {
      if (e instanceof MemoryError) throw new DcmdError(`couldn't read ${what ?? type} at ${hex(addr)}`);
      throw e;
    }
  }

  /**
   * The value in the integer column of the member at path, when the struct
   * is a row and the member has its own column. Only the chunk of rows
   * holding the row is read (dump/chunks.ts): a struct read in a table of
   * millions of rows does not inflate its columns whole.
   */
  private cell(path: string, m: ResolvedMember): number | bigint | undefined {
    if (!this.at) return undefined;
    const cc = cellColumn(this.at.table, path, m);
    if (!cc) return undefined;
    const row = this.at.row;
    const k = Math.floor(row / cc.chunkRows);
    return cc.chunk(k)[row - k * cc.chunkRows]!;
  }

  /** Does the type have this member? */
  has(path: string): boolean {
    try {
      member(this.target, this.def, path);
      return true;
    } catch {
      return false;
    }
  }

  /** The address of a member. */
  addrOf(path: string): bigint {
    return this.addr + BigInt(member(this.target, this.def, path).offset);
  }

  /** An integer member, unsigned. */
  u(path: string): bigint {
    const m = member(this.target, this.def, path);
    const size = Math.min(m.size, 8);
    const v = this.cell(path, m);
    if (v !== undefined) {
      // what writeScalar stores: the value's low `size` bytes, unsigned
      return BigInt.asUintN(size * 8, typeof v === 'bigint' ? v : BigInt(v));
    }
    // a row's bytes are its columns written over zeros (memory.ts structBytes):
    // a member no column covers is zero, with no bytes synthesised
    if (this.raw === undefined && this.at && !this.covered(m.offset, m.offset + size)) return 0n;
    return this.uintAt(m.offset, size);
  }

  /** Does any column of the row's table cover a byte of [lo, hi)? */
  private covered(lo: number, hi: number): boolean {
    const spans = columnSpans.get(this.at!.table);
    if (!spans) return true;
    for (const [a, b] of spans) if (a < hi && lo < b) return true;
    return false;
  }

  /** An integer member read as two's complement (short cc_rounds = 0xffff is -1). */
  s(path: string): bigint {
    const m = member(this.target, this.def, path);
    const size = Math.min(m.size, 8);
    return BigInt.asIntN(size * 8, this.u(path));
  }

  /** A small integer member as a number (flags, counts that fit in 53 bits). */
  n(path: string): number {
    return Number(this.u(path));
  }

  /** A char array member, up to its first NUL. */
  str(path: string): string {
    const m = member(this.target, this.def, path);
    let s = '';
    for (let i = m.offset; i < m.offset + m.size && i < this.bytes.length; i++) {
      const b = this.bytes[i]!;
      if (b === 0) break;
      s += String.fromCharCode(b);
    }
    return s;
  }

  /** The elements of an integer array member (pc_t [20]), unsigned. */
  array(path: string, elemSize: number): bigint[] {
    const m = member(this.target, this.def, path);
    const out: bigint[] = [];
    for (let off = m.offset; off + elemSize <= m.offset + m.size; off += elemSize) out.push(this.uintAt(off, elemSize));
    return out;
  }

  private uintAt(off: number, size: number): bigint {
    // no DataView of the bytes: a struct of up to 64 bytes is held in the heap, and
    // asking for its buffer would move it out to a buffer of its own
    return uintLE(this.bytes, off, size);
  }
}
