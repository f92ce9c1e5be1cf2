/*
 * blkdev: the generic block device framework (uts/common/io/blkdev/blkdev.c)
 * as of illumos #2911, with the fix 679ac15 as a switch.
 *
 * Every request allocates a transfer (bd_xfer_impl_t) from the per-instance
 * cache "blkdev<N>_xfer", whose constructor allocates the xfer's DMA handle
 * from the root nexus. bd_strategy() first tries KM_NOSLEEP and, if that
 * fails, KM_PUSHPAGE. Before 679ac15 the constructor chose DDI_DMA_SLEEP only
 * for kmflag == KM_SLEEP, so a KM_PUSHPAGE allocation built its handle with
 * DDI_DMA_DONTWAIT and could fail; 679ac15 treats KM_PUSHPAGE like KM_SLEEP.
 */
import type { Kernel } from '../../machine/kernel.js';
import type { Kva } from '../../machine/platform.js';
import { func, type FuncSym } from '../../machine/symbols.js';
import type { KGen } from '../../machine/thread.js';
import { offsetOf } from '../../../dump/types/illumos/index.js';
import { illumosLayouts } from '../dump/layouts.js';
import { kmemAlloc, kmemCacheAlloc, kmemCacheCreate, kmemCacheFree, KM_NOSLEEP, KM_PUSHPAGE, KM_SLEEP, type Buf, type Kmem, type KmemCache } from '../kmem/kmem.js';
import { loadPtr, storePtr } from '../kmem/contents.js';
import { DDI_DMA_DONTWAIT, DDI_DMA_SLEEP, DDI_SUCCESS, ENOMEM } from './ddi.js';
import { ddiDmaAllocHandle, ddiDmaFreeHandle, type Rootnex } from './rootnex.js';
import { type Bio, biodone, bioerror } from './bio.js';

const bd_strategy = func('blkdev', 'bd_strategy', 0x6a);
const bd_xfer_alloc = func('blkdev', 'bd_xfer_alloc', 0x79);
const bd_xfer_ctor = func('blkdev', 'bd_xfer_ctor', 0x67);
const bd_xfer_dtor = func('blkdev', 'bd_xfer_dtor', 0x50);
const bd_submit = func('blkdev', 'bd_submit', 0x90);
const bd_sched = func('blkdev', 'bd_sched', 0x160);
const bd_xfer_done = func('blkdev', 'bd_xfer_done', 0x1a0);
const bd_xfer_free = func('blkdev', 'bd_xfer_free', 0x60);
const ddi_dma_buf_bind_handle = func('genunix', 'ddi_dma_buf_bind_handle', 0x80);

/** sizeof (bd_t) and sizeof (bd_xfer_impl_t) from the layouts */
const L = illumosLayouts();
const X_DMAH = offsetOf(L, 'bd_xfer_impl_t', 'i_public.x_dmah');
const I_BD = offsetOf(L, 'bd_xfer_impl_t', 'i_bd');
const I_BP = offsetOf(L, 'bd_xfer_impl_t', 'i_bp');
const I_LINKAGE = offsetOf(L, 'bd_xfer_impl_t', 'i_linkage');
/** where d_waitq's and d_runq's list heads are in the bd_t */
export const D_WAITQ_HEAD = offsetOf(L, 'bd_t', 'd_waitq.list_head');
export const D_RUNQ_HEAD = offsetOf(L, 'bd_t', 'd_runq.list_head');
/** offsetof (bd_xfer_impl_t, i_linkage): the list_offset of both queues */
export const XFER_LINKAGE = I_LINKAGE;

/**
 * list_insert_tail() / list_remove() on d_waitq or d_runq (uts/common/os/list.c):
 * the queue is kept in order in `q`; each xfer's i_linkage holds its
 * neighbours (or the list head in the bd_t), and a removed xfer's is NULL.
 */
function listRelink(q: Buf[], head: Kva): void {
  q.forEach((xi, i) => {
    storePtr(xi, I_LINKAGE, i + 1 < q.length ? q[i + 1]!.addr + I_LINKAGE : head);
    storePtr(xi, I_LINKAGE + 8, i > 0 ? q[i - 1]!.addr + I_LINKAGE : head);
  });
}

function listRemove(q: Buf[], head: Kva, xi: Buf): void {
  const i = q.indexOf(xi);
  if (i < 0) return;
  q.splice(i, 1);
  storePtr(xi, I_LINKAGE, 0);
  storePtr(xi, I_LINKAGE + 8, 0);
  listRelink(q, head);
}

/** ddi_dma_attr_t (sys/ddidmareq.h): what a parent driver hands bd_alloc_handle() */
export interface DmaAttr {
  dma_attr_version: number;
  dma_attr_addr_lo: bigint;
  dma_attr_addr_hi: bigint;
  dma_attr_count_max: bigint;
  dma_attr_align: bigint;
  dma_attr_burstsizes: number;
  dma_attr_minxfer: number;
  dma_attr_maxxfer: bigint;
  dma_attr_seg: bigint;
  dma_attr_sgllen: number;
  dma_attr_granular: number;
  dma_attr_flags: number;
}

