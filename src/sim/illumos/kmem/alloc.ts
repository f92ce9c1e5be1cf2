/*
 * kmem_cache_alloc() and kmem_cache_free(): the CPU layer first, then the
 * depot, then the slab layer, with the debug layer wrapped around them when
 * the cache has buftags.
 */
import { func } from '../../machine/symbols.js';
import type { KGen } from '../../machine/thread.js';
import { runNoSleep } from '../../machine/sync.js';
import { BUFSTATE_ALLOC, FILL_ZERO } from '../../../dump/format.js';
import { KM_NOSLEEP, KMEM_C_ASSERT_RC_LINE, KMF_BUFTAG, KMF_DEADBEEF, KMF_LITE } from './flags.js';
import type { Kmem } from './state.js';
import type { Buf, KmemCache, Magazine } from './types.js';
import { kmemCacheAllocDebug, kmemCacheFreeDebug, kmemError, KMERR_BADADDR } from './debug.js';
import { kmemCpuReload, kmemDepotAlloc, kmemDepotFree, magazinePut, magazineTake } from './magazine.js';
import { kmemFindBuf, kmemSlabAlloc, kmemSlabFree } from './slab.js';

const kmem_cache_alloc = func('genunix', 'kmem_cache_alloc', 0x14e);
const kmem_cache_free = func('genunix', 'kmem_cache_free', 0x240);

function handOut(cp: KmemCache, b: Buf): Buf {
  b.state = BUFSTATE_ALLOC;
  cp.allocated.set(b.addr, b);
  return b;
}

/**
 * models kmem_cache_alloc(cp, kmflag) (uts/common/os/kmem.c).
 *
 * With KMF_BUFTAG a buffer taken from a magazine goes through
 * kmem_cache_alloc_debug(); if that fails a KM_NOSLEEP caller gets NULL and
 * anyone else burns the round and tries again. From the slab layer, a
 * constructor failure (rc == 1) is "impossible" for a sleeping caller: the
 * code ASSERTs rc == -1, which on a DEBUG kernel panics. KM_PUSHPAGE has no
 * NOSLEEP bit, so a constructor that fails for KM_PUSHPAGE (blkdev's
 * bd_xfer_ctor before 679ac15) ends there: illumos #2911.
 */
export function* kmemCacheAlloc(km: Kmem, cp: KmemCache, kmflag: number): KGen<Buf | null> {
  const k = km.k;
  const fr = k.enter(kmem_cache_alloc, 0b1, cp.addr, kmflag);
  const ccp = cp.cache_cpu[k.curcpu]!;
  for (;;) {
    if (ccp.cc_rounds > 0) {
      const b = magazineTake(ccp);
      ccp.cc_alloc++;
      if (ccp.cc_flags & KMF_BUFTAG) {
        const rc = yield* kmemCacheAllocDebug(km, cp, b, kmflag, false);
        if (rc !== 0) {
          if (kmflag & KM_NOSLEEP) {
            k.leave(fr);
            return null;
          }
          continue; // the round is burned; try the next one
        }
      }
      k.leave(fr);
      return handOut(cp, b);
    }
    if (ccp.cc_prounds > 0) {
      kmemCpuReload(ccp, ccp.cc_ploaded, ccp.cc_prounds);
      continue;
    }
    if (ccp.cc_magsize === 0) break;
    const mp = kmemDepotAlloc(km, cp, cp.cache_full);
    if (mp) {
      if (ccp.cc_ploaded) kmemDepotFree(km, cp, cp.cache_empty, ccp.cc_ploaded);
      kmemCpuReload(ccp, mp, ccp.cc_magsize);
      continue;
    }
    break;
  }
  const b = yield* kmemSlabAlloc(km, cp, kmflag);
  if (!b) {
    k.leave(fr);
    return null;
  }
  if (cp.cache_flags & KMF_BUFTAG) {
    const rc = yield* kmemCacheAllocDebug(km, cp, b, kmflag, true);
    if (rc !== 0) {
      if (kmflag & KM_NOSLEEP) {
        k.leave(fr);
        return null;
      }
      // kmem_cache_alloc_debug() detected corruption but did not panic; a
      // constructor failure (1) is not expected for a sleeping allocation.
      k.ASSERT(rc === -1, 'rc == -1', '../../common/os/kmem.c', KMEM_C_ASSERT_RC_LINE);
      const again = yield* kmemCacheAlloc(km, cp, kmflag);
      k.leave(fr);
      return again;
    }
    k.leave(fr);
    return handOut(cp, b);
  }
  if (cp.ctor) {
    const rc = yield* cp.ctor(k, b, kmflag);
    if (rc !== 0) {
      // Non-DEBUG: the constructor failure is returned to the caller, even for
      // KM_SLEEP and KM_PUSHPAGE.
      cp.cache_alloc_fail++;
      kmemSlabFree(km, cp, b);
      k.leave(fr);
      return null;
    }
  } else {
    b.fill = FILL_ZERO;
  }
  k.leave(fr);
  return handOut(cp, b);
}

