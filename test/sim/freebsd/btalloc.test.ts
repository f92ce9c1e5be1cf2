/*
 * End to end: the kernel build over NFS on i386 after r358097 hangs with
 * threads asleep in pause("btalloc") under vmem_bt_alloc, the btag keg below
 * its reserve and without UMA_ZONE_NOFREE; the same load on amd64
 * (UMA_MD_SMALL_ALLOC) does not hang; runs are deterministic and the dump
 * is a valid 2020 FreeBSD dump.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { simulate, type RunReport } from '../../../src/sim/scenario/run.js';
import path from 'node:path';
import { readDump } from '../../../src/dump/read.js';
import type { Freebsd2020System } from '../../../src/sim/freebsd/system2020.js';
import type { KThread } from '../../../src/sim/machine/thread.js';
import { bucketEnable, UMA_ZFLAG_BUCKET, UMA_ZFLAG_CACHEONLY, UMA_ZONE_NOFREE, UMA_ZONE_VM, umaReclaim, umaZalloc, umaZfree, zoneFreeItems } from '../../../src/sim/freebsd/uma2020/uma.js';
import { loadScenario } from '../../../src/sim/scenario/run.js';
import { bootFreebsd2020, btWatchSample, bucketSelect } from '../../../src/sim/freebsd/system2020.js';
import type { Freebsd2020Scenario } from '../../../src/sim/scenario/schema.js';
import { kmemMalloc } from '../../../src/sim/freebsd/vm/vm_kern2020.js';
import { blockedMtx20, f20, mtxLock20, pause20, SW_VOL, SWT_SLEEPQ, SWT_TURNSTILE } from '../../../src/sim/freebsd/kern/kern2020.js';
import { M_NOVM, M_NOWAIT, M_USE_RESERVE, M_WAITOK, vmemAdd, vmemCreate, vmemXalloc } from '../../../src/sim/freebsd/vmem/vmem.js';
import { userProc } from '../../../src/sim/freebsd/kern/proc.js';
import { consoleBreak2020 } from '../../../src/sim/freebsd/kern/kdb.js';
import { collectFreebsd2020 } from '../../../src/sim/freebsd/dump/collect2020.js';
import { curthreads, TID_BASE } from '../../../src/sim/freebsd/dump/collect.js';
import { createSession } from '../../../src/mdb/session.js';

/** a seed whose unfixed i386 run hangs: the scenario's own (the README's matrix: 1 hang in seeds 1..20, seed 16) */
const HANG_SEED = 597;
const run = (seed: number, fixes: string[] = [], sets: Array<[string, string]> = []): RunReport =>
  simulate('freebsd-248008-btalloc', { seed, fixes, sets });
/*
 * The btag zone is UMA_ZONE_VM, so bucket_alloc asks the "256 Bucket" zone
 * with M_NOVM: it gets a bucket only once another zone has made that bucket
 * zone a slab. A malloc-16 allocation (no M_NOVM) does that, as the other
 * zones of a booted kernel have long done.
 */
const primeBuckets = (sys: Freebsd2020System): void => {
  const g = umaZalloc(sys.u, sys.mallocZones[0]!, M_WAITOK);
  for (;;) if (g.next().done) break;
};
/** Run a simulated path to its end, whatever it yields on the way (these paths are driven by hand, without the dispatcher). */
const drive = (g: Generator<unknown, number, void>): number => {
  for (;;) {
    const r = g.next();
    if (r.done) return r.value;
  }
};
const names = (t: KThread): string[] => [...t.frames].reverse().filter((f) => !f.hidden).map((f) => f.fn.name);

/*
 * The recursion with its reserve gone, set up directly: every free btag
 * item taken (as keg_drain and the M_USE_RESERVE bucket fills leave it) and
 * the per-domain arena's stock empty; a kmem_malloc must then end in
 * pause("btalloc") under vmem_bt_alloc, and keep retrying there.
 */
describe('vmem_bt_alloc with the btag reserve gone (i386)', () => {
  it('puts a kmem_malloc caller to sleep in pause("btalloc") with the stack of PR 248008, and keeps it there', () => {
    const { sc } = loadScenario('freebsd-248008-btalloc', []);
    const sys = bootFreebsd2020(sc as Freebsd2020Scenario, 1, []);
    const { k, u, btZone, km } = sys;
    k.curthread = k.t0;
    // the reserve is gone: take every free tag item, reserve included
    while (drive(umaZalloc(u, btZone, M_USE_RESERVE | M_NOWAIT | M_NOVM)) !== 0);
    expect(btZone.keg.ud_free_items).toBe(0);
    km.domain_arena.freetags.length = 0;
    km.domain_arena.vm_nfreetags = 0;
    const proc = userProc(k, 'cc', 'cc', k.procs[0]!, -1, 0);
    const sys_write = f20('sys_write', 0x80);
    const t = k.threadCreate(proc, f20('fork_trampoline', 0x10), () => (function* () {
      const fr = k.enter(sys_write, 0);
      yield* kmemMalloc(km, 8 * 4096, M_WAITOK);
      k.leave(fr);
    })(), 152, true);
    k.curthread = null;
    k.run(() => sys.vm.btallocPauses > 50 || k.now > 2e9);
    expect(t.wmesg).toBe('btalloc');
    expect(sys.vm.btallocPauses).toBeGreaterThan(10);
    expect(names(t).slice(0, 14)).toEqual([
      'mi_switch', 'sleepq_timedwait', '_sleep', 'pause_sbt', 'vmem_bt_alloc', 'keg_alloc_slab', 'keg_fetch_slab', 'zone_import',
      names(t)[8], 'uma_zalloc_arg', 'bt_fill', 'vmem_xalloc', 'vmem_alloc', 'kmem_malloc_domain',
    ]);
    expect(['zone_alloc_bucket', 'zone_alloc_item']).toContain(names(t)[8]);
  });
});

