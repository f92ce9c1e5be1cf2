/*
 * Memory synthesised from tables. The dump does not hold a memory image:
 * each kernel object is a row, and "memory at an address" is the object
 * whose [addr, addr + sizeof) contains it, with each modelled member encoded
 * little-endian at its offset and everything else zero (format.ts, Tables).
 * Buffer contents come from the `buffers` table: a fill pattern
 * (zero / 0xdeadbeef / 0xbaddcafe) overlaid with the pointer words the
 * client stored. Plain global variables come from `globals` (a value of 1,
 * 2, 4 or 8 bytes at the variable's address) and strings from `strings`.
 *
 * Where extents overlap the more specific one wins: a struct row over the
 * string or buffer it sits in, a string over a buffer.
 *
 * Bytes are built per object on demand and the last few objects are kept,
 * so `addr,100/K` costs one synthesis, not a hundred.
 *
 * Nothing is indexed when the dump is opened. Each table's address column
 * is read the first time an address is looked up, with bounds (Extents), so
 * later lookups skip a table whose bounds exclude the address without
 * touching it again. A big table that may contain the address is scanned
 * linearly a few times, then gets its own sorted AddressIndex; small tables
 * are sorted at once. A lookup in the kernel's static data (panicstr, a
 * global) therefore costs one pass over each big table's address column, not
 * a sort of every object in the dump, and a command that reads memory
 * heavily pays for sorting just the tables it reaches. The answer is the same
 * either way: every table that could hold the address is asked.
 *
 * A read that spans rows (a proc_t or kmem_cache_t read at a page_t, whose
 * rows are smaller) would ask every table once per row it crosses. A struct
 * table whose rows do not overlap and whose span no other table reaches is a
 * Tiling: there the innermost object at any address can only be its row
 * there, so such reads take the rows straight from the table's index
 * (ObjectMemory.read).
 */
import {
  FILL_BADDCAFE,
  FILL_DEADBEEF,
  NO_ROW,
  TABLE_BUFFERS,
  TABLE_FRAMES,
  TABLE_GLOBALS,
  TABLE_MSGBUF,
  TABLE_STRINGS,
  TABLE_STACKS,
  TABLE_SYMBOLS,
  TABLE_TEXT,
  TABLE_TXLOG,
  type Column,
  type ListColumn,
  type DumpModel,
  type Table,
  type TypeDef,
} from '../../dump/format.js';
import { addressOrderOf, hasAddressOrder, wordsOf } from '../../dump/addr-order.js';
import { chunksOf, type ColumnChunks } from '../../dump/chunks.js';
import { MdbError, MemoryError } from '../errors.js';
import { AddressIndex, OrderedStarts } from './addr-index.js';
import { parseArray } from './ctype.js';
import type { TypeTable } from './types.js';

/** Tables that are not C structs (format.ts TABLE_*). */
export const NON_STRUCT = new Set([TABLE_SYMBOLS, TABLE_STACKS, TABLE_FRAMES, TABLE_BUFFERS, TABLE_TXLOG, TABLE_MSGBUF, TABLE_GLOBALS, TABLE_STRINGS, TABLE_TEXT]);

/** Where an address lives. */
export interface ObjectRef {
  /** the table: a C type name, or "buffers" for buffer contents */
  table: string;
  row: number;
  /** the object's start address and size */
  base: bigint;
  size: number;
}

interface MemberPlan {
  /** a pc_t array stored as a row of the `stacks` table (format.ts): its pcs */
  stacks?: ListColumn;
  col: Column;
  offset: number;
  size: number;
  /** element size for list columns (array members) */
  elem: number;
}

/** A table's rows whose start has one high word: the lowest and highest low word among those starts. */
interface Group {
  hi: number;
  minLo: number;
  maxLo: number;
}

/**
 * Where one table's objects are, read on first use: the address column as
 * 32-bit words (lo, hi per row), and bounds that hold every extent without
 * per-row sizes: the rows grouped by the high word of their start, each group
 * with its lowest and highest start, and the largest size. The kernel's
 * static data and its heap differ in the high word, and in the simulator's
 * dumps the static vmem segments end below the globals, so a lookup of a
 * global passes over the big tables without touching them again. Per-row
 * sizes are made only when a table is scanned or indexed.
 */
interface Extents {
  /** the table (its stored address order, if any, replaces the index's sort) */
  table: Table;
  n: number;
  words: Uint32Array;
  /** the same words as int32: compared as small integers, they keep a pass over millions of rows fast */
  signed: Int32Array;
  /** one size for every row (struct tables), or a size per row, made on demand */
  size: number | (() => Uint32Array);
  sizes: Uint32Array | undefined;
  /** no extent is larger (undefined: not known without per-row sizes) */
  maxSize: number | undefined;
  /** the high words of the lowest and the highest start */
  minHi: number;
  maxHi: number;
  /** the rows' start groups; undefined when the starts spread over too many high words (then minHi..maxHi bound them) */
  groups: Group[] | undefined;
  /** linear scans so far; after scansBeforeIndex the table gets a sorted index */
  scans: number;
  index: AddressIndex | undefined;
}

/** One table that is memory, in priority order (later sources win at equal starts). */
interface Source {
  kind: 'buffers' | 'globals' | 'strings' | 'struct' | 'text';
  table: Table;
  /** the struct layout (struct tables) */
  def: TypeDef | undefined;
  /** how columns map to bytes, made on the first synthesis */
  plan: MemberPlan[] | undefined;
  /** undefined until first looked up; null when the table cannot be memory (no u64 addr column) */
  extents: Extents | null | undefined;
  /** rowAt lookups answered chunk by chunk, before the table's address column is read whole */
  chunkScans: number;
  /** the search of the table's stored address order (rowAtOrdered), made on its first use */
  ordered: OrderedStarts | undefined;
}

/**
 * A struct table whose sorted rows do not overlap one another (each ends at
 * or before the next one's start) and whose span [lo, hi), from its lowest
 * start to its highest row's end, no extent of any other table can reach
 * (by that table's bounds, Extents). Inside the span, then, the objects at
 * an address are at most one row of this table: the innermost object
 * (find()) is the row whose start is the last at or below the address, if
 * the address is below that row's end, and nothing (unmapped) otherwise. A
 * read inside the span is answered from the index alone, without asking the
 * other tables (see ObjectMemory.read).
 */
interface Tiling {
  source: number;
  lo: bigint;
  hi: bigint;
  /** every row's size (the struct's) */
  size: number;
  /** each row's start less lo, in address order (exact: the span is at most 2^53 bytes) */
  rel: Float64Array;
  /** the row at each of those starts */
  rows: Uint32Array;
  /** each row starts where the one before ends (rel[i] = i * size): the row at an offset is found by a division */
  regular: boolean;
  /**
   * Recently synthesised rows, direct-mapped by row number (slot row %
   * slots): consecutive reads in a pipe re-read the rows the read before
   * took, and a slot is an array load where the object cache is a Map of
   * every table's rows. The slots are views of one buffer, each with its
   * DataView, so a row is made without allocating.
   */
  slotRow: Int32Array;
  slotBytes: Uint8Array[];
  slotView: DataView[];
}

