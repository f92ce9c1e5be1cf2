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
import type { Kva } from '../../machine/platform.js';
import { func } from '../../machine/symbols.js';
import { runNoSleep } from '../../machine/sync.js';
import type { Frame, KGen } from '../../machine/thread.js';
import { kmemAlloc, kmemCacheAlloc, kmemCacheAllocNoSleep, kmemCacheCreate, kmemCacheFree, KM_PUSHPAGE, KM_SLEEP, type Kmem, type KmemCache } from '../kmem/kmem.js';
import { arc_read_done, type Spa, VDEV_SPA, type Zio, zioLogical, zioNowait, zioNull, zioNullDone, zioRoot, zioWait } from './zio.js';
import { illumosLayouts } from '../dump/layouts.js';
import { offsetOf } from '../../../dump/types/illumos/index.js';
import { kernelObject } from '../kern/kobj.js';
import { storePtr } from '../kmem/contents.js';
import type { Buf } from '../kmem/types.js';
import { KList, type DataWord } from '../kern/klist.js';
import { ScenarioError } from '../../scenario/load.js';

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
const dbuf_read_impl = func('zfs', 'dbuf_read_impl', 0x2a0);
/** the done callback dbuf_read_impl() hands arc_read() */
const dbuf_read_done = func('zfs', 'dbuf_read_done', 0x110);

const arc_buf_alloc = func('zfs', 'arc_buf_alloc', 0xe0);
const spa_name_compare = func('zfs', 'spa_name_compare', 0x50);
const arc_get_data_buf = func('zfs', 'arc_get_data_buf', 0x1f0);
const arc_evict = func('zfs', 'arc_evict', 0x4c0);
const zio_data_buf_alloc = func('zfs', 'zio_data_buf_alloc', 0x40);

const SIZEOF_ARC_BUF_HDR = 0xf8;
const BLOCK = 1 << 17;

/*
 * Sizes (amd64, 2012) of the objects an open file on ZFS holds, so the read
 * path's frames carry the arguments of the real signatures: the vnode
 * (vn_cache), its dnode (dnode_t), the dbufs of the level-1 indirect block
 * and of the data block (dmu_buf_impl_t), the L1 block's arc_buf_t and its
 * 16K data (zio_buf_16384), whose blkptr_t array the prefetcher reads, the
 * prefetch stream (a kmem_zalloc'd zstream_t) and the reader's cred_t.
 */
const SIZEOF_VNODE = 0xc8;
const SIZEOF_DNODE = 0x2f8;
const SIZEOF_DBUF = 0xf0;
const SIZEOF_ARC_BUF = 0x38;
const SIZEOF_ZSTREAM = 0x70;
const SIZEOF_CRED = 0x78;
const SIZEOF_OBJSET = 0x4e8;
const SIZEOF_SPA = 0x1a38;
/** offsetof (dnode_t, dn_zfetch): the zfetch_t dmu_zfetch() works on */
const DN_ZFETCH = 0x268;
/*
 * Where the pool's objects keep each other, so that what the kernel can reach
 * a dump can reach too (amd64 offsets after the 2012 headers: spa_impl.h,
 * dmu_objset.h, dnode.h, dbuf.h, arc.c, dmu_zfetch.h; the dump has CTF for
 * spa_t, not for the others). A list_t is { list_size, list_offset, list_head },
 * its head 0x10 in.
 *   spa_namespace_avl.avl_root -> spa_t.spa_avl: the imported pool
 *   spa_t.spa_dsl_pool, spa_meta_objset -> the dsl_pool_t and the objset_t
 *   objset_t.os_dnodes -> each open dnode_t's dn_link
 *   dnode_t.dn_dbufs -> each dmu_buf_impl_t's db_link
 *   dnode_t.dn_dirty_records[TXG_SIZE] -> each dirty record's dr_dirty_node
 *   dnode_t.dn_zfetch.zf_stream -> each zstream_t's zs_node
 *   dmu_buf_impl_t.db_buf -> arc_buf_t; db_parent -> the L1 block's dbuf;
 *   db_blkptr -> its blkptr_t inside the L1 block's data
 *   arc_buf_t.b_data -> the block's data
 *   buf_hash_table.ht_table[] -> arc_buf_hdr_t chains through b_hash_next
 */
