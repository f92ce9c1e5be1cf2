import { describe, expect, it } from 'vitest';
import {
  PG_EXCL,
  PG_PUSHPAGE,
  PG_WAIT,
  VM_NOSLEEP,
  VM_PUSHPAGE,
  VM_SLEEP,
  pageCreateAnon,
  pageCreateVa,
  pageFreeAnon,
  pageInit,
  pageSupply,
  pageUnresv,
  segkmemAlloc,
  segkmemFree,
  vmemAlloc,
  vmemFree,
  vmemInitIllumos,
  vmemList,
  vmemCreateNow,
  vmemState,
} from '../../../../src/sim/illumos/vmem/index.js';
import type { Kernel } from '../../../../src/sim/machine/kernel.js';
import { TS_SLEEP } from '../../../../src/sim/machine/thread.js';
import { PAGE, checkArena, mkKernel, now, spawn, stackNames } from './helpers.js';

/** Take anon pages (without regard to thresholds) until freemem is `target`. */
function setFreemem(k: Kernel, target: number): void {
  const ps = pageSupply(k);
  if (ps.freemem > target) expect(now(pageCreateAnon(k, ps.freemem - target, PG_PUSHPAGE))).toBe(true);
  else pageFreeAnon(k, target - ps.freemem);
  expect(ps.freemem).toBe(target);
}

describe('thresholds', () => {
  it('are computed from physmem as setupclock() does', () => {
    const ps = pageInit(mkKernel({ physmem: 262144 }));
    expect([ps.lotsfree, ps.desfree, ps.minfree, ps.throttlefree, ps.pageout_reserve]).toEqual([4096, 2048, 1024, 1024, 512]);
    // small memory: lotsfree has a floor of 512 KB
    const small = pageInit(mkKernel({ physmem: 4096 }));
    expect([small.lotsfree, small.desfree, small.minfree, small.throttlefree, small.pageout_reserve]).toEqual([128, 64, 32, 32, 16]);
  });

  it('boot takes a share of memory; the rest is free and available', () => {
    const ps = pageInit(mkKernel({ physmem: 65536 }), { bootPages: 1000 });
    expect(ps.freemem).toBe(64536);
    expect(ps.availrmem).toBe(64536);
  });
});