/** A tiling keeps at most this many rows, and at most TILE_SLOT_BYTES of them. */
const TILE_SLOTS = 64;
const TILE_SLOT_BYTES = 1 << 20;

/** An object found at an address. */
export interface Hit {
  source: number;
  row: number;
  base: bigint;
  size: number;
}

/**
 * Objects whose synthesized bytes are kept, bounded by count and by bytes:
 * a walk that reads every cache and its per-CPU caches (::kmastat, a loop
 * of ::kmem_cache) re-reads a few hundred small objects, and must find them
 * here rather than rebuild each from its columns; a walk over big buffers
 * must not keep them all.
 */
const CACHE_OBJECTS = 4096;
const CACHE_BYTES = 4 << 20;
/** Addresses whose innermost object is remembered (see find()). */
const FOUND_ADDRESSES = 8192;
/** Tables up to this many rows get their sorted index at once: it costs less than a scan or two of a big one. */
const SMALL_TABLE = 4096;
/**
 * Linear scans of a big table before it is sorted. A scan of a million rows
 * costs ~2 ms and their sort ~80 ms, but a command that looks up heap
 * addresses at all usually looks up many (::kmastat reads every cache), so
 * the sort comes early; a few lookups (::status, a global) never pay for it.
 */
const SCANS_BEFORE_INDEX = 4;
/**
 * The same for a table whose dump stores its address order (format 3): its
 * index is that order checked and one pass over it, ~30 ms for 2.35 M
 * buffers where a scan costs ~10 ms, so it comes at the second lookup.
 */
const SCANS_BEFORE_ORDERED_INDEX = 1;
const TWO32 = 4294967296;

/** When tables get their sorted index (tests make small tables take the scanning path). */
export interface IndexPolicy {
  /** tables of at most this many rows are sorted on first use (default 4096) */
  smallTable?: number;
  /** linear scans of a bigger table before it is sorted (default 4, or 1 for a table whose dump stores its address order) */
  scansBeforeIndex?: number;
  /** whether reads may go through tilings (default true; tests compare with the row-by-row path) */
  tilings?: boolean;
}

/** The most bytes one read of target memory returns. */
export const MAX_READ_BYTES = 1 << 24;

/** read()'s bound on one read's size. */
function checkReadSize(addr: bigint, n: number): void {
  // every caller's size is bounded (a type is at most 1 MiB, a format item 0t65536 bytes);
  // this is the last line before an allocation, should a size from the dump slip through
  if (!(Number.isSafeInteger(n) && n >= 0 && n <= MAX_READ_BYTES)) throw new MdbError(`cannot read ${n} bytes at ${addr.toString(16)}: more than a read may ask (${MAX_READ_BYTES} bytes)`);
}

export class ObjectMemory {
  private sourceList: Source[] | undefined;
  /** struct tables' and globals' names -> their index in sources */
  private structSource: Map<string, number> | undefined;
  private readonly cache = new Map<number, Uint8Array>();
  private cacheBytes = 0;
  private readonly found = new Map<bigint, Hit | null>();
  /** the indices in sources of each table name (objectsIn) */
  private byName: Map<string, number[]> | undefined;
  /** the tilings found so far, by start (their spans are disjoint: each excludes every other table) */
  private readonly tilings: Tiling[] = [];
  /** per source: whether it was checked for a tiling (1 it is one, 2 it is not; 0 not yet) */
  private tileChecked: Uint8Array | undefined;
  private readonly smallTable: number;
  private readonly scansBeforeIndex: number;
  private readonly scansBeforeOrderedIndex: number;
  private readonly tiling: boolean;

  /** Nothing is read here; tables are indexed as lookups reach them. */
  constructor(
    private readonly model: DumpModel,
    private readonly types: TypeTable,
    private readonly pointerSize: number,
    policy: IndexPolicy = {},
  ) {
    this.smallTable = policy.smallTable ?? SMALL_TABLE;
    this.scansBeforeIndex = policy.scansBeforeIndex ?? SCANS_BEFORE_INDEX;
    this.scansBeforeOrderedIndex = policy.scansBeforeIndex ?? SCANS_BEFORE_ORDERED_INDEX;
    this.tiling = policy.tilings ?? true;
  }

  /** Lookups of a table answered by scanning before it gets its index. */
  private scansBefore(t: Table): number {
    return hasAddressOrder(t) ? this.scansBeforeOrderedIndex : this.scansBeforeIndex;
  }

  /** The tables lookups have read so far: how often each was scanned, whether it has been sorted, whether reads go through it as a tiling. */
  indexStats(): Array<{ table: string; rows: number; scans: number; indexed: boolean; tiled: boolean }> {
    return (this.sourceList ?? []).flatMap((s, i) =>
      s.extents ? [{ table: s.table.name, rows: s.extents.n, scans: s.extents.scans, indexed: s.extents.index !== undefined, tiled: this.tilings.some((t) => t.source === i) }] : [],
    );
  }

  /** The tables that are memory, in increasing priority: buffers, strings, globals, then struct tables. */
  private get sources(): Source[] {
    if (this.sourceList) return this.sourceList;
    const list: Source[] = [];
    const add = (kind: Source['kind'], table: Table | undefined, def?: TypeDef): void => {
      if (table && Object.prototype.hasOwnProperty.call(table.columns, 'addr'))
        list.push({ kind, table, def, plan: undefined, extents: undefined, chunkScans: 0, ordered: undefined });
    };
    // the kernel's text (functions' code) lies apart from every data object
    add('text', this.model.tables.find((t) => t.name === TABLE_TEXT));
    add('buffers', this.model.tables.find((t) => t.name === TABLE_BUFFERS));
    for (const name of [TABLE_STRINGS, TABLE_GLOBALS] as const) add(name, this.model.tables.find((x) => x.name === name));
    for (const t of this.model.tables) {
      if (NON_STRUCT.has(t.name)) continue;
      const def = this.types.get(t.name);
      if (def) add('struct', t, def);
    }
    this.sourceList = list;
    return list;
  }

  /** Builds every table's sorted index now (a benchmark's "open and index", or before many lookups). */
  indexAll(): void {
    for (const s of this.sources) {
      const x = this.extentsOf(s);
      if (x && !x.index) x.index = indexOf(x);
    }
  }

  /** The innermost object containing addr (struct rows win over the buffer they sit in). */
  objectAt(addr: bigint): ObjectRef | undefined {
    const h = this.find(addr);
    return h ? this.ref(h) : undefined;
  }

  /** Every object containing addr, innermost first. */
  objectsAt(addr: bigint): ObjectRef[] {
    return this.containing(addr).map((h) => this.ref(h));
  }

  /**
   * The bytes of the row of table `name` (a struct table, or `globals`) that
   * starts exactly at addr (the first such row: a lookup that scans the
   * table's chunks stops at it), or undefined when that table has none there. A read of a whole struct at a
   * row's start gets that row's bytes, as does a read of a global variable at
   * its symbol; this asks only the one table, so reading a kmem_cache_t or
   * vmem_list does not read, let alone sort, the address columns of the
   * million-row tables that cannot hold them (the buffers a struct sits in
   * rank below it; a row of another struct table at the same start, or one
   * over a global variable, would be a second object at one address, which
   * no dump describes; so would two rows of one table at one address, where
   * an address lookup, objectAt, would take the last).
   */
  rowBytesAt(name: string, addr: bigint): Uint8Array | undefined {
    const r = this.rowAt(name, addr);
    return r ? this.bytesOf(r.hit) : undefined;
  }