describe('the 2020 machine sized from the scenario', () => {
  it('names the platform where the scenario\'s version and hostname say ${machine}', () => {
    const { sc } = loadScenario('freebsd-248008-btalloc', [['kernel.platform', 'amd64']]);
    const { k } = bootFreebsd2020(sc as Freebsd2020Scenario, 1, []);
    expect(k.cfg.hostname).toBe('nfsv4-amd64');
    expect(k.cfg.kernelVersion).toContain('@nfsv4-amd64:/usr/obj/usr/src/amd64.amd64/sys/GENERIC');
    expect(k.cfg.kernelVersion).not.toContain('i386');
  });

  it('gives kernel_map and buffer_arena the KVA asked for beyond 2 GB (MB multiplied, not shifted as 32-bit)', () => {
    const { sc } = loadScenario('freebsd-248008-btalloc', [['kernel.platform', 'amd64'], ['kernel.kva_mb', '2048'], ['build.buf_kva_mb', '4096']]);
    const { km } = bootFreebsd2020(sc as Freebsd2020Scenario, 1, []);
    const { sc: small } = loadScenario('freebsd-248008-btalloc', [['kernel.platform', 'amd64'], ['kernel.kva_mb', '512'], ['build.buf_kva_mb', '64']]);
    const base = bootFreebsd2020(small as Freebsd2020Scenario, 1, []).km;
    // buffer_arena's KVA comes first, kernel_arena imports what follows it up to kva_mb (capped by the platform's heap)
    expect(km.mapNext - base.mapNext).toBe((4096 - 64) * 1048576);
    expect(km.mapEnd - base.mapEnd).toBe((2048 - 512) * 1048576);
  });
});

describe('keg_fetch_slab for a fixed domain (2020)', () => {
  it('retries a failed vmem_bt_alloc through pause("btalloc") alone, even with pages short (no vm_wait_doms)', () => {
    const { sc } = loadScenario('freebsd-248008-btalloc', []);
    const sys = bootFreebsd2020(sc as Freebsd2020Scenario, 1, []);
    const { k, u, btZone, km, vm } = sys;
    k.curthread = k.t0;
    while (drive(umaZalloc(u, btZone, M_USE_RESERVE | M_NOWAIT | M_NOVM)) !== 0);
    km.domain_arena.freetags.length = 0;
    km.domain_arena.vm_nfreetags = 0;
    vm.cnt.v_free_count = vm.cnt.v_free_min - 1;
    const proc = userProc(k, 'cc', 'cc', k.procs[0]!, -1, 0);
    const t = k.threadCreate(proc, f20('fork_trampoline', 0x10), () => (function* () {
      yield* kmemMalloc(km, 8 * 4096, M_WAITOK);
    })(), 152, true);
    k.curthread = null;
    const waits = vm.vmWaits;
    k.run(() => vm.btallocPauses > 20 || k.now > 2e9);
    expect(vm.btallocPauses).toBeGreaterThan(20);
    expect(t.wmesg).toBe('btalloc');
    expect(vm.vmWaits).toBe(waits);
  });
});