const SPA_AVL = offsetOf(illumosLayouts(), 'spa_t', 'spa_avl');
const SPA_DSL_POOL = offsetOf(illumosLayouts(), 'spa_t', 'spa_dsl_pool');
const SPA_META_OBJSET = offsetOf(illumosLayouts(), 'spa_t', 'spa_meta_objset');
/** spa_t.spa_root_vdev: the pool's vdev tree, hung off the spa by spa_load() */
const SPA_ROOT_VDEV = offsetOf(illumosLayouts(), 'spa_t', 'spa_root_vdev');
const OS_DNODES_HEAD = 0x3a0 + 0x10;
const DN_LINK = 0x8;
export const DN_DIRTY_RECORDS_HEAD = (txg: number): number => 0x1a0 + (txg & (TXG_SIZE - 1)) * 0x20 + 0x10;
const DN_DBUFS_HEAD = 0x230 + 0x10;
/** zfetch_t: zf_rwlock, then zf_stream (a list_t) */
const ZF_STREAM_HEAD = 0x8 + 0x10;
const ZS_NODE = 0x58;
const DB_PARENT = 0x30;
const DB_BLKPTR = 0x48;
const DB_BUF = 0x70;
const DB_LINK = 0xd0;
const ARC_B_DATA = 0x18;
const HDR_B_HASH_NEXT = 0x38;
/**
 * The header's b_buf. The model has no arc_buf_t for a cached block: this
 * slot holds the block's data, which the arc_buf_t's b_data would.
 */
const HDR_B_BUF = 0x40;
/** TXG_SIZE: the dirty lists a dnode keeps, one per txg in flight */
export const TXG_SIZE = 4;
/** sizeof (blkptr_t): an indirect block is an array of them */
const SIZEOF_BLKPTR = 0x80;
const L1_SIZE = 16384;
/** ZIO_PRIORITY_SYNC_READ and ZIO_PRIORITY_ASYNC_READ (zio_priority_table[] values) */
const ZIO_PRIORITY_SYNC_READ = 0;
const ZIO_PRIORITY_ASYNC_READ = 6;
/** dbuf_read() flags from dmu_buf_hold_array_by_dnode(): DB_RF_CANFAIL | DB_RF_HAVESTRUCT */
const DBUF_FLAGS = 0x2 | 0x4;

/** An open file on the pool, as a reader's read(2) reaches it. */
export interface ZfsFile {
  /** dn_dirty_records[TXG_SIZE]: the dirty records of each txg in flight */
  dirty: KList[];
  vp: Kva;
  cred: Kva;
  dn: Kva;
  /** dn_object */
  object: number;
  /** dbuf of the data block being read */
  db: Kva;
  /** the L1 indirect block: its dbuf's arc_buf_t and data (the blkptr_t array) */
  l1buf: Kva;
  l1data: Kva;
  /** dmu_zfetch's stream */
  zs: Kva;
}

/** A local variable's address inside a frame (below its frame pointer). */
export function frameLocal(fr: Frame, off: number): Kva {
  return fr.fp - Math.min(off, Math.max(8, fr.fn.frameSize - 8));
}

export interface Arc {
  hdrCache: KmemCache;
  /** zio_data_buf_131072 */
  dataCache: KmemCache;
  /** block id -> [header, data address], insertion order = age */
  cached: Map<number, [Buf, number]>;
  /**
   * buf_hash_table: ht_table (kmem_zalloc'd by buf_init()), ht_mask, and its
   * chains mirrored by bucket. Above 1 GB of physmem the table is larger than
   * KMEM_MAXBUF and comes from kmem_oversize, whose words the dump does not
   * carry: hashTable is then null and hashTableAddr its address.
   */
  hashTable: Buf | null;
  hashTableAddr: Kva;
  hashMask: number;
  chains: Map<number, Buf[]>;
  /** data buffers of reads in flight, by block */
  pendingData: Map<number, number>;
  inflight: Map<number, Zio>;
  /** the zio_null()s of readers that joined a read in flight (arc_read_nolock's acb_zio_dummy), by block */
  joined: Map<number, Zio[]>;
  max: number;
  hits: number;
  misses: number;
}

