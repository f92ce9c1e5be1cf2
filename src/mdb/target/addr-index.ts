/*
 * Which object holds an address. Every row of every struct table, and every
 * buffer, is an extent [start, start + size); the index keeps all extents
 * sorted by start so "what is at addr" is a binary search.
 *
 * Addresses are 64-bit and exceed 2^53, so starts are kept as two Uint32
 * halves (read straight out of the BigUint64Array columns' bytes, no BigInt
 * per row) and sorted with an LSD radix sort over 16-bit digits: linear time,
 * stable, a million rows in well under 200 ms (dump/addr-order.ts, shared
 * with the encoder). Digits that are the same for every extent (the top 16
 * bits of kernel addresses) are skipped, and input that is already in order
 * is not sorted at all. A table whose dump stores its address order
 * (format version 3, checked by the reader) is not sorted either, and
 * nothing of it is copied: the index is the column, the order and the
 * sizes, plus a few small arrays per block of 64 entries.
 *
 * Entries are numbered by source, then row (the "global row"), so the sorted
 * order is one permutation of those numbers and an entry's table and row are
 * found from its number. Extents may nest: a kthread_t is also a buffer of
 * its kmem cache. Sources are given in increasing priority and the sort is
 * stable, so at equal starts the higher-priority extent sorts last and a
 * lookup, which scans backwards from the last start <= addr, meets it first.
 * The running maximum of extents' last bytes, kept at the end of each
 * block, tells that scan when no earlier extent can reach addr.
 */

import { sortKeys } from '../../dump/addr-order.js';

export interface ExtentSource {
  /** start addresses, one per row */
  starts: ArrayLike<bigint>;
  /** sizes in bytes, one per row (0: never contains anything) */
  sizes: ArrayLike<number>;
}

const TWO32 = 4294967296;

/**
 * Entries per block. The start of every BLOCK-th entry is kept in a small
 * array (a lookup's binary search runs there, in cache, and then over one
 * block), and each block keeps the furthest last byte of the extents up to
 * its end (what tells a lookup scanning backwards that nothing earlier can
 * reach its address).
 */
const BLOCK = 64;

export class AddressIndex {
  readonly length: number;
  /** each global row's start as 32-bit words: lo at 2g, hi at 2g + 1 (a u64 column's own bytes when there is one source) */
  private readonly w: Uint32Array;
  /** global row of each sorted entry */
  private readonly ref: Uint32Array;
  /** each global row's size */
  private readonly rowSize: Uint32Array;
  /** the start of entry k * BLOCK */
  private readonly sHi: Uint32Array;
  private readonly sLo: Uint32Array;
  /** per block: the furthest last byte (start + size - 1) of the extents of entries 0 to the block's end, and whether any has a size */
  private readonly bHi: Uint32Array;
  private readonly bLo: Uint32Array;
  private readonly bAny: Uint8Array;
  /**
   * Per entry, 1 when its own extent holds the furthest last byte of the
   * extents up to it (an entry that ends past every earlier one: each buffer
   * of a heap whose buffers do not nest). A lookup scanning backwards stops
   * at such an entry when it ends below the address, as a running maximum
   * per entry would tell it; at any other entry it goes on, to the end of
   * the block at most.
   */
  private readonly own: Uint8Array;
  /** first global row of each source */
  private readonly base: number[] = [];

