/*
 * Physical pages and their counters (vm/vm_page.c, sys/vmmeter.h): the
 * global `cnt` (struct vmmeter) with v_free_count and the thresholds the
 * pagedaemon and allocators test, set up as vm_pageout() sized them in 2004.
 *
 * vm_page_alloc() serves three classes from the free pages:
 *   VM_ALLOC_NORMAL    (user faults) only above v_free_reserved;
 *   VM_ALLOC_SYSTEM    (kmem_malloc with M_WAITOK) above v_interrupt_free_min;
 *   VM_ALLOC_INTERRUPT (kmem_malloc with M_NOWAIT) down to the last page.
 * Taking a page below v_free_min wakes the pagedaemon; freeing pages back
 * above v_free_min wakes the threads asleep in VM_WAIT ("vmwait", "pfault").
 * Pages are counts, not objects: the dump shows the counters.
 */
import type { Kernel } from '../../machine/kernel.js';
import type { Kva } from '../../machine/platform.js';
import { func } from '../../machine/symbols.js';
import { wakeup } from '../kern/synch.js';

export const VM_ALLOC_NORMAL = 0;
export const VM_ALLOC_INTERRUPT = 1;
export const VM_ALLOC_SYSTEM = 2;

const vm_page_alloc = func('kernel', 'vm_page_alloc', 0x3c0);

/** the members of struct vmmeter the model keeps */
export interface VmMeter {
  v_page_count: number;
  v_free_count: number;
  v_wire_count: number;
  v_active_count: number;
  v_inactive_count: number;
  v_cache_count: number;
  v_free_reserved: number;
  v_free_min: number;
  v_free_target: number;
  v_free_severe: number;
  v_inactive_target: number;
  v_interrupt_free_min: number;
  v_pageout_free_min: number;
  v_pdwakeups: number;
  v_pdpages: number;
  v_vm_faults: number;
  v_syscall: number;
  v_swtch: number;
  v_intr: number;
  v_trap: number;
}

/** A user address space's resident anonymous pages (what the pagedaemon may page out). */
export interface AnonOwner {
  resident: number;
}

export interface Vm {
  k: Kernel;
  cnt: VmMeter;
  /** &cnt: VM_WAIT sleeps on &cnt.v_free_count (its first member in this layout is v_swtch; the offset is added) */
  cntAddr: Kva;
  freeCountChan: Kva;
  /** vm_pages_needed and its address (the pagedaemon sleeps on it) */
  pagesNeeded: boolean;
  pagesNeededAddr: Kva;
  owners: Set<AnonOwner>;
  /** pages the pagedaemon paged out */
  pagedOut: number;
  /** VM_WAIT sleeps, kmem_malloc failures (M_NOWAIT) */
  vmWaits: number;
  kmemFails: number;
  /** the lowest v_free_count seen */
  lowWater: number;
  /** pages the pagedaemon queued for swap-out whose write has not completed (freed by the swap pager's iodone) */
  laundry: number;
  /** &g_wait_up: g_up's wait channel, woken when a page-out is queued on an idle disk */
  gWaitUp: Kva;
  /** a batch of page-outs is on the disk: g_up waits for its completion, and new ones queue behind it */
  swapBusy: boolean;
  /** EVENTHANDLER vm_lowmem and uma_reclaim(): what vm_pageout_scan() calls to shrink kernel caches */
  lowmem: Array<() => void>;
}