export interface ZfsState {
  spa: Spa;
  /** the spa_t and the pool's objset_t (kmem_zalloc'd at import) */
  spaAddr: Kva;
  os: Kva;
  spaBuf: Buf;
  /** objset_t.os_dnodes */
  dnodes: KList;
  caches: { vn: KmemCache; dnode: KmemCache; dbuf: KmemCache; arcBuf: KmemCache; cred: KmemCache; l1: KmemCache };
  arc: Arc;
  km: Kmem;
  /** dmu_zfetch: blocks prefetched ahead of a sequential reader */
  prefetchDepth: number;
  reads: number;
}

/** arc_init()'s header cache; the ARC's file data comes from zio_data_buf_<BLOCK> (zio_init()) */
export function zfsInit(km: Kmem, spa: Spa, arcMax: number, prefetchDepth: number, dataCache: KmemCache, l1: KmemCache): ZfsState {
  const hdrCache = kmemCacheCreate(km, { name: 'arc_buf_hdr_t', bufsize: SIZEOF_ARC_BUF_HDR, align: 8 });
  // arc_init(): "arc_buf_t" beside the header cache; dbuf_init(), dnode_init():
  // dmu_buf_impl_t and dnode_t; vn_create_cache(); cred_init()'s cred_cache
  const caches = {
    vn: kmemCacheCreate(km, { name: 'vn_cache', bufsize: SIZEOF_VNODE, align: 8 }),
    dnode: kmemCacheCreate(km, { name: 'dnode_t', bufsize: SIZEOF_DNODE, align: 8 }),
    dbuf: kmemCacheCreate(km, { name: 'dmu_buf_impl_t', bufsize: SIZEOF_DBUF, align: 8 }),
    arcBuf: kmemCacheCreate(km, { name: 'arc_buf_t', bufsize: SIZEOF_ARC_BUF, align: 8 }),
    cred: kmemCacheCreate(km, { name: 'cred_cache', bufsize: SIZEOF_CRED, align: 8 }),
    l1,
  };
  const zalloc = (size: number, what: string): Buf => {
    const m = runNoSleep(kmemAlloc(km, size, KM_SLEEP), what);
    if (m === null || typeof m === 'number') throw new Error('simulator: no memory for the pool at boot');
    return m;
  };
  // buf_init(): a bucket per 64K of physical memory, at least 4096
  let hsize = 1 << 12;
  while (hsize * 65536 < km.k.cfg.physmem * km.k.p.pagesize) hsize *= 2;
  // kmem_zalloc(hsize * sizeof (void *)): above KMEM_MAXBUF (physmem over 1 GB)
  // kmem_alloc() hands out a kmem_oversize segment rather than a buffer
  const ht = runNoSleep(kmemAlloc(km, hsize * 8, KM_SLEEP), 'buf_init');
  if (ht === null) throw new Error('simulator: no memory for the pool at boot');
  const hashTable = typeof ht === 'number' ? null : ht;
  const hashTableAddr = typeof ht === 'number' ? ht : ht.addr;
  const spaBuf = zalloc(SIZEOF_SPA, 'spa_add');
  const osBuf = zalloc(SIZEOF_OBJSET, 'dmu_objset_open_impl');
  storePtr(spaBuf, SPA_META_OBJSET, osBuf.addr);
  storePtr(spaBuf, SPA_ROOT_VDEV, spa.root.addr);
  spa.addr = spaBuf.addr;
  // spa_load() → vdev_alloc(): each vdev's vdev_spa
  const visit = (v: Spa['root']): void => {
    storePtr(v.buf, VDEV_SPA, spa.addr);
    v.children.forEach(visit);
  };
  visit(spa.root);
  return {
    spa,
    spaAddr: spaBuf.addr,
    os: osBuf.addr,
    spaBuf,
    dnodes: new KList(osBuf, osBuf.addr + OS_DNODES_HEAD, DN_LINK),
    caches,
    km,
    arc: {
      hdrCache,
      dataCache,
      cached: new Map(),
      hashTable,
      hashTableAddr,
      hashMask: hsize - 1,
      chains: new Map(),
      pendingData: new Map(),
      inflight: new Map(),
      joined: new Map(),
      max: arcMax,
      hits: 0,
      misses: 0,
    },
    prefetchDepth,
    reads: 0,
  };
}