describe('the run loop\'s watch on the btag supply', () => {
  it('counts a sample as all dry only with the keg under BT_MAXALLOC, no cached btags and the per-domain stock under BT_MAXALLOC', () => {
    const { sc } = loadScenario('freebsd-248008-btalloc', []);
    const sys = bootFreebsd2020(sc as Freebsd2020Scenario, 1, []);
    const { k, u, btZone, km } = sys;
    k.curthread = k.t0;
    primeBuckets(sys);
    btWatchSample(sys, 1);
    expect(btZone.keg.ud_free_items).toBeGreaterThanOrEqual(btZone.keg.reserve);
    expect(sys.btWatch).toMatchObject({ samples: 1, belowReserve: 0, fewestCached: -1, allDry: 0 });
    // below the reserve, with tags still in this CPU's bucket: close, not dry
    const taken: number[] = [];
    while (btZone.keg.ud_free_items >= 2) taken.push(drive(umaZalloc(u, btZone, M_USE_RESERVE | M_NOWAIT | M_NOVM)));
    const cached = zoneFreeItems(btZone) - btZone.keg.ud_free_items;
    expect(cached).toBeGreaterThan(0);
    btWatchSample(sys, 2e9);
    expect(sys.btWatch).toMatchObject({ samples: 2, belowReserve: 1, fewestCached: cached, fewestAt: 2e9, fewestKeg: btZone.keg.ud_free_items, allDry: 0 });
    // the buckets emptied and the per-domain stock gone too: every condition of the hang at once
    for (const c of btZone.cpu) {
      if (c.alloc) c.alloc.items.length = 0;
      if (c.free) c.free.items.length = 0;
    }
    btZone.buckets.length = 0;
    km.domain_arena.freetags.length = 0;
    km.domain_arena.vm_nfreetags = 0;
    btWatchSample(sys, 3e9);
    expect(sys.btWatch).toMatchObject({ samples: 3, belowReserve: 2, fewestCached: 0, fewestAt: 3e9, fewestStock: 0, allDry: 1 });
  });

  it('counts the btags out of UMA (every item not free in the keg or a bucket), and after the first minute the fewest out and free', () => {
    const { sc } = loadScenario('freebsd-248008-btalloc', []);
    const sys = bootFreebsd2020(sc as Freebsd2020Scenario, 1, []);
    const { k, u, btZone } = sys;
    const keg = btZone.keg;
    k.curthread = k.t0;
    primeBuckets(sys);
    const out = (): number => keg.ud_pages * keg.ipers - zoneFreeItems(btZone);
    btWatchSample(sys, 1e9);
    expect(sys.btWatch).toMatchObject({ outMost: out(), outFewestLate: -1, freeFewestLate: -1 });
    const taken: number[] = [];
    for (let i = 0; i < 40; i++) taken.push(drive(umaZalloc(u, btZone, M_WAITOK)));
    const most = out();
    btWatchSample(sys, 2e9);
    expect(sys.btWatch.outMost).toBe(most);
    // warm: 40 tags back to UMA lower the count out, not the most
    for (const t of taken) umaZfree(u, btZone, t);
    btWatchSample(sys, 61e9);
    expect(sys.btWatch).toMatchObject({ outMost: most, outFewestLate: most - 40, freeFewestLate: zoneFreeItems(btZone) });
  });
});

/*
 * UMA of 2020 as the btag path meets it, checked against the code read:
 * bucket sizes from bucket_select(), uma_zfree's LIFO per-CPU buckets,
 * zone_import keeping a bucket full across the reserve, and the reclaim
 * request vm_pageout_lowmem() makes.
 */
