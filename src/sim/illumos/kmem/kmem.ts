/*
 * kmem: the illumos slab allocator, as the simulator runs it.
 *
 * 1. Concepts
 *
 *   Cache.     An object cache (kmem_cache_t) hands out buffers of one size,
 *              optionally constructed by a constructor. It is built in
 *              layers (Bonwick 1994; Bonwick & Adams 2001):
 *   CPU layer. Each CPU has a loaded and a previous magazine (kmem_cpu_cache_t);
 *              allocations and frees that hit them take no global lock.
 *   Depot.     Full and empty magazines shared by all CPUs (cache_full,
 *              cache_empty), with a working-set estimate (ml_min,
 *              ml_reaplimit) that lets the reaper return idle magazines.
 *   Slabs.     Contiguous memory from the cache's vmem arena cut into chunks;
 *              a partial slab has some buffers free, a complete one none.
 *              A slab whose last buffer is freed goes back to vmem at once.
 *   Debugging. kmem_flags (0xf on DEBUG kernels) gives caches buftags with a
 *              redzone and a bufctl ^ state word, poisons free buffers with
 *              0xdeadbeef and fresh ones with 0xbaddcafe, and audits every
 *              transaction (thread, time, stack) in audit bufctls and the
 *              transaction log.
 *
 * 2. Buffer states (see types.ts, Buf): free in a slab (unconstructed),
 *    allocated, or free in a magazine. Without KMF_DEADBEEF a magazine holds
 *    constructed objects, so an allocation from it runs no constructor; with
 *    KMF_DEADBEEF every free destructs and every allocation reconstructs, which
 *    is why a constructor's failure modes matter so much more on DEBUG kernels.
 *
 * 3. Invariants (checked by the property tests): for every cache,
 *      cache_buftotal = allocated + rounds in CPU magazines + rounds in depot
 *                       magazines + cache_bufslab;
 *    a slab's refcnt equals its buffers not on its free chain; a slab is on
 *    the complete list iff refcnt == chunks, and on no list at refcnt 0.
 *
 * References: Bonwick, "The Slab Allocator" (USENIX 1994); Bonwick & Adams,
 * "Magazines and Vmem" (USENIX 2001); uts/common/os/kmem.c, sys/kmem_impl.h.
 */
import type { Kernel } from '../../machine/kernel.js';
import type { Kva } from '../../machine/platform.js';
import { func } from '../../machine/symbols.js';
import type { KGen } from '../../machine/thread.js';
import { runNoSleep } from '../../machine/sync.js';
import { setQcacheOps, vmemAlloc, vmemFree, vmemQcacheCreateAll, VM_SLEEP, type Vmem } from '../vmem/index.js';
import { kmemCacheCreate, SIZEOF_KMEM_SLAB } from './cache.js';
import { illumosLayouts } from '../dump/layouts.js';
import { kmemCacheAlloc, kmemCacheFree } from './alloc.js';
import { kmemError, KMERR_REDZONE, redzoneViolated } from './debug.js';
import { KMF_AUDIT, KMF_CONTENTS, KMF_REDZONE, KMC_KMEM_ALLOC, KMC_NOHASH, KMC_QCACHE, KMC_NOTOUCH, KMEM_ALLOC_SIZES, KMEM_BIG_ALLOC_SIZES, KMEM_MAGTYPES, KMEM_MAXBUF, KM_NOSLEEP } from './flags.js';
import { kmemDepotWsReap, kmemDepotWsUpdate } from './magazine.js';
import { Kmem, SIZEOF_KMEM_BUFCTL_AUDIT, type KmemArenas } from './state.js';
import { KmemLog } from './log.js';
import { hasPageSupply, pageSupply } from '../vmem/page.js';
import type { Buf, KmemCache } from './types.js';

export { Kmem } from './state.js';
export type { KmemArenas } from './state.js';
export { kmemCacheAlloc, kmemCacheFree } from './alloc.js';
export { kmemCacheAllocDebug, kmemCacheFreeDebug } from './debug.js';
export { kmemCacheCreate, deriveCacheFlags } from './cache.js';
export { partialSlabs } from './slab.js';
export * from './flags.js';
export type * from './types.js';

const kmem_alloc = func('genunix', 'kmem_alloc', 0x140);
const kmem_free = func('genunix', 'kmem_free', 0x110);
const kmem_cache_reap = func('genunix', 'kmem_cache_reap', 0x90);
const kmem_reap = func('genunix', 'kmem_reap', 0x60);

