/*
 * UMA's objects as the 2004 sys/vm/uma_int.h and uma.h have them: kegs (the
 * slab layer), zones (per-CPU caches and bucket lists over a keg), slabs
 * with their byte-index freelists, and buckets. Flags and limits are the
 * era's values.
 */
import type { Kernel } from '../../machine/kernel.js';
import type { Kva } from '../../machine/platform.js';
import type { FuncSym } from '../../machine/symbols.js';
import type { KGen, KThread } from '../../machine/thread.js';
import type { Mtx } from '../kern/mutex.js';
import type { KmemMap } from '../vm/vm_kern.js';
import type { Vm } from '../vm/vm_page.js';

/** uma.h zone flags */
export const UMA_ZONE_PAGEABLE = 0x1;
export const UMA_ZONE_ZINIT = 0x2;
export const UMA_ZONE_STATIC = 0x4;
export const UMA_ZONE_OFFPAGE = 0x8;
export const UMA_ZONE_MALLOC = 0x10;
export const UMA_ZONE_NOFREE = 0x20;
export const UMA_ZONE_MTXCLASS = 0x40;
export const UMA_ZONE_VM = 0x80;
export const UMA_ZONE_HASH = 0x100;
export const UMA_ZONE_SECONDARY = 0x200;
export const UMA_ZONE_REFCNT = 0x400;
export const UMA_ZONE_MAXBUCKET = 0x800;
/** uma_int.h internal flags */
export const UMA_ZFLAG_PRIVALLOC = 0x10000000;
export const UMA_ZFLAG_INTERNAL = 0x20000000;
export const UMA_ZFLAG_FULL = 0x40000000;
export const UMA_ZFLAG_CACHEONLY = 0x80000000;

export const UMA_SLAB_SIZE = 4096;
export const UMA_MAX_WASTE = UMA_SLAB_SIZE / 10;
export const UMA_SMALLEST_UNIT = UMA_SLAB_SIZE / 256;
export const BUCKET_MAX = 128;
export const BUCKET_SHIFT = 4;
/** UMA_TIMEOUT: seconds between uma_timeout() runs */
export const UMA_TIMEOUT = 20;
/** uma_zfree_internal skip flags */
export const SKIP_NONE = 0;
export const SKIP_DTOR = 1;
export const SKIP_FINI = 2;
/**
 * uma_zfree_internal stat flags (ZFREE_STATFREE in the 2005 uma_core.c): a
 * consumer's free counts in uz_frees; an item going back from a bucket
 * drain or a failed init never reached a consumer and does not.
 */
export const ZFREE_STATFREE = 2;

export const SLAB_PART = 0;
export const SLAB_FREE = 1;
export const SLAB_FULL = 2;

export interface Slab {
  /** the header's address: on the page at us_data + uk_pgoff, or an item of the slab zone */
  addr: Kva;
  keg: Keg;
  /** us_data: the first page */
  data: Kva;
  us_freecount: number;
  us_firstfree: number;
  /** us_freelist[i]: the index of the next free item after i */
  freelist: Uint8Array;
  /** which keg list it is on: SLAB_PART, SLAB_FREE or SLAB_FULL */
  list: number;
}

export interface Bucket {
  addr: Kva;
  /** ub_entries */
  entries: number;
  /** ub_bucket[0 .. ub_cnt) */
  items: Kva[];
  /** the bucket zone it came from */
  zone: Zone;
}

export interface Cache {
  uc_freebucket: Bucket | null;
  uc_allocbucket: Bucket | null;
  uc_allocs: number;
  uc_frees: number;
}

/** ctor/init run on an item; they may sleep (mb_init_pack allocates) and may fail (return false) */
export type ItemFn = (u: Uma, item: Kva, size: number, flags: number) => KGen<boolean>;
/** dtor/fini run on an item and never sleep */
export type ItemFreeFn = (u: Uma, item: Kva, size: number) => void;

export interface ItemHook<F> {
  sym: FuncSym;
  fn: F;
}

export interface Keg {
  addr: Kva;
  lock: Mtx;
  /** the thread that last took uk_lock and still has it, for the dump's mtx_lock */
  lockOwner: KThread | null;
  zones: Zone[];
  part: Set<Slab>;
  free: Set<Slab>;
  full: Set<Slab>;
  uk_recurse: number;
  uk_align: number;
  uk_pages: number;
  uk_free: number;
  uk_size: number;
  uk_rsize: number;
  uk_maxpages: number;
  uk_init: ItemHook<ItemFn> | null;
  uk_fini: ItemHook<ItemFreeFn> | null;
  uk_allocf: FuncSym;
  uk_freef: FuncSym;
  uk_slabzone: Zone | null;
  uk_pgoff: number;
  uk_ppera: number;
  uk_ipers: number;
  uk_flags: number;
}

export interface Zone {
  addr: Kva;
  uz_name: string;
  keg: Keg;
  uz_ctor: ItemHook<ItemFn> | null;
  uz_dtor: ItemHook<ItemFreeFn> | null;
  uz_init: ItemHook<ItemFn> | null;
  uz_fini: ItemHook<ItemFreeFn> | null;
  uz_allocs: number;
  uz_frees: number;
  uz_fails: number;
  uz_fills: number;
  uz_count: number;
  /** uz_full_bucket, uz_free_bucket (LIST_INSERT_HEAD: the last pushed is the head) */
  full: Bucket[];
  freeB: Bucket[];
  uz_cpu: Cache[];
}

/** UMA's globals: the zone list, the internal zones, the fix switch and the instrumentation. */
export interface Uma {
  k: Kernel;
  vm: Vm;
  map: KmemMap;
  kegs: Keg[];
  zones: Zone[];
  byName: Map<string, Zone>;
  kegsZone: Zone;
  zonesZone: Zone;
  slabzone: Zone;
  slabrefzone: Zone;
  hashzone: Zone;
  /** bucket zones by ub_entries: "16 Bucket" .. "128 Bucket" */
  bucketZones: Map<number, Zone>;
  bucketdisable: boolean;
  /** vtoslab(): the slab of every page UMA owns */
  pageSlab: Map<Kva, Slab>;
  /** buckets by address (bucket_free finds its zone) */
  buckets: Map<Kva, Bucket>;
  /** the 2005 recursion guard (fix slabzone-exempt) */
  slabzoneExempt: boolean;
  /** Peter Holm's instrumentation: uma_zone_slab iterations before panic; 0 in a stock kernel */
  loopPanic: number;
  /** the longest run of uma_zone_slab retries seen, and the total */
  loopMax: number;
  loopTotal: number;
  /** times the recursion guard returned NULL, by zone name */
  guardFails: Map<string, number>;
  sizes: { slab: number; slabRefcnt: number; bucket: number; keg: number; zone: number };
}