describe('UMA of 2020 under the btag zone', () => {
  const boot = (platform = 'i386'): Freebsd2020System => {
    const { sc } = loadScenario('freebsd-248008-btalloc', [['kernel.platform', platform]]);
    const sys = bootFreebsd2020(sc as Freebsd2020Scenario, 1, []);
    sys.k.curthread = sys.k.t0;
    primeBuckets(sys);
    return sys;
  };

  it('sizes buckets as bucket_select() does: 253 entries for btags and small items, fewer for big ones', () => {
    // BUCKET_SIZE(n): n pointers less the uma_bucket header, on both pointer sizes
    for (const ptr of [4, 8]) {
      expect(bucketSelect(28, ptr)).toBe(253);
      expect(bucketSelect(64, ptr)).toBe(253);
      expect(bucketSelect(65, ptr)).toBe(125);
      expect(bucketSelect(512, ptr)).toBe(29);
      expect(bucketSelect(1024, ptr)).toBe(13);
      expect(bucketSelect(4096, ptr)).toBe(1);
      expect(bucketSelect(65536, ptr)).toBe(1);
    }
    const sys = boot();
    expect(sys.btZone.bucketSize).toBe(253);
    expect(sys.mallocZones.map((z) => z.bucketSize).slice(0, 4)).toEqual([253, 253, 253, 125]);
  });

  it('frees into the CPU\'s alloc bucket while it has room, even with buckets disabled', () => {
    const sys = boot();
    const { u, btZone, k } = sys;
    const a = drive(umaZalloc(u, btZone, M_WAITOK));
    expect(a).not.toBe(0);
    const c = btZone.cpu[k.curcpu]!;
    const before = c.alloc!.items.length;
    u.bucketdisable = true;
    umaZfree(u, btZone, a);
    expect(c.alloc!.items.length).toBe(before + 1);
    expect(c.alloc!.items[c.alloc!.items.length - 1]).toBe(a);
  });

  it('keeps filling a bucket past the reserve with new slabs, as zone_import does', () => {
    const sys = boot();
    const { u, btZone } = sys;
    const keg = btZone.keg;
    // take what the keg holds above its reserve (and what the CPU's buckets hold), one item at a time
    u.bucketdisable = true;
    while (drive(umaZalloc(u, btZone, M_NOWAIT | M_NOVM)) !== 0);
    u.bucketdisable = false;
    expect(keg.ud_free_items).toBeLessThanOrEqual(keg.reserve);
    const pages = keg.ud_pages;
    const a = drive(umaZalloc(u, btZone, M_WAITOK));
    expect(a).not.toBe(0);
    // the keg held nothing above the reserve: new slabs were made to fill the bucket
    expect(keg.ud_pages).toBeGreaterThan(pages);
    // a full bucket's worth left the keg (the caller took one item of it, or of the bucket the
    // nested M_USE_RESERVE fill made on the same CPU)
    const buckets = [...btZone.cpu.flatMap((c) => [c.alloc, c.free]), ...btZone.buckets].filter((b) => b !== null);
    expect(Math.max(...buckets.map((b) => b.items.length))).toBeGreaterThanOrEqual(252);
    expect(zoneFreeItems(btZone) - keg.ud_free_items).toBeGreaterThanOrEqual(252);
    expect(keg.ud_free_items).toBeGreaterThanOrEqual(keg.reserve);
  });

  it('gives the btag zone (UMA_ZONE_VM, so UMA_ZFLAG_CACHEONLY) buckets only with M_NOVM: none until another zone has made a bucket-zone slab', () => {
    const { sc } = loadScenario('freebsd-248008-btalloc', []);
    const sys = bootFreebsd2020(sc as Freebsd2020Scenario, 1, []);
    const { u, btZone, k } = sys;
    k.curthread = k.t0;
    expect(btZone.flags & UMA_ZFLAG_CACHEONLY).not.toBe(0);
    expect(u.bucketZones.map((b) => b.zone.name)).toEqual(['4 Bucket', '6 Bucket', '8 Bucket', '12 Bucket', '16 Bucket', '32 Bucket', '64 Bucket', '128 Bucket', '256 Bucket']);
    const c = btZone.cpu[k.curcpu]!;
    // no "256 Bucket" item anywhere: bucket_alloc(M_NOVM) returns NULL, zone_alloc_item takes one tag from the keg
    const free0 = btZone.keg.ud_free_items;
    const a = drive(umaZalloc(u, btZone, M_NOWAIT | M_NOVM));
    expect(a).not.toBe(0);
    expect(btZone.bucketFails).toBeGreaterThan(0);
    expect(c.alloc).toBeNull();
    expect(btZone.keg.ud_free_items).toBe(free0 - 1);
    // and uma_zfree, finding no bucket, gives it straight back to its slab (zone_free_item)
    umaZfree(u, btZone, a);
    expect(c.free).toBeNull();
    expect(btZone.keg.ud_free_items).toBe(free0);
    // a malloc zone asks without M_NOVM: its bucket makes a "256 Bucket" slab, whose spare items the btag zone can then use
    primeBuckets(sys);
    expect(sys.mallocZones[0]!.cpu[k.curcpu]!.alloc).not.toBeNull();
    const b = drive(umaZalloc(u, btZone, M_NOWAIT | M_NOVM));
    expect(b).not.toBe(0);
    expect(btZone.cpu[k.curcpu]!.alloc?.zone?.name).toBe('256 Bucket');
  });

  it('under UMA_RECLAIM_DRAIN_CPU empties every CPU\'s buckets and bucket cache of the item zones (the bucket zones take the freed buckets back last)', () => {
    const sys = boot();
    const { u, btZone, k } = sys;
    // tags cached on two CPUs, a full bucket in the bucket cache
    const tags: number[] = [];
    for (let i = 0; i < 300; i++) tags.push(drive(umaZalloc(u, btZone, M_WAITOK)));
    expect(tags.every((t) => t !== 0)).toBe(true);
    k.curcpu = 1;
    for (const t of tags) umaZfree(u, btZone, t);
    k.curcpu = 0;
    expect(zoneFreeItems(btZone) - btZone.keg.ud_free_items).toBeGreaterThan(0);
    umaReclaim(u, true);
    // a bucket freed after pcpu_cache_drain_safe() may stay in the reclaiming CPU's bucket-zone cache, as in the kernel
    for (const z of u.zones.filter((z) => !(z.flags & UMA_ZFLAG_BUCKET))) {
      expect(z.buckets).toEqual([]);
      for (const c of z.cpu) {
        expect(c.alloc).toBeNull();
        expect(c.free).toBeNull();
      }
    }
    expect(zoneFreeItems(btZone)).toBe(btZone.keg.ud_free_items);
    // before r366840 keg_drain leaves no fully free slab, boot slabs aside
    expect([...btZone.keg.freeS].every((sl) => sl.boot)).toBe(true);
  });

  it.each(['i386', 'amd64'])('unloads a bucket zone\'s CPU buckets before freeing them, so the bucket zone feeding it cannot free the same bucket twice (%s)', (platform) => {
    const sys = boot(platform);
    const { u, k } = sys;
    // two bucket zones that feed each other: A's buckets are B's items and B's are A's
    // (each platform has such pairs, e.g. "16 Bucket" and "128 Bucket" on amd64, "32 Bucket" and "128 Bucket" on i386)
    const feeder = (a: (typeof u.bucketZones)[number]) => u.bucketZones.find((b) => b.entries === a.zone.bucketSize);
    const A = u.bucketZones.find((a) => feeder(a) !== a && feeder(feeder(a)!) === a)!;
    const B = feeder(A)!;
    expect(A).toBeDefined();
    // CPU 0: A holds one empty bucket (a B item) and B holds none; pcpu_cache_drain_safe gives that
    // bucket back to B, whose bucket_alloc asks A for a bucket on the same CPU
    u.bucketdisable = false;
    k.curcpu = 0;
    const addr = drive(umaZalloc(u, B.zone, M_NOWAIT));
    expect(addr).not.toBe(0);
    for (const z of [A.zone, B.zone]) z.cpu[0] = { alloc: null, free: null, allocs: 0, frees: 0 };
    A.zone.cpu[0]!.alloc = { addr, items: [], entries: B.entries, zone: B.zone };
    umaReclaim(u, true);
    // every bucket-zone item is either free in its slab or in one bucket, never both, never twice
    for (const { zone } of u.bucketZones) {
      const cached = [...zone.buckets, ...zone.cpu.flatMap((c) => [c.alloc, c.free])].flatMap((b) => b?.items ?? []);
      expect(new Set(cached).size, zone.name).toBe(cached.length);
      for (const it of cached) {
        const s = u.bypage.get(it - (it % k.p.pagesize))!;
        const i = (it - s.data) / zone.keg.rsize;
        expect(s.free[i >>> 5]! & (1 << (i & 31)), `${zone.name} ${it.toString(16)} free in its slab and cached`).toBe(0);
      }
    }
  });

  it('counts the fewest free items a keg_drain left, and the fewest once its uma_reclaim was over', () => {
    const sys = boot();
    const { u, btZone, k } = sys;
    const keg = btZone.keg;
    expect([keg.fewestAfterDrain, keg.fewestAfterReclaim]).toEqual([-1, -1]);
    const tags: number[] = [];
    for (let i = 0; i < 300; i++) tags.push(drive(umaZalloc(u, btZone, M_WAITOK)));
    k.curcpu = 1;
    for (const t of tags) umaZfree(u, btZone, t);
    k.curcpu = 0;
    k.now = 5e9;
    umaReclaim(u, true);
    // the reclaim's last word on the keg is what it holds now; a drain inside it may have left fewer
    expect(keg.fewestAfterReclaim).toBe(keg.ud_free_items);
    expect(keg.fewestAfterDrain).toBeGreaterThanOrEqual(0);
    expect(keg.fewestAfterDrain).toBeLessThanOrEqual(keg.fewestAfterReclaim);
    // when: during that reclaim (its work takes simulated time)
    expect(keg.fewestAfterDrainAt).toBeGreaterThanOrEqual(5e9);
    expect(keg.fewestAfterDrainAt).toBeLessThanOrEqual(k.now);
    // a later reclaim keeps the fewest of both
    const [d, r] = [keg.fewestAfterDrain, keg.fewestAfterReclaim];
    for (let i = 0; i < 200; i++) umaZfree(u, btZone, drive(umaZalloc(u, btZone, M_WAITOK)));
    k.now = 6e9;
    umaReclaim(u, true);
    expect(keg.fewestAfterReclaim).toBe(Math.min(r, keg.ud_free_items));
    expect(keg.fewestAfterDrain).toBeLessThanOrEqual(Math.min(d, keg.fewestAfterReclaim));
  });

  /*
   * Run the booted kernel (the build's jobs, the pagedaemon, the "uma" and clock
   * threads) until simulated time `until`, with the free page count pinned to n
   * at every dispatch: the jobs take and give pages too.
   */
  const pin = (sys: Freebsd2020System, n: number, until: number): void => {
    sys.k.curthread = null;
    sys.k.run(() => ((sys.vm.cnt.v_free_count = n), sys.k.now > until));
  };

  it('sets bucketdisable only in bucket_enable: at each uma_reclaim, and at uma_timeout every 20 s whatever the pagedaemon sees', () => {
    const sys = boot();
    const { u, vm } = sys;
    const c = vm.cnt;
    c.v_free_count = c.v_free_min - 1;
    umaReclaim(u, false);
    expect(u.bucketdisable).toBe(true);
    // pages back at the free target: the pagedaemon wakes every 100 ms for 19 s and leaves the flag as it is
    pin(sys, c.v_free_target, 19.5e9);
    expect(vm.lowmems).toBe(0);
    expect(u.bucketdisable).toBe(true);
    // uma_timeout's bucket_enable, 20 s after boot, clears it
    pin(sys, c.v_free_target, 20.5e9);
    expect(u.bucketdisable).toBe(false);
    // and a reclaim short of pages sets it again
    sys.k.curthread = sys.k.t0;
    c.v_free_count = c.v_free_min - 1;
    umaReclaim(u, false);
    expect(u.bucketdisable).toBe(true);
  });

  it('wakes the "uma" thread below v_free_severe, which drains the CPU buckets at most once a second', () => {
    const sys = boot();
    const { k, vm, btZone } = sys;
    const c = vm.cnt;
    // short of pages, but not severely: the pagedaemon's TRIM leaves the "uma" thread asleep
    pin(sys, c.v_free_severe + 1, 1.5e9);
    expect(vm.lowmems).toBeGreaterThan(0);
    expect(vm.umaDrains).toBe(0);
    const worker = k.threads.find((t) => t.frames.some((f) => f.fn.name === 'uma_reclaim_worker'))!;
    expect(worker.proc).toBe(sys.pagedaemon.proc);
    expect(worker.wmesg).toBe('umarcl');
    // put tags in a CPU bucket (buckets enabled, as uma_timeout finds them with pages back), then go below v_free_severe
    k.curthread = k.t0;
    c.v_free_count = c.v_free_target;
    bucketEnable(sys.u);
    primeBuckets(sys);
    const a = drive(umaZalloc(sys.u, btZone, M_WAITOK));
    umaZfree(sys.u, btZone, a);
    const cached = (): number => btZone.cpu.reduce((n, x) => n + (x.alloc?.items.length ?? 0) + (x.free?.items.length ?? 0), 0);
    expect(cached()).toBeGreaterThan(0);
    pin(sys, c.v_free_severe - 1, k.now + 3.05e9);
    // the pagedaemon asks every 100 ms; the worker's pause("umarclslp", hz) spaces the drains a second apart or
    // more, so 3.05 s hold at most 4 (one at the start, then one a second)
    expect(vm.umaDrains).toBeGreaterThanOrEqual(3);
    expect(vm.umaDrains).toBeLessThanOrEqual(4);
    expect(cached()).toBe(0);
  });
});

