/*
 * ZFS, only as deep as the #2911 I/O path needs (uts/common/fs/zfs): a pool
 * with one mirror of leaf disks, the ZIO pipeline's issue side (zio_nowait →
 * zio_execute → zio_vdev_io_start → vdev_mirror_io_start → vdev_disk_io_start
 * → ldi_strategy → bdev_strategy) and its completion side (vdev_disk_io_intr →
 * zio_done), the ARC's header cache and the file-level prefetcher (dmu_zfetch)
 * that issues reads synchronously from the reading thread. Data buffers are
 * not modelled; zio_t, arc_buf_hdr_t and vdev_disk buf_t are real kmem
 * allocations.
 */
import type { Kernel } from '../../machine/kernel.js';
import type { Kva } from '../../machine/platform.js';
import { func } from '../../machine/symbols.js';
import type { KGen } from '../../machine/thread.js';
import { kmemAlloc, kmemCacheAlloc, kmemCacheCreate, kmemCacheFree, kmemFree, KM_PUSHPAGE, KM_SLEEP, type Kmem, type KmemCache } from '../kmem/kmem.js';
import { loadPtr, storePtr } from '../kmem/contents.js';
import type { Buf } from '../kmem/types.js';
import { KList } from '../kern/klist.js';
import type { Bd } from '../io/blkdev.js';
import { bdStrategy } from '../io/blkdev.js';
import { B_BUSY, B_FAILFAST, B_NOCACHE, B_READ, B_WRITE, type Bio } from '../io/bio.js';
import { cvWaitOn } from '../kern/condvar.js';
import { runNoSleep } from '../../machine/sync.js';
import { kernelObject } from '../kern/kobj.js';
import { illumosLayouts } from '../dump/layouts.js';
import { offsetOf } from '../../../dump/types/illumos/index.js';
import { ZIO_TYPES } from '../../../dump/types/illumos/zfs.js';

const zio_nowait = func('zfs', 'zio_nowait', 0x70);
const zio_wait = func('zfs', 'zio_wait', 0x90);
const zio_execute = func('zfs', 'zio_execute', 0x120);
const zio_vdev_io_start = func('zfs', 'zio_vdev_io_start', 0x2c0);
const vdev_mirror_io_start = func('zfs', 'vdev_mirror_io_start', 0x1c0);
const vdev_disk_io_start = func('zfs', 'vdev_disk_io_start', 0x160);
const vdev_disk_io_intr = func('zfs', 'vdev_disk_io_intr', 0xa0);
const zio_done = func('zfs', 'zio_done', 0x6a0);
const zio_create = func('zfs', 'zio_create', 0x330);
const zio_add_child = func('zfs', 'zio_add_child', 0xd0);
const ldi_strategy = func('genunix', 'ldi_strategy', 0x80);
/** the done callback vdev_mirror_io_start() gives each child it issues */
const vdev_mirror_child_done = func('zfs', 'vdev_mirror_child_done', 0x60);
/** arc_read()'s and arc_write()'s done callbacks, the io_done of the logical zios they create */
export const arc_read_done = func('zfs', 'arc_read_done', 0x2a0);
export const arc_write_done = func('zfs', 'arc_write_done', 0x1c0);
/** each vdev_ops_t's functions (vdev_root.c, vdev_mirror.c, vdev_disk.c), in vdev_ops_t order */
export const VDEV_OPS: Record<'root' | 'mirror' | 'disk', Array<{ addr: Kva } | null>> = {
  root: [func('zfs', 'vdev_root_open', 0xd0), func('zfs', 'vdev_root_close', 0x30), func('zfs', 'vdev_default_asize', 0x60), null, null, func('zfs', 'vdev_root_state_change', 0x70), null, null],
  mirror: [
    func('zfs', 'vdev_mirror_open', 0xe0),
    func('zfs', 'vdev_mirror_close', 0x30),
    func('zfs', 'vdev_default_asize', 0x60),
    func('zfs', 'vdev_mirror_io_start', 0x1c0),
    func('zfs', 'vdev_mirror_io_done', 0x2b0),
    func('zfs', 'vdev_mirror_state_change', 0x70),
    null,
    null,
  ],
  disk: [
    func('zfs', 'vdev_disk_open', 0x4f0),
    func('zfs', 'vdev_disk_close', 0x80),
    func('zfs', 'vdev_default_asize', 0x60),
    func('zfs', 'vdev_disk_io_start', 0x160),
    func('zfs', 'vdev_disk_io_done', 0x70),
    null,
    func('zfs', 'vdev_disk_hold', 0x110),
    func('zfs', 'vdev_disk_rele', 0x60),
  ],
};
const bdev_strategy = func('genunix', 'bdev_strategy', 0x90);

