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
import { storePtr } from '../kmem/contents.js';
import type { Buf } from '../kmem/types.js';
import { KList } from '../kern/klist.js';
import type { Bd } from '../io/blkdev.js';
import { bdStrategy } from '../io/blkdev.js';
import { B_BUSY, B_FAILFAST, B_NOCACHE, B_READ, B_WRITE, type Bio } from '../io/bio.js';
import { cvWaitOn } from '../kern/condvar.js';

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
const bdev_strategy = func('genunix', 'bdev_strategy', 0x90);

/** sizes of zio_t, arc_buf_hdr_t and vdev_disk_buf_t on amd64 (2012) */
const SIZEOF_ZIO = 0x328;
const SIZEOF_VDEV_BUF = 0x108;
/** zio_link_t: zl_parent, zl_child, zl_parent_node, zl_child_node */
const SIZEOF_ZIO_LINK = 0x30;
/** zio_t's io_data: the buffer it reads into or writes from (amd64, 2012; no CTF in the dump) */
const IO_DATA = 0xa8;
/**
 * io_parent_list and io_child_list: the zio_link_t's that join a zio to its
 * parents (through zl_parent_node) and to its children (zl_child_node); the
 * heads of the two list_t's
 */
const IO_PARENT_LIST_HEAD = 0x100 + 0x10;
const IO_CHILD_LIST_HEAD = 0x120 + 0x10;
const ZL_PARENT_NODE = 0x10;
const ZL_CHILD_NODE = 0x20;
/** vdev_disk_buf_t: vdb_buf (a buf_t) then vdb_io, the zio */
const VDB_IO = 0x100;

/** ZIO types of the tree we issue */
type ZioKind = 'logical' | 'mirror' | 'leaf';

export interface Zio {
  addr: Kva;
  kind: ZioKind;
  /** a write goes to every child of the mirror; a read to one */
  write: boolean;
  offset: number;
  /** a logical zio's block id (for the ARC); a leaf zio's child index in the mirror */
  blk: number;
  parent: Zio | null;
  /** children not yet done */
  pending: number;
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
  /** called when the logical zio completes (arc_read_done) */
  onDone: ((k: Kernel, zio: Zio) => void) | null;
}

export interface Leaf {
  /** the vdev_t */
  addr: Kva;
  id: number;
  bd: Bd;
  readErrors: number;
  writeErrors: number;
  opsRead: number;
  opsWrite: number;
}

export interface Spa {
  km: Kmem;
  zioCache: KmemCache;
  /** zio_link_cache: sizeof (zio_link_t), parent and child with their list nodes */
  linkCache: KmemCache;
  mirror: Kva;
  leaves: Leaf[];
  /** vdev_mirror_shift */
  mirrorShift: number;
  /** the vdev_disk_buf_t bufs issued and not yet done */
  bufs: Set<Bio>;
}

export function spaCreate(k: Kernel, km: Kmem, bds: Bd[]): Spa {
  const zioCache = kmemCacheCreate(km, { name: 'zio_cache', bufsize: SIZEOF_ZIO, align: 8 });
  const linkCache = kmemCacheCreate(km, { name: 'zio_link_cache', bufsize: SIZEOF_ZIO_LINK, align: 8 });
  const leaves = bds.map((bd, id) => ({ addr: k.bootAlloc(0x2a0), id, bd, readErrors: 0, writeErrors: 0, opsRead: 0, opsWrite: 0 }));
  return { km, zioCache, linkCache, mirror: k.bootAlloc(0x2a0), leaves, mirrorShift: 19, bufs: new Set() };
}

