/*
 * The magazine and depot layers (Bonwick & Adams 2001): each CPU holds a
 * loaded and a previous magazine of buffers; the depot holds lists of full and
 * empty magazines. Models kmem_cpu_reload(), kmem_depot_alloc(),
 * kmem_depot_free(), kmem_magazine_destroy(), kmem_depot_ws_update() and
 * kmem_depot_ws_reap().
 */
import { func } from '../../machine/symbols.js';
import { BUFSTATE_MAGAZINE, BUFSTATE_SLAB_FREE } from '../../../dump/format.js';
import { KMF_DEADBEEF } from './flags.js';
import type { Kmem } from './state.js';
import type { Buf, CpuCache, KmemCache, Magazine, MagList } from './types.js';
import { kmemCacheFree } from './alloc.js';
import { kmemSlabFree } from './slab.js';

const kmem_depot_alloc = func('genunix', 'kmem_depot_alloc', 0x90);
const kmem_depot_free = func('genunix', 'kmem_depot_free', 0x70);
const kmem_magazine_destroy = func('genunix', 'kmem_magazine_destroy', 0x130);
const kmem_depot_ws_reap = func('genunix', 'kmem_depot_ws_reap', 0xb0);

/** kmem_cpu_reload(): load `mp` with `rounds` rounds, the old loaded magazine becomes previous */
export function kmemCpuReload(ccp: CpuCache, mp: Magazine | null, rounds: number): void {
  ccp.cc_ploaded = ccp.cc_loaded;
  ccp.cc_prounds = ccp.cc_rounds;
  ccp.cc_loaded = mp;
  ccp.cc_rounds = rounds;
}

/** kmem_depot_alloc(): pop a magazine from a depot list */
export function kmemDepotAlloc(km: Kmem, cp: KmemCache, mlp: MagList): Magazine | null {
  const k = km.k;
  const fr = k.curthread ? k.enter(kmem_depot_alloc, 0b11, cp.addr, cp.addr) : null;
  const mp = mlp.list.pop() ?? null;
  if (mp) {
    if (--mlp.total < mlp.min) mlp.min = mlp.total;
    mlp.alloc++;
  }
  if (fr) k.leave(fr);
  return mp;
}

/** kmem_depot_free(): push a magazine onto a depot list */
export function kmemDepotFree(km: Kmem, cp: KmemCache, mlp: MagList, mp: Magazine): void {
  const k = km.k;
  const fr = k.curthread ? k.enter(kmem_depot_free, 0b11, cp.addr, cp.addr) : null;
  mlp.list.push(mp);
  mlp.total++;
  if (fr) k.leave(fr);
}

/**
 * kmem_magazine_destroy(): return a magazine's rounds to the slab layer.
 * Buffers in magazines are constructed unless the cache poisons them
 * (KMF_DEADBEEF destructs at free), so only then is the destructor skipped.
 */
export function kmemMagazineDestroy(km: Kmem, cp: KmemCache, mp: Magazine, nrounds: number): void {
  const k = km.k;
  const fr = k.curthread ? k.enter(kmem_magazine_destroy, 0b11, cp.addr, mp.buf.addr) : null;
  for (let r = 0; r < nrounds; r++) {
    const b = mp.rounds[r]!;
    if (!(cp.cache_flags & KMF_DEADBEEF) && cp.dtor) cp.dtor(k, b);
    kmemSlabFree(km, cp, b);
  }
  mp.rounds.length = 0;
  mp.buf.mag = null;
  kmemCacheFree(km, cp.magCache!, mp.buf.addr);
  if (fr) k.leave(fr);
}

/** Put a buffer into the loaded magazine as round `cc_rounds`. */
export function magazinePut(ccp: CpuCache, b: Buf): void {
  const mp = ccp.cc_loaded!;
  mp.rounds[ccp.cc_rounds++] = b;
  b.state = BUFSTATE_MAGAZINE;
}

/** Take the top round of the loaded magazine. */
export function magazineTake(ccp: CpuCache): Buf {
  const mp = ccp.cc_loaded!;
  const b = mp.rounds[--ccp.cc_rounds]!;
  mp.rounds.length = ccp.cc_rounds;
  b.state = BUFSTATE_SLAB_FREE; // the caller marks it allocated once it is handed out
  return b;
}

/** kmem_depot_ws_update(): start a new working-set interval (from kmem_update every 15 s) */
export function kmemDepotWsUpdate(cp: KmemCache): void {
  for (const mlp of [cp.cache_full, cp.cache_empty]) {
    mlp.reaplimit = mlp.min;
    mlp.min = mlp.total;
  }
}

/** kmem_depot_ws_reap(): free the magazines unused during the last working-set interval */
export function kmemDepotWsReap(km: Kmem, cp: KmemCache): void {
  const k = km.k;
  const fr = k.curthread ? k.enter(kmem_depot_ws_reap, 0b1, cp.addr) : null;
  let reap = Math.min(cp.cache_full.reaplimit, cp.cache_full.min);
  while (reap-- > 0) {
    const mp = kmemDepotAlloc(km, cp, cp.cache_full);
    if (!mp) break;
    kmemMagazineDestroy(km, cp, mp, mp.size);
  }
  reap = Math.min(cp.cache_empty.reaplimit, cp.cache_empty.min);
  while (reap-- > 0) {
    const mp = kmemDepotAlloc(km, cp, cp.cache_empty);
    if (!mp) break;
    kmemMagazineDestroy(km, cp, mp, 0);
  }
  if (fr) k.leave(fr);
}
