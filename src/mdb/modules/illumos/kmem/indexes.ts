/*
 * Per-dump indexes over the kmem tables, built on first use and kept for
 * the dump's lifetime (keyed by its Target): caches by address, the
 * per-CPU caches and slabs of each cache, and the buffers of each cache in
 * address order. Plus the column accessors the helpers' hot loops use.
 */
import { TABLE_BUFFERS, type ScalarArray, type Table } from '../../../../dump/format.js';
import { cellReader, chunksOf } from '../../../../dump/chunks.js';
import type { Target } from '../../../target.js';
import { parseArray } from '../../../target/ctype.js';

// ---------------------------------------------------------------- columns

const EMPTY = new BigUint64Array(0);

/** A scalar column, or undefined when the simulator did not model it (it reads as zero). */
export function scalars(t: Table | undefined, name: string): ScalarArray | undefined {
  const c = t?.columns[name];
  return c && c.kind !== 'str' && c.kind !== 'list' ? c.values : undefined;
}

/** The addr column of a struct table (empty when the table is absent). */
export function addrCol(t: Table | undefined): BigUint64Array {
  const c = t?.columns['addr'];
  return c && c.kind === 'u64' ? (c.values as BigUint64Array) : EMPTY;
}

/**
 * A scalar column read a cell at a time, inflating only the chunks of rows
 * read (dump/chunks.ts); 0 when the column is not modelled, as numAt/bigAt.
 */
export function numCells(t: Table | undefined, name: string): (row: number) => number {
  const r = cellReader(t, name);
  return r ? (i) => Number(r(i)) : () => 0;
}

export function bigCells(t: Table | undefined, name: string): (row: number) => bigint {
  const r = cellReader(t, name);
  if (!r) return () => 0n;
  return (i) => {
    const v = r(i);
    return typeof v === 'bigint' ? v : BigInt(v);
  };
}

/** The addr column read a cell at a time (what addrCol(t)[row] gives: u64 columns only). */
export function addrCells(t: Table | undefined): (row: number) => bigint {
  const cc = chunksOf(t, 'addr');
  if (!cc || cc.kind !== 'u64') return () => undefined as never;
  return bigCells(t, 'addr');
}

export const numAt = (a: ScalarArray | undefined, i: number): number => (a ? Number(a[i]!) : 0);
export const bigAt = (a: ScalarArray | undefined, i: number): bigint => {
  if (!a) return 0n;
  const v = a[i]!;
  return typeof v === 'bigint' ? v : BigInt(v);
};

// ---------------------------------------------------------------- per-dump indexes

interface BufferIndex {
  /** rows of `buffers` grouped by cache_row: cache r's rows are rows[start[r] .. start[r+1]) */
  start: Uint32Array;
  rows: Uint32Array;
  /** cache r's group has been sorted by address */
  sorted: Uint8Array;
}

/** kmem_slab_t rows by owning cache, with the columns the statistics read. */
export interface SlabIndex {
  /** each cache's rows, as [from, to) runs flattened into one list */
  byCache: Map<bigint, number[]>;
  /** free chunks (slab_chunks - slab_refcnt, when positive) summed over each cache's slabs */
  freeChunks: Map<bigint, number>;
  refcnt: ScalarArray | undefined;
  chunks: ScalarArray | undefined;
}

/**
 * A column's values as doubles, converted once: a 64-bit column is read as
 * its 32-bit halves (no BigInt per row); Number(bigint) gives the same
 * double (one rounding, to nearest).
 */
export function toDoubles(a: ScalarArray | undefined, n: number): Float64Array {
  const out = new Float64Array(n);
  if (!a) return out;
  const m = Math.min(n, a.length);
  if (a instanceof BigUint64Array || a instanceof BigInt64Array) {
    const lo = new Uint32Array(a.buffer, a.byteOffset, m * 2);
    const hi = a instanceof BigInt64Array ? new Int32Array(a.buffer, a.byteOffset, m * 2) : lo;
    for (let i = 0; i < m; i++) out[i] = hi[2 * i + 1]! * 4294967296 + lo[2 * i]!;
  } else for (let i = 0; i < m; i++) out[i] = a[i] as number;
  return out;
}

