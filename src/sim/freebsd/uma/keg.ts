/*
 * Kegs: the slab layer under one or more zones (keg_ctor(), zone_small_init()
 * and zone_large_init() in the 2004 sys/vm/uma_core.c).
 *
 * The geometry decides where a slab's header lives. Small items share the
 * page with an on-page header at uk_pgoff; a keg whose items waste too much
 * of the page, or that needs reference counts (UMA_ZONE_REFCNT, the mbuf
 * cluster keg), keeps its headers off the page, in items of a slab-header
 * zone: slabrefzone ("UMA RCntSlabs") for REFCNT kegs, slabzone ("UMA
 * Slabs") for the others. Internal kegs (UMA's own zones) are never OFFPAGE.
 */
import type { Kva } from '../../machine/platform.js';
import { func, type FuncSym } from '../../machine/symbols.js';
import { mtxInit } from '../kern/mutex.js';
import {
  UMA_MAX_WASTE,
  UMA_SLAB_SIZE,
  UMA_SMALLEST_UNIT,
  UMA_ZFLAG_CACHEONLY,
  UMA_ZFLAG_INTERNAL,
  UMA_ZONE_HASH,
  UMA_ZONE_MALLOC,
  UMA_ZONE_OFFPAGE,
  UMA_ZONE_REFCNT,
  type ItemFn,
  type ItemFreeFn,
  type ItemHook,
  type Keg,
  type Uma,
} from './types.js';

export const page_alloc = func('kernel', 'page_alloc', 0x60);
export const page_free = func('kernel', 'page_free', 0x70);

/** offsetof(struct uma_keg, uk_lock): after uk_link (a LIST_ENTRY of two pointers) */
const UK_LOCK = 8;

export interface KegArgs {
  size: number;
  /** alignment mask (UMA_ALIGN_PTR = sizeof (void *) - 1) */
  align: number;
  flags: number;
  init?: ItemHook<ItemFn> | null;
  fini?: ItemHook<ItemFreeFn> | null;
  allocf?: FuncSym;
  freef?: FuncSym;
}

/** models zone_small_init(): items per slab, and whether the header must go off the page. */
function smallInit(u: Uma, keg: Keg): void {
  let rsize = Math.max(keg.uk_size, UMA_SMALLEST_UNIT);
  if (rsize & keg.uk_align) rsize = (rsize & ~keg.uk_align) + keg.uk_align + 1;
  keg.uk_rsize = rsize;
  keg.uk_ppera = 1;
  const refcnt = (keg.uk_flags & UMA_ZONE_REFCNT) !== 0;
  // each item costs its size plus its freelist entry (with a 32-bit refcnt for REFCNT kegs)
  const shsize = refcnt ? u.sizes.slabRefcnt : u.sizes.slab;
  const per = rsize + (refcnt ? 5 : 1);
  keg.uk_ipers = Math.floor((UMA_SLAB_SIZE - shsize) / per);
  const wasted = UMA_SLAB_SIZE - (keg.uk_ipers * per + shsize);
  if ((refcnt || wasted >= UMA_MAX_WASTE) && !(keg.uk_flags & (UMA_ZFLAG_INTERNAL | UMA_ZFLAG_CACHEONLY))) {
    const ipers = Math.floor(UMA_SLAB_SIZE / rsize);
    if (refcnt || ipers > keg.uk_ipers) {
      keg.uk_ipers = ipers;
      keg.uk_flags |= UMA_ZONE_OFFPAGE;
      if (!(keg.uk_flags & UMA_ZONE_MALLOC)) keg.uk_flags |= UMA_ZONE_HASH;
    }
  }
}

/** models zone_large_init(): one item of several pages, header always off the page. */
function largeInit(keg: Keg): void {
  keg.uk_ppera = Math.ceil(keg.uk_size / UMA_SLAB_SIZE);
  keg.uk_ipers = 1;
  keg.uk_rsize = keg.uk_size;
  keg.uk_flags |= UMA_ZONE_OFFPAGE;
  if (!(keg.uk_flags & UMA_ZONE_MALLOC)) keg.uk_flags |= UMA_ZONE_HASH;
}

/** models keg_ctor(): a keg at `addr` with its geometry, its slab zone and uk_pgoff. */
export function kegCtor(u: Uma, addr: Kva, name: string, a: KegArgs): Keg {
  const keg: Keg = {
    addr,
    lock: mtxInit(u.k, name, addr + UK_LOCK),
    lockOwner: null,
    zones: [],
    part: new Set(),
    free: new Set(),
    full: new Set(),
    uk_recurse: 0,
    uk_align: a.align,
    uk_pages: 0,
    uk_free: 0,
    uk_size: a.size,
    uk_rsize: 0,
    uk_maxpages: 0,
    uk_init: a.init ?? null,
    uk_fini: a.fini ?? null,
    uk_allocf: a.allocf ?? page_alloc,
    uk_freef: a.freef ?? page_free,
    uk_slabzone: null,
    uk_pgoff: 0,
    uk_ppera: 1,
    uk_ipers: 0,
    uk_flags: a.flags,
  };
  if (keg.uk_size + 1 > UMA_SLAB_SIZE - u.sizes.slab) largeInit(keg);
  else smallInit(u, keg);
  if (keg.uk_flags & UMA_ZONE_OFFPAGE) {
    keg.uk_slabzone = keg.uk_flags & UMA_ZONE_REFCNT ? u.slabrefzone : u.slabzone;
  } else {
    // the header and its freelist at the end of the page, pointer-aligned
    let tot = u.sizes.slab + keg.uk_ipers;
    if (tot & 3) tot = (tot & ~3) + 4;
    keg.uk_pgoff = UMA_SLAB_SIZE - tot;
    if (keg.uk_pgoff < keg.uk_ipers * keg.uk_rsize) throw new Error(`simulator: keg ${name}: items overlap the slab header`);
  }
  u.kegs.push(keg);
  return keg;
}
