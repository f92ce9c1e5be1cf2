/*
 * UMA as sys/vm/uma_core.c had it in 2020, as far as the boundary-tag path
 * needs it: zones with per-CPU cache buckets and a bucket cache, kegs with
 * per-domain slab lists and free-item counts (one domain here), a reserve
 * of items only M_USE_RESERVE callers may take (uk_reserve), and keg_drain.
 *
 *   uma_zalloc_arg -> per-CPU bucket -> zone_alloc_bucket (bucket cache, else
 *     zone_import into a new bucket) or, with buckets disabled under page
 *     shortage, zone_alloc_item -> zone_import of one item;
 *   zone_import -> keg_fetch_slab: keg_fetch_free_slab honours uk_reserve
 *     unless M_USE_RESERVE; M_NOVM stops there; else keg_alloc_slab calls the
 *     keg's uk_allocf; a waiting caller whose slab allocation failed goes
 *     through vm_wait_doms and starts again;
 *   keg_drain frees every fully free slab unless the keg is UMA_ZONE_NOFREE;
 *     with r366840 (D26772) it first keeps enough free slabs that the free
 *     items cover uk_reserve.
 *
 * Buckets are items of the bucket zones ("4 Bucket" .. "256 Bucket",
 * bucket_init()), as bucket_alloc()/bucket_free() make them: the zone's
 * uz_bucket_size picks the bucket zone (bucket_zone_lookup), a cookie in
 * udata stops a bucket zone from recursing into itself (UMA_ZFLAG_BUCKET),
 * and a zone whose keg has UMA_ZFLAG_CACHEONLY (keg_ctor sets it for
 * UMA_ZONE_VM, the "vmem btag" zone) asks for its buckets with M_NOVM: it
 * gets one only while the bucket zone has a free item in a CPU bucket, its
 * bucket cache or a keg slab; otherwise uma_zalloc takes one item from the
 * keg (zone_alloc_item) and uma_zfree gives the item straight back to its
 * slab (zone_free_item). One simplification is left: the free path's
 * bucket_alloc(M_NOWAIT) of a zone without UMA_ZONE_VM may make a new
 * bucket-zone slab in the kernel, which the simulated uma_zfree (it cannot
 * call into the VM) does not do; where that would be needed the bucket
 * header comes from a private range, as all headers did before.
 * D26771 (zone_import takes one item under the reserve) is not modelled: it
 * is not one of the scenario's fixes.
 */
import type { Kernel } from '../../machine/kernel.js';
import type { Kva } from '../../machine/platform.js';
import { runNoSleep } from '../../machine/sync.js';
import type { KGen } from '../../machine/thread.js';
import { f20 } from '../kern/kern2020.js';
import { M_NOVM, M_NOWAIT, M_USE_RESERVE, M_WAITOK } from '../vmem/vmem.js';

export const UMA_ZONE_NOFREE = 0x20;
export const UMA_ZONE_VM = 0x80;
/** uma_int.h of 2020: OFFPAGE moved from the UMA_ZONE_ flags to UMA_ZFLAG_OFFPAGE in January 2020 */
export const UMA_ZONE_OFFPAGE = 0x00200000;
export const UMA_ZFLAG_BUCKET = 0x10000000;
/** uma_int.h: "Don't ask VM for buckets"; keg_ctor sets it on UMA_ZONE_VM kegs and the zone inherits it */
export const UMA_ZFLAG_CACHEONLY = 0x80000000;

const uma_zalloc_arg = f20('uma_zalloc_arg', 0x1b0);
const zone_alloc_bucket = f20('zone_alloc_bucket', 0x130);
const zone_alloc_item = f20('zone_alloc_item', 0x110);
const zone_import = f20('zone_import', 0x1e0);
const keg_fetch_slab = f20('keg_fetch_slab', 0x1a0);
const keg_alloc_slab = f20('keg_alloc_slab', 0x2c0);
const uma_zfree_arg = f20('uma_zfree_arg', 0x1f0);
const keg_drain = f20('keg_drain', 0x1a0);
const zone_reclaim = f20('zone_reclaim', 0x140);
const uma_reclaim = f20('uma_reclaim', 0x90);
const bucket_alloc = f20('bucket_alloc', 0xd0);
const bucket_free = f20('bucket_free', 0x60);
const bucket_drain = f20('bucket_drain', 0x90);
const cache_drain_safe_cpu = f20('cache_drain_safe_cpu', 0x120);
const zone_free_item = f20('zone_free_item', 0xf0);
const bucket_enable = f20('bucket_enable', 0x30);