/*
 * The emergent hang: the scenario's load on its own seed. Nothing in the
 * scenario names it; keg_drain takes the btag reserve and the compilers'
 * next btag slab cannot get the tags its own KVA needs.
 */
describe('freebsd-248008-btalloc (emergent hang)', () => {
  let hung!: ReturnType<typeof run>;
  beforeAll(() => {
    hung = run(HANG_SEED);
  });

  it('hangs on unfixed i386: no panic, the operator breaks in, many threads in pause("btalloc")', () => {
    expect(hung.outcome).toBe('hang');
    expect(hung.consoleLine).toBe('KDB: enter: Break to debugger');
    const h = hung.model.header;
    expect(h.dumpKind).toBe('live');
    expect(h.panic).toBeNull();
    expect(h.entry?.reason).toBe('break');
    const sys = hung.sys as Freebsd2020System;
    const bt = sys.k.threads.filter((t) => t.wmesg === 'btalloc' && t.state === 1);
    expect(bt.length).toBeGreaterThanOrEqual(2);
    for (const t of bt) {
      const st = names(t);
      expect(st.slice(0, 7)).toEqual(['mi_switch', 'sleepq_timedwait', '_sleep', 'pause_sbt', 'vmem_bt_alloc', 'keg_alloc_slab', 'keg_fetch_slab']);
      expect(st[7]).toBe('zone_import');
      expect(['zone_alloc_bucket', 'zone_alloc_item']).toContain(st[8]);
      expect(st.slice(9, 14)).toEqual(['uma_zalloc_arg', 'bt_fill', 'vmem_xalloc', 'vmem_alloc', 'kmem_malloc_domain']);
      expect(st).toContain('kmem_malloc');
      expect(st).toContain('malloc');
      // entered from user mode through the i386 system-call gate
      expect(st.slice(-2)).toEqual(['syscall', 'Xint0x80_syscall']);
      // uma_zalloc_arg's first argument is the btag zone
      const fr = [...t.frames].reverse().filter((f) => !f.hidden);
      expect(fr[9]!.args[0]).toBe(sys.btZone.addr);
    }
  });

  it('leaves the btag keg below uk_reserve, without UMA_ZONE_NOFREE, uk_allocf vmem_bt_alloc', () => {
    const sys = hung.sys as Freebsd2020System;
    const keg = sys.btZone.keg;
    expect(keg.reserve).toBe(2 * 4 * sys.k.cfg.ncpus);
    expect(keg.ud_free_items).toBeLessThan(keg.reserve);
    expect(keg.flags & UMA_ZONE_NOFREE).toBe(0);
    expect(keg.allocf).toBe('vmem_bt_alloc');
    expect(sys.km.domain_arena.vm_nfreetags).toBeLessThan(4);
  });

  // amd64 and r368236 on this seed are the sample dumps, checked below
  it('does not hang with NOFREE back (r364744), nor with keg_drain keeping the reserve (r366840)', () => {
    for (const fix of ['r364744', 'r366840']) expect(run(HANG_SEED, [fix]).outcome, fix).toBe('completed');
  });
});

