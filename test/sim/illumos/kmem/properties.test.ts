/*
 * Properties of kmem under random sequences of kmem_cache_alloc() and
 * kmem_cache_free() on random CPUs, with reaps and working-set updates in
 * between, on DEBUG and non-DEBUG kernels: buffers are conserved across the
 * CPU, depot and slab layers, slabs and their lists agree, every buffer is in
 * exactly one place, the debug layer's view of each buffer is right, and the
 * arenas below still tile their spans.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  kmemCacheAlloc,
  kmemCacheCreate,
  kmemCacheFree,
  kmemReapAll,
  kmemUpdate,
  KMF_BUFTAG,
  KMC_QCACHE,
  KM_NOSLEEP,
  KM_PUSHPAGE,
  KM_SLEEP,
  type Buf,
  type Kmem,
  type KmemCache,
} from '../../../../src/sim/illumos/kmem/kmem.js';
import { loadPtr, storePtr } from '../../../../src/sim/illumos/kmem/contents.js';
import { BUFSTATE_MAGAZINE } from '../../../../src/dump/format.js';
import type { KGen } from '../../../../src/sim/machine/thread.js';
import type { Kernel } from '../../../../src/sim/machine/kernel.js';
import { bootKmem, checkCache, checkKmem, now, slabsOf, spawnUser, squeeze } from './helpers.js';

/** the word a test constructor stores: a recognisable kernel pointer */
const MARK_OFF = 0;

interface CacheSpec {
  size: number;
  align: number;
  ctor: boolean;
}

/** allocate n from cache c, or free n of the live buffers starting at index i */
type Op =
  | { t: 'alloc'; c: number; cpu: number; flag: number; n: number }
  | { t: 'free'; i: number; cpu: number; n: number }
  | { t: 'reap' }
  | { t: 'update' };

const cacheSpec: fc.Arbitrary<CacheSpec> = fc.record({
  // small (small-slab on non-DEBUG), medium (hashed) and large (firewalled on DEBUG)
  size: fc.oneof(fc.integer({ min: 1, max: 400 }), fc.integer({ min: 400, max: 2040 }), fc.integer({ min: 2048, max: 9000 })),
  align: fc.constantFrom(8, 16, 64),
  ctor: fc.boolean(),
});

function opArb(ncaches: number, ncpus: number): fc.Arbitrary<Op> {
  return fc.oneof(
    {
      weight: 10,
      arbitrary: fc.record({
        t: fc.constant('alloc' as const),
        c: fc.nat(ncaches - 1),
        cpu: fc.nat(ncpus - 1),
        flag: fc.constantFrom(KM_SLEEP, KM_NOSLEEP, KM_PUSHPAGE),
        n: fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 40 })),
      }),
    },
    {
      weight: 9,
      arbitrary: fc.record({ t: fc.constant('free' as const), i: fc.nat(), cpu: fc.nat(ncpus - 1), n: fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 40 })) }),
    },
    { weight: 1, arbitrary: fc.constant({ t: 'reap' as const }) },
    { weight: 1, arbitrary: fc.constant({ t: 'update' as const }) },
  );
}

const scenario = fc
  .record({ ncpus: fc.integer({ min: 1, max: 4 }), caches: fc.array(cacheSpec, { minLength: 1, maxLength: 4 }) })
  .chain(({ ncpus, caches }) =>
    fc.record({
      ncpus: fc.constant(ncpus),
      caches: fc.constant(caches),
      ops: fc.array(opArb(caches.length, ncpus), { minLength: 1, maxLength: 60 }),
    }),
  );

/** Test caches: the constructor stores a pointer to the cache's private data, the destructor clears it. */
function makeCaches(km: Kmem, specs: CacheSpec[], counts: { ctor: number; dtor: number }): KmemCache[] {
  return specs.map((s, i) => {
    const priv = km.k.bootAlloc(16);
    return kmemCacheCreate(km, {
      name: `test_${i}_${s.size}`,
      bufsize: s.size,
      align: s.align,
      priv,
      ...(s.ctor
        ? {
            ctor: function* (_k: Kernel, b: Buf): KGen<number> {
              counts.ctor++;
              storePtr(b, MARK_OFF, priv);
              return 0;
            },
            dtor: (_k: Kernel, b: Buf) => {
              counts.dtor++;
              expect(loadPtr(b, MARK_OFF)).toBe(priv);
              storePtr(b, MARK_OFF, 0);
            },
          }
        : {}),
    });
  });
}