export interface Slab {
  /** the struct uma_slab (on the page, after the items) */
  addr: Kva;
  /** the page the items are in */
  data: Kva;
  /** us_free: a set bit is a free item */
  free: Uint32Array;
  freecount: number;
  boot: boolean;
  list: 'part' | 'free' | 'full';
}

export interface Keg {
  name: string;
  addr: Kva;
  size: number;
  rsize: number;
  ipers: number;
  ppera: number;
  pgoff: number;
  reserve: number;
  flags: number;
  /** uk_allocf / uk_freef by symbol name */
  allocf: string;
  freef: string;
  alloc: (bytes: number, flags: number) => KGen<Kva>;
  freeFn: (mem: Kva, bytes: number) => void;
  part: Set<Slab>;
  freeS: Set<Slab>;
  full: Set<Slab>;
  ud_pages: number;
  ud_free_items: number;
  ud_free_slabs: number;
  /** keg_drain calls, slabs it freed, and calls that left the free items below uk_reserve (model counters) */
  drains: number;
  drained: number;
  drainsBelowReserve: number;
  /**
   * the fewest free items a keg_drain left (-1: none ran) and when (ns); and
   * the fewest the keg held once its whole uma_reclaim was over (model
   * counters: within a DRAIN_CPU reclaim the first pass may empty the keg
   * and the second, after pcpu_cache_drain_safe, refill it)
   */
  fewestAfterDrain: number;
  fewestAfterDrainAt: number;
  fewestAfterReclaim: number;
}

export interface Bucket {
  addr: Kva;
  items: Kva[];
  entries: number;
  /** the bucket zone it is an item of; null for a header from the private range */
  zone: Zone | null;
}

/** one entry of bucket_zones[] */
export interface BucketZone {
  entries: number;
  maxsize: number;
  zone: Zone;
}

export interface Cache {
  alloc: Bucket | null;
  free: Bucket | null;
  allocs: number;
  frees: number;
}

export interface Zone {
  name: string;
  addr: Kva;
  keg: Keg;
  flags: number;
  bucketSize: number;
  cpu: Cache[];
  /** uzd_buckets: full buckets, LIST_FIRST last */
  buckets: Bucket[];
  allocs: number;
  frees: number;
  fails: number;
  /** allocations that asked with M_USE_RESERVE, and items they took */
  reserveAllocs: number;
  /** bucket_alloc calls for this zone that returned NULL (model counter) */
  bucketFails: number;
}

export interface Uma2020 {
  k: Kernel;
  zones: Zone[];
  kegs: Keg[];
  /**
   * set by bucket_enable() alone: at each uma_reclaim() and each
   * uma_timeout() (every UMA_TIMEOUT, 20 s), to vm_page_count_min() at
   * that moment; it stays as set in between, whatever the free pages do
   */
  bucketdisable: boolean;
  /** vm_page_count_min(): free pages below v_free_min */
  pageCountMin: () => boolean;
  /** slabs by page */
  bypage: Map<Kva, Slab>;
  nextBucket: Kva;
  /** r366840: keg_drain keeps uk_reserve */
  drainKeepsReserve: boolean;
  slabHdr: number;
  /** bucket_zones[], smallest first (empty until bucket_init) */
  bucketZones: BucketZone[];
}

const BITS = 32;

