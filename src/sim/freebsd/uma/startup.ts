/*
 * uma_startup() (2004 sys/vm/uma_core.c): the zones UMA needs for itself.
 * "UMA Kegs" and "UMA Zones" are static (masterkeg, masterzone_k,
 * masterzone_z) and hold every other keg and zone; then the slab-header
 * zones "UMA Slabs" (slabzone) and "UMA RCntSlabs" (slabrefzone), sized so
 * a header's freelist fits any OFFPAGE keg, "UMA Hash", and the bucket
 * zones. All are UMA_ZFLAG_INTERNAL: no per-CPU caches, never OFFPAGE,
 * and subject to the uk_recurse guard in uma_zone_slab().
 */
import type { Kernel } from '../../machine/kernel.js';
import type { CtfBuilder } from '../../../dump/ctf.js';
import { func } from '../../machine/symbols.js';
import { runNoSleep } from '../../machine/sync.js';
import { M_WAITOK, type KmemMap } from '../vm/vm_kern.js';
import type { Vm } from '../vm/vm_page.js';
import { sizeofType } from '../dump/layouts.js';
import { umaZallocInternal } from './alloc.js';
import { BUCKET_SIZES } from './bucket.js';
import { kegCtor } from './keg.js';
import { zoneCtor } from './zone.js';
import { UMA_MAX_WASTE, UMA_SLAB_SIZE, UMA_ZFLAG_INTERNAL, UMA_ZONE_NOFREE, type Uma, type Zone } from './types.js';

const uma_startup = func('kernel', 'uma_startup', 0x2a0);

export interface UmaOptions {
  slabzoneExempt: boolean;
  loopPanic: number;
}

export function umaStartup(k: Kernel, vm: Vm, map: KmemMap, L: CtfBuilder, o: UmaOptions): Uma {
  const fr = k.enter(uma_startup, 0b1, 0, 0);
  const ptr = k.p.pointerSize;
  const sizes = {
    slab: sizeofType(L, 'struct uma_slab'),
    slabRefcnt: sizeofType(L, 'struct uma_slab_refcnt'),
    bucket: sizeofType(L, 'struct uma_bucket'),
    keg: sizeofType(L, 'struct uma_keg'),
    zone: sizeofType(L, 'struct uma_zone'),
  };
  const none = null as unknown as Zone;
  const u: Uma = {
    k,
    vm,
    map,
    kegs: [],
    zones: [],
    byName: new Map(),
    kegsZone: none,
    zonesZone: none,
    slabzone: none,
    slabrefzone: none,
    hashzone: none,
    bucketZones: new Map(),
    bucketdisable: true,
    pageSlab: new Map(),
    buckets: new Map(),
    slabzoneExempt: o.slabzoneExempt,
    loopPanic: o.loopPanic,
    loopMax: 0,
    loopTotal: 0,
    guardFails: new Map(),
    sizes,
  };
  const internal = UMA_ZFLAG_INTERNAL;
  const align = ptr - 1;
  const masterkeg = k.sym.object('kernel', 'masterkeg', sizes.keg).addr;
  const mzk = k.sym.object('kernel', 'masterzone_k', sizes.zone).addr;
  const mzz = k.sym.object('kernel', 'masterzone_z', sizes.zone).addr;
  const kk = kegCtor(u, masterkeg, 'UMA Kegs', { size: sizes.keg, align, flags: internal | UMA_ZONE_NOFREE });
  u.kegsZone = zoneCtor(u, mzk, 'UMA Kegs', kk, {});
  const zk = kegCtor(u, runNoSleep(umaZallocInternal(u, u.kegsZone, 0, M_WAITOK), 'uma_startup')!, 'UMA Zones', {
    size: sizes.zone,
    align,
    flags: internal | UMA_ZONE_NOFREE,
  });
  u.zonesZone = zoneCtor(u, mzz, 'UMA Zones', zk, {});
  const mk = (name: string, size: number): Zone => {
    const za = runNoSleep(umaZallocInternal(u, u.zonesZone, 0, M_WAITOK), 'uma_startup')!;
    const ka = runNoSleep(umaZallocInternal(u, u.kegsZone, 0, M_WAITOK), 'uma_startup')!;
    return zoneCtor(u, za, name, kegCtor(u, ka, name, { size, align, flags: internal }), {});
  };
  // a header with a freelist entry for every item an OFFPAGE slab can hold, plus rounding
  const slabsize = sizes.slab + Math.floor((UMA_SLAB_SIZE - sizes.slab) / UMA_MAX_WASTE) + 1;
  u.slabzone = mk('UMA Slabs', slabsize);
  // refcnt headers: each freelist entry also carries a 32-bit reference count
  let n = Math.floor((UMA_SLAB_SIZE - sizes.slabRefcnt) / UMA_MAX_WASTE) + 1;
  n += 4 * n;
  u.slabrefzone = mk('UMA RCntSlabs', n + sizes.slabRefcnt);
  // UMA_HASH_SIZE_INIT slab-list heads
  u.hashzone = mk('UMA Hash', 32 * ptr);
  for (const e of BUCKET_SIZES) u.bucketZones.set(e, mk(`${e} Bucket`, sizes.bucket - ptr + e * ptr));
  // uma_startup3(): buckets come on once the VM is up
  u.bucketdisable = false;
  k.leave(fr);
  return u;
}