/** sizes of kmem's own structures, from the layouts the dump describes (sys/kmem_impl.h) */
const sizeofType = (t: string): number => illumosLayouts(1).structs.get(t)!.size;
const SIZEOF_KMEM_BUFCTL = sizeofType('kmem_bufctl_t');

/**
 * models kmem_init() and kmem_cache_init(): the magazine caches first (every
 * later cache's depot needs its magazine type's cache), then the slab and
 * bufctl caches, the quantum caches and the kmem_alloc caches; then the logs.
 */
export function kmemInit(k: Kernel, arenas: KmemArenas): Kmem {
  const km = new Kmem(k, arenas);
  const msb = arenas.kmem_msb;
  for (const mt of KMEM_MAGTYPES) {
    const mc = kmemCacheCreate(km, {
      name: `kmem_magazine_${mt.mt_magsize}`,
      bufsize: (mt.mt_magsize + 1) * k.p.pointerSize,
      align: mt.mt_align,
      arena: msb,
      cflags: KMC_NOHASH,
    });
    km.magCaches.set(mt.mt_magsize, mc);
  }
  // The magazine caches were created before their own magazine types' caches existed.
  for (const cp of km.caches) {
    if (cp.cache_magtype) cp.magCache = km.magCaches.get(cp.cache_magtype.mt_magsize) ?? null;
  }
  km.slabCache = kmemCacheCreate(km, { name: 'kmem_slab_cache', bufsize: SIZEOF_KMEM_SLAB, arena: msb, cflags: KMC_NOHASH });
  km.bufctlCache = kmemCacheCreate(km, { name: 'kmem_bufctl_cache', bufsize: SIZEOF_KMEM_BUFCTL, arena: msb, cflags: KMC_NOHASH });
  km.bufctlAuditCache = kmemCacheCreate(km, {
    name: 'kmem_bufctl_audit_cache',
    bufsize: SIZEOF_KMEM_BUFCTL_AUDIT,
    arena: msb,
    cflags: KMC_NOHASH,
  });
  setQcacheOps(k, {
    create: (_k, vmp: Vmem, name: string, size: number) =>
      kmemCacheCreate(km, { name, bufsize: size, align: vmp.quantum, arena: vmp, cflags: KMC_QCACHE | KMC_NOTOUCH }),
    *alloc(_k, handle: unknown, vmflag: number): KGen<Kva> {
      const b = yield* kmemCacheAlloc(km, handle as KmemCache, vmflag);
      return b ? b.addr : 0;
    },
    free: (_k, handle: unknown, addr: Kva) => kmemCacheFree(km, handle as KmemCache, addr),
    // vmem asks for a reap before it waits for space
    reap: () => {
      kmemReapRequest(km);
    },
  });
  vmemQcacheCreateAll(k);
  // kmem_alloc_caches_create(): a multiple of the coherency granularity (64)
  // gets 64-byte alignment, a multiple of PAGESIZE a page
  for (const size of [...KMEM_ALLOC_SIZES, ...KMEM_BIG_ALLOC_SIZES]) {
    const align = size % k.p.pagesize === 0 ? k.p.pagesize : size % 64 === 0 ? 64 : 8;
    km.allocCaches.push(kmemCacheCreate(km, { name: `kmem_alloc_${size}`, bufsize: size, align, cflags: KMC_KMEM_ALLOC }));
  }
  kmemLogsInit(km);
  return km;
}

/**
 * models kmem_maxavail(): the bytes that could still be allocated, the
 * smaller of availrmem above tune.t_minarmem and freemem above minfree
 */
export function kmemMaxavail(k: Kernel): number {
  if (!hasPageSupply(k)) return k.cfg.physmem * k.p.pagesize;
  const ps = pageSupply(k);
  const pages = Math.max(Math.min(ps.availrmem - ps.tMinarmem, ps.freemem - ps.minfree), 0);
  return pages * k.p.pagesize;
}

/**
 * The end of kmem_init(): the transaction log with KMF_AUDIT and the content
 * log with KMF_CONTENTS, each 2% of kmem_maxavail(); the failure and slab
 * logs always, at their default size of 0 (one page per chunk).
 */
function kmemLogsInit(km: Kmem): void {
  const k = km.k;
  const avail = kmemMaxavail(k);
  if (km.kmem_flags & KMF_AUDIT) kmemLogInit(km, km.transactionLog, Math.floor(avail / 50));
  if (km.kmem_flags & KMF_CONTENTS) kmemLogInit(km, km.contentLog, Math.floor(avail / 50));
  kmemLogInit(km, km.failureLog, 0);
  kmemLogInit(km, km.slabLog, 0);
}

