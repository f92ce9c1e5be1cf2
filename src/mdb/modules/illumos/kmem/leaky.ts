/*
 * The leak detector behind ::findleaks (models mdb's generic leaky.c and
 * its genunix target, leaky_subr.c): a conservative mark-and-sweep of the
 * kernel heap.
 *
 *   1. Candidates (leaky_subr_fill): the allocated buffers of every cache
 *      whose arena is kmem_default, kmem_firewall or static (the HAT caches
 *      excepted, as leaky_interested() does), and the allocated segments of
 *      the kmem_oversize and static_alloc arenas. Sorted by address; an
 *      overlap is an error, as in mdb.
 *   2. Roots (leaky_subr_run): the free constructed buffers of those
 *      caches, the kernel's data and bss (the dump's object symbols), every
 *      thread's stack — the frames' arguments and the pointer-holding locals
 *      the dump keeps for them (a free thread's stack is skipped as mdb
 *      skips [t_stkbase, t_stk) of a TS_FREE thread) — plus what lies
 *      between t_stk and the end of its page, and the kstat arena.
 *   3. Mark (leaky_grep): every pointer-sized word of a root is looked up in
 *      the sorted candidates by binary search; a candidate found for the
 *      first time is marked and pushed on an explicit stack, and its words
 *      are scanned in turn. No recursion: the stack is an Int32Array. The
 *      searches are done first, for every word at once in address order
 *      (resolveWords), so the mark follows candidate indexes.
 *   4. Sweep: unmarked candidates are leaks, coalesced by (type, cache,
 *      stack without its top frame), the oldest one representing its group
 *      (leaky_add_leak), groups sorted by caller (leaky_subr_bufctl_cmp).
 *
 * The dump holds no memory image: memory is rows (target/memory.ts). The
 * words a region holds are therefore the pointer-sized members of the struct
 * rows that lie in it, the pointer words a buffer's row records (ptr_vals),
 * and the values of the globals in it; every other word reads as zero or as
 * a fill pattern, which can never be a heap address (a dismissal in mdb's
 * terms). The scan reads those words straight from the columns instead of
 * synthesising bytes, so a million buffers cost a few passes over typed
 * arrays.
 *
 * Addresses are 64-bit. The mark works on numbers relative to the lowest
 * candidate (exact below 2^53), computed from the address columns' 32-bit
 * halves, so the hot loop touches no BigInt.
 */
import { BUFSTATE_ALLOC, BUFSTATE_MAGAZINE, SYMKIND_OBJECT, TABLE_BUFFERS, TABLE_FRAMES, TABLE_GLOBALS, TABLE_STACKS, type ScalarArray, type Table } from '../../../../dump/format.js';
import { DcmdError } from '../../../errors.js';
import type { Target } from '../../../target.js';
import { NON_STRUCT } from '../../../target/memory.js';
import { addressOrderOf } from '../../../../dump/addr-order.js';
import { chunksOf } from '../../../../dump/chunks.js';
import { mergeAscendingRuns } from '../../../../dump/merge-runs.js';
import { readVmem, readVmemSeg, VMEM_ALLOC, vmemPrefix, vmemSegs } from '../vmem/helpers.js';
import { readBufctl } from './bufctl.js';
import { KMF_AUDIT, KMF_DEADBEEF, KMF_LITE, cacheMagsize, kmemSlabStats, readKmemCache } from './helpers.js';
import { addrCol, toDoubles } from './indexes.js';

// ---------------------------------------------------------------- the mark, on any graph

/**
 * A heap as the mark sees it: candidate buffers [start, limit) sorted by
 * start and not overlapping, the pointer words each one holds (CSR), and
 * the words of the roots. Every value is an address relative to some base,
 * as a number; a word that cannot be an address is -1.
 */
export interface MarkGraph {
  start: Float64Array;
  limit: Float64Array;
  /** buffer i holds words[wordStart[i] .. wordStart[i + 1]) */
  wordStart: Uint32Array;
  words: Float64Array;
  roots: Float64Array;
  /** words each buffer holds that are not in `words` (zeros, fill): counted as dismissals, as mdb reads every word */
  implicit?: Float64Array;
}

/** mdb's leak_beans_t, the -v statistics. */
export interface LeakBeans {
  dismissals: number;
  misses: number;
  dups: number;
  follows: number;
  pushes: number;
  deepest: number;
}

/** The buffer holding rel (start <= rel < limit), or -1 (leaky_search). */
export function searchBuffer(start: Float64Array, limit: Float64Array, rel: number): number {
  // not a number is in no buffer (every comparison with it is false, which would stop at the middle one)
  if (rel !== rel) return -1;
  let lo = 0;
  let hi = start.length - 1;
  while (hi >= lo) {
    const mid = (lo + hi) >> 1;
    if (rel < start[mid]!) hi = mid - 1;
    else if (rel >= limit[mid]!) lo = mid + 1;
    else return mid;
  }
  return -1;
}

/**
 * The span of addresses each bucket of resolveWords covers: 4 KiB at least,
 * doubled until the candidates' span needs at most MAX_BUCKETS of them.
 */
const MIN_BUCKET = 4096;
const MAX_BUCKETS = 1 << 18;
/** resolveWords' answers for a word no candidate holds: outside [first start, last limit] (a dismissal), or inside it (a miss) */
const DISMISSED = -1;
const MISSED = -2;

/**
 * The candidate holding each word (leaky_search), in one go and in address
 * order: the words are bucketed by address (a counting sort into buckets of
 * the candidates' span), then each bucket's words are searched among the
 * few candidates that may hold an address of that bucket, which lie next to
 * each other. The searches then walk the candidates' arrays from the lowest
 * address to the highest instead of jumping to wherever the mark's next word
 * points (a few cache misses per word, which were most of the mark's time).
 * Returns, per word, the candidate's index, or DISMISSED (outside [first
 * start, last limit], as the mark tests it) or MISSED.
 */