  /** The row of table `name` (a struct table, or `globals`) starting exactly at addr: see rowBytesAt. */
  rowAt(name: string, addr: bigint): { table: Table; row: number; hit: Hit } | undefined {
    const a = BigInt.asUintN(64, addr);
    // a struct read and its stack (::bufctl) ask for the same row twice
    const last = this.lastRowAt;
    if (last && last.name === name && last.addr === a) return last.r;
    const r = this.rowAtUncached(name, a);
    this.lastRowAt = { name, addr: a, r };
    return r;
  }

  private lastRowAt: { name: string; addr: bigint; r: { table: Table; row: number; hit: Hit } | undefined } | undefined;

  private rowAtUncached(name: string, a: bigint): { table: Table; row: number; hit: Hit } | undefined {
    const sources = this.sources;
    this.structSource ??= new Map(sources.flatMap((s, i): Array<[string, number]> => (s.kind === 'struct' || s.kind === 'globals' ? [[s.table.name, i]] : [])));
    const si = this.structSource.get(name);
    if (si === undefined) return undefined;
    // inside another table's tiling no extent of this table can lie, so no row of it starts
    // there (a zero-sized row could, but rowAt never answers with one): a kmem_cache_t read
    // at each of 65,536 page_t addresses asks this once per struct it reads
    if (this.tilings.length > 0) {
      const t = this.tilingAt(a);
      if (t && t.source !== si) return undefined;
    }
    const chunked = this.rowAtChunked(si, a);
    if (chunked !== null) return chunked;
    const ordered = this.rowAtOrdered(si, a);
    if (ordered !== null) return ordered;
    const x = this.extentsOf(sources[si]!);
    const aH = Number(a >> 32n);
    const aL = Number(a & 0xffffffffn);
    if (!x || !mayContain(x, aH, aL)) return undefined;
    if (!x.index && ++x.scans > this.scansBefore(x.table)) x.index = indexOf(x);
    let best: Hit | undefined;
    if (x.index) {
      // the extents starting at a come first (latest start first); then those that start below it
      for (const e of x.index.containing(a)) {
        if (x.index.start(e) !== a) break;
        const row = x.index.rowOf(e);
        if (!best || row < best.row) best = { source: si, row, base: a, size: x.index.sizeOf(e) };
      }
    } else {
      const hits: Hit[] = [];
      scan(x, si, aH, aL, hits);
      for (const h of hits) if (h.base === a && (!best || h.row < best.row)) best = h;
    }
    return best ? { table: sources[si]!.table, row: best.row, hit: best } : undefined;
  }

  /**
   * rowAt in a big struct table whose address column is stored in chunks
   * (dump format 2) and not yet read whole: the chunks whose bounds hold the
   * address are inflated and scanned in row order, and the first row
   * starting there is the answer (what the sorted index gives), so a lookup
   * stops at its row. The first few lookups go this way: a struct
   * read or two (the first row of `::walk bufctl | ::bufctl`) inflates a few
   * chunks of 64 Ki rows instead of the whole column; a command that goes
   * on looking up rows then reads the column and sorts it as before. null
   * when this path does not apply.
   */
  private rowAtChunked(si: number, a: bigint): { table: Table; row: number; hit: Hit } | undefined | null {
    const src = this.sources[si]!;
    if (src.extents !== undefined) return null;
    const cc = storedAddrChunks(src);
    if (!cc || !src.def) return null;
    if (++src.chunkScans > this.scansBeforeIndex) return null;
    const size = src.def.size;
    if (size === 0) return undefined;
    const aH = Number(a >> 32n);
    const aL = Number(a & 0xffffffffn);
    for (let k = 0; k < cc.count; k++) {
      if (!cc.mayHold(k, a, a)) continue;
      const v = cc.chunk(k);
      const w = new Uint32Array(v.buffer, v.byteOffset, v.length * 2);
      for (let i = 0, n = v.length; i < n; i++) {
        if (w[2 * i] !== aL || w[2 * i + 1] !== aH) continue;
        const row = k * cc.chunkRows + i;
        return { table: src.table, row, hit: { source: si, row, base: a, size } };
      }
    }
    return undefined;
  }

  /**
   * rowAt in a struct table whose dump stores its address order (format 3)
   * and that has no sorted index yet: a binary search over that order, so
   * the lookup of an exact row (a bufctl for ::whatis) neither sorts nor
   * copies the table's addresses. The first row at a is the lowest such row,
   * since the order puts equal addresses in row order. null when this path
   * does not apply.
   */
  private rowAtOrdered(si: number, a: bigint): { table: Table; row: number; hit: Hit } | undefined | null {
    const src = this.sources[si]!;
    if (src.kind !== 'struct' || !src.def || src.extents?.index) return null;
    const order = addressOrderOf(src.table);
    if (!order) return null;
    const w = wordsOf(src.table.columns['addr']!.values as BigUint64Array);
    const aH = Number(a >> 32n);
    const aL = Number(a & 0xffffffffn);
    src.ordered ??= new OrderedStarts(w, order);
    // the first position whose address is at or above a
    const lo = src.ordered.lowerBound(aH, aL);
    if (lo === order.length || src.def.size === 0) return undefined;
    const row = order[lo]!;
    if (w[2 * row + 1] !== aH || w[2 * row] !== aL) return undefined;
    return { table: src.table, row, hit: { source: si, row, base: a, size: src.def.size } };
  }

  /** The synthesised bytes of a hit rowAt returned. */
  hitBytes(hit: Hit): Uint8Array {
    return this.bytesOf(hit);
  }

  /**
   * n bytes at addr, possibly spanning adjacent objects; MemoryError if any byte is unmapped.
   *
   * Each step takes the innermost object at the current address to its end
   * (or to n bytes). Where that address lies in a Tiling, the object is that
   * table's row at the address (a division where the rows are evenly spaced,
   * a binary search of their starts where not), and the following rows,
   * while each starts where the one before ends, are taken in the same step:
   * what find() would answer at each of those addresses. A pipe of 65,536
   * page_t addresses into ::ptree or ::kmem_cache reads a struct of 4 to 8
   * page_t rows at each, and each row asked every table (~12 us a read; ~1
   * us through the tiling). The bytes are the same: the rows' columns written
   * over zeros (structInto) either way. test/mdb/tiling.test.ts compares the
   * two paths read for read.
   */
  read(addr: bigint, n: number): Uint8Array {
    checkReadSize(addr, n);
    return this.readInto(addr, new Uint8Array(n));
  }