export function kegCreate(u: Uma2020, name: string, addr: Kva, size: number, flags: number, pagesize: number): Keg {
  const rsize = Math.ceil(size / 4) * 4;
  // an item that leaves no room for the slab header on its page gets the header off the page (UMA_ZONE_OFFPAGE)
  const offpage = Math.floor((pagesize - u.slabHdr) / rsize) < 1;
  // keg_large_init(): an item bigger than a page is one item per slab of howmany(size, PAGE_SIZE) pages
  const ppera = Math.max(1, Math.ceil(rsize / pagesize));
  const ipers = ppera > 1 ? 1 : offpage ? Math.floor(pagesize / rsize) : Math.floor((pagesize - u.slabHdr) / rsize);
  const keg: Keg = {
    name,
    addr,
    size,
    rsize,
    ipers,
    ppera,
    pgoff: offpage ? 0 : ipers * rsize,
    reserve: 0,
    // keg_ctor(): if (arg->flags & UMA_ZONE_VM) keg->uk_flags |= UMA_ZFLAG_CACHEONLY
    flags: (flags | (offpage ? UMA_ZONE_OFFPAGE : 0) | (flags & UMA_ZONE_VM ? UMA_ZFLAG_CACHEONLY : 0)) >>> 0,
    allocf: 'page_alloc',
    freef: 'page_free',
    alloc: () => (function* () {
      return 0;
    })(),
    freeFn: () => undefined,
    part: new Set(),
    freeS: new Set(),
    full: new Set(),
    ud_pages: 0,
    ud_free_items: 0,
    ud_free_slabs: 0,
    drains: 0,
    drained: 0,
    drainsBelowReserve: 0,
    fewestAfterDrain: -1,
    fewestAfterDrainAt: 0,
    fewestAfterReclaim: -1,
  };
  u.kegs.push(keg);
  return keg;
}

export function zoneCreate(u: Uma2020, name: string, addr: Kva, keg: Keg, bucketSize: number, ncpus: number): Zone {
  const z: Zone = {
    name,
    addr,
    keg,
    flags: keg.flags,
    bucketSize,
    cpu: Array.from({ length: ncpus }, () => ({ alloc: null, free: null, allocs: 0, frees: 0 })),
    buckets: [],
    allocs: 0,
    frees: 0,
    fails: 0,
    reserveAllocs: 0,
    bucketFails: 0,
  };
  u.zones.push(z);
  return z;
}

/** A bucket header outside the bucket zones (the simplification the header comment names). */
function privateBucket(u: Uma2020, entries: number): Bucket {
  const b: Bucket = { addr: u.nextBucket, items: [], entries, zone: null };
  u.nextBucket += 16 + entries * 8;
  return b;
}

/**
 * models bucket_alloc()'s cookie: a zone that is not a bucket zone passes its
 * own uz_flags; a bucket zone adds UMA_ZFLAG_BUCKET, and a cookie that has it
 * already means a bucket zone is recursing for its own buckets: no bucket.
 */
function bucketCookie(zone: Zone, udata: number): number | null {
  if (!(zone.flags & UMA_ZFLAG_BUCKET)) return zone.flags;
  if (udata & UMA_ZFLAG_BUCKET) return null;
  return (udata | UMA_ZFLAG_BUCKET) >>> 0;
}

/** models bucket_zone_lookup(uz_bucket_size), skipping the zone itself (a bucket zone takes the next size up). */
function bucketZoneFor(u: Uma2020, zone: Zone): BucketZone | null {
  const bz = u.bucketZones;
  if (bz.length === 0) return null;
  let i = bz.findIndex((b) => b.entries >= zone.bucketSize);
  if (i < 0) i = bz.length - 1;
  if (bz[i]!.zone === zone && i + 1 < bz.length) i++;
  return bz[i]!;
}

/**
 * models bucket_alloc(zone, udata, flags) on the allocation path (from
 * zone_alloc_bucket with M_NOWAIT | (flags & M_NOVM)): NULL while
 * bucketdisable, for a recursing bucket zone, or when the bucket zone has
 * nothing; UMA_ZFLAG_CACHEONLY in the cookie adds M_NOVM.
 */
function* bucketAlloc(u: Uma2020, zone: Zone, udata: number, flags: number): KGen<Bucket | null> {
  if (u.bucketdisable) return null;
  const bz = bucketZoneFor(u, zone);
  if (!bz) return privateBucket(u, zone.bucketSize);
  const cookie = bucketCookie(zone, udata);
  if (cookie === null) return null;
  if (cookie & UMA_ZFLAG_CACHEONLY) flags |= M_NOVM;
  const k = u.k;
  const fr = k.enter(bucket_alloc, 0b1, zone.addr, cookie, flags);
  const a = yield* umaZalloc(u, bz.zone, flags, cookie);
  k.leave(fr);
  if (a === 0) {
    zone.bucketFails++;
    return null;
  }
  return { addr: a, items: [], entries: bz.entries, zone: bz.zone };
}