/** models kmem_log_init(logsize): the header, the chunks and lh_free[] from the kmem_log arena */
function kmemLogInit(km: Kmem, lp: KmemLog, logsize: number): void {
  const k = km.k;
  const ncpus = k.cfg.ncpus;
  const { nchunks, chunksize } = KmemLog.geometry(logsize, ncpus, k.p.pagesize);
  const lhsize = illumosLayouts(ncpus).structs.get('kmem_log_header_t')!.size;
  const arena = km.arenas.kmem_log;
  const header = runNoSleep(vmemAlloc(k, arena, lhsize, VM_SLEEP), 'kmem_log_init');
  const base = runNoSleep(vmemAlloc(k, arena, chunksize * nchunks, VM_SLEEP), 'kmem_log_init');
  const free = runNoSleep(vmemAlloc(k, arena, nchunks * 4, VM_SLEEP), 'kmem_log_init');
  lp.init(header, base, free, nchunks, chunksize, ncpus);
}

/** the kmem_alloc_<n> cache for a size, or null above KMEM_MAXBUF */
export function kmemAllocCache(km: Kmem, size: number): KmemCache | null {
  if (size > KMEM_MAXBUF) return null;
  for (const cp of km.allocCaches) if (cp.cache_bufsize >= size) return cp;
  return null;
}

/** models kmem_alloc(size, kmflag): a kmem_alloc_<n> cache, or kmem_oversize above KMEM_MAXBUF */
export function* kmemAlloc(km: Kmem, size: number, kmflag: number): KGen<Buf | Kva | null> {
  const k = km.k;
  const fr = k.enter(kmem_alloc, 0, size, kmflag);
  const cp = kmemAllocCache(km, size);
  if (cp) {
    const b = yield* kmemCacheAlloc(km, cp, kmflag);
    // KMF_REDZONE: kmem_alloc() records the size in the buftag (KMEM_SIZE_ENCODE)
    // and puts KMEM_REDZONE_BYTE after it, for kmem_free() to check
    if (b) b.allocSize = size;
    k.leave(fr);
    return b;
  }
  const a = yield* vmemAlloc(k, km.arenas.kmem_oversize, size, kmflag & 0xff);
  k.leave(fr);
  return a === 0 ? null : a;
}

/** models kmem_free(buf, size) */
export function kmemFree(km: Kmem, addr: Kva, size: number): void {
  const k = km.k;
  const fr = k.enter(kmem_free, 0b1, addr, size);
  const cp = kmemAllocCache(km, size);
  if (cp && cp.cache_flags & KMF_REDZONE && k.curthread) {
    const b = cp.allocated.get(addr);
    if (b && redzoneViolated(b, size)) {
      kmemError(km, KMERR_REDZONE, cp, addr, b);
      k.leave(fr);
      return;
    }
  }
  if (cp) kmemCacheFree(km, cp, addr);
  else vmemFree(k, km.arenas.kmem_oversize, addr, size);
  k.leave(fr);
}

/** kmem_cache_reap(): give idle depot magazines back to the slab layer */
export function kmemCacheReap(km: Kmem, cp: KmemCache): void {
  const k = km.k;
  const fr = k.enter(kmem_cache_reap, 0b1, cp.addr);
  cp.cache_reap++;
  kmemDepotWsReap(km, cp);
  k.leave(fr);
}

/**
 * kmem_reap(): called by pageout when memory is short. At most one reap per
 * kmem_reap_interval; the work is done by the kmem taskq thread, which the
 * caller wakes (the returned flag says whether a reap was started).
 */
export function kmemReapRequest(km: Kmem): boolean {
  const k = km.k;
  if (km.reaping) return false;
  if (km.lastReap >= 0 && k.now - km.lastReap < km.reapIntervalNs) return false;
  km.reaping = true;
  km.lastReap = k.now;
  return true;
}

/** The reap itself, run on the kmem taskq thread: every cache, kmem_cache_reap(). */
export function kmemReapAll(km: Kmem): void {
  const k = km.k;
  const fr = k.enter(kmem_reap, 0);
  for (const cp of km.caches) kmemCacheReap(km, cp);
  km.reaping = false;
  k.leave(fr);
}

/** kmem_update(): every kmem_reap_interval, start a new working-set interval for every cache */
export function kmemUpdate(km: Kmem): void {
  for (const cp of km.caches) kmemDepotWsUpdate(cp);
}

/** Allocate without sleeping, for callers that cannot block (boot, magazines). */
export function kmemCacheAllocNoSleep(km: Kmem, cp: KmemCache): Buf | null {
  return runNoSleep(kmemCacheAlloc(km, cp, KM_NOSLEEP), `kmem_cache_alloc(${cp.cache_name})`);
}