/** zio_create(): a zio_t from zio_cache */
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
): KGen<Zio> {
  const fr = k.enter(zio_create, 0b1, parent ? parent.addr : 0, offset);
  const b = yield* kmemCacheAlloc(spa.km, spa.zioCache, KM_SLEEP);
  const zio: Zio = {
    addr: b!.addr,
    kind,
    write,
    offset,
    blk,
    parent,
    pending: 0,
    error: 0,
    done: false,
    data,
    size,
    link: null,
    onDone: null,
    parents: new KList(b!, b!.addr + IO_PARENT_LIST_HEAD, ZL_PARENT_NODE),
    children: new KList(b!, b!.addr + IO_CHILD_LIST_HEAD, ZL_CHILD_NODE),
  };
  if (data) storePtr(b!, IO_DATA, data);
  if (parent) {
    storePtr(b!, 0x10, parent.addr);
    // zio_add_child(): a zio_link_t joins parent and child
    const fl = k.enter(zio_add_child, 0b11, parent.addr, zio.addr);
    const zl = yield* kmemCacheAlloc(spa.km, spa.linkCache, KM_SLEEP);
    if (zl) {
      storePtr(zl, 0, parent.addr);
      storePtr(zl, 8, zio.addr);
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

export function* zioLogical(k: Kernel, spa: Spa, offset: number, blk: number, write = false, data = 0, size = 1 << 17): KGen<Zio> {
  return yield* zioCreate(k, spa, 'logical', null, offset, blk, write, data, size);
}

/** zio_nowait(): start a zio's pipeline without waiting */
export function* zioNowait(k: Kernel, spa: Spa, zio: Zio): KGen<void> {
  const fr = k.enter(zio_nowait, 0b1, zio.addr);
  yield* zioExecute(k, spa, zio);
  k.leave(fr);
}

/** zio_wait(): run nothing more, sleep until the zio is done */
export function* zioWait(k: Kernel, zio: Zio): KGen<number> {
  const fr = k.enter(zio_wait, 0b1, zio.addr);
  // cv_wait(&zio->io_cv, &zio->io_lock)
  while (!zio.done) yield* cvWaitOn(k, zio.addr + 0x2c0, zio.addr + 0x2b8);
  k.leave(fr);
  return zio.error;
}

function* zioExecute(k: Kernel, spa: Spa, zio: Zio): KGen<void> {
  const fr = k.enter(zio_execute, 0b1, zio.addr);
  const fs = k.enter(zio_vdev_io_start, 0b1, zio.addr);
  if (zio.kind === 'logical') {
    // The logical I/O's vdev is the top-level mirror.
    yield* vdevMirrorIoStart(k, spa, zio);
  } else {
    yield* vdevDiskIoStart(k, spa, zio);
  }
  k.leave(fs);
  k.leave(fr);
}

/** vdev_mirror_io_start(): a read goes to one child, chosen by offset; a write to all */
function* vdevMirrorIoStart(k: Kernel, spa: Spa, zio: Zio): KGen<void> {
  const fr = k.enter(vdev_mirror_io_start, 0b1, zio.addr);
  const first = Math.floor(zio.offset / 2 ** spa.mirrorShift) % spa.leaves.length;
  const targets = zio.write ? spa.leaves.map((_, i) => i) : [first];
  // Create every child before issuing any, so the parent cannot complete early.
  const children: Zio[] = [];
  for (const c of targets) children.push(yield* zioCreate(k, spa, 'leaf', zio, zio.offset, c, zio.write));
  for (const child of children) yield* zioNowait(k, spa, child);
  k.leave(fr);
}

/** vdev_disk_io_start(): a buf_t for the leaf and ldi_strategy() into the disk driver */
function* vdevDiskIoStart(k: Kernel, spa: Spa, zio: Zio): KGen<void> {
  const fr = k.enter(vdev_disk_io_start, 0b1, zio.addr);
  const leaf = spa.leaves[zio.blk]!; // a leaf zio's blk is its child index
  if (zio.write) leaf.opsWrite++;
  else leaf.opsRead++;
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

/** vdev_disk_io_intr(): the buf is done; finish the leaf zio and its parents */
function vdevDiskIoIntr(k: Kernel, spa: Spa, leaf: Leaf, zio: Zio, bp: Bio): void {
  const fr = k.enter(vdev_disk_io_intr, 0b1, bp.addr);
  zio.error = bp.error;
  if (bp.error) {
    if (zio.write) leaf.writeErrors++;
    else leaf.readErrors++;
  }
  spa.bufs.delete(bp);
  kmemFree(spa.km, bp.addr, SIZEOF_VDEV_BUF);
  zioDone(k, spa, zio);
  k.leave(fr);
}

/** zio_done(): propagate to the parent, wake waiters, free the zio */
function zioDone(k: Kernel, spa: Spa, zio: Zio): void {
  const fr = k.enter(zio_done, 0b1, zio.addr);
  zio.done = true;
  const p = zio.parent;
  if (zio.onDone) zio.onDone(k, zio);
  k.cvBroadcast(zio.addr + 0x2c0);
  // zio_remove_child() frees the link, zio_destroy() the zio
  if (zio.link) {
    zio.parents.remove(zio.link);
    p?.children.remove(zio.link);
    kmemCacheFree(spa.km, spa.linkCache, zio.link.addr);
  }
  kmemCacheFree(spa.km, spa.zioCache, zio.addr);
  if (p) {
    if (zio.error && !p.error) p.error = zio.error;
    if (--p.pending === 0) zioDone(k, spa, p);
  }
  k.leave(fr);
}
