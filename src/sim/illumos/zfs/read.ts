/*
 * The read(2) path into ZFS down to the ARC, with the stream prefetcher
 * (dmu_zfetch) issuing prefetch reads synchronously from the reading thread,
 * as in the #2911 stack: read32 → read → fop_read → zfs_read → dmu_read_uio →
 * dmu_buf_hold_array → dmu_buf_hold_array_by_dnode → dbuf_read → dmu_zfetch →
 * dmu_zfetch_find → dmu_zfetch_dofetch → dmu_zfetch_fetch → dbuf_prefetch →
 * dsl_read → arc_read → arc_read_nolock → zio_nowait.
 *
 * The ARC is modelled as a bounded set of cached blocks, each an
 * arc_buf_hdr_t and a 128K data buffer from zio_data_buf_131072, evicted
 * oldest first. A read needs a data buffer: while the ARC is below its size
 * it allocates one (KM_PUSHPAGE, as zio_data_buf_alloc() does); once the ARC
 * is full, arc_get_data_buf() evicts the oldest block and recycles its
 * buffer, so a read then allocates no new memory for data.
 */
import type { Kernel } from '../../machine/kernel.js';
import { func } from '../../machine/symbols.js';
import type { KGen } from '../../machine/thread.js';
import { kmemCacheAlloc, kmemCacheAllocNoSleep, kmemCacheCreate, kmemCacheFree, KM_PUSHPAGE, type Kmem, type KmemCache } from '../kmem/kmem.js';
import { type Spa, type Zio, zioLogical, zioNowait, zioWait } from './zio.js';

const brand_sys_sysenter = func('unix', 'brand_sys_sysenter', 0x2e0);
const read32 = func('genunix', 'read32', 0x40);
const readFn = func('genunix', 'read', 0x2f0);
const fop_read = func('genunix', 'fop_read', 0x80);
const zfs_read = func('zfs', 'zfs_read', 0x2e0);
const dmu_read_uio = func('zfs', 'dmu_read_uio', 0x70);
const dmu_buf_hold_array = func('zfs', 'dmu_buf_hold_array', 0x90);
const dmu_buf_hold_array_by_dnode = func('zfs', 'dmu_buf_hold_array_by_dnode', 0x220);
const dbuf_read = func('zfs', 'dbuf_read', 0x1b0);
const dmu_zfetch = func('zfs', 'dmu_zfetch', 0xd0);
const dmu_zfetch_find = func('zfs', 'dmu_zfetch_find', 0x4a0);
const dmu_zfetch_dofetch = func('zfs', 'dmu_zfetch_dofetch', 0xd0);
const dmu_zfetch_fetch = func('zfs', 'dmu_zfetch_fetch', 0x80);
const dbuf_prefetch = func('zfs', 'dbuf_prefetch', 0x1a0);
const dsl_read = func('zfs', 'dsl_read', 0x40);
const arc_read = func('zfs', 'arc_read', 0xc0);
const arc_read_nolock = func('zfs', 'arc_read_nolock', 0x980);

const arc_buf_alloc = func('zfs', 'arc_buf_alloc', 0xe0);
const arc_get_data_buf = func('zfs', 'arc_get_data_buf', 0x1f0);
const arc_evict = func('zfs', 'arc_evict', 0x4c0);
const zio_data_buf_alloc = func('zfs', 'zio_data_buf_alloc', 0x40);

const SIZEOF_ARC_BUF_HDR = 0xf8;
const BLOCK = 1 << 17;

export interface Arc {
  hdrCache: KmemCache;
  /** zio_data_buf_131072 */
  dataCache: KmemCache;
  /** block id -> [header, data] buffer addresses, insertion order = age */
  cached: Map<number, [number, number]>;
  /** data buffers of reads in flight, by block */
  pendingData: Map<number, number>;
  inflight: Map<number, Zio>;
  max: number;
  hits: number;
  misses: number;
}

export interface ZfsState {
  spa: Spa;
  arc: Arc;
  km: Kmem;
  /** dmu_zfetch: blocks prefetched ahead of a sequential reader */
  prefetchDepth: number;
  reads: number;
}

/** arc_init()'s header cache; the ARC's file data comes from zio_data_buf_<BLOCK> (zio_init()) */
export function zfsInit(km: Kmem, spa: Spa, arcMax: number, prefetchDepth: number, dataCache: KmemCache): ZfsState {
  const hdrCache = kmemCacheCreate(km, { name: 'arc_buf_hdr_t', bufsize: SIZEOF_ARC_BUF_HDR, align: 8 });
  return {
    spa,
    km,
    arc: { hdrCache, dataCache, cached: new Map(), pendingData: new Map(), inflight: new Map(), max: arcMax, hits: 0, misses: 0 },
    prefetchDepth,
    reads: 0,
  };
}