  /**
   * read(addr, out.length) into out, which it fills or, on a MemoryError,
   * leaves partly written: for a caller that keeps the bytes to itself and
   * so may hand in a view of a buffer it shares (StructView).
   */
  readInto(addr: bigint, out: Uint8Array): Uint8Array {
    const n = out.length;
    checkReadSize(addr, n);
    let done = 0;
    while (done < n) {
      const cur = BigInt.asUintN(64, done === 0 ? addr : addr + BigInt(done));
      const t = this.tilings.length > 0 ? this.tilingAt(cur) : undefined;
      if (t) {
        // 0: cur is in a gap between the tiling's rows, where no object is
        const took = this.copyTiled(t, cur, out, done);
        if (took === 0) throw new MemoryError(addr, n);
        done += took;
        continue;
      }
      const h = this.find(cur);
      if (!h) throw new MemoryError(addr, n);
      this.noteTiling(h.source);
      const bytes = this.bytesOf(h);
      const off = Number(cur - h.base);
      const take = Math.min(n - done, bytes.length - off);
      out.set(bytes.subarray(off, off + take), done);
      done += take;
    }
    return out;
  }

  /** The tiling whose span holds a, if any. */
  private tilingAt(a: bigint): Tiling | undefined {
    const ts = this.tilings;
    let lo = 0;
    let hi = ts.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const t = ts[mid]!;
      if (a < t.lo) hi = mid - 1;
      else if (a >= t.hi) lo = mid + 1;
      else return t;
    }
    return undefined;
  }

  /**
   * Copies into out, from out[done], the bytes read() takes at cur (inside
   * t's span): the rest of the row holding cur, then each next row while it
   * starts where the one before ends, until out is full. Returns how many
   * bytes it took; 0 when no row holds cur. It stops at a row's end where
   * the next row does not start (a gap, or the span's end): read() looks
   * that address up again.
   */
  private copyTiled(t: Tiling, cur: bigint, out: Uint8Array, done: number): number {
    const size = t.size;
    const rel = t.rel;
    // cur's offset into the span: below 2^53, so exact
    const d = Number(cur - t.lo);
    let j: number;
    if (t.regular) j = Math.floor(d / size);
    else {
      // the last row starting at or below d
      let lo = 0;
      let hi = rel.length - 1;
      j = -1;
      while (lo <= hi) {
        const mid = (lo + hi) >>> 1;
        if (rel[mid]! <= d) {
          j = mid;
          lo = mid + 1;
        } else hi = mid - 1;
      }
      if (j < 0) return 0;
    }
    let off = d - rel[j]!;
    if (off >= size) return 0;
    const n = out.length;
    let at = done;
    for (;;) {
      const bytes = this.tiledRow(t, t.rows[j]!);
      const take = Math.min(n - at, size - off);
      out.set(off === 0 && take === size ? bytes : bytes.subarray(off, off + take), at);
      at += take;
      if (at === n || j + 1 >= rel.length) break;
      // the next row must start exactly at this one's end (rows do not overlap: it is not below it)
      if (rel[j + 1] !== rel[j]! + size) break;
      j++;
      off = 0;
    }
    return at - done;
  }

  /** A tiling's row, from its slot or made into it: the bytes structBytes makes. */
  private tiledRow(t: Tiling, row: number): Uint8Array {
    const slot = row % t.slotRow.length;
    const bytes = t.slotBytes[slot]!;
    if (t.slotRow[slot] !== row) {
      const src = this.sources[t.source]!;
      src.plan ??= this.planOf(src);
      bytes.fill(0);
      structInto(bytes, t.slotView[slot]!, src.plan, row);
      t.slotRow[slot] = row;
    }
    return bytes;
  }

  /**
   * After find() answered with a row of source si: whether si is a tiling,
   * worked out once, when the table has its sorted index (until then a
   * later hit asks again). The check is one pass over the table's sorted
   * starts and one look at each other table's bounds.
   */
  private noteTiling(si: number): void {
    if (!this.tiling) return;
    const checked = (this.tileChecked ??= new Uint8Array(this.sources.length));
    if (checked[si] !== 0) return;
    const src = this.sources[si]!;
    if (src.kind !== 'struct') {
      checked[si] = 2;
      return;
    }
    if (!src.extents?.index) return;
    const t = this.tilingOf(si);
    checked[si] = t ? 1 : 2;
    if (!t) return;
    let k = this.tilings.length;
    while (k > 0 && this.tilings[k - 1]!.lo > t.lo) k--;
    this.tilings.splice(k, 0, t);
  }

  /** Source si as a Tiling, or undefined when it is not one. */
  private tilingOf(si: number): Tiling | undefined {
    const sources = this.sources;
    const src = sources[si]!;
    const x = src.extents;
    const size = src.def?.size ?? 0;
    if (!x || !x.index || x.n === 0 || size <= 0 || x.size !== size) return undefined;
    const ix = x.index;
    const n = ix.length;
    const lo = ix.start(0);
    const hi = ix.start(n - 1) + BigInt(size);
    // a last row past the top of the address space (read() wraps there), or a span whose offsets a double does not hold exactly: the general path
    if (hi > 1n << 64n || hi - lo > BigInt(Number.MAX_SAFE_INTEGER)) return undefined;
    const rel = new Float64Array(n);
    const rows = new Uint32Array(n);
    const h0 = ix.startHi(0);
    const l0 = ix.startLo(0);
    let regular = true;
    for (let i = 0; i < n; i++) {
      rel[i] = (ix.startHi(i) - h0) * TWO32 + (ix.startLo(i) - l0);
      rows[i] = ix.rowOf(i);
      // in start order, each row ends at or before the next one's start
      if (i > 0 && rel[i]! - rel[i - 1]! < size) return undefined;
      if (rel[i] !== i * size) regular = false;
    }
    for (let s = 0; s < sources.length; s++) {
      if (s === si) continue;
      const o = this.extentsOf(sources[s]!);
      if (o && mayOverlap(o, lo, hi)) return undefined;
    }
    const slots = Math.max(1, Math.min(TILE_SLOTS, Math.floor(TILE_SLOT_BYTES / size)));
    const slab = new Uint8Array(slots * size);
    const slotBytes: Uint8Array[] = [];
    const slotView: DataView[] = [];
    for (let k = 0; k < slots; k++) {
      slotBytes.push(slab.subarray(k * size, (k + 1) * size));
      slotView.push(new DataView(slab.buffer, k * size, size));
    }
    return { source: si, lo, hi, size, rel, rows, regular, slotRow: new Int32Array(slots).fill(-1), slotBytes, slotView };
  }

  /**
   * A reader for many reads at nearby addresses (the format verbs read
   * `addr,0t65536/o` item by item): each call returns exactly the bytes, or
   * throws exactly the error, that read(addr, n) would, but the innermost
   * object is not looked up afresh for every address (a lookup asks each of
   * the ~100 memory tables, ~5 us; 65536 of them were seconds).
   *
   * Why one lookup serves a run of addresses: find(a) is the object ranked
   * first (latest start, then priority, then row) among those containing a.
   * Going up from a, an object that starts at or below a and still holds a
   * higher address holds a too, so it was already ranked below the answer;
   * the answer can change only where its object ends or where some object
   * starts. So find(a) answers every address in [a, min(its end, the lowest
   * start above a)). Reads still take an object's bytes to its end, over
   * objects nested in it, exactly as read() does: only the lookups are
   * shared, not the semantics changed.
   */
  reader(): (addr: bigint, n: number) => Uint8Array {
    // [lo, hi): addresses whose innermost object is hit (empty until the first lookup)
    let lo = 0n;
    let hi = 0n;
    let hit: Hit | undefined;
    let hitBytes: Uint8Array | undefined;
    return (addr, n) => {
      checkReadSize(addr, n);
      const out = new Uint8Array(n);
      let done = 0;
      while (done < n) {
        const cur = BigInt.asUintN(64, addr + BigInt(done));
        if (!(hit && cur >= lo && cur < hi)) {
          const h = this.find(cur);
          if (!h) throw new MemoryError(addr, n);
          hit = h;
          hitBytes = this.bytesOf(h);
          lo = cur;
          hi = this.nextStart(cur, h.base + BigInt(h.size));
        }
        const off = Number(cur - hit.base);
        const take = Math.min(n - done, hitBytes!.length - off);
        out.set(hitBytes!.subarray(off, off + take), done);
        done += take;
      }
      return out;
    };
  }

  /**
   * The lowest start of any object in (cur, end), or end when none is. Only
   * tables whose starts may fall in that range are asked; one that is not
   * yet sorted is scanned, and counts the scan toward its index, as a lookup
   * does (hitsIn).
   */
  private nextStart(cur: bigint, end: bigint): bigint {
    const aH = Number(cur >> 32n);
    const aL = Number(cur & 0xffffffffn);
    let best = end;
    for (const s of this.sources) {
      const x = this.extentsOf(s);
      if (!x || x.n === 0 || !mayStartIn(x, cur, best)) continue;
      if (!x.index && ++x.scans > this.scansBefore(x.table)) x.index = indexOf(x);
      const next = x.index ? x.index.nextStartAbove(aH, aL) : scanNextStart(x, cur, aH, aL, Number(best - cur));
      if (next !== undefined && next < best) best = next;
    }
    return best;
  }

  /** A NUL-terminated string at addr, at most max bytes (stops at unmapped memory after the first byte). */
  readString(addr: bigint, max: number): string {
    let s = '';
    let i = 0;
    while (i < max) {
      const cur = BigInt.asUintN(64, addr + BigInt(i));
      const h = this.find(cur);
      if (!h) {
        if (i === 0) throw new MemoryError(addr, 1);
        break;
      }
      const bytes = this.bytesOf(h);
      let off = Number(cur - h.base);
      while (off < bytes.length && i < max) {
        const b = bytes[off++]!;
        i++;
        if (b === 0) return s;
        s += String.fromCharCode(b);
      }
    }
    return s;
  }

  /**
   * The innermost object at addr. The answers to recent lookups are kept
   * (the dump does not change): a loop over the same objects (a repeated
   * ::kmem_cache walk, a pipe re-reading the caches) asks for the same
   * addresses again, and each fresh answer consults every memory table.
   */
  private find(addr: bigint): Hit | undefined {
    let h = this.found.get(addr);
    if (h !== undefined) return h ?? undefined;
    h = this.containing(addr)[0] ?? null;
    if (this.found.size >= FOUND_ADDRESSES) this.found.delete(this.found.keys().next().value!);
    this.found.set(addr, h);
    return h ?? undefined;
  }

  /**
   * Every object containing addr, innermost first: the latest start first
   * and, at equal starts, the higher-priority table, then the later row (the
   * order one index over all tables, sorted stably by start, gives).
   */
  private containing(addr: bigint): Hit[] {
    const a = BigInt.asUintN(64, addr);
    const aH = Number(a >> 32n);
    const aL = Number(a & 0xffffffffn);
    const hits: Hit[] = [];
    const sources = this.sources;
    for (let s = 0; s < sources.length; s++) this.hitsIn(s, a, aH, aL, hits);
    if (hits.length > 1) hits.sort((p, q) => (p.base !== q.base ? (p.base < q.base ? 1 : -1) : p.source !== q.source ? q.source - p.source : q.row - p.row));
    return hits;
  }

  /** The rows of source s containing a (= aH:aL), appended to out. */
  private hitsIn(s: number, a: bigint, aH: number, aL: number, out: Hit[]): void {
    const src = this.sources[s]!;
    if (src.extents === undefined && this.hitsChunked(s, a, aH, aL, out)) return;
    const x = this.extentsOf(src);
    if (!x || !mayContain(x, aH, aL)) return;
    if (!x.index && ++x.scans > this.scansBefore(x.table)) x.index = indexOf(x);
    if (x.index) {
      for (const e of x.index.containing(a)) out.push({ source: s, row: x.index.rowOf(e), base: x.index.start(e), size: x.index.sizeOf(e) });
    } else scan(x, s, aH, aL, out);
  }

  /**
   * The objects of one table (a struct table, or buffers, strings, globals)
   * containing addr, innermost first: what objectsAt(addr) lists of that
   * table, asking no other (::whatis wants threads and buffers only).
   */
  objectsIn(name: string, addr: bigint): ObjectRef[] {
    const a = BigInt.asUintN(64, addr);
    const hits: Hit[] = [];
    const sources = this.sources;
    // the sources of each table name, listed once (a lookup asks one or two tables of a hundred)
    if (!this.byName) {
      this.byName = new Map();
      for (let s = 0; s < sources.length; s++) {
        const name = sources[s]!.table.name;
        const list = this.byName.get(name);
        if (list) list.push(s);
        else this.byName.set(name, [s]);
      }
    }
    for (const s of this.byName.get(name) ?? []) this.hitsIn(s, a, Number(a >> 32n), Number(a & 0xffffffffn), hits);
    if (hits.length > 1) hits.sort((p, q) => (p.base !== q.base ? (p.base < q.base ? 1 : -1) : p.source !== q.source ? q.source - p.source : q.row - p.row));
    return hits.map((h) => this.ref(h));
  }

  /**
   * hitsIn for a big struct table whose address column is still in its
   * stored chunks (format 2): only the chunks whose bounds (the catalog's
   * lowest and highest start) meet [a - size + 1, a] are inflated and
   * scanned, once per table (a later lookup that needs a chunk reads the
   * extents), and none when no chunk's bounds do.
   * A read of a global (`show all vmem` reads vmem_list) then costs a chunk
   * or two of a million boundary tags, not their whole address column and
   * its extents. False when this path does not apply (the caller then reads
   * the table's extents as before).
   */
  private hitsChunked(s: number, a: bigint, aH: number, aL: number, out: Hit[]): boolean {
    const src = this.sources[s]!;
    const cc = storedAddrChunks(src);
    const size = src.def?.size ?? 0;
    if (!cc || size <= 0) return false;
    const reach = BigInt(size - 1);
    const lo = a >= reach ? a - reach : 0n;
    const hits: number[] = [];
    for (let k = 0; k < cc.count; k++) if (cc.mayHold(k, lo, a)) hits.push(k);
    if (hits.length === 0) return true;
    if (hits.length > 2 || src.chunkScans > 0) return false;
    src.chunkScans++;
    const loH = Number(lo >> 32n);
    const loL = Number(lo & 0xffffffffn);
    for (const k of hits) {
      const v = cc.chunk(k);
      const w = new Uint32Array(v.buffer, v.byteOffset, v.length * 2);
      for (let i = 0, n = v.length; i < n; i++) {
        const h = w[2 * i + 1]!;
        const l = w[2 * i]!;
        // lo <= start <= a, as (high, low) word pairs
        if (h < loH || (h === loH && l < loL) || h > aH || (h === aH && l > aL)) continue;
        const row = k * cc.chunkRows + i;
        out.push({ source: s, row, base: (BigInt(h) << 32n) | BigInt(l), size });
      }
    }
    return true;
  }

  private extentsOf(s: Source): Extents | null {
    if (s.extents === undefined) s.extents = this.readExtents(s);
    return s.extents;
  }

  private readExtents(s: Source): Extents | null {
    const t = s.table;
    const addr = t.columns['addr'];
    if (!addr || (addr.kind !== 'u64' && addr.kind !== 'i64') || addr.values.length !== t.rowCount) return null;
    const v = addr.values;
    const words = new Uint32Array(v.buffer, v.byteOffset, t.rowCount * 2);
    let x: Extents;
    if (s.kind === 'struct') x = bounded(t, t.rowCount, words, s.def!.size, s.def!.size);
    // a buffer's size needs its cache's and its pointers: no bound without reading them
    else if (s.kind === 'buffers') x = bounded(t, t.rowCount, words, () => bufferSizes(this.model, t, this.pointerSize), undefined);
    // a function's code is at most MAX_TEXT_BYTES: a bound that keeps the code itself compressed until an address in the text is read
    else if (s.kind === 'text') x = bounded(t, t.rowCount, words, () => valueSizes(t), MAX_TEXT_BYTES);
    else {
      const sizes = valueSizes(t);
      x = bounded(t, t.rowCount, words, () => sizes, sizes.reduce((m, v) => Math.max(m, v), 0));
    }
    // (the text waits for its first lookup inside its bounds: indexing reads its sizes)
    if (x.n <= this.smallTable && s.kind !== 'text') x.index = indexOf(x);
    return x;
  }

  private ref(h: Hit): ObjectRef {
    return { table: this.sources[h.source]!.table.name, row: h.row, base: h.base, size: h.size };
  }

  private bytesOf(h: Hit): Uint8Array {
    return this.rowBytes(h.source, h.row, h.size);
  }

  /** The synthesised bytes of a row of source si whose extent is `size` bytes (kept in the cache). */
  private rowBytes(si: number, row: number, size: number): Uint8Array {
    const key = si * TWO32 + row;
    let b = this.cache.get(key);
    if (b) return b;
    b = this.synthesise(si, row, size);
    // oldest first out, until the new object fits both bounds
    while (this.cache.size > 0 && (this.cache.size >= CACHE_OBJECTS || this.cacheBytes + b.length > CACHE_BYTES)) {
      const [k, old] = this.cache.entries().next().value!;
      this.cache.delete(k);
      this.cacheBytes -= old.length;
    }
    if (b.length <= CACHE_BYTES) {
      this.cache.set(key, b);
      this.cacheBytes += b.length;
    }
    return b;
  }

  /** How a struct table's columns map to bytes. */
  private planOf(src: Source): MemberPlan[] {
    return planMembers(src.table, src.def!, this.types, this.pointerSize, this.model.tables.find((x) => x.name === TABLE_STACKS));
  }

  /** A row's bytes made from its columns (rowBytes keeps them; a tiling keeps its own). */
  private synthesise(si: number, row: number, size: number): Uint8Array {
    let b: Uint8Array;
    const src = this.sources[si]!;
    if (src.kind === 'struct') {
      src.plan ??= this.planOf(src);
      b = structBytes(src.def!, src.plan, row);
    } else if (src.kind === 'buffers') b = bufferBytes(src.table, row, size, this.pointerSize);
    else if (src.kind === 'text') b = textBytes(src.table, row, size);
    else b = valueBytes(src.kind, src.table, row, size);
    return b;
  }
}

