/*
 * FreeBSD vmem (sys/kern/subr_vmem.c, 2020) read from the dump: arenas are
 * rows of "struct vmem", boundary tags rows of "struct vmem_btag" with the
 * dump's own u32 column `arena_row` (format.ts, 2020 paragraph).
 *
 * A dump may hold a million tags, so the index is built once over the tag
 * table's columns as typed arrays, never as per-tag objects:
 *
 *   segOff/segRows  CSR by arena: the tags on each arena's vm_seglist, put in
 *                   segment-list order by seglist(a) on first use (the order the dump lists them in, or
 *                   bt_seglist links when the dump has them; sorted by
 *                   address, a span before its segments, when neither holds);
 *                   the rows are filled when a command first lists tags
 *   spareOff/spareRows  the spare tags on each arena's vm_freetags (type 0)
 *   type, size      bt_type (the dump's u8 or u32 column itself) and bt_size
 *                   (Float64Array, made on first use: sizes are below 2^53
 *                   on both i386 and amd64)
 *
 * `show all vmem` needs only the counts and the size-class tallies, which
 * one pass over three columns gives; the tags' addresses, starts and links
 * stay compressed until a command prints a tag.
 *
 * Addresses (bt_start, the tag's own address) stay in their u64 columns and
 * are read as bigints only for the tags a command prints.
 */
import { wordsOf } from '../../../../dump/addr-order.js';
import type { Column } from '../../../../dump/format.js';
import type { Target } from '../../../target.js';
import { BT_TYPE_BUSY, BT_TYPE_FREE, BT_TYPE_SPAN, BT_TYPE_SPAN_STATIC } from '../names.js';
import { hx, structRows, type StructRows } from '../struct.js';

export const VMEM = 'struct vmem';
export const BTAG = 'struct vmem_btag';

/** VMEM_OPTORDER and VMEM_OPTVALUE */
const OPTORDER = 5;
const OPTVALUE = 1 << OPTORDER;

/** VMEM_MAXORDER: VMEM_OPTVALUE - 1 + sizeof (vmem_size_t) * NBBY - VMEM_OPTORDER (58 on i386, 90 on amd64). */
export const vmemMaxOrder = (pointerSize: 4 | 8): number => OPTVALUE - 1 + pointerSize * 8 - OPTORDER;

/** flsl(): the 1-based index of the highest set bit (0 for 0), for integers below 2^53. */
export function flsl(v: number): number {
  if (v <= 0) return 0;
  if (v < 0x100000000) return 32 - Math.clz32(v);
  return 64 - Math.clz32(Math.floor(v / 0x100000000));
}

/** SIZE2ORDER(qsize): the freelist a free segment of qsize quanta goes on. */
export const size2order = (qsize: number): number => (qsize <= OPTVALUE ? qsize - 1 : flsl(qsize) + (OPTVALUE - OPTORDER - 2));
/** ORDER2SIZE(order), in quanta. */
export const order2size = (order: number): number => (order < OPTVALUE ? order + 1 : 2 ** (order - (OPTVALUE - OPTORDER - 1)));

/** A tag is a span when bt_type <= BT_TYPE_SPAN_STATIC (BT_ISSPAN_P). */
export const isSpan = (type: number): boolean => type === BT_TYPE_SPAN || type === BT_TYPE_SPAN_STATIC;

export interface VmemIndex {
  arenas: StructRows;
  tags: StructRows;
  /** arena rows in vmem_list order (the kernel inserts at the head: newest first) */
  listOrder: number[];
  /** CSR by arena of the tags on each vm_seglist, in no particular order until seglist(a) has ordered that arena */
  segOff: Uint32Array;
  segRows: Uint32Array;
  /** arena row a's tags in segment-list order (ordered on first use) */
  seglist(a: number): Uint32Array;
  spareOff: Uint32Array;
  spareRows: Uint32Array;
  /** bt_type of each tag row (the dump's own column when it stores one, u8 or u32) */
  type: Uint8Array | Uint32Array;
  size: Float64Array;
  /** bt_start of tag row r */
  start(r: number): bigint;
  /** the tag's own address */
  addr(r: number): bigint;
  /** the arena row of tag row r, -1 when out of range */
  arenaOf(r: number): number;
}

