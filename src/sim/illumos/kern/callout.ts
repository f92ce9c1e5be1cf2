/*
 * Callouts (uts/common/os/callout.c, sys/callo.h): the timeouts the modelled
 * threads' timed sleeps arm. cv_timedwait() arms setrun(t) for its deadline,
 * cv_timedwait_sig_hires() (nanosleep) cv_wakeup(t); a thread woken before
 * its deadline cancels the callout (untimeout_default()), one whose deadline
 * passed sees it expire. Both free the callout_t onto its table's free list.
 *
 *   callout_init(): callout_table_bits from max_ncpus, the tables
 *     (CALLOUT_NTYPES per CPU, realtime then normal, one kmem_zalloc), each
 *     with its ID bases and kstat data; then callout_cpu_online() of the
 *     boot CPU, and callout_mp_init() of the others once callout_chunk is
 *     sized from physmem: per lgroup the "callout_cache<hand>" and
 *     "callout_lcache<hand>" kmem caches (one lgroup: LGRP_DEFAULT_HANDLE,
 *     0xbabecafe), per table its heap, its ID and list hashes (512 buckets
 *     each, kmem_zalloc'd), its kstats and its cyclics.
 *   timeout_generic(): the CPU's table of the type, a callout from ct_free or
 *     ct_cache, a generation-based ID (ct_gen_id counting down by
 *     callout_counter_low; CALLOUT_LONGTERM past callout_longterm), the
 *     callout list of its expiration and flags found or made (from ct_lfree
 *     or ct_lcache) — a 1 ns resolution list on the callout queue
 *     (CALLOUT_LIST_FLAG_QUEUED), others in the list hash and the heap
 *     (CALLOUT_LIST_FLAG_HEAPED) — and the callout on the ID hash and the
 *     list.
 *
 * Not modelled: the heap's entries (ct_heap holds none; ct_heap_num counts
 * the heaped lists), the callout threads and taskq of normal callouts, the
 * kstats' values. An emptied list goes to ct_lfree at once, where the real
 * kernel leaves it in the heap for callout_heap_delete() to reap (mdb shows
 * neither without -E).
 */
import type { Kernel } from '../../machine/kernel.js';
import type { Kva } from '../../machine/platform.js';
import { func, type FuncSym } from '../../machine/symbols.js';
import type { KGen } from '../../machine/thread.js';
import { illumosLayouts } from '../dump/layouts.js';
import { kmemAlloc, kmemCacheAlloc, kmemCacheCreate, KM_NOSLEEP, KM_SLEEP, type Buf, type Kmem, type KmemCache } from '../kmem/kmem.js';
import { storePtr } from '../kmem/contents.js';
import { FILL_ZERO } from '../../../dump/format.js';

export const CALLOUT_REALTIME = 0;
export const CALLOUT_NORMAL = 1;
const CALLOUT_TYPE_BITS = 1;
const CALLOUT_NTYPES = 2;
export const CALLOUT_BUCKETS = 512;
const CALLOUT_BUCKET_SHIFT = 9;
const CALLOUT_CHUNK = 4096 / 16;
const CALLOUT_LONGTERM_TICKS = 0x4000;
export const CALLOUT_ID_FREE = 0x8000000000000000n;
export const CALLOUT_EXECUTING = 0x4000000000000000n;
export const CALLOUT_LONGTERM = 0x80000000n;
const CALLOUT_COUNTER_HIGH = 0x40000000n;
const CALLOUT_GENERATION_LOW = 0x100000000n;
/** CALLOUT_FLAG_* (timeout_generic()'s flags) and CALLOUT_LIST_FLAG_* */
export const CALLOUT_FLAG_ABSOLUTE = 0x2;
export const CALLOUT_FLAG_HRESTIME = 0x4;
export const CALLOUT_LIST_FLAG_FREE = 0x1;
export const CALLOUT_LIST_FLAG_ABSOLUTE = 0x2;
export const CALLOUT_LIST_FLAG_HRESTIME = 0x4;
export const CALLOUT_LIST_FLAG_NANO = 0x8;
export const CALLOUT_LIST_FLAG_HEAPED = 0x10;
export const CALLOUT_LIST_FLAG_QUEUED = 0x20;
/** LGRP_DEFAULT_HANDLE: lgrp_plat_cpu_to_hand() on a machine of one lgroup */
const LGRP_DEFAULT_HANDLE = 0xbabecafe;
/** nsec_per_tick at hz = 100 */
export const NSEC_PER_TICK = 10_000_000;
/** sizeof (kstat_named_t) * CALLOUT_NUM_STATS, sizeof (cyc_id_t) on amd64 */
const KSTAT_DATA_SIZE = 48 * 8;
const SIZEOF_CYC_ID = 0x48;

