/*
 * kmem helpers over a dump, drgn-style: small functions named after the
 * kernel idiom they replace, generators for the kernel's list walks. Dcmds
 * and walkers compose these; none of them prints.
 *
 * Where the data lives (format.ts):
 *   kmem_cache_t      one row per cache, in kmem_caches list order;
 *   kmem_cpu_cache_t  one row per CPU inside each cache (cache_cpu[i]);
 *   kmem_slab_t       complete slabs then partial slabs, per cache;
 *   buffers           one row per chunk, with its state (allocated, free in
 *                     its slab, free in a magazine).
 *
 * Statistics (::kmastat) come from the cache and slab structures only, so
 * they cost the same for a thousand buffers as for a million. Indexes that
 * group rows by cache are built once per dump, on first use.
 */
import { BUFSTATE_ALLOC, BUFSTATE_MAGAZINE, BUFSTATE_SLAB_FREE, TABLE_BUFFERS } from '../../../../dump/format.js';
import { DcmdError } from '../../../errors.js';
import { hex } from '../../../render/number.js';
import type { Target } from '../../../target.js';
import { addrCells, addrCol, bigAt, bigCells, cacheBufferRows, cacheRowOf, cacheSlabRows, cpuCacheAddrs, numAt, numCells, scalars, slabIndex } from './indexes.js';
import { StructView } from './struct-view.js';

export { cacheRowOf } from './indexes.js';

// kmem_impl.h: cache_flags (KMF_*) and cache_cflags (KMC_*)
export const KMF_AUDIT = 0x1;
export const KMF_DEADBEEF = 0x2;
export const KMF_REDZONE = 0x4;
export const KMF_CONTENTS = 0x8;
export const KMF_NOMAGAZINE = 0x20;
export const KMF_LITE = 0x100;
export const KMF_HASH = 0x200;
export const KMF_BUFTAG = KMF_DEADBEEF | KMF_REDZONE;
export const KMC_NOTOUCH = 0x10000;
/** slab_flags: the client refused to move a buffer of this slab */
export const KMEM_SLAB_NOMOVE = 0x1;

/** The members of a kmem_cache_t the dcmds use. */
export interface KmemCache {
  addr: bigint;
  cache_name: string;
  cache_flags: number;
  cache_cflags: number;
  cache_bufsize: bigint;
  cache_buftotal: bigint;
  cache_chunksize: bigint;
  cache_slabsize: bigint;
  cache_maxchunks: bigint;
  cache_bufctl: bigint;
  cache_slab_create: bigint;
  cache_slab_destroy: bigint;
  cache_slab_alloc: bigint;
  cache_alloc_fail: bigint;
  cache_bufslab: bigint;
  cache_arena: bigint;
  cache_constructor: bigint;
  /** cache_full.ml_total: full magazines in the depot */
  full_total: bigint;
  /** cache_full.ml_alloc: full magazines handed out by the depot */
  full_alloc: bigint;
  /** cache_partial_slabs.avl_numnodes */
  partial_slabs: bigint;
  /** cache_cpu[], one per CPU */
  cpu: KmemCpuCache[];
}

/** The members of a kmem_cpu_cache_t the dcmds use. */
export interface KmemCpuCache {
  addr: bigint;
  cc_alloc: bigint;
  cc_free: bigint;
  cc_loaded: bigint;
  cc_ploaded: bigint;
  /** rounds in the loaded magazine; -1 when none is loaded (a short) */
  cc_rounds: number;
  cc_prounds: number;
  cc_magsize: number;
}

/** The members of a kmem_slab_t the dcmds use. */
export interface KmemSlab {
  addr: bigint;
  slab_cache: bigint;
  slab_base: bigint;
  slab_refcnt: number;
  slab_chunks: number;
  slab_flags: number;
}

/** A count for rows and --json: a number while exact, else the bigint (which --json prints in hex). */
export function toCount(v: bigint): number | bigint {
  return v >= -(2n ** 53n) && v <= 2n ** 53n ? Number(v) : v;
}

// ---------------------------------------------------------------- caches

/** Every cache's address, in kmem_caches list order (the kmem_cache walk). */
export function* forEachKmemCache(target: Target): Generator<bigint> {
  yield* addrCol(target.table('kmem_cache_t'));
}

/**
 * The kmem_cache_t at addr, with its per-CPU caches.
 * Fails as mdb does: "couldn't read kmem_cache at <addr>".
 */