interface KmemIndex {
  cacheRow: Map<bigint, number>;
  cpu?: Map<bigint, bigint[]>;
  slabs?: SlabIndex;
  buffers?: BufferIndex;
  /** caches' buffer rows found chunk by chunk, before (or instead of) the whole BufferIndex */
  cacheBuffers?: Map<number, Uint32Array>;
  /** cache_cpu[]'s layout (cpuSlots) */
  cpuSlots?: { n: number; offset: number; stride: number };
}

const indexes = new WeakMap<Target, KmemIndex>();

function kmemIndex(target: Target): KmemIndex {
  let ix = indexes.get(target);
  if (!ix) {
    const addrs = addrCol(target.table('kmem_cache_t'));
    const cacheRow = new Map<bigint, number>();
    for (let i = 0; i < addrs.length; i++) cacheRow.set(addrs[i]!, i);
    ix = { cacheRow };
    indexes.set(target, ix);
  }
  return ix;
}

/** The kmem_cache_t row of a cache address, if it is one. */
export function cacheRowOf(target: Target, cacheAddr: bigint): number | undefined {
  return kmemIndex(target).cacheRow.get(BigInt.asUintN(64, cacheAddr));
}

/**
 * The kmem_cpu_cache_t rows inside each cache, by cache address. They
 * should sit at offsetof(kmem_cache_t, cache_cpu[i]); finding them by
 * extent instead keeps the walk right even if a dump places them elsewhere
 * inside the cache.
 */
function cpuIndex(target: Target): Map<bigint, bigint[]> {
  const ix = kmemIndex(target);
  if (!ix.cpu) {
    const m = new Map<bigint, bigint[]>();
    const caches = [...addrCol(target.table('kmem_cache_t'))].sort(cmp);
    const size = BigInt(target.types.get('kmem_cache_t')?.size ?? 0);
    for (const a of addrCol(target.table('kmem_cpu_cache_t'))) {
      let lo = 0;
      let hi = caches.length - 1;
      let hit = -1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        if (caches[mid]! <= a) {
          hit = mid;
          lo = mid + 1;
        } else hi = mid - 1;
      }
      if (hit < 0 || a >= caches[hit]! + size) continue;
      const c = caches[hit]!;
      let l = m.get(c);
      if (!l) m.set(c, (l = []));
      l.push(a);
    }
    for (const l of m.values()) l.sort(cmp);
    ix.cpu = m;
  }
  return ix.cpu;
}

/**
 * The addresses of a cache's per-CPU caches, one per CPU: the rows inside
 * the cache, or else offsetof(kmem_cache_t, cache_cpu[i]) as mdb computes it.
 */
export function cpuCacheAddrs(target: Target, cacheAddr: bigint): bigint[] {
  const rows = cpuIndex(target).get(cacheAddr);
  if (rows && rows.length > 0) return rows;
  const { n, offset, stride } = cpuSlots(target);
  const out: bigint[] = [];
  for (let i = 0; i < n; i++) out.push(cacheAddr + BigInt(offset + i * stride));
  return out;
}

/**
 * Where cache_cpu[] lies in a kmem_cache_t and how many of its slots are
 * used: the layout, worked out once per dump (a pipe of 65,536 addresses
 * into ::kmem_cache asks at each).
 */
function cpuSlots(target: Target): { n: number; offset: number; stride: number } {
  const ix = kmemIndex(target);
  if (!ix.cpuSlots) {
    const def = target.types.get('kmem_cache_t');
    const m = def?.members.find((x) => x.name === 'cache_cpu');
    const slots = m ? (parseArray(m.type)?.count ?? 0) : 0;
    const n = Math.min(slots, target.header.ncpus || slots);
    ix.cpuSlots = { n, offset: m?.offset ?? 0, stride: slots > 0 ? m!.size / slots : 0 };
  }
  return ix.cpuSlots;
}