const timeout_generic = func('genunix', 'timeout_generic');
const callout_alloc = func('genunix', 'callout_alloc');
const callout_list_alloc = func('genunix', 'callout_list_alloc');
/** the functions the timed sleeps arm */
export const setrunFn = func('genunix', 'setrun');
export const cvWakeupFn = func('genunix', 'cv_wakeup');

export interface Callout {
  addr: Kva;
  /** c_xid */
  xid: bigint;
  func: FuncSym;
  arg: Kva;
  /** c_list: the list it is on (or was on, once free) */
  list: CalloutList | null;
  /** next on ct_free (c_idnext of a free callout) */
  freeNext: Callout | null;
}

export interface CalloutList {
  addr: Kva;
  expiration: number;
  flags: number;
  callouts: Callout[];
  /** the clhash bucket (-1 on the queue) */
  bucket: number;
  /** next on ct_lfree */
  freeNext: CalloutList | null;
}

export interface CalloutTable {
  /** its index in callout_table[] (CALLOUT_TABLE(type, seqid)) and its address */
  index: number;
  addr: Kva;
  type: number;
  free: Callout | null;
  lfree: CalloutList | null;
  shortId: bigint;
  longId: bigint;
  genId: bigint;
  idhash: Buf | null;
  clhash: Buf | null;
  kstat: Kva;
  cyclic: Kva;
  qcyclic: Kva;
  heap: Kva;
  heapMax: number;
  cache: KmemCache | null;
  lcache: KmemCache | null;
  /** ID hash chains, list hash chains and the callout queue, in list order */
  ids: Map<number, Callout[]>;
  lists: Map<number, CalloutList[]>;
  queue: CalloutList[];
  /** timeouts armed, callouts allocated (ct_timeouts, ct_allocations) */
  timeouts: number;
  allocations: number;
}

export interface CalloutState {
  /** callout_table: the array's first table */
  base: Kva;
  tables: CalloutTable[];
  /** callout_table_bits, callout_table_mask, callout_counter_low, callout_longterm */
  bits: number;
  counterLow: bigint;
  longterm: number;
  /** every callout_t and callout_list_t ever allocated (they are never given back to kmem) */
  callouts: Callout[];
  lists: CalloutList[];
  km: Kmem;
}

const states = new WeakMap<Kernel, CalloutState>();

/** The machine's callout state, once callout_init() ran. */
export function calloutState(k: Kernel): CalloutState | undefined {
  return states.get(k);
}

function sizes(): { table: number; callout: number; list: number } {
  const L = illumosLayouts();
  return { table: L.structs.get('callout_table_t')!.size, callout: L.structs.get('callout_t')!.size, list: L.structs.get('callout_list_t')!.size };
}

function* zalloc(km: Kmem, size: number): KGen<Buf | Kva> {
  const b = yield* kmemAlloc(km, size, KM_SLEEP);
  if (b === null) throw new Error('simulator: no memory for callout tables at boot');
  if (typeof b !== 'number') b.fill = FILL_ZERO;
  return b;
}
const addrOf = (b: Buf | Kva): Kva => (typeof b === 'number' ? b : b.addr);