/*
 * The sample dumps of dumps/ (the scenario's own seed), which the dumps test
 * regenerates byte for byte: so these read what the simulator writes.
 */
describe('freebsd-248008-btalloc (dumps/)', () => {
  const dump = (f: string) => readDump(path.join('dumps', f));
  const kegOf = (m: ReturnType<typeof dump>, name: string) => {
    const t = m.tables.find((x) => x.name === 'struct uma_keg')!;
    const strings = m.tables.find((x) => x.name === 'strings')!;
    const text = new Map<bigint, string>();
    const sa = strings.columns['addr']!.values as BigUint64Array;
    const st = strings.columns['text']!.values as string[];
    for (let i = 0; i < strings.rowCount; i++) text.set(sa[i]!, st[i]!);
    const names = t.columns['uk_name']!.values as BigUint64Array;
    const row = Array.from({ length: t.rowCount }, (_, i) => i).find((i) => text.get(names[i]!) === name);
    expect(row, name).toBeDefined();
    const col = (c: string): number => Number((t.columns[c]!.values as ArrayLike<number | bigint>)[row!]);
    return { reserve: col('uk_reserve'), flags: col('uk_flags') >>> 0 };
  };

  it('does not hang on amd64 (UMA_MD_SMALL_ALLOC), nor with the final fixes: live dumps of completed builds', () => {
    for (const f of ['freebsd-248008-btalloc-amd64.dump', 'freebsd-248008-btalloc-r368236.dump']) {
      const h = dump(f).header;
      expect(h.os).toBe('freebsd');
      expect(h.dumpKind, f).toBe('live');
      expect(h.panic, f).toBeNull();
      expect(h.entry ?? null, f).toBeNull();
    }
    expect(dump('freebsd-248008-btalloc-amd64.dump').header.platform).toBe('amd64');
  });

  it('keeps a reserve of 2 * BT_MAXALLOC * ncpu btags on i386 and none on amd64; the btag keg is UMA_ZONE_VM | UMA_ZFLAG_CACHEONLY', () => {
    const i386 = kegOf(dump('freebsd-248008-btalloc.dump'), 'vmem btag');
    expect(i386.reserve).toBe(2 * 4 * 2);
    expect(i386.flags).toBe((UMA_ZONE_VM | UMA_ZFLAG_CACHEONLY) >>> 0);
    expect(kegOf(dump('freebsd-248008-btalloc-amd64.dump'), 'vmem btag').reserve).toBe(0);
    expect(kegOf(dump('freebsd-248008-btalloc.dump'), '256 Bucket').flags).toBe(UMA_ZFLAG_BUCKET);
  });
});

