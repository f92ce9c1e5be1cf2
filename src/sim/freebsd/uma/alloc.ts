/*
 * Allocation (uma_zalloc_arg(), uma_zalloc_bucket(), uma_zalloc_internal()
 * and uma_zone_slab() in the 2004 sys/vm/uma_core.c).
 *
 * uma_zalloc_arg() serves from the CPU's alloc bucket, swaps in the free
 * bucket, takes a full bucket from the zone, or fills a new one with
 * uma_zalloc_bucket(); if no bucket can be had it falls back to one item
 * with uma_zalloc_internal(). Both get slabs from uma_zone_slab(), which
 * loops until the keg has a free item:
 *
 *   - the recursion guard: an INTERNAL keg whose uk_recurse is non-zero
 *     fails at once. uk_recurse is keg-wide, not per thread, so while any
 *     thread is inside slab_zalloc() for such a keg (asleep in VM_WAIT,
 *     say), every other caller's allocation from it fails, M_WAITOK or not.
 *     The 2005 code (fix slabzone-exempt) exempts slabzone and slabrefzone;
 *   - M_NOWAIT turns into M_NOVM after a failed slab_zalloc(), so a
 *     no-wait caller gives up on the next pass; an M_WAITOK caller has no
 *     such exit and no sleep: it calls slab_zalloc() again at once.
 *
 * Peter Holm's kernels counted those retries and panicked with
 * "uma_zone_slab is looping" (uma_loop_panic iterations; 0 in a stock
 * kernel, where the string does not exist).
 */
import type { Kva } from '../../machine/platform.js';
import { func } from '../../machine/symbols.js';
import type { KGen } from '../../machine/thread.js';
import { msleep, PVM } from '../kern/synch.js';
import { M_NOVM, M_NOWAIT, M_WAITOK, M_ZERO } from '../vm/vm_kern.js';
import { bucketAlloc, bucketFree } from './bucket.js';
import { umaZfreeInternal } from './free.js';
import { kegFirstSlab, slabInsertPart, slabZalloc, umaSlabAlloc } from './slab.js';
import { BUCKET_MAX, SKIP_FINI, UMA_ZFLAG_CACHEONLY, UMA_ZFLAG_FULL, UMA_ZFLAG_INTERNAL, type Slab, type Uma, type Zone } from './types.js';

const uma_zalloc_arg = func('kernel', 'uma_zalloc_arg', 0x2d0);
const uma_zalloc_bucket = func('kernel', 'uma_zalloc_bucket', 0x2a0);
const uma_zalloc_internal = func('kernel', 'uma_zalloc_internal', 0x1a0);
const uma_zone_slab = func('kernel', 'uma_zone_slab', 0x1b0);

/** simulated cost of one pass of uma_zone_slab's retry loop (two lock round trips and the calls) */
const LOOP_PASS_NS = 4_000;

/** models uma_zone_slab(zone, flags): a slab of the zone's keg with a free item, or null. */
export function* umaZoneSlab(u: Uma, zone: Zone, flags: number): KGen<Slab | null> {
  const k = u.k;
  const keg = zone.keg;
  const fr = k.enter(uma_zone_slab, 0b1, zone.addr, flags);
  keg.lockOwner = k.curthread;
  // The recursion guard, meant for the bucket zones (bucket_alloc copes with NULL).
  if (keg.uk_flags & UMA_ZFLAG_INTERNAL && keg.uk_recurse !== 0) {
    const exempt = u.slabzoneExempt && (zone === u.slabzone || zone === u.slabrefzone);
    if (!exempt) {
      u.guardFails.set(zone.uz_name, (u.guardFails.get(zone.uz_name) ?? 0) + 1);
      keg.lockOwner = null;
      k.leave(fr);
      return null;
    }
  }
  let passes = 0;
  let slab: Slab | null = null;
  for (;;) {
    if (keg.uk_free !== 0) {
      slab = kegFirstSlab(keg);
      if (slab) break;
    }
    if (flags & M_NOVM) break;
    if (keg.uk_maxpages && keg.uk_pages >= keg.uk_maxpages) {
      keg.uk_flags |= UMA_ZFLAG_FULL;
      if (flags & M_NOWAIT) break;
      // keg lock dropped for the sleep (msleep's mtx); uma_zfree_internal wakes one sleeper
      keg.lockOwner = null;
      yield* msleep(k, keg.addr, null, PVM, 'zonelimit', 0);
      keg.lockOwner = k.curthread;
      continue;
    }
    keg.uk_recurse++;
    slab = yield* slabZalloc(u, zone, flags);
    keg.uk_recurse--;
    if (slab) {
      slabInsertPart(keg, slab);
      break;
    }
    if (flags & M_NOWAIT) {
      flags |= M_NOVM;
      continue;
    }
    // M_WAITOK: nothing changes and nothing sleeps; the loop goes round again
    passes++;
    u.loopTotal++;
    if (passes > u.loopMax) u.loopMax = passes;
    if (u.loopPanic > 0 && passes >= u.loopPanic) k.panic('uma_zone_slab is looping');
    k.tick(LOOP_PASS_NS);
    // the other CPUs run meanwhile; this thread stays runnable and keeps what it holds
    yield* k.preempt();
    keg.lockOwner = k.curthread;
  }
  keg.lockOwner = null;
  k.leave(fr);
  return slab;
}