function resolveWords(start: Float64Array, limit: Float64Array, vals: Float64Array): Int32Array {
  const n = start.length;
  const m = vals.length;
  const res = new Int32Array(m);
  const min = start[0]!;
  const max = limit[n - 1]!;
  const span = max - min;
  let size = MIN_BUCKET;
  while (span / size >= MAX_BUCKETS) size *= 2;
  const buckets = Math.floor(span / size) + 1;
  // pass 1: each word's bucket (kept in res for now), and how many words each bucket gets
  const at = new Int32Array(buckets + 1);
  let kept = 0;
  for (let k = 0; k < m; k++) {
    const w = vals[k]!;
    if (w < min || w > max) {
      res[k] = DISMISSED;
      continue;
    }
    // (not a number: in no buffer, as a search finds)
    if (w !== w) {
      res[k] = MISSED;
      continue;
    }
    const b = Math.floor((w - min) / size);
    res[k] = b;
    at[b + 1]!++;
    kept++;
  }
  for (let b = 0; b < buckets; b++) at[b + 1]! += at[b]!;
  // pass 2: the words by bucket, with the word's index
  const sortedWord = new Float64Array(kept);
  const sortedIndex = new Int32Array(kept);
  const fill = at.slice(0, buckets);
  for (let k = 0; k < m; k++) {
    const b = res[k]!;
    if (b < 0) continue;
    const p = fill[b]!++;
    sortedWord[p] = vals[k]!;
    sortedIndex[p] = k;
  }
  // pass 3: bucket by bucket, the candidates that may hold an address in it: from the first whose
  // limit is above the bucket's start to the first whose limit is above the next bucket's start
  // (candidates do not overlap, so one search among them finds the same one as among them all)
  let first = 0;
  for (let b = 0; b < buckets; b++) {
    const from = at[b]!;
    const to = at[b + 1]!;
    const lo0 = min + b * size;
    while (first < n && limit[first]! <= lo0) first++;
    if (from === to) continue;
    if (first === n) {
      // (the last limit is this bucket's start: its words, at that limit, are in no buffer)
      for (let p = from; p < to; p++) res[sortedIndex[p]!] = MISSED;
      continue;
    }
    let last = first;
    const hi0 = lo0 + size;
    while (last < n - 1 && limit[last]! <= hi0) last++;
    for (let p = from; p < to; p++) {
      const w = sortedWord[p]!;
      let lo = first;
      let hi = last;
      let hit = MISSED;
      while (hi >= lo) {
        const mid = (lo + hi) >> 1;
        if (w < start[mid]!) hi = mid - 1;
        else if (w >= limit[mid]!) lo = mid + 1;
        else {
          hit = mid;
          break;
        }
      }
      res[sortedIndex[p]!] = hit;
    }
  }
  return res;
}

/**
 * Marks every buffer reachable from the roots (models leaky_grep()): each
 * word is dismissed when outside [first start, last limit], a miss when in
 * no buffer, a dup when its buffer is already marked, else a follow: the
 * buffer is marked and its words are scanned later, from an explicit stack.
 * The candidate each word points into is found for all words first
 * (resolveWords), so the mark itself only follows indexes.
 */
export function markGraph(g: MarkGraph): { marked: Uint8Array; beans: LeakBeans } {
  const n = g.start.length;
  const marked = new Uint8Array(n);
  const beans: LeakBeans = { dismissals: 0, misses: 0, dups: 0, follows: 0, pushes: 0, deepest: 0 };
  if (n === 0) {
    beans.dismissals = g.roots.length;
    return { marked, beans };
  }
  const { wordStart } = g;
  const target = resolveWords(g.start, g.limit, g.words);
  const rootTarget = resolveWords(g.start, g.limit, g.roots);
  const stack = new Int32Array(n);
  let sp = 0;
  let dismissals = 0;
  let misses = 0;
  let dups = 0;
  let follows = 0;
  let deepest = 0;
  const visit = (t: number): void => {
    if (t === DISMISSED) dismissals++;
    else if (t === MISSED) misses++;
    else if (marked[t]) dups++;
    else {
      marked[t] = 1;
      follows++;
      stack[sp++] = t;
      if (sp > deepest) deepest = sp;
    }
  };
  for (let r = 0; r < rootTarget.length; r++) {
    visit(rootTarget[r]!);
    while (sp > 0) {
      const b = stack[--sp]!;
      for (let k = wordStart[b]!, e = wordStart[b + 1]!; k < e; k++) visit(target[k]!);
    }
  }
  // each scanned buffer's implicit words are dismissals: summed over the marked ones here, in
  // address order, rather than read at each buffer the mark reaches (one cache miss fewer a buffer)
  const implicit = g.implicit;
  if (implicit) for (let b = 0; b < n; b++) if (marked[b]) dismissals += implicit[b]!;
  beans.dismissals = dismissals;
  beans.misses = misses;
  beans.dups = dups;
  beans.follows = follows;
  beans.pushes = follows;
  beans.deepest = deepest;
  return { marked, beans };
}

// ---------------------------------------------------------------- addresses as numbers

const TWO32 = 4294967296;
/** the span of addresses the mark can tell apart exactly (2^52 bytes) */
const SPAN_HI = 1 << 20;

/** 64-bit addresses as numbers relative to a base, from their 32-bit halves. */
class Rel {
  readonly hi: number;
  readonly lo: number;
  constructor(readonly base: bigint) {
    this.hi = Number(base >> 32n);
    this.lo = Number(base & 0xffffffffn);
  }
  /** lo/hi halves to a relative number, or -1 outside the span */
  of(lo: number, hi: number): number {
    const dh = hi - this.hi;
    if (dh < 0 || dh >= SPAN_HI) return -1;
    const v = dh * TWO32 + (lo - this.lo);
    return v < 0 ? -1 : v;
  }
  big(v: bigint): number {
    const a = BigInt.asUintN(64, v);
    return this.of(Number(a & 0xffffffffn), Number(a >> 32n));
  }
  toBig(rel: number): bigint {
    return this.base + BigInt(rel);
  }
}

/** The 32-bit halves of a 64-bit column (lo at 2i, hi at 2i + 1). */
function halves(a: BigUint64Array | BigInt64Array): Uint32Array {
  return new Uint32Array(a.buffer, a.byteOffset, a.length * 2);
}

function u64Values(t: Table | undefined, name: string): BigUint64Array | BigInt64Array | undefined {
  const c = t?.columns[name];
  if (!c || c.kind === 'str' || c.kind === 'list') return undefined;
  return c.values instanceof BigUint64Array || c.values instanceof BigInt64Array ? c.values : undefined;
}

function numValues(t: Table | undefined, name: string): ArrayLike<number | bigint> | undefined {
  const c = t?.columns[name];
  return c && c.kind !== 'str' && c.kind !== 'list' ? c.values : undefined;
}

// ---------------------------------------------------------------- the dump's heap

/** leaky_subr.c's three kinds of leak. */
export type LeakType = 'vmem' | 'cache' | 'kmem';
const TYPE_ORDER: readonly LeakType[] = ['vmem', 'cache', 'kmem'];

/** One leaked buffer or segment (leak_bufctl_t). */
export interface Leak {
  type: LeakType;
  /** the bufctl (kmem), the buffer (cache) or the vmem_seg (vmem): what the table prints and ::walk leak yields */
  addr: bigint;
  /** the buffer or segment start (::walk leakbuf) */
  bufaddr: bigint;
  /** the cache (kmem, cache), or 0 */
  cache: bigint;
  /** bytes: the cache's buffer size, or the segment's */
  size: bigint;
  timestamp: bigint;
  /** the allocation stack as saved (bc_stack / vs_stack), innermost first (shared between leaks of one interned stack: do not modify) */
  stack: bigint[];
  /** the grouping key of the stack without its top frame, when known without building it */
  stackKey?: string;
}

