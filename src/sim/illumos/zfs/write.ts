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
import type { Kva } from '../../machine/platform.js';
import { runNoSleep } from '../../machine/sync.js';
import { kmemAlloc, kmemCacheAlloc, kmemCacheFree, kmemFree, KM_PUSHPAGE, KM_SLEEP, type Kmem, type KmemCache } from '../kmem/kmem.js';
import { arc_write_done, type Spa, type Zio, zioLogical, zioNowait, zioRoot, zioWait } from './zio.js';
import { DR_DATA, frameLocal, spaSetDslPool, type ZfsFile, type ZfsState } from './read.js';
import { storePtr } from '../kmem/contents.js';
import type { Buf } from '../kmem/types.js';
import type { KList } from '../kern/klist.js';
import { cvTimedwaitOn } from '../kern/condvar.js';

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
/** sizeof (dmu_tx_t), (dbuf_dirty_record_t), (dsl_pool_t) on amd64, 2012 */
const SIZEOF_DMU_TX = 0xa8;
const SIZEOF_DIRTY_RECORD = 0x128;
const SIZEOF_DSL_POOL = 0x4c0;
/** dsl_pool_t's dp_tx (a tx_state_t), and in it tx_sync_lock and tx_sync_more_cv */
const DP_TX = 0x2a0;
const TX_SYNC_LOCK = 0x10;
const TX_SYNC_MORE_CV = 0x52;
const txg_thread_wait = func('zfs', 'txg_thread_wait', 0x80);
/** ARC_BUFC_DATA */
const ARC_BUFC_DATA = 1;

/** A dirty block of the open txg: its dirty record and its data buffer. */
interface Dirty {
  dr: Kva;
  data: Kva;
  /** the record's buffer and the dnode's dn_dirty_records[] list it is on */
  drBuf: Buf | null;
  list: KList | null;
}

function addrOf(m: { addr: Kva } | Kva | null): Kva {
  return m === null ? 0 : typeof m === 'number' ? m : m.addr;
}

