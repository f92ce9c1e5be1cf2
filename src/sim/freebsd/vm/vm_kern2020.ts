/*
 * The 2020 VM as the btalloc path meets it (vm/vm_kern.c, vm/vm_page.c,
 * vm/vm_pageout.c of 13.0-CURRENT), one memory domain:
 *
 *   kmem_malloc -> kmem_malloc_domainset -> kmem_malloc_domain:
 *     vmem_alloc(vm_dom[0].vmd_kernel_arena, size, flags | M_BESTFIT) for the
 *     KVA, then kmem_back_domain() wires pages behind it (a waiting caller
 *     sleeps in vm_wait_domain, "vmwait"); kmem_free gives both back;
 *   kva_import_domain: the per-domain arena imports KVA_QUANTUM spans from
 *     kernel_arena; kva_import: kernel_arena imports from kernel_map;
 *   vmem_bt_alloc (platforms without UMA_MD_SMALL_ALLOC): a tag page's KVA
 *     from the per-domain arena with M_NOWAIT|M_NOVM|M_USE_RESERVE|M_BESTFIT
 *     under vmem_bt_lock, backed with M_NOWAIT|M_USE_RESERVE; on failure a
 *     waiting caller pause("btalloc", 1)s and returns NULL for UMA to retry;
 *   uma_small_alloc (amd64): a page from the direct map, no KVA;
 *   the pagedaemon (vm_pageout_worker): passes while free pages are below
 *     the wakeup threshold, each freeing what the PID controller asks for
 *     (anonymous memory paged out) after vm_pageout_lowmem(), which at most
 *     every lowmem_period (10 s) runs vm_lowmem and
 *     uma_reclaim(UMA_RECLAIM_TRIM) and, below v_free_severe, wakes the
 *     "uma" thread (uma_reclaim_worker), which drains every cache and CPU
 *     bucket (UMA_RECLAIM_DRAIN_CPU) at most once a second.
 * Pages are counts; the dump shows vm_cnt.
 */
import type { Kernel } from '../../machine/kernel.js';
import type { Kva } from '../../machine/platform.js';
import type { KGen, Proc } from '../../machine/thread.js';
import { f20, HZ, mtxLock20, mtxUnlock20, pause20, PDROP, PVM, sleep20, wakeup20, type Mtx20 } from '../kern/kern2020.js';
import { pidctrlDaemon, pidctrlInit, type PidCtrl } from '../kern/subr_pidctrl.js';
import { umaReclaim, type Uma2020 } from '../uma2020/uma.js';
import { M_BESTFIT, M_NOVM, M_NOWAIT, M_USE_RESERVE, M_WAITOK, vmemAlloc, vmemFree, vmemXalloc, vmemXfree, type Vmem, type VmemSys } from '../vmem/vmem.js';

const kmem_malloc = f20('kmem_malloc', 0x40);
const kmem_malloc_domainset = f20('kmem_malloc_domainset', 0x110);
const kmem_malloc_domain = f20('kmem_malloc_domain', 0x130);
const kmem_back_domain = f20('kmem_back_domain', 0x2a0);
const kmem_free = f20('kmem_free', 0xb0);
const vm_wait_domain = f20('vm_wait_domain', 0xa0);
const vm_wait_doms = f20('vm_wait_doms', 0xd0);
const vmem_bt_alloc = f20('vmem_bt_alloc', 0x150);
const uma_small_alloc = f20('uma_small_alloc', 0xe0);
const kva_import_domain = f20('kva_import_domain', 0x50);
const kva_import = f20('kva_import', 0x90);
const vm_pageout_worker = f20('vm_pageout_worker', 0x4f0);
const vm_pageout_lowmem = f20('vm_pageout_lowmem', 0x80);
const vm_pageout_scan_inactive = f20('vm_pageout_scan_inactive', 0x5a0);
const uma_reclaim_worker = f20('uma_reclaim_worker', 0xb0);
const uma_reclaim_wakeup = f20('uma_reclaim_wakeup', 0x30);