/**
 * models bucket_alloc(zone, udata, M_NOWAIT) on uma_zfree's path. For a
 * CACHEONLY zone the request is M_NOVM and never leaves UMA, so it is
 * modelled exactly (run without yielding). For another zone the simulated
 * free path cannot call into the VM: it takes a free bucket-zone item if
 * there is one and otherwise a private header (see the header comment).
 */
function bucketAllocNowait(u: Uma2020, zone: Zone, udata: number): Bucket | null {
  if (u.bucketdisable) return null;
  const bz = bucketZoneFor(u, zone);
  if (!bz) return privateBucket(u, zone.bucketSize);
  const cookie = bucketCookie(zone, udata);
  if (cookie === null) return null;
  const k = u.k;
  const fr = k.enter(bucket_alloc, 0b1, zone.addr, cookie, M_NOWAIT);
  const a = runNoSleep(umaZalloc(u, bz.zone, M_NOWAIT | M_NOVM, cookie), 'an M_NOVM|M_NOWAIT uma_zalloc');
  k.leave(fr);
  if (a !== 0) return { addr: a, items: [], entries: bz.entries, zone: bz.zone };
  if (cookie & UMA_ZFLAG_CACHEONLY) {
    zone.bucketFails++;
    return null;
  }
  return privateBucket(u, zone.bucketSize);
}

/** models bucket_free(zone, bucket, udata): the empty bucket back to its bucket zone. */
function bucketFree(u: Uma2020, zone: Zone, b: Bucket, udata: number): void {
  if (b.items.length !== 0) throw new Error(`simulator: ${zone.name}: bucket_free of a bucket with ${b.items.length} items`);
  if (!b.zone) return;
  const k = u.k;
  const fr = k.enter(bucket_free, 0b11, zone.addr, b.addr, udata);
  umaZfree(u, b.zone, b.addr, zone.flags & UMA_ZFLAG_BUCKET ? udata : zone.flags);
  k.leave(fr);
}

/** models bucket_drain() + bucket_free(): the items back to their slabs (zone_release), the bucket to its zone. */
function bucketDrainFree(u: Uma2020, zone: Zone, b: Bucket): void {
  const k = u.k;
  const fr = k.enter(bucket_drain, 0b11, zone.addr, b.addr);
  for (const it of b.items.splice(0)) slabFreeItem(u, zone.keg, it);
  k.leave(fr);
  bucketFree(u, zone, b, 0);
}

/** bucket_init(): one bucket zone per bucket_zones[] entry, smallest first. */
export function bucketInit(u: Uma2020, make: (name: string, itemSize: number) => Zone, table: ReadonlyArray<readonly [number, number]>, ptr: number, entriesOf: (n: number) => number): void {
  for (const [n, maxsize] of table) {
    const entries = entriesOf(n);
    // size = roundup(sizeof(struct uma_bucket), sizeof(void *)) + sizeof(void *) * ubz_entries
    const hdr = ptr * n - ptr * entries;
    const zone = make(`${n} Bucket`, hdr + ptr * entries);
    u.bucketZones.push({ entries, maxsize, zone });
  }
}

// ---- slabs -----------------------------------------------------------------

function moveSlab(keg: Keg, s: Slab, to: Slab['list']): void {
  const from = s.list === 'part' ? keg.part : s.list === 'free' ? keg.freeS : keg.full;
  from.delete(s);
  if (s.list === 'free') keg.ud_free_slabs--;
  s.list = to;
  (to === 'part' ? keg.part : to === 'free' ? keg.freeS : keg.full).add(s);
  if (to === 'free') keg.ud_free_slabs++;
}