/** The values of a scalar column as a number per row (u64 read through Number). */
function numbers(c: Column | undefined, n: number, out: Float64Array | Uint8Array | Uint32Array): boolean {
  if (!c || c.kind === 'str' || c.kind === 'list') return false;
  const v = c.values;
  if (v instanceof BigUint64Array) {
    // from the column's 32-bit halves: a bigint per row costs more than the rest of the index
    const w = wordsOf(v);
    for (let i = 0; i < n; i++) out[i] = w[2 * i + 1]! * 0x100000000 + w[2 * i]!;
  } else if (v instanceof BigInt64Array) for (let i = 0; i < n; i++) out[i] = Number(v[i]!);
  else for (let i = 0; i < n; i++) out[i] = (v as ArrayLike<number>)[i]!;
  return true;
}

/**
 * The values of scalar column `name`, or undefined when the table has none.
 * Reading a column inflates it (a lazily opened dump), so callers look a
 * column up only when they need its values; `in` does not read it.
 */
function scalarValues(cols: Record<string, Column>, name: string): ArrayLike<number | bigint> | undefined {
  const c = name in cols ? cols[name] : undefined;
  return c && c.kind !== 'str' && c.kind !== 'list' ? (c.values as ArrayLike<number | bigint>) : undefined;
}

/** A u64 column's value of row r, or undefined when the table has no such scalar column (reads it now). */
const bigCol = (cols: Record<string, Column>, name: string): ((r: number) => bigint) | undefined => {
  const v = scalarValues(cols, name);
  return v ? (r) => BigInt.asUintN(64, BigInt(v[r]!)) : undefined;
};

/**
 * A u64 member of row r from its column, or from `fallback` when the table
 * has no such scalar column. The column is looked up on the first call:
 * show vmem's tallies never print a tag, and need not inflate bt_start.
 */
const bigAt = (cols: Record<string, Column>, name: string, fallback: (r: number) => bigint): ((r: number) => bigint) => {
  let v: ArrayLike<number | bigint> | null | undefined;
  return (r) => {
    if (v === undefined) v = scalarValues(cols, name) ?? null;
    return v ? BigInt.asUintN(64, BigInt(v[r]!)) : fallback(r);
  };
};

/** Sizes as the (low, high) 32-bit halves tallyTags reads (only for a dump without a u64 bt_size column). */
function sizeHalves(sizes: Float64Array): Uint32Array {
  const w = new Uint32Array(sizes.length * 2);
  for (let r = 0; r < sizes.length; r++) {
    w[2 * r] = sizes[r]! % 0x100000000;
    w[2 * r + 1] = Math.floor(sizes[r]! / 0x100000000);
  }
  return w;
}

/**
 * vmemIndex's one pass over the tags: each arena's segment and spare-tag
 * counts, and show vmem's size-class tallies (vmem_summ: busy and free
 * count and bytes per freelist order). A function of its own, so that the
 * optimiser compiles the loop before it runs (as part of vmemIndex it ran
 * unoptimised until on-stack replacement).
 */
function tallyTags(
  n: number,
  na: number,
  arenaRow: Uint32Array,
  type: Uint8Array | Uint32Array,
  sizeWords: Uint32Array,
  quantum: Float64Array,
  segCount: Uint32Array,
  spareCount: Uint32Array,
  tally: Float64Array,
): void {
  for (let r = 0; r < n; r++) {
    const a = arenaRow[r]!;
    if (a >= na) continue;
    const t = type[r]!;
    if (t === 0) {
      spareCount[a + 1]!++;
      continue;
    }
    segCount[a + 1]!++;
    if (t !== BT_TYPE_BUSY && t !== BT_TYPE_FREE) continue;
    const sz = sizeWords[2 * r + 1]! * 0x100000000 + sizeWords[2 * r]!;
    const qs = Math.floor(sz / quantum[a]!);
    const ord = qs <= OPTVALUE ? qs - 1 : flsl(qs) + (OPTVALUE - OPTORDER - 2);
    if (ord < 0 || ord >= 128) continue; // a segment smaller than the quantum: no class
    const at = (a * 128 + ord) * 4 + (t === BT_TYPE_BUSY ? 0 : 2);
    tally[at]!++;
    tally[at + 1]! += sz;
  }
}

/** Column `name` when the dump stores it as exactly this typed array of n rows (used as it is, not copied), else undefined. */
function scalarAs<T extends Uint8Array | Uint32Array>(cols: Record<string, Column>, name: string, ctor: { new (n: number): T }, n: number): T | undefined {
  const v: unknown = scalarValues(cols, name);
  return v instanceof ctor && (v as T).length === n ? (v as T) : undefined;
}

const indexes = new WeakMap<Target, VmemIndex>();

