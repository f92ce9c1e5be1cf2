/*
 * kmem_cache_create(): flag derivation and slab geometry.
 */
import { runNoSleep } from '../../machine/sync.js';
import { func } from '../../machine/symbols.js';
import { offsetOf } from '../../../dump/types/illumos/index.js';
import { illumosLayouts } from '../dump/layouts.js';
import { vmemAlloc, vmemQcacheSlabsize, VM_SLEEP } from '../vmem/index.js';
import {
  KMC_NODEBUG,
  KMC_NOHASH,
  KMC_NOMAGAZINE,
  KMC_NOTOUCH,
  KMC_QCACHE,
  KMEM_ALIGN,
  KMEM_BUFTAG_SIZE,
  KMEM_CPU_CACHE_SIZE,
  KMEM_HASH_INITIAL,
  KMEM_MAGTYPES,
  KMF_AUDIT,
  KMF_BUFTAG,
  KMF_CONTENTS,
  KMF_DEADBEEF,
  KMF_DEBUG,
  KMF_FIREWALL,
  KMF_HASH,
  KMF_LITE,
  KMF_NOMAGAZINE,
  KMF_REDZONE,
  KMF_TOUCH,
} from './flags.js';
import type { Kmem } from './state.js';
import type { CpuCache, KmemCache, KmemCtor, KmemDtor, MagList } from './types.js';
import type { Vmem } from '../vmem/index.js';
import { BufTable } from './buftable.js';

const kmem_cache_create = func('genunix', 'kmem_cache_create', 0x590);

/** sizeof (kmem_slab_t): the small-slab header at the end of a page, and kmem_slab_cache's buffers */
export const SIZEOF_KMEM_SLAB = illumosLayouts(1).structs.get('kmem_slab_t')!.size;

/** offsetof (kmem_cache_t, cache_cpu), from the layout the dump describes */
export const KMEM_CACHE_CPU_OFFSET = offsetOf(illumosLayouts(1), 'kmem_cache_t', 'cache_cpu');
/** KMEM_CACHE_SIZE(ncpus): a cache is allocated up to its last CPU cache */
export function kmemCacheSize(ncpus: number): number {
  return KMEM_CACHE_CPU_OFFSET + ncpus * KMEM_CPU_CACHE_SIZE;
}

const roundup = (x: number, a: number): number => Math.ceil(x / a) * a;

/**
 * The flags a cache gets from kmem_flags and its cflags (models the flag
 * derivation at the top of kmem_cache_create(), uts/common/os/kmem.c).
 * On a DEBUG kernel (kmem_flags 0xf) an ordinary small cache such as
 * blkdev0_xfer gets AUDIT|DEADBEEF|REDZONE|CONTENTS|HASH = 0x20f.
 */
export function deriveCacheFlags(
  kmemFlags: number,
  cflags: number,
  bufsize: number,
  quantum: number,
  minfirewall: number,
  isDefaultArena: boolean,
): number {
  let f = (kmemFlags | cflags) & KMF_DEBUG;
  if (f & KMF_DEADBEEF) f |= KMF_REDZONE;
  if (cflags & KMC_QCACHE && f & KMF_AUDIT) f |= KMF_NOMAGAZINE;
  if (cflags & KMC_NODEBUG) f &= ~(KMF_DEBUG | KMF_LITE);
  if (cflags & KMC_NOTOUCH) f &= ~KMF_TOUCH;
  // A NOHASH cache has no bufctls to audit in and no hash to find a
  // firewalled buffer by: kmem's own metadata caches (0006 on DEBUG).
  if (cflags & KMC_NOHASH) f &= ~(KMF_AUDIT | KMF_FIREWALL);
  if (cflags & KMC_NOMAGAZINE) f |= KMF_NOMAGAZINE;
  if (f & KMF_AUDIT && !(cflags & KMC_NOTOUCH)) f |= KMF_REDZONE;
  if (!(f & KMF_AUDIT)) f &= ~KMF_CONTENTS;
  if (f & KMF_BUFTAG && bufsize >= minfirewall && !(f & KMF_LITE) && !(cflags & KMC_NOHASH)) f |= KMF_FIREWALL;
  if (!isDefaultArena) f &= ~KMF_FIREWALL;
  if (f & KMF_FIREWALL) {
    f &= ~KMF_BUFTAG;
    f |= KMF_NOMAGAZINE;
  }
  const chunk = chunkSize(f, bufsize);
  // Small slabs keep the bufctl in the buffer: only for NOHASH, or when the
  // buffers are neither untouchable nor audited and are small. Firewall
  // caches are always hashed.
  const small =
    !(f & KMF_FIREWALL) && (cflags & KMC_NOHASH || (!(cflags & KMC_NOTOUCH) && !(f & KMF_AUDIT) && chunk < quantum / 8));
  if (!small) f |= KMF_HASH;
  return f;
}