/** sizeof (vdev_disk_buf_t) on amd64 (2012): a buf_t, then vdb_io */
const SIZEOF_VDEV_BUF = 0x108;
/** vdev_disk_buf_t: vdb_buf (a buf_t) then vdb_io, the zio */
const VDB_IO = 0x100;

/*
 * zio_t, zio_link_t and vdev_t as the dump's CTF lays them out (2012 zio.h,
 * vdev_impl.h): the offsets the kernel writes its links at are the ones
 * ::print and the zfs module read back.
 */
const L = illumosLayouts();
const SIZEOF_ZIO = L.structs.get('zio_t')!.size;
const SIZEOF_ZIO_LINK = L.structs.get('zio_link_t')!.size;
export const SIZEOF_VDEV = L.structs.get('vdev_t')!.size;
const IO_DATA = offsetOf(L, 'zio_t', 'io_data');
/** &zio->io_parent_list.list_head and &zio->io_child_list.list_head */
const IO_PARENT_LIST_HEAD = offsetOf(L, 'zio_t', 'io_parent_list.list_head');
const IO_CHILD_LIST_HEAD = offsetOf(L, 'zio_t', 'io_child_list.list_head');
const IO_LOCK = offsetOf(L, 'zio_t', 'io_lock');
const IO_CV = offsetOf(L, 'zio_t', 'io_cv');
const IO_SPA = offsetOf(L, 'zio_t', 'io_spa');
const IO_VD = offsetOf(L, 'zio_t', 'io_vd');
const IO_LOGICAL = offsetOf(L, 'zio_t', 'io_logical');
/** the vdev_t members vdev_alloc() and vdev_add_child() write */
const VDEV_OPS_M = offsetOf(L, 'vdev_t', 'vdev_ops');
export const VDEV_SPA = offsetOf(L, 'vdev_t', 'vdev_spa');
const VDEV_TOP = offsetOf(L, 'vdev_t', 'vdev_top');
const VDEV_PARENT = offsetOf(L, 'vdev_t', 'vdev_parent');
const VDEV_CHILD = offsetOf(L, 'vdev_t', 'vdev_child');
const VDEV_PATH = offsetOf(L, 'vdev_t', 'vdev_path');
const ZL_PARENT = offsetOf(L, 'zio_link_t', 'zl_parent');
const ZL_CHILD = offsetOf(L, 'zio_link_t', 'zl_child');
const ZL_PARENT_NODE = offsetOf(L, 'zio_link_t', 'zl_parent_node');
const ZL_CHILD_NODE = offsetOf(L, 'zio_link_t', 'zl_child_node');

/** zio_type_t (zio.h) */
export const ZIO_TYPE_NULL = 0;
export const ZIO_TYPE_READ = 1;
export const ZIO_TYPE_WRITE = 2;
/** enum zio_child: a vdev child, or a logical I/O (zio_read/zio_write/zio_root/zio_null) */
export const ZIO_CHILD_VDEV = 0;
export const ZIO_CHILD_LOGICAL = 3;