/** True when the dump describes FreeBSD vmem at all (a 2020 kernel). */
export function hasVmem(target: Target): boolean {
  return target.types.get(VMEM) !== undefined && target.table(VMEM) !== undefined;
}

/** The vmem index, built on first use. */
export function vmemIndex(target: Target): VmemIndex {
  const hit = indexes.get(target);
  if (hit) return hit;
  const arenas = structRows(target, VMEM);
  const tags = structRows(target, BTAG);
  const na = arenas.count;
  const n = tags.count;
  const cols = tags.table?.columns ?? {};
  // bt_type and arena_row as the dump stores them (u8 or u32) are used as they are: a copy
  // of a million rows each was a tenth of `show all vmem`
  const typeCol = scalarAs(cols, 'bt_type', Uint8Array, n) ?? scalarAs(cols, 'bt_type', Uint32Array, n);
  let type: Uint8Array | Uint32Array;
  if (typeCol) type = typeCol;
  else {
    const t = new Uint8Array(n);
    if (!numbers(cols['bt_type'], n, t)) for (let r = 0; r < n; r++) t[r] = tags.num(r, 'bt_type');
    type = t;
  }
  // bt_size: the tally reads the u64 column's 32-bit halves; the Float64Array of sizes is made when a command asks for it
  const sizeCol = 'bt_size' in cols ? cols['bt_size'] : undefined;
  const sizeValues = scalarValues(cols, 'bt_size');
  const sizeWords = sizeValues instanceof BigUint64Array && sizeValues.length === n ? wordsOf(sizeValues) : undefined;
  let sizes: Float64Array | undefined;
  const sizeArray = (): Float64Array => {
    if (!sizes) {
      sizes = new Float64Array(n);
      if (!numbers(sizeCol, n, sizes)) for (let r = 0; r < n; r++) sizes[r] = Number(tags.get(r, 'bt_size'));
    }
    return sizes;
  };
  const start = bigAt(cols, 'bt_start', (r) => tags.get(r, 'bt_start'));
  let arenaRow = scalarAs(cols, 'arena_row', Uint32Array, n);
  if (!arenaRow) {
    arenaRow = new Uint32Array(n);
    // no arena_row: every tag belongs to the first arena (a malformed dump; format.ts requires the column)
    if (!numbers(cols['arena_row'], n, arenaRow)) arenaRow.fill(na > 0 ? 0 : 0xffffffff);
  }
  // counting sort by arena, stable: keeps the dump's order within an arena;
  // the same pass tallies show vmem's size classes (vmem_summ), so that the
  // index reads the million tags once
  const segCount = new Uint32Array(na + 1);
  const spareCount = new Uint32Array(na + 1);
  const arenaInfo = Array.from({ length: na }, (_, a) => readArena(target, a));
  const quantum = Float64Array.from(arenaInfo, (x) => 2 ** x.shift);
  const tally = new Float64Array(na * 128 * 4); // per arena and order: busy count, busy bytes, free count, free bytes
  // sizes from the u64 column's 32-bit halves when the dump has one (no array of a million doubles)
  const words = sizeWords ?? sizeHalves(sizeArray());
  tallyTags(n, na, arenaRow, type, words, quantum, segCount, spareCount, tally);
  for (let a = 0; a < na; a++) {
    segCount[a + 1]! += segCount[a]!;
    spareCount[a + 1]! += spareCount[a]!;
  }
  const segOff = segCount.slice();
  const spareOff = spareCount.slice();
  // the rows themselves, a second pass over the million tags, only when a command lists tags
  // (show vmem's tallies need only the counts above)
  let csr: { segRows: Uint32Array; spareRows: Uint32Array } | undefined;
  const rowsByArena = (): { segRows: Uint32Array; spareRows: Uint32Array } => {
    if (csr) return csr;
    const segRows = new Uint32Array(segOff[na]!);
    const spareRows = new Uint32Array(spareOff[na]!);
    const segPos = segOff.slice(0, na);
    const sparePos = spareOff.slice(0, na);
    for (let r = 0; r < n; r++) {
      const a = arenaRow[r]!;
      if (a >= na) continue;
      if (type[r] === 0) spareRows[sparePos[a]!++] = r;
      else segRows[segPos[a]!++] = r;
    }
    return (csr = { segRows, spareRows });
  };
  // Segment-list order is made per arena on first use (seglist()): links when
  // the dump has them, else the dump's order when it is address order, else
  // sorted. show vmem's tallies do not need it, and following a million links
  // was most of the first `show all vmem`.
  const ordered = new Uint8Array(na);
  const orderArena = (a: number): void => {
    ordered[a] = 1;
    const { segRows } = rowsByArena();
    const lo = segOff[a]!;
    const hi = segOff[a + 1]!;
    if (hi - lo < 2) return;
    const head = arenas.get(a, 'vm_seglist.tqh_first');
    // the links column is read (inflated) only when an arena is first walked
    const next = 'bt_seglist.tqe_next' in cols ? cols['bt_seglist.tqe_next'] : undefined;
    if (next && head !== 0n) {
      const linked = followLinks(tags, head, next, hi - lo);
      if (linked) {
        segRows.set(linked, lo);
        return;
      }
    }
    let sorted = true;
    for (let i = lo + 1; i < hi && sorted; i++) {
      const a0 = start(segRows[i - 1]!);
      const a1 = start(segRows[i]!);
      // address order, and a span before the segments that start where it does
      if (a1 < a0 || (a1 === a0 && isSpan(type[segRows[i]!]!) && !isSpan(type[segRows[i - 1]!]!))) sorted = false;
    }
    if (!sorted) {
      const part = Array.from(segRows.subarray(lo, hi));
      part.sort((x, y) => {
        const sx = start(x);
        const sy = start(y);
        if (sx !== sy) return sx < sy ? -1 : 1;
        return (isSpan(type[x]!) ? 0 : 1) - (isSpan(type[y]!) ? 0 : 1) || x - y;
      });
      segRows.set(part, lo);
    }
  };
  const idx: VmemIndex = {
    arenas,
    tags,
    listOrder: arenaListOrder(target, arenas),
    segOff,
    get segRows() {
      return rowsByArena().segRows;
    },
    seglist(a) {
      if (a < 0 || a >= na) return new Uint32Array(0);
      if (!ordered[a]) orderArena(a);
      return rowsByArena().segRows.subarray(segOff[a]!, segOff[a + 1]!);
    },
    spareOff,
    get spareRows() {
      return rowsByArena().spareRows;
    },
    type,
    get size() {
      return sizeArray();
    },
    start,
    addr: (r) => tags.addr(r),
    arenaOf: (r) => (r >= 0 && r < n && arenaRow[r]! < na ? arenaRow[r]! : -1),
  };
  indexes.set(target, idx);
  // the per-arena size-class tallies are part of the index: show vmem and show all vmem then only print
  const m = new Map<number, SizeClass[]>();
  for (let a = 0; a < na; a++) {
    const out: SizeClass[] = [];
    for (let o = 0; o < 128; o++) {
      const at = (a * 128 + o) * 4;
      if (tally[at] === 0 && tally[at + 2] === 0) continue;
      out.push({ order: o, classSize: order2size(o) * quantum[a]!, inuse: tally[at]!, inuseSize: tally[at + 1]!, free: tally[at + 2]!, freeSize: tally[at + 3]! });
    }
    m.set(a, out);
  }
  classCache.set(idx, m);
  return idx;
}

