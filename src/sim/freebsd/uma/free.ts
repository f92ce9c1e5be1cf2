/*
 * Freeing (uma_zfree_arg() and uma_zfree_internal() in the 2004
 * sys/vm/uma_core.c).
 *
 * uma_zfree_arg() puts the item in the CPU's free bucket, swaps with the
 * alloc bucket, trades a full bucket for an empty one on the zone lists, or
 * allocates a new bucket with M_NOWAIT; failing all that the item goes back
 * to its slab with uma_zfree_internal(). uma_zfree_internal() runs the
 * zone's fini (mb_fini_pack frees the packet's cluster), returns the item to
 * its slab and, if the keg was FULL (at uk_maxpages), wakes one "zonelimit"
 * sleeper. Frees never sleep.
 */
import type { Kva } from '../../machine/platform.js';
import { func } from '../../machine/symbols.js';
import { runNoSleep } from '../../machine/sync.js';
import { wakeupOne } from '../kern/synch.js';
import { M_NOWAIT } from '../vm/vm_kern.js';
import { bucketAlloc } from './bucket.js';
import { slabFreeItem, slabOf } from './slab.js';
import { SKIP_DTOR, SKIP_FINI, UMA_ZFLAG_FULL, UMA_ZFLAG_INTERNAL, ZFREE_STATFREE, type Uma, type Zone } from './types.js';

const uma_zfree_arg = func('kernel', 'uma_zfree_arg', 0x270);
const uma_zfree_internal = func('kernel', 'uma_zfree_internal', 0x180);

/** models uma_zfree_internal(zone, item, udata, skip): the item straight back to its slab. */
export function umaZfreeInternal(u: Uma, zone: Zone, item: Kva, udata: Kva, skip: number, stat = 0): void {
  const k = u.k;
  const fr = k.enter(uma_zfree_internal, 0b111, zone.addr, item, udata, skip);
  if (!(skip & SKIP_DTOR) && zone.uz_dtor) zone.uz_dtor.fn(u, item, zone.keg.uk_size);
  if (!(skip & SKIP_FINI) && zone.uz_fini) zone.uz_fini.fn(u, item, zone.keg.uk_size);
  const keg = zone.keg;
  slabFreeItem(keg, slabOf(u, item), item);
  if (stat & ZFREE_STATFREE) zone.uz_frees++;
  if (keg.uk_flags & UMA_ZFLAG_FULL) {
    if (keg.uk_pages < keg.uk_maxpages) keg.uk_flags &= ~UMA_ZFLAG_FULL;
    wakeupOne(k, keg.addr);
  }
  k.leave(fr);
}

/** models uma_zfree_arg(zone, item, udata): the item into the per-CPU cache, or back to the keg. */
export function umaZfreeArg(u: Uma, zone: Zone, item: Kva, udata: Kva): void {
  const k = u.k;
  const fr = k.enter(uma_zfree_arg, 0b111, zone.addr, item, udata);
  if (zone.uz_dtor) zone.uz_dtor.fn(u, item, zone.keg.uk_size);
  if (zone.keg.uk_flags & UMA_ZFLAG_INTERNAL) {
    umaZfreeInternal(u, zone, item, udata, SKIP_DTOR, ZFREE_STATFREE);
    k.leave(fr);
    return;
  }
  for (;;) {
    const cache = zone.uz_cpu[k.curcpu]!;
    const fb = cache.uc_freebucket;
    if (fb && fb.items.length < fb.entries) {
      fb.items.push(item);
      cache.uc_frees++;
      k.leave(fr);
      return;
    }
    const ab = cache.uc_allocbucket;
    if (ab && ab.items.length < ab.entries && (!fb || ab.items.length < fb.items.length)) {
      cache.uc_allocbucket = fb;
      cache.uc_freebucket = ab;
      continue;
    }
    // zone lock: a full free bucket goes to the zone, an empty one comes back
    if (fb) {
      zone.full.push(fb);
      cache.uc_freebucket = null;
    }
    const empty = zone.freeB.pop();
    if (empty) {
      cache.uc_freebucket = empty;
      continue;
    }
    const b = runNoSleep(bucketAlloc(u, zone.uz_count, M_NOWAIT), 'bucket_alloc(M_NOWAIT)');
    if (b) {
      zone.freeB.push(b);
      continue;
    }
    umaZfreeInternal(u, zone, item, udata, SKIP_DTOR, ZFREE_STATFREE);
    k.leave(fr);
    return;
  }
}