/** enum zio_stage (zio_impl.h, 2012): one bit per pipeline stage */
export const ZIO_STAGE = {
  OPEN: 1 << 0,
  READ_BP_INIT: 1 << 1,
  FREE_BP_INIT: 1 << 2,
  ISSUE_ASYNC: 1 << 3,
  WRITE_BP_INIT: 1 << 4,
  CHECKSUM_GENERATE: 1 << 5,
  DDT_READ_START: 1 << 6,
  DDT_READ_DONE: 1 << 7,
  DDT_WRITE: 1 << 8,
  DDT_FREE: 1 << 9,
  GANG_ASSEMBLE: 1 << 10,
  GANG_ISSUE: 1 << 11,
  DVA_ALLOCATE: 1 << 12,
  DVA_FREE: 1 << 13,
  DVA_CLAIM: 1 << 14,
  READY: 1 << 15,
  VDEV_IO_START: 1 << 16,
  VDEV_IO_DONE: 1 << 17,
  VDEV_IO_ASSESS: 1 << 18,
  CHECKSUM_VERIFY: 1 << 19,
  DONE: 1 << 20,
} as const;
const S = ZIO_STAGE;
/** the pipelines zio_impl.h builds from the stages */
const ZIO_INTERLOCK_STAGES = S.READY | S.DONE;
const ZIO_VDEV_IO_STAGES = S.VDEV_IO_START | S.VDEV_IO_DONE | S.VDEV_IO_ASSESS;
export const ZIO_INTERLOCK_PIPELINE = ZIO_INTERLOCK_STAGES;
export const ZIO_READ_PIPELINE = ZIO_INTERLOCK_STAGES | ZIO_VDEV_IO_STAGES | S.CHECKSUM_VERIFY | S.READ_BP_INIT;
export const ZIO_WRITE_PIPELINE = ZIO_INTERLOCK_STAGES | ZIO_VDEV_IO_STAGES | S.ISSUE_ASYNC | S.CHECKSUM_GENERATE | S.WRITE_BP_INIT | S.DVA_ALLOCATE;
export const ZIO_VDEV_CHILD_PIPELINE = ZIO_VDEV_IO_STAGES | S.DONE;
/** the flags zio_root() (ZIO_FLAG_CANFAIL for dbuf_read's) and vdev children (ZIO_VDEV_CHILD_FLAGS) carry */
const ZIO_FLAG_CANFAIL = 1 << 7;
const ZIO_FLAG_DONT_PROPAGATE = 1 << 20;

/**
 * What a zio is in the model: the root of a wait (zio_root(), dbuf_read's
 * and dsl_pool_sync's), a zio_null() that joins a read already in flight,
 * a logical read or write (zio_read(), zio_write()) on the top-level
 * mirror, and its children on the mirror's leaf disks
 * (vdev_mirror_io_start()).
 */
export type ZioKind = 'root' | 'null' | 'logical' | 'leaf';

export interface Zio {
  addr: Kva;
  /** the zio_t buffer (zio_cache) */
  buf: Buf;
  kind: ZioKind;
  /** io_type: NULL, READ or WRITE */
  type: number;
  /** io_child_type */
  childType: number;
  /** io_stage: the stage executing or, stalled, the one before the stage that waits (zio_wait_for_children) */
  stage: number;
  /** io_pipeline */
  pipeline: number;
  flags: number;
  /** a write goes to every child of the mirror; a read to one */
  write: boolean;
  offset: number;
  /** a logical zio's block id (for the ARC) */
  blk: number;
  /** io_txg (writes) */
  txg: number;
  /** io_vd: the top-level mirror for a logical zio (see vdevMirrorIoStart), a leaf for its children */
  vd: Vdev | null;
  parent: Zio | null;
  /** children not yet done (io_children[..][ZIO_WAIT_DONE]) */
  pending: number;
  /** waiting in zio_wait_for_children() for `pending` to reach 0 */
  stalled: boolean;
  error: number;
  done: boolean;
  /** io_data: the buffer read into or written from (0 when the allocation failed) */
  data: Kva;
  /** io_size */
  size: number;
  /** the zio_link_t to its parent (zio_link_cache), or null */
  link: Buf | null;
  /** io_parent_list, io_child_list */
  parents: KList;
  children: KList;
  /** io_executor, io_waiter: the thread that last ran its pipeline, the one in zio_wait() */
  executor: Kva;
  waiter: Kva;
  /** io_timestamp: when a leaf went to its disk (hrtime) */
  timestamp: number;
  /** called when the logical zio completes (arc_read_done) */
  onDone: ((k: Kernel, zio: Zio) => void) | null;
  /** io_done: the done callback its creator passed (a symbol address, 0 for none) */
  doneFn: Kva;
}

/** vdev_state (sys/fs/zfs.h vdev_state_t) */
export const VDEV_STATE_HEALTHY = 7;

