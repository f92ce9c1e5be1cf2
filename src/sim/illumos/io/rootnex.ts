/*
 * The root nexus's DMA handles (uts/i86pc/io/rootnex.c): every DMA handle on
 * x86 is a buffer of the "rootnex_dmahdl" kmem cache. Whether allocating one
 * may sleep is decided by the caller's callback argument: DDI_DMA_SLEEP means
 * KM_SLEEP, anything else KM_NOSLEEP, and a NULL from kmem becomes
 * DDI_DMA_NORESOURCES.
 */
import type { Kernel } from '../../machine/kernel.js';
import type { Kva } from '../../machine/platform.js';
import { func } from '../../machine/symbols.js';
import type { KGen } from '../../machine/thread.js';
import { kmemCacheAlloc, kmemCacheCreate, kmemCacheFree, KM_NOSLEEP, KM_SLEEP, type Kmem, type KmemCache } from '../kmem/kmem.js';
import { DDI_DMA_NORESOURCES, DDI_DMA_SLEEP, DDI_SUCCESS } from './ddi.js';

const ddi_dma_alloc_handle = func('genunix', 'ddi_dma_alloc_handle', 0x70);
const rootnex_dma_allochdl = func('rootnex', 'rootnex_dma_allochdl', 0x60);
const rootnex_coredma_allochdl = func('rootnex', 'rootnex_coredma_allochdl', 0x2b0);
const ddi_dma_free_handle = func('genunix', 'ddi_dma_free_handle', 0x40);
const rootnex_dma_freehdl = func('rootnex', 'rootnex_dma_freehdl', 0x80);

/**
 * The handle cache's buffer size on amd64: rootnex_attach() sizes it as
 * sizeof (ddi_dma_impl_t) + sizeof (rootnex_dma_t) plus room preallocated for
 * rootnex_prealloc_cookies (65) cookies of 24 bytes, rootnex_prealloc_windows
 * (4) windows and rootnex_prealloc_copybuf (2) page maps, so a bind rarely
 * allocates. That makes a handle about 2.9 KB: three to a two-page slab.
 */
export const ROOTNEX_DMAHDL_SIZE = 0x110 + 0x2c0 + 65 * 24 + 4 * 0x50 + 2 * 0x30;

export interface Rootnex {
  /** rootnex_state->r_dmahdl_cache */
  r_dmahdl_cache: KmemCache;
  /** rootnex_cnt[ROOTNEX_CNT_ACTIVE_HDLS] */
  activeHdls: number;
  /** DDI_DMA_NORESOURCES returned */
  noResources: number;
}

/** rootnex_attach(): create the DMA handle cache */
export function rootnexAttach(km: Kmem): Rootnex {
  km.k.sym.object('rootnex', 'rootnex_state', 0x20);
  const cp = kmemCacheCreate(km, { name: 'rootnex_dmahdl', bufsize: ROOTNEX_DMAHDL_SIZE, align: 64 });
  return { r_dmahdl_cache: cp, activeHdls: 0, noResources: 0 };
}

/**
 * models ddi_dma_alloc_handle() → rootnex_dma_allochdl() → rootnex_coredma_allochdl().
 * Returns [DDI status, handle address].
 */
export function* ddiDmaAllocHandle(k: Kernel, km: Kmem, rn: Rootnex, dip: Kva, waitfp: number): KGen<[number, Kva]> {
  const f1 = k.enter(ddi_dma_alloc_handle, 0b1, dip, 0, waitfp);
  const f2 = k.enter(rootnex_dma_allochdl, 0b11, dip, dip, waitfp);
  const f3 = k.enter(rootnex_coredma_allochdl, 0b11, dip, dip, waitfp);
  const kmflag = waitfp === DDI_DMA_SLEEP ? KM_SLEEP : KM_NOSLEEP;
  const hp = yield* kmemCacheAlloc(km, rn.r_dmahdl_cache, kmflag);
  let rv: [number, Kva];
  if (!hp) {
    rn.noResources++;
    rv = [DDI_DMA_NORESOURCES, 0];
  } else {
    rn.activeHdls++;
    rv = [DDI_SUCCESS, hp.addr];
  }
  k.leave(f3);
  k.leave(f2);
  k.leave(f1);
  return rv;
}

/** models ddi_dma_free_handle() → rootnex_dma_freehdl() */
export function ddiDmaFreeHandle(k: Kernel, km: Kmem, rn: Rootnex, h: Kva): void {
  const f1 = k.enter(ddi_dma_free_handle, 0b1, h);
  const f2 = k.enter(rootnex_dma_freehdl, 0b1, h);
  kmemCacheFree(km, rn.r_dmahdl_cache, h);
  rn.activeHdls--;
  k.leave(f2);
  k.leave(f1);
}
