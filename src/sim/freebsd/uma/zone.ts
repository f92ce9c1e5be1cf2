/*
 * Zones (zone_ctor(), uma_zcreate(), uma_zsecond_create() and
 * uma_zone_set_max() in the 2004 sys/vm/uma_core.c).
 *
 * A zone is a name, per-CPU caches and bucket lists over a keg. A secondary
 * zone (uma_zsecond_create, the mbuf "Packet" zone) shares its master's keg
 * but has its own ctor/dtor and init/fini, run as items move between the
 * keg and the zone's caches.
 */
import type { Kva } from '../../machine/platform.js';
import { func } from '../../machine/symbols.js';
import { runNoSleep } from '../../machine/sync.js';
import { M_WAITOK } from '../vm/vm_kern.js';
import { umaZallocInternal } from './alloc.js';
import { kegCtor, type KegArgs } from './keg.js';
import {
  BUCKET_MAX,
  UMA_ZONE_MAXBUCKET,
  type ItemFn,
  type ItemFreeFn,
  type ItemHook,
  type Keg,
  type Uma,
  type Zone,
} from './types.js';

const uma_zcreate = func('kernel', 'uma_zcreate', 0x80);
const uma_zsecond_create = func('kernel', 'uma_zsecond_create', 0x90);
const uma_zone_set_max = func('kernel', 'uma_zone_set_max', 0x80);

export interface ZoneHooks {
  ctor?: ItemHook<ItemFn> | null;
  dtor?: ItemHook<ItemFreeFn> | null;
  init?: ItemHook<ItemFn> | null;
  fini?: ItemHook<ItemFreeFn> | null;
}

/** models zone_ctor(): a zone at `addr` over `keg`, with its bucket size. */
export function zoneCtor(u: Uma, addr: Kva, name: string, keg: Keg, h: ZoneHooks): Zone {
  const zone: Zone = {
    addr,
    uz_name: name,
    keg,
    uz_ctor: h.ctor ?? null,
    uz_dtor: h.dtor ?? null,
    uz_init: h.init ?? null,
    uz_fini: h.fini ?? null,
    uz_allocs: 0,
    uz_frees: 0,
    uz_fails: 0,
    uz_fills: 0,
    uz_count: keg.uk_flags & UMA_ZONE_MAXBUCKET ? BUCKET_MAX : Math.min(keg.uk_ipers, BUCKET_MAX),
    full: [],
    freeB: [],
    uz_cpu: Array.from({ length: u.k.cfg.ncpus }, () => ({ uc_freebucket: null, uc_allocbucket: null, uc_allocs: 0, uc_frees: 0 })),
  };
  keg.zones.push(zone);
  u.zones.push(zone);
  u.byName.set(name, zone);
  return zone;
}

/** models uma_zcreate(): a zone and its own keg, both allocated from UMA's internal zones. */
export function umaZcreate(u: Uma, name: string, size: number, h: ZoneHooks, align: number, flags: number, keg: Omit<KegArgs, 'size' | 'align' | 'flags'> = {}): Zone {
  const k = u.k;
  const fr = k.enter(uma_zcreate, 0b1, k.kstring(name), size, 0, 0, 0, 0, align, flags);
  const zaddr = runNoSleep(umaZallocInternal(u, u.zonesZone, 0, M_WAITOK), 'uma_zcreate')!;
  const kaddr = runNoSleep(umaZallocInternal(u, u.kegsZone, 0, M_WAITOK), 'uma_kcreate')!;
  const kg = kegCtor(u, kaddr, name, { size, align, flags, ...keg });
  const z = zoneCtor(u, zaddr, name, kg, h);
  k.leave(fr);
  return z;
}

/** models uma_zsecond_create(): a zone on the master zone's keg with its own ctor/dtor/init/fini. */
export function umaZsecondCreate(u: Uma, name: string, h: ZoneHooks, master: Zone): Zone {
  const k = u.k;
  const fr = k.enter(uma_zsecond_create, 0b1, k.kstring(name), 0, 0, 0, 0, master.addr);
  const zaddr = runNoSleep(umaZallocInternal(u, u.zonesZone, 0, M_WAITOK), 'uma_zsecond_create')!;
  const z = zoneCtor(u, zaddr, name, master.keg, h);
  k.leave(fr);
  return z;
}

/** models uma_zone_set_max(): cap the keg at enough pages for `nitems` items. */
export function umaZoneSetMax(u: Uma, zone: Zone, nitems: number): void {
  const fr = u.k.enter(uma_zone_set_max, 0b1, zone.addr, nitems);
  const keg = zone.keg;
  keg.uk_maxpages = Math.floor(nitems / keg.uk_ipers) * keg.uk_ppera;
  if (keg.uk_maxpages * keg.uk_ipers < nitems) keg.uk_maxpages += keg.uk_ppera;
  u.k.leave(fr);
}