/** A vdev_t of the pool's tree: the root, the top-level mirror, its leaf disks. */
export interface Vdev {
  addr: Kva;
  buf: Buf;
  /** vdev_ops: which of vdev_root_ops, vdev_mirror_ops, vdev_disk_ops */
  ops: 'root' | 'mirror' | 'disk';
  id: number;
  guid: bigint;
  state: number;
  parent: Vdev | null;
  top: Vdev | null;
  children: Vdev[];
  /** vdev_child: the kmem_alloc'd array of child pointers */
  childArr: Buf | null;
  /** vdev_path (a leaf's /dev/dsk name), 0 for the others */
  path: Kva;
  /** vdev_stat's vs_ops[] and vs_bytes[] by zio type, and its error counts */
  ops_: number[];
  bytes: number[];
  readErrors: number;
  writeErrors: number;
}

export interface Leaf extends Vdev {
  bd: Bd;
  /** the leaf disk's bd_t, and its counts of I/O issued */
  opsRead: number;
  opsWrite: number;
}

export interface Spa {
  km: Kmem;
  zioCache: KmemCache;
  /** zio_link_cache: sizeof (zio_link_t), parent and child with their list nodes */
  linkCache: KmemCache;
  /** the spa_t (set by zfsInit(), which allocates it) and the pool's name */
  addr: Kva;
  name: string;
  /** spa_root_vdev; its one child, the top-level mirror; the mirror's leaves */
  root: Vdev;
  mirror: Vdev;
  leaves: Leaf[];
  /** vdev_mirror_shift */
  mirrorShift: number;
  /** the vdev_disk_buf_t bufs issued and not yet done */
  bufs: Set<Bio>;
  /** every zio_t allocated and not yet destroyed */
  zios: Set<Zio>;
}

/** a guid from the seed and the vdev's place (spa_generate_guid() draws random bits; the model must not draw from the run's PRNG) */
function vdevGuid(seed: number, n: number): bigint {
  let h = 0xcbf29ce484222325n;
  for (const v of [seed >>> 0, n, 0x5a5a]) {
    h ^= BigInt(v);
    h = BigInt.asUintN(64, h * 0x100000001b3n);
  }
  return h | 1n;
}

/**
 * spa_import() → spa_load() → spa_config_parse() → vdev_alloc(): the pool's
 * vdev tree, each vdev_t kmem_zalloc'd, each parent's vdev_child array grown
 * by vdev_add_child(), a leaf's path spa_strdup'd from the label. The
 * pool's layout (root → mirror → one disk per blkdev instance) is the
 * scenario's: `rpool`, the pool the dump device is on.
 */
