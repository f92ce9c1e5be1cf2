/*
 * Determinism: a machine is a function of its seed and its operations. Two
 * machines with the same seed running the same workload (threads allocating
 * and freeing on random CPUs, interleaved by the seeded dispatcher, with
 * memory pressure, reaps and working-set updates) end in identical state,
 * down to every buffer address, counter, log record and thread stack; and
 * running two machines side by side in one process changes neither.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  kmemCacheAlloc,
  kmemCacheCreate,
  kmemCacheFree,
  kmemReapAll,
  kmemUpdate,
  KM_NOSLEEP,
  KM_PUSHPAGE,
  KM_SLEEP,
  type Buf,
  type KmemCache,
} from '../../../../src/sim/illumos/kmem/kmem.js';
import { storePtr } from '../../../../src/sim/illumos/kmem/contents.js';
import { pageCreateAnon, pageFreeAnon, PG_WAIT, vmemList } from '../../../../src/sim/illumos/vmem/index.js';
import { func } from '../../../../src/sim/machine/symbols.js';
import type { KGen } from '../../../../src/sim/machine/thread.js';
import { bootKmem, checkKmem, slabsOf, spawnUser, type Machine } from './helpers.js';

const taskqFn = func('genunix', 'taskq_thread', 0x2d0);
const pageoutFn = func('genunix', 'pageout', 0x260);

interface Run extends Machine {
  caches: KmemCache[];
}

/**
 * Boot, make a few caches, and start the workload's threads: three user
 * threads allocating and freeing with the kernel's PRNG (anon memory included,
 * so freemem moves around the thresholds), and a kernel thread that reaps.
 */
function setup(seed: number, debug: boolean): Run {
  const m = bootKmem({ seed, debug, ncpus: 3, physmem: 1 << 14 });
  const { k, km } = m;
  const sizes = [24, 152, 700, 3000];
  const caches = sizes.map((size, i) =>
    kmemCacheCreate(km, {
      name: `det_${size}`,
      bufsize: size,
      priv: k.bootAlloc(8),
      ...(i % 2 === 0
        ? {
            ctor: function* (_k, b: Buf): KGen<number> {
              storePtr(b, 0, b.addr);
              return 0;
            },
            dtor: (_k, b: Buf) => storePtr(b, 0, 0),
          }
        : {}),
    }),
  );
  // anon pages each worker holds; the pageout thread steals them back
  const anon = [0, 0, 0];
  let running = anon.length;
  for (let w = 0; w < anon.length; w++) {
    spawnUser(k, function* () {
      const live: Array<[KmemCache, Buf]> = [];
      for (let i = 0; i < 250; i++) {
        const r = k.rng.float();
        if (r < 0.5) {
          const cp = k.rng.pick(caches);
          const flag = k.rng.pick([KM_SLEEP, KM_NOSLEEP, KM_PUSHPAGE]);
          const b = yield* kmemCacheAlloc(km, cp, flag);
          if (b) live.push([cp, b]);
        } else if (r < 0.85) {
          if (live.length > 0) {
            const [cp, b] = live.splice(k.rng.below(live.length), 1)[0]!;
            kmemCacheFree(km, cp, b.addr);
          }
        } else if (r < 0.95) {
          const n = 1 + k.rng.below(2000);
          if (yield* pageCreateAnon(k, n, PG_WAIT)) anon[w]! += n;
        } else if (anon[w]! > 0) {
          const n = 1 + k.rng.below(anon[w]!);
          pageFreeAnon(k, n);
          anon[w]! -= n;
        }
        if (k.rng.chance(0.4)) yield* k.preempt();
      }
      for (const [cp, b] of live) kmemCacheFree(km, cp, b.addr);
      pageFreeAnon(k, anon[w]!);
      anon[w] = 0;
      running--;
    }, `job${w}`);
  }
  // A pageout of sorts: below lotsfree, steal anon pages from the biggest holder.
  const pageout = k.threadCreate(k.procs[0]!, pageoutFn, function* () {
    while (running > 0) {
      yield* k.delay(1_000_000);
      if (m.ps.freemem >= m.ps.lotsfree + m.ps.needfree) continue;
      let w = 0;
      for (let i = 1; i < anon.length; i++) if (anon[i]! > anon[w]!) w = i;
      const n = Math.min(anon[w]!, m.ps.lotsfree);
      anon[w]! -= n;
      pageFreeAnon(k, n);
    }
  });
  pageout.pri = 98;
  const reaper = k.threadCreate(k.procs[0]!, taskqFn, function* () {
    for (let i = 0; i < 6; i++) {
      yield* k.delay(3_000_000);
      kmemUpdate(km);
      kmemReapAll(km);
    }
  });
  reaper.pri = 99;
  return { ...m, caches };
}