/**
 * No two buffers of any cache (allocated or not) overlap in memory. Quantum
 * caches are left out: their buffers are the virtual space the slabs of
 * kmem_default's caches live in.
 */
function checkNoOverlap(km: Kmem): string[] {
  const r: Array<[number, number, string]> = [];
  for (const cp of km.caches.filter((c) => !(c.cache_cflags & KMC_QCACHE))) for (const sp of slabsOf(cp)) for (const b of sp.bufs) r.push([b.addr, b.addr + cp.cache_chunksize, cp.cache_name]);
  r.sort((a, b) => a[0] - b[0]);
  const bad: string[] = [];
  for (let i = 1; i < r.length; i++) if (r[i]![0] < r[i - 1]![1]) bad.push(`${r[i]![2]} buffer ${r[i]![0]} overlaps ${r[i - 1]![2]} buffer ${r[i - 1]![0]}`);
  return bad;
}

/** Constructed-object state on kernels that keep objects constructed in magazines. */
function checkConstructed(cp: KmemCache): string[] {
  const bad: string[] = [];
  if (!cp.ctor) return bad;
  for (const sp of slabsOf(cp)) {
    for (const b of sp.bufs) {
      const has = loadPtr(b, MARK_OFF) === cp.cache_private;
      // allocated buffers are constructed; with buftags (DEBUG) magazine rounds
      // are destructed, otherwise they stay constructed; slab-free ones never are
      const want = b.state === BUFSTATE_MAGAZINE ? !(cp.cache_flags & KMF_BUFTAG) : cp.allocated.has(b.addr);
      if (has !== want) bad.push(`${cp.cache_name}: buffer ${b.addr} in state ${b.state} constructed=${has}`);
    }
  }
  return bad;
}

function runOps(debug: boolean, sc: { ncpus: number; caches: CacheSpec[]; ops: Op[] }): void {
  const { k, km } = bootKmem({ debug, ncpus: sc.ncpus, physmem: 1 << 17 });
  const counts = { ctor: 0, dtor: 0 };
  const caches = makeCaches(km, sc.caches, counts);
  const live: Array<{ cp: KmemCache; b: Buf }> = [];
  const liveAddrs = new Set<number>();
  sc.ops.forEach((op, n) => {
    switch (op.t) {
      case 'alloc': {
        k.curcpu = op.cpu;
        const cp = caches[op.c]!;
        for (let j = 0; j < op.n; j++) {
          const b = now(kmemCacheAlloc(km, cp, op.flag));
          // memory is plentiful and the constructors never fail
          expect(b).not.toBeNull();
          expect(liveAddrs.has(b!.addr), 'handed out twice').toBe(false);
          expect(cp.allocated.get(b!.addr)).toBe(b);
          if (cp.ctor) expect(loadPtr(b!, MARK_OFF)).toBe(cp.cache_private);
          live.push({ cp, b: b! });
          liveAddrs.add(b!.addr);
        }
        break;
      }
      case 'free': {
        k.curcpu = op.cpu;
        for (let j = 0; j < op.n && live.length > 0; j++) {
          const { cp, b } = live.splice((op.i + j) % live.length, 1)[0]!;
          liveAddrs.delete(b.addr);
          kmemCacheFree(km, cp, b.addr);
          expect(cp.allocated.has(b.addr)).toBe(false);
        }
        break;
      }
      case 'reap':
        kmemReapAll(km);
        break;
      case 'update':
        kmemUpdate(km);
        break;
    }
    expect(k.panicked).toBeNull();
    for (const cp of caches) {
      expect(checkCache(km, cp)).toEqual([]);
      if (!debug) expect(checkConstructed(cp)).toEqual([]);
    }
    if (n % 16 === 15) expect(checkKmem(km)).toEqual([]);
  });
  expect(checkKmem(km)).toEqual([]);
  expect(checkNoOverlap(km)).toEqual([]);
  // what the test holds is exactly what the caches say is allocated
  for (const cp of caches) expect(cp.allocated.size).toBe(live.filter((x) => x.cp === cp).length);
  // constructor and destructor calls balance against the constructed objects
  let constructed = 0;
  for (const cp of caches) if (cp.ctor) for (const sp of slabsOf(cp)) for (const b of sp.bufs) if (loadPtr(b, MARK_OFF) !== 0) constructed++;
  expect(counts.ctor - counts.dtor).toBe(constructed);
  // Everything freed, then two working-set intervals and reaps: the depot
  // empties and no rounds remain outside the CPU layer.
  k.curcpu = 0;
  for (const { cp, b } of live) kmemCacheFree(km, cp, b.addr);
  kmemUpdate(km);
  kmemReapAll(km);
  kmemUpdate(km);
  kmemReapAll(km);
  for (const cp of caches) {
    expect(cp.cache_full.total).toBe(0);
    expect(cp.cache_empty.total).toBe(0);
    let cpuRounds = 0;
    for (const cc of cp.cache_cpu) cpuRounds += Math.max(0, cc.cc_rounds) + Math.max(0, cc.cc_prounds);
    expect(cp.cache_buftotal - cp.cache_bufslab).toBe(cpuRounds);
    expect(cp.allocated.size).toBe(0);
  }
  expect(checkKmem(km)).toEqual([]);
}