/**
 * Tables whose starts spread over more high words than this keep only their
 * lowest and highest. Kernel heap and static data on amd64 lie within 256
 * high words (0xffffff00... to 0xffffffff...).
 */
const MAX_SPAN = 4096;
/** Flipping the sign bit makes int32 compares order 32-bit words as unsigned. */
const BIAS = -0x80000000;

/** A table's extents with their bounds: two passes over the address words, in int32 (small integers, a fast loop over millions of rows). */
function bounded(table: Table, n: number, words: Uint32Array, size: number | (() => Uint32Array), maxSize: number | undefined): Extents {
  const signed = new Int32Array(words.buffer, words.byteOffset, words.length);
  let hMin = 0x7fffffff;
  let hMax = BIAS;
  for (let i = 1, end = 2 * n; i < end; i += 2) {
    const h = signed[i]! ^ BIAS;
    if (h < hMin) hMin = h;
    if (h > hMax) hMax = h;
  }
  const unbias = (v: number): number => (v ^ BIAS) >>> 0;
  const minHi = unbias(hMin);
  const maxHi = unbias(hMax);
  let groups: Group[] | undefined;
  if (n > 0 && maxHi - minHi < MAX_SPAN) {
    const span = maxHi - minHi + 1;
    const mins = new Int32Array(span).fill(0x7fffffff);
    const maxs = new Int32Array(span).fill(BIAS);
    for (let i = 0; i < n; i++) {
      const k = (signed[2 * i + 1]! ^ BIAS) - hMin;
      const l = signed[2 * i]! ^ BIAS;
      if (l < mins[k]!) mins[k] = l;
      if (l > maxs[k]!) maxs[k] = l;
    }
    groups = [];
    for (let k = 0; k < span; k++) if (mins[k]! <= maxs[k]!) groups.push({ hi: minHi + k, minLo: unbias(mins[k]!), maxLo: unbias(maxs[k]!) });
  }
  return { table, n, words, signed, size, sizes: undefined, maxSize, minHi, maxHi, groups, scans: 0, index: undefined };
}