/** Everything observable about a machine, as JSON. */
function snapshot(r: Run): string {
  const { k, km, ps } = r;
  const caches = km.caches.map((cp) => ({
    name: cp.cache_name,
    addr: cp.addr,
    flags: cp.cache_flags,
    stats: [
      cp.cache_slab_create,
      cp.cache_slab_destroy,
      cp.cache_slab_alloc,
      cp.cache_slab_free,
      cp.cache_alloc_fail,
      cp.cache_buftotal,
      cp.cache_bufmax,
      cp.cache_bufslab,
      cp.cache_reap,
      cp.hashTable,
      cp.hashSize,
    ],
    depot: [cp.cache_full, cp.cache_empty].map((ml) => [ml.total, ml.min, ml.reaplimit, ml.alloc, ml.list.map((mp) => mp.buf.addr)]),
    cpus: cp.cache_cpu.map((cc) => [cc.cc_alloc, cc.cc_free, cc.cc_rounds, cc.cc_prounds, cc.cc_loaded?.rounds.map((b) => b.addr) ?? null]),
    allocated: [...cp.allocated.keys()].sort((a, b) => a - b),
    slabs: slabsOf(cp).map((sp) => [sp.addr, sp.base, sp.refcnt, sp.chunks, sp.bufs.map((b) => [b.state, b.fill, b.audTime, b.audStack, b.ptrs])]),
  }));
  const arenas = vmemList(k).map((v) => [v.name, v.kstat.vk_mem_inuse, v.kstat.vk_mem_total, v.kstat.vk_alloc, v.kstat.vk_free, v.kstat.vk_wait]);
  const threads = k.threads.map((t) => [t.addr, t.state, t.wchan, t.cpu, t.frames.map((f) => [f.fn.name, f.pcOff, f.args])]);
  const log = km.transactionLog.records().map((x) => [x.time, x.event, x.thread, x.cpu, x.cache, x.addr, x.kmflag, x.stack]);
  return JSON.stringify({
    now: k.now,
    ops: k.ops,
    freemem: ps.freemem,
    availrmem: ps.availrmem,
    pstats: ps.stats,
    caches,
    arenas,
    threads,
    log,
    failures: km.failureLog.count,
    slabLog: km.slabLog.count,
    stacks: km.stacks.stacks,
    msgbuf: k.msgbuf,
    panicked: k.panicked?.message ?? null,
  });
}

function runAll(r: Run): string {
  return r.k.run(() => false);
}

describe('determinism', () => {
  for (const debug of [true, false]) {
    it(`two ${debug ? 'DEBUG' : 'non-DEBUG'} machines with one seed end identical; another seed differs`, () => {
      const a = setup(7, debug);
      const whyA = runAll(a);
      const b = setup(7, debug);
      const whyB = runAll(b);
      expect(whyB).toBe(whyA);
      expect(a.k.panicked).toBeNull();
      expect(checkKmem(a.km)).toEqual([]);
      expect(whyA).toBe('idle');
      // the workload really did something: slabs were made, the depot served
      // magazines, and threads slept for memory and were woken
      expect(a.caches.reduce((n, cp) => n + cp.cache_slab_create, 0)).toBeGreaterThan(4);
      expect(a.caches.reduce((n, cp) => n + cp.cache_full.alloc, 0)).toBeGreaterThan(0);
      expect(a.ps.stats.throttleWaits).toBeGreaterThan(0);
      expect(snapshot(b)).toBe(snapshot(a));
      const c = setup(8, debug);
      runAll(c);
      expect(snapshot(c)).not.toBe(snapshot(a));
    });
  }

  it('holds for any seed', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0x7fffffff }), fc.boolean(), (seed, debug) => {
        const a = setup(seed, debug);
        runAll(a);
        const b = setup(seed, debug);
        runAll(b);
        expect(snapshot(b)).toBe(snapshot(a));
      }),
      { numRuns: 6 },
    );
  });

  it('two machines run side by side in one process do not disturb each other', () => {
    const solo = setup(11, true);
    runAll(solo);
    const want = snapshot(solo);
    // boot both first, then alternate between them in slices of operations
    const a = setup(11, true);
    const b = setup(11, true);
    let doneA = false;
    let doneB = false;
    for (let limit = 500; !(doneA && doneB); limit += 500) {
      if (!doneA) doneA = a.k.run(() => a.k.ops >= limit) !== 'budget';
      if (!doneB) doneB = b.k.run(() => b.k.ops >= limit) !== 'budget';
    }
    expect(snapshot(a)).toBe(want);
    expect(snapshot(b)).toBe(want);
    // each kernel's quantum caches belong to its own kmem
    for (const r of [a, b]) {
      const qc = r.km.caches.filter((cp) => cp.cache_name.startsWith('kmem_va_'));
      expect(qc.length).toBeGreaterThan(0);
      for (const cp of qc) expect(cp.cache_arena).toBe(r.arenas.kmem_va);
    }
  });
});