export function readKmemCache(target: Target, addr: bigint): KmemCache {
  // the dump does not change: a cache read once is the same every time (a loop or a pipe of
  // addresses into ::kmausers read every cache for each address). The caches themselves
  // (kmem_cache_t rows) are kept; of any other address only the last read (a loop at one
  // address): a pipe of 65,536 page_t addresses into ::kmem_cache kept 4096 reads of
  // garbage at a time, and the collector moved each out of the young generation (60 MB
  // promoted, a quarter of the command's CPU) for nothing
  const key = BigInt.asUintN(64, addr);
  if (cacheRowOf(target, key) === undefined) {
    const last = lastOther.get(target);
    if (last && last.addr === key) return last;
    const c = Object.freeze(readKmemCacheOnce(target, key));
    lastOther.set(target, c);
    return c;
  }
  let m = kmemCaches.get(target);
  if (!m) kmemCaches.set(target, (m = new Map()));
  let c = m.get(key);
  if (!c) {
    c = Object.freeze(readKmemCacheOnce(target, key));
    if (m.size >= KMEM_CACHES_KEPT) m.delete(m.keys().next().value!);
    m.set(key, c);
  }
  return c;
}

const kmemCaches = new WeakMap<Target, Map<bigint, KmemCache>>();
const KMEM_CACHES_KEPT = 4096;
const lastOther = new WeakMap<Target, KmemCache>();

function readKmemCacheOnce(target: Target, addr: bigint): KmemCache {
  const v = StructView.read(target, 'kmem_cache_t', addr, 'kmem_cache');
  const cpu = cpuCacheAddrs(target, v.addr).map((a): KmemCpuCache => {
    const c = StructView.read(target, 'kmem_cpu_cache_t', a, 'kmem_cpu_cache');
    return {
      addr: a,
      cc_alloc: c.u('cc_alloc'),
      cc_free: c.u('cc_free'),
      cc_loaded: c.u('cc_loaded'),
      cc_ploaded: c.u('cc_ploaded'),
      cc_rounds: Number(c.s('cc_rounds')),
      cc_prounds: Number(c.s('cc_prounds')),
      cc_magsize: Number(c.s('cc_magsize')),
    };
  });
  return {
    addr: v.addr,
    cache_name: v.str('cache_name'),
    cache_flags: v.n('cache_flags'),
    cache_cflags: v.n('cache_cflags'),
    cache_bufsize: v.u('cache_bufsize'),
    cache_buftotal: v.u('cache_buftotal'),
    cache_chunksize: v.u('cache_chunksize'),
    cache_slabsize: v.u('cache_slabsize'),
    cache_maxchunks: v.u('cache_maxchunks'),
    cache_bufctl: v.u('cache_bufctl'),
    cache_slab_create: v.u('cache_slab_create'),
    cache_slab_destroy: v.u('cache_slab_destroy'),
    cache_slab_alloc: v.u('cache_slab_alloc'),
    cache_alloc_fail: v.u('cache_alloc_fail'),
    cache_bufslab: v.u('cache_bufslab'),
    cache_arena: v.u('cache_arena'),
    cache_constructor: v.u('cache_constructor'),
    full_total: v.u('cache_full.ml_total'),
    full_alloc: v.u('cache_full.ml_alloc'),
    partial_slabs: v.u('cache_partial_slabs.avl_numnodes'),
    cpu,
  };
}

/** Caches whose name contains `part` (::kmem_cache -n), in list order. */
export function findKmemCaches(target: Target, part: string): bigint[] {
  const t = target.table('kmem_cache_t');
  const names = t?.columns['cache_name'];
  const addrs = addrCol(t);
  const out: bigint[] = [];
  if (names?.kind !== 'str') return out;
  for (let i = 0; i < addrs.length; i++) if (names.values[i]!.includes(part)) out.push(addrs[i]!);
  return out;
}

/**
 * Rounds per magazine (models mdb's kmem_get_magsize()): CPU 0's cc_magsize,
 * which is right whenever it is non-zero; a KMF_NOMAGAZINE cache has none.
 * The dump does not describe kmem_magtype[], so there is no further fallback.
 */
export function cacheMagsize(cp: KmemCache): number {
  return cp.cpu[0]?.cc_magsize ?? 0;
}

/** The addresses of a cache's kmem_cpu_cache_t, one per CPU (the kmem_cpu_cache walk). */
export function* cacheCpuCaches(target: Target, cacheAddr: bigint): Generator<bigint> {
  for (const cc of readKmemCache(target, cacheAddr).cpu) yield cc.addr;
}

// ---------------------------------------------------------------- slabs