describe('page_create_va()', () => {
  // physmem 65536: throttlefree 256, pageout_reserve 128
  const mk = (): Kernel => {
    const k = mkKernel({ physmem: 65536 });
    pageInit(k, { bootPages: 0 });
    return k;
  };

  it('lets a non-blocking request below throttlefree through until pageout_reserve', () => {
    const k = mk();
    const ps = pageSupply(k);
    setFreemem(k, ps.throttlefree + 5);
    expect(now(pageCreateVa(k, 10, PG_EXCL))).toBe(true);
    setFreemem(k, ps.pageout_reserve + 5);
    expect(now(pageCreateVa(k, 10, PG_EXCL))).toBe(false);
    expect(ps.freemem).toBe(ps.pageout_reserve + 5);
    expect(ps.stats.createFails).toBe(1);
  });

  it('never denies a non-blocking PUSHPAGE request while there are pages', () => {
    const k = mk();
    const ps = pageSupply(k);
    setFreemem(k, 20);
    expect(now(pageCreateVa(k, 10, PG_EXCL | PG_PUSHPAGE))).toBe(true);
    expect(now(pageCreateVa(k, 11, PG_EXCL | PG_PUSHPAGE))).toBe(false);
    expect(ps.freemem).toBe(10);
  });

  it('a blocking PUSHPAGE request may use half the reserve without sleeping, then sleeps', () => {
    const k = mk();
    const ps = pageSupply(k);
    setFreemem(k, 200); // below throttlefree (256), above throttlefree - pageout_reserve + 10 (138)
    expect(now(pageCreateVa(k, 10, PG_EXCL | PG_WAIT | PG_PUSHPAGE))).toBe(true);
    setFreemem(k, 130);
    const t = spawn(k, function* () {
      yield* pageCreateVa(k, 10, PG_EXCL | PG_WAIT | PG_PUSHPAGE);
    });
    expect(k.run(() => false)).toBe('hang');
    expect(t.wchan).toBe(ps.freememCv);
    pageFreeAnon(k, 8);
    expect(k.run(() => false)).toBe('idle');
    expect(ps.freemem).toBe(128);
  });

  it('a blocking request below throttlefree sleeps on freemem_cv until pages are freed', () => {
    const k = mk();
    const ps = pageSupply(k);
    setFreemem(k, 300);
    let ok: boolean | null = null;
    const t = spawn(k, function* () {
      ok = yield* pageCreateVa(k, 50, PG_EXCL | PG_WAIT);
    });
    expect(k.run(() => false)).toBe('hang');
    expect(t.state).toBe(TS_SLEEP);
    expect(t.wchan).toBe(ps.freememCv);
    expect(t.sobj).toBe('cv');
    expect(stackNames(t).slice(0, 5)).toEqual(['swtch', 'cv_wait', 'page_create_throttle', 'page_create_wait', 'page_create_va']);
    expect(ps.freemem_wait).toBe(1);
    expect(ps.needfree).toBe(50);
    pageFreeAnon(k, 5); // 305 < 50 + 256: woken, still short, back to sleep
    expect(k.run(() => false)).toBe('hang');
    pageFreeAnon(k, 1);
    expect(k.run(() => false)).toBe('idle');
    expect(ok).toBe(true);
    expect(ps.freemem).toBe(256);
    expect(ps.freemem_wait).toBe(0);
    expect(ps.needfree).toBe(0);
    expect(ps.stats.throttleWaits).toBe(2);
  });

  it('signals the pageout daemon when memory gets short', () => {
    const k = mk();
    const ps = pageSupply(k);
    ps.pageoutCv = 0x12340;
    let woke = false;
    spawn(k, function* () {
      yield* k.cvWait(ps.pageoutCv);
      woke = true;
    });
    k.run(() => false);
    setFreemem(k, ps.minfree + 5);
    now(pageCreateVa(k, 10, PG_EXCL)); // leaves freemem under minfree
    expect(ps.stats.pageoutWakeups).toBeGreaterThan(0);
    k.run(() => false);
    expect(woke).toBe(true);
  });
});