/** arc_read() → arc_read_nolock(): a hit returns null; a miss issues (or joins) a read */
function* arcRead(k: Kernel, z: ZfsState, blk: number): KGen<Zio | null> {
  const f1 = k.enter(arc_read, 0, blk);
  const f2 = k.enter(arc_read_nolock, 0, blk);
  let zio: Zio | null = null;
  if (z.arc.cached.has(blk)) {
    z.arc.hits++;
  } else if (z.arc.inflight.has(blk)) {
    zio = z.arc.inflight.get(blk)!;
  } else {
    z.arc.misses++;
    const fb = k.enter(arc_buf_alloc, 0, BLOCK);
    const fg = k.enter(arc_get_data_buf, 0, BLOCK);
    let data = 0;
    if (z.arc.cached.size + z.arc.inflight.size >= z.arc.max && z.arc.cached.size > 0) {
      // arc_evict(..., recycle): take the oldest block's buffer for this read
      const fe = k.enter(arc_evict, 0, BLOCK);
      const [oldBlk, [h, d]] = z.arc.cached.entries().next().value as [number, [number, number]];
      z.arc.cached.delete(oldBlk);
      kmemCacheFree(z.km, z.arc.hdrCache, h);
      data = d;
      k.leave(fe);
    } else {
      const fd = k.enter(zio_data_buf_alloc, 0, BLOCK);
      const b = yield* kmemCacheAlloc(z.km, z.arc.dataCache, KM_PUSHPAGE);
      k.leave(fd);
      if (b) data = b.addr;
    }
    k.leave(fg);
    k.leave(fb);
    if (data) z.arc.pendingData.set(blk, data);
    zio = yield* zioLogical(k, z.spa, blk * BLOCK, blk, false, data, BLOCK);
    zio.onDone = (kk, done) => arcReadDone(kk, z, blk, done);
    z.arc.inflight.set(blk, zio);
    yield* zioNowait(k, z.spa, zio);
  }
  k.leave(f2);
  k.leave(f1);
  return zio;
}

/** arc_read_done(): cache the header; evict the oldest beyond arc_c */
function arcReadDone(k: Kernel, z: ZfsState, blk: number, zio: Zio): void {
  z.arc.inflight.delete(blk);
  const data = z.arc.pendingData.get(blk) ?? 0;
  z.arc.pendingData.delete(blk);
  // arc_read_done runs in interrupt context: the header allocation must not sleep
  const hdr = zio.error || data === 0 ? null : (kmemCacheAllocNoSleep(z.km, z.arc.hdrCache)?.addr ?? null);
  if (hdr === null) {
    if (data !== 0) kmemCacheFree(z.km, z.arc.dataCache, data);
    return;
  }
  z.arc.cached.set(blk, [hdr, data]);
  while (z.arc.cached.size > z.arc.max) {
    const [oldBlk, [h, d]] = z.arc.cached.entries().next().value as [number, [number, number]];
    z.arc.cached.delete(oldBlk);
    kmemCacheFree(z.km, z.arc.dataCache, d);
    kmemCacheFree(z.km, z.arc.hdrCache, h);
  }
}


/** dbuf_prefetch() → dsl_read() → arc_read(): issue, do not wait */
function* dbufPrefetch(k: Kernel, z: ZfsState, blk: number): KGen<void> {
  const f1 = k.enter(dbuf_prefetch, 0, blk);
  const f2 = k.enter(dsl_read, 0, blk);
  yield* arcRead(k, z, blk);
  k.leave(f2);
  k.leave(f1);
}

/** dmu_zfetch(): a sequential stream prefetches the next blocks */
function* dmuZfetch(k: Kernel, z: ZfsState, blk: number): KGen<void> {
  const f0 = k.enter(dmu_zfetch, 0, blk);
  const f1 = k.enter(dmu_zfetch_find, 0, blk);
  const f2 = k.enter(dmu_zfetch_dofetch, 0, blk);
  for (let i = 1; i <= z.prefetchDepth; i++) {
    const f3 = k.enter(dmu_zfetch_fetch, 0, blk + i);
    yield* dbufPrefetch(k, z, blk + i);
    k.leave(f3);
  }
  k.leave(f2);
  k.leave(f1);
  k.leave(f0);
}

/** The read(2) system call on a ZFS file, one block at `blk`. Returns the error (0 or EIO-like). */
export function* sysRead(k: Kernel, z: ZfsState, fd: number, blk: number): KGen<number> {
  const f0 = k.enter(brand_sys_sysenter, 0);
  // the user's buffer: a 32-bit process's heap address (not a kernel pointer)
  const ubuf = 0x8100000 + (blk % 64) * BLOCK;
  const f1 = k.enter(read32, 0, fd, ubuf, BLOCK);
  const f2 = k.enter(readFn, 0, fd, ubuf, BLOCK);
  const f3 = k.enter(fop_read, 0, fd);
  const f4 = k.enter(zfs_read, 0, fd);
  const f5 = k.enter(dmu_read_uio, 0, blk);
  const f6 = k.enter(dmu_buf_hold_array, 0, blk);
  const f7 = k.enter(dmu_buf_hold_array_by_dnode, 0, blk);
  const f8 = k.enter(dbuf_read, 0, blk);
  z.reads++;
  yield* dmuZfetch(k, z, blk);
  const zio = yield* arcRead(k, z, blk);
  let err = 0;
  if (zio) err = yield* zioWait(k, zio);
  k.leave(f8);
  k.leave(f7);
  k.leave(f6);
  k.leave(f5);
  k.leave(f4);
  k.leave(f3);
  k.leave(f2);
  k.leave(f1);
  k.leave(f0);
  return err;
}