/** A new slab of `mem`, every item free, on the partial list (keg_alloc_slab). */
export function slabInit(u: Uma2020, keg: Keg, mem: Kva, boot: boolean): Slab {
  const words = Math.ceil(keg.ipers / BITS);
  const free = new Uint32Array(words);
  for (let i = 0; i < keg.ipers; i++) free[i >>> 5]! |= 1 << (i & 31);
  let hdr = mem + keg.pgoff;
  if (keg.flags & UMA_ZONE_OFFPAGE) {
    // the header is an item of the slab zone: a struct uma_hash_slab off the page
    hdr = u.nextBucket;
    u.nextBucket += 64;
  }
  const s: Slab = { addr: hdr, data: mem, free, freecount: keg.ipers, boot, list: 'part' };
  keg.part.add(s);
  keg.ud_pages += keg.ppera;
  keg.ud_free_items += keg.ipers;
  u.bypage.set(mem, s);
  return s;
}

function slabAllocItem(keg: Keg, s: Slab): Kva {
  let i = 0;
  for (let w = 0; w < s.free.length; w++) {
    const v = s.free[w]!;
    if (v !== 0) {
      i = w * 32 + (31 - Math.clz32(v & -v));
      break;
    }
  }
  s.free[i >>> 5]! &= ~(1 << (i & 31));
  s.freecount--;
  keg.ud_free_items--;
  if (s.list === 'free') moveSlab(keg, s, 'part');
  if (s.freecount === 0) moveSlab(keg, s, 'full');
  return s.data + i * keg.rsize;
}

function slabFreeItem(u: Uma2020, keg: Keg, item: Kva): void {
  // vtoslab(): the slab of the item's page (a multi-page slab's one item is at its start)
  const page = keg.ppera > 1 ? item : item - (item % u.k.p.pagesize);
  const s = u.bypage.get(page);
  if (!s) throw new Error(`simulator: ${keg.name}: free of ${item.toString(16)} outside any slab`);
  const i = (item - s.data) / keg.rsize;
  s.free[i >>> 5]! |= 1 << (i & 31);
  s.freecount++;
  keg.ud_free_items++;
  if (s.freecount === keg.ipers) moveSlab(keg, s, 'free');
  else if (s.list === 'full') moveSlab(keg, s, 'part');
}

/**
 * LIST_FIRST of a keg's slab list. The lists are LIST_INSERT_HEAD lists: a
 * slab that just got a free item (slab_free_item) or was just taken off the
 * free list (keg_first_slab) is at the head. The Sets keep insertion order,
 * so the head is the last element.
 */
export function listFirst(set: Set<Slab>): Slab | undefined {
  let last: Slab | undefined;
  for (const s of set) last = s;
  return last;
}

/** models keg_fetch_free_slab() and keg_first_slab(): the head partial slab, else the head free slab, unless that would dip into the reserve. */
function kegFetchFreeSlab(keg: Keg, flags: number): Slab | null {
  const reserve = flags & M_USE_RESERVE ? 0 : keg.reserve;
  if (keg.ud_free_items <= reserve) return null;
  const p = listFirst(keg.part);
  if (p) return p;
  const f = listFirst(keg.freeS);
  if (f) {
    moveSlab(keg, f, 'part');
    return f;
  }
  return null;
}

/** models keg_alloc_slab(): a new slab from uk_allocf, or null. */
function* kegAllocSlab(u: Uma2020, keg: Keg, zone: Zone, flags: number): KGen<Slab | null> {
  const k = u.k;
  const fr = k.enter(keg_alloc_slab, 0b11, keg.addr, zone.addr, 0, flags, flags);
  const mem = yield* keg.alloc(keg.ppera * k.p.pagesize, flags);
  const s = mem === 0 ? null : slabInit(u, keg, mem, false);
  k.leave(fr);
  return s;
}

/**
 * models keg_fetch_slab() for a fixed domain (rdomain 0, !rr): a free slab,
 * else a new one from keg_alloc_slab with the caller's flags; a waiting
 * caller whose slab allocation failed simply tries again ("if (!rr &&
 * (flags & M_WAITOK) == 0) break;"), without vm_wait_doms: the only sleep is
 * the one in uk_allocf, pause("btalloc") in vmem_bt_alloc. (The round-robin
 * path, rdomain == UMA_ANYDOMAIN, passes M_NOWAIT to keg_alloc_slab and
 * waits in vm_wait_doms; vmem_bt_alloc would then never pause, while PR
 * 248008's threads sleep on "btalloc". The non-round-robin loop without a
 * sleep is what D32515, in 2021, changed to call vm_wait_domain.)
 */
