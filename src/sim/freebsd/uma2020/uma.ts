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
 * Bucket headers are not items of the bucket zones here; they get addresses
 * from a small private range. D26771 (zone_import takes one item under the
 * reserve) is not modelled: it is not one of the scenario's fixes.
 */
import type { Kernel } from '../../machine/kernel.js';
import type { Kva } from '../../machine/platform.js';
import type { KGen } from '../../machine/thread.js';
import { f20 } from '../kern/kern2020.js';
import { M_NOVM, M_NOWAIT, M_USE_RESERVE, M_WAITOK } from '../vmem/vmem.js';

export const UMA_ZONE_NOFREE = 0x20;
export const UMA_ZONE_VM = 0x80;
export const UMA_ZONE_OFFPAGE = 0x8;
export const UMA_ZFLAG_BUCKET = 0x02000000;

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
}

export interface Bucket {
  addr: Kva;
  items: Kva[];
  entries: number;
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
}

export interface Uma2020 {
  k: Kernel;
  zones: Zone[];
  kegs: Keg[];
  bucketdisable: boolean;
  /** slabs by page */
  bypage: Map<Kva, Slab>;
  nextBucket: Kva;
  /** vm_wait_doms(): sleep while pages are short; set by the VM */
  vmWaitDoms: () => KGen<void>;
  /** r366840: keg_drain keeps uk_reserve */
  drainKeepsReserve: boolean;
  slabHdr: number;
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
    flags: flags | (offpage ? UMA_ZONE_OFFPAGE : 0),
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
  };
  u.zones.push(z);
  return z;
}

function newBucket(u: Uma2020, entries: number): Bucket {
  const b = { addr: u.nextBucket, items: [], entries };
  u.nextBucket += 16 + entries * 8;
  return b;
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

/** models keg_fetch_slab(): a free slab, else a new one; a waiting caller tries again after vm_wait_doms. */
function* kegFetchSlab(u: Uma2020, keg: Keg, zone: Zone, flags: number): KGen<Slab | null> {
  const k = u.k;
  const fr = k.enter(keg_fetch_slab, 0b11, keg.addr, zone.addr, -1 >>> 0, flags);
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
    // the domain iterator is exhausted (one domain): vm_wait_doms, then restart
    yield* u.vmWaitDoms();
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

/** models uma_zalloc_arg(zone, NULL, flags): an item, or 0. */
export function* umaZalloc(u: Uma2020, zone: Zone, flags: number): KGen<Kva> {
  const k = u.k;
  const fr = k.enter(uma_zalloc_arg, 0b1, zone.addr, 0, flags);
  if (flags & M_USE_RESERVE) zone.reserveAllocs++;
  let item: Kva = 0;
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
    if (u.bucketdisable || zone.bucketSize === 0) {
      const f2 = k.enter(zone_alloc_item, 0b1, zone.addr, 0, -1 >>> 0, flags);
      const got: Kva[] = [];
      yield* zoneImport(u, zone, got, 1, flags);
      k.leave(f2);
      if (got.length) {
        item = got[0]!;
        zone.allocs++;
      }
      break;
    }
    const f2 = k.enter(zone_alloc_bucket, 0b1, zone.addr, 0, -1 >>> 0, flags);
    let b = zone.buckets.pop() ?? null;
    if (!b) {
      b = newBucket(u, zone.bucketSize);
      yield* zoneImport(u, zone, b.items, zone.bucketSize, flags);
    }
    k.leave(f2);
    if (b.items.length === 0) break;
    // another thread may have filled this CPU's bucket meanwhile: put ours in the bucket cache
    const c2 = zone.cpu[k.curcpu]!;
    if (c2.alloc && c2.alloc.items.length > 0) zone.buckets.push(b);
    else c2.alloc = b;
  }
  if (item === 0) zone.fails++;
  k.leave(fr);
  return item;
}

/**
 * models uma_zfree_arg(): into this CPU's alloc bucket while it has room
 * (LIFO, cache-hot), else its free bucket; only when both are full does
 * cache_free() run: with buckets disabled (page shortage) or a bucketless
 * zone the item goes straight back to its slab (zone_free_item), otherwise
 * the full free bucket goes to the bucket cache and a fresh one takes the item.
 */
export function umaZfree(u: Uma2020, zone: Zone, item: Kva): void {
  const k = u.k;
  const fr = k.enter(uma_zfree_arg, 0b11, zone.addr, item, 0);
  const c = zone.cpu[k.curcpu]!;
  let b = c.alloc && c.alloc.items.length < c.alloc.entries ? c.alloc : null;
  if (!b && c.free && c.free.items.length < c.free.entries) b = c.free;
  if (b) {
    b.items.push(item);
    c.frees++;
  } else if (u.bucketdisable || zone.bucketSize === 0) {
    slabFreeItem(u, zone.keg, item);
    zone.frees++;
  } else {
    if (c.free) zone.buckets.push(c.free);
    c.free = newBucket(u, zone.bucketSize);
    c.free.items.push(item);
    c.frees++;
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
  k.leave(fr);
}

/** models uma_reclaim(): each zone's bucket cache back to its keg (per-CPU caches too when `cpus`), then keg_drain. */
export function umaReclaim(u: Uma2020, cpus: boolean): void {
  const k = u.k;
  const fr = k.enter(uma_reclaim, 0, cpus ? 3 : 1);
  // zone_foreach() walks uma_kegs, where keg_ctor inserts each new keg at the head: the newest zones first,
  // so the boot-time "vmem btag" zone is reclaimed after the zones whose keg_drain gave tags back to it
  for (const z of [...u.zones].reverse()) {
    const f2 = k.enter(zone_reclaim, 0b1, z.addr, M_NOWAIT, 1);
    const release = (b: Bucket | null): void => {
      if (b) for (const it of b.items.splice(0)) slabFreeItem(u, z.keg, it);
    };
    for (const b of z.buckets.splice(0)) release(b);
    if (cpus) for (const c of z.cpu) {
      release(c.alloc);
      release(c.free);
    }
    kegDrain(u, z.keg);
    k.leave(f2);
  }
  k.leave(fr);
}

/** Free items of a zone's keg plus its buckets (what vmstat -z calls FREE). */
export function zoneFreeItems(z: Zone): number {
  let n = z.keg.ud_free_items;
  for (const b of z.buckets) n += b.items.length;
  for (const c of z.cpu) n += (c.alloc?.items.length ?? 0) + (c.free?.items.length ?? 0);
  return n;
}