/** Leaks with one stack and cache, the oldest first (its representative). */
export interface LeakGroup {
  type: LeakType;
  /** members[0] is the representative */
  members: Leak[];
  /** the frame CALLER prints, or undefined for "?" */
  caller: bigint | undefined;
}

export interface FindLeaksResult {
  /** kmem_estimate_allocated over the caches, plus the oversize arenas' segments */
  estimate: number;
  /** candidates gathered */
  buffers: number;
  beans: LeakBeans;
  /** groups: vmem, then cache, then kmem; each sorted by caller */
  groups: LeakGroup[];
  /** every leaked buffer or segment start, in address order (for scoring) */
  leakedBuffers: bigint[];
  /** the bytes of its tables (-v's peak memory usage) */
  memoryBytes: number;
  /** warnings mdb would print while scanning (a swapped-out stack) */
  warnings: string[];
}

/** leaky_interested(): the HAT caches that happen to come from kmem_default are left out */
const HAT_CACHES = new Set(['sfmmu1_cache', 'sf_hment_cache', 'pa_hment_cache']);
const INTERESTED_ARENAS = new Set(['kmem_default', 'kmem_firewall', 'static']);
const OVERSIZE_ARENAS = new Set(['kmem_oversize', 'static_alloc']);

interface Candidates {
  rel: Rel;
  start: Float64Array;
  limit: Float64Array;
  /** per sorted candidate: the buffers row, or -(1 + vmem_seg index) */
  ref: Int32Array;
  segs: Array<{ addr: bigint; start: bigint; end: bigint }>;
}

function arenaNames(target: Target): Map<bigint, string> {
  const out = new Map<bigint, string>();
  const t = target.table('vmem_t');
  const names = t?.columns['vm_name'];
  const addrs = addrCol(t);
  if (names?.kind === 'str') for (let i = 0; i < addrs.length; i++) out.set(addrs[i]!, names.values[i]!);
  return out;
}

/** Which kmem_cache_t rows leaky_interested() accepts. */
function interestedCaches(target: Target): Uint8Array {
  const t = target.table('kmem_cache_t');
  const n = t?.rowCount ?? 0;
  const out = new Uint8Array(n);
  const names = t?.columns['cache_name'];
  const arena = u64Values(t, 'cache_arena');
  const arenas = arenaNames(target);
  for (let i = 0; i < n; i++) {
    const name = names?.kind === 'str' ? names.values[i]! : '';
    if (HAT_CACHES.has(name)) continue;
    const a = arena ? BigInt.asUintN(64, BigInt(arena[i]!)) : 0n;
    if (INTERESTED_ARENAS.has(arenas.get(a) ?? '')) out[i] = 1;
  }
  return out;
}

/**
 * Sorts relative starts and carries their limits and payloads along: an
 * LSD radix sort of the (exact, non-negative, below 2^52) starts in 16-bit
 * digits, four counting passes over typed arrays.
 */
function sortWithPayload(start: Float64Array, limit: Float64Array, ref: Int32Array): void {
  const n = start.length;
  let runs = 1;
  for (let i = 1; i < n; i++) if (start[i]! < start[i - 1]!) runs++;
  if (runs === 1) return;
  if (runs === 2) {
    // the buffers in their stored address order, then the oversize segments: one merge of two runs
    mergeTwoRuns(start, limit, ref);
    return;
  }
  // the buffers table lists each cache's buffers in address order: a few
  // ascending runs, merged in n log(runs) with a heap of run heads
  const order = runs <= 4096 ? mergeAscendingRuns(n, (p, q) => start[p]! < start[q]!, 4096) : undefined;
  if (order) {
    reorderExtents(start, limit, ref, (o) => order[o]!);
    return;
  }
  let idx = new Uint32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  let tmp = new Uint32Array(n);
  const count = new Uint32Array(65536);
  // each start's four digits, computed once (the starts are integers below 2^52)
  const digits = [new Uint16Array(n), new Uint16Array(n), new Uint16Array(n), new Uint16Array(n)] as const;
  for (let i = 0; i < n; i++) {
    const v = start[i]!;
    const lo = v % 4294967296;
    const hi = (v - lo) / 4294967296;
    digits[0][i] = lo & 0xffff;
    digits[1][i] = lo >>> 16;
    digits[2][i] = hi & 0xffff;
    digits[3][i] = hi >>> 16;
  }
  for (let pass = 0; pass < 4; pass++) {
    const dg = digits[pass]!;
    count.fill(0);
    for (let i = 0; i < n; i++) count[dg[i]!]!++;
    if (count[dg[0]!] === n) continue; // one digit value: nothing to move
    let sum = 0;
    for (let d = 0; d < 65536; d++) {
      const c = count[d]!;
      count[d] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const j = idx[i]!;
      tmp[count[dg[j]!]!++] = j;
    }
    [idx, tmp] = [tmp, idx];
  }
  const s2 = new Float64Array(n);
  const l2 = new Float64Array(n);
  const r2 = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const j = idx[i]!;
    s2[i] = start[j]!;
    l2[i] = limit[j]!;
    r2[i] = ref[j]!;
  }
  start.set(s2);
  limit.set(l2);
  ref.set(r2);
}

/** Two ascending runs of starts merged in place, limits and payloads carried along; equal starts keep the first run's first (a stable merge). */
function mergeTwoRuns(start: Float64Array, limit: Float64Array, ref: Int32Array): void {
  const n = start.length;
  let split = 1;
  while (split < n && start[split]! >= start[split - 1]!) split++;
  let i = 0;
  let j = split;
  reorderExtents(start, limit, ref, () => (j >= n || (i < split && !(start[j]! < start[i]!)) ? i++ : j++));
}

/** Puts the extents in a new order: position o takes the entry pick(o) names, pick called for o = 0, 1, ... in turn. */
function reorderExtents(start: Float64Array, limit: Float64Array, ref: Int32Array, pick: (o: number) => number): void {
  const n = start.length;
  const s2 = new Float64Array(n);
  const l2 = new Float64Array(n);
  const r2 = new Int32Array(n);
  for (let o = 0; o < n; o++) {
    const p = pick(o);
    s2[o] = start[p]!;
    l2[o] = limit[p]!;
    r2[o] = ref[p]!;
  }
  start.set(s2);
  limit.set(l2);
  ref.set(r2);
}

/** A column's values as numbers: the column itself when it holds numbers (u8 state, u32 cache_row), else converted once. */
function asNumbers(a: ScalarArray, n: number): ArrayLike<number> {
  return a instanceof BigUint64Array || a instanceof BigInt64Array || a.length < n ? toDoubles(a, n) : a;
}