export function spaCreate(k: Kernel, km: Kmem, bds: Bd[]): Spa {
  const zioCache = kmemCacheCreate(km, { name: 'zio_cache', bufsize: SIZEOF_ZIO, align: 8 });
  const linkCache = kmemCacheCreate(km, { name: 'zio_link_cache', bufsize: SIZEOF_ZIO_LINK, align: 8 });
  // the static vdev_ops_t of vdev_root.c, vdev_mirror.c and vdev_disk.c
  for (const o of ['root', 'mirror', 'disk']) kernelObject(k, 'zfs', `vdev_${o}_ops`, L.structs.get('vdev_ops_t')!.size);
  let n = 0;
  const zalloc = (size: number, what: string): Buf => {
    const m = runNoSleep(kmemAlloc(km, size, KM_SLEEP), what);
    if (m === null || typeof m === 'number') throw new Error('simulator: no memory for the pool at import');
    return m;
  };
  const vdevAlloc = (ops: Vdev['ops'], id: number, parent: Vdev | null, path: string | null): Vdev => {
    const buf = zalloc(SIZEOF_VDEV, 'vdev_alloc');
    storePtr(buf, VDEV_OPS_M, kernelObject(k, 'zfs', `vdev_${ops}_ops`, 0).addr);
    const vd: Vdev = {
      addr: buf.addr,
      buf,
      ops,
      id,
      guid: vdevGuid(k.cfg.seed, n++),
      state: VDEV_STATE_HEALTHY,
      parent,
      top: null,
      children: [],
      childArr: null,
      path: path === null ? 0 : k.kstring(path),
      ops_: new Array<number>(ZIO_TYPES).fill(0),
      bytes: new Array<number>(ZIO_TYPES).fill(0),
      readErrors: 0,
      writeErrors: 0,
    };
    if (parent) {
      // vdev_add_child(): a new array one longer, the old one freed
      const arr = zalloc(8 * (parent.children.length + 1), 'vdev_add_child');
      parent.children.forEach((c, i) => storePtr(arr, 8 * i, c.addr));
      storePtr(arr, 8 * parent.children.length, vd.addr);
      if (parent.childArr) kmemFree(km, parent.childArr.addr, 8 * parent.children.length);
      parent.childArr = arr;
      parent.children.push(vd);
      storePtr(parent.buf, VDEV_CHILD, arr.addr);
      storePtr(buf, VDEV_PARENT, parent.addr);
      vd.top = parent.parent === null ? vd : parent.top;
      if (vd.top) storePtr(buf, VDEV_TOP, vd.top.addr);
    }
    if (vd.path) storePtr(buf, VDEV_PATH, vd.path);
    return vd;
  };
  const root = vdevAlloc('root', 0, null, null);
  const mirror = vdevAlloc('mirror', 0, root, null);
  // blkdev's disks: c<instance+1>d0, slice 0 of an EFI-labelled whole disk
  const leaves = bds.map((bd, id) => Object.assign(vdevAlloc('disk', id, mirror, `/dev/dsk/c${id + 1}d0s0`), { bd, opsRead: 0, opsWrite: 0 }));
  return { km, zioCache, linkCache, addr: 0, name: 'rpool', root, mirror, leaves, mirrorShift: 19, bufs: new Set(), zios: new Set() };
}

/** zio_create(): a zio_t from zio_cache, bzero'd, at ZIO_STAGE_OPEN, linked to its parent by zio_add_child() */
function* zioCreate(
  k: Kernel,
  spa: Spa,
  kind: ZioKind,
  parent: Zio | null,
  offset: number,
  blk: number,
  write = false,
  data = parent ? parent.data : 0,
  size = parent ? parent.size : 1 << 17,
  vd: Vdev | null = null,
): KGen<Zio> {
  const fr = k.enter(zio_create, 0b1, parent ? parent.addr : 0, offset);
  const b = yield* kmemCacheAlloc(spa.km, spa.zioCache, KM_SLEEP);
  const vdevChild = kind === 'leaf';
  const type = kind === 'root' || kind === 'null' ? ZIO_TYPE_NULL : write ? ZIO_TYPE_WRITE : ZIO_TYPE_READ;
  const zio: Zio = {
    addr: b!.addr,
    buf: b!,
    kind,
    type,
    childType: vdevChild ? ZIO_CHILD_VDEV : ZIO_CHILD_LOGICAL,
    stage: S.OPEN,
    pipeline: vdevChild ? ZIO_VDEV_CHILD_PIPELINE : type === ZIO_TYPE_NULL ? ZIO_INTERLOCK_PIPELINE : write ? ZIO_WRITE_PIPELINE : ZIO_READ_PIPELINE,
    flags: vdevChild ? ZIO_FLAG_DONT_PROPAGATE | ZIO_FLAG_CANFAIL : ZIO_FLAG_CANFAIL,
    write,
    offset,
    blk,
    txg: 0,
    vd,
    parent,
    pending: 0,
    stalled: false,
    error: 0,
    done: false,
    data,
    size,
    link: null,
    executor: 0,
    waiter: 0,
    timestamp: 0,
    onDone: null,
    doneFn: vdevChild ? vdev_mirror_child_done.addr : 0,
    parents: new KList(b!, b!.addr + IO_PARENT_LIST_HEAD, ZL_PARENT_NODE),
    children: new KList(b!, b!.addr + IO_CHILD_LIST_HEAD, ZL_CHILD_NODE),
  };
  spa.zios.add(zio);
  if (data) storePtr(b!, IO_DATA, data);
  // zio_create(): io_spa, io_vd, and io_logical (a logical zio is its own; a vdev child inherits its parent's)
  storePtr(b!, IO_SPA, spa.addr);
  if (vd) storePtr(b!, IO_VD, vd.addr);
  const logical = kind === 'logical' ? zio.addr : vdevChild && parent ? loadPtr(parent.buf, IO_LOGICAL) : 0;
  if (logical) storePtr(b!, IO_LOGICAL, logical);
  if (parent) {
    // zio_add_child(): a zio_link_t joins parent and child
    const fl = k.enter(zio_add_child, 0b11, parent.addr, zio.addr);
    const zl = yield* kmemCacheAlloc(spa.km, spa.linkCache, KM_SLEEP);
    if (zl) {
      storePtr(zl, ZL_PARENT, parent.addr);
      storePtr(zl, ZL_CHILD, zio.addr);
      // on the child's io_parent_list and the parent's io_child_list
      zio.parents.insertTail(zl);
      parent.children.insertTail(zl);
      zio.link = zl;
    }
    k.leave(fl);
    parent.pending++;
  }
  k.leave(fr);
  return zio;
}