/** Whether some extent of the table may hold the address aH:aL (false only when none can). */
function mayContain(x: Extents, aH: number, aL: number): boolean {
  if (x.n === 0 || x.maxSize === 0) return false;
  const reach = x.maxSize === undefined ? Infinity : x.maxSize - 1;
  // an extent under 4 GiB may start in the 4 GiB before the address and reach across
  if (!x.groups) return aH >= x.minHi && aH <= x.maxHi + (reach > 0 ? 1 : 0);
  for (const g of x.groups) {
    if (g.hi === aH && g.minLo <= aL && aL <= g.maxLo + reach) return true;
    if (g.hi + 1 === aH && g.maxLo + reach >= TWO32 + aL) return true;
  }
  return false;
}

/**
 * The address column of a struct table as it is still stored, in chunks with
 * bounds (format 2, not yet read whole), or undefined: the lookups that can
 * work chunk by chunk (rowAtChunked, hitsChunked) apply only then.
 */
function storedAddrChunks(src: Source): ColumnChunks | undefined {
  if (src.kind !== 'struct' || !src.def) return undefined;
  const cc = chunksOf(src.table, 'addr');
  if (!cc || cc.kind !== 'u64' || cc.count <= 1 || cc.whole || cc.rowCount !== src.table.rowCount) return undefined;
  return cc;
}

/**
 * Whether some extent of the table may overlap [lo, hi) (false only when
 * none can): the starts of each group lie between its lowest and highest,
 * and no extent is longer than maxSize (unknown: any length).
 */