function chunkSize(flags: number, bufsize: number): number {
  let c = roundup(bufsize, KMEM_ALIGN);
  if (flags & KMF_BUFTAG) c += KMEM_BUFTAG_SIZE;
  return c;
}

function emptyMaglist(): MagList {
  return { list: [], total: 0, min: 0, reaplimit: 0, alloc: 0 };
}

export interface CacheCreateArgs {
  name: string;
  bufsize: number;
  align?: number;
  ctor?: KmemCtor | null;
  dtor?: KmemDtor | null;
  ctorName?: string;
  dtorName?: string;
  priv?: number;
  arena?: Vmem | null;
  cflags?: number;
}

/** models kmem_cache_create() (uts/common/os/kmem.c) */
export function kmemCacheCreate(km: Kmem, a: CacheCreateArgs): KmemCache {
  const k = km.k;
  const fr = k.curthread ? k.enter(kmem_cache_create, 0, a.bufsize) : null;
  const arena = a.arena ?? km.arenas.kmem_default;
  const cflags = a.cflags ?? 0;
  const align = Math.max(a.align ?? KMEM_ALIGN, KMEM_ALIGN);
  let flags = deriveCacheFlags(
    km.kmem_flags,
    cflags,
    a.bufsize,
    k.p.pagesize,
    km.kmem_minfirewall,
    arena === km.arenas.kmem_default,
  );
  const bufsizeR = roundup(a.bufsize, align);
  let chunksize = bufsizeR;
  let bufctlOff = bufsizeR;
  let buftagOff = bufsizeR;
  if (flags & KMF_BUFTAG) {
    chunksize += KMEM_BUFTAG_SIZE;
  } else {
    // Without a buftag the bufctl overlays the last word of the (free) buffer.
    bufctlOff = bufsizeR - KMEM_ALIGN;
  }
  chunksize = roundup(chunksize, align);
  const cacheArena = flags & KMF_FIREWALL ? km.arenas.kmem_firewall : arena;
  let slabsize: number;
  let maxchunks: number;
  let mincolor = 0;
  let maxcolor: number;
  const cacheQuantum = cacheArena.quantum;
  if (cacheArena === km.arenas.kmem_firewall) {
    // Firewall slab: the chunk rounded up to whole pages, coloured so that
    // the buffer ends against the end of its slab (mincolor == maxcolor ==
    // slabsize - chunksize): one buffer per slab, and the next page of
    // kmem_firewall_va is left unmapped, so an overrun faults at once.
    slabsize = roundup(chunksize, cacheQuantum);
    mincolor = maxcolor = slabsize - chunksize;
    maxchunks = 1;
  } else if (!(flags & KMF_HASH)) {
    // Small slab: one page, the kmem_slab_t at its end.
    slabsize = cacheQuantum;
    maxchunks = Math.floor((slabsize - SIZEOF_KMEM_SLAB) / chunksize);
    maxcolor = (slabsize - SIZEOF_KMEM_SLAB) % chunksize;
  } else if (cflags & KMC_QCACHE) {
    // A quantum cache's slabs are VMEM_QCACHE_SLABSIZE, larger than anything
    // the arena's quantum caches serve, so slab creation bypasses them.
    slabsize = vmemQcacheSlabsize(arena.qcacheMax);
    maxchunks = Math.floor(slabsize / chunksize);
    maxcolor = slabsize % chunksize;
  } else {
    // Large slab: pick among 1..8 chunks the slab size with the least waste per chunk.
    let best = 0;
    let bestWaste = Infinity;
    for (let chunks = 1; chunks <= 8; chunks++) {
      const ss = roundup(chunksize * chunks, cacheQuantum);
      const waste = (ss % chunksize) / Math.floor(ss / chunksize);
      if (waste < bestWaste) {
        bestWaste = waste;
        best = ss;
      }
    }
    slabsize = best;
    maxchunks = Math.floor(slabsize / chunksize);
    maxcolor = slabsize % chunksize;
  }
  if (maxcolor >= cacheQuantum) maxcolor = cacheQuantum - 1;
  const index = km.caches.length;
  const csize = kmemCacheSize(k.cfg.ncpus);
  const addr = runNoSleep(vmemAlloc(k, km.arenas.kmem_cache, roundup(csize, 64), VM_SLEEP), 'kmem_cache_create');
  const magtype = flags & KMF_NOMAGAZINE ? null : (KMEM_MAGTYPES.find((m) => m.mt_minbuf < chunksize) ?? null);
  const cpus: CpuCache[] = [];
  for (let i = 0; i < k.cfg.ncpus; i++) {
    cpus.push({
      addr: addr + KMEM_CACHE_CPU_OFFSET + i * KMEM_CPU_CACHE_SIZE,
      cc_alloc: 0,
      cc_free: 0,
      cc_loaded: null,
      cc_ploaded: null,
      cc_flags: flags,
      cc_rounds: -1,
      cc_prounds: -1,
      cc_magsize: magtype ? magtype.mt_magsize : 0,
    });
  }
  const cp: KmemCache = {
    addr,
    index,
    cache_name: a.name,
    cache_bufsize: a.bufsize,
    cache_align: align,
    ctor: a.ctor ?? null,
    dtor: a.dtor ?? null,
    ctorName: a.ctor ? (a.ctorName ?? null) : null,
    dtorName: a.dtor ? (a.dtorName ?? null) : null,
    cache_private: a.priv ?? 0,
    cache_arena: cacheArena,
    cache_cflags: cflags,
    cache_flags: flags,
    cache_mtbf: 0,
    cache_chunksize: chunksize,
    cache_slabsize: slabsize,
    cache_maxchunks: maxchunks,
    cache_bufctl: bufctlOff,
    cache_buftag: buftagOff,
    cache_verify: Math.min(a.bufsize, km.kmem_maxverify),
    cache_contents: flags & KMF_CONTENTS ? Math.min(a.bufsize, 256) : 0,
    cache_color: mincolor,
    cache_mincolor: mincolor,
    cache_maxcolor: maxcolor,
    cache_hash_shift: flags & KMF_HASH ? Math.floor(Math.log2(chunksize)) : 0,
    hashSize: flags & KMF_HASH ? KMEM_HASH_INITIAL : 0,
    hashTable: 0,
    allocated: new BufTable(),
    complete: new Set(),
    partial: [],
    npartial: 0,
    cache_bufctl_cache: null,
    cache_slab_create: 0,
    cache_slab_destroy: 0,
    cache_slab_alloc: 0,
    cache_slab_free: 0,
    cache_alloc_fail: 0,
    cache_buftotal: 0,
    cache_bufmax: 0,
    cache_bufslab: 0,
    cache_reap: 0,
    cache_depot_contention: 0,
    cache_magtype: magtype,
    magCache: null,
    cache_full: emptyMaglist(),
    cache_empty: emptyMaglist(),
    cache_cpu: cpus,
  };
  if (flags & KMF_HASH) {
    cp.hashTable = runNoSleep(vmemAlloc(k, km.arenas.kmem_hash, cp.hashSize * 8, VM_SLEEP), 'kmem_hash');
    cp.cache_bufctl_cache = flags & KMF_AUDIT ? (km.bufctlAuditCache ?? null) : (km.bufctlCache ?? null);
  }
  if (magtype) cp.magCache = km.magCaches.get(magtype.mt_magsize) ?? null;
  km.caches.push(cp);
  if (fr) k.leave(fr);
  return cp;
}