export const VM_ALLOC_NORMAL = 0;
export const VM_ALLOC_INTERRUPT = 1;
export const VM_ALLOC_SYSTEM = 2;

export interface VmCnt {
  v_page_count: number;
  v_free_count: number;
  v_wire_count: number;
  v_active_count: number;
  v_inactive_count: number;
  v_free_reserved: number;
  v_free_min: number;
  v_free_target: number;
  v_free_severe: number;
  v_interrupt_free_min: number;
  v_pdwakeups: number;
  v_pdpages: number;
}

export interface Anon {
  resident: number;
}

export interface Vm2020 {
  k: Kernel;
  cnt: VmCnt;
  cntAddr: Kva;
  /** &vm_min_domains: vm_wait sleepers ("vmwait") */
  minChan: Kva;
  /** &vm_dom[0].vmd_pageout_wanted: the pagedaemon sleeps here ("psleep") */
  pdChan: Kva;
  /** pageproc: the pagedaemon's process, whose threads pagedaemon_wakeup() does not wake it for */
  pageproc: Proc | null;
  /** vmd_pageout_wakeup_thresh: below it vm_paging_needed() is true */
  wakeupThresh: number;
  /** vmd_pageout_wanted: the pagedaemon has been asked to run (pagedaemon_wakeup() wakes it only when clear) */
  pageoutWanted: boolean;
  /** vmd_pid: how many pages each interval's passes should free */
  pid: PidCtrl;
  owners: Set<Anon>;
  lastLowmem: number;
  lowmems: number;
  /** uma_reclaim_needed (uma_core.c), and the channel the "uma" thread sleeps on (&uma_reclaim) */
  umaReclaimNeeded: number;
  umaChan: Kva;
  /** UMA_RECLAIM_DRAIN_CPU reclaims the "uma" thread ran (model counter) */
  umaDrains: number;
  vmWaits: number;
  pagedOut: number;
  btallocPauses: number;
  btallocFails: number;
  kvaFails: number;
}

export function vmStartup2020(k: Kernel, physmem: number, wired: number): Vm2020 {
  const cntAddr = k.sym.object(K20OBJ, 'vm_cnt', 0x100).addr;
  // vm_pageout_init_domain() of 2020, one domain of `physmem` pages
  const v_interrupt_free_min = 2;
  const pageoutPageCount = physmem < 2000 ? 8 : 32; // vm_pageout_page_count
  const freeMin = physmem > 1024 ? 4 + Math.floor((physmem - 1024) / 200) : 4;
  const v_pageout_free_min = Math.floor((2 * MAXBSIZE) / PAGE_SIZE) + v_interrupt_free_min;
  const v_free_reserved = pageoutPageCount + v_pageout_free_min + Math.floor(physmem / 768);
  const v_free_target = 4 * freeMin + v_free_reserved;
  const cnt: VmCnt = {
    v_page_count: physmem,
    v_free_count: physmem - wired,
    v_wire_count: wired,
    v_active_count: 0,
    v_inactive_count: 0,
    v_free_reserved,
    v_free_min: freeMin + v_free_reserved,
    v_free_target,
    v_free_severe: Math.floor(freeMin / 2) + v_free_reserved,
    v_interrupt_free_min,
    v_pdwakeups: 0,
    v_pdpages: 0,
  };
  return {
    k,
    cnt,
    cntAddr,
    minChan: k.sym.object(K20OBJ, 'vm_min_domains', 4).addr,
    pdChan: k.sym.object(K20OBJ, 'vm_dom', 0x1000).addr + 0x80,
    // "10% below the paging target. This keeps the steady state out of shortfall."
    wakeupThresh: Math.floor(v_free_target / 10) * 9,
    pageproc: null,
    pageoutWanted: false,
    pid: pidctrlInit(HZ / VM_INACT_SCAN_RATE, v_free_target),
    owners: new Set(),
    lastLowmem: -1e18,
    lowmems: 0,
    umaReclaimNeeded: 0,
    umaChan: f20('uma_reclaim', 0x90).addr,
    umaDrains: 0,
    vmWaits: 0,
    pagedOut: 0,
    btallocPauses: 0,
    btallocFails: 0,
    kvaFails: 0,
  };
}
/** sys/param.h: the largest buffer, and the page, both platforms' */
const MAXBSIZE = 65536;
const PAGE_SIZE = 4096;
/** vm_pageout.c: the pagedaemon's passes a second */
const VM_INACT_SCAN_RATE = 10;
const K20OBJ = 'kernel.2020';