describe('how 2020 threads block (mi_switch flags, cv_wait)', () => {
  it('sleeps on a vmem arena with _cv_wait -> sleepq_wait -> mi_switch(SW_VOL|SWT_SLEEPQ), and blocks on a mutex with mi_switch(SW_VOL|SWT_TURNSTILE)', async () => {
    const { sc } = loadScenario('freebsd-248008-btalloc', []);
    const sys = bootFreebsd2020(sc as Freebsd2020Scenario, 1, []);
    const { k, vs, km } = sys;
    // a small arena with one span and no parent: a second waiting allocation of its whole size must sleep on it
    const vm = vmemCreate(vs, 'test arena', k.bootAlloc(0x100), 4096, 20);
    k.curthread = k.t0;
    expect(drive(vmemAdd(vs, vm, 0x10000000, 4 * 4096, M_WAITOK) as Generator<unknown, number, void>)).toBeTruthy();
    expect(drive(vmemXalloc(vs, vm, 4 * 4096, 0, M_WAITOK))).toBe(0x10000000);
    const proc = userProc(k, 'cc', 'cc', k.procs[0]!, -1, 0);
    const waiter = k.threadCreate(proc, f20('fork_trampoline', 0x10), () => (function* () {
      yield* vmemXalloc(vs, vm, 4 * 4096, 0, M_WAITOK);
    })(), 152, true);
    // two threads take vmem_bt_lock and sleep holding it: whichever runs second blocks on the lock
    const locker = () => (function* () {
      yield* mtxLock20(k, km.btLock);
      yield* pause20(k, 'hold', 1000);
    })();
    const a = k.threadCreate(proc, f20('fork_trampoline', 0x10), locker, 152, true);
    const b = k.threadCreate(proc, f20('fork_trampoline', 0x10), locker, 152, true);
    k.curthread = null;
    k.run(() => k.now > 5e8);
    const contender = km.btLock.owner === a ? b : a;
    expect(km.btLock.owner).not.toBeNull();
    expect(km.btLock.owner!.wmesg).toBe('hold');
    expect(names(waiter).slice(0, 4)).toEqual(['mi_switch', 'sleepq_wait', '_cv_wait', 'vmem_xalloc']);
    expect(waiter.wmesg).toBe('test arena');
    const top = (t: KThread) => [...t.frames].reverse().find((f) => !f.hidden)!;
    expect(top(waiter).args[0]).toBe(SW_VOL | SWT_SLEEPQ);
    expect(names(contender).slice(0, 3)).toEqual(['mi_switch', 'turnstile_wait', '__mtx_lock_sleep']);
    expect(top(contender).args[0]).toBe(SW_VOL | SWT_TURNSTILE);
    // the dump names the contested mutex and its turnstile: show turnstile finds both by the lock
    const recipe = { scenario: sc.name, scenarioText: '', seed: 1, set: [], fixes: [], mddbVersion: 'test' };
    const session = createSession(collectFreebsd2020(sys, recipe, 'completed', null), 'locks.dump', undefined, { syntax: 'ddb' });
    const o = (await session.execute('show turnstile vmem_bt_lock')).output.split('\n');
    expect(o[0]).toBe(`Lock: 0x${k.hex(km.btLock.addr)} - (sleep mutex) btag lock`);
    expect(o[1]).toMatch(new RegExp(`^Lock Owner: 0x${k.hex(km.btLock.owner!.addr)} \\(tid \\d+, pid \\d+, "cc"\\)$`));
    // the load's own threads may be waiting on vmem_bt_lock too: every waiter is a thread blocked on it, the contender among them
    const waiters = o.slice(5, o.indexOf('Pending Threads:'));
    expect(o[4]).toBe('Exclusive Waiters:');
    // db_printf's "\t%p" reaches the console as eight spaces
    expect(waiters).toContain(`        0x${k.hex(contender.addr)} (tid ${TID_BASE + k.threads.indexOf(contender)}, pid ${proc.pid}, "cc")`);
    const blocked = k.threads.filter((x) => blockedMtx20(x) === km.btLock);
    expect(waiters).toHaveLength(blocked.length);
  });
});