export function slabIndex(target: Target): SlabIndex {
  const ix = kmemIndex(target);
  if (!ix.slabs) {
    const t = target.table('kmem_slab_t');
    const n = t?.rowCount ?? 0;
    const owner = scalars(t, 'slab_cache');
    const refcnt = scalars(t, 'slab_refcnt');
    const chunks = scalars(t, 'slab_chunks');
    const ch = toDoubles(chunks, n);
    const rc = toDoubles(refcnt, n);
    const byCache = new Map<bigint, number[]>();
    const freeChunks = new Map<bigint, number>();
    // a cache's slabs are consecutive rows: compare the owner's 32-bit halves
    // and make its bigint once per run
    const wide = owner instanceof BigUint64Array || owner instanceof BigInt64Array;
    const w = wide ? new Uint32Array(owner.buffer, owner.byteOffset, n * 2) : undefined;
    let i = 0;
    while (i < n) {
      const c = BigInt.asUintN(64, bigAt(owner, i));
      let j = i + 1;
      if (w) {
        const lo = w[2 * i]!;
        const hi = w[2 * i + 1]!;
        while (j < n && w[2 * j] === lo && w[2 * j + 1] === hi) j++;
      } else while (j < n && BigInt.asUintN(64, bigAt(owner, j)) === c) j++;
      let free = 0;
      for (let r = i; r < j; r++) {
        const d = ch[r]! - rc[r]!;
        if (d > 0) free += d;
      }
      let runs = byCache.get(c);
      if (!runs) byCache.set(c, (runs = []));
      runs.push(i, j);
      freeChunks.set(c, (freeChunks.get(c) ?? 0) + free);
      i = j;
    }
    ix.slabs = { byCache, freeChunks, refcnt, chunks };
  }
  return ix.slabs;
}

/** A cache's kmem_slab_t rows, in table order. */
export function* cacheSlabRows(target: Target, cacheAddr: bigint): Generator<number> {
  const runs = slabIndex(target).byCache.get(BigInt.asUintN(64, cacheAddr));
  if (!runs) return;
  for (let k = 0; k < runs.length; k += 2) for (let r = runs[k]!; r < runs[k + 1]!; r++) yield r;
}

function bufferIndex(target: Target): BufferIndex {
  const ix = kmemIndex(target);
  if (!ix.buffers) {
    const t = target.table(TABLE_BUFFERS);
    const n = t?.rowCount ?? 0;
    const ncaches = target.table('kmem_cache_t')?.rowCount ?? 0;
    const owner = scalars(t, 'cache_row');
    // counting sort by cache_row; rows of an unknown cache go nowhere
    const start = new Uint32Array(ncaches + 1);
    for (let i = 0; i < n; i++) {
      const r = numAt(owner, i);
      if (r < ncaches) start[r + 1]!++;
    }
    for (let r = 0; r < ncaches; r++) start[r + 1]! += start[r]!;
    const fill = start.slice(0, ncaches);
    const rows = new Uint32Array(start[ncaches]!);
    for (let i = 0; i < n; i++) {
      const r = numAt(owner, i);
      if (r < ncaches) rows[fill[r]!++] = i;
    }
    ix.buffers = { start, rows, sorted: new Uint8Array(ncaches) };
  }
  return ix.buffers;
}

/**
 * Sorts one cache's buffer rows by address. The collector writes a slab's
 * buffers in address order and slabs never overlap, so the rows are a few
 * ascending runs: ordering the runs is enough, and cheap for a million
 * buffers. Anything else falls back to a full sort.
 */