export function vmPageStartup(k: Kernel, physmem: number, wiredAtBoot: number): Vm {
  const cntAddr = k.sym.object('kernel', 'cnt', 0x5c).addr;
  const pagesNeededAddr = k.sym.object('kernel', 'vm_pages_needed', 4).addr;
  const pages = physmem;
  // vm_pageout(): the thresholds as the 2004 code sizes them for a machine this big
  const v_interrupt_free_min = 2;
  const v_pageout_free_min = 34;
  const v_free_reserved = v_pageout_free_min + Math.floor(pages / 768) + 7;
  const v_free_severe = Math.floor((4 + Math.floor((pages - 1024) / 200)) / 2) + v_free_reserved;
  const v_free_min = 4 + Math.floor((pages - 1024) / 200) + v_free_reserved;
  const v_free_target = 4 * v_free_min + v_free_reserved;
  const cnt: VmMeter = {
    v_page_count: pages,
    v_free_count: pages - wiredAtBoot,
    v_wire_count: wiredAtBoot,
    v_active_count: 0,
    v_inactive_count: 0,
    v_cache_count: 0,
    v_free_reserved,
    v_free_min,
    v_free_target,
    v_free_severe,
    v_inactive_target: Math.floor((pages - wiredAtBoot) / 3),
    v_interrupt_free_min,
    v_pageout_free_min,
    v_pdwakeups: 0,
    v_pdpages: 0,
    v_vm_faults: 0,
    v_syscall: 0,
    v_swtch: 0,
    v_intr: 0,
    v_trap: 0,
  };
  return {
    k,
    cnt,
    cntAddr,
    // offsetof(struct vmmeter, v_free_count) in the dump's layout: 13th u_int
    freeCountChan: cntAddr + 12 * 4,
    pagesNeeded: false,
    pagesNeededAddr,
    owners: new Set(),
    pagedOut: 0,
    vmWaits: 0,
    kmemFails: 0,
    lowWater: cnt.v_free_count,
    lowmem: [],
    laundry: 0,
    // geom_io.c's g_wait_up, laid out here, at boot, where the model's swap writes first need it
    gWaitUp: k.sym.object('kernel', 'g_wait_up', 4).addr,
    swapBusy: false,
  };
}

/** vm_page_count_min(): free pages below v_free_min */
export function vmPageCountMin(vm: Vm): boolean {
  return vm.cnt.v_free_count + vm.cnt.v_cache_count < vm.cnt.v_free_min;
}

/** models pagedaemon_wakeup(): wake vm_pageout if it is not already needed. */
export function pagedaemonWakeup(vm: Vm): void {
  if (!vm.pagesNeeded) {
    vm.pagesNeeded = true;
    wakeup(vm.k, vm.pagesNeededAddr);
  }
}

/**
 * models vm_page_alloc() for `n` pages of one class: all or nothing. The
 * pages become wired (kernel) or active (user). Below v_free_min the
 * pagedaemon is woken, as vm_paging_needed() asks.
 */
export function vmPageAlloc(vm: Vm, n: number, req: number, wired: boolean): boolean {
  const c = vm.cnt;
  const fr = vm.k.enter(vm_page_alloc, 0, 0, 0, req);
  const floor = req === VM_ALLOC_NORMAL ? c.v_free_reserved : req === VM_ALLOC_SYSTEM ? c.v_interrupt_free_min : 0;
  const ok = c.v_free_count - n >= floor;
  if (ok) {
    c.v_free_count -= n;
    if (wired) c.v_wire_count += n;
    else c.v_inactive_count += n;
    if (c.v_free_count < vm.lowWater) vm.lowWater = c.v_free_count;
  }
  if (c.v_free_count < c.v_free_min) pagedaemonWakeup(vm);
  vm.k.leave(fr);
  return ok;
}

/**
 * models vm_page_free() of `n` pages, then vm_page_free_wakeup(): once free
 * pages are back above v_free_min, wake everyone in VM_WAIT.
 */
export function vmPageFree(vm: Vm, n: number, wired: boolean): void {
  const c = vm.cnt;
  c.v_free_count += n;
  if (wired) c.v_wire_count -= n;
  else c.v_inactive_count -= n;
  if (vm.pagesNeeded && !vmPageCountMin(vm)) {
    vm.pagesNeeded = false;
    wakeup(vm.k, vm.freeCountChan);
  }
}