/**
 * The tag rows of a TAILQ from head, when the links reach exactly `count`
 * tags; else undefined. The links are followed as 32-bit halves of the
 * column's words, without a bigint per tag (a million tags in one arena).
 */
function followLinks(tags: StructRows, head: bigint, next: Column, count: number): Uint32Array | undefined {
  const v = next.kind === 'str' || next.kind === 'list' ? undefined : next.values;
  const w = v instanceof BigUint64Array ? wordsOf(v) : undefined;
  const out = new Uint32Array(count);
  let h = Number(head >> 32n);
  let l = Number(head & 0xffffffffn);
  let i = 0;
  while (h !== 0 || l !== 0) {
    if (i >= count) return undefined;
    const r = tags.rowOfParts(h, l);
    if (r < 0) return undefined;
    out[i++] = r;
    if (w) {
      l = w[2 * r]!;
      h = w[2 * r + 1]!;
    } else {
      const p = v ? BigInt.asUintN(64, BigInt(v[r]!)) : 0n;
      h = Number(p >> 32n);
      l = Number(p & 0xffffffffn);
    }
  }
  return i === count ? out : undefined;
}

/**
 * vmem_list's order. vmem_init() inserts each arena at the head of
 * vmem_list, so the kernel (show all vmem) lists the newest arena first;
 * when the dump has the vm_list links and the vmem_list head, they are
 * followed instead.
 */