/** callout_init(): the tables and the boot CPU's half of callout_cpu_online() */
export function* calloutInit(k: Kernel, km: Kmem, maxNcpus: number): KGen<CalloutState> {
  let bits = 0;
  for (let fanout = 1; fanout < maxNcpus; fanout <<= 1) bits++;
  const tableBits = CALLOUT_TYPE_BITS + bits;
  const sz = sizes();
  // kmem_zalloc(size + CALLOUT_ALIGN), rounded up to a cache line
  const buf = yield* zalloc(km, sz.table * CALLOUT_NTYPES * maxNcpus + 64);
  const base = Math.ceil(addrOf(buf) / 64) * 64;
  const tables: CalloutTable[] = [];
  for (let f = 0; f < maxNcpus; f++) {
    for (let t = 0; t < CALLOUT_NTYPES; t++) {
      const index = (f << CALLOUT_TYPE_BITS) | t;
      const shortId = BigInt(index) | CALLOUT_COUNTER_HIGH;
      const kstat = addrOf(yield* zalloc(km, KSTAT_DATA_SIZE));
      tables[index] = {
        index,
        addr: base + index * sz.table,
        type: t,
        free: null,
        lfree: null,
        shortId,
        longId: shortId | CALLOUT_LONGTERM,
        genId: shortId,
        idhash: null,
        clhash: null,
        kstat,
        cyclic: 0,
        qcyclic: 0,
        heap: 0,
        heapMax: 0,
        cache: null,
        lcache: null,
        ids: new Map(),
        lists: new Map(),
        queue: [],
        timeouts: 0,
        allocations: 0,
      };
    }
  }
  const st: CalloutState = {
    base,
    tables,
    bits: tableBits,
    counterLow: 1n << BigInt(tableBits),
    longterm: CALLOUT_LONGTERM_TICKS * NSEC_PER_TICK,
    callouts: [],
    lists: [],
    km,
  };
  states.set(k, st);
  // cyclic_init() made the cyclic IDs' cache before callout_init() runs
  const cycCache = kmemCacheCreate(km, { name: 'cyclic_id_cache', bufsize: SIZEOF_CYC_ID, align: 64 });
  yield* cpuOnline(k, st, 0, CALLOUT_CHUNK, cycCache);
  // callout_mp_init(): callout_chunk from physmem (CALLOUT_MIN_HEAP_SIZE at
  // most physmem / CALLOUT_MEM_FRACTION) shared by the online CPUs
  let min = 64 * 1024 * 16;
  const max = Math.floor(k.cfg.physmem / 4096) * k.p.pagesize;
  if (min > max) min = max;
  let chunk = Math.floor(min / 16 / k.cfg.ncpus);
  chunk = Math.ceil(chunk / CALLOUT_CHUNK) * CALLOUT_CHUNK;
  for (let c = 1; c < k.cfg.ncpus; c++) yield* cpuOnline(k, st, c, chunk, cycCache);
  return st;
}

/** callout_cpu_online(cp): the lgroup's caches (made once), then each of the CPU's tables' heap, hashes and cyclics */
function* cpuOnline(k: Kernel, st: CalloutState, seqid: number, chunk: number, cycCache: KmemCache): KGen<void> {
  const km = st.km;
  const t0 = st.tables[0]!;
  if (!t0.cache) {
    const sz = sizes();
    const hand = LGRP_DEFAULT_HANDLE.toString(16);
    const cache = kmemCacheCreate(km, { name: `callout_cache${hand}`, bufsize: sz.callout, align: 64 });
    const lcache = kmemCacheCreate(km, { name: `callout_lcache${hand}`, bufsize: sz.list, align: 64 });
    for (const t of st.tables) {
      t.cache = cache;
      t.lcache = lcache;
    }
  }
  for (let ty = 0; ty < CALLOUT_NTYPES; ty++) {
    const ct = st.tables[(seqid << CALLOUT_TYPE_BITS) | ty]!;
    if (ct.heap !== 0) continue;
    // callout_heap_init(), callout_hash_init(), callout_kstat_init(), callout_cyclic_init()
    ct.heapMax = chunk;
    ct.heap = addrOf(yield* zalloc(km, chunk * 16));
    const idh = yield* zalloc(km, CALLOUT_BUCKETS * 16);
    const clh = yield* zalloc(km, CALLOUT_BUCKETS * 16);
    ct.idhash = typeof idh === 'number' ? null : idh;
    ct.clhash = typeof clh === 'number' ? null : clh;
    for (const which of ['cyclic', 'qcyclic'] as const) {
      const b = yield* kmemCacheAlloc(km, cycCache, KM_SLEEP);
      if (!b) throw new Error('simulator: no memory for a cyclic at boot');
      ct[which] = b.addr;
    }
  }
  void k;
}