/** The kmem_slab_t of a row. */
export function slabAt(target: Target, row: number): KmemSlab {
  const t = target.table('kmem_slab_t');
  return {
    addr: addrCol(t)[row] ?? 0n,
    slab_cache: bigAt(scalars(t, 'slab_cache'), row),
    slab_base: bigAt(scalars(t, 'slab_base'), row),
    slab_refcnt: numAt(scalars(t, 'slab_refcnt'), row),
    slab_chunks: numAt(scalars(t, 'slab_chunks'), row),
    slab_flags: numAt(scalars(t, 'slab_flags'), row),
  };
}

/** A cache's slabs: the complete list, then the partial ones (the kmem_slab walk). */
export function* cacheSlabs(target: Target, cacheAddr: bigint): Generator<KmemSlab> {
  for (const r of cacheSlabRows(target, cacheAddr)) yield slabAt(target, r);
}

/**
 * Free chunks in a cache's partial slabs (what kmastat_slab_avail() sums
 * over the kmem_slab_partial walk; its one complete slab adds nothing),
 * straight from the columns: ::kmastat runs this for every cache.
 */
function partialFreeChunks(target: Target, cacheAddr: bigint): bigint {
  return BigInt(slabIndex(target).freeChunks.get(BigInt.asUintN(64, cacheAddr)) ?? 0);
}

/**
 * A cache's partially allocated slabs (the kmem_slab_partial walk). As in
 * mdb, a cache with no partial slab reports its first complete slab instead:
 * some consumers need one callback whenever the cache has buffers.
 */
export function* cachePartialSlabs(target: Target, cp: KmemCache): Generator<KmemSlab> {
  const all = [...cacheSlabs(target, cp.addr)];
  if (cp.partial_slabs === 0n) {
    const first = all.find((s) => s.slab_refcnt === s.slab_chunks);
    if (first) yield first;
    return;
  }
  for (const s of all) if (s.slab_refcnt < s.slab_chunks) yield s;
}

// ---------------------------------------------------------------- buffers

/** Which buffers a kmem walk reports (mdb's KM_ALLOCATED / KM_FREE / KM_CONSTRUCTED). */
export type BufferSet = 'allocated' | 'free' | 'constructed';

/** The row of a cache for a kmem walk, or the error mdb's walk init gives. */
function walkableCache(target: Target, cacheAddr: bigint): number {
  const row = cacheRowOf(target, cacheAddr);
  if (row !== undefined) return row;
  try {
    StructView.read(target, 'kmem_cache_t', cacheAddr);
  } catch (e) {
    if (e instanceof DcmdError) throw new DcmdError(`couldn't read cache at addr ${hex(cacheAddr)}`);
    throw e;
  }
  throw new DcmdError(`${hex(cacheAddr)} is not a valid kmem_cache_t`);
}

/**
 * A cache's buffers, as the kmem, freemem and freemem_constructed walks
 * report them (models kmem_walk_init_common()/kmem_walk_step()):
 * allocated buffers in address order; free ones with the magazine layer's
 * rounds first, then the slabs' free chunks; constructed ones are the
 * magazine rounds of a cache whose free buffers keep their constructed
 * state (a constructor, and no DEADBEEF without LITE).
 * With `bufctl`, the buffers' bufctls instead: only hashed caches have them
 * for allocated buffers; a free chunk of a small-slab cache has its bufctl
 * inside the slab, at buf + cache_bufctl.
 */
export function* cacheBuffers(target: Target, cacheAddr: bigint, set: BufferSet, bufctl = false): Generator<bigint> {
  const row = walkableCache(target, cacheAddr);
  const cp = readKmemCache(target, cacheAddr);
  if (cp.cache_buftotal === 0n) return;
  const hashed = (cp.cache_flags & KMF_HASH) !== 0;
  if (bufctl && set === 'allocated' && !hashed) return;
  if (set === 'constructed' && (cp.cache_constructor === 0n || (cp.cache_flags & (KMF_DEADBEEF | KMF_LITE)) === KMF_DEADBEEF)) return;
  const t = target.table(TABLE_BUFFERS);
  // cell by cell: a walk reads only the chunks of rows of its caches (dump/chunks.ts)
  const addrs = addrCells(t);
  const state = numCells(t, 'state');
  const ctl = bigCells(t, 'bufctl');
  const rows = cacheBufferRows(target, row);
  const out = (i: number): bigint => (!bufctl ? addrs(i) : hashed ? ctl(i) : addrs(i) + cp.cache_bufctl);
  const wanted = set === 'allocated' ? [BUFSTATE_ALLOC] : set === 'free' ? [BUFSTATE_MAGAZINE, BUFSTATE_SLAB_FREE] : [BUFSTATE_MAGAZINE];
  for (const want of wanted) {
    for (const i of rows) if (state(i) === want) yield out(i);
  }
}