describe('segkmem', () => {
  const boot = (physmem = 65536): { k: Kernel; a: ReturnType<typeof vmemInitIllumos> } => {
    const k = mkKernel({ physmem });
    return { k, a: vmemInitIllumos(k, { page: { bootPages: 0 } }) };
  };

  it('backs an import with pages and gives them back on free', () => {
    const { k, a } = boot();
    const ps = pageSupply(k);
    const free0 = ps.freemem;
    const kp0 = ps.kernelPages;
    const addr = now(vmemAlloc(k, a.kmem_default, 3 * PAGE, VM_SLEEP));
    expect(addr).not.toBe(0);
    const kp1 = ps.kernelPages;
    const free1 = ps.freemem;
    // three pages for the span, maybe more for segment structures (vmem_seg)
    expect(kp1 - kp0).toBeGreaterThanOrEqual(3);
    expect(free0 - free1).toBe(kp1 - kp0);
    expect(a.kmem_default.kstat.vk_mem_import).toBe(3 * PAGE);
    expect(a.kmem_va.kstat.vk_mem_inuse).toBe(3 * PAGE);
    vmemFree(k, a.kmem_default, addr, 3 * PAGE);
    expect(a.kmem_default.kstat.vk_mem_total).toBe(0);
    expect(a.kmem_va.kstat.vk_mem_inuse).toBe(0);
    expect(ps.kernelPages).toBe(kp1 - 3);
    expect(ps.freemem).toBe(free1 + 3);
  });

  it('a VM_NOSLEEP import under pressure fails and gives the VA back', () => {
    const { k, a } = boot();
    const ps = pageSupply(k);
    setFreemem(k, ps.pageout_reserve + 1);
    const va0 = a.kmem_va.kstat.vk_mem_inuse;
    const heap0 = a.heap.kstat.vk_mem_inuse;
    expect(now(vmemAlloc(k, a.kmem_default, 2 * PAGE, VM_NOSLEEP))).toBe(0);
    expect(a.kmem_default.kstat.vk_fail).toBe(1);
    expect(a.kmem_va.kstat.vk_mem_inuse).toBe(va0);
    expect(a.heap.kstat.vk_mem_inuse).toBe(heap0);
    expect(ps.stats.createFails).toBe(1);
  });

  it('a VM_PUSHPAGE import below throttlefree succeeds without sleeping', () => {
    const { k, a } = boot();
    const ps = pageSupply(k);
    setFreemem(k, ps.throttlefree - 10);
    expect(now(vmemAlloc(k, a.kmem_default, 2 * PAGE, VM_PUSHPAGE))).not.toBe(0);
  });

  it('a VM_SLEEP import under pressure sleeps in page_create_va and completes after pageout frees memory', () => {
    const { k, a } = boot();
    const ps = pageSupply(k);
    setFreemem(k, ps.throttlefree);
    let got = -1;
    const t = spawn(k, function* () {
      got = yield* vmemAlloc(k, a.kmem_default, 2 * PAGE, VM_SLEEP);
    });
    expect(k.run(() => false)).toBe('hang');
    expect(t.state).toBe(TS_SLEEP);
    expect(t.wchan).toBe(ps.freememCv);
    expect(stackNames(t)).toEqual([
      'swtch',
      'cv_wait',
      'page_create_throttle',
      'page_create_wait',
      'page_create_va',
      'segkmem_page_create',
      'segkmem_xalloc',
      'segkmem_alloc_vn',
      'segkmem_alloc',
      'vmem_xalloc',
      'vmem_alloc',
      'thread_start',
    ]);
    // the VA was taken before the pages were asked for
    expect(a.kmem_va.kstat.vk_mem_inuse).toBe(2 * PAGE);
    pageFreeAnon(k, 100);
    expect(k.run(() => false)).toBe('idle');
    expect(got).not.toBe(0);
    expect(a.kmem_default.kstat.vk_mem_inuse).toBe(2 * PAGE);
  });

  it('page_resv() fails VM_NOSLEEP when availrmem is at t_minarmem, and a sleeper retries', () => {
    const { k, a } = boot();
    const ps = pageSupply(k);
    ps.availrmem = ps.tMinarmem + 1;
    expect(now(segkmemAlloc(k, a.kmem_va, 2 * PAGE, VM_NOSLEEP))).toBe(0);
    expect(ps.stats.resvFails).toBe(1);
    expect(a.kmem_va.kstat.vk_mem_inuse).toBe(0);
    let got = -1;
    const t = spawn(k, function* () {
      got = yield* segkmemAlloc(k, a.kmem_va, 2 * PAGE, VM_SLEEP);
    });
    k.run(() => k.now > 1e9 || got !== -1);
    expect(got).toBe(-1);
    expect(stackNames(t).slice(0, 5)).toEqual(['swtch', 'cv_timedwait', 'delay', 'page_resv', 'segkmem_xalloc']);
    pageUnresv(k, 10);
    k.run(() => false);
    expect(got).not.toBe(0);
    expect(ps.stats.resvWaits).toBeGreaterThan(0);
    segkmemFree(k, a.kmem_va, got, 2 * PAGE);
    expect(ps.availrmem).toBe(ps.tMinarmem + 11);
  });
});

