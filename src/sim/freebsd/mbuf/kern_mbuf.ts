/*
 * mbufs on UMA (kern/kern_mbuf.c, the "mbuma" allocator of 2004).
 *
 * Three zones: "Mbuf" (MSIZE-byte mbufs), "MbufClust" (MCLBYTES clusters,
 * UMA_ZONE_REFCNT so their slab headers carry reference counts, which makes
 * the keg OFFPAGE with headers from slabrefzone; capped at nmbclusters) and
 * "Packet", a secondary zone on the Mbuf keg whose items are mbufs with a
 * cluster already attached. The Packet zone's init, mb_init_pack(), runs
 * when an mbuf moves from the keg into the Packet zone and allocates that
 * cluster from zone_clust with the caller's wait flag; its fini,
 * mb_fini_pack(), frees it when the mbuf goes back to the keg.
 */
import type { Kva } from '../../machine/platform.js';
import { func } from '../../machine/symbols.js';
import type { KGen } from '../../machine/thread.js';
import { umaZallocArg } from '../uma/alloc.js';
import { umaZfreeArg } from '../uma/free.js';
import { UMA_ZONE_MAXBUCKET, UMA_ZONE_REFCNT, type Uma, type Zone } from '../uma/types.js';
import { umaZcreate, umaZoneSetMax, umaZsecondCreate } from '../uma/zone.js';

export const MSIZE = 256;
export const MCLBYTES = 2048;
/** mbuf wait flags: M_DONTWAIT and M_TRYWAIT are M_NOWAIT and M_WAITOK */
export const M_DONTWAIT = 0x1;
export const M_TRYWAIT = 0x2;
export const MT_DATA = 1;
export const M_PKTHDR = 0x2;

const mb_ctor_mbuf = func('kernel', 'mb_ctor_mbuf', 0xe0);
const mb_dtor_mbuf = func('kernel', 'mb_dtor_mbuf', 0x50);
const mb_ctor_clust = func('kernel', 'mb_ctor_clust', 0x90);
const mb_dtor_clust = func('kernel', 'mb_dtor_clust', 0x30);
const mb_ctor_pack = func('kernel', 'mb_ctor_pack', 0x110);
const mb_dtor_pack = func('kernel', 'mb_dtor_pack', 0x60);
const mb_init_pack = func('kernel', 'mb_init_pack', 0x70);
const mb_fini_pack = func('kernel', 'mb_fini_pack', 0x40);
const m_getcl = func('kernel', 'm_getcl', 0x70);
const m_gethdr = func('kernel', 'm_gethdr', 0x60);
const m_freem = func('kernel', 'm_freem', 0x30);
const m_free = func('kernel', 'm_free', 0x60);
const mb_free_ext = func('kernel', 'mb_free_ext', 0xc0);

export interface Mbufs {
  zone_mbuf: Zone;
  zone_clust: Zone;
  zone_pack: Zone;
  /** m_ext.ext_buf of every mbuf that has a cluster attached (Packet items, cached or in use) */
  extBuf: Map<Kva, Kva>;
  nmbclusters: number;
  /** m_getcl() calls that returned NULL */
  getclFails: number;
}

const mbufState = new WeakMap<Uma, Mbufs>();

function state(u: Uma): Mbufs {
  return mbufState.get(u)!;
}

/** a ctor/dtor with nothing to model but its frame */
function* ctorFrame(u: Uma, fn: typeof mb_ctor_mbuf, item: Kva, size: number, flags: number): KGen<boolean> {
  const fr = u.k.enter(fn, 0b1, item, size, 0, flags);
  u.k.leave(fr);
  return true;
}

/** models mb_init_pack(): attach a cluster from zone_clust, allocated with the caller's `how`. */
function* mbInitPack(u: Uma, m: Kva, size: number, how: number): KGen<boolean> {
  const k = u.k;
  const s = state(u);
  const fr = k.enter(mb_init_pack, 0b1, m, size, how);
  const cl = yield* umaZallocArg(u, s.zone_clust, m, how);
  k.leave(fr);
  if (cl === null) return false;
  s.extBuf.set(m, cl);
  return true;
}

