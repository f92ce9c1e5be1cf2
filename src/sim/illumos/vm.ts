/*
 * The page daemon and the kmem taskq: what gives memory back under pressure.
 *
 * pageout (uts/common/os/vm_pageout.c) wakes four times a second, or when a
 * page allocation finds memory short. While freemem is below lotsfree it asks
 * kmem to reap (kmem_reap(), at most once per kmem_reap_interval) and steals
 * user pages, at most `handspreadpages` per wakeup, from processes' resident
 * anonymous memory. The kmem taskq thread runs the reap and, every
 * kmem_reap_interval, kmem_update()'s working-set update.
 */
import { offsetOf } from '../../dump/types/illumos/index.js';
import { illumosLayouts } from './dump/layouts.js';
import type { Kernel } from '../machine/kernel.js';
import type { Kva } from '../machine/platform.js';
import { func } from '../machine/symbols.js';
import type { KGen } from '../machine/thread.js';
import { kmemReapAll, kmemReapRequest, kmemUpdate, type Kmem } from './kmem/kmem.js';
import { pageFreeAnon, type PageSupply } from './vmem/page.js';
import { kmemAlloc, kmemCacheCreate, KM_SLEEP } from './kmem/kmem.js';
import { FILL_ZERO } from '../../dump/format.js';
import { cvWaitOn } from './kern/condvar.js';
import { sizeofTaskq, taskqCreate, taskqDispatch, taskqOffset, taskqRunDone, taskqRunStart, TASKQ_PREPOPULATE, type Taskq } from './kern/taskq.js';

const pageout = func('genunix', 'pageout', 0x260);
const pageout_scanner = func('genunix', 'pageout_scanner', 0x3b0);
const schedpaging = func('genunix', 'schedpaging', 0x1a0);
const kmem_reap_fn = func('genunix', 'kmem_reap', 0x60);
const taskq_thread = func('genunix', 'taskq_thread', 0x2d0);
const taskq_thread_wait = func('genunix', 'taskq_thread_wait', 0x120);
const kmem_update = func('genunix', 'kmem_update', 0x80);

/** A process's resident anonymous memory, which pageout may steal. */
export interface AnonOwner {
  resident: number;
  /** the resident pages (frame numbers), oldest first; resident is their number */
  pages: number[];
}

/** minclsyspri, and INT_MAX for kmem_taskq's maxalloc */
const MINCLSYSPRI = 60;
const INT_MAX = 0x7fffffff;

export interface Vm {
  pageoutCv: number;
  /** the kmem taskq (taskq_create() takes it from taskq_cache), its dispatch cv and lock */
  tq: Taskq;
  taskq: number;
  taskqCv: number;
  /** pageout_mutex, which pageout() holds around its cv_wait() */
  pageoutMutex: number;
  owners: Set<AnonOwner>;
  /** pages pageout stole */
  pagedOut: number;
  scans: number;
}

export function vmCreate(k: Kernel, ps: PageSupply, km: Kmem): Vm {
  // taskq_init(): taskq_cache; kmem_init() → kmem_taskq = taskq_create("kmem_taskq", ...)
  const tqCache = kmemCacheCreate(km, { name: 'taskq_cache', bufsize: sizeofTaskq(), align: 8 });
  // kmem_taskq = taskq_create("kmem_taskq", 1, minclsyspri, 300, INT_MAX, TASKQ_PREPOPULATE)
  const tq = taskqCreate(k, km, tqCache, 'kmem_taskq', 1, MINCLSYSPRI, 300, INT_MAX, TASKQ_PREPOPULATE);
  const pageoutMutex = k.sym.object('genunix', 'pageout_mutex', 8).addr;
  return { pageoutCv: 0, tq, taskq: tq.addr, taskqCv: tq.addr + taskqOffset('tq_dispatch_cv'), pageoutMutex, owners: new Set(), pagedOut: 0, scans: 0 };
}

/**
 * pageout() waits, and schedpaging() wakes it, on proc_pageout->p_cv: the
 * condition variable of the pageout process once it exists.
 */
export function vmPageoutProc(vm: Vm, ps: PageSupply, procAddr: number): void {
  vm.pageoutCv = ps.pageoutCv = procAddr + offsetOf(illumosLayouts(), 'proc_t', 'p_cv');
}