function gatherCandidates(target: Target, interested: Uint8Array): Candidates {
  const bt = target.table(TABLE_BUFFERS);
  const baddr = addrCol(bt);
  const state = numValues(bt, 'state');
  const crow = numValues(bt, 'cache_row');
  const ct = target.table('kmem_cache_t');
  const bufsize = numValues(ct, 'cache_bufsize');
  // oversize segments (leaky_vmem)
  const segs: Candidates['segs'] = [];
  if (target.table('vmem_t')) {
    for (const v of vmemPrefix(target)) {
      if (!OVERSIZE_ARENAS.has(v.name)) continue;
      for (const s of vmemSegs(target, v.addr, VMEM_ALLOC)) segs.push({ addr: s.addr, start: s.vs_start, end: s.vs_end });
    }
  }
  const nb = bt?.rowCount ?? 0;
  // the columns as doubles once (a u8/u32 column is read as is), the rows in a typed list
  const st = state ? asNumbers(state as ScalarArray, nb) : undefined;
  const cr = crow ? asNumbers(crow as ScalarArray, nb) : undefined;
  // a dump that stores the buffers' address order (format 3) gives the candidates sorted
  const order = bt ? addressOrderOf(bt) : undefined;
  const rows = candidateRows(order, st, cr, interested, nb);
  // the base: the lowest candidate
  let base: bigint | undefined;
  const h = halves(baddr);
  if (rows.length > 0) base = lowestAddress(h, rows);
  for (const s of segs) if (base === undefined || s.start < base) base = s.start;
  const rel = new Rel(base ?? 0n);
  const n = rows.length + segs.length;
  const start = new Float64Array(n);
  const limit = new Float64Array(n);
  const ref = new Int32Array(n);
  const sizes = new Float64Array(ct?.rowCount ?? 0);
  for (let r = 0; r < sizes.length; r++) sizes[r] = bufsize ? Number(bufsize[r]!) : 0;
  if (rows.length > 0) bufferExtents(rel, h, rows, cr!, sizes, start, limit, ref);
  let k = rows.length;
  // the segments in address order too, so that sorted buffers and segments are two runs at most
  const segOrder = segs.map((_, j) => j).sort((p, q) => (segs[p]!.start < segs[q]!.start ? -1 : segs[p]!.start > segs[q]!.start ? 1 : p - q));
  for (const j of segOrder) {
    const s = segs[j]!;
    const a = rel.big(s.start);
    start[k] = a;
    limit[k] = a + Number(s.end - s.start);
    ref[k++] = -(1 + j);
  }
  sortWithPayload(start, limit, ref);
  for (let i = 0; i < n; i++) {
    if (start[i]! < 0 || start[i]! >= limit[i]!) throw new DcmdError(`[${fmtRel(rel, start[i]!)}, ${fmtRel(rel, limit[i]!)}): invalid mtab`);
    if (i < n - 1 && limit[i]! > start[i + 1]!)
      throw new DcmdError(
        `[${fmtRel(rel, start[i]!)}, ${fmtRel(rel, limit[i]!)}) and [${fmtRel(rel, start[i + 1]!)}, ${fmtRel(rel, limit[i + 1]!)}): overlapping mtabs`,
      );
  }
  return { rel, start, limit, ref, segs };
}

/** The lowest address among the rows' (their addr column's words: lo at 2i, hi at 2i + 1). */
function lowestAddress(h: Uint32Array, rows: Int32Array): bigint {
  let minHi = Infinity;
  let minLo = Infinity;
  for (let j = 0; j < rows.length; j++) {
    const i = rows[j]!;
    // a damaged dump can name a row its address column does not have: one line, not NaN addresses
    if (2 * i + 1 >= h.length) throw new DcmdError(`kmem buffers table: row ${i} has no address (the table has ${h.length >>> 1})`);
    const hi = h[2 * i + 1]!;
    const lo = h[2 * i]!;
    if (hi < minHi || (hi === minHi && lo < minLo)) {
      minHi = hi;
      minLo = lo;
    }
  }
  return (BigInt(minHi) << 32n) | BigInt(minLo);
}

/** The candidates' extents from their buffers rows: start and limit relative to rel, and each one's row. */
function bufferExtents(rel: Rel, h: Uint32Array, rows: Int32Array, cr: ArrayLike<number>, sizes: Float64Array, start: Float64Array, limit: Float64Array, ref: Int32Array): void {
  for (let k = 0; k < rows.length; k++) {
    const i = rows[k]!;
    const s = rel.of(h[2 * i]!, h[2 * i + 1]!);
    start[k] = s;
    limit[k] = s + sizes[cr[i]!]!;
    ref[k] = i;
  }
}

/** The allocated buffers rows of interested caches, in `order` when given (a function of its own: see magazineRows). */
function candidateRows(order: Uint32Array | undefined, st: ArrayLike<number> | undefined, cr: ArrayLike<number> | undefined, interested: Uint8Array, nb: number): Int32Array {
  const rowBuf = new Int32Array(nb);
  let nrows = 0;
  for (let k = 0; k < nb; k++) {
    const i = order ? order[k]! : k;
    if (st && st[i] !== BUFSTATE_ALLOC) continue;
    const r = cr ? cr[i]! : -1;
    if (r >= 0 && r < interested.length && interested[r]) rowBuf[nrows++] = i;
  }
  return rowBuf.subarray(0, nrows);
}

const fmtRel = (rel: Rel, v: number): string => rel.toBig(v).toString(16);

/** Root extents (sorted, merged): the regions leaky_subr_run() scans besides whole buffers. */
function rootRanges(target: Target, rel: Rel, constructed: Array<[number, number]>, warnings: string[]): { start: Float64Array; limit: Float64Array } {
  const ranges: Array<[number, number]> = [...constructed];
  // module data and bss: the object symbols
  for (const s of target.symbols.byAddr) {
    if (s.kind !== SYMKIND_OBJECT || s.size === 0n) continue;
    const a = rel.big(s.addr);
    if (a >= 0) ranges.push([a, a + Number(s.size)]);
  }
  // from t_stk to the end of its page (the thread structure itself, for threads not from kmem)
  const tt = target.table('kthread_t');
  const stk = u64Values(tt, 't_stk');
  const page = BigInt(target.header.pagesize || 4096);
  if (tt && stk) {
    for (let i = 0; i < tt.rowCount; i++) {
      const s = BigInt.asUintN(64, BigInt(stk[i]!));
      if (s === 0n) continue;
      const a = rel.big(s);
      if (a >= 0) ranges.push([a, a + Number(page - (s & (page - 1n)))]);
    }
  }
  // the kstat arena's allocated segments (leaky_kstat)
  const kstat = target.lookupSymbol('kstat_arena');
  if (kstat) {
    try {
      const arena = target.readPtr(kstat.addr);
      if (arena !== 0n) {
        readVmem(target, arena);
        for (const s of vmemSegs(target, arena, VMEM_ALLOC)) {
          const a = rel.big(s.vs_start);
          if (a >= 0) ranges.push([a, a + Number(s.vs_end - s.vs_start)]);
        }
      }
    } catch {
      warnings.push("couldn't walk kstat vmem arena");
    }
  }
  ranges.sort((x, y) => x[0] - y[0]);
  const ms: number[] = [];
  const ml: number[] = [];
  for (const [s, l] of ranges) {
    if (ms.length > 0 && s <= ml[ml.length - 1]!) ml[ml.length - 1] = Math.max(ml[ml.length - 1]!, l);
    else {
      ms.push(s);
      ml.push(l);
    }
  }
  return { start: Float64Array.from(ms), limit: Float64Array.from(ml) };
}