function mayOverlap(x: Extents, lo: bigint, hi: bigint): boolean {
  if (x.n === 0 || x.maxSize === 0) return false;
  const reach = x.maxSize === undefined ? undefined : BigInt(x.maxSize);
  const overlaps = (first: bigint, last: bigint): boolean => first < hi && (reach === undefined || last + reach > lo);
  if (!x.groups) return overlaps(BigInt(x.minHi) << 32n, (BigInt(x.maxHi) << 32n) | 0xffffffffn);
  for (const g of x.groups) {
    const h = BigInt(g.hi) << 32n;
    if (overlaps(h | BigInt(g.minLo), h | BigInt(g.maxLo))) return true;
  }
  return false;
}

/** Whether some start of the table may lie in (cur, end) (false only when none can). */
function mayStartIn(x: Extents, cur: bigint, end: bigint): boolean {
  if (!x.groups) return (BigInt(x.maxHi) << 32n) + 0xffffffffn > cur && BigInt(x.minHi) << 32n < end;
  for (const g of x.groups) {
    const hi = BigInt(g.hi) << 32n;
    if (hi + BigInt(g.maxLo) > cur && hi + BigInt(g.minLo) < end) return true;
  }
  return false;
}

/** The lowest start of the table above cur (= aH:aL) and less than lim bytes above it, by a pass over its words. */
function scanNextStart(x: Extents, cur: bigint, aH: number, aL: number, lim: number): bigint | undefined {
  const w = x.words;
  let best = lim;
  for (let i = 0, n = x.n; i < n; i++) {
    const dh = w[2 * i + 1]! - aH;
    if (dh !== 0 && dh !== 1) continue;
    const d = dh * TWO32 + (w[2 * i]! - aL);
    if (d > 0 && d < best) best = d;
  }
  return best < lim ? cur + BigInt(best) : undefined;
}

/** Per-row sizes of a table whose rows differ, made once. */
function sizesOf(x: Extents): Uint32Array | undefined {
  if (typeof x.size === 'number') return undefined;
  x.sizes ??= x.size();
  return x.sizes;
}

function indexOf(x: Extents): AddressIndex {
  const starts = new BigUint64Array(x.words.buffer, x.words.byteOffset, x.n);
  const sizes = sizesOf(x) ?? new Uint32Array(x.n).fill(x.size as number);
  return new AddressIndex([{ starts, sizes }], addressOrderOf(x.table));
}

/** Rows of one table whose extent contains the address (aH:aL), by a pass over its words. */
function scan(x: Extents, source: number, aH: number, aL: number, out: Hit[]): void {
  const signed = x.signed;
  const sizes = sizesOf(x);
  const fixed = typeof x.size === 'number' ? x.size : 0;
  const same = aH | 0;
  // an extent under 4 GiB that holds the address starts in its 4 GiB or the one before (none before 0)
  const before = aH === 0 ? 0.5 : (aH - 1) | 0;
  const hit = (i: number, sz: number): void => {
    const lo = signed[2 * i]! >>> 0;
    if (signed[2 * i + 1] !== (lo <= aL ? same : before)) return;
    out.push({ source, row: i, base: (BigInt(x.words[2 * i + 1]!) << 32n) | BigInt(lo), size: sz });
  };
  // the start is (aL - lo) mod 2^32 bytes below the address when it holds it: one subtraction rejects almost every row
  if (sizes) {
    for (let i = 0, n = x.n; i < n; i++) if ((aL - signed[2 * i]!) >>> 0 < sizes[i]!) hit(i, sizes[i]!);
  } else {
    for (let i = 0, n = x.n; i < n; i++) if ((aL - signed[2 * i]!) >>> 0 < fixed) hit(i, fixed);
  }
}

/** A function's code (the `text` table's bytes list), `size` bytes of it. */
function textBytes(table: Table, row: number, size: number): Uint8Array {
  const c = table.columns['bytes'];
  const out = new Uint8Array(size);
  if (c?.kind === 'list') for (let i = 0; i < size; i++) out[i] = Number(c.values[c.offsets[row]! + i] ?? 0);
  return out;
}

/** The largest function the text table may hold (a bound on a size from the dump). */
export const MAX_TEXT_BYTES = 1 << 20;

/** Extent sizes of `globals` rows (their size column), `strings` rows (text plus NUL) and `text` rows (their code, bounded). */
function valueSizes(t: Table): Uint32Array {
  const out = new Uint32Array(t.rowCount);
  const size = t.columns['size'];
  const txt = t.columns['text'];
  const code = t.columns['bytes'];
  for (let i = 0; i < t.rowCount; i++) {
    if (code?.kind === 'list') out[i] = Math.min(MAX_TEXT_BYTES, Math.max(0, code.offsets[i + 1]! - code.offsets[i]!));
    else if (txt?.kind === 'str') out[i] = txt.values[i]!.length + 1;
    else if (size && size.kind !== 'str' && size.kind !== 'list') out[i] = Number(size.values[i]!);
  }
  return out;
}

function valueBytes(kind: 'globals' | 'strings', table: Table, row: number, size: number): Uint8Array {
  const out = new Uint8Array(size);
  const c = table.columns[kind === 'strings' ? 'text' : 'value'];
  if (c?.kind === 'str') {
    const s = c.values[row]!;
    for (let i = 0; i < s.length && i < size; i++) out[i] = s.charCodeAt(i) & 0xff;
  } else if (c && c.kind !== 'list') writeScalar(out, new DataView(out.buffer), 0, size, c.values[row]!, false);
  return out;
}

/** Where each column of a struct table goes in the object's bytes. */
function planMembers(t: Table, def: TypeDef, types: TypeTable, pointerSize: number, stacksTable?: Table): MemberPlan[] {
  const plan: MemberPlan[] = [];
  for (const name of Object.keys(t.columns)) {
    if (name === 'addr') continue;
    let m;
    try {
      m = types.resolve(def, name);
    } catch {
      continue; // validate.ts rejects these; a lenient reader just skips them
    }
    const col = t.columns[name]!;
    const arr = parseArray(m.type);
    const elem = arr ? Math.max(1, Math.floor(m.size / arr.count)) : col.kind === 'list' ? pointerSize : m.size;
    // A stack (pc_t [N]) may be stored as the row of its interned stack.
    const pcs = stacksTable?.columns['pcs'];
    if (arr && arr.elem === 'pc_t' && col.kind === 'u32' && pcs?.kind === 'list') {
      plan.push({ col, offset: m.offset, size: m.size, elem, stacks: pcs });
      continue;
    }
    plan.push({ col, offset: m.offset, size: m.size, elem });
  }
  return plan;
}

function structBytes(def: TypeDef, plan: readonly MemberPlan[], row: number): Uint8Array {
  const out = new Uint8Array(def.size);
  structInto(out, new DataView(out.buffer), plan, row);
  return out;
}

/**
 * Writes a struct row's members into out: zeros, the struct's size long, dv
 * a view of exactly out's bytes (a tiling's slot, or structBytes' own array).
 */