function* kegFetchSlab(u: Uma2020, keg: Keg, zone: Zone, flags: number): KGen<Slab | null> {
  const k = u.k;
  const fr = k.enter(keg_fetch_slab, 0b11, keg.addr, zone.addr, 0, flags);
  let s: Slab | null = null;
  for (;;) {
    s = kegFetchFreeSlab(keg, flags);
    if (s || flags & M_NOVM) break;
    s = yield* kegAllocSlab(u, keg, zone, flags);
    if (s) break;
    if (!(flags & M_WAITOK)) {
      s = kegFetchFreeSlab(keg, flags);
      break;
    }
  }
  k.leave(fr);
  return s;
}

/**
 * models zone_import(): up to max items into `out` ("try to keep the buckets
 * totally full"). Taking from a slab stops when the keg's free items fall to
 * uk_reserve; the next keg_fetch_slab then finds no slab above the reserve
 * (unless M_USE_RESERVE) and, without M_NOVM, has keg_alloc_slab make a new
 * one. Only the first slab may wait: after it the flags are M_NOWAIT.
 */
function* zoneImport(u: Uma2020, zone: Zone, out: Kva[], max: number, flags: number): KGen<number> {
  const k = u.k;
  const keg = zone.keg;
  const fr = k.enter(zone_import, 0b11, zone.addr, 0, max, -1 >>> 0, flags);
  let n = 0;
  while (n < max) {
    const s = yield* kegFetchSlab(u, keg, zone, flags);
    if (!s) break;
    while (s.freecount > 0 && n < max) {
      out.push(slabAllocItem(keg, s));
      n++;
      if (keg.ud_free_items <= keg.reserve) break;
    }
    flags = (flags & ~M_WAITOK) | M_NOWAIT;
  }
  k.leave(fr);
  return n;
}

/**
 * models uma_zalloc_arg(zone, udata, flags): an item, or 0. The CPU's alloc
 * bucket, else its free bucket swapped in; an empty alloc bucket is given
 * back (bucket_free); then, unless buckets are disabled, a full bucket from
 * the bucket cache or a new one from zone_alloc_bucket (bucket_alloc, then
 * zone_import); failing those one item (zone_alloc_item).
 */
export function* umaZalloc(u: Uma2020, zone: Zone, flags: number, udata = 0): KGen<Kva> {
  const k = u.k;
  const fr = k.enter(uma_zalloc_arg, 0b1, zone.addr, udata, flags);
  if (flags & M_USE_RESERVE) zone.reserveAllocs++;
  let item: Kva = 0;
  let single = false;
  for (;;) {
    const c = zone.cpu[k.curcpu]!;
    if (c.alloc && c.alloc.items.length > 0) {
      item = c.alloc.items.pop()!;
      c.allocs++;
      break;
    }
    if (c.free && c.free.items.length > 0) {
      [c.alloc, c.free] = [c.free, c.alloc];
      continue;
    }
    // "Discard any empty allocation bucket while we hold no locks."
    if (c.alloc) {
      const e = c.alloc;
      c.alloc = null;
      bucketFree(u, zone, e, udata);
    }
    if (u.bucketdisable || zone.bucketSize === 0) {
      single = true;
      break;
    }
    const cached = zone.buckets.pop();
    if (cached) {
      const c1 = zone.cpu[k.curcpu]!;
      if (c1.alloc === null) c1.alloc = cached;
      else zone.buckets.push(cached);
      continue;
    }
    const f2 = k.enter(zone_alloc_bucket, 0b1, zone.addr, udata, -1 >>> 0, flags);
    // "Don't wait for buckets, preserve caller's NOVM setting."
    const b = yield* bucketAlloc(u, zone, udata, M_NOWAIT | (flags & M_NOVM));
    if (b) {
      yield* zoneImport(u, zone, b.items, Math.min(zone.bucketSize, b.entries), flags);
      if (b.items.length === 0) bucketFree(u, zone, b, udata);
    }
    k.leave(f2);
    if (!b || b.items.length === 0) {
      single = true;
      break;
    }
    // "See if we lost the race or were migrated": cache the bucket, else put it in the bucket cache
    const c2 = zone.cpu[k.curcpu]!;
    if (c2.alloc === null) c2.alloc = b;
    else zone.buckets.push(b);
  }
  if (single) {
    // zone_alloc_item(): one item straight from the keg
    const f2 = k.enter(zone_alloc_item, 0b1, zone.addr, udata, -1 >>> 0, flags);
    const got: Kva[] = [];
    yield* zoneImport(u, zone, got, 1, flags);
    k.leave(f2);
    if (got.length) {
      item = got[0]!;
      zone.allocs++;
    }
  }
  if (item === 0) zone.fails++;
  k.leave(fr);
  return item;
}