/** The page of buildLeakGraph's bitmap of the pages that hold a candidate or a root. */
const PAGE = 4096;

/** A growable list of numbers. */
class NumList {
  a: Float64Array;
  n = 0;
  constructor(cap = 1024) {
    this.a = new Float64Array(cap);
  }
  push(v: number): void {
    if (this.n === this.a.length) {
      const b = new Float64Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n++] = v;
  }
  get values(): Float64Array {
    return this.a.subarray(0, this.n);
  }
}

/** The pointer-sized columns of a struct table: its u64 scalar members and u64 lists (pointer arrays), but not `addr`. */
function pointerColumns(t: Table, pointerSize: number): Array<{ scalar?: Uint32Array; list?: { offsets: Uint32Array; values: Uint32Array } }> {
  const out: Array<{ scalar?: Uint32Array; list?: { offsets: Uint32Array; values: Uint32Array } }> = [];
  if (pointerSize !== 8) return out;
  for (const [name, c] of Object.entries(t.columns)) {
    if (name === 'addr') continue;
    if (c.kind === 'u64' || c.kind === 'i64') out.push({ scalar: halves(c.values as BigUint64Array) });
    else if (c.kind === 'list' && (c.of === 'u64' || c.of === 'i64')) out.push({ list: { offsets: c.offsets, values: halves(c.values as BigUint64Array) } });
  }
  return out;
}

/**
 * Builds the mark graph of a dump: the candidates, each one's words, and
 * the root words. Exposed for the benchmark, which marks the same graph
 * with a minimal loop.
 */
export function buildLeakGraph(target: Target): { graph: MarkGraph; cand: Candidates; estimate: number; warnings: string[] } {
  const warnings: string[] = [];
  const interested = interestedCaches(target);
  const estimate = estimateBuffers(target, interested);
  if (estimate === 0) throw new DcmdError('findleaks: no buffers found');
  const cand = gatherCandidates(target, interested);
  const { rel, start, limit } = cand;
  const n = start.length;
  const ps = target.pointerSize;

  const bt = target.table(TABLE_BUFFERS);
  const state = numValues(bt, 'state');
  const crow = numValues(bt, 'cache_row');
  const offsCol = bt?.columns['ptr_offs'];
  const valsCol = bt?.columns['ptr_vals'];
  const vals = valsCol?.kind === 'list' ? valsCol : undefined;
  const vh = vals && (vals.values instanceof BigUint64Array || vals.values instanceof BigInt64Array) ? halves(vals.values) : undefined;
  void offsCol;

  // free constructed buffers of interested caches are roots (leaky_scan_cache)
  const ct = target.table('kmem_cache_t');
  const cflags = numValues(ct, 'cache_flags');
  const ctor = u64Values(ct, 'cache_constructor');
  const bufsize = numValues(ct, 'cache_bufsize');
  const constructedCache = new Uint8Array(ct?.rowCount ?? 0);
  for (let r = 0; r < constructedCache.length; r++) {
    const f = cflags ? Number(cflags[r]!) : 0;
    const hasCtor = ctor ? ctor[r]! !== 0n : false;
    constructedCache[r] = interested[r] && hasCtor && (f & (KMF_DEADBEEF | KMF_LITE)) !== KMF_DEADBEEF ? 1 : 0;
  }
  const roots = new NumList();
  const constructedRanges: Array<[number, number]> = [];
  const bh = halves(addrCol(bt));
  const pushList = (row: number, out: NumList): void => {
    if (!vals || !vh) return;
    for (let k = vals.offsets[row]!, e = vals.offsets[row + 1]!; k < e; k++) out.push(rel.of(vh[2 * k]!, vh[2 * k + 1]!));
  };
  for (const i of state ? magazineRows(state, crow, constructedCache, bt?.rowCount ?? 0) : []) {
    const r = crow ? Number(crow[i]!) : -1;
    pushList(i, roots);
    const a = rel.of(bh[2 * i]!, bh[2 * i + 1]!);
    if (a >= 0) constructedRanges.push([a, a + (bufsize ? Number(bufsize[r]!) : 0)]);
  }

  const rr = rootRanges(target, rel, constructedRanges, warnings);

  // words of struct rows and globals: to the candidate that holds them, or to the roots
  const extraOwner = new NumList();
  const extraWord = new NumList();
  const place = (at: number, w: number): void => {
    if (at < 0) return;
    const c = searchBuffer(start, limit, at);
    if (c >= 0) {
      extraOwner.push(c);
      extraWord.push(w);
    } else if (searchBuffer(rr.start, rr.limit, at) >= 0) roots.push(w);
  };
  const gt = target.table(TABLE_GLOBALS);
  if (gt) {
    const ga = halves(addrCol(gt));
    const gsize = numValues(gt, 'size');
    const gv = u64Values(gt, 'value');
    const gvh = gv ? halves(gv) : undefined;
    for (let i = 0; i < gt.rowCount; i++) {
      if (!gvh || (gsize && Number(gsize[i]!) !== ps)) continue;
      place(rel.of(ga[2 * i]!, ga[2 * i + 1]!), rel.of(gvh[2 * i]!, gvh[2 * i + 1]!));
    }
  }
  const minS = n > 0 ? start[0]! : 0;
  const maxL = n > 0 ? limit[n - 1]! : 0;
  const minR = rr.start.length > 0 ? rr.start[0]! : Infinity;
  const maxR = rr.limit.length > 0 ? rr.limit[rr.limit.length - 1]! : -Infinity;
  // the pages that hold a candidate or a root, as a bitmap over the candidates' span: a struct
  // row elsewhere (allocator metadata, the log) is skipped before any search. Root ranges
  // beyond the span (the kernel's static data) are searched directly.
  const spanPages = n > 0 ? Math.ceil(limit[n - 1]! / PAGE) + 1 : 0;
  const usePages = spanPages > 0 && spanPages <= 1 << 26;
  const pageBits = new Uint8Array(usePages ? spanPages : 0);
  if (usePages) {
    for (let i = 0; i < n; i++) for (let p = Math.floor(start[i]! / PAGE), e = Math.floor((limit[i]! - 1) / PAGE); p <= e; p++) pageBits[p] = 1;
    for (let i = 0; i < rr.start.length; i++) {
      const p0 = Math.floor(rr.start[i]! / PAGE);
      const p1 = Math.min(Math.floor((rr.limit[i]! - 1) / PAGE), spanPages - 1);
      for (let p = p0; p <= p1; p++) pageBits[p] = 1;
    }
  }
  // a struct row is looked at only in [base, the last candidate's or root range's end): a chunk of
  // rows whose addresses all lie outside (the 4 M page_t rows) is passed over, its pointer columns unread
  const regionEnd = Math.max(maxL, maxR);
  const regionLo = rel.base;
  const regionHi = Number.isFinite(regionEnd) && regionEnd > 0 ? rel.toBig(regionEnd) : undefined;
  for (const t of target.model.tables) {
    if (NON_STRUCT.has(t.name)) continue;
    const def = target.types.get(t.name);
    if (!def) continue;
    // read whole first: that checks every chunk's addresses against the bounds mayHold trusts
    const ah = halves(addrCol(t));
    const cc = chunksOf(t, 'addr');
    if (regionHi === undefined) continue;
    const ranges: number[] = [];
    if (cc && cc.count > 1 && cc.rowCount === t.rowCount) {
      for (let k = 0; k < cc.count; k++) if (cc.mayHold(k, regionLo, regionHi)) ranges.push(k * cc.chunkRows, Math.min(t.rowCount, (k + 1) * cc.chunkRows));
    } else ranges.push(0, t.rowCount);
    if (ranges.length === 0) continue;
    const cols = pointerColumns(t, ps);
    if (cols.length === 0) continue;
    const inside = { rel, start, limit, rr, pageBits: usePages ? pageBits : undefined, spanPages, minS, maxL, minR, maxR };
    for (let q = 0; q < ranges.length; q += 2) {
      const rows = rowsInside(inside, ah, ranges[q]!, ranges[q + 1]!);
      for (let j = 0; j < rows.n; j++) {
        const i = rows.row[j]!;
        const inCand = rows.cand[j]!;
        for (const c of cols) {
          if (c.scalar) {
            const w = rel.of(c.scalar[2 * i]!, c.scalar[2 * i + 1]!);
            if (c.scalar[2 * i] === 0 && c.scalar[2 * i + 1] === 0) continue;
            if (inCand >= 0) {
              extraOwner.push(inCand);
              extraWord.push(w);
            } else roots.push(w);
          } else if (c.list) {
            for (let k = c.list.offsets[i]!, e = c.list.offsets[i + 1]!; k < e; k++) {
              const w = rel.of(c.list.values[2 * k]!, c.list.values[2 * k + 1]!);
              if (inCand >= 0) {
                extraOwner.push(inCand);
                extraWord.push(w);
              } else roots.push(w);
            }
          }
        }
      }
    }
  }

  // thread stacks: the frames' arguments and locals, unless the thread is free
  const tt = target.table('kthread_t');
  const tstate = numValues(tt, 't_state');
  const fr = target.table(TABLE_FRAMES);
  const ftr = numValues(fr, 'thread_row');
  if (fr && ftr) {
    for (const name of ['args', 'locals']) {
      const c = fr.columns[name];
      if (c?.kind !== 'list' || !(c.values instanceof BigUint64Array || c.values instanceof BigInt64Array)) continue;
      const h = halves(c.values);
      for (let r = 0; r < fr.rowCount; r++) {
        const t = Number(ftr[r]!);
        if (tstate && t < tstate.length && Number(tstate[t]!) === 0) continue; // TS_FREE
        for (let k = c.offsets[r]!, e = c.offsets[r + 1]!; k < e; k++) roots.push(rel.of(h[2 * k]!, h[2 * k + 1]!));
      }
    }
  }

  // each candidate's words: its row's pointer words, then the struct rows inside it
  const { wordStart, words, implicit } = candidateWords(cand, vals && vh ? { offsets: vals.offsets, vh } : undefined, extraOwner.values, extraWord.values, ps);
  return { graph: { start, limit, wordStart, words, roots: roots.values, implicit }, cand, estimate, warnings };
}