/** CALLOUT_CLHASH(expiration) */
export function clhash(exp: number): number {
  const x = BigInt(exp);
  const s = BigInt(CALLOUT_BUCKET_SHIFT);
  const h = x ^ (x >> s) ^ (x >> (s * 2n)) ^ (x >> (s * 3n));
  return Number(h & BigInt(CALLOUT_BUCKETS - 1));
}

/** CALLOUT_IDHASH(id) */
export function idhash(st: CalloutState, id: bigint): number {
  return Number((id >> BigInt(st.bits)) & BigInt(CALLOUT_BUCKETS - 1));
}

/** a hash bucket's ch_head and ch_tail, kept in the kmem_zalloc'd array as the kernel keeps them */
function setBucket(b: Buf | null, i: number, head: Kva, tail: Kva): void {
  if (!b) return;
  storePtr(b, i * 16, head);
  storePtr(b, i * 16 + 8, tail);
}

function syncIds(ct: CalloutTable, h: number): void {
  const c = ct.ids.get(h) ?? [];
  setBucket(ct.idhash, h, c[0]?.addr ?? 0, c[c.length - 1]?.addr ?? 0);
}

function syncLists(ct: CalloutTable, h: number): void {
  const c = ct.lists.get(h) ?? [];
  setBucket(ct.clhash, h, c[0]?.addr ?? 0, c[c.length - 1]?.addr ?? 0);
}

/**
 * timeout_generic(type, func, arg, interval, resolution, flags) on the
 * current CPU's table; returns the callout (null when neither the free list
 * nor a KM_NOSLEEP allocation has one, where the kernel would try harder).
 */
export function* timeoutGeneric(k: Kernel, type: number, fn: FuncSym, arg: Kva, interval: number, resolution: number, flags: number): KGen<Callout | null> {
  const st = states.get(k);
  if (!st) return null;
  const ct = st.tables[(k.curcpu << CALLOUT_TYPE_BITS) | type];
  if (!ct || ct.heap === 0) return null;
  const fr = k.enter(timeout_generic, 0b110, type, fn.addr, arg, interval, resolution, flags);
  let expiration = flags & CALLOUT_FLAG_ABSOLUTE ? interval : k.now + interval;
  if (resolution > 1) expiration = Math.floor(expiration / resolution) * resolution;
  // callout_alloc(): the table's free list first
  let cp = ct.free;
  if (cp) ct.free = cp.freeNext;
  else {
    const fa = k.enter(callout_alloc, 0b1, ct.addr);
    const b = yield* kmemCacheAlloc(st.km, ct.cache!, KM_NOSLEEP);
    k.leave(fa);
    if (!b) {
      k.leave(fr);
      return null;
    }
    cp = { addr: b.addr, xid: 0n, func: fn, arg, list: null, freeNext: null };
    st.callouts.push(cp);
    ct.allocations++;
  }
  cp.freeNext = null;
  cp.func = fn;
  cp.arg = arg;
  // a generation-based ID, counting down; the generation moves when the counter wraps
  let id = ct.genId - st.counterLow;
  if ((id & CALLOUT_COUNTER_HIGH) === 0n) {
    id |= CALLOUT_COUNTER_HIGH;
    id += CALLOUT_GENERATION_LOW;
  }
  ct.genId = id;
  if (interval > st.longterm && !(flags & CALLOUT_FLAG_ABSOLUTE)) id |= CALLOUT_LONGTERM;
  cp.xid = id;
  let clflags = 0;
  if (flags & CALLOUT_FLAG_ABSOLUTE) clflags |= CALLOUT_LIST_FLAG_ABSOLUTE;
  if (flags & CALLOUT_FLAG_HRESTIME) clflags |= CALLOUT_LIST_FLAG_HRESTIME;
  if (resolution === 1) clflags |= CALLOUT_LIST_FLAG_NANO;
  const hash = clhash(expiration);
  const nano = (clflags & CALLOUT_LIST_FLAG_NANO) !== 0;
  // callout_list_get(): a list of this expiration and these flags
  const pool = nano ? ct.queue : (ct.lists.get(hash) ?? []);
  let cl = pool.find((l) => l.expiration === expiration && (l.flags & (CALLOUT_LIST_FLAG_ABSOLUTE | CALLOUT_LIST_FLAG_HRESTIME | CALLOUT_LIST_FLAG_NANO)) === clflags);
  if (!cl) {
    let fresh = ct.lfree;
    if (fresh) ct.lfree = fresh.freeNext;
    else {
      const fl = k.enter(callout_list_alloc, 0b1, ct.addr);
      const b = yield* kmemCacheAlloc(st.km, ct.lcache!, KM_NOSLEEP);
      k.leave(fl);
      if (b) {
        fresh = { addr: b.addr, expiration: 0, flags: 0, callouts: [], bucket: 0, freeNext: null };
        st.lists.push(fresh);
      }
    }
    if (!fresh) {
      // the callout goes back to the free list; the sleep goes on without a record
      cp.freeNext = ct.free;
      ct.free = cp;
      cp.xid |= CALLOUT_ID_FREE;
      k.leave(fr);
      return null;
    }
    cl = fresh;
    cl.freeNext = null;
    cl.expiration = expiration;
    cl.callouts = [];
    if (nano) {
      // callout_queue_insert(): the queue is kept in expiration order
      cl.flags = clflags | CALLOUT_LIST_FLAG_QUEUED;
      cl.bucket = -1;
      const at = ct.queue.findIndex((l) => l.expiration > expiration);
      if (at < 0) ct.queue.push(cl);
      else ct.queue.splice(at, 0, cl);
    } else {
      // CALLOUT_LIST_APPEND() on the list hash, callout_heap_insert()
      cl.flags = clflags | CALLOUT_LIST_FLAG_HEAPED;
      cl.bucket = hash;
      const chain = ct.lists.get(hash) ?? [];
      chain.push(cl);
      ct.lists.set(hash, chain);
      syncLists(ct, hash);
    }
  }
  cp.list = cl;
  cl.callouts.push(cp);
  const ih = idhash(st, cp.xid);
  const ids = ct.ids.get(ih) ?? [];
  ids.push(cp);
  ct.ids.set(ih, ids);
  syncIds(ct, ih);
  ct.timeouts++;
  k.leave(fr);
  return cp;
}

