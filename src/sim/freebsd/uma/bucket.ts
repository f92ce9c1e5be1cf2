/*
 * Buckets (bucket_alloc(), bucket_free(), bucket_enable() and the bucket
 * zones in the 2004 sys/vm/uma_core.c).
 *
 * A bucket is an array of item pointers a zone caches per CPU and on its
 * full/free lists. Buckets are items of the internal zones "16 Bucket" ..
 * "128 Bucket". While free pages are below v_free_min, bucketdisable is set
 * and bucket_alloc() fails at once, so zones fall back to one item at a
 * time; bucketdisable is re-evaluated by uma_timeout() every UMA_TIMEOUT
 * seconds and by uma_reclaim().
 */
import type { Kva } from '../../machine/platform.js';
import { func } from '../../machine/symbols.js';
import type { KGen } from '../../machine/thread.js';
import { umaZallocInternal } from './alloc.js';
import { umaZfreeInternal } from './free.js';
import { BUCKET_MAX, SKIP_NONE, type Bucket, type Uma, type Zone, ZFREE_STATFREE } from './types.js';

const bucket_alloc = func('kernel', 'bucket_alloc', 0xa0);
const bucket_free = func('kernel', 'bucket_free', 0x50);
const bucket_enable = func('kernel', 'bucket_enable', 0x30);

/** the bucket zones' ub_entries */
export const BUCKET_SIZES = [16, 32, 64, 128] as const;

/** models bucket_zone_lookup(): the smallest bucket zone with at least `entries` slots. */
function bucketZoneLookup(u: Uma, entries: number): Zone {
  for (const n of BUCKET_SIZES) if (n >= entries) return u.bucketZones.get(n)!;
  return u.bucketZones.get(BUCKET_MAX)!;
}

/** models bucket_enable(): buckets are disabled while free pages are below v_free_min. */
export function bucketEnable(u: Uma): void {
  const fr = u.k.enter(bucket_enable, 0);
  u.bucketdisable = u.vm.cnt.v_free_count < u.vm.cnt.v_free_min;
  u.k.leave(fr);
}

/** models bucket_alloc(entries, bflags): an empty bucket, or null (disabled, or no memory). */
export function* bucketAlloc(u: Uma, entries: number, bflags: number): KGen<Bucket | null> {
  const k = u.k;
  const fr = k.enter(bucket_alloc, 0, entries, bflags);
  if (u.bucketdisable) {
    k.leave(fr);
    return null;
  }
  const bz = bucketZoneLookup(u, entries);
  const addr: Kva | null = yield* umaZallocInternal(u, bz, 0, bflags);
  k.leave(fr);
  if (addr === null) return null;
  // "32 Bucket" holds 32 items
  const b: Bucket = { addr, entries: Number(bz.uz_name.split(' ')[0]), items: [], zone: bz };
  u.buckets.set(addr, b);
  return b;
}

/** models bucket_free(): the (empty) bucket back to its bucket zone. */
export function bucketFree(u: Uma, b: Bucket): void {
  const fr = u.k.enter(bucket_free, 0b1, b.addr);
  u.buckets.delete(b.addr);
  umaZfreeInternal(u, b.zone, b.addr, 0, SKIP_NONE, ZFREE_STATFREE);
  u.k.leave(fr);
}