function arenaListOrder(target: Target, arenas: StructRows): number[] {
  const n = arenas.count;
  const sym = target.lookupSymbol('vmem_list');
  if (arenas.table?.columns['vm_list.le_next'] && n > 0) {
    try {
      // the head: vmem_list's value, else the one arena no other arena's vm_list.le_next names
      let head = 0n;
      if (sym) head = target.readPtr(sym.addr);
      else {
        const named = new Set<bigint>();
        for (let r = 0; r < n; r++) named.add(arenas.get(r, 'vm_list.le_next'));
        const heads = Array.from({ length: n }, (_, r) => r).filter((r) => !named.has(arenas.addr(r)));
        if (heads.length === 1) head = arenas.addr(heads[0]!);
      }
      const out: number[] = [];
      const seen = new Set<number>();
      for (let p = head; p !== 0n; p = arenas.get(out.at(-1)!, 'vm_list.le_next')) {
        const r = arenas.rowOf(p);
        if (r < 0 || seen.has(r)) break;
        seen.add(r);
        out.push(r);
      }
      if (out.length === n) return out;
    } catch {
      // fall through to the creation order reversed
    }
  }
  return Array.from({ length: n }, (_, i) => n - 1 - i);
}

export interface Arena {
  row: number;
  addr: bigint;
  name: string;
  quantum: bigint;
  shift: number;
  size: bigint;
  inuse: bigint;
  nbusytag: number;
  nfreetags: number;
  /** the arena it imports from (vm_source, else vm_arg when that is an arena), 0 for none */
  source: bigint;
}

export function readArena(target: Target, row: number): Arena {
  const v = structRows(target, VMEM);
  const mask = v.get(row, 'vm_quantum_mask');
  let shift = v.num(row, 'vm_quantum_shift');
  if (shift === 0 && mask !== 0n) shift = flsl(Number(mask + 1n)) - 1;
  let source = v.get(row, 'vm_source');
  if (source === 0n) {
    const arg = v.get(row, 'vm_arg');
    if (arg !== 0n && v.rowOf(arg) >= 0) source = arg;
  }
  return {
    row,
    addr: v.addr(row),
    name: v.chars(row, 'vm_name'),
    quantum: mask + 1n,
    shift,
    size: v.get(row, 'vm_size'),
    inuse: v.get(row, 'vm_inuse'),
    nbusytag: v.num(row, 'vm_nbusytag') | 0,
    nfreetags: v.num(row, 'vm_nfreetags') | 0,
    source,
  };
}

/** One size class of show vmem's table: ORDER2SIZE(ord) << shift, busy and free tags and their bytes. */
export interface SizeClass {
  order: number;
  classSize: number;
  inuse: number;
  inuseSize: number;
  free: number;
  freeSize: number;
}

const classCache = new WeakMap<VmemIndex, Map<number, SizeClass[]>>();

/** vmem_summ's tally: busy and free segments of the arena per freelist order (made by vmemIndex's one pass over the tags). */
export function sizeClasses(idx: VmemIndex, a: Arena): SizeClass[] {
  return classCache.get(idx)?.get(a.row) ?? [];
}

/**
 * The freelists of an arena, vm_freelist[i] for each non-empty i, as tag
 * rows. The dump's vm_freelist[i].lh_first heads and bt_freelist links are
 * followed when it has them; with the links alone, each chain of free tags
 * is one list, on the order of its tags' size; otherwise each FREE tag is
 * placed on the list bt_insfree() would put it on (SIZE2ORDER of its size
 * in quanta), in segment-list order.
 */