export function vmPageCountMin(vm: Vm2020): boolean {
  return vm.cnt.v_free_count < vm.cnt.v_free_min;
}
export function vmPageCountSevere(vm: Vm2020): boolean {
  return vm.cnt.v_free_count < vm.cnt.v_free_severe;
}

/** models vm_paging_needed(vmd, free): the pagedaemon has work below the wakeup threshold. */
export function vmPagingNeeded(vm: Vm2020, free: number): boolean {
  return free < vm.wakeupThresh;
}

/** models pagedaemon_wakeup(): a wakeup only when the pagedaemon is not already asked (vmd_pageout_wanted). */
function pagedaemonWakeup(vm: Vm2020): void {
  if (vm.pageproc !== null && vm.k.curthread?.proc === vm.pageproc) return; // "if (curproc == pageproc) return;"
  if (vm.pageoutWanted) return;
  vm.pageoutWanted = true;
  wakeup20(vm.k, vm.pdChan);
}

/**
 * models vm_page_alloc of `n` pages of one class, all or nothing
 * (vm_domain_allocate()): the pagedaemon is woken when the free count
 * crosses the wakeup threshold, and when an allocation fails.
 */
export function vmPageAlloc(vm: Vm2020, n: number, req: number, wired: boolean): boolean {
  const c = vm.cnt;
  const floor = req === VM_ALLOC_NORMAL ? c.v_free_reserved : req === VM_ALLOC_SYSTEM ? c.v_interrupt_free_min : 0;
  const old = c.v_free_count;
  if (old - n < floor) {
    pagedaemonWakeup(vm);
    return false;
  }
  c.v_free_count -= n;
  if (wired) c.v_wire_count += n;
  else c.v_active_count += n;
  // "Wake the page daemon if we've crossed the threshold."
  if (vmPagingNeeded(vm, c.v_free_count) && !vmPagingNeeded(vm, old)) pagedaemonWakeup(vm);
  return true;
}

export function vmPageFree(vm: Vm2020, n: number, wired: boolean): void {
  const c = vm.cnt;
  c.v_free_count += n;
  if (wired) c.v_wire_count -= n;
  else c.v_active_count -= n;
  if (!vmPageCountMin(vm) && vm.k.hasSleepers(vm.minChan)) wakeup20(vm.k, vm.minChan);
}

/** models vm_wait_domain(): sleep on vm_min_domains ("vmwait") while pages are short. */
export function* vmWaitDomain(vm: Vm2020): KGen<void> {
  const k = vm.k;
  const fr = k.enter(vm_wait_domain, 0, 0);
  vm.vmWaits++;
  pagedaemonWakeup(vm);
  if (vmPageCountMin(vm)) yield* sleep20(k, vm.minChan, PVM, 'vmwait', 0);
  k.leave(fr);
}

/** models vm_wait_doms(): the same, from UMA's keg_fetch_slab; returns at once when no domain is short. */
export function* vmWaitDoms(vm: Vm2020): KGen<void> {
  const k = vm.k;
  if (!vmPageCountMin(vm)) return;
  const fr = k.enter(vm_wait_doms, 0b1, vm.minChan);
  vm.vmWaits++;
  yield* sleep20(k, vm.minChan, PVM, 'vmwait', 0);
  k.leave(fr);
}