  /**
   * `order`, for a single source: its rows in ascending start order, equal
   * starts in row order (a dump's stored address order, already checked),
   * which replaces the sort. The index then copies nothing: the column's
   * words, the order and the sizes are kept as they are, and one pass over
   * the order makes the blocks.
   */
  constructor(sources: readonly ExtentSource[], order?: Uint32Array) {
    let n = 0;
    for (const s of sources) {
      this.base.push(n);
      n += s.starts.length;
    }
    this.length = n;
    const one = sources[0];
    const column = one && sources.length === 1 && (one.starts instanceof BigUint64Array || one.starts instanceof BigInt64Array) ? one.starts : undefined;
    if (column && order && order.length === n) {
      this.w = new Uint32Array(column.buffer, column.byteOffset, n * 2);
      this.ref = order;
      this.rowSize = clampedSizes(one!.sizes, n);
    } else {
      const flat = flatSources(sources, n, column);
      this.w = flat.w;
      this.rowSize = flat.size;
      this.ref = flat.idx;
    }
    const blocks = Math.ceil(n / BLOCK);
    this.sHi = new Uint32Array(blocks);
    this.sLo = new Uint32Array(blocks);
    this.bHi = new Uint32Array(blocks);
    this.bLo = new Uint32Array(blocks);
    this.bAny = new Uint8Array(blocks);
    this.own = new Uint8Array(n);
    const { w, ref, rowSize, own } = this;
    // running maximum of each extent's last byte (start + size - 1), so ends
    // at the very top of the address space need no 65th bit; mh -1 until an extent has a size
    let mh = -1;
    let ml = 0;
    for (let b = 0; b < blocks; b++) {
      const from = b * BLOCK;
      const to = Math.min(n, from + BLOCK);
      const g0 = ref[from]!;
      this.sLo[b] = w[2 * g0]!;
      this.sHi[b] = w[2 * g0 + 1]!;
      for (let i = from; i < to; i++) {
        const g = ref[i]!;
        const sz = rowSize[g]!;
        if (sz === 0) continue;
        let eh = w[2 * g + 1]!;
        let el = w[2 * g]! + (sz - 1);
        if (el >= TWO32) {
          if (eh === 0xffffffff) el = 0xffffffff;
          else {
            el -= TWO32;
            eh += 1;
          }
        }
        // (an end equal to the maximum holds it too)
        if (eh > mh || (eh === mh && el >= ml)) {
          mh = eh;
          ml = el;
          own[i] = 1;
        }
      }
      this.bHi[b] = mh < 0 ? 0 : mh;
      this.bLo[b] = ml;
      this.bAny[b] = mh < 0 ? 0 : 1;
    }
  }

  /** Entries whose extent contains addr, innermost (latest start, highest priority) first. */
  *containing(addr: bigint): Generator<number> {
    const a = BigInt.asUintN(64, addr);
    const aH = Number(a >> 32n);
    const aL = Number(a & 0xffffffffn);
    const { w, ref, rowSize, own } = this;
    let j = this.lastStartAtOrBelow(aH, aL);
    for (let b = Math.floor(j / BLOCK); j >= 0; b--) {
      // the furthest last byte up to this block's end is below addr: nothing at or before j reaches it
      const mh = this.bHi[b]!;
      if (this.bAny[b] === 0 || mh < aH || (mh === aH && this.bLo[b]! < aL)) return;
      for (const from = b * BLOCK; j >= from; j--) {
        const g = ref[j]!;
        const d = (aH - w[2 * g + 1]!) * TWO32 + (aL - w[2 * g]!);
        if (d < rowSize[g]!) yield j;
        // j ends below addr (d bytes past its start) and no extent before it ends later
        else if (own[j] === 1) return;
      }
    }
  }

  /** The innermost entry containing addr, or -1. */
  find(addr: bigint): number {
    for (const j of this.containing(addr)) return j;
    return -1;
  }

  /** The source (index into the constructor's list) of entry i. */
  source(i: number): number {
    const g = this.ref[i]!;
    let s = this.base.length - 1;
    while (s > 0 && this.base[s]! > g) s--;
    return s;
  }
  /** The row of entry i within its source. */
  rowOf(i: number): number {
    return this.ref[i]! - this.base[this.source(i)]!;
  }
  sizeOf(i: number): number {
    return this.rowSize[this.ref[i]!]!;
  }
  start(i: number): bigint {
    const g = this.ref[i]!;
    return (BigInt(this.w[2 * g + 1]!) << 32n) | BigInt(this.w[2 * g]!);
  }

  /**
   * The lowest start above addr (aH:aL), or undefined when none is: where
   * the innermost object at addr may change (memory.ts, ObjectMemory.reader).
   */
  nextStartAbove(aH: number, aL: number): bigint | undefined {
    const j = this.lastStartAtOrBelow(aH, aL) + 1;
    return j < this.length ? this.start(j) : undefined;
  }

  /** The high and low 32-bit words of entry i's start (no BigInt made). */
  startHi(i: number): number {
    return this.w[2 * this.ref[i]! + 1]!;
  }
  startLo(i: number): number {
    return this.w[2 * this.ref[i]!]!;
  }