/*
 * The passes over millions of rows that build the graph, each a function of
 * its own: a loop inside one big function runs unoptimised until the
 * optimiser has compiled all of that function (on-stack replacement), which
 * in a fresh process took longer than the loops themselves (the first
 * findLeaks of a session cost twice the later ones); a small function is
 * compiled in a moment.
 */

/** The buffers rows in a magazine (free, constructed) of a cache that constructs its buffers. */
function magazineRows(state: ArrayLike<number | bigint>, crow: ArrayLike<number | bigint> | undefined, constructedCache: Uint8Array, nb: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < nb; i++) {
    if (Number(state[i]!) !== BUFSTATE_MAGAZINE) continue;
    const r = crow ? Number(crow[i]!) : -1;
    if (r < 0 || !constructedCache[r]) continue;
    out.push(i);
  }
  return out;
}

/** Where struct rows may hold words of the graph: the candidates, the root ranges, and the pages that hold either. */
interface Inside {
  rel: Rel;
  start: Float64Array;
  limit: Float64Array;
  rr: { start: Float64Array; limit: Float64Array };
  /** a page bitmap over the candidates' span (undefined when the span is too wide for one) */
  pageBits: Uint8Array | undefined;
  spanPages: number;
  minS: number;
  maxL: number;
  minR: number;
  maxR: number;
}

/** A table's rows [from, end) that lie in a candidate (its index) or in a root range (-1). */
function rowsInside(x: Inside, ah: Uint32Array, from: number, end: number): { row: Int32Array; cand: Int32Array; n: number } {
  const { rel, start, limit, rr, pageBits, spanPages, minS, maxL, minR, maxR } = x;
  const row = new Int32Array(Math.min(end - from, 1024));
  const cand = new Int32Array(row.length);
  let out = { row, cand, n: 0 };
  for (let i = from; i < end; i++) {
    const at = rel.of(ah[2 * i]!, ah[2 * i + 1]!);
    if (at < 0) continue;
    if (pageBits) {
      const pg = Math.floor(at / PAGE);
      if (pg < spanPages ? pageBits[pg] === 0 : at >= maxR) continue;
    }
    const inCand = at >= minS && at < maxL ? searchBuffer(start, limit, at) : -1;
    const inRoot = inCand < 0 && at >= minR && at < maxR && searchBuffer(rr.start, rr.limit, at) >= 0;
    if (inCand < 0 && !inRoot) continue;
    if (out.n === out.row.length) {
      const bigger = { row: new Int32Array(out.n * 2), cand: new Int32Array(out.n * 2), n: out.n };
      bigger.row.set(out.row);
      bigger.cand.set(out.cand);
      out = bigger;
    }
    out.row[out.n] = i;
    out.cand[out.n++] = inCand;
  }
  return out;
}