/**
 * models uma_zfree_arg(zone, item, udata): into this CPU's alloc bucket while
 * it has room (LIFO, cache-hot), else its free bucket; when both are full
 * (or missing) the full free bucket goes to the bucket cache, buckets
 * disabled or not, and bucket_alloc(M_NOWAIT) gives a fresh one unless they
 * are; with buckets disabled, a bucketless zone or no bucket to be had, the
 * item goes straight back to its slab (zone_free_item).
 */
export function umaZfree(u: Uma2020, zone: Zone, item: Kva, udata = 0): void {
  const k = u.k;
  const fr = k.enter(uma_zfree_arg, 0b11, zone.addr, item, udata);
  const c = zone.cpu[k.curcpu]!;
  let b = c.alloc && c.alloc.items.length < c.alloc.entries ? c.alloc : null;
  if (!b && c.free && c.free.items.length < c.free.entries) b = c.free;
  if (b) {
    b.items.push(item);
    c.frees++;
    k.leave(fr);
    return;
  }
  let nb: Bucket | null = null;
  if (zone.bucketSize !== 0) {
    // cache_free(): the full free bucket leaves the CPU for the bucket cache (zone_free_bucket) whatever
    // bucketdisable says; only the new bucket is not asked for ("else if (!bucketdisable) newbucket =
    // bucket_alloc(...)"). cache_alloc() does not look in the bucket cache while buckets are disabled,
    // so under a page shortage those items wait there for bucket_enable() or a drain.
    if (c.free) zone.buckets.push(c.free);
    c.free = null;
    if (!u.bucketdisable) nb = bucketAllocNowait(u, zone, udata);
  }
  if (nb) {
    const c2 = zone.cpu[k.curcpu]!;
    if (c2.free === null) c2.free = nb;
    else zone.buckets.push(nb);
    nb.items.push(item);
    c2.frees++;
  } else {
    const f2 = k.enter(zone_free_item, 0b11, zone.addr, item, udata);
    slabFreeItem(u, zone.keg, item);
    zone.frees++;
    k.leave(f2);
  }
  k.leave(fr);
}

/** models keg_drain(): free the fully free slabs; before r366840 regardless of uk_reserve. */
export function kegDrain(u: Uma2020, keg: Keg): void {
  if (keg.flags & UMA_ZONE_NOFREE) return;
  const k = u.k;
  const fr = k.enter(keg_drain, 0b1, keg.addr);
  keg.drains++;
  let keep = 0;
  if (u.drainKeepsReserve) {
    const partial = keg.ud_free_items - keg.ud_free_slabs * keg.ipers;
    if (partial < keg.reserve) keep = Math.ceil((keg.reserve - partial) / keg.ipers);
  }
  const victims: Slab[] = [];
  for (const s of keg.freeS) {
    if (s.boot) continue;
    if (keep > 0) {
      keep--;
      continue;
    }
    victims.push(s);
  }
  for (const s of victims) {
    keg.freeS.delete(s);
    keg.ud_free_slabs--;
    keg.ud_free_items -= keg.ipers;
    keg.ud_pages -= keg.ppera;
    u.bypage.delete(s.data);
    keg.drained++;
    keg.freeFn(s.data, keg.ppera * k.p.pagesize);
  }
  if (victims.length > 0 && keg.ud_free_items < keg.reserve) keg.drainsBelowReserve++;
  if (keg.fewestAfterDrain < 0 || keg.ud_free_items < keg.fewestAfterDrain) {
    keg.fewestAfterDrain = keg.ud_free_items;
    keg.fewestAfterDrainAt = k.now;
  }
  k.leave(fr);
}