/** The device below blkdev (vioblk): it starts a transfer and later calls bdXferDone. */
export interface BdDevice {
  /** the DMA attributes the driver registers (d_dma); null for a driver without DMA */
  dmaAttr: DmaAttr | null;
  /** o_read / o_write: queue the transfer on the device */
  start(k: Kernel, bd: Bd, xi: Buf): void;
  /** the driver's o_read entry point (bd_strategy passes it as func) */
  readFn: FuncSym;
}

export interface XferState {
  bp: Bio;
  blkno: number;
}

/** bd_t */
export interface Bd {
  addr: Kva;
  inst: number;
  /** d_dip */
  dip: Kva;
  /** d_cache */
  cache: KmemCache;
  /** d_use_dma: the parent supplied DMA attributes */
  useDma: boolean;
  /** d_dma: a copy of the parent's attributes (bd_alloc_handle()) */
  dma: DmaAttr | null;
  /** d_qsize, d_qactive */
  qsize: number;
  qactive: number;
  waitq: Buf[];
  runq: Buf[];
  maxxfer: number;
  blkshift: number;
  numblks: number;
  dev: BdDevice;
  km: Kmem;
  rn: Rootnex;
  /** fix 679ac15: bd_xfer_ctor maps KM_PUSHPAGE to DDI_DMA_SLEEP */
  fix679ac15: boolean;
  xfers: Map<Buf, XferState>;
  /** requests completed with ENOMEM because no xfer could be allocated */
  enomem: number;
  /** requests completed */
  done: number;
}

/**
 * blkdev's soft state (ddi_soft_state(9F), uts/common/os/sunddi.c): the
 * global bd_state points at an i_ddi_soft_state { array, lock, size,
 * n_items, next }, whose array of MIN_N_ITEMS pointers holds each
 * instance's bd_t. Sizes and offsets on amd64.
 */
const SIZEOF_SOFT_STATE = 0x28;
const MIN_N_ITEMS = 8;
export interface SoftState {
  /** the i_ddi_soft_state (the value of the global bd_state) */
  ss: Buf;
  /** ss->array */
  array: Buf;
}

/** blkdev's _init(): ddi_soft_state_init(&bd_state, sizeof (bd_t), 2), both kmem_zalloc'd */
export function* bdStateInit(km: Kmem): KGen<SoftState> {
  const ss = yield* kmemAlloc(km, SIZEOF_SOFT_STATE, KM_SLEEP);
  const array = yield* kmemAlloc(km, MIN_N_ITEMS * 8, KM_SLEEP);
  if (!ss || typeof ss === 'number' || !array || typeof array === 'number') throw new Error('simulator: no memory for blkdev soft state at boot');
  storePtr(ss, 0, array.addr);
  return { ss, array };
}

/** bd_attach(): the bd_t (ddi_soft_state_zalloc(bd_state, inst)) and its xfer cache "blkdev<inst>_xfer" */
export function* bdAttach(
  k: Kernel,
  km: Kmem,
  rn: Rootnex,
  state: SoftState,
  inst: number,
  dev: BdDevice,
  opts: { qsize: number; useDma: boolean; numblks: number; fix679ac15: boolean },
  /** the blkdev child's dev_info (bd_attach_handle() made it; d_dip) */
  dip: Kva,
): KGen<Bd> {
  const sz = L.structs.get('bd_t')!.size;
  const mem = yield* kmemAlloc(km, sz, KM_SLEEP);
  const addr = typeof mem === 'number' ? mem : mem!.addr;
  // ddi_soft_state_zalloc(): ss->array[inst] = the new bd_t
  if (inst < MIN_N_ITEMS) storePtr(state.array, inst * 8, addr);
  const bd: Bd = {
    addr,
    inst,
    dip,
    cache: null as unknown as KmemCache,
    useDma: opts.useDma && dev.dmaAttr !== null,
    dma: opts.useDma ? dev.dmaAttr : null,
    qsize: opts.qsize,
    qactive: 0,
    waitq: [],
    runq: [],
    maxxfer: 1 << 20,
    blkshift: 9,
    numblks: opts.numblks,
    dev,
    km,
    rn,
    fix679ac15: opts.fix679ac15,
    xfers: new Map(),
    enomem: 0,
    done: 0,
  };
  bd.cache = kmemCacheCreate(km, {
    name: `blkdev${inst}_xfer`,
    bufsize: L.structs.get('bd_xfer_impl_t')!.size,
    align: 8,
    ctor: (kk, b, kmflag) => bdXferCtor(kk, bd, b, kmflag),
    dtor: (kk, b) => bdXferDtor(kk, bd, b),
    ctorName: 'bd_xfer_ctor',
    dtorName: 'bd_xfer_dtor',
    priv: addr,
  });
  return bd;
}

/**
 * models bd_xfer_ctor(buf, arg, kmflag). Before 679ac15 only KM_SLEEP gets a
 * sleeping DMA handle allocation; KM_PUSHPAGE and KM_NOSLEEP get DONTWAIT,
 * and a failed handle allocation fails the constructor.
 */