/** The graph's words by candidate (CSR): each candidate's row's pointer words, then the words of the struct rows inside it. */
function candidateWords(
  cand: Candidates,
  vals: { offsets: Uint32Array; vh: Uint32Array } | undefined,
  ownerA: Float64Array,
  wordA: Float64Array,
  ps: number,
): { wordStart: Uint32Array; words: Float64Array; implicit: Float64Array } {
  const { rel, start, limit, ref } = cand;
  const n = start.length;
  const wordStart = new Uint32Array(n + 1);
  const implicit = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const r = ref[i]!;
    wordStart[i + 1] = r >= 0 && vals ? vals.offsets[r + 1]! - vals.offsets[r]! : 0;
  }
  for (let k = 0; k < ownerA.length; k++) wordStart[ownerA[k]! + 1]!++;
  for (let i = 0; i < n; i++) wordStart[i + 1]! += wordStart[i]!;
  const words = new Float64Array(wordStart[n]!);
  const fill = wordStart.slice(0, n);
  if (vals) {
    const { offsets, vh } = vals;
    for (let i = 0; i < n; i++) {
      const r = ref[i]!;
      if (r >= 0) for (let k = offsets[r]!, e = offsets[r + 1]!; k < e; k++) words[fill[i]!++] = rel.of(vh[2 * k]!, vh[2 * k + 1]!);
    }
  }
  for (let k = 0; k < ownerA.length; k++) words[fill[ownerA[k]!]!++] = wordA[k]!;
  for (let i = 0; i < n; i++) implicit[i] = Math.max(0, Math.floor((limit[i]! - start[i]!) / ps) - (wordStart[i + 1]! - wordStart[i]!));
  return { wordStart, words, implicit };
}

/** kmem_estimate_allocated() over the interested caches, plus the oversize arenas' live segments (leaky_estimate_vmem). */
function estimateBuffers(target: Target, interested: Uint8Array): number {
  let est = 0;
  const addrs = addrCol(target.table('kmem_cache_t'));
  for (let r = 0; r < addrs.length; r++) {
    if (!interested[r]) continue;
    const cp = readKmemCache(target, addrs[r]!);
    let e = cp.cache_buftotal - kmemSlabStats(target, cp).unusedBuffers;
    const mag = cp.full_total * BigInt(cacheMagsize(cp));
    if (e >= mag) e -= mag;
    est += Number(e);
  }
  if (target.table('vmem_t')) {
    for (const v of vmemPrefix(target)) {
      if (!OVERSIZE_ARENAS.has(v.name)) continue;
      const a = readVmem(target, v.addr);
      est += Number(a.alloc - a.free);
    }
  }
  return est;
}

// ---------------------------------------------------------------- the sweep and the groups

/** The first frame not in kmem_* or vmem_* (leaky_subr_caller); the last frame if all are. */
export function leakCaller(target: Target, stack: readonly bigint[]): { name: string; pc: bigint } {
  let pc = 0n;
  for (const p of stack) {
    pc = p;
    const hit = target.symbolAt(p);
    if (!hit) continue;
    if (hit.sym.name.startsWith('kmem_') || hit.sym.name.startsWith('vmem_')) continue;
    return { name: hit.sym.name, pc: p };
  }
  return { name: '', pc };
}

/**
 * The audit records of the leaked buffers, read from the bufctl table's
 * columns in one pass (a leak table of a million would otherwise cost a
 * million synthesised reads); records the table does not model are read
 * through memory, as ::bufctl does.
 */
class BufctlColumns {
  /** audit table rows by bufctl address, the address as a number relative to `rel` (exact: heap addresses are near each other) */
  private rows = new Map<number, number>();
  private readonly t: Table | undefined;
  private readonly cols: { addr?: BigUint64Array | BigInt64Array; cache?: BigUint64Array | BigInt64Array; ts?: ArrayLike<number | bigint>; depth?: ArrayLike<number | bigint>; stack?: Uint32Array };
  private readonly pcs: { offsets: Uint32Array; values: ArrayLike<number | bigint> } | undefined;
  /** interned stacks by (row, depth): the pcs and the key of pcs[1..] */
  private stacks = new Map<number, { pcs: bigint[]; key: string }>();
  constructor(
    private readonly target: Target,
    private readonly rel: Rel,
    wanted: Set<number>,
  ) {
    this.t = target.table('kmem_bufctl_audit_t');
    const h = halves(addrCol(this.t));
    if (wanted.size > 0)
      for (let i = 0, n = h.length >> 1; i < n; i++) {
        const k = rel.of(h[2 * i]!, h[2 * i + 1]!);
        if (k >= 0 && wanted.has(k)) this.rows.set(k, i);
      }
    const sc = this.t?.columns['bc_stack'];
    const pc = target.table(TABLE_STACKS)?.columns['pcs'];
    this.cols = {
      addr: u64Values(this.t, 'bc_addr'),
      cache: u64Values(this.t, 'bc_cache'),
      ts: numValues(this.t, 'bc_timestamp'),
      depth: numValues(this.t, 'bc_depth'),
      stack: sc?.kind === 'u32' ? (sc.values as Uint32Array) : undefined,
    };
    this.pcs = pc?.kind === 'list' ? { offsets: pc.offsets, values: pc.values } : undefined;
  }
  read(addr: bigint): { bc_addr: bigint; bc_cache: bigint; bc_timestamp: bigint; bc_stack: bigint[]; key?: string } {
    const r = this.rows.get(this.rel.big(addr));
    const { cols, pcs } = this;
    if (r === undefined || !cols.stack || !pcs || !cols.addr || !cols.cache) {
      const bc = readBufctl(this.target, addr);
      return { bc_addr: bc.bc_addr, bc_cache: bc.bc_cache, bc_timestamp: BigInt.asIntN(64, bc.bc_timestamp), bc_stack: bc.bc_stack };
    }
    const srow = cols.stack[r]!;
    const depth = cols.depth ? Number(cols.depth[r]!) : 0;
    // the interned stack of depth bc_depth, built once per (row, depth)
    const sk = srow * 16 + Math.max(0, Math.min(depth, 15));
    let st = this.stacks.get(sk);
    if (!st) {
      const stack: bigint[] = [];
      if (srow + 1 < pcs.offsets.length) for (let k = pcs.offsets[srow]!; k < pcs.offsets[srow + 1]!; k++) stack.push(BigInt(pcs.values[k]!));
      const pcsD = stack.slice(0, Math.max(0, Math.min(depth, stack.length, 15)));
      st = { pcs: pcsD, key: pcsD.slice(1).map((p) => p.toString(16)).join(',') };
      this.stacks.set(sk, st);
    }
    const ts = cols.ts ? cols.ts[r]! : 0n;
    return {
      bc_addr: BigInt.asUintN(64, cols.addr[r]!),
      bc_cache: BigInt.asUintN(64, cols.cache[r]!),
      bc_timestamp: BigInt.asIntN(64, typeof ts === 'bigint' ? ts : BigInt(ts)),
      bc_stack: st.pcs,
      key: st.key,
    };
  }
}

interface LeakContext {
  target: Target;
  cand: Candidates;
  crow: ArrayLike<number | bigint> | undefined;
  bufctl: BigUint64Array | BigInt64Array | undefined;
  cacheAddr: BigUint64Array;
  cacheFlags: ArrayLike<number | bigint> | undefined;
  /** each cache's address in hex, for the group keys */
  cacheKey: string[];
  bufctls: BufctlColumns;
}