/**
 * zfsOpen(): what a reader's open file holds (vnode, dnode, dbufs, the L1
 * block, the prefetch stream), allocated when the reader starts.
 */
export function zfsOpen(z: ZfsState, object: number): ZfsFile {
  const c = z.caches;
  const take = (cp: KmemCache): Buf => {
    const b = kmemCacheAllocNoSleep(z.km, cp);
    if (!b) throw new Error('simulator: no memory for an open file at boot');
    return b;
  };
  const zs = runNoSleep(kmemAlloc(z.km, SIZEOF_ZSTREAM, KM_SLEEP), 'dmu_zfetch_stream_create');
  const vp = take(c.vn);
  const cred = take(c.cred);
  const dn = take(c.dnode);
  // the data block's dbuf and its parent, the L1 indirect block's, whose
  // arc_buf_t holds the L1 data (the blkptr_t array)
  const db = take(c.dbuf);
  const l1db = take(c.dbuf);
  const l1buf = take(c.arcBuf);
  const l1data = take(c.l1);
  // dnode_create(): on its objset's os_dnodes
  z.dnodes.insertTail(dn);
  // dbuf_create(): on the dnode's dn_dbufs
  const dbufs = new KList(dn, dn.addr + DN_DBUFS_HEAD, DB_LINK);
  dbufs.insertTail(l1db);
  dbufs.insertTail(db);
  storePtr(l1db, DB_BUF, l1buf.addr);
  storePtr(l1buf, ARC_B_DATA, l1data.addr);
  storePtr(db, DB_PARENT, l1db.addr);
  storePtr(db, DB_BLKPTR, l1data.addr);
  // dmu_zfetch_stream_create(): on the dnode's zf_stream
  if (zs !== null && typeof zs !== 'number') new KList(dn, dn.addr + DN_ZFETCH + ZF_STREAM_HEAD, ZS_NODE).insertTail(zs);
  const dirty: KList[] = [];
  for (let t = 0; t < TXG_SIZE; t++) dirty.push(new KList(dn, dn.addr + DN_DIRTY_RECORDS_HEAD(t), DR_DIRTY_NODE));
  return {
    dirty,
    vp: vp.addr,
    cred: cred.addr,
    dn: dn.addr,
    object,
    db: db.addr,
    l1buf: l1buf.addr,
    l1data: l1data.addr,
    zs: zs === null ? 0 : typeof zs === 'number' ? zs : zs.addr,
  };
}

/** dbuf_dirty_record_t's dr_dirty_node (a list_node_t) and its data (dt.dl.dr_data) */
export const DR_DIRTY_NODE = 0x20;
export const DR_DATA = 0x58;

/**
 * ZFS's globals that hold the pool: spa_namespace_avl (an avl_tree_t whose
 * avl_root is the one pool's spa_avl) and arc.c's buf_hash_table { ht_mask,
 * ht_table }.
 */