describe('kmem under random alloc/free/reap sequences', () => {
  for (const debug of [true, false]) {
    it(`keeps every invariant on a ${debug ? 'DEBUG' : 'non-DEBUG'} kernel`, () => {
      fc.assert(
        fc.property(scenario, (sc) => runOps(debug, sc)),
        { numRuns: 60 },
      );
    });
  }

  it('keeps every invariant when NOSLEEP allocations fail for lack of memory', () => {
    // A user thread (not NOMEMWAIT) allocating KM_NOSLEEP with freemem hovering
    // near pageout_reserve: some slab creations fail; every NULL is counted in
    // cache_alloc_fail and nothing is lost.
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.array(cacheSpec, { minLength: 1, maxLength: 3 }),
        fc.integer({ min: 0, max: 40 }),
        fc.array(fc.tuple(fc.boolean(), fc.nat(), fc.nat(1)), { minLength: 10, maxLength: 150 }),
        (debug, specs, slack, ops) => {
          const { k, km, ps } = bootKmem({ debug, ncpus: 2, physmem: 1 << 15 });
          const caches = makeCaches(km, specs, { ctor: 0, dtor: 0 });
          squeeze(k, ps, ps.pageout_reserve + slack);
          let nulls = 0;
          let oks = 0;
          spawnUser(k, function* () {
            const live: Array<{ cp: KmemCache; b: Buf }> = [];
            for (const [isAlloc, x, cpu] of ops) {
              k.curcpu = cpu;
              if (isAlloc || live.length === 0) {
                const cp = caches[x % caches.length]!;
                const fails = cp.cache_alloc_fail;
                const b = yield* kmemCacheAlloc(km, cp, KM_NOSLEEP);
                if (b) {
                  oks++;
                  live.push({ cp, b });
                } else {
                  nulls++;
                  expect(cp.cache_alloc_fail).toBeGreaterThan(fails);
                }
              } else {
                const { cp, b } = live.splice(x % live.length, 1)[0]!;
                kmemCacheFree(km, cp, b.addr);
              }
              for (const cp of caches) expect(checkCache(km, cp)).toEqual([]);
            }
          });
          expect(k.run(() => false)).not.toBe('panic');
          expect(oks + nulls).toBeGreaterThan(0);
          // with freemem at most 40 pages above pageout_reserve, some NOSLEEP slab creations must fail
          if (slack === 0 && ops.filter((o) => o[0]).length > 20) expect(nulls).toBeGreaterThan(0);
          expect(checkKmem(km)).toEqual([]);
          expect(ps.freemem).toBeGreaterThanOrEqual(0);
        },
      ),
      { numRuns: 40 },
    );
  });
});