/** Every cache except the NOTOUCH ones, whose buffers also appear as other caches' free memory (kmem_walk_all). */
export function* forEachTouchableCache(target: Target): Generator<bigint> {
  const t = target.table('kmem_cache_t');
  const cflags = scalars(t, 'cache_cflags');
  const addrs = addrCol(t);
  for (let i = 0; i < addrs.length; i++) if ((numAt(cflags, i) & KMC_NOTOUCH) === 0) yield addrs[i]!;
}

// ---------------------------------------------------------------- statistics

/** One cache's ::kmastat line, as numbers. */
export interface KmemCacheUsage {
  addr: bigint;
  name: string;
  arena: bigint;
  bufSize: bigint;
  /** buffers handed out: total minus those in magazines and free in partial slabs */
  bufInUse: bigint;
  bufTotal: bigint;
  /** (slabs created - slabs destroyed) * slab size */
  memInUse: bigint;
  /** slab-layer allocations + depot allocations + each CPU's cc_alloc */
  allocSucceed: bigint;
  allocFail: bigint;
}

/**
 * A cache's usage, computed as mdb's kmastat_cache() does: the available
 * buffers are the depot's full magazines (ml_total * magsize), the rounds in
 * each CPU's loaded and previous magazines (cc_rounds/cc_prounds when
 * positive: -1 means no magazine), and the free chunks of the partial slabs.
 */
export function kmemCacheUsage(target: Target, cacheAddr: bigint): KmemCacheUsage {
  const cp = readKmemCache(target, cacheAddr);
  let avail = cp.full_total * BigInt(cacheMagsize(cp));
  let alloc = cp.cache_slab_alloc + cp.full_alloc;
  for (const cc of cp.cpu) {
    alloc += cc.cc_alloc;
    if (cc.cc_rounds > 0) avail += BigInt(cc.cc_rounds);
    if (cc.cc_prounds > 0) avail += BigInt(cc.cc_prounds);
  }
  if (cp.partial_slabs !== 0n) avail += partialFreeChunks(target, cp.addr);
  return {
    addr: cp.addr,
    name: cp.cache_name,
    arena: cp.cache_arena,
    bufSize: cp.cache_bufsize,
    bufInUse: cp.cache_buftotal - avail,
    bufTotal: cp.cache_buftotal,
    memInUse: (cp.cache_slab_create - cp.cache_slab_destroy) * cp.cache_slabsize,
    allocSucceed: alloc,
    allocFail: cp.cache_alloc_fail,
  };
}

/** Slab statistics of one cache (::kmem_slabs; models kmem_slablist_stat()). */
export interface KmemSlabStats {
  slabs: number;
  partialSlabs: number;
  unusedBuffers: bigint;
  /** allocated-buffer count of each partial slab, in walk order, with its NOMOVE mark */
  partial: Array<{ refcnt: number; nomove: boolean }>;
  /** buckets[n] = slabs with n allocated buffers, n = 0 .. cache_maxchunks */
  buckets: number[];
}

/**
 * cache_maxchunks, checked before it sizes anything: a slab holds at most
 * one chunk per byte, so a count above cache_slabsize (or 2^24) is what an
 * address that is not a kmem_cache reads as, and mdb_warn()s as invalid.
 */
export function cacheMaxChunks(cp: KmemCache): number {
  const m = cp.cache_maxchunks;
  if (m > cp.cache_slabsize || m > 1n << 24n) throw new DcmdError(`kmem_cache at ${hex(cp.addr)} has invalid cache_maxchunks ${hex(m)}`);
  return Number(m);
}

export function kmemSlabStats(target: Target, cp: KmemCache): KmemSlabStats {
  const max = cacheMaxChunks(cp);
  const st: KmemSlabStats = { slabs: 0, partialSlabs: 0, unusedBuffers: 0n, partial: [], buckets: new Array<number>(max + 1).fill(0) };
  for (const sp of cacheSlabs(target, cp.addr)) {
    st.slabs++;
    if (sp.slab_refcnt >= 0 && sp.slab_refcnt <= max) st.buckets[sp.slab_refcnt]!++;
    const unused = sp.slab_chunks - sp.slab_refcnt;
    if (unused === 0) continue;
    st.partialSlabs++;
    st.unusedBuffers += BigInt(unused);
    st.partial.push({ refcnt: sp.slab_refcnt, nomove: (sp.slab_flags & KMEM_SLAB_NOMOVE) !== 0 });
  }
  return st;
}