/**
 * The callout is done: untimeout_default() cancelled it (the thread was
 * woken first) or callout_execute() ran it. Off the ID hash and its list;
 * callout_free() puts it on ct_free with CALLOUT_ID_FREE set; an emptied
 * list goes to ct_lfree.
 */
export function calloutDone(k: Kernel, cp: Callout): void {
  const st = states.get(k);
  if (!st) return;
  const ct = st.tables[Number(cp.xid & ((1n << BigInt(st.bits)) - 1n))]!;
  const ih = idhash(st, cp.xid);
  const ids = ct.ids.get(ih);
  if (ids) {
    const i = ids.indexOf(cp);
    if (i >= 0) ids.splice(i, 1);
    if (ids.length === 0) ct.ids.delete(ih);
    syncIds(ct, ih);
  }
  const cl = cp.list;
  if (cl) {
    const i = cl.callouts.indexOf(cp);
    if (i >= 0) cl.callouts.splice(i, 1);
    if (cl.callouts.length === 0) {
      if (cl.bucket < 0) {
        const q = ct.queue.indexOf(cl);
        if (q >= 0) ct.queue.splice(q, 1);
      } else {
        const chain = ct.lists.get(cl.bucket);
        if (chain) {
          const j = chain.indexOf(cl);
          if (j >= 0) chain.splice(j, 1);
          if (chain.length === 0) ct.lists.delete(cl.bucket);
          syncLists(ct, cl.bucket);
        }
      }
      cl.flags = CALLOUT_LIST_FLAG_FREE;
      cl.freeNext = ct.lfree;
      ct.lfree = cl;
    }
  }
  cp.xid |= CALLOUT_ID_FREE;
  cp.freeNext = ct.free;
  ct.free = cp;
}

/** ct_heap_num: the lists in the heap */
export function heapNum(ct: CalloutTable): number {
  let n = 0;
  for (const c of ct.lists.values()) n += c.length;
  return n;
}
