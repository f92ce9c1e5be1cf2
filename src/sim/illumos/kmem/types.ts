/*
 * The in-simulator shapes of kmem's objects. Field comments give the kernel
 * member each one models (kmem_impl.h); the dump collector writes them out
 * under those names.
 */
import type { Kva } from '../../machine/platform.js';
import type { KGen } from '../../machine/thread.js';
import type { Kernel } from '../../machine/kernel.js';
import type { MagType } from './flags.js';
import type { Vmem } from '../vmem/index.js';
import type { BufTable } from './buftable.js';

/**
 * One buffer (chunk) of a slab, with its bufctl and buftag state. Buffer states
 * (after kmem.c's "Object States"):
 *   1. free in its slab, unconstructed (on slab_head);
 *   2. allocated to a client (in the cache's hash when KMF_HASH);
 *   3. free in a magazine: constructed on non-DEBUG kernels, destructed and
 *      poisoned with 0xdeadbeef when KMF_DEADBEEF is set.
 */
export interface Buf {
  /** the buffer's address (bc_addr) */
  addr: Kva;
  slab: Slab;
  /** address of its bufctl: a kmem_bufctl(_audit)_t for hashed caches, inside the buffer otherwise */
  bufctl: Kva;
  /** BUFSTATE_* of the dump format */
  state: number;
  /** FILL_* of the dump format: the pattern of its bytes */
  fill: number;
  /** bt_bxstat says ALLOC (true) or FREE (false) */
  bxAlloc: boolean;
  /** bc_next: next free bufctl in the slab */
  next: Buf | null;
  /** audit: bc_thread, bc_timestamp, bc_stack (interned), bc_lastlog (its last copy in the transaction log, or 0) */
  audThread: Kva;
  audTime: number;
  audStack: number;
  audLastlog: Kva;
  /** bc_contents: the contents saved in the content log at its last free, or 0 */
  audContents: Kva;
  /** pointer-sized words the client stored: flat [offset, value, offset, value, ...] */
  ptrs: number[] | null;
  /**
   * Words a client wrote where it had no business to, flat [offset, value, ...]:
   * into the buffer after it was freed, or at or past the size it asked
   * kmem_alloc() for (a number value is a kernel address, a bigint raw bits).
   * kmem's debug checks find them; the dump shows them as the buffer's words.
   */
  corrupt?: Array<number | bigint> | null;
  /** the size kmem_alloc() was asked for (KMF_REDZONE: kmem_free checks the byte after it) */
  allocSize?: number;
  /** the magazine this buffer is, for kmem_magazine_<n> caches */
  mag: Magazine | null;
}

/** kmem_slab_t */
export interface Slab {
  /** address of the kmem_slab_t */
  addr: Kva;
  cache: KmemCache;
  /** slab_base */
  base: Kva;
  /** slab_head: first free buffer */
  head: Buf | null;
  /** slab_refcnt: allocated buffers */
  refcnt: number;
  /** slab_chunks */
  chunks: number;
  /** the slab's buffers, in address order */
  bufs: Buf[];
  /** the buffer of kmem_slab_cache holding this kmem_slab_t (hashed layout), or null */
  sbuf: Buf | null;
  /** size of the memory from cache_arena */
  size: number;
  /** colour offset of the first buffer */
  color: number;
  /** true while on cache_complete_slabs */
  complete: boolean;
}

/** kmem_magazine_t: mag_next and mag_round[] */
export interface Magazine {
  /** the magazine's buffer in its kmem_magazine_<n> cache */
  buf: Buf;
  rounds: Buf[];
  /** magsize of its type */
  size: number;
}

/** kmem_maglist_t: the depot's full or empty list */
export interface MagList {
  /** ml_list, top first (the array's end is the top) */
  list: Magazine[];
  /** ml_total */
  total: number;
  /** ml_min: minimum total during the current working-set interval */
  min: number;
  /** ml_reaplimit: magazines that may be reaped */
  reaplimit: number;
  /** ml_alloc: allocations from this list */
  alloc: number;
}

/** kmem_cpu_cache_t, one per CPU in cache_cpu[] */
export interface CpuCache {
  addr: Kva;
  cc_alloc: number;
  cc_free: number;
  cc_loaded: Magazine | null;
  cc_ploaded: Magazine | null;
  cc_flags: number;
  /** -1 when no magazine is loaded */
  cc_rounds: number;
  cc_prounds: number;
  cc_magsize: number;
}

/** cache_constructor(buf, private, kmflag): 0 on success; may sleep. */
export type KmemCtor = (k: Kernel, buf: Buf, kmflag: number) => KGen<number>;
/** cache_destructor(buf, private) */
export type KmemDtor = (k: Kernel, buf: Buf) => void;

/** kmem_cache_t */
export interface KmemCache {
  addr: Kva;
  /** index in kmem's cache list (the dump's kmem_cache_t row) */
  index: number;
  cache_name: string;
  cache_bufsize: number;
  cache_align: number;
  ctor: KmemCtor | null;
  dtor: KmemDtor | null;
  /** symbol names of the constructor and destructor, for cache_constructor/cache_destructor */
  ctorName: string | null;
  dtorName: string | null;
  /** cache_private */
  cache_private: Kva;
  cache_arena: Vmem;
  cache_cflags: number;
  cache_flags: number;
  cache_mtbf: number;
  // slab layer
  cache_chunksize: number;
  cache_slabsize: number;
  cache_maxchunks: number;
  /** offset of the bufctl (small slabs) / buftag from the buffer */
  cache_bufctl: number;
  cache_buftag: number;
  cache_verify: number;
  cache_contents: number;
  cache_color: number;
  cache_mincolor: number;
  cache_maxcolor: number;
  cache_hash_shift: number;
  /** number of hash buckets (cache_hash_mask + 1) */
  hashSize: number;
  /** address of cache_hash_table (from kmem_hash) or 0 */
  hashTable: Kva;
  /** allocated buffers by address (the hash for KMF_HASH caches; the simulator keeps it for all) */
  allocated: BufTable;
  complete: Set<Slab>;
  /** partial slabs bucketed by refcnt: the AVL's "most allocated first" order */
  partial: Array<Set<Slab>>;
  npartial: number;
  cache_bufctl_cache: KmemCache | null;
  // statistics
  cache_slab_create: number;
  cache_slab_destroy: number;
  cache_slab_alloc: number;
  cache_slab_free: number;
  cache_alloc_fail: number;
  cache_buftotal: number;
  cache_bufmax: number;
  cache_bufslab: number;
  cache_reap: number;
  cache_depot_contention: number;
  // depot
  cache_magtype: MagType | null;
  /** the kmem_magazine_<n> cache for cache_magtype */
  magCache: KmemCache | null;
  cache_full: MagList;
  cache_empty: MagList;
  cache_cpu: CpuCache[];
}