export function zfsGlobalWords(k: Kernel, z: ZfsState): Array<DataWord & { name: string; ptr: boolean }> {
  const avl = kernelObject(k, 'zfs', 'spa_namespace_avl', 0x28).addr;
  const ht = kernelObject(k, 'zfs', 'buf_hash_table', 0x18).addr;
  // avl_create(&spa_namespace_avl, spa_name_compare, sizeof (spa_t), offsetof (spa_t, spa_avl)):
  // avl_root, avl_compar, avl_offset, avl_numnodes, avl_size
  return [
    { name: 'spa_namespace_avl', at: avl, value: z.spaAddr + SPA_AVL, ptr: true },
    { name: 'spa_namespace_avl', at: avl + 8, value: spa_name_compare.addr, ptr: true },
    { name: 'spa_namespace_avl', at: avl + 16, value: SPA_AVL, ptr: false },
    { name: 'spa_namespace_avl', at: avl + 24, value: 1, ptr: false },
    { name: 'spa_namespace_avl', at: avl + 32, value: illumosLayouts().structs.get('spa_t')!.size, ptr: false },
    { name: 'buf_hash_table', at: ht, value: z.arc.hashMask, ptr: false },
    { name: 'buf_hash_table', at: ht + 8, value: z.arc.hashTableAddr, ptr: true },
  ];
}

/** spa_t.spa_dsl_pool: dsl_pool_open() hangs the pool's dsl_pool_t off its spa */
export function spaSetDslPool(z: ZfsState, dp: Kva): void {
  storePtr(z.spaBuf, SPA_DSL_POOL, dp);
}

/** buf_hash_insert() / buf_hash_remove(): the header's chain in ht_table, relinked through b_hash_next */
function bufHashRelink(z: ZfsState, idx: number, chain: Buf[]): void {
  // a bucket's head word in an oversize ht_table would be lost from the dump,
  // and ::findleaks would report every cached header: refuse rather than lie
  if (!z.arc.hashTable)
    throw new ScenarioError(
      'kernel.physmem_mb above 1024 with ZFS readers: the ARC hash table is then a kmem_oversize segment, whose words the dump does not hold (use at most 1024, or reader.threads=0)',
    );
  storePtr(z.arc.hashTable, idx * 8, chain.length > 0 ? chain[0]!.addr : 0);
  chain.forEach((h, i) => storePtr(h, HDR_B_HASH_NEXT, i + 1 < chain.length ? chain[i + 1]!.addr : 0));
  if (chain.length === 0) z.arc.chains.delete(idx);
}

function bufHashInsert(z: ZfsState, blk: number, hdr: Buf): void {
  const idx = blk & z.arc.hashMask;
  let chain = z.arc.chains.get(idx);
  if (!chain) z.arc.chains.set(idx, (chain = []));
  chain.unshift(hdr);
  bufHashRelink(z, idx, chain);
}

function bufHashRemove(z: ZfsState, blk: number, hdr: Buf): void {
  const idx = blk & z.arc.hashMask;
  const chain = z.arc.chains.get(idx);
  if (!chain) return;
  const i = chain.indexOf(hdr);
  if (i >= 0) chain.splice(i, 1);
  storePtr(hdr, HDR_B_HASH_NEXT, 0);
  bufHashRelink(z, idx, chain);
}

/** arc_hdr_destroy(): out of the hash table, then back to its cache */
function arcHdrDestroy(z: ZfsState, blk: number, hdr: Buf): void {
  bufHashRemove(z, blk, hdr);
  kmemCacheFree(z.km, z.arc.hdrCache, hdr.addr);
}

/**
 * A block's id within its file (dn's blkid) and its byte offset: the ARC
 * names blocks across the pool, a file holds at most FILE_BLOCKS of them.
 */
const FILE_BLOCKS = 1024;
const blkid = (blk: number): number => blk % FILE_BLOCKS;

/** The blkptr_t of block `blk` in the file's L1 indirect block. */
function blkptr(f: ZfsFile, blk: number): Kva {
  return f.l1data + (blk % (L1_SIZE / SIZEOF_BLKPTR)) * SIZEOF_BLKPTR;
}

/**
 * arc_read() → arc_read_nolock(): a hit returns null; a miss issues (or
 * joins) a read. A prefetch passes no parent zio and no done callback
 * (dbuf_prefetch()); a demand read passes dbuf_read_done and the dbuf.
 */