function structInto(out: Uint8Array, dv: DataView, plan: readonly MemberPlan[], row: number): void {
  for (const p of plan) {
    const c = p.col;
    if (p.stacks && c.kind === 'u32') {
      const srow = Number(c.values[row]!);
      if (srow + 1 < p.stacks.offsets.length) {
        const from = p.stacks.offsets[srow]!;
        const to = p.stacks.offsets[srow + 1]!;
        for (let i = from, off = p.offset; i < to && off + p.elem <= p.offset + p.size; i++, off += p.elem) {
          writeScalar(out, dv, off, p.elem, p.stacks.values[i]!, false);
        }
      }
    } else if (c.kind === 'str') {
      const s = c.values[row] ?? '';
      for (let i = 0; i < s.length && i < p.size; i++) out[p.offset + i] = s.charCodeAt(i) & 0xff;
    } else if (c.kind === 'list') {
      const from = c.offsets[row]!;
      const to = c.offsets[row + 1]!;
      for (let i = from, off = p.offset; i < to && off + p.elem <= p.offset + p.size; i++, off += p.elem) {
        writeScalar(out, dv, off, p.elem, c.values[i]!, c.of === 'f64');
      }
    } else {
      writeScalar(out, dv, p.offset, p.size, c.values[row]!, c.kind === 'f64');
    }
  }
}

/** Stores v little-endian in `size` bytes (truncating or zero-extending). */
export function writeScalar(out: Uint8Array, dv: DataView, off: number, size: number, v: number | bigint, float: boolean): void {
  if (off < 0 || off + size > out.length) return;
  if (float && typeof v === 'number') {
    if (size === 8) dv.setFloat64(off, v, true);
    else if (size === 4) dv.setFloat32(off, v, true);
    return;
  }
  if (typeof v === 'number' && v >= 0 && v < 4294967296 && Number.isInteger(v)) {
    for (let i = 0; i < size && i < 4; i++) out[off + i] = (v >>> (8 * i)) & 0xff;
    return;
  }
  const b = BigInt.asUintN(64, typeof v === 'bigint' ? v : BigInt(Math.trunc(v)));
  // a 64-bit member in one store (the loop below makes 24 BigInts for it; a
  // page_t row has five); the same eight bytes, little-endian
  if (size >= 8 && dv.buffer === out.buffer && dv.byteOffset === out.byteOffset) {
    dv.setBigUint64(off, b, true);
    return;
  }
  for (let i = 0; i < size && i < 8; i++) out[off + i] = Number((b >> BigInt(8 * i)) & 0xffn);
}

/** uintLE's scratch word: eight bytes copied in, read as one little-endian u64 (every Node 20 platform is little-endian). */
const word8 = new Uint8Array(8);
const word64 = new BigUint64Array(word8.buffer);

/**
 * The unsigned little-endian integer of `size` bytes (1..8) at b[off], bytes
 * past b's end read as zero. A member of up to six bytes is summed as a
 * number and a whole 64-bit one read in one load (through word8: no DataView
 * of b, whose buffer a small array does not have until asked), making one
 * BigInt where the byte-by-byte loop made three per byte (a pipe of 65,536
 * addresses into ::kmem_cache decodes some 45 members at each); the value is
 * the same. What writeScalar stored, read back (StructView, Target.readUint).
 */
export function uintLE(b: Uint8Array, off: number, size: number): bigint {
  if (off >= 0 && off + size <= b.length) {
    if (size <= 6) {
      let n = 0;
      for (let i = size - 1; i >= 0; i--) n = n * 256 + b[off + i]!;
      return BigInt(n);
    }
    if (size === 8) {
      for (let i = 0; i < 8; i++) word8[i] = b[off + i]!;
      return word64[0]!;
    }
  }
  let v = 0n;
  for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[off + i] ?? 0);
  return v;
}

/**
 * Buffer sizes: the owning cache's cache_bufsize when kmem_cache_t models it,
 * otherwise just enough to hold the recorded pointer words.
 */
function bufferSizes(model: DumpModel, t: Table, pointerSize: number): Uint32Array {
  const cacheRow = t.columns['cache_row'];
  const sizes = new Uint32Array(t.rowCount);
  const perCache = cacheBufsizes(model);
  const rows = cacheRow && cacheRow.kind !== 'str' && cacheRow.kind !== 'list' ? cacheRow.values : undefined;
  // the usual column (u32 rows into kmem_cache_t) in a loop of its own, each cache's size as a u32 once
  // (a size below 1 or past 2^32 goes to the general loop below, as it did)
  const fast = new Uint32Array(perCache.length);
  let fastOk = rows instanceof Uint32Array;
  for (let r = 0; r < perCache.length && fastOk; r++) {
    const v = perCache[r]!;
    if (v >= 1 && v <= 0xffffffff && Number.isInteger(v)) fast[r] = v;
    else fastOk = false;
  }
  let from = 0;
  if (fastOk) {
    const u = rows as Uint32Array;
    const m = fast.length;
    for (; from < t.rowCount; from++) {
      const r = u[from]!;
      if (r >= m) break;
      sizes[from] = fast[r]!;
    }
  }
  let offs: Column | undefined | null = null; // read only if some buffer needs it
  for (let i = from; i < t.rowCount; i++) {
    const r = rows ? Number(rows[i]!) : NO_ROW;
    let sz = r < perCache.length ? perCache[r]! : 0;
    if (sz <= 0) {
      sz = pointerSize;
      if (offs === null) offs = t.columns['ptr_offs'];
      if (offs && offs.kind === 'list') {
        for (let j = offs.offsets[i]!; j < offs.offsets[i + 1]!; j++) sz = Math.max(sz, Number(offs.values[j]!) + pointerSize);
      }
    }
    sizes[i] = sz;
  }
  return sizes;
}

/** Every kmem cache's cache_bufsize (0 where not modelled), converted from bigint once rather than per buffer. */
function cacheBufsizes(model: DumpModel): Float64Array {
  const caches = model.tables.find((x) => x.name === 'kmem_cache_t');
  const perCache = new Float64Array(caches?.rowCount ?? 0);
  const bufsize = caches && Object.prototype.hasOwnProperty.call(caches.columns, 'cache_bufsize') ? caches.columns['cache_bufsize'] : undefined;
  if (bufsize && bufsize.kind !== 'str' && bufsize.kind !== 'list') for (let r = 0; r < perCache.length; r++) perCache[r] = Number(bufsize.values[r]!);
  return perCache;
}

const PATTERN: Record<number, number[]> = {
  [FILL_DEADBEEF]: [0xef, 0xbe, 0xad, 0xde],
  [FILL_BADDCAFE]: [0xfe, 0xca, 0xdd, 0xba],
};

function bufferBytes(t: Table, row: number, size: number, pointerSize: number): Uint8Array {
  const out = new Uint8Array(size);
  const dv = new DataView(out.buffer);
  const fill = t.columns['fill'];
  const pat = fill && fill.kind !== 'str' && fill.kind !== 'list' ? PATTERN[Number(fill.values[row]!)] : undefined;
  if (pat) for (let i = 0; i < size; i++) out[i] = pat[i & 3]!;
  const offs = t.columns['ptr_offs'];
  const vals = t.columns['ptr_vals'];
  if (offs?.kind === 'list' && vals?.kind === 'list') {
    const from = offs.offsets[row]!;
    const to = offs.offsets[row + 1]!;
    const vfrom = vals.offsets[row]!;
    for (let i = from; i < to; i++) {
      const v = vals.values[vfrom + (i - from)];
      if (v !== undefined) writeScalar(out, dv, Number(offs.values[i]!), pointerSize, v, false);
    }
  }
  return out;
}