/** zio_read() / zio_write(): a logical zio, a child of `parent` (a root zio) or of none */
export function* zioLogical(k: Kernel, spa: Spa, offset: number, blk: number, write = false, data = 0, size = 1 << 17, parent: Zio | null = null): KGen<Zio> {
  return yield* zioCreate(k, spa, 'logical', parent, offset, blk, write, data, size, spa.mirror);
}

/** zio_root(spa, NULL, NULL, flags): a zio with no I/O of its own, to wait for its children */
export function* zioRoot(k: Kernel, spa: Spa): KGen<Zio> {
  return yield* zioCreate(k, spa, 'root', null, 0, -1, false, 0, 0);
}

/** zio_null(pio, ...): arc_read()'s placeholder child that completes when the read it joined does */
export function* zioNull(k: Kernel, spa: Spa, parent: Zio): KGen<Zio> {
  return yield* zioCreate(k, spa, 'null', parent, 0, -1, false, 0, 0);
}

/** zio_nowait(): start a zio's pipeline without waiting */
export function* zioNowait(k: Kernel, spa: Spa, zio: Zio): KGen<void> {
  const fr = k.enter(zio_nowait, 0b1, zio.addr);
  yield* zioExecute(k, spa, zio);
  k.leave(fr);
}

/**
 * zio_wait(): become the zio's waiter, run its pipeline if nobody has, and
 * sleep on io_cv until zio_done() has run; then zio_destroy() it (a zio
 * with a waiter is destroyed by the waiter, not by zio_done()).
 */
export function* zioWait(k: Kernel, spa: Spa, zio: Zio): KGen<number> {
  const fr = k.enter(zio_wait, 0b1, zio.addr);
  zio.waiter = k.curthread ? k.curthread.addr : 0;
  if (zio.stage === S.OPEN && !zio.done) yield* zioExecute(k, spa, zio);
  // cv_wait(&zio->io_cv, &zio->io_lock)
  while (!zio.done) yield* cvWaitOn(k, zio.addr + IO_CV, zio.addr + IO_LOCK);
  const err = zio.error;
  zioDestroy(spa, zio);
  k.leave(fr);
  return err;
}

/** the stages a pipeline runs from `from` on, up to (not including) `to` */
function runStages(zio: Zio, to: number): void {
  for (let st = zio.stage << 1; st < to; st <<= 1) if (zio.pipeline & st) zio.stage = st;
}

/**
 * zio_wait_for_children(): a zio whose children are not all done stops
 * here, its io_stage put back one stage (io_stage >>= 1) so the child that
 * finishes last re-runs the stage (zio_notify_parent → zio_execute).
 */
function waitForChildren(zio: Zio, stage: number): boolean {
  zio.stage = stage;
  if (zio.pending === 0) return false;
  zio.stage = stage >>> 1;
  zio.stalled = true;
  return true;
}

/**
 * zio_execute(): run the zio's pipeline, one stage after another, as far as
 * it goes. A root or null zio has only READY and DONE; a logical zio runs
 * its bp and checksum stages, then ZIO_STAGE_VDEV_IO_START issues its
 * children on the mirror's leaves (vdev_mirror_io_start()) and it waits for
 * them at VDEV_IO_DONE; a leaf's vdev_disk_io_start() hands a buf to the
 * disk and the pipeline stops until the interrupt.
 */
