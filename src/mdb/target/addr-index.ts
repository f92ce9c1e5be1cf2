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
 * (format version 3, checked by the reader) is not sorted either: its rows
 * are gathered in that order.
 *
 * Entries are numbered by source, then row (the "global row"), so the sorted
 * order is one permutation of those numbers and an entry's table and row are
 * found from its number. Extents may nest: a kthread_t is also a buffer of
 * its kmem cache. Sources are given in increasing priority and the sort is
 * stable, so at equal starts the higher-priority extent sorts last and a
 * lookup, which scans backwards from the last start <= addr, meets it first.
 * The running maximum of extents' last bytes tells that scan when no earlier
 * extent can reach addr.
 */

import { sortKeys, type SortedKeys } from '../../dump/addr-order.js';

export interface ExtentSource {
  /** start addresses, one per row */
  starts: ArrayLike<bigint>;
  /** sizes in bytes, one per row (0: never contains anything) */
  sizes: ArrayLike<number>;
}

const TWO32 = 4294967296;

export class AddressIndex {
  readonly length: number;
  private readonly hi: Uint32Array;
  private readonly lo: Uint32Array;
  /** global row of each sorted entry */
  private readonly ref: Uint32Array;
  private readonly size: Uint32Array;
  private readonly meHi: Uint32Array;
  private readonly meLo: Uint32Array;
  private readonly meAny: Uint8Array;
  /** first global row of each source */
  private readonly base: number[] = [];

  /**
   * `order`, for a single source: its rows in ascending start order, equal
   * starts in row order (a dump's stored address order, already checked),
   * which replaces the sort.
   */
  constructor(sources: readonly ExtentSource[], order?: Uint32Array) {
    let n = 0;
    for (const s of sources) {
      this.base.push(n);
      n += s.starts.length;
    }
    const one = sources[0];
    const sorted =
      order && one && sources.length === 1 && order.length === n && (one.starts instanceof BigUint64Array || one.starts instanceof BigInt64Array)
        ? gatherOrdered(one.starts, one.sizes, order)
        : sortSources(sources, n);
    this.length = n;
    this.hi = sorted.hi;
    this.lo = sorted.lo;
    this.ref = sorted.idx;
    this.size = sorted.size;
    this.meHi = new Uint32Array(n);
    this.meLo = new Uint32Array(n);
    this.meAny = new Uint8Array(n);
    // running maximum of each extent's last byte (start + size - 1), so ends
    // at the very top of the address space need no 65th bit
    let mh = 0;
    let ml = 0;
    let any = false;
    for (let i = 0; i < n; i++) {
      const sz = sorted.size[i]!;
      if (sz > 0) {
        let eh = this.hi[i]!;
        let el = this.lo[i]! + sz - 1;
        if (el >= TWO32) {
          if (eh === 0xffffffff) el = 0xffffffff;
          else {
            el -= TWO32;
            eh += 1;
          }
        }
        if (!any || eh > mh || (eh === mh && el > ml)) {
          mh = eh;
          ml = el;
          any = true;
        }
      }
      this.meHi[i] = mh;
      this.meLo[i] = ml;
      this.meAny[i] = any ? 1 : 0;
    }
  }

  /** Entries whose extent contains addr, innermost (latest start, highest priority) first. */
  *containing(addr: bigint): Generator<number> {
    const a = BigInt.asUintN(64, addr);
    const aH = Number(a >> 32n);
    const aL = Number(a & 0xffffffffn);
    for (let j = this.lastStartAtOrBelow(aH, aL); j >= 0; j--) {
      // the furthest last byte at or before j is below addr: nothing there reaches it
      const mh = this.meHi[j]!;
      if (this.meAny[j] === 0 || mh < aH || (mh === aH && this.meLo[j]! < aL)) return;
      const d = (aH - this.hi[j]!) * TWO32 + (aL - this.lo[j]!);
      if (d < this.size[j]!) yield j;
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
    return this.size[i]!;
  }
  start(i: number): bigint {
    return (BigInt(this.hi[i]!) << 32n) | BigInt(this.lo[i]!);
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
    return this.hi[i]!;
  }
  startLo(i: number): number {
    return this.lo[i]!;
  }

  private lastStartAtOrBelow(aH: number, aL: number): number {
    let lo = 0;
    let hi = this.length - 1;
    let best = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const h = this.hi[mid]!;
      if (h < aH || (h === aH && this.lo[mid]! <= aL)) {
        best = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return best;
  }
}

/**
 * One column's extents in a known order (a dump's stored address order,
 * already checked): the halves and sizes read straight from the column in
 * that order, nothing sorted and nothing copied first.
 */
function gatherOrdered(starts: BigUint64Array | BigInt64Array, sizes: ArrayLike<number>, order: Uint32Array): SortedKeys & { size: Uint32Array } {
  const n = order.length;
  const w = new Uint32Array(starts.buffer, starts.byteOffset, n * 2);
  const hi = new Uint32Array(n);
  const lo = new Uint32Array(n);
  const size = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const p = order[i]!;
    lo[i] = w[2 * p]!;
    hi[i] = w[2 * p + 1]!;
    size[i] = Math.min(Math.max(0, sizes[p] ?? 0), 0xffffffff);
  }
  return { hi, lo, idx: order, size };
}

/** Every source's extents as 32-bit halves and sizes, sorted by start (stable): the keys, the permutation, the sizes in that order. */
function sortSources(sources: readonly ExtentSource[], n: number): SortedKeys & { size: Uint32Array } {
  const hi = new Uint32Array(n);
  const lo = new Uint32Array(n);
  const sizeFlat = new Uint32Array(n);
  let k = 0;
  for (const s of sources) {
    const m = s.starts.length;
    if (s.starts instanceof BigUint64Array || s.starts instanceof BigInt64Array) {
      // the column's own bytes as 32-bit words (little-endian hosts: every Node 20 platform)
      const w = new Uint32Array(s.starts.buffer, s.starts.byteOffset, m * 2);
      for (let i = 0; i < m; i++) {
        lo[k + i] = w[2 * i]!;
        hi[k + i] = w[2 * i + 1]!;
      }
    } else {
      for (let i = 0; i < m; i++) {
        const v = BigInt.asUintN(64, s.starts[i]!);
        lo[k + i] = Number(v & 0xffffffffn);
        hi[k + i] = Number(v >> 32n);
      }
    }
    for (let i = 0; i < m; i++) sizeFlat[k + i] = Math.min(Math.max(0, s.sizes[i] ?? 0), 0xffffffff);
    k += m;
  }
  const sorted = sortKeys(hi, lo);
  const size = new Uint32Array(n);
  for (let i = 0; i < n; i++) size[i] = sizeFlat[sorted.idx[i]!]!;
  return { ...sorted, size };
}