export interface TxgState {
  spa: Spa;
  km: Kmem;
  /** zio_data_buf_131072 (shared with the ARC) */
  dataCache: KmemCache;
  /** zio_buf_<size> for compressed blocks */
  zbufCaches: KmemCache[];
  /** dirty blocks of the open txg */
  dirty: Dirty[];
  /** the spa_t and the pool's dsl_pool_t */
  spaAddr: Kva;
  dp: Kva;
  /** the file the build jobs' output goes to */
  file: ZfsFile | null;
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
export function txgInit(k: Kernel, km: Kmem, spa: Spa, bufs: ZioBufs, txgSeconds: number, z: ZfsState): TxgState {
  const dataCache = bufs.data.get(BLOCK)!;
  const zbufCaches = [32768, 65536, BLOCK].map((sz) => bufs.meta.get(sz)!);
  const dp = addrOf(runNoSleep(kmemAlloc(km, SIZEOF_DSL_POOL, KM_SLEEP), 'dsl_pool_open'));
  spaSetDslPool(z, dp);
  return {
    spa,
    km,
    spaAddr: z.spaAddr,
    dp,
    file: null,
    dataCache,
    zbufCaches,
    dirty: [],
    cv: dp + DP_TX + TX_SYNC_MORE_CV,
    txgTimeNs: txgSeconds * 1e9,
    txg: 1,
    blocksWritten: 0,
  };
}

/** The write(2) path to dbuf_dirty(): copy `nblocks` of user data into dirty ARC buffers. */
export function* zfsWrite(k: Kernel, tx: TxgState, nblocks: number): KGen<void> {
  const f = tx.file!;
  // write(fdes, cbuf, count): the job's output buffer in its heap (a user address)
  const f1 = k.enter(writeFn, 0, 4, 0x8200000, nblocks * BLOCK);
  const uio = frameLocal(f1, 0x70);
  // fop_write / zfs_write(vp, uio, ioflag, cr, ct)
  const f2 = k.enter(fop_write, 0b1011, f.vp, uio, 0, f.cred, 0);
  const f3 = k.enter(zfs_write, 0b1011, f.vp, uio, 0, f.cred, 0);
  // dmu_tx_create(): the transaction is kmem_zalloc'd; dmu_tx_commit() frees it
  const dtx = addrOf(yield* kmemAlloc(tx.km, SIZEOF_DMU_TX, KM_SLEEP));
  for (let i = 0; i < nblocks; i++) {
    // dmu_write_uio_dbuf(zdb, uio, size, tx) → dbuf_dirty(db, tx)
    const f4 = k.enter(dmu_write_uio_dbuf, 0b1011, f.db, uio, BLOCK, dtx);
    const f5 = k.enter(dbuf_dirty, 0b11, f.db, dtx);
    // the dirty record is kmem_zalloc'd; its arc_buf_t's data: arc_buf_alloc(spa, size, tag, type)
    const drm = yield* kmemAlloc(tx.km, SIZEOF_DIRTY_RECORD, KM_SLEEP);
    const dr = addrOf(drm);
    const f6 = k.enter(arc_buf_alloc, 0b101, tx.spaAddr, BLOCK, f.db, ARC_BUFC_DATA);
    const f7 = k.enter(zio_data_buf_alloc, 0, BLOCK);
    const b = yield* kmemCacheAlloc(tx.km, tx.dataCache, KM_PUSHPAGE);
    if (b) {
      // the record goes on the dnode's dn_dirty_records[txg & TXG_MASK] and
      // holds its data (the model has no arc_buf_t for a dirty block: the
      // dr_data slot holds the data buffer)
      const drBuf = drm && typeof drm !== 'number' ? drm : null;
      const list = drBuf ? f.dirty[tx.txg % f.dirty.length]! : null;
      if (drBuf && list) {
        storePtr(drBuf, DR_DATA, b.addr);
        list.insertTail(drBuf);
      }
      tx.dirty.push({ dr, data: b.addr, drBuf, list });
    } else if (dr) kmemFree(tx.km, dr, SIZEOF_DIRTY_RECORD);
    k.leave(f7);
    k.leave(f6);
    k.leave(f5);
    k.leave(f4);
  }
  if (dtx) kmemFree(tx.km, dtx, SIZEOF_DMU_TX);
  k.leave(f3);
  k.leave(f2);
  k.leave(f1);
}

/** txg_sync_thread(): every txg_time, write the open txg's dirty blocks and wait for them. */
export function* txgSyncThread(k: Kernel, tx: TxgState): KGen<void> {
  // txg_sync_thread(dp)
  const f0 = k.enter(txg_sync_thread, 0b1, tx.dp);
  for (;;) {
    // txg_thread_wait(tx, &cpr, &tx->tx_sync_more_cv, timer) → cv_timedwait(cv, &tx->tx_sync_lock, ...)
    const cpr = frameLocal(f0, 0x30);
    yield* cvTimedwaitOn(k, tx.cv, tx.dp + DP_TX + TX_SYNC_LOCK, tx.txgTimeNs, [
      [txg_thread_wait, 0b111, tx.dp + DP_TX, cpr, tx.cv, Math.ceil(tx.txgTimeNs / 10_000_000)],
    ]);
    if (tx.dirty.length === 0) continue;
    const dirty = tx.dirty;
    tx.dirty = [];
    tx.txg++;
    // spa_sync(spa, txg) → dsl_pool_sync(dp, txg); the sync's dmu_tx_t is dsl_pool_sync's
    const f1 = k.enter(spa_sync, 0b1, tx.spaAddr, tx.txg);
    const f2 = k.enter(dsl_pool_sync, 0b1, tx.dp, tx.txg);
    const stx = frameLocal(f2, 0x40);
    // dsl_pool_sync(): zio = zio_root(dp->dp_spa, NULL, NULL, ZIO_FLAG_MUSTSUCCEED);
    // every dirty block's write is its child, and zio_wait(zio) waits for them all
    const root = yield* zioRoot(k, tx.spa);
    const writes: Array<[Zio, KmemCache, number]> = [];
    for (let i = 0; i < dirty.length; i++) {
      const d = dirty[i]!;
      // dbuf_sync_leaf(dr, tx) → dbuf_write(dr, data, tx) → zio_write_compress(zio)
      const f3 = k.enter(dbuf_sync_leaf, 0b11, d.dr, stx);
      const f4 = k.enter(dbuf_write, 0b111, d.dr, tx.file?.l1buf ?? 0, stx);
      const f5 = k.enter(zio_write_compress, 0b1, frameLocal(f4, 0x30));
      // lzjb: how well a block compresses decides its zio_buf size
      const zc = tx.zbufCaches[k.rng.below(tx.zbufCaches.length)]!;
      const fz = k.enter(zio_buf_alloc, 0, zc.cache_bufsize);
      const cbuf = yield* kmemCacheAlloc(tx.km, zc, KM_PUSHPAGE);
      k.leave(fz);
      // lzjb over 128K costs the CPU a while; other CPUs run meanwhile
      k.tick(100_000 + k.rng.below(150_000));
      k.leave(f5);
      const zio = yield* zioLogical(k, tx.spa, (tx.txg * 4096 + writes.length) * BLOCK, -1, true, cbuf ? cbuf.addr : 0, zc.cache_bufsize, root);
      zio.txg = tx.txg;
      // dbuf_write() → arc_write(..., arc_write_ready, arc_write_done, ...)
      zio.doneFn = arc_write_done.addr;
      // zio_done() → zio_pop_transforms(): the compressed copy goes back when the write is done
      if (cbuf) zio.onDone = () => kmemCacheFree(tx.km, zc, cbuf.addr);
      yield* zioNowait(k, tx.spa, zio);
      if (cbuf) writes.push([zio, zc, cbuf.addr]);
      k.leave(f4);
      k.leave(f3);
      yield* k.preempt();
    }
    yield* zioWait(k, tx.spa, root);
    tx.blocksWritten += writes.length;
    for (const d of dirty) {
      kmemCacheFree(tx.km, tx.dataCache, d.data);
      if (d.drBuf) d.list?.remove(d.drBuf);
      if (d.dr) kmemFree(tx.km, d.dr, SIZEOF_DIRTY_RECORD);
    }
    k.leave(f2);
    k.leave(f1);
  }
  k.leave(f0);
}
