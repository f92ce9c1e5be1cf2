/*
 * FreeBSD vmem (2020) under random allocation and free sequences: segments
 * tile each span, xfree leaves no two adjacent FREE tags, the hash holds
 * exactly the BUSY tags, the tag stock never goes negative; the
 * pre-r366838 vmem_xalloc loop can take more than BT_MAXALLOC tags for one
 * allocation and the fixed one cannot; and UMA's reserve.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Kernel } from '../../../src/sim/machine/kernel.js';
import { I386_FREEBSD, type Kva } from '../../../src/sim/machine/platform.js';
import type { KGen } from '../../../src/sim/machine/thread.js';
import { f20, FREEBSD_2020 } from '../../../src/sim/freebsd/kern/kern2020.js';
import {
  BT_MAXALLOC,
  BT_MAXFREE,
  BT_TYPE_BUSY,
  BT_TYPE_FREE,
  BT_TYPE_SPAN,
  BT_TYPE_SPAN_STATIC,
  lastTaken,
  M_NOWAIT,
  M_USE_RESERVE,
  M_WAITOK,
  seglist,
  vmemAlloc,
  vmemCreate,
  vmemXfree,
  type Vmem,
  type VmemSys,
} from '../../../src/sim/freebsd/vmem/vmem.js';
import { kegCreate, kegDrain, slabInit, umaReclaim, umaZalloc, umaZfree, zoneCreate, type Uma2020 } from '../../../src/sim/freebsd/uma2020/uma.js';

const main = f20('vmem_test_main', 0x40);

/** Run a simulated path to completion; preemption points are no-ops here and it must not sleep. */
function drive<T>(g: KGen<T>): T {
  for (;;) {
    const r = g.next();
    if (r.done) return r.value;
    if (r.value.kind !== 'preempt') throw new Error(`unexpected sleep on ${r.value.wmesg}`);
  }
}

function machine(): Kernel {
  const k = new Kernel({ os: FREEBSD_2020, platform: I386_FREEBSD, hostname: 't', kernelVersion: 't', debug: false, ncpus: 2, physmem: 4096, seed: 1 });
  k.bootThread(main);
  return k;
}

/** kernel_arena importing 4 MB spans, and a per-domain arena importing from it; tags from an unlimited source. */
function arenas(fillOnce: boolean, quantumImport = 4 << 20): { vs: VmemSys; ka: Vmem; da: Vmem; taken: () => number } {
  const k = machine();
  let next = 0x10000000;
  let tags = 0;
  const vs: VmemSys = {
    k,
    opts: { fillOnce },
    kernel_arena: null,
    arenas: [],
    bt: {
      *zalloc() {
        tags++;
        return (next += 64);
      },
      zfree() {},
    },
  };
  const ka = vmemCreate(vs, 'kernel arena', 0x1000, 4096, 37);
  vs.kernel_arena = ka;
  let kvaNext = 0x01400000;
  ka.importQuantum = quantumImport;
  ka.importFn = function* (size) {
    const a = kvaNext;
    kvaNext += size;
    return a;
  };
  const da = vmemCreate(vs, 'kernel arena domain', 0x2000, 4096, 37);
  da.source = ka;
  da.importQuantum = quantumImport;
  da.importFn = (size, flags) => (function* () {
    const { vmemXalloc } = vmemMod;
    return yield* vmemXalloc(vs, ka, size, quantumImport, flags);
  })();
  return { vs, ka, da, taken: () => tags };
}
import * as vmemMod from '../../../src/sim/freebsd/vmem/vmem.js';

/** The invariants of one arena. */
function checkArena(vm: Vmem): void {
  expect(vm.vm_nfreetags).toBeGreaterThanOrEqual(0);
  expect(vm.vm_nfreetags).toBe(vm.freetags.length);
  let span: { start: number; end: number; at: number } | null = null;
  let prevType = 0;
  let busy = 0;
  for (const bt of seglist(vm)) {
    if (bt.bt_type === BT_TYPE_SPAN || bt.bt_type === BT_TYPE_SPAN_STATIC) {
      if (span) expect(span.at).toBe(span.end);
      span = { start: bt.bt_start, end: bt.bt_start + bt.bt_size, at: bt.bt_start };
    } else {
      expect(span).not.toBeNull();
      // segments tile the span: each starts where the previous ended
      expect(bt.bt_start).toBe(span!.at);
      span!.at += bt.bt_size;
      expect(bt.bt_size).toBeGreaterThan(0);
      if (bt.bt_type === BT_TYPE_FREE) expect(prevType).not.toBe(BT_TYPE_FREE);
      if (bt.bt_type === BT_TYPE_BUSY) {
        busy++;
        expect(vm.hash.get(bt.bt_start)).toBe(bt);
      } else expect(vm.hash.get(bt.bt_start)).not.toBe(bt);
    }
    prevType = bt.bt_type;
  }
  if (span) expect(span.at).toBe(span.end);
  expect(vm.hash.size).toBe(busy);
  expect(vm.vm_nbusytag).toBe(busy);
  expect(vm.freetags.length).toBeLessThanOrEqual(BT_MAXFREE + BT_MAXALLOC);
}