/** models mb_fini_pack(): the packet's cluster back to zone_clust. */
function mbFiniPack(u: Uma, m: Kva, size: number): void {
  const s = state(u);
  const fr = u.k.enter(mb_fini_pack, 0b1, m, size);
  const cl = s.extBuf.get(m);
  if (cl !== undefined) {
    s.extBuf.delete(m);
    umaZfreeArg(u, s.zone_clust, cl, 0);
  }
  u.k.leave(fr);
}

function dtorFrame(fn: typeof mb_dtor_mbuf): (u: Uma, item: Kva, size: number) => void {
  return (u, item, size) => {
    const fr = u.k.enter(fn, 0b1, item, size, 0);
    u.k.leave(fr);
  };
}

/** models mbuf_init() (SYSINIT): the three zones, zone_clust capped at nmbclusters. */
export function mbufInit(u: Uma, nmbclusters: number): Mbufs {
  const zone_mbuf = umaZcreate(
    u,
    'Mbuf',
    MSIZE,
    { ctor: { sym: mb_ctor_mbuf, fn: (u2, i, sz, f) => ctorFrame(u2, mb_ctor_mbuf, i, sz, f) }, dtor: { sym: mb_dtor_mbuf, fn: dtorFrame(mb_dtor_mbuf) } },
    MSIZE - 1,
    UMA_ZONE_MAXBUCKET,
  );
  const zone_clust = umaZcreate(
    u,
    'MbufClust',
    MCLBYTES,
    { ctor: { sym: mb_ctor_clust, fn: (u2, i, sz, f) => ctorFrame(u2, mb_ctor_clust, i, sz, f) }, dtor: { sym: mb_dtor_clust, fn: dtorFrame(mb_dtor_clust) } },
    u.k.p.pointerSize - 1,
    UMA_ZONE_REFCNT,
  );
  if (nmbclusters > 0) umaZoneSetMax(u, zone_clust, nmbclusters);
  const s: Mbufs = { zone_mbuf, zone_clust, zone_pack: zone_mbuf, extBuf: new Map(), nmbclusters, getclFails: 0 };
  mbufState.set(u, s);
  s.zone_pack = umaZsecondCreate(
    u,
    'Packet',
    {
      ctor: { sym: mb_ctor_pack, fn: (u2, i, sz, f) => ctorFrame(u2, mb_ctor_pack, i, sz, f) },
      dtor: { sym: mb_dtor_pack, fn: dtorFrame(mb_dtor_pack) },
      init: { sym: mb_init_pack, fn: mbInitPack },
      fini: { sym: mb_fini_pack, fn: mbFiniPack },
    },
    zone_mbuf,
  );
  return s;
}

/** models m_getcl(how, type, flags): an mbuf with a cluster, from the Packet zone. */
export function* mGetcl(u: Uma, s: Mbufs, how: number, type: number, flags: number): KGen<Kva | null> {
  const k = u.k;
  const fr = k.enter(m_getcl, 0, how, type, flags);
  const m = yield* umaZallocArg(u, s.zone_pack, 0, how);
  if (m === null) s.getclFails++;
  k.leave(fr);
  return m;
}

/** models m_gethdr(how, type): a packet-header mbuf whose data fits in it (no cluster), from the Mbuf zone. */
export function* mGethdr(u: Uma, s: Mbufs, how: number, type: number): KGen<Kva | null> {
  const k = u.k;
  const fr = k.enter(m_gethdr, 0, how, type);
  const m = yield* umaZallocArg(u, s.zone_mbuf, 0, how);
  k.leave(fr);
  return m;
}

/**
 * models m_freem() -> m_free(): a packet mbuf (M_EXT, EXT_PACKET) goes back
 * through mb_free_ext() to the Packet zone with its cluster attached; a
 * plain mbuf (`ext` false) goes back to the Mbuf zone.
 */
export function mFreem(u: Uma, s: Mbufs, m: Kva, ext = true): void {
  const k = u.k;
  const a = k.enter(m_freem, 0b1, m);
  const b = k.enter(m_free, 0b1, m);
  if (ext) {
    const c = k.enter(mb_free_ext, 0b1, m);
    umaZfreeArg(u, s.zone_pack, m, 0);
    k.leave(c);
  } else umaZfreeArg(u, s.zone_mbuf, m, 0);
  k.leave(b);
  k.leave(a);
}