export function freelists(idx: VmemIndex, a: Arena): Array<{ order: number; rows: number[] }> {
  const cols = idx.tags.table?.columns ?? {};
  const next = bigCol(cols, 'bt_freelist.le_next');
  const out: Array<{ order: number; rows: number[] }> = [];
  const acols = idx.arenas.table?.columns ?? {};
  const heads = Object.keys(acols)
    .map((k) => /^vm_freelist\[(\d+)\]\.lh_first$/.exec(k))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]));
  if (next && heads.length > 0) {
    for (const i of heads.sort((x, y) => x - y)) {
      const rows: number[] = [];
      const seen = new Set<number>();
      for (let p = idx.arenas.get(a.row, `vm_freelist[${i}].lh_first`); p !== 0n; ) {
        const r = idx.tags.rowOf(p);
        if (r < 0 || seen.has(r)) break;
        seen.add(r);
        rows.push(r);
        p = next(r);
      }
      if (rows.length > 0) out.push({ order: i, rows });
    }
    return out;
  }
  const q = 2 ** a.shift;
  if (next) {
    // no list heads, but bt_freelist links: each chain starts at a free tag no other free tag links to
    const free: number[] = [];
    for (const r of idx.seglist(a.row)) if (idx.type[r] === BT_TYPE_FREE) free.push(r);
    const linked = new Set<bigint>();
    for (const r of free) linked.add(next(r));
    const chains = new Map<number, number[]>();
    const placed = new Set<number>();
    for (const r of free) {
      if (linked.has(idx.addr(r))) continue;
      const rows: number[] = [];
      for (let t = r; t >= 0 && !placed.has(t) && idx.type[t] === BT_TYPE_FREE; ) {
        placed.add(t);
        rows.push(t);
        const p = next(t);
        t = p === 0n ? -1 : idx.tags.rowOf(p);
      }
      const ord = size2order(Math.floor(idx.size[r]! / q));
      chains.set(ord, [...(chains.get(ord) ?? []), ...rows]);
    }
    if (placed.size === free.length) return [...chains.entries()].sort((x, y) => x[0] - y[0]).map(([order, rows]) => ({ order, rows }));
  }
  const by = new Map<number, number[]>();
  for (const r of idx.seglist(a.row)) {
    if (idx.type[r] !== BT_TYPE_FREE) continue;
    const ord = size2order(Math.floor(idx.size[r]! / q));
    const l = by.get(ord);
    if (l) l.push(r);
    else by.set(ord, [r]);
  }
  for (const [order, rows] of [...by.entries()].sort((x, y) => x[0] - y[0])) out.push({ order, rows });
  return out;
}

/** Arena rows in tree order (each arena after the one it imports from), with their depth. */
export function arenaTree(target: Target): Array<{ row: number; depth: number }> {
  const v = structRows(target, VMEM);
  const parent = new Int32Array(v.count).fill(-1);
  const kids = new Map<number, number[]>();
  for (let r = 0; r < v.count; r++) {
    const s = readArena(target, r).source;
    const p = s === 0n ? -1 : v.rowOf(s);
    parent[r] = p === r ? -1 : p;
  }
  for (let r = 0; r < v.count; r++) {
    const p = parent[r]!;
    const l = kids.get(p);
    if (l) l.push(r);
    else kids.set(p, [r]);
  }
  const out: Array<{ row: number; depth: number }> = [];
  const seen = new Set<number>();
  const visit = (r: number, d: number): void => {
    if (seen.has(r)) return;
    seen.add(r);
    out.push({ row: r, depth: d });
    for (const k of kids.get(r) ?? []) visit(k, d + 1);
  };
  for (const r of kids.get(-1) ?? []) visit(r, 0);
  for (let r = 0; r < v.count; r++) visit(r, 0); // a cycle of sources: print them anyway
  return out;
}

/** The segments (busy or free, not spans) that contain addr, one per arena, deepest import level first. */
export function vmemSegmentsAt(target: Target, addr: bigint): Array<{ arena: number; tag: number; depth: number }> {
  if (!hasVmem(target)) return [];
  const idx = vmemIndex(target);
  const out: Array<{ arena: number; tag: number; depth: number }> = [];
  for (const { row: a, depth } of arenaTree(target)) {
    const segs = idx.seglist(a);
    let lo = 0;
    let hi = segs.length;
    // the last tag starting at or below addr (segments are in address order)
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (idx.start(segs[mid]!) <= addr) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo - 1; i >= 0 && i >= lo - 3; i--) {
      const r = segs[i]!;
      const t = idx.type[r]!;
      if (t !== BT_TYPE_BUSY && t !== BT_TYPE_FREE) continue;
      const st = idx.start(r);
      if (addr >= st && addr < st + BigInt(idx.size[r]!)) out.push({ arena: a, tag: r, depth });
      break;
    }
  }
  return out.sort((x, y) => y.depth - x.depth);
}

/**
 * Why addr is no such struct: unmapped ("couldn't read struct vmem at ..."),
 * or readable but not one the dump holds ("c0f152c0 is not a vmem arena"),
 * so that a proc's address does not read as a bad read.
 */
export function notAn(target: Target, addr: bigint, struct: string, what: string): string {
  try {
    target.readU8(addr);
  } catch {
    return `couldn't read ${struct} at ${hx(addr)}: no mapping for address`;
  }
  return `${hx(addr)} is not ${what}: no ${struct} starts there`;
}