function* zioExecute(k: Kernel, spa: Spa, zio: Zio): KGen<void> {
  const fr = k.enter(zio_execute, 0b1, zio.addr);
  zio.executor = k.curthread ? k.curthread.addr : 0;
  if (zio.type === ZIO_TYPE_NULL) {
    runStages(zio, S.DONE);
    if (!waitForChildren(zio, S.DONE)) zioDone(k, spa, zio);
  } else {
    runStages(zio, S.VDEV_IO_START);
    zio.stage = S.VDEV_IO_START;
    const fs = k.enter(zio_vdev_io_start, 0b1, zio.addr);
    if (zio.kind === 'leaf') {
      yield* vdevDiskIoStart(k, spa, zio);
    } else {
      yield* vdevMirrorIoStart(k, spa, zio);
      // zio_vdev_io_done(): a zio with vdev children waits for them
      if (!waitForChildren(zio, S.VDEV_IO_DONE)) zioFinish(k, spa, zio);
    }
    k.leave(fs);
  }
  k.leave(fr);
}

/** the stages after the vdev children are done: VDEV_IO_DONE, VDEV_IO_ASSESS, CHECKSUM_VERIFY (reads), then zio_done() */
function zioFinish(k: Kernel, spa: Spa, zio: Zio): void {
  if (zio.stage < S.VDEV_IO_DONE) zio.stage = S.VDEV_IO_DONE;
  runStages(zio, S.DONE);
  zioDone(k, spa, zio);
}

/**
 * vdev_mirror_io_start(): a child per leaf for a write, one leaf chosen by
 * offset for a read. The model's logical zio has the top-level mirror as
 * its io_vd: in the kernel a logical zio (io_vd NULL) first gets a child on
 * the top-level vdev its DVA names (vdev_mirror_io_start() over the DVAs),
 * and that child's vdev_mirror_io_start() issues the leaves; the #2911
 * stack has one vdev_mirror_io_start() between the logical zio and the leaf
 * (its pool's top-level vdev was the disk), so the model keeps one level.
 */
function* vdevMirrorIoStart(k: Kernel, spa: Spa, zio: Zio): KGen<void> {
  const fr = k.enter(vdev_mirror_io_start, 0b1, zio.addr);
  // Create every child before issuing any, so the parent cannot complete early.
  const first = Math.floor(zio.offset / 2 ** spa.mirrorShift) % spa.leaves.length;
  const targets = zio.write ? spa.leaves.map((_, i) => i) : [first];
  const children: Zio[] = [];
  for (const c of targets) children.push(yield* zioCreate(k, spa, 'leaf', zio, zio.offset, zio.blk, zio.write, zio.data, zio.size, spa.leaves[c]!));
  for (const child of children) {
    child.txg = zio.txg;
    yield* zioNowait(k, spa, child);
  }
  k.leave(fr);
}

/** vdev_disk_io_start(): a buf_t for the leaf and ldi_strategy() into the disk driver */
function* vdevDiskIoStart(k: Kernel, spa: Spa, zio: Zio): KGen<void> {
  const fr = k.enter(vdev_disk_io_start, 0b1, zio.addr);
  const leaf = zio.vd as Leaf;
  if (zio.write) leaf.opsWrite++;
  else leaf.opsRead++;
  // the time the I/O went to the disk (vdev_queue's issue time)
  zio.timestamp = k.now;
  const vb = yield* kmemAlloc(spa.km, SIZEOF_VDEV_BUF, KM_PUSHPAGE);
  const vbAddr = typeof vb === 'number' ? vb : vb!.addr;
  // bioinit() and the fields vdev_disk_io_start() sets: a busy, uncached
  // read or write of the zio's buffer, failfast on a first try
  const bp: Bio = {
    addr: vbAddr,
    flags: B_BUSY | B_NOCACHE | (zio.write ? B_WRITE : B_READ) | B_FAILFAST,
    blkno: Math.floor(zio.offset / 512), // lbtodb(io_offset); offsets pass 2^31
    bcount: zio.size,
    data: zio.data,
    iodoneFn: vdev_disk_io_intr.addr,
    error: 0,
    iodone: (kk, b) => vdevDiskIoIntr(kk, spa, leaf, zio, b),
  };
  if (typeof vb !== 'number' && vb) storePtr(vb, VDB_IO, zio.addr);
  spa.bufs.add(bp);
  const f1 = k.enter(ldi_strategy, 0b11, leaf.addr, bp.addr);
  const f2 = k.enter(bdev_strategy, 0b1, bp.addr);
  yield* bdStrategy(k, leaf.bd, bp);
  k.leave(f2);
  k.leave(f1);
  k.leave(fr);
}