export interface Kmem {
  vm: Vm2020;
  vs: VmemSys;
  kernel_arena: Vmem;
  domain_arena: Vmem;
  /** kernel_map's free KVA for kva_import: [next, end) */
  mapNext: number;
  mapEnd: number;
  btLock: Mtx20;
  kvaQuantum: number;
}

/** models kva_import(): a KVA_QUANTUM-aligned span of kernel_map for kernel_arena, or -1. */
// eslint-disable-next-line require-yield
export function* kvaImport(km: Kmem, size: number, _flags: number): KGen<number> {
  const k = km.vm.k;
  const fr = k.enter(kva_import, 0, 0, size, _flags, 0);
  let a = -1;
  const start = Math.ceil(km.mapNext / km.kvaQuantum) * km.kvaQuantum;
  if (start + size <= km.mapEnd) {
    a = start;
    km.mapNext = start + size;
  }
  k.leave(fr);
  return a;
}

/** models kva_import_domain(): a span for the per-domain arena out of kernel_arena. */
export function* kvaImportDomain(km: Kmem, size: number, flags: number): KGen<number> {
  const k = km.vm.k;
  const fr = k.enter(kva_import_domain, 0b1, km.kernel_arena.addr, size, flags, 0);
  const a = yield* vmemXalloc(km.vs, km.kernel_arena, size, km.kvaQuantum, flags);
  k.leave(fr);
  return a;
}

/** models kmem_back_domain(): wire pages behind [addr, addr+size); a waiting caller sleeps in vm_wait_domain. */
function* kmemBack(km: Kmem, addr: number, size: number, flags: number): KGen<boolean> {
  const vm = km.vm;
  const k = vm.k;
  const fr = k.enter(kmem_back_domain, 0b1, 0, 0, addr, size, flags);
  const pages = Math.ceil(size / k.p.pagesize);
  const req = flags & M_USE_RESERVE ? VM_ALLOC_INTERRUPT : VM_ALLOC_SYSTEM;
  let ok = false;
  for (;;) {
    if (vmPageAlloc(vm, pages, req, true)) {
      ok = true;
      break;
    }
    if (flags & M_NOWAIT) break;
    yield* vmWaitDomain(vm);
  }
  k.tick(250 * pages);
  k.leave(fr);
  return ok;
}

/** models kmem_malloc(size, flags): wired KVA from the per-domain arena; 0 only without M_WAITOK. */
export function* kmemMalloc(km: Kmem, size: number, flags: number): KGen<Kva> {
  const k = km.vm.k;
  const f1 = k.enter(kmem_malloc, 0, size, flags);
  const f2 = k.enter(kmem_malloc_domainset, 0, 0, size, flags);
  let addr = 0;
  for (;;) {
    const f3 = k.enter(kmem_malloc_domain, 0, 0, size, flags);
    const a = yield* vmemAlloc(km.vs, km.domain_arena, size, flags | M_BESTFIT);
    if (a >= 0) {
      if (yield* kmemBack(km, a, size, flags)) addr = a;
      else vmemFree(km.vs, km.domain_arena, a, size);
    } else km.vm.kvaFails++;
    k.leave(f3);
    if (addr !== 0 || !(flags & M_WAITOK)) break;
    yield* vmWaitDoms(km.vm);
  }
  k.leave(f2);
  k.leave(f1);
  return addr;
}

/** models kmem_free(addr, size): unwire and give the KVA back to the per-domain arena. */
export function kmemFree(km: Kmem, addr: Kva, size: number): void {
  const k = km.vm.k;
  const fr = k.enter(kmem_free, 0, addr, size);
  vmemFree(km.vs, km.domain_arena, addr, size);
  vmPageFree(km.vm, Math.ceil(size / k.p.pagesize), true);
  k.leave(fr);
}