/** models uma_zalloc_internal(zone, udata, flags): one item straight from a slab, with init and ctor. */
export function* umaZallocInternal(u: Uma, zone: Zone, udata: Kva, flags: number): KGen<Kva | null> {
  const k = u.k;
  const fr = k.enter(uma_zalloc_internal, 0b11, zone.addr, udata, flags);
  const slab = yield* umaZoneSlab(u, zone, flags);
  if (!slab) {
    zone.uz_fails++;
    k.leave(fr);
    return null;
  }
  const item = umaSlabAlloc(u, zone.keg, slab);
  if (zone.uz_init) {
    const ok = yield* zone.uz_init.fn(u, item, zone.keg.uk_size, flags);
    if (!ok) {
      umaZfreeInternal(u, zone, item, udata, SKIP_FINI);
      zone.uz_fails++;
      k.leave(fr);
      return null;
    }
  }
  if (zone.uz_ctor) {
    const ok = yield* zone.uz_ctor.fn(u, item, zone.keg.uk_size, flags);
    if (!ok) {
      umaZfreeInternal(u, zone, item, udata, 0);
      zone.uz_fails++;
      k.leave(fr);
      return null;
    }
  }
  // the item reaches its consumer: one allocation
  zone.uz_allocs++;
  k.leave(fr);
  return item;
}

/** models uma_zalloc_bucket(zone, flags): fill a bucket from the keg onto uz_full_bucket; false if none. */
export function* umaZallocBucket(u: Uma, zone: Zone, flags: number): KGen<boolean> {
  const k = u.k;
  const fr = k.enter(uma_zalloc_bucket, 0b1, zone.addr, flags);
  let bucket = zone.freeB.pop() ?? null;
  if (!bucket) {
    let bflags = flags & ~M_ZERO;
    if (zone.keg.uk_flags & UMA_ZFLAG_CACHEONLY) bflags |= M_NOVM;
    bucket = yield* bucketAlloc(u, zone.uz_count, bflags);
  }
  if (!bucket) {
    k.leave(fr);
    return false;
  }
  // no more fillers than CPUs: the rest use what the fillers bring
  if (zone.uz_fills >= k.cfg.ncpus) {
    zone.freeB.push(bucket);
    k.leave(fr);
    return false;
  }
  zone.uz_fills++;
  const max = Math.min(bucket.entries, zone.uz_count);
  const first = bucket.items.length;
  let f = flags;
  for (;;) {
    if (bucket.items.length >= max) break;
    const slab = yield* umaZoneSlab(u, zone, f);
    if (!slab) break;
    while (slab.us_freecount > 0 && bucket.items.length < max) bucket.items.push(umaSlabAlloc(u, zone.keg, slab));
    // only the first slab may wait
    f = (f & ~M_WAITOK) | M_NOWAIT;
  }
  if (zone.uz_init) {
    // the zone's init runs on each new item with the keg lock dropped (mb_init_pack attaches a cluster)
    for (let i = first; i < bucket.items.length; i++) {
      const ok = yield* zone.uz_init.fn(u, bucket.items[i]!, zone.keg.uk_size, flags);
      if (!ok) {
        for (const it of bucket.items.splice(i)) umaZfreeInternal(u, zone, it, 0, SKIP_FINI);
        break;
      }
    }
  }
  zone.uz_fills--;
  if (bucket.items.length > 0) {
    zone.full.push(bucket);
    k.leave(fr);
    return true;
  }
  bucketFree(u, bucket);
  k.leave(fr);
  return false;
}

/** models uma_zalloc_arg(zone, udata, flags): an item from the per-CPU cache, a bucket, or the keg. */
export function* umaZallocArg(u: Uma, zone: Zone, udata: Kva, flags: number): KGen<Kva | null> {
  const k = u.k;
  const fr = k.enter(uma_zalloc_arg, 0b11, zone.addr, udata, flags);
  for (;;) {
    const cache = zone.uz_cpu[k.curcpu]!;
    const ab = cache.uc_allocbucket;
    if (ab && ab.items.length > 0) {
      const item = ab.items.pop()!;
      if (zone.uz_ctor) {
        const ok = yield* zone.uz_ctor.fn(u, item, zone.keg.uk_size, flags);
        if (!ok) {
          umaZfreeInternal(u, zone, item, udata, 0);
          zone.uz_fails++;
          k.leave(fr);
          return null;
        }
      }
      cache.uc_allocs++;
      k.leave(fr);
      return item;
    }
    const fb = cache.uc_freebucket;
    if (fb && fb.items.length > 0) {
      cache.uc_freebucket = ab;
      cache.uc_allocbucket = fb;
      continue;
    }
    // zone lock: retire the empty alloc bucket, take a full one
    if (ab) {
      zone.freeB.push(ab);
      cache.uc_allocbucket = null;
    }
    const full = zone.full.pop();
    if (full) {
      cache.uc_allocbucket = full;
      continue;
    }
    if (zone.uz_count < BUCKET_MAX) zone.uz_count++;
    if (yield* umaZallocBucket(u, zone, flags)) continue;
    const item = yield* umaZallocInternal(u, zone, udata, flags);
    k.leave(fr);
    return item;
  }
}