/** vdev_disk_io_intr(): the buf is done; the leaf zio resumes at VDEV_IO_DONE (zio_interrupt()) */
function vdevDiskIoIntr(k: Kernel, spa: Spa, leaf: Leaf, zio: Zio, bp: Bio): void {
  const fr = k.enter(vdev_disk_io_intr, 0b1, bp.addr);
  zio.error = bp.error;
  spa.bufs.delete(bp);
  kmemFree(spa.km, bp.addr, SIZEOF_VDEV_BUF);
  zio.executor = k.curthread ? k.curthread.addr : 0;
  zioFinish(k, spa, zio);
  void leaf;
  k.leave(fr);
}

/**
 * vdev_stat_update(): a vdev zio that completes counts on its vdev (ops and
 * bytes by type when it succeeded, read or write errors when it failed).
 */
function vdevStatUpdate(zio: Zio): void {
  const vd = zio.vd;
  if (!vd) return;
  if (zio.error) {
    if (zio.type === ZIO_TYPE_WRITE) vd.writeErrors++;
    else if (zio.type === ZIO_TYPE_READ) vd.readErrors++;
    return;
  }
  vd.ops_[zio.type]!++;
  vd.bytes[zio.type]! += zio.size;
}

/** zio_destroy(): the links' buffers are gone already; the zio_t back to zio_cache */
function zioDestroy(spa: Spa, zio: Zio): void {
  spa.zios.delete(zio);
  kmemCacheFree(spa.km, spa.zioCache, zio.addr);
}

/**
 * zio_done(): count on the vdev, run the done callback, take the zio off its
 * parent (zio_remove_child() frees the link) and notify the parent, which
 * resumes if this was the child it waited for; then wake the waiter, or
 * destroy the zio when nobody waits for it.
 */
function zioDone(k: Kernel, spa: Spa, zio: Zio): void {
  const fr = k.enter(zio_done, 0b1, zio.addr);
  zio.stage = S.DONE;
  zio.stalled = false;
  zio.done = true;
  vdevStatUpdate(zio);
  const p = zio.parent;
  if (zio.onDone) zio.onDone(k, zio);
  if (zio.link) {
    zio.parents.remove(zio.link);
    p?.children.remove(zio.link);
    kmemCacheFree(spa.km, spa.linkCache, zio.link.addr);
    zio.link = null;
  }
  if (zio.waiter) {
    // the waiter destroys it; io_executor cleared under io_lock, then cv_broadcast(&zio->io_cv)
    zio.executor = 0;
    k.cvBroadcast(zio.addr + IO_CV);
  } else zioDestroy(spa, zio);
  if (p) {
    // zio_notify_parent(): a vdev child's error reaches the parent unless
    // it does not propagate (the mirror decides from its children)
    if (zio.error && !p.error) p.error = zio.error;
    if (--p.pending === 0 && p.stalled) {
      p.stalled = false;
      p.executor = k.curthread ? k.curthread.addr : 0;
      if (p.type === ZIO_TYPE_NULL) zioDone(k, spa, p);
      else zioFinish(k, spa, p);
    }
  }
  k.leave(fr);
}

/**
 * arc_read_done() → zio_nowait(acb_zio_dummy): a zio_null() that waited
 * for a read in flight completes with the read's error. It has no I/O and
 * no children, so its pipeline runs to zio_done() at once.
 */
export function zioNullDone(k: Kernel, spa: Spa, zio: Zio, error: number): void {
  const fr = k.enter(zio_nowait, 0b1, zio.addr);
  zio.error = error;
  zio.executor = k.curthread ? k.curthread.addr : 0;
  runStages(zio, S.DONE);
  zioDone(k, spa, zio);
  k.leave(fr);
}
