/*
 * Slabs (slab_zalloc(), uma_slab_alloc() and the free side of
 * uma_zfree_internal() in the 2004 sys/vm/uma_core.c).
 *
 * slab_zalloc() is entered with the keg lock held and drops it: an OFFPAGE
 * keg first takes a header from its slab zone with uma_zalloc_internal()
 * and the caller's wait flag (a NULL there fails the whole slab), then the
 * pages come from uk_allocf, page_alloc() -> kmem_malloc(kmem_map), which
 * sleeps in VM_WAIT for M_WAITOK. The new slab's freelist is the chain
 * 0 -> 1 -> ... -> ipers-1.
 */
import type { Kva } from '../../machine/platform.js';
import { func } from '../../machine/symbols.js';
import type { KGen } from '../../machine/thread.js';
import { kmemFree, kmemMalloc, M_ZERO } from '../vm/vm_kern.js';
import { page_alloc, page_free } from './keg.js';
import {
  SKIP_NONE,
  SLAB_FREE,
  SLAB_FULL,
  SLAB_PART,
  UMA_SLAB_SIZE,
  UMA_ZONE_MALLOC,
  UMA_ZONE_OFFPAGE,
  type Keg,
  type Slab,
  type Uma,
  type Zone,
  ZFREE_STATFREE,
} from './types.js';
import { umaZallocInternal } from './alloc.js';
import { umaZfreeInternal } from './free.js';

const slab_zalloc = func('kernel', 'slab_zalloc', 0x2b0);
const uma_slab_alloc = func('kernel', 'uma_slab_alloc', 0x90);

function setList(keg: Keg, s: Slab, list: number): void {
  if (s.list === list) return;
  (s.list === SLAB_PART ? keg.part : s.list === SLAB_FREE ? keg.free : keg.full).delete(s);
  (list === SLAB_PART ? keg.part : list === SLAB_FREE ? keg.free : keg.full).add(s);
  s.list = list;
}

/** models page_alloc(): the keg's pages from kmem_map. */
function* pageAlloc(u: Uma, zone: Zone, bytes: number, wait: number): KGen<Kva> {
  const fr = u.k.enter(page_alloc, 0b1, zone.addr, bytes, 0, wait);
  const mem = yield* kmemMalloc(u.vm, u.map, bytes, wait);
  u.k.leave(fr);
  return mem;
}

/** models slab_zalloc(zone, wait): a new slab for the zone's keg, or null. */
export function* slabZalloc(u: Uma, zone: Zone, wait: number): KGen<Slab | null> {
  const k = u.k;
  const keg = zone.keg;
  const fr = k.enter(slab_zalloc, 0b1, zone.addr, wait);
  keg.lockOwner = null;
  let hdr: Kva = 0;
  if (keg.uk_flags & UMA_ZONE_OFFPAGE) {
    hdr = (yield* umaZallocInternal(u, keg.uk_slabzone!, 0, wait)) ?? 0;
    if (hdr === 0) {
      keg.lockOwner = k.curthread;
      k.leave(fr);
      return null;
    }
  }
  const flags = keg.uk_flags & UMA_ZONE_MALLOC ? wait : wait | M_ZERO;
  const bytes = keg.uk_ppera * UMA_SLAB_SIZE;
  const mem = yield* pageAlloc(u, zone, bytes, flags);
  if (mem === 0) {
    if (hdr !== 0) umaZfreeInternal(u, keg.uk_slabzone!, hdr, 0, SKIP_NONE, ZFREE_STATFREE);
    keg.lockOwner = k.curthread;
    k.leave(fr);
    return null;
  }
  const freelist = new Uint8Array(keg.uk_ipers);
  for (let i = 0; i < keg.uk_ipers; i++) freelist[i] = i + 1;
  const s: Slab = {
    addr: hdr !== 0 ? hdr : mem + keg.uk_pgoff,
    keg,
    data: mem,
    us_freecount: keg.uk_ipers,
    us_firstfree: 0,
    freelist,
    list: SLAB_FREE,
  };
  // vsetslab() / the hash: every page of the slab finds its header
  for (let p = 0; p < keg.uk_ppera; p++) u.pageSlab.set(mem + p * UMA_SLAB_SIZE, s);
  k.tick(2_000);
  keg.lockOwner = k.curthread;
  keg.uk_pages += keg.uk_ppera;
  keg.uk_free += keg.uk_ipers;
  k.leave(fr);
  return s;
}

/** Put a new slab on the keg's partial list (uma_zone_slab does, before handing it out). */
export function slabInsertPart(keg: Keg, s: Slab): void {
  keg.part.add(s);
  s.list = SLAB_PART;
}

/** The first slab with free items: a partial one, else a free one moved to the partial list. */
export function kegFirstSlab(keg: Keg): Slab | null {
  for (const s of keg.part) return s;
  for (const s of keg.free) {
    setList(keg, s, SLAB_PART);
    return s;
  }
  return null;
}

/** models uma_slab_alloc(): take the first free item of slab s. */
export function umaSlabAlloc(u: Uma, keg: Keg, s: Slab): Kva {
  const fr = u.k.enter(uma_slab_alloc, 0b11, keg.zones[0]!.addr, s.addr);
  const i = s.us_firstfree;
  s.us_firstfree = s.freelist[i]!;
  s.us_freecount--;
  keg.uk_free--;
  if (s.us_freecount === 0) setList(keg, s, SLAB_FULL);
  u.k.leave(fr);
  return s.data + i * keg.uk_rsize;
}

/** The slab an item belongs to (vtoslab() or the keg's hash); a foreign address is a simulator bug. */
export function slabOf(u: Uma, item: Kva): Slab {
  const s = u.pageSlab.get(item - (item % UMA_SLAB_SIZE));
  if (!s) throw new Error(`simulator: ${u.k.hex(item)} is not a UMA item`);
  return s;
}

/** The free half of uma_zfree_internal(): item back on its slab's freelist, the slab on the right list. */
export function slabFreeItem(keg: Keg, s: Slab, item: Kva): void {
  const i = Math.floor((item - s.data) / keg.uk_rsize);
  s.freelist[i] = s.us_firstfree;
  s.us_firstfree = i;
  s.us_freecount++;
  keg.uk_free++;
  setList(keg, s, s.us_freecount === keg.uk_ipers ? SLAB_FREE : SLAB_PART);
}

/** models keg_drain()'s slab_free part: a free slab's pages back to kmem_map, its header to the slab zone. */
export function slabDestroy(u: Uma, keg: Keg, s: Slab): void {
  keg.free.delete(s);
  keg.uk_pages -= keg.uk_ppera;
  keg.uk_free -= keg.uk_ipers;
  for (let p = 0; p < keg.uk_ppera; p++) u.pageSlab.delete(s.data + p * UMA_SLAB_SIZE);
  const fr = u.k.enter(page_free, 0b1, s.data, keg.uk_ppera * UMA_SLAB_SIZE, 0);
  kmemFree(u.vm, u.map, s.data, keg.uk_ppera * UMA_SLAB_SIZE);
  u.k.leave(fr);
  if (keg.uk_flags & UMA_ZONE_OFFPAGE) umaZfreeInternal(u, keg.uk_slabzone!, s.addr, 0, SKIP_NONE, ZFREE_STATFREE);
}