function* bdXferCtor(k: Kernel, bd: Bd, b: Buf, kmflag: number): KGen<number> {
  const fr = k.enter(bd_xfer_ctor, 0b11, b.addr, bd.addr, kmflag);
  const sleeps = kmflag === KM_SLEEP || (bd.fix679ac15 && kmflag === KM_PUSHPAGE);
  const dcb = sleeps ? DDI_DMA_SLEEP : DDI_DMA_DONTWAIT;
  b.ptrs = null; // bzero(xi, sizeof (*xi))
  storePtr(b, I_BD, bd.addr);
  if (bd.useDma) {
    const [rv, h] = yield* ddiDmaAllocHandle(k, bd.km, bd.rn, bd.dip, dcb);
    if (rv !== DDI_SUCCESS) {
      k.leave(fr);
      return -1;
    }
    storePtr(b, X_DMAH, h);
  }
  k.leave(fr);
  return 0;
}

/** models bd_xfer_dtor(): free the DMA handle */
function bdXferDtor(k: Kernel, bd: Bd, b: Buf): void {
  const fr = k.enter(bd_xfer_dtor, 0b11, b.addr, bd.addr);
  const h = loadPtr(b, X_DMAH);
  if (h !== 0) {
    ddiDmaFreeHandle(k, bd.km, bd.rn, h);
    storePtr(b, X_DMAH, 0);
  }
  k.leave(fr);
}

/** models bd_xfer_alloc(bd, bp, func, kmflag) */
function* bdXferAlloc(k: Kernel, bd: Bd, bp: Bio, kmflag: number): KGen<Buf | null> {
  const fr = k.enter(bd_xfer_alloc, 0b111, bd.addr, bp.addr, bd.dev.readFn.addr, kmflag);
  const cb = kmflag === KM_SLEEP ? DDI_DMA_SLEEP : DDI_DMA_DONTWAIT;
  const xi = yield* kmemCacheAlloc(bd.km, bd.cache, kmflag);
  if (!xi) {
    bioerror(bp, ENOMEM);
    k.leave(fr);
    return null;
  }
  fr.locals.push(xi.addr);
  storePtr(xi, I_BP, bp.addr);
  if (bd.useDma) {
    // ddi_dma_buf_bind_handle(): binding uses the handle's preallocated
    // cookies here, so it does not allocate and cannot fail for lack of memory.
    const fb = k.enter(ddi_dma_buf_bind_handle, 0b11, loadPtr(xi, X_DMAH), bp.addr, 0, cb);
    k.leave(fb);
  }
  k.leave(fr);
  return xi;
}

/** models bd_strategy(bp): allocate a transfer (NOSLEEP, then PUSHPAGE) and submit it */
export function* bdStrategy(k: Kernel, bd: Bd, bp: Bio): KGen<number> {
  const fr = k.enter(bd_strategy, 0b1, bp.addr);
  let xi = yield* bdXferAlloc(k, bd, bp, KM_NOSLEEP);
  if (!xi) xi = yield* bdXferAlloc(k, bd, bp, KM_PUSHPAGE);
  if (!xi) {
    bd.enomem++;
    biodone(k, bp);
    k.leave(fr);
    return 0;
  }
  bd.xfers.set(xi, { bp, blkno: bp.blkno });
  bdSubmit(k, bd, xi);
  k.leave(fr);
  return 0;
}

/** bd_submit(): queue on d_waitq and run the scheduler */
function bdSubmit(k: Kernel, bd: Bd, xi: Buf): void {
  const fr = k.enter(bd_submit, 0b11, bd.addr, xi.addr);
  bd.waitq.push(xi);
  listRelink(bd.waitq, bd.addr + D_WAITQ_HEAD);
  bdSched(k, bd);
  k.leave(fr);
}

/** bd_sched(): move transfers to the device while d_qactive < d_qsize */
function bdSched(k: Kernel, bd: Bd): void {
  const fr = k.enter(bd_sched, 0b1, bd.addr);
  while (bd.qactive < bd.qsize && bd.waitq.length > 0) {
    const xi = bd.waitq[0]!;
    listRemove(bd.waitq, bd.addr + D_WAITQ_HEAD, xi);
    bd.runq.push(xi);
    listRelink(bd.runq, bd.addr + D_RUNQ_HEAD);
    bd.qactive++;
    bd.dev.start(k, bd, xi);
  }
  k.leave(fr);
}

/** models bd_xfer_done(): the device finished a transfer; complete the buf and free the xfer */
export function bdXferDone(k: Kernel, bd: Bd, xi: Buf, err: number): void {
  const fr = k.enter(bd_xfer_done, 0b1, xi.addr, err);
  listRemove(bd.runq, bd.addr + D_RUNQ_HEAD, xi);
  bd.qactive--;
  const st = bd.xfers.get(xi)!;
  bd.xfers.delete(xi);
  if (err) bioerror(st.bp, err);
  const ff = k.enter(bd_xfer_free, 0b1, xi.addr);
  kmemCacheFree(bd.km, bd.cache, xi.addr);
  k.leave(ff);
  bd.done++;
  biodone(k, st.bp);
  bdSched(k, bd);
  k.leave(fr);
}