describe('a kernel under memory pressure', () => {
  it('allocators sleep and wake as pageout frees user memory, and everything completes', () => {
    for (const seed of [1, 2]) {
      const k = mkKernel({ seed, physmem: 16384 });
      const a = vmemInitIllumos(k);
      const ps = pageSupply(k);
      let done = 0;
      let fails = 0;
      for (let w = 0; w < 6; w++) {
        spawn(k, function* () {
          const live: Array<[number, number]> = [];
          for (let i = 0; i < 1500; i++) {
            if (live.length > 0 && k.rng.chance(0.45)) {
              const [x, sz] = live.splice(k.rng.below(live.length), 1)[0]!;
              vmemFree(k, a.kmem_default, x, sz);
            } else {
              const sz = (1 + k.rng.below(4)) * PAGE;
              const x = yield* vmemAlloc(k, a.kmem_default, sz, k.rng.pick([VM_SLEEP, VM_NOSLEEP, VM_PUSHPAGE]));
              if (x) live.push([x, sz]);
              else fails++;
            }
            if (k.rng.chance(0.2)) yield { kind: 'preempt' };
          }
          for (const [x, sz] of live) vmemFree(k, a.kmem_default, x, sz);
          done++;
        });
      }
      // a memory hog, and pageout taking its pages back whenever freemem drops under lotsfree
      spawn(k, function* () {
        for (let i = 0; i < 400; i++) {
          yield* pageCreateAnon(k, 40, PG_WAIT);
          if (k.rng.chance(0.5)) yield { kind: 'preempt' };
        }
      });
      spawn(k, function* () {
        while (done < 6) {
          yield* k.delay(1_000_000);
          if (ps.freemem < ps.lotsfree) pageFreeAnon(k, 64);
        }
      });
      expect(k.run(() => false)).toBe('idle');
      expect(done).toBe(6);
      expect(ps.stats.throttleWaits).toBeGreaterThan(0);
      // only VM_NOSLEEP requests may fail, and only when memory is near pageout_reserve
      expect(fails).toBe(ps.stats.createFails);
      expect(a.kmem_default.kstat.vk_mem_inuse).toBe(0);
      for (const v of vmemList(k)) expect(checkArena(v)).toEqual([]);
    }
  });
});

describe('populating segment structures', () => {
  it('one VM_SLEEP populator at a time: the next waits on vmem_sleep_lock while the first waits for pages', () => {
    const k = mkKernel({ physmem: 65536 });
    vmemInitIllumos(k, { page: { bootPages: 0 } });
    const st = vmemState(k);
    const ps = pageSupply(k);
    const A = vmemCreateNow(k, 'A', 0x40000000, 1 << 20, PAGE, null, null, null, 0, VM_SLEEP);
    const B = vmemCreateNow(k, 'B', 0x50000000, 1 << 20, PAGE, null, null, null, 0, VM_SLEEP);
    expect(A.nsegfree).toBeLessThan(16); // vmem_add used two of its VMEM_MINFREE
    st.segfree = null; // the global stock is gone: the next populate allocates from vmem_seg
    st.nsegfreeGlobal = 0;
    setFreemem(k, ps.throttlefree);
    const got: number[] = [];
    const t1 = spawn(k, function* () {
      got.push(yield* vmemAlloc(k, A, PAGE, VM_SLEEP));
    });
    const t2 = spawn(k, function* () {
      got.push(yield* vmemAlloc(k, B, PAGE, VM_SLEEP));
    });
    expect(k.run(() => false)).toBe('hang');
    const [first, second] = st.locks.sleep.owner === t1 ? [t1, t2] : [t2, t1];
    expect(st.locks.sleep.owner).toBe(first);
    expect(first.wchan).toBe(ps.freememCv);
    expect(stackNames(first)).toContain('vmem_populate');
    expect(second.state).toBe(TS_SLEEP);
    expect(second.sobj).toBe('mutex');
    expect(second.wchan).toBe(st.locks.sleep.addr);
    expect(stackNames(second).slice(0, 6)).toEqual(['swtch', 'turnstile_block', 'mutex_vector_enter', 'vmem_populate', 'vmem_alloc', 'thread_start']);
    pageFreeAnon(k, 100);
    expect(k.run(() => false)).toBe('idle');
    expect(got.sort()).toEqual([0x40000000, 0x50000000]);
    expect(st.locks.sleep.owner).toBe(null);
    expect(A.nsegfree).toBeGreaterThanOrEqual(14);
    expect(st.segArena!.kstat.vk_mem_inuse).toBeGreaterThan(0);
  });
});