/** models kmem_cache_free(cp, buf) */
export function kmemCacheFree(km: Kmem, cp: KmemCache, addr: number): void {
  const k = km.k;
  const fr = k.curthread ? k.enter(kmem_cache_free, 0b11, cp.addr, addr) : null;
  // With buftags the buffer is checked through its own buftag, so freeing one
  // that is already free is told apart (KMERR_DUPFREE) from a bad address.
  const b = cp.allocated.get(addr) ?? (cp.cache_flags & KMF_BUFTAG && k.curthread ? kmemFindBuf(cp, addr) : null);
  if (!b) {
    kmemError(km, KMERR_BADADDR, cp, addr);
    if (fr) k.leave(fr);
    return;
  }
  if (cp.cache_flags & KMF_BUFTAG && k.curthread) {
    if (kmemCacheFreeDebug(km, cp, b) === -1) {
      if (fr) k.leave(fr);
      return;
    }
  }
  cp.allocated.delete(addr);
  const ccp = cp.cache_cpu[k.curcpu]!;
  for (;;) {
    if (ccp.cc_rounds < ccp.cc_magsize && ccp.cc_rounds >= 0) {
      magazinePut(ccp, b);
      ccp.cc_free++;
      if (fr) k.leave(fr);
      return;
    }
    if (ccp.cc_prounds === 0) {
      kmemCpuReload(ccp, ccp.cc_ploaded, ccp.cc_prounds);
      continue;
    }
    if (ccp.cc_magsize === 0) break;
    let emp = kmemDepotAlloc(km, cp, cp.cache_empty);
    if (emp) {
      if (ccp.cc_ploaded) kmemDepotFree(km, cp, cp.cache_full, ccp.cc_ploaded);
      kmemCpuReload(ccp, emp, 0);
      continue;
    }
    // No empty magazine: allocate one (KM_NOSLEEP) from its magazine cache.
    const mcp = cp.magCache;
    const mb = mcp && k.curthread ? runNoSleep(kmemCacheAlloc(km, mcp, KM_NOSLEEP), 'magazine alloc') : null;
    if (mb) {
      emp = { buf: mb, rounds: [], size: ccp.cc_magsize } satisfies Magazine;
      mb.mag = emp;
      kmemDepotFree(km, cp, cp.cache_empty, emp);
      continue;
    }
    break;
  }
  // Straight to the slab layer: destruct first unless the debug layer already
  // did (it does only with KMF_DEADBEEF and not KMF_LITE, as magazine destroy knows).
  if ((cp.cache_flags & (KMF_DEADBEEF | KMF_LITE)) !== KMF_DEADBEEF && cp.dtor) cp.dtor(k, b);
  kmemSlabFree(km, cp, b);
  if (fr) k.leave(fr);
}