function leakContext(target: Target, cand: Candidates, marked: Uint8Array): LeakContext {
  const bt = target.table(TABLE_BUFFERS);
  const ct = target.table('kmem_cache_t');
  const cacheAddr = addrCol(ct);
  const ctx = {
    target,
    cand,
    crow: numValues(bt, 'cache_row'),
    bufctl: u64Values(bt, 'bufctl'),
    cacheAddr,
    cacheFlags: numValues(ct, 'cache_flags'),
    cacheKey: Array.from(cacheAddr, (a) => a.toString(16)),
  };
  const wanted = new Set<number>();
  const bh = ctx.bufctl ? halves(ctx.bufctl) : undefined;
  for (let i = 0; i < marked.length; i++) {
    const r = cand.ref[i]!;
    if (marked[i] || r < 0 || !bh) continue;
    const f = Number(ctx.cacheFlags?.[Number(ctx.crow![r]!)] ?? 0);
    if (f & KMF_AUDIT) wanted.add(cand.rel.of(bh[2 * r]!, bh[2 * r + 1]!));
  }
  return { ...ctx, bufctls: new BufctlColumns(target, cand.rel, wanted) };
}

function leakOf(lc: LeakContext, i: number): Leak {
  const { target, cand } = lc;
  const r = cand.ref[i]!;
  const start = cand.rel.toBig(cand.start[i]!);
  const size = BigInt(cand.limit[i]! - cand.start[i]!);
  if (r < 0) {
    const s = cand.segs[-(1 + r)]!;
    let stack: bigint[] = [];
    let ts = 0n;
    try {
      const seg = readVmemSeg(target, s.addr);
      stack = seg.vs_stack;
      ts = seg.vs_timestamp;
    } catch {
      /* mdb warns "couldn't read leaked vmem_seg"; the leak keeps no stack */
    }
    return { type: 'vmem', addr: s.addr, bufaddr: s.start, cache: 0n, size: s.end - s.start, timestamp: ts, stack };
  }
  const crow = Number(lc.crow![r]!);
  const cacheAddr = lc.cacheAddr[crow]!;
  const flags = Number(lc.cacheFlags?.[crow] ?? 0);
  const bufctl = lc.bufctl?.[r];
  if (flags & KMF_AUDIT && bufctl !== undefined && bufctl !== 0n) {
    const a = BigInt.asUintN(64, BigInt(bufctl));
    const bc = lc.bufctls.read(a);
    const l: Leak = { type: 'kmem', addr: a, bufaddr: bc.bc_addr, cache: bc.bc_cache, size, timestamp: bc.bc_timestamp, stack: bc.bc_stack };
    if (bc.key !== undefined && bc.bc_cache === cacheAddr) l.stackKey = `${lc.cacheKey[crow]}|${bc.key}`;
    return l;
  }
  // no audit record: grouped by cache (the dump keeps no KMF_LITE bt_history)
  return { type: 'cache', addr: start, bufaddr: start, cache: cacheAddr, size, timestamp: 0n, stack: [] };
}

/** The key leaky_add_leak() coalesces on: type, cache, and the stack without its top (kmem_cache_alloc) frame. */
function groupKey(l: Leak): string {
  if (l.stackKey !== undefined) return `${l.type}|${l.stackKey}`;
  const stack = l.type === 'kmem' ? l.stack.slice(1) : l.stack;
  return `${l.type}|${l.type === 'vmem' ? '' : l.cache.toString(16)}|${stack.map((p) => p.toString(16)).join(',')}`;
}

/** Sorts groups as leaky_subr_bufctl_cmp(): caller name, caller pc, then the data (segment size or cache). */
function sortGroups(target: Target, groups: LeakGroup[]): void {
  const keyed = groups.map((g) => {
    const rep = g.members[0]!;
    const stack = rep.type === 'kmem' ? rep.stack.slice(1) : rep.stack;
    const c = leakCaller(target, stack);
    const data = rep.type === 'vmem' ? rep.size : rep.type === 'cache' ? rep.cache : 0n;
    return { g, name: c.name, pc: c.pc, data };
  });
  keyed.sort((a, b) => {
    if (a.name !== b.name) return a.name < b.name ? -1 : 1;
    if (a.pc !== b.pc) return a.pc < b.pc ? -1 : 1;
    if (a.data !== b.data) return a.data < b.data ? -1 : 1;
    return 0;
  });
  groups.splice(0, groups.length, ...keyed.map((k) => k.g));
}

/**
 * ::findleaks' whole run on a dump: gather, scan, mark, sweep, coalesce.
 * Throws DcmdError where mdb's findleaks fails (no buffers, overlapping
 * buffers). The result is what the dcmd caches for the session.
 */
export function findLeaks(target: Target): FindLeaksResult {
  if (target.header.os !== 'illumos') throw new DcmdError('findleaks: not an illumos kernel dump');
  const { graph, cand, estimate, warnings } = buildLeakGraph(target);
  const { marked, beans } = markGraph(graph);
  const byKey = new Map<string, LeakGroup & { oldest: number }>();
  const leakedBuffers: bigint[] = [];
  const lc = leakContext(target, cand, marked);
  for (let i = 0; i < marked.length; i++) {
    if (marked[i]) continue;
    const l = leakOf(lc, i);
    leakedBuffers.push(l.bufaddr);
    const k = groupKey(l);
    const g = byKey.get(k);
    if (!g) {
      byKey.set(k, { type: l.type, members: [l], caller: undefined, oldest: 0 });
      continue;
    }
    // a strictly older leak becomes the representative (leaky_add_leak swaps places)
    if (l.timestamp < g.members[g.oldest]!.timestamp) g.oldest = g.members.length;
    g.members.push(l);
  }
  for (const g of byKey.values()) {
    if (g.oldest !== 0) {
      const [rep] = g.members.splice(g.oldest, 1);
      g.members.unshift(rep!);
    }
  }
  const groups: LeakGroup[] = [];
  for (const type of TYPE_ORDER) {
    const of = [...byKey.values()].filter((g) => g.type === type);
    sortGroups(target, of);
    groups.push(...of);
  }
  for (const g of groups) {
    const rep = g.members[0]!;
    if (rep.type === 'cache') g.caller = undefined;
    else {
      const c = leakCaller(target, rep.type === 'kmem' ? rep.stack.slice(1) : rep.stack);
      g.caller = c.pc === 0n ? undefined : c.pc;
    }
  }
  const memoryBytes =
    graph.start.byteLength + graph.limit.byteLength + graph.words.byteLength + graph.wordStart.byteLength + graph.roots.byteLength + marked.byteLength + cand.ref.byteLength;
  return { estimate, buffers: graph.start.length, beans, groups, leakedBuffers, memoryBytes, warnings };
}