function* arcRead(k: Kernel, z: ZfsState, f: ZfsFile, blk: number, prefetch: boolean, pio: Zio | null = null): KGen<Zio | null> {
  const bp = blkptr(f, blk);
  const done = prefetch ? 0 : dbuf_read_done.addr;
  const priv = prefetch ? 0 : f.db;
  // arc_read(pio, spa, bp, pbuf, done, private, ...): the first six, as amd64's saved arguments show
  const pa = pio ? pio.addr : 0;
  const f1 = k.enter(arc_read, 0b111111, pa, z.spaAddr, bp, f.l1buf, done, priv);
  const f2 = k.enter(arc_read_nolock, 0b11111, pa, z.spaAddr, bp, done, priv, prefetch ? ZIO_PRIORITY_ASYNC_READ : ZIO_PRIORITY_SYNC_READ);
  let zio: Zio | null = null;
  if (z.arc.cached.has(blk)) {
    z.arc.hits++;
  } else if (z.arc.inflight.has(blk)) {
    // the header's read is in flight: a caller with a parent zio joins it
    // through a zio_null() child of that parent, which arc_read_done() completes
    if (pio) {
      zio = yield* zioNull(k, z.spa, pio);
      let j = z.arc.joined.get(blk);
      if (!j) z.arc.joined.set(blk, (j = []));
      j.push(zio);
    }
  } else {
    z.arc.misses++;
    // arc_buf_alloc(spa, size, tag, type): the tag is the callback private (the dbuf); arc_get_data_buf(buf)
    const fb = k.enter(arc_buf_alloc, 0b101, z.spaAddr, BLOCK, priv, 1);
    const fg = k.enter(arc_get_data_buf, 0b1, f.l1buf);
    let data = 0;
    if (z.arc.cached.size + z.arc.inflight.size >= z.arc.max && z.arc.cached.size > 0) {
      // arc_evict(..., recycle): take the oldest block's buffer for this read
      // arc_evict(state, spa, bytes, recycle, type): arc_mru, the pool, one block, recycle
      const fe = k.enter(arc_evict, 0b11, kernelObject(k, 'zfs', 'ARC_mru', 0x70).addr, z.spaAddr, BLOCK, 1, 1);
      const [oldBlk, [h, d]] = z.arc.cached.entries().next().value as [number, [Buf, number]];
      z.arc.cached.delete(oldBlk);
      arcHdrDestroy(z, oldBlk, h);
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
    zio = yield* zioLogical(k, z.spa, blk * BLOCK, blk, false, data, BLOCK, pio);
    zio.onDone = (kk, done) => arcReadDone(kk, z, blk, done);
    zio.doneFn = arc_read_done.addr;
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
  const joined = z.arc.joined.get(blk);
  if (joined) {
    z.arc.joined.delete(blk);
    for (const dummy of joined) zioNullDone(k, z.spa, dummy, zio.error);
  }
  const data = z.arc.pendingData.get(blk) ?? 0;
  z.arc.pendingData.delete(blk);
  // arc_read_done runs in interrupt context: the header allocation must not sleep
  const hdr = zio.error || data === 0 ? null : kmemCacheAllocNoSleep(z.km, z.arc.hdrCache);
  if (hdr === null) {
    if (data !== 0) kmemCacheFree(z.km, z.arc.dataCache, data);
    return;
  }
  storePtr(hdr, HDR_B_BUF, data);
  bufHashInsert(z, blk, hdr);
  z.arc.cached.set(blk, [hdr, data]);
  while (z.arc.cached.size > z.arc.max) {
    const [oldBlk, [h, d]] = z.arc.cached.entries().next().value as [number, [Buf, number]];
    z.arc.cached.delete(oldBlk);
    kmemCacheFree(z.km, z.arc.dataCache, d);
    arcHdrDestroy(z, oldBlk, h);
  }
}


/** dbuf_prefetch(dn, blkid) → dsl_read(NULL, spa, bp, pbuf, NULL, NULL, ...) → arc_read(): issue, do not wait */
function* dbufPrefetch(k: Kernel, z: ZfsState, f: ZfsFile, blk: number): KGen<void> {
  const f1 = k.enter(dbuf_prefetch, 0b1, f.dn, blkid(blk));
  const f2 = k.enter(dsl_read, 0b111110, 0, z.spaAddr, blkptr(f, blk), f.l1buf, 0, 0);
  yield* arcRead(k, z, f, blk, true);
  k.leave(f2);
  k.leave(f1);
}

/**
 * dmu_zfetch(zf, offset, size, prefetched): the read matches the file's
 * stream (dmu_zfetch_find(zf, &zst, prefetched), the candidate stream a
 * local of dmu_zfetch), and dmu_zfetch_dofetch(zf, zs) issues the stream's
 * next blocks with one dmu_zfetch_fetch(dn, blkid, nblks), which calls
 * dbuf_prefetch() for each.
 */
function* dmuZfetch(k: Kernel, z: ZfsState, f: ZfsFile, blk: number): KGen<void> {
  const zf = f.dn + DN_ZFETCH;
  const f0 = k.enter(dmu_zfetch, 0b1, zf, blkid(blk) * BLOCK, BLOCK, 0);
  const f1 = k.enter(dmu_zfetch_find, 0b11, zf, frameLocal(f0, 0x78), 0);
  const f2 = k.enter(dmu_zfetch_dofetch, 0b11, zf, f.zs);
  const f3 = k.enter(dmu_zfetch_fetch, 0b1, f.dn, blkid(blk + 1), z.prefetchDepth);
  for (let i = 1; i <= z.prefetchDepth; i++) yield* dbufPrefetch(k, z, f, blk + i);
  k.leave(f3);
  k.leave(f2);
  k.leave(f1);
  k.leave(f0);
}

/** The read(2) system call on a ZFS file, one block at `blk`. Returns the error (0 or EIO-like). */
export function* sysRead(k: Kernel, z: ZfsState, f: ZfsFile, fd: number, blk: number): KGen<number> {
  const f0 = k.enter(brand_sys_sysenter, 0);
  // the user's buffer: a 32-bit process's heap address (not a kernel pointer)
  const ubuf = 0x8100000 + (blk % 64) * BLOCK;
  const f1 = k.enter(read32, 0, fd, ubuf, BLOCK);
  const f2 = k.enter(readFn, 0, fd, ubuf, BLOCK);
  // read() builds the uio_t in its own frame; fop_read(vp, uiop, ioflag, cr, ct)
  const uio = frameLocal(f2, 0x70);
  const f3 = k.enter(fop_read, 0b1011, f.vp, uio, 0, f.cred, 0);
  const f4 = k.enter(zfs_read, 0b1011, f.vp, uio, 0, f.cred, 0);
  // dmu_read_uio(os, object, uio, size)
  const f5 = k.enter(dmu_read_uio, 0b101, z.os, f.object, uio, BLOCK);
  // dmu_buf_hold_array(os, object, offset, length, read, tag): FTAG is dmu_read_uio's __func__
  const ftag = k.kstring('dmu_read_uio');
  const f6 = k.enter(dmu_buf_hold_array, 0b100001, z.os, f.object, blkid(blk) * BLOCK, BLOCK, 1, ftag);
  const f7 = k.enter(dmu_buf_hold_array_by_dnode, 0b110001, f.dn, blkid(blk) * BLOCK, BLOCK, 1, ftag, frameLocal(f5, 0x18));
  // dbuf_read(db, zio, flags) with no parent zio: dbuf_read waits for its own read
  const f8 = k.enter(dbuf_read, 0b1, f.db, 0, DBUF_FLAGS);
  z.reads++;
  yield* dmuZfetch(k, z, f, blk);
  // dbuf_read() without a parent: zio_root(spa, NULL, NULL, ZIO_FLAG_CANFAIL), then zio_wait() on it
  const root = yield* zioRoot(k, z.spa);
  const f9 = k.enter(dbuf_read_impl, 0b111, f.db, root.addr, frameLocal(f8, 0x10));
  yield* arcRead(k, z, f, blk, false, root);
  k.leave(f9);
  const err = yield* zioWait(k, z.spa, root);
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

