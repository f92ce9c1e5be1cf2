/*
 * A table's rows in address order (format version 3).
 *
 * The debugger answers "what is at this address" from each table's rows
 * sorted by their `addr` column (mdb/target/addr-index.ts). On a
 * million-buffer heap that is 2.35 M buffers and 2.8 M audit bufctls, and
 * sorting them was a third of what `::whatis` costs in a fresh process. So
 * savecore sorts them once: the encoder writes, for a big table (more rows
 * than a chunk) whose addresses are not already ascending, the permutation
 * that puts its rows in address order, equal addresses in row order (what a
 * stable sort gives). The reader takes it instead of sorting, and checks it
 * when it is first read: every row exactly once, each address at or above
 * the one before, equal addresses in ascending row order. A permutation that
 * fails is a one-line DumpError, never a wrong answer.
 *
 * The sort lives here, next to its check, so the encoder and the debugger's
 * index (which still sorts a table without a stored order: a model built in
 * memory, an older dump, a small table) share one implementation.
 */
import { TABLE_BUFFERS, TABLE_GLOBALS, TABLE_STRINGS, TABLE_TEXT, type Table } from './format.js';
import { NON_STRUCT_TABLES } from './validate.js';
import { DumpError } from './errors.js';
import { mergeAscendingRuns } from './merge-runs.js';

/** Sorted 64-bit keys as halves, and the permutation that sorted them. */
export interface SortedKeys {
  hi: Uint32Array;
  lo: Uint32Array;
  idx: Uint32Array;
}

/**
 * Stable ascending sort of the 64-bit keys (hi, lo), returning the sorted
 * halves and the permutation: input already in order is returned as is; a
 * few ascending runs (the buffers table lists each cache's buffers in
 * address order) are merged; anything else goes through an LSD radix sort
 * over 16-bit digits, skipping a digit every key shares (the top 16 bits of
 * kernel addresses). Keys travel with their indices so each pass reads its
 * input sequentially.
 */
export function sortKeys(hi: Uint32Array, lo: Uint32Array): SortedKeys {
  const n = hi.length;
  let idx: Uint32Array = new Uint32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  let inOrder = true;
  for (let i = 1; i < n; i++) {
    if (hi[i - 1]! > hi[i]! || (hi[i - 1] === hi[i] && lo[i - 1]! > lo[i]!)) {
      inOrder = false;
      break;
    }
  }
  if (inOrder) return { hi, lo, idx };
  const merged = mergeRuns(hi, lo);
  if (merged) return merged;
  let kHi: Uint32Array = hi;
  let kLo: Uint32Array = lo;
  let tHi: Uint32Array = new Uint32Array(n);
  let tLo: Uint32Array = new Uint32Array(n);
  let tIdx: Uint32Array = new Uint32Array(n);
  const count = new Uint32Array(65536);
  for (let pass = 0; pass < 4; pass++) {
    const src = pass < 2 ? kLo : kHi;
    const shift = pass % 2 === 0 ? 0 : 16;
    count.fill(0);
    for (let i = 0; i < n; i++) count[(src[i]! >>> shift) & 0xffff]!++;
    if (count[(src[0]! >>> shift) & 0xffff] === n) continue; // every key has this digit
    let pos = 0;
    for (let d = 0; d < 65536; d++) {
      const c = count[d]!;
      count[d] = pos;
      pos += c;
    }
    for (let i = 0; i < n; i++) {
      const at = count[(src[i]! >>> shift) & 0xffff]!++;
      tHi[at] = kHi[i]!;
      tLo[at] = kLo[i]!;
      tIdx[at] = idx[i]!;
    }
    [kHi, tHi] = [tHi, kHi];
    [kLo, tLo] = [tLo, kLo];
    [idx, tIdx] = [tIdx, idx];
  }
  return { hi: kHi, lo: kLo, idx };
}

/** Runs merged at most: above this many ascending runs the radix sort is cheaper. */
const MAX_RUNS = 1024;

/** The same stable sort when the keys are at most MAX_RUNS ascending runs (merge-runs.ts); undefined otherwise. */
function mergeRuns(hi: Uint32Array, lo: Uint32Array): SortedKeys | undefined {
  const order = mergeAscendingRuns(hi.length, (p, q) => hi[p]! < hi[q]! || (hi[p] === hi[q] && lo[p]! < lo[q]!), MAX_RUNS);
  if (!order) return undefined;
  const n = order.length;
  const oHi = new Uint32Array(n);
  const oLo = new Uint32Array(n);
  const idx = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const p = order[i]!;
    oHi[i] = hi[p]!;
    oLo[i] = lo[p]!;
    idx[i] = p;
  }
  return { hi: oHi, lo: oLo, idx };
}

/**
 * Whether a table's `addr` column is where its rows are in memory (struct
 * tables, buffers, strings, globals, text), so that an address order serves
 * lookups: the transaction log's and leak_truth's addr name a buffer, and the
 * symbol table is sorted by the debugger's own means.
 */
export function isMemoryTable(name: string): boolean {
  return !NON_STRUCT_TABLES.has(name) || name === TABLE_BUFFERS || name === TABLE_STRINGS || name === TABLE_GLOBALS || name === TABLE_TEXT;
}