  /** The last entry whose start is at or below aH:aL, or -1: a search of the blocks' first starts, then of one block. */
  private lastStartAtOrBelow(aH: number, aL: number): number {
    const { sHi, sLo } = this;
    let lo = 0;
    let hi = sHi.length - 1;
    let b = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const h = sHi[mid]!;
      if (h < aH || (h === aH && sLo[mid]! <= aL)) {
        b = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (b < 0) return -1;
    const { w, ref } = this;
    let best = b * BLOCK;
    lo = best + 1;
    hi = Math.min(this.length, best + BLOCK) - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const g = ref[mid]!;
      const h = w[2 * g + 1]!;
      if (h < aH || (h === aH && w[2 * g]! <= aL)) {
        best = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return best;
  }
}

/** Sizes as a Uint32Array, each clamped to 0..2^32-1 (the array itself when it already is one). */
function clampedSizes(sizes: ArrayLike<number>, n: number): Uint32Array {
  if (sizes instanceof Uint32Array && sizes.length === n) return sizes;
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.min(Math.max(0, sizes[i] ?? 0), 0xffffffff);
  return out;
}

/**
 * Every source's extents by global row: the starts as 32-bit words (a
 * single u64 column's own bytes), the sizes, and the stable sort of the
 * starts (the permutation: dump/addr-order.ts sortKeys).
 */
function flatSources(sources: readonly ExtentSource[], n: number, column: BigUint64Array | BigInt64Array | undefined): { w: Uint32Array; size: Uint32Array; idx: Uint32Array } {
  const hi = new Uint32Array(n);
  const lo = new Uint32Array(n);
  const size = new Uint32Array(n);
  let k = 0;
  for (const s of sources) {
    const m = s.starts.length;
    if (s.starts instanceof BigUint64Array || s.starts instanceof BigInt64Array) {
      // the column's own bytes as 32-bit words (little-endian hosts: every Node 20 platform)
      const cw = new Uint32Array(s.starts.buffer, s.starts.byteOffset, m * 2);
      for (let i = 0; i < m; i++) {
        lo[k + i] = cw[2 * i]!;
        hi[k + i] = cw[2 * i + 1]!;
      }
    } else {
      for (let i = 0; i < m; i++) {
        const v = BigInt.asUintN(64, s.starts[i]!);
        lo[k + i] = Number(v & 0xffffffffn);
        hi[k + i] = Number(v >> 32n);
      }
    }
    for (let i = 0; i < m; i++) size[k + i] = Math.min(Math.max(0, s.sizes[i] ?? 0), 0xffffffff);
    k += m;
  }
  let w: Uint32Array;
  if (column) w = new Uint32Array(column.buffer, column.byteOffset, n * 2);
  else {
    w = new Uint32Array(2 * n);
    for (let i = 0; i < n; i++) {
      w[2 * i] = lo[i]!;
      w[2 * i + 1] = hi[i]!;
    }
  }
  // (sortKeys may sort hi and lo in place of copies: w was filled first)
  return { w, size, idx: sortKeys(hi, lo).idx };
}

/**
 * Rows in a stored address order (dump/addr-order.ts), searched by exact
 * start: a binary search over the start of every BLOCK-th position (a small
 * array, in cache), then over one block through the order. A row looked up
 * by its address (a bufctl for ::whatis) costs a handful of cache misses
 * where a search through the whole order costs two per step.
 */
export class OrderedStarts {
  private readonly sHi: Uint32Array;
  private readonly sLo: Uint32Array;

  /** w: the addr column's words (lo at 2r, hi at 2r + 1); order: its rows in ascending address order */
  constructor(
    private readonly w: Uint32Array,
    private readonly order: Uint32Array,
  ) {
    const blocks = Math.ceil(order.length / BLOCK);
    this.sHi = new Uint32Array(blocks);
    this.sLo = new Uint32Array(blocks);
    for (let b = 0; b < blocks; b++) {
      const r = order[b * BLOCK]!;
      this.sLo[b] = w[2 * r]!;
      this.sHi[b] = w[2 * r + 1]!;
    }
  }

  /** The first position whose address is at or above aH:aL, or the order's length. */
  lowerBound(aH: number, aL: number): number {
    const { sHi, sLo, w, order } = this;
    // the first block whose first address is at or above a; the answer lies in the block before it, or is its start
    let lo = 0;
    let hi = sHi.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const h = sHi[mid]!;
      if (h < aH || (h === aH && sLo[mid]! < aL)) lo = mid + 1;
      else hi = mid;
    }
    if (lo === 0) return 0;
    let p = (lo - 1) * BLOCK + 1;
    let q = Math.min(order.length, lo * BLOCK);
    while (p < q) {
      const mid = (p + q) >>> 1;
      const r = order[mid]!;
      const h = w[2 * r + 1]!;
      if (h < aH || (h === aH && w[2 * r]! < aL)) p = mid + 1;
      else q = mid;
    }
    return p;
  }
}