/** models vmem_bt_alloc(zone, bytes, domain, &pflag, wait): a boundary-tag page's KVA and page, or 0. */
export function* vmemBtAlloc(km: Kmem, zoneAddr: Kva, bytes: number, wait: number): KGen<Kva> {
  const vm = km.vm;
  const k = vm.k;
  const fr = k.enter(vmem_bt_alloc, 0b1, zoneAddr, bytes, 0, 0, wait);
  yield* mtxLock20(k, km.btLock);
  const a = yield* vmemXalloc(km.vs, km.domain_arena, bytes, 0, M_NOWAIT | M_NOVM | M_USE_RESERVE | M_BESTFIT);
  const ret = 0;
  if (a >= 0) {
    if (yield* kmemBack(km, a, bytes, M_NOWAIT | M_USE_RESERVE)) {
      mtxUnlock20(k, km.btLock);
      k.leave(fr);
      return a;
    }
    vmemXfree(km.vs, km.domain_arena, a, bytes);
    mtxUnlock20(k, km.btLock);
    if (wait & M_WAITOK) yield* vmWaitDomain(vm);
  } else {
    // out of address space or lost a fill race
    vm.btallocFails++;
    mtxUnlock20(k, km.btLock);
    if (wait & M_WAITOK) {
      vm.btallocPauses++;
      yield* pause20(k, 'btalloc', 1);
    }
  }
  k.leave(fr);
  return ret;
}

/** models uma_small_alloc() (UMA_MD_SMALL_ALLOC, amd64): a page through the direct map. */
export function* umaSmallAlloc(vm: Vm2020, dmapNext: { next: Kva; free: Kva[] }, wait: number): KGen<Kva> {
  const k = vm.k;
  const fr = k.enter(uma_small_alloc, 0, 0, k.p.pagesize, 0, 0, wait);
  let a = 0;
  for (;;) {
    if (vmPageAlloc(vm, 1, wait & M_USE_RESERVE || wait & M_NOWAIT ? VM_ALLOC_INTERRUPT : VM_ALLOC_SYSTEM, true)) {
      a = dmapNext.free.pop() ?? ((dmapNext.next += k.p.pagesize), dmapNext.next - k.p.pagesize);
      break;
    }
    if (!(wait & M_WAITOK)) break;
    yield* vmWaitDomain(vm);
  }
  k.leave(fr);
  return a;
}

/**
 * models uma_reclaim_wakeup(): the first caller since the last reclaim
 * wakes the "uma" thread.
 */
function umaReclaimWakeup(vm: Vm2020): void {
  const k = vm.k;
  const fr = k.enter(uma_reclaim_wakeup, 0);
  if (vm.umaReclaimNeeded++ === 0) wakeup20(k, vm.umaChan);
  k.leave(fr);
}

/**
 * models vm_pageout_lowmem() as D22395 left it (reviewed November 2019): at
 * most every lowmem_period the vm_lowmem handlers (none in the model) and
 * uma_reclaim(UMA_RECLAIM_TRIM), which leaves the CPU buckets alone; and, on
 * every call while free pages are below v_free_severe, uma_reclaim_wakeup()
 * for the asynchronous UMA_RECLAIM_DRAIN_CPU. True when it reclaimed.
 */
function vmPageoutLowmem(vm: Vm2020, u: Uma2020, lowmemPeriodS: number): boolean {
  const k = vm.k;
  const fr = k.enter(vm_pageout_lowmem, 0);
  let ret = false;
  if (k.now - vm.lastLowmem >= lowmemPeriodS * 1e9) {
    vm.lastLowmem = k.now;
    vm.lowmems++;
    umaReclaim(u, false);
    ret = true;
  }
  if (vmPageCountSevere(vm)) umaReclaimWakeup(vm);
  k.leave(fr);
  return ret;
}

/**
 * models vm_pageout_scan_inactive(vmd, shortage): free up to `shortage`
 * pages. The model's inactive pages are the load's anonymous memory, freed
 * as they are paged out (no swap write to wait for), a cluster of at most
 * vm_pageout_page_count (32) at a time with a preemption point between. True
 * when the shortage was met.
 */