/**
 * The stored form of an order: each row number less the one before it,
 * modulo 2^32 (the first less 0). Rows mostly in address order already
 * (a cache's bufctls) make runs of 1, which deflate to almost nothing:
 * 8.0 MB of permutation for 2.8 M audit bufctls stores in 0.9 MB.
 */
export function orderDeltas(order: Uint32Array): Uint32Array {
  const d = new Uint32Array(order.length);
  let prev = 0;
  for (let i = 0; i < order.length; i++) {
    d[i] = (order[i]! - prev) >>> 0;
    prev = order[i]!;
  }
  return d;
}

/** The order from its stored deltas, in place. */
export function orderFromDeltas(d: Uint32Array): Uint32Array {
  let prev = 0;
  for (let i = 0; i < d.length; i++) prev = d[i] = (prev + d[i]!) >>> 0;
  return d;
}

/** A u64 column's values as 32-bit words, lo then hi per row (little-endian hosts only, as the codec requires). */
export function wordsOf(v: BigUint64Array | BigInt64Array): Uint32Array {
  return new Uint32Array(v.buffer, v.byteOffset, v.length * 2);
}

/**
 * The rows of an address column in ascending address order (equal
 * addresses in row order), or undefined when the rows already are in that
 * order: what the encoder stores as a table's `order`.
 */
export function addressOrder(addr: BigUint64Array): Uint32Array | undefined {
  const n = addr.length;
  const w = wordsOf(addr);
  const hi = new Uint32Array(n);
  const lo = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    lo[i] = w[2 * i]!;
    hi[i] = w[2 * i + 1]!;
  }
  let inOrder = true;
  for (let i = 1; i < n && inOrder; i++) inOrder = hi[i - 1]! < hi[i]! || (hi[i - 1] === hi[i] && lo[i - 1]! <= lo[i]!);
  // (the sort's result cannot tell: its radix passes swap buffers, and may end on the input's)
  return inOrder ? undefined : sortKeys(hi, lo).idx;
}

/**
 * Checks that `order` puts the rows of the address words `w` (lo, hi per
 * row) in ascending address order, equal addresses in ascending row order,
 * each row exactly once; a DumpError naming the first bad position otherwise.
 * One pass over the permutation: (address, row) strictly ascending names no
 * row twice, so n rows below n are every row once.
 */
export function checkAddressOrder(order: Uint32Array, w: Uint32Array, where: string): void {
  const n = w.length >>> 1;
  if (order.length !== n) throw new DumpError(`${where} has ${order.length} rows, the table has ${n}`);
  // (address, row) strictly ascending: no row twice, so n rows below n are each row once
  let pH = -1;
  let pL = -1;
  let pR = -1;
  for (let i = 0; i < n; i++) {
    const r = order[i]!;
    if (r >= n) throw new DumpError(`${where} position ${i} names row ${r}, the table has ${n}`);
    const h = w[2 * r + 1]!;
    const l = w[2 * r]!;
    if (h < pH || (h === pH && (l < pL || (l === pL && r <= pR)))) throw new DumpError(`${where} is not in address order at position ${i} (row ${r})`);
    pH = h;
    pL = l;
    pR = r;
  }
}

/**
 * The order from its stored deltas, checked as checkAddressOrder checks it,
 * in one pass: each row is summed from its delta and its address compared
 * with the one before as it is made. In place (`inPlace`: the deltas become
 * the order, no array of millions of rows to allocate and fault in), or
 * into an array of its own.
 */
export function orderFromDeltasChecked(d: Uint32Array, w: Uint32Array, where: string, inPlace = false): Uint32Array {
  const n = w.length >>> 1;
  if (d.length !== n) throw new DumpError(`${where} has ${d.length} rows, the table has ${n}`);
  const order = inPlace ? d : new Uint32Array(n);
  let r = 0;
  let pH = -1;
  let pL = -1;
  let pR = -1;
  for (let i = 0; i < n; i++) {
    r = (r + d[i]!) >>> 0;
    if (r >= n) throw new DumpError(`${where} position ${i} names row ${r}, the table has ${n}`);
    const h = w[2 * r + 1]!;
    const l = w[2 * r]!;
    if (h < pH || (h === pH && (l < pL || (l === pL && r <= pR)))) throw new DumpError(`${where} is not in address order at position ${i} (row ${r})`);
    order[i] = r;
    pH = h;
    pL = l;
    pR = r;
  }
  return order;
}

/** Tables whose stored order the decoder gives, read and checked on first use. */
const REGISTRY = new WeakMap<Table, () => Uint32Array>();

/** Called by the decoder for a table whose catalog entry has an `order`. */
export function registerAddressOrder(table: Table, read: () => Uint32Array): void {
  REGISTRY.set(table, read);
}

/** Whether the dump stores an address order for `table` (nothing is read to tell). */
export function hasAddressOrder(table: Table): boolean {
  return REGISTRY.has(table);
}

/**
 * The stored address order of `table`'s rows, checked against its `addr`
 * column (which this reads whole), or undefined when the dump stores none
 * (its rows are in address order already, the table is small, the model was
 * built in memory, or the dump is older than version 3). A DumpError when
 * the stored order is damaged.
 */
export function addressOrderOf(table: Table | undefined): Uint32Array | undefined {
  return table ? REGISTRY.get(table)?.() : undefined;
}