function sortByAddress(seg: Uint32Array, addrOf: (row: number) => bigint): void {
  // the rows' addresses, by position in seg
  const addrs = new BigUint64Array(seg.length);
  for (let i = 0; i < seg.length; i++) addrs[i] = addrOf(seg[i]!);
  const runs: Array<[number, number]> = [];
  let s = 0;
  for (let i = 1; i <= seg.length; i++) {
    if (i === seg.length || addrs[i]! <= addrs[i - 1]!) {
      runs.push([s, i]);
      s = i;
    }
  }
  if (runs.length <= 1) return;
  runs.sort((a, b) => cmp(addrs[a[0]]!, addrs[b[0]]!));
  let ok = true;
  for (let k = 1; k < runs.length && ok; k++) ok = addrs[runs[k - 1]![1] - 1]! < addrs[runs[k]![0]]!;
  if (ok) {
    const out = new Uint32Array(seg.length);
    let o = 0;
    for (const [a, b] of runs) for (let i = a; i < b; i++) out[o++] = seg[i]!;
    seg.set(out);
    return;
  }
  // runs that interleave: sort by the address as a double offset from the
  // lowest (exact while the cache spans under 2^53 bytes), not by bigint
  const w = new Uint32Array(addrs.buffer, addrs.byteOffset, addrs.length * 2);
  let minHi = Infinity;
  let minLo = Infinity;
  let maxHi = -Infinity;
  for (let r = 0; r < seg.length; r++) {
    const hi = w[2 * r + 1]!;
    const lo = w[2 * r]!;
    if (hi < minHi || (hi === minHi && lo < minLo)) {
      minHi = hi;
      minLo = lo;
    }
    if (hi > maxHi) maxHi = hi;
  }
  if (maxHi - minHi < 1 << 20) {
    const m = seg.length;
    const key = new Float64Array(m);
    for (let i = 0; i < m; i++) key[i] = (w[2 * i + 1]! - minHi) * 4294967296 + (w[2 * i]! - minLo);
    const order = Array.from({ length: m }, (_, i) => i).sort((a, b) => key[a]! - key[b]!);
    const out = new Uint32Array(m);
    for (let i = 0; i < m; i++) out[i] = seg[order[i]!]!;
    seg.set(out);
    return;
  }
  const all = Array.from({ length: seg.length }, (_, i) => i).sort((a, b) => cmp(addrs[a]!, addrs[b]!));
  seg.set(all.map((i) => seg[i]!));
}

export const cmp = (a: bigint, b: bigint): number => (a < b ? -1 : a > b ? 1 : 0);

/** A cache's buffer rows (by kmem_cache_t row), sorted by address on first use. */
export function cacheBufferRows(target: Target, row: number): Uint32Array {
  const ix = kmemIndex(target);
  const t = target.table(TABLE_BUFFERS);
  const owner = ix.buffers ? undefined : chunksOf(t, 'cache_row');
  if (owner && owner.count > 1 && !owner.whole) return cacheBufferRowsByChunk(target, ix, row);
  const bi = bufferIndex(target);
  const seg = bi.rows.subarray(bi.start[row]!, bi.start[row + 1]!);
  if (!bi.sorted[row]) {
    const addrs = addrCol(t);
    sortByAddress(seg, (r) => addrs[r]!);
    bi.sorted[row] = 1;
  }
  return seg;
}

/**
 * One cache's buffer rows without the index of every cache: the chunks of
 * `cache_row` whose bounds hold the cache (dump/chunks.ts; the collector
 * writes a cache's buffers together, so one or two) are scanned, and the
 * rows sorted by address reading only their chunks of `addr`. The same
 * rows in the same order as the whole index gives (ascending rows, then
 * sortByAddress): the first cache of a walk costs its own chunks.
 */
function cacheBufferRowsByChunk(target: Target, ix: KmemIndex, row: number): Uint32Array {
  ix.cacheBuffers ??= new Map();
  let seg = ix.cacheBuffers.get(row);
  if (seg) return seg;
  const t = target.table(TABLE_BUFFERS);
  const owner = chunksOf(t, 'cache_row')!;
  const ncaches = target.table('kmem_cache_t')?.rowCount ?? 0;
  let out = new Uint32Array(0);
  let n = 0;
  if (row < ncaches) {
    const want = BigInt(row);
    for (let k = 0; k < owner.count; k++) {
      if (!owner.mayHold(k, want, want)) continue;
      const v = owner.chunk(k);
      const base = k * owner.chunkRows;
      for (let i = 0; i < v.length; i++) {
        if (Number(v[i]!) !== row) continue;
        if (n === out.length) {
          const grown = new Uint32Array(Math.max(1024, n * 2));
          grown.set(out);
          out = grown;
        }
        out[n++] = base + i;
      }
    }
  }
  seg = out.slice(0, n);
  sortByAddress(seg, addrCells(t));
  ix.cacheBuffers.set(row, seg);
  return seg;
}