describe('breaking into a hung 2020 kernel from the console', () => {
  it('stacks the uart interrupt over the interrupted thread, and ddb traces through it with the interrupted registers', async () => {
    const { sc } = loadScenario('freebsd-248008-btalloc', []);
    const sys = bootFreebsd2020(sc as Freebsd2020Scenario, 1, []);
    const { k } = sys;
    k.run(() => k.now > 2e8);
    const t = curthreads(k)[0]!;
    consoleBreak2020(k, t, TID_BASE + k.threads.indexOf(t));
    expect(names(t).slice(0, 8)).toEqual(['kdb_enter', 'kdb_break', 'uart_intr_break', 'uart_intr', 'intr_event_handle', 'intr_execute_handlers', 'lapic_handle_intr', 'Xapic_isr1']);
    expect(k.msgbuf.map((l) => l.text)).toContain('KDB: enter: Break to debugger');
    const recipe = { scenario: sc.name, scenarioText: '', seed: 1, set: [], fixes: [], mddbVersion: 'test' };
    const model = collectFreebsd2020(sys, recipe, 'hang', { reason: 'break', thread: k.hex(t.addr), cpu: 0 });
    const s = createSession(model, 'hang.dump', undefined, { syntax: 'ddb' });
    const bt = (await s.execute('bt')).output.split('\n');
    const i = bt.findIndex((l) => l.startsWith('Xapic_isr1() at Xapic_isr1+'));
    expect(i).toBeGreaterThan(0);
    expect(bt[i + 1]).toMatch(/^--- interrupt, eip = 0x[0-9a-f]+, esp = 0x[0-9a-f]+, ebp = 0x[0-9a-f]+ ---$/);
    // eip is the interrupted frame's pc, the next line's
    const eip = BigInt(/eip = (0x[0-9a-f]+)/.exec(bt[i + 1]!)![1]!);
    expect(s.target.formatAddr(eip)).toBe(/ at (\S+?)(\/|$)/.exec(bt[i + 2]!)![1]);
    expect((await s.execute('show panic')).output).toBe('panicstr not set\n');
    // a user thread's trace ends where it entered the kernel: int $0x80 and the system call decoded from its trapframe
    const make = (await s.execute('bt 9')).output.trimEnd().split('\n');
    expect(make.at(-2)).toMatch(/^Xint0x80_syscall\(\) at Xint0x80_syscall\+0x[0-9a-f]+\/frame 0x[0-9a-f]+$/);
    expect(make.at(-1)).toMatch(/^--- syscall \(7, FreeBSD ELF32, sys_wait4\), eip = 0x[0-9a-f]+, esp = 0x[0-9a-f]+, ebp = 0x[0-9a-f]+ ---$/);
  });

  it('enters a system call through fast_syscall_common and amd64_syscall on amd64, at no cost to the clock', () => {
    const { sc } = loadScenario('freebsd-248008-btalloc', [['kernel.platform', 'amd64']]);
    const sys = bootFreebsd2020(sc as Freebsd2020Scenario, 1, []);
    const { k } = sys;
    const make = k.procs.find((p) => p.comm === 'make')!;
    k.run(() => k.now > 1e7);
    const t = k.threads.find((x) => x.proc === make)!;
    const n = names(t);
    expect(n.slice(-3)).toEqual(['sys_wait4', 'amd64_syscall', 'fast_syscall_common']);
    const entry = [...t.frames].find((f) => f.fn.name === 'fast_syscall_common')!;
    expect(entry.trapframe![0]).toBe(7);
    expect(entry.trapframe![1]).toBeGreaterThan(0x800000000);
  });
});