describe('FreeBSD vmem (2020)', () => {
  it('keeps its segment list, freelists, hash and tag stock consistent under random allocations and frees', () => {
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.array(fc.record({ free: fc.boolean(), pages: fc.integer({ min: 1, max: 300 }), pick: fc.nat() }), { minLength: 1, maxLength: 150 }),
        (fillOnce, ops) => {
          const { vs, ka, da } = arenas(fillOnce, 1 << 20);
          const live: Array<[number, number]> = [];
          for (const op of ops) {
            if (op.free && live.length) {
              const [a, s] = live.splice(op.pick % live.length, 1)[0]!;
              vmemXfree(vs, da, a, s);
            } else {
              const a = drive(vmemAlloc(vs, da, op.pages * 4096, M_WAITOK));
              if (a >= 0) live.push([a, op.pages * 4096]);
            }
            checkArena(da);
            checkArena(ka);
          }
          // frees coalesce back to one FREE tag per span
          for (const [a, s] of live.splice(0)) vmemXfree(vs, da, a, s);
          checkArena(da);
          expect(da.vm_inuse).toBe(0);
          for (const bt of seglist(da)) if (bt.bt_type === BT_TYPE_FREE) expect(bt.prev!.bt_type).toBe(BT_TYPE_SPAN);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('takes more than BT_MAXALLOC tags for one allocation before r366838, and at most BT_MAXALLOC after', () => {
    for (const fillOnce of [false, true]) {
      const { vs, da } = arenas(fillOnce);
      // an allocation that must import a span and then clip it: 2 tags for SPAN + FREE, 2 for the clip
      const a = drive(vmemAlloc(vs, da, 4096, M_WAITOK));
      expect(a).toBeGreaterThan(0);
      const took = lastTaken;
      if (fillOnce) expect(took).toBeLessThanOrEqual(BT_MAXALLOC);
      else expect(took).toBeGreaterThan(BT_MAXALLOC);
    }
  });

  it('bt_freetrim trims by vm_nfreetags, keeping the tags an import in progress has hidden', () => {
    const { vs, da } = arenas(false);
    const pages: number[] = [];
    for (let i = 0; i < 40; i++) pages.push(drive(vmemAlloc(vs, da, 4096, M_WAITOK)));
    // a request the span cannot hold: vmem_import hides BT_MAXALLOC tags and drops the lock (the preemption point)
    const g = vmemAlloc(vs, da, 8 << 20, M_WAITOK);
    const r = g.next();
    expect(r.done).toBe(false);
    expect(da.freetags.length).toBe(da.vm_nfreetags + BT_MAXALLOC);
    // meanwhile another thread frees: each coalesce gives a tag back, bt_freetrim keeps BT_MAXFREE in view
    for (const a of pages) vmemXfree(vs, da, a, 4096);
    expect(da.vm_nfreetags).toBe(BT_MAXFREE);
    expect(da.freetags.length).toBe(BT_MAXFREE + BT_MAXALLOC);
    let n = g.next();
    while (!n.done) n = g.next();
    expect(n.value).toBeGreaterThan(0);
    checkArena(da);
  });

  it('hides BT_MAXALLOC tags while a waiting allocation sleeps on the arena with r366838 (vmem_try_fetch), not before', () => {
    for (const fillOnce of [false, true]) {
      const { vs } = arenas(fillOnce);
      // an arena of one static span and no import function: a full arena makes a M_WAITOK caller sleep on vm_cv
      const vm = vmemCreate(vs, 'test arena', 0x3000, 4096, 37);
      expect(drive(vmemMod.vmemAdd(vs, vm, 0x20000000, 4 * 4096, M_WAITOK))).toBe(true);
      const whole = drive(vmemAlloc(vs, vm, 4 * 4096, M_WAITOK));
      expect(whole).toBe(0x20000000);
      const g = vmemAlloc(vs, vm, 4096, M_WAITOK);
      let r = g.next();
      while (!r.done && r.value.kind === 'preempt') r = g.next();
      expect(r.done).toBe(false);
      if (r.done) continue;
      expect(r.value.kind).toBe('sleep');
      expect(r.value.wchan).toBe(vm.cv);
      // asleep: before r366838 the whole stock is in view of other threads; with it BT_MAXALLOC tags are hidden
      expect(vm.freetags.length).toBeGreaterThanOrEqual(BT_MAXALLOC);
      expect(vm.vm_nfreetags).toBe(fillOnce ? vm.freetags.length - BT_MAXALLOC : vm.freetags.length);
      // a free broadcasts; the sleeper gets the space with the tags it kept
      vmemXfree(vs, vm, whole, 4 * 4096);
      let a = -1;
      for (;;) {
        const n = g.next();
        if (n.done) {
          a = n.value;
          break;
        }
        expect(n.value.kind).toBe('preempt');
      }
      expect(a).toBe(0x20000000);
      expect(vm.vm_nfreetags).toBe(vm.freetags.length);
      checkArena(vm);
    }
  });
});

describe('UMA reserve (2020)', () => {
  function uma(drainKeepsReserve: boolean): { u: Uma2020; k: Kernel; pages: Kva[] } {
    const k = machine();
    let page = 0x02000000;
    const pages: Kva[] = [];
    const u: Uma2020 = {
      k,
      zones: [],
      kegs: [],
      bucketdisable: true,
      // pages short: bucket_enable in uma_reclaim keeps buckets disabled
      pageCountMin: () => true,
      bypage: new Map(),
      nextBucket: 0x03000000,
      drainKeepsReserve,
      slabHdr: 40,
      bucketZones: [],
    };
    const keg = kegCreate(u, 'vmem btag', 0x100, 20, 0, 4096);
    keg.reserve = 16;
    keg.alloc = function* () {
      pages.push(page);
      return (page += 4096) - 4096;
    };
    zoneCreate(u, 'vmem btag', 0x200, keg, 0, 2);
    slabInit(u, keg, 0x01000000, false);
    return { u, k, pages };
  }

  it('free items stay at or above uk_reserve except through M_USE_RESERVE callers; with r366840 keg_drain keeps them', () => {
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.array(fc.record({ op: fc.integer({ min: 0, max: 9 }), n: fc.integer({ min: 1, max: 40 }), pick: fc.nat() }), { maxLength: 80 }),
        (keep, ops) => {
          const { u } = uma(keep);
          const z = u.zones[0]!;
          const keg = z.keg;
          const live: Kva[] = [];
          for (const o of ops) {
            const before = keg.ud_free_items;
            if (o.op < 4) {
              // a normal caller: may add slabs, never takes the reserve
              for (let i = 0; i < o.n; i++) {
                const a = drive(umaZalloc(u, z, M_NOWAIT));
                if (a) live.push(a);
              }
              if (before >= keg.reserve) expect(keg.ud_free_items).toBeGreaterThanOrEqual(Math.min(before, keg.reserve));
            } else if (o.op < 5) {
              // vmem_bt_alloc's nested fill: M_USE_RESERVE|M_NOVM may take the reserve
              const a = drive(umaZalloc(u, z, M_USE_RESERVE | M_NOWAIT | 0x200));
              if (a) live.push(a);
            } else if (o.op < 8) {
              for (let i = 0; i < o.n && live.length; i++) umaZfree(u, z, live.splice(o.pick % live.length, 1)[0]!);
            } else {
              kegDrain(u, keg);
              if (keep && before >= keg.reserve) expect(keg.ud_free_items).toBeGreaterThanOrEqual(keg.reserve);
            }
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  it('before r366840 keg_drain reclaims the slabs that hold the reserve', () => {
    for (const keep of [false, true]) {
      const { u } = uma(keep);
      const z = u.zones[0]!;
      const keg = z.keg;
      const live: Kva[] = [];
      for (let i = 0; i < 3 * keg.ipers; i++) live.push(drive(umaZalloc(u, z, M_WAITOK)));
      // everything comes back: whole free slabs, the reserve among them
      for (const a of live.splice(0)) umaZfree(u, z, a);
      expect(keg.ud_free_items).toBeGreaterThanOrEqual(keg.reserve);
      umaReclaim(u, true);
      if (keep) expect(keg.ud_free_items).toBeGreaterThanOrEqual(keg.reserve);
      else expect(keg.ud_free_items).toBeLessThan(keg.reserve);
    }
  });
});