/** The pageout daemon. */
export function* pageoutThread(k: Kernel, km: Kmem, ps: PageSupply, vm: Vm): KGen<void> {
  const f0 = k.enter(pageout, 0);
  // The scanner's rate (fastscan, half of memory per second, at most 64 MB)
  // bounds what it can look at per quarter second; of the pages it looks at,
  // only those not referenced since the front hand passed can be freed.
  const fastscan = Math.min(Math.floor(ps.physmem / 2), Math.floor((64 << 20) / k.p.pagesize));
  const handspread = Math.max(64, Math.floor(fastscan / 4 / 10));
  let tickStart = k.now;
  let budget = handspread;
  for (;;) {
    // cv_wait(&proc_pageout->p_cv, &pageout_mutex): schedpaging() signals it from the clock every quarter second
    yield* cvWaitOn(k, vm.pageoutCv, vm.pageoutMutex, 250_000_000);
    if (k.now - tickStart >= 250_000_000) {
      tickStart = k.now;
      budget = handspread;
    }
    const fs = k.enter(schedpaging, 0);
    if (ps.freemem < ps.lotsfree + ps.needfree && budget > 0) {
      const fr = k.enter(kmem_reap_fn, 0);
      // kmem_reap() → taskq_dispatch(kmem_taskq, kmem_reap_start, ...)
      if (kmemReapRequest(km)) {
        taskqDispatch(vm.tq);
        k.cvSignal(vm.taskqCv);
      }
      k.leave(fr);
      const fsc = k.enter(pageout_scanner, 0);
      vm.scans++;
      // Steal up to handspread pages, round-robin over the processes.
      let want = Math.min(budget, ps.lotsfree + ps.needfree - ps.freemem + handspread / 4);
      budget -= Math.max(0, want);
      const owners = [...vm.owners].filter((o) => o.resident > 0);
      while (want > 0 && owners.length > 0) {
        const i = k.rng.below(owners.length);
        const o = owners[i]!;
        const n = Math.min(o.resident, Math.max(1, Math.floor(want / owners.length)), want);
        o.resident -= n;
        want -= n;
        vm.pagedOut += n;
        // the oldest pages, pushed to swap and freed: they keep their swapfs name on the cachelist
        pageFreeAnon(k, n, o.pages, true);
        if (o.resident === 0) owners.splice(i, 1);
        k.tick(n * 2000);
      }
      k.leave(fsc);
    }
    k.leave(fs);
  }
  k.leave(f0);
}

/** The kmem taskq thread: reaps on request, updates working sets every interval. */
export function* kmemTaskqThread(k: Kernel, km: Kmem, vm: Vm): KGen<void> {
  // taskq_thread(arg): the taskq
  const f0 = k.enter(taskq_thread, 0b1, vm.taskq);
  let lastUpdate = k.now;
  for (;;) {
    const wait = Math.max(1, km.reapIntervalNs - (k.now - lastUpdate));
    // taskq_thread_wait(tq, &tq->tq_lock, &tq->tq_dispatch_cv, &cprinfo, -1) → cv_wait(); the
    // timeout stands for kmem_update()'s callout dispatching kmem_cache_update to the taskq
    const tw: [typeof taskq_thread_wait, number, ...number[]] = [taskq_thread_wait, 0b1111, vm.taskq, vm.taskq + taskqOffset('tq_lock'), vm.taskqCv, k.curthread!.frames[k.curthread!.frames.length - 1]!.fp - 0x40, -1];
    yield* cvWaitOn(k, vm.taskqCv, vm.taskq + taskqOffset('tq_lock'), wait, [tw]);
    if (k.now - lastUpdate >= km.reapIntervalNs) {
      // kmem_update()'s callout dispatched kmem_cache_update's task
      taskqDispatch(vm.tq);
      const t0 = k.now + taskqRunStart(vm.tq);
      const fu = k.enter(kmem_update, 0);
      kmemUpdate(km);
      k.leave(fu);
      taskqRunDone(vm.tq, k.now - t0);
      lastUpdate = k.now;
    }
    if (km.reaping) {
      const t0 = k.now + taskqRunStart(vm.tq);
      kmemReapAll(km);
      taskqRunDone(vm.tq, k.now - t0);
    }
  }
  k.leave(f0);
}

/** sizeof (struct anon), sizeof (struct anon_map) on amd64 (vm/anon.h) */
const SIZEOF_ANON = 0x30;
const SIZEOF_ANON_MAP = 0x78;
/** ANON_HASHAVELEN: the anon hash's average chain length */
const ANON_HASHAVELEN = 4;
const anonmapCtor = func('genunix', 'anonmap_cache_constructor');
const anonmapDtor = func('genunix', 'anonmap_cache_destructor');

/**
 * anon_init() (vm_anon.c): the anon slot hash, 1 << highbit(physmem /
 * ANON_HASHAVELEN) pointers kmem_zalloc'd, then the "anon_cache" and
 * "anonmap_cache" caches. The model's faults do not allocate struct anon
 * (anon_zero()'s slot is a frame argument only), so anon_cache stays empty.
 */
export function* anonInit(k: Kernel, km: Kmem): KGen<{ hash: Kva; size: number }> {
  const n = Math.floor(k.cfg.physmem / ANON_HASHAVELEN);
  const entries = 2 ** (n > 0 ? Math.floor(Math.log2(n)) + 1 : 0);
  const h = yield* kmemAlloc(km, 8 * entries, KM_SLEEP);
  if (h === null) throw new Error('simulator: no memory for anon_hash at boot');
  if (typeof h !== 'number') h.fill = FILL_ZERO;
  kmemCacheCreate(km, { name: 'anon_cache', bufsize: SIZEOF_ANON, align: 8 });
  kmemCacheCreate(km, {
    name: 'anonmap_cache',
    bufsize: SIZEOF_ANON_MAP,
    align: 8,
    // mutex_init() and cv_init() of the map's locks: nothing to allocate
    ctor: function* () {
      return 0;
    },
    dtor: () => {},
    ctorName: anonmapCtor.name,
    dtorName: anonmapDtor.name,
  });
  return { hash: typeof h === 'number' ? h : h.addr, size: entries };
}
