/*
 * Giving memory back (uma_reclaim(), zone_drain(), bucket_cache_drain() and
 * uma_timeout() in the 2004 sys/vm/uma_core.c).
 *
 * uma_reclaim(), which the pagedaemon calls on every scan, re-evaluates
 * bucketdisable, empties every zone's full and free bucket lists back into
 * the kegs (running fini, so cached Packets give their clusters back), and
 * frees each keg's wholly free slabs to kmem_map; the slab-header and bucket
 * zones are drained last, after the others have returned their headers and
 * buckets. Per-CPU caches are not touched: the 2004 code drains them only
 * when a zone is destroyed.
 */
import { func } from '../../machine/symbols.js';
import { bucketEnable, bucketFree } from './bucket.js';
import { umaZfreeInternal } from './free.js';
import { slabDestroy } from './slab.js';
import { SKIP_DTOR, UMA_ZONE_NOFREE, type Uma, type Zone } from './types.js';

const uma_reclaim = func('kernel', 'uma_reclaim', 0x70);
const zone_drain = func('kernel', 'zone_drain', 0x150);
const bucket_cache_drain = func('kernel', 'bucket_cache_drain', 0xe0);
const uma_timeout = func('kernel', 'uma_timeout', 0x40);

/** models bucket_cache_drain(): every cached item of the zone's bucket lists back to its slab. */
function bucketCacheDrain(u: Uma, zone: Zone): void {
  const fr = u.k.enter(bucket_cache_drain, 0b1, zone.addr);
  while (zone.full.length > 0) {
    const b = zone.full.pop()!;
    while (b.items.length > 0) umaZfreeInternal(u, zone, b.items.pop()!, 0, SKIP_DTOR);
    bucketFree(u, b);
  }
  while (zone.freeB.length > 0) bucketFree(u, zone.freeB.pop()!);
  u.k.leave(fr);
}

/** models zone_drain(): the bucket lists, then the keg's free slabs. */
export function zoneDrain(u: Uma, zone: Zone): void {
  const fr = u.k.enter(zone_drain, 0b1, zone.addr);
  bucketCacheDrain(u, zone);
  const keg = zone.keg;
  if (!(keg.uk_flags & UMA_ZONE_NOFREE)) for (const s of [...keg.free]) slabDestroy(u, keg, s);
  u.k.leave(fr);
}

/** models uma_reclaim(). */
export function umaReclaim(u: Uma): void {
  const fr = u.k.enter(uma_reclaim, 0);
  bucketEnable(u);
  const internal = new Set<Zone>([u.slabzone, u.slabrefzone, ...u.bucketZones.values()]);
  for (const z of u.zones) if (!internal.has(z)) zoneDrain(u, z);
  zoneDrain(u, u.slabzone);
  zoneDrain(u, u.slabrefzone);
  for (const z of u.bucketZones.values()) zoneDrain(u, z);
  u.k.leave(fr);
}

/** models uma_timeout(): the UMA_TIMEOUT callout re-evaluates bucketdisable. */
export function umaTimeout(u: Uma): void {
  const fr = u.k.enter(uma_timeout, 0);
  bucketEnable(u);
  u.k.leave(fr);
}
