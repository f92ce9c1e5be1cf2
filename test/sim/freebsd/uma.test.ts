/*
 * UMA's bookkeeping under random allocation and free sequences, the keg
 * geometry kern_mbuf.c's zones get, and the recursion guard in
 * uma_zone_slab() with and without the fix.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { loadScenario } from '../../../src/sim/scenario/run.js';
import { bootFreebsd, FIX_SLABZONE_EXEMPT, type FreebsdSystem } from '../../../src/sim/freebsd/system.js';
import type { FreebsdScenario } from '../../../src/sim/scenario/schema.js';
import { runNoSleep } from '../../../src/sim/machine/sync.js';
import { umaZallocArg, umaZallocInternal } from '../../../src/sim/freebsd/uma/alloc.js';
import { umaZfreeArg } from '../../../src/sim/freebsd/uma/free.js';
import { umaReclaim } from '../../../src/sim/freebsd/uma/reclaim.js';
import { M_NOWAIT, M_WAITOK } from '../../../src/sim/freebsd/vm/vm_kern.js';
import { UMA_ZONE_HASH, UMA_ZONE_OFFPAGE, UMA_ZONE_REFCNT, type Keg, type Zone } from '../../../src/sim/freebsd/uma/types.js';

function boot(fixes: string[] = []): FreebsdSystem {
  const { sc } = loadScenario('freebsd-2004-uma-looping', []);
  const sys = bootFreebsd(sc as FreebsdScenario, 7, fixes);
  sys.k.curthread = sys.k.t0;
  return sys;
}

/** items a keg has handed out, counted from its slabs */
function kegAllocated(keg: Keg): number {
  let n = 0;
  for (const set of [keg.part, keg.free, keg.full]) for (const s of set) n += keg.uk_ipers - s.us_freecount;
  return n;
}

function cached(z: Zone): number {
  let n = 0;
  for (const c of z.uz_cpu) n += (c.uc_allocbucket?.items.length ?? 0) + (c.uc_freebucket?.items.length ?? 0);
  for (const b of [...z.full, ...z.freeB]) n += b.items.length;
  return n;
}

function checkKeg(keg: Keg): void {
  let free = 0;
  for (const set of [keg.part, keg.free, keg.full]) {
    for (const s of set) {
      free += s.us_freecount;
      // the freelist chain from us_firstfree visits us_freecount distinct indices
      const seen = new Set<number>();
      let i = s.us_firstfree;
      for (let j = 0; j < s.us_freecount; j++) {
        expect(i).toBeLessThan(keg.uk_ipers);
        expect(seen.has(i)).toBe(false);
        seen.add(i);
        i = s.freelist[i]!;
      }
    }
  }
  expect(keg.uk_free).toBe(free);
}

describe('UMA bookkeeping', () => {
  it('conserves items across per-CPU buckets, zone bucket lists and keg slabs', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 1 }), fc.integer({ min: 1, max: 40 })), { minLength: 1, maxLength: 40 }), (steps) => {
        const sys = boot();
        const { k, u, mb } = sys;
        const held = new Map<Zone, number[]>([
          [mb.zone_mbuf, []],
          [mb.zone_pack, []],
        ]);
        for (const [alloc, cpu, n] of steps) {
          k.curcpu = cpu;
          const zone = n % 2 ? mb.zone_pack : mb.zone_mbuf;
          const h = held.get(zone)!;
          for (let i = 0; i < n; i++) {
            if (alloc) {
              const it = runNoSleep(umaZallocArg(u, zone, 0, M_NOWAIT), 'test');
              if (it !== null) h.push(it);
            } else if (h.length > 0) umaZfreeArg(u, zone, h.pop()!, 0);
          }
          if (n % 7 === 0) umaReclaim(u);
        }
        for (const keg of u.kegs) checkKeg(keg);
        // the Mbuf keg's items are the mbufs and packets held, plus those cached in either zone
        const mk = mb.zone_mbuf.keg;
        const out = held.get(mb.zone_mbuf)!.length + held.get(mb.zone_pack)!.length + cached(mb.zone_mbuf) + cached(mb.zone_pack);
        expect(kegAllocated(mk)).toBe(out);
        // every packet, held or cached in the Packet zone, has its own cluster
        expect(mb.extBuf.size).toBe(held.get(mb.zone_pack)!.length + cached(mb.zone_pack));
        expect(kegAllocated(mb.zone_clust.keg)).toBe(mb.extBuf.size + cached(mb.zone_clust));
        // each OFFPAGE cluster slab holds one slabrefzone header
        const ck = mb.zone_clust.keg;
        expect(kegAllocated(u.slabrefzone.keg)).toBe(ck.part.size + ck.free.size + ck.full.size);
      }),
      { numRuns: 25 },
    );
  });

  it('gives MbufClust an OFFPAGE, REFCNT keg of two items per page with headers from slabrefzone', () => {
    const { u, mb } = boot();
    const ck = mb.zone_clust.keg;
    expect(ck.uk_flags & (UMA_ZONE_OFFPAGE | UMA_ZONE_REFCNT | UMA_ZONE_HASH)).toBe(UMA_ZONE_OFFPAGE | UMA_ZONE_REFCNT | UMA_ZONE_HASH);
    expect(ck.uk_ipers).toBe(2);
    expect(ck.uk_slabzone).toBe(u.slabrefzone);
    const mk = mb.zone_mbuf.keg;
    expect(mk.uk_flags & UMA_ZONE_OFFPAGE).toBe(0);
    expect(mk.uk_ipers).toBe(15);
    expect(mk.uk_pgoff).toBe(4096 - 40);
    expect(mb.zone_pack.keg).toBe(mk);
    expect(u.slabrefzone.uz_name).toBe('UMA RCntSlabs');
    expect(u.slabzone.uz_name).toBe('UMA Slabs');
  });

  it('fails an M_WAITOK slab-header allocation while another thread holds uk_recurse, only without the fix', () => {
    for (const fixed of [false, true]) {
      const { u } = boot(fixed ? [FIX_SLABZONE_EXEMPT] : []);
      const keg = u.slabrefzone.keg;
      keg.uk_recurse = 1; // another thread is inside slab_zalloc() for this keg
      const g = umaZallocInternal(u, u.slabrefzone, 0, M_WAITOK);
      const r = g.next();
      expect(r.done).toBe(true);
      if (fixed) expect(r.value).not.toBeNull();
      else expect(r.value).toBeNull();
      // the bucket zones keep their guard either way
      const bz = u.bucketZones.get(16)!;
      bz.keg.uk_recurse = 1;
      expect(umaZallocInternal(u, bz, 0, M_WAITOK).next().value).toBeNull();
    }
  });
});
