/*
 * ZFS writes, as far as they shape memory: write(2) copies user data into a
 * dirty ARC buffer (zio_data_buf_alloc, KM_PUSHPAGE, in the writer's
 * context); every txg_time seconds the txg_sync thread writes the dirty
 * blocks out, compressing each into a zio_buf (KM_PUSHPAGE) and issuing a
 * mirror write to every disk. txg_sync is a kernel thread of p0 (sched), and
 * p0's threads never wait for memory (NOMEMWAIT() in vm_page.c): their
 * allocations may take freemem below pageout_reserve, where a user thread's
 * KM_NOSLEEP allocation is refused. When the writes are done the buffers go
 * back.
 */
import type { Kernel } from '../../machine/kernel.js';
import type { ZioBufs } from './zio-buf.js';
import { func } from '../../machine/symbols.js';
import type { KGen } from '../../machine/thread.js';
import { kmemCacheAlloc, kmemCacheFree, KM_PUSHPAGE, type Kmem, type KmemCache } from '../kmem/kmem.js';
import { type Spa, type Zio, zioLogical, zioNowait, zioWait } from './zio.js';

const fop_write = func('genunix', 'fop_write', 0x80);
const writeFn = func('genunix', 'write', 0x290);
const zfs_write = func('zfs', 'zfs_write', 0x6d0);
const dmu_write_uio_dbuf = func('zfs', 'dmu_write_uio_dbuf', 0x90);
const dbuf_dirty = func('zfs', 'dbuf_dirty', 0x5a0);
const arc_buf_alloc = func('zfs', 'arc_buf_alloc', 0xe0);
const zio_data_buf_alloc = func('zfs', 'zio_data_buf_alloc', 0x40);
const zio_buf_alloc = func('zfs', 'zio_buf_alloc', 0x40);
const txg_sync_thread = func('zfs', 'txg_sync_thread', 0x1f0);
const spa_sync = func('zfs', 'spa_sync', 0x3b0);
const dsl_pool_sync = func('zfs', 'dsl_pool_sync', 0x2a0);
const dbuf_sync_leaf = func('zfs', 'dbuf_sync_leaf', 0x320);
const dbuf_write = func('zfs', 'dbuf_write', 0x360);
const zio_write_compress = func('zfs', 'zio_write_compress', 0x300);

const BLOCK = 1 << 17;

export interface TxgState {
  spa: Spa;
  km: Kmem;
  /** zio_data_buf_131072 (shared with the ARC) */
  dataCache: KmemCache;
  /** zio_buf_<size> for compressed blocks */
  zbufCaches: KmemCache[];
  /** dirty data buffers of the open txg */
  dirty: number[];
  /** the txg_sync thread's cv (tx_sync_more_cv) */
  cv: number;
  txgTimeNs: number;
  txg: number;
  blocksWritten: number;
}

/**
 * dbuf_dirty() fills zio_data_buf_<BLOCK> buffers; zio_write_compress()
 * allocates its output with zio_buf_alloc(), from zio_buf_<size>.
 */
export function txgInit(k: Kernel, km: Kmem, spa: Spa, bufs: ZioBufs, txgSeconds: number): TxgState {
  const dataCache = bufs.data.get(BLOCK)!;
  const zbufCaches = [32768, 65536, BLOCK].map((sz) => bufs.meta.get(sz)!);
  return {
    spa,
    km,
    dataCache,
    zbufCaches,
    dirty: [],
    cv: k.sym.object('zfs', 'tx_sync_more_cv', 2).addr,
    txgTimeNs: txgSeconds * 1e9,
    txg: 1,
    blocksWritten: 0,
  };
}

/** The write(2) path to dbuf_dirty(): copy `nblocks` of user data into dirty ARC buffers. */
export function* zfsWrite(k: Kernel, tx: TxgState, nblocks: number): KGen<void> {
  const f1 = k.enter(writeFn, 0, 4, 0, nblocks * BLOCK);
  const f2 = k.enter(fop_write, 0, 4);
  const f3 = k.enter(zfs_write, 0, 4);
  for (let i = 0; i < nblocks; i++) {
    const f4 = k.enter(dmu_write_uio_dbuf, 0, i);
    const f5 = k.enter(dbuf_dirty, 0, tx.txg);
    const f6 = k.enter(arc_buf_alloc, 0, BLOCK);
    const f7 = k.enter(zio_data_buf_alloc, 0, BLOCK);
    const b = yield* kmemCacheAlloc(tx.km, tx.dataCache, KM_PUSHPAGE);
    if (b) tx.dirty.push(b.addr);
    k.leave(f7);
    k.leave(f6);
    k.leave(f5);
    k.leave(f4);
  }
  k.leave(f3);
  k.leave(f2);
  k.leave(f1);
}

/** txg_sync_thread(): every txg_time, write the open txg's dirty blocks and wait for them. */
export function* txgSyncThread(k: Kernel, tx: TxgState): KGen<void> {
  const f0 = k.enter(txg_sync_thread, 0);
  for (;;) {
    yield* k.cvWait(tx.cv, tx.txgTimeNs);
    if (tx.dirty.length === 0) continue;
    const dirty = tx.dirty;
    tx.dirty = [];
    tx.txg++;
    const f1 = k.enter(spa_sync, 0, tx.txg);
    const f2 = k.enter(dsl_pool_sync, 0, tx.txg);
    const writes: Array<[Zio, KmemCache, number]> = [];
    for (let i = 0; i < dirty.length; i++) {
      const f3 = k.enter(dbuf_sync_leaf, 0);
      const f4 = k.enter(dbuf_write, 0);
      const f5 = k.enter(zio_write_compress, 0);
      // lzjb: how well a block compresses decides its zio_buf size
      const zc = tx.zbufCaches[k.rng.below(tx.zbufCaches.length)]!;
      const fz = k.enter(zio_buf_alloc, 0, zc.cache_bufsize);
      const cbuf = yield* kmemCacheAlloc(tx.km, zc, KM_PUSHPAGE);
      k.leave(fz);
      // lzjb over 128K costs the CPU a while; other CPUs run meanwhile
      k.tick(100_000 + k.rng.below(150_000));
      k.leave(f5);
      const zio = yield* zioLogical(k, tx.spa, (tx.txg * 4096 + writes.length) * BLOCK, -1, true, cbuf ? cbuf.addr : 0, zc.cache_bufsize);
      yield* zioNowait(k, tx.spa, zio);
      if (cbuf) writes.push([zio, zc, cbuf.addr]);
      k.leave(f4);
      k.leave(f3);
      yield* k.preempt();
    }
    for (const [zio, zc, cbuf] of writes) {
      yield* zioWait(k, zio);
      kmemCacheFree(tx.km, zc, cbuf);
      tx.blocksWritten++;
    }
    for (const data of dirty) kmemCacheFree(tx.km, tx.dataCache, data);
    k.leave(f2);
    k.leave(f1);
  }
  k.leave(f0);
}