/**
 * models zone_drain() -> zone_reclaim(zone, M_NOWAIT, true):
 * bucket_cache_reclaim(zone, true) (every bucket in the bucket cache drained
 * into its slabs and freed), then keg_drain(). TRIM's zone_trim() passes
 * drain = false and the real bucket_cache_reclaim then keeps the bucket
 * cache's working-set estimate; here it empties the bucket cache too.
 */
function zoneDrain(u: Uma2020, z: Zone): void {
  const k = u.k;
  const f2 = k.enter(zone_reclaim, 0b1, z.addr, M_NOWAIT, 1);
  for (const b of z.buckets.splice(0)) bucketDrainFree(u, z, b);
  kegDrain(u, z.keg);
  k.leave(f2);
}

/**
 * models cache_drain_safe_cpu(zone) on each CPU (pcpu_cache_drain_safe binds
 * the thread to each CPU in turn): the CPU's non-empty buckets go to the
 * bucket cache, empty ones back to their bucket zone from that CPU.
 */
function pcpuCacheDrainSafe(u: Uma2020): void {
  const k = u.k;
  const home = k.curcpu;
  for (let cpu = 0; cpu < k.cpus.length; cpu++) {
    k.curcpu = cpu;
    for (const z of [...u.zones].reverse()) {
      const c = z.cpu[cpu]!;
      const fr = k.enter(cache_drain_safe_cpu, 0b1, z.addr);
      // unload both buckets before giving any back, as cache_bucket_unload_alloc/_free do: freeing
      // an empty bucket is a uma_zfree into its bucket zone, whose own bucket_alloc can come back
      // to this zone on this CPU (bucket zones feed each other in pairs) and must not find it here
      const held = [c.alloc, c.free];
      c.alloc = null;
      c.free = null;
      for (const b of held) {
        if (!b) continue;
        if (b.items.length > 0) z.buckets.push(b);
        else bucketFree(u, z, b, 0);
      }
      k.leave(fr);
    }
  }
  k.curcpu = home;
}

/**
 * models uma_reclaim(req) of 2020: bucket_enable() first, then for
 * UMA_RECLAIM_TRIM zone_foreach(zone_trim);
 * UMA_RECLAIM_DRAIN_CPU is zone_foreach(zone_drain), pcpu_cache_drain_safe(),
 * zone_foreach(zone_drain) again; both end with bucket_zone_drain(), the
 * bucket zones once more, for the buckets the other zones gave back.
 * zone_foreach() walks uma_kegs, where keg_ctor inserts each new keg at the
 * head: the newest zones first, so the boot-time "vmem btag" zone comes after
 * the zones whose keg_drain gave tags back to it, and the bucket zones
 * (bucket_init, the oldest) last.
 */
export function umaReclaim(u: Uma2020, cpus: boolean): void {
  const k = u.k;
  const fr = k.enter(uma_reclaim, 0, cpus ? 3 : 1);
  bucketEnable(u);
  const order = [...u.zones].reverse();
  for (const z of order) zoneDrain(u, z);
  if (cpus) {
    pcpuCacheDrainSafe(u);
    for (const z of order) zoneDrain(u, z);
  }
  for (const bz of u.bucketZones) zoneDrain(u, bz.zone);
  for (const keg of u.kegs) if (keg.fewestAfterReclaim < 0 || keg.ud_free_items < keg.fewestAfterReclaim) keg.fewestAfterReclaim = keg.ud_free_items;
  k.leave(fr);
}

/** models bucket_enable(): buckets are disabled while free pages are below v_free_min. */
export function bucketEnable(u: Uma2020): void {
  const fr = u.k.enter(bucket_enable, 0);
  u.bucketdisable = u.pageCountMin();
  u.k.leave(fr);
}

/** Free items of a zone's keg plus its buckets (what vmstat -z calls FREE). */
export function zoneFreeItems(z: Zone): number {
  let n = z.keg.ud_free_items;
  for (const b of z.buckets) n += b.items.length;
  for (const c of z.cpu) n += (c.alloc?.items.length ?? 0) + (c.free?.items.length ?? 0);
  return n;
}
