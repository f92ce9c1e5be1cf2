/*
 * The pagedaemon and the threads that wait for it (vm/vm_pageout.c,
 * vm/vm_page.c vm_wait() / vm_waitpfault()).
 *
 * A thread that cannot get a page sleeps in VM_WAIT on &cnt.v_free_count
 * ("vmwait"; "pfault" from a user fault), after setting vm_pages_needed and
 * waking the pagedaemon. vm_pageout() sleeps on &vm_pages_needed ("psleep"),
 * and when woken scans: it drains the kernel's caches (the vm_lowmem event,
 * then uma_reclaim()) and pages out inactive anonymous pages until free
 * pages reach v_free_target. In the 2004 tree the scan ran with Giant held
 * (vm_pageout() takes Giant around vm_pageout_scan(); this is how the model
 * has it, read from the era's code as summarised in the mechanism notes, not
 * re-checked line by line here), so a thread that spins holding Giant keeps
 * the pagedaemon from freeing anything.
 */
import type { KGen } from '../../machine/thread.js';
import { func } from '../../machine/symbols.js';
import type { Kva } from '../../machine/platform.js';
import { kernelObject } from '../kern/globals.js';
import { giant, mtxLock, mtxUnlock, MTX_SIZE } from '../kern/mutex.js';
import { HZ, msleep, PDROP, PUSER, PVM, wakeup } from '../kern/synch.js';
import { pagedaemonWakeup, vmPageCountMin, vmPageFree, type Vm } from './vm_page.js';

const vm_wait = func('kernel', 'vm_wait', 0xb0);
const vm_waitpfault = func('kernel', 'vm_waitpfault', 0x90);
export const vm_pageout = func('kernel', 'vm_pageout', 0x3a0);
const vm_pageout_scan = func('kernel', 'vm_pageout_scan', 0xd20);
const swp_pager_async_iodone = func('kernel', 'swp_pager_async_iodone', 0x1f0);

/**
 * &vm_page_queue_mtx, the interlock vm_wait() and vm_waitpfault() take
 * (vm_page_lock_queues()) and hand msleep() with PDROP. The model does not
 * contend it: it is msleep's second argument and a kernel global, nothing
 * more.
 */
const pageQueueMtx = (vm: Vm): Kva => kernelObject(vm.k, 'vm_page_queue_mtx', MTX_SIZE);

/** models vm_wait() (VM_WAIT): wake the pagedaemon and sleep until pages are freed: msleep(&cnt.v_free_count, &vm_page_queue_mtx, PDROP | PVM, "vmwait", 0). */
export function* vmWait(vm: Vm): KGen<void> {
  const k = vm.k;
  const fr = k.enter(vm_wait, 0);
  vm.vmWaits++;
  pagedaemonWakeup(vm);
  yield* msleep(k, vm.freeCountChan, null, PDROP | PVM, 'vmwait', 0, { interlock: pageQueueMtx(vm) });
  k.leave(fr);
}

/**
 * models vm_waitpfault() (VM_WAITPFAULT): the same for a user page fault,
 * "pfault" at PUSER, a lower priority than vm_wait()'s PVM, so that the
 * kernel's waiters get the freed pages first.
 */
export function* vmWaitPfault(vm: Vm): KGen<void> {
  const k = vm.k;
  const fr = k.enter(vm_waitpfault, 0);
  pagedaemonWakeup(vm);
  yield* msleep(k, vm.freeCountChan, null, PDROP | PUSER, 'pfault', 0, { interlock: pageQueueMtx(vm) });
  k.leave(fr);
}

/** models vm_pageout_scan(): shrink the kernel caches, then page out inactive pages up to v_free_target. */
function* vmPageoutScan(vm: Vm, pass: number): KGen<void> {
  const k = vm.k;
  const c = vm.cnt;
  const fr = k.enter(vm_pageout_scan, 0, pass);
  for (const h of vm.lowmem) h();
  const owners = [...vm.owners].filter((o) => o.resident > 0);
  let i = owners.length > 0 ? k.rng.below(owners.length) : 0;
  while (c.v_free_count + vm.laundry < c.v_free_target && owners.some((o) => o.resident > 0)) {
    const o = owners[i++ % owners.length]!;
    if (o.resident === 0) continue;
    const n = Math.min(32, o.resident, c.v_free_target - c.v_free_count - vm.laundry);
    if (n <= 0) break;
    // vm_pageout_clean(): the dirty pages are unmapped and written to swap; they are free when the write completes
    o.resident -= n;
    vm.laundry += n;
    vm.pagedOut += n;
    c.v_pdpages += n;
    // the write starts at once on an idle disk (g_up hears of it); behind a batch on the disk it waits its turn
    if (!vm.swapBusy) wakeup(k, vm.gWaitUp);
    k.tick(n * 3_000);
    yield* k.preempt();
  }
  k.leave(fr);
}

/**
 * models swp_pager_async_iodone() for a batch of `n` page-outs, as g_up's
 * biodone() runs it when the write completes (daemons.ts): the laundered
 * pages become free. Modelled without Giant.
 */
export function swpPagerAsyncIodone(vm: Vm, n: number): void {
  const k = vm.k;
  const fr = k.enter(swp_pager_async_iodone, 0);
  vm.laundry -= n;
  vmPageFree(vm, n, false);
  k.leave(fr);
}

/** models vm_pageout(), the pagedaemon's main loop. */
export function* vmPageout(vm: Vm): KGen<void> {
  const k = vm.k;
  const fr = k.enter(vm_pageout, 0);
  let pass = 0;
  for (;;) {
    if (vm.pagesNeeded && !vmPageCountMin(vm)) {
      vm.pagesNeeded = false;
      wakeup(k, vm.freeCountChan);
    }
    if (vm.pagesNeeded) {
      // still short after a pass: try again at once, then every half second
      pass++;
      if (pass > 1) yield* msleep(k, vm.pagesNeededAddr, null, PVM, 'psleep', HZ / 2);
    } else {
      pass = 0;
      const err = yield* msleep(k, vm.pagesNeededAddr, null, PVM, 'psleep', 5 * HZ);
      if (err !== 0 && !vm.pagesNeeded && vm.cnt.v_free_count >= vm.cnt.v_free_min) continue;
    }
    if (vm.pagesNeeded) vm.cnt.v_pdwakeups++;
    const g = giant(k);
    yield* mtxLock(k, g);
    yield* vmPageoutScan(vm, pass);
    mtxUnlock(k, g);
  }
  k.leave(fr);
}