function* vmPageoutScanInactive(vm: Vm2020, shortage: number): KGen<boolean> {
  const k = vm.k;
  const c = vm.cnt;
  const fr = k.enter(vm_pageout_scan_inactive, 0, 0, shortage, 0);
  const owners = [...vm.owners].filter((o) => o.resident > 0);
  let i = 0;
  while (shortage > 0 && owners.some((o) => o.resident > 0)) {
    const o = owners[i++ % owners.length]!;
    const n = Math.min(32, o.resident, shortage);
    if (n <= 0) continue;
    o.resident -= n;
    shortage -= n;
    vm.pagedOut += n;
    c.v_pdpages += n;
    vmPageFree(vm, n, false);
    k.tick(n * 20_000);
    yield* k.preempt();
  }
  k.leave(fr);
  return shortage <= 0;
}

/**
 * models vm_pageout_worker() of 2020. Each pass: while paging is needed
 * (free pages below vmd_pageout_wakeup_thresh) it goes straight on, or
 * pause("pwait", hz / 10)s when the last scan fell short; otherwise it
 * sleeps on vmd_pageout_wanted ("psleep") until woken or for hz / 10. Then
 * pidctrl_daemon() gives the pages to free in this interval; when there are
 * any, vm_pageout_lowmem() runs (its severe check on every such pass) and
 * vm_pageout_scan_inactive() frees them. A pass with nothing to free is the
 * active-queue scan, which the model only charges for: the rest of the tick.
 */
export function* vmPageout2020(vm: Vm2020, u: Uma2020, lowmemPeriodS: number): KGen<void> {
  const k = vm.k;
  const c = vm.cnt;
  const fr = k.enter(vm_pageout_worker, 0, 0);
  const tickNs = 1e9 / HZ;
  let targetMet = true;
  for (;;) {
    vm.pageoutWanted = false;
    if (vmPagingNeeded(vm, c.v_free_count)) {
      if (!targetMet) yield* pause20(k, 'pwait', HZ / VM_INACT_SCAN_RATE);
    } else if ((yield* sleep20(k, vm.pdChan, PVM | PDROP, 'psleep', HZ / VM_INACT_SCAN_RATE)) === 0) c.v_pdwakeups++;
    vm.pageoutWanted = true;
    let shortage = pidctrlDaemon(vm.pid, Math.floor(k.now / tickNs), c.v_free_count);
    if (shortage > 0) {
      const ofree = c.v_free_count;
      if (vmPageoutLowmem(vm, u, lowmemPeriodS) && c.v_free_count > ofree) shortage -= Math.min(c.v_free_count - ofree, shortage);
      targetMet = yield* vmPageoutScanInactive(vm, shortage);
    } else {
      k.tick(tickNs - (k.now % tickNs));
      yield* k.preempt();
    }
  }
  k.leave(fr);
}

/**
 * models uma_reclaim_worker() (uma_core.c, 2020), the pagedaemon's "uma"
 * thread: it sleeps on &uma_reclaim ("umarcl", a second at a time) until
 * uma_reclaim_needed is set, runs the vm_lowmem handlers (none in the
 * model) and uma_reclaim(UMA_RECLAIM_DRAIN_CPU), clears the flag and
 * pause("umarclslp", hz)s so that it fires at most once a second.
 */
export function* umaReclaimWorker(vm: Vm2020, u: Uma2020): KGen<void> {
  const k = vm.k;
  const fr = k.enter(uma_reclaim_worker, 0, 0);
  for (;;) {
    while (vm.umaReclaimNeeded === 0) yield* sleep20(k, vm.umaChan, PVM, 'umarcl', HZ);
    vm.umaDrains++;
    umaReclaim(u, true);
    vm.umaReclaimNeeded = 0;
    yield* pause20(k, 'umarclslp', HZ);
  }
  k.leave(fr);
}
