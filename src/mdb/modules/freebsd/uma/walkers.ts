/*
 * UMA walkers: every zone (or a keg's zones), every keg, a keg's slabs
 * (partial, free and full lists) or every slab, a zone's buckets or every
 * bucket.
 */
import { defineWalker } from '../../../dcmd.js';
import { DcmdError } from '../../../errors.js';
import { hx } from '../struct.js';
import { BUCKET, KEG, SLAB, ZONE, allSlabs, bucketRows, kegRows, kegSlabs, umaZones, zoneRows } from './helpers.js';

export const zoneWalker = defineWalker({
  name: 'uma_zone',
  description: 'walk every UMA zone (struct uma_zone), in creation order; given a keg, the zones over it',
  inputType: KEG,
  outputType: ZONE,
  *walk(ctx, addr) {
    if (addr !== undefined && kegRows(ctx.target).rowOf(addr) < 0) throw new DcmdError(`couldn't read struct uma_keg at ${hx(addr)}`);
    for (const z of umaZones(ctx.target)) if (addr === undefined || z.keg === addr) yield z.addr;
  },
});

export const kegWalker = defineWalker({
  name: 'uma_keg',
  description: 'walk every UMA keg (struct uma_keg), in creation order',
  outputType: KEG,
  *walk(ctx, addr) {
    if (addr !== undefined) throw new DcmdError('uma_keg walk takes no address: walk uma_zone from a keg instead');
    const k = kegRows(ctx.target);
    for (let r = 0; r < k.count; r++) yield k.addr(r);
  },
});

export const slabWalker = defineWalker({
  name: 'uma_slab',
  description: "given a keg, walk its slabs (uk_part_slab, uk_free_slab, uk_full_slab); otherwise walk every slab",
  inputType: KEG,
  outputType: SLAB,
  *walk(ctx, addr) {
    if (addr === undefined) {
      for (const s of allSlabs(ctx.target)) yield s.addr;
      return;
    }
    if (kegRows(ctx.target).rowOf(addr) < 0) throw new DcmdError(`couldn't read struct uma_keg at ${hx(addr)}`);
    yield* kegSlabs(ctx.target, addr);
  },
});

export const bucketWalker = defineWalker({
  name: 'uma_bucket',
  description: "given a zone, walk its buckets (each CPU's alloc and free bucket, then uz_full_bucket and uz_free_bucket); otherwise walk every bucket",
  inputType: ZONE,
  outputType: BUCKET,
  *walk(ctx, addr) {
    if (addr === undefined) {
      const b = bucketRows(ctx.target);
      for (let r = 0; r < b.count; r++) yield b.addr(r);
      return;
    }
    if (zoneRows(ctx.target).rowOf(addr) < 0) throw new DcmdError(`couldn't read struct uma_zone at ${hx(addr)}`);
    const z = umaZones(ctx.target).find((x) => x.addr === addr);
    yield* z?.buckets ?? [];
  },
});
