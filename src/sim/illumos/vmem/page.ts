/*
 * The physical page supply: freemem, availrmem and the pageout thresholds,
 * and the two gates every page allocation passes, page_resv() (availrmem) and
 * page_create_va() (freemem).
 *
 * Pages are counted, not modelled one by one. physmem pages exist; some are
 * taken at boot (kernel text, data, early allocations); the rest are free
 * (freemem) or in use by the kernel heap (segkmem) or by user memory (anon).
 * availrmem counts the pages that could still be locked down: kernel pages
 * reserve it through page_resv(); anon pages do not (they can be paged out).
 *
 * Thresholds, as setupclock() computes them from the memory size
 * (uts/common/os/vm_pageout.c):
 *   lotsfree        = max(physmem / 64, 512 KB of pages)  pageout starts
 *   desfree         = lotsfree / 2
 *   minfree         = desfree / 2
 *   throttlefree    = minfree        sleeping allocations wait below this
 *   pageout_reserve = throttlefree / 2   only pageout may dip below this
 *
 * page_create_throttle() (uts/common/vm/vm_page.c) decides who gets pages when
 * freemem is at or below throttlefree + npages:
 *   - a thread that must not block (interrupt threads), or a request that may
 *     not block but must succeed (PG_PANIC, or PG_PUSHPAGE without PG_WAIT):
 *     always let through;
 *   - any other request that may not block (VM_NOSLEEP): only if freemem
 *     stays at or above npages + pageout_reserve;
 *   - a request that may block (PG_WAIT, i.e. no VM_NOSLEEP) waits on
 *     freemem_cv until freemem >= npages + throttlefree, or only
 *     throttlefree - pageout_reserve for PG_PUSHPAGE: pushing pages out may
 *     use half the reserve.
 * Then the pages are taken if there are that many; if not, a blocking request
 * waits on freemem_cv (page_create_wait()) and a non-blocking one fails.
 * Every page freed (page_free(), here pageFree()) wakes the waiters.
 */
import type { Kernel } from '../../machine/kernel.js';
import type { Kva } from '../../machine/platform.js';
import { func } from '../../machine/symbols.js';
import type { KGen } from '../../machine/thread.js';
import { enter, leave } from './arena.js';
import { cvWaitOn, delayTicks } from '../kern/condvar.js';
import { kernelObject } from '../kern/kobj.js';

/** page creation flags (vm/page.h) */
export const PG_EXCL = 0x0001;
export const PG_WAIT = 0x0002;
export const PG_NORELOC = 0x0010;
export const PG_PANIC = 0x0020;
export const PG_PUSHPAGE = 0x0040;
export const PG_NORMALPRI = 0x0100;

/** KM_NOSLEEP, as page_resv() tests it */
const KM_NOSLEEP = 0x1;

const page_create_va = func('genunix', 'page_create_va', 0x6a0);
const page_create_wait = func('genunix', 'page_create_wait', 0x1e0);
const page_create_throttle = func('genunix', 'page_create_throttle', 0x170);
const page_resv = func('genunix', 'page_resv', 0xd0);
const page_free = func('genunix', 'page_free', 0x2f0);

/** Sizing of the page supply; defaults from the kernel's physmem. */
export interface PageConfig {
  /** physical memory in pages (default: KernelConfig.physmem) */
  physmem?: number;
  /** pages gone at boot: kernel text and data, boot allocations (default physmem / 32) */
  bootPages?: number;
  /** tune.t_minarmem: the availrmem floor of page_resv() (default 25) */
  tMinarmem?: number;
}

export class PageSupply {
  /** physmem */
  readonly physmem: number;
  /** freemem: pages on the free lists */
  freemem: number;
  /** availrmem: pages that may still be locked */
  availrmem: number;
  readonly lotsfree: number;
  readonly desfree: number;
  readonly minfree: number;
  readonly throttlefree: number;
  readonly pageout_reserve: number;
  /** needfree: pages that sleeping allocations are waiting for */
  needfree = 0;
  /** freemem_wait: threads asleep on freemem_cv */
  freemem_wait = 0;
  /** tune.t_minarmem */
  readonly tMinarmem: number;
  /** pages taken at boot */
  readonly bootPages: number;
  /** pages backing the kernel heap (segkmem) */
  kernelPages = 0;
  /** pages of user memory (anon) */
  anonPages = 0;
  /** &freemem_cv: page allocations wait here */
  readonly freememCv: Kva;
  /**
   * The pageout daemon's wait channel (proc_pageout->p_cv), set by whoever
   * runs pageout: page creation signals it when memory is short. 0: none.
   */
  pageoutCv: Kva = 0;
  /** cumulative counters (the kernel keeps most of these as VM_STAT or pcf_wait) */
  readonly stats = {
    /** sleeps in page_create_throttle() */
    throttleWaits: 0,
    /** sleeps in page_create_wait() (not enough pages at all) */
    createWaits: 0,
    /** page_create_va() failures */
    createFails: 0,
    /** page_resv() failures (VM_NOSLEEP) */
    resvFails: 0,
    /** page_resv() waits (delay and retry) */
    resvWaits: 0,
    /** pageout wakeups requested */
    pageoutWakeups: 0,
  };
  /** addresses of the objects declared at boot (freemem_cv, new_freemem_lock) */
  readonly globals = new Map<string, Kva>();

  constructor(k: Kernel, cfg: PageConfig = {}) {
    const physmem = cfg.physmem ?? k.cfg.physmem;
    this.physmem = physmem;
    this.bootPages = cfg.bootPages ?? Math.floor(physmem / 32);
    this.tMinarmem = cfg.tMinarmem ?? 25;
    this.freemem = physmem - this.bootPages;
    this.availrmem = physmem - this.bootPages;
    this.lotsfree = Math.max(Math.floor(physmem / 64), Math.floor((512 * 1024) / k.p.pagesize));
    this.desfree = Math.floor(this.lotsfree / 2);
    this.minfree = Math.floor(this.desfree / 2);
    this.throttlefree = this.minfree;
    this.pageout_reserve = Math.floor(this.throttlefree / 2);
    // Value globals (freemem, lotsfree ...) are declared with their values when
    // the dump is written (vmemGlobalVars in dump.ts); the wait channel needs its address now.
    this.freememCv = k.sym.object('genunix', 'freemem_cv', 2).addr;
    this.globals.set('freemem_cv', this.freememCv);
    this.globals.set('new_freemem_lock', k.sym.object('genunix', 'new_freemem_lock', k.p.pointerSize).addr);
  }
}

const supplies = new WeakMap<Kernel, PageSupply>();

/** Set up the page supply of a kernel (once, before the first page is taken). */
export function pageInit(k: Kernel, cfg: PageConfig = {}): PageSupply {
  if (supplies.has(k)) throw new Error('page supply initialised twice');
  const ps = new PageSupply(k, cfg);
  supplies.set(k, ps);
  return ps;
}

/** True once the kernel has a page supply. */
export function hasPageSupply(k: Kernel): boolean {
  return supplies.has(k);
}

/** The page supply of a kernel (made with the defaults on first use). */
export function pageSupply(k: Kernel): PageSupply {
  return supplies.get(k) ?? pageInit(k);
}

/** cv_signal(&proc_pageout->p_cv) */
function wakePageout(k: Kernel, ps: PageSupply): void {
  ps.stats.pageoutWakeups++;
  if (ps.pageoutCv !== 0) k.cvSignal(ps.pageoutCv);
}

function* sleepOnFreemem(k: Kernel, ps: PageSupply, npages: number): KGen<void> {
  if (!k.curthread) throw new Error('simulator bug: a boot-time page allocation would wait for memory');
  ps.needfree += npages;
  ps.freemem_wait++;
  // cv_wait(&freemem_cv, &new_freemem_lock)
  yield* cvWaitOn(k, ps.freememCv, ps.globals.get('new_freemem_lock') ?? 0);
  ps.freemem_wait--;
  ps.needfree -= npages;
}

/**
 * models page_create_throttle(): may this request have npages when memory is
 * short? Blocking requests wait here until it is no longer short for them.
 */
function* pageCreateThrottle(k: Kernel, ps: PageSupply, npages: number, flags: number): KGen<boolean> {
  if ((flags & (PG_WAIT | PG_NORMALPRI)) === PG_NORMALPRI) return ps.freemem >= npages + ps.throttlefree;
  // NOMEMWAIT(): pageout, fsflush, p0's kernel threads and interrupt threads
  // cannot block; let them have the pages.
  if (k.nomemwait()) return true;
  if ((flags & (PG_WAIT | PG_PANIC)) === PG_PANIC || (flags & (PG_WAIT | PG_PUSHPAGE)) === PG_PUSHPAGE) return true;
  if (!(flags & PG_WAIT)) return ps.freemem >= npages + ps.pageout_reserve;

  const fr = enter(k, page_create_throttle, 0, npages, flags);
  const tf = ps.throttlefree - (flags & PG_PUSHPAGE ? ps.pageout_reserve : 0);
  wakePageout(k, ps);
  while (ps.freemem < npages + tf) {
    ps.stats.throttleWaits++;
    yield* sleepOnFreemem(k, ps, npages);
  }
  leave(k, fr);
  return true;
}

/**
 * models page_create_wait(): take npages off freemem, waiting (PG_WAIT) until
 * there are that many. False when the request may not wait and cannot be met.
 */
export function* pageCreateWait(k: Kernel, npages: number, flags: number): KGen<boolean> {
  const ps = pageSupply(k);
  const fr = enter(k, page_create_wait, 0, npages, flags);
  for (;;) {
    if (ps.freemem < npages + ps.throttlefree && !(yield* pageCreateThrottle(k, ps, npages, flags))) {
      leave(k, fr);
      return false;
    }
    if (ps.freemem >= npages) {
      ps.freemem -= npages;
      leave(k, fr);
      return true;
    }
    if (!(flags & PG_WAIT)) {
      leave(k, fr);
      return false;
    }
    wakePageout(k, ps);
    ps.stats.createWaits++;
    yield* sleepOnFreemem(k, ps, npages);
  }
}

/** Whose pages page_create_va() creates: the vnode and offset they get, the segment and address they are for. */
export interface PageCreateAt {
  vp: Kva;
  off: number;
  seg: Kva;
  vaddr: Kva;
}

/** Kernel heap pages: named by kvp (or zvp for ZFS's arenas) at their own address, in kvseg (segkmem_page_create). */
export function kernelPageAt(k: Kernel, vaddr: Kva, zio = false): PageCreateAt {
  const vp = kernelObject(k, 'genunix', zio ? 'zvp' : 'kvp', 0xc8).addr;
  return { vp, off: vaddr, seg: kernelObject(k, 'genunix', 'kvseg', 0x80).addr, vaddr };
}

/**
 * models page_create_va()'s accounting: page_create_wait() takes the pages,
 * throttling first when memory is short (so a throttled thread sleeps in
 * page_create_throttle() under page_create_wait() under page_create_va()).
 */
export function* pageCreateVa(k: Kernel, npages: number, flags: number, at?: PageCreateAt): KGen<boolean> {
  const ps = pageSupply(k);
  // page_create_va(vp, off, bytes, flags, seg, vaddr)
  const w = at ?? kernelPageAt(k, 0);
  const fr = enter(k, page_create_va, 0b110001, w.vp, w.off, npages * k.p.pagesize, flags, w.seg, w.vaddr);
  const ok = yield* pageCreateWait(k, npages, flags);
  if (ok && ps.freemem < ps.minfree) wakePageout(k, ps);
  if (!ok) ps.stats.createFails++;
  leave(k, fr);
  return ok;
}

/**
 * models page_resv(): reserve availrmem for npages of locked (kernel) memory.
 * KM_NOSLEEP fails when that would leave less than t_minarmem; otherwise the
 * caller asks kmem to reap and retries every quarter second.
 */
export function* pageResv(k: Kernel, npages: number, kmflag: number, reap?: (k: Kernel) => void): KGen<boolean> {
  const ps = pageSupply(k);
  const fr = enter(k, page_resv, 0, npages, kmflag);
  while (ps.availrmem < ps.tMinarmem + npages) {
    if (kmflag & KM_NOSLEEP) {
      ps.stats.resvFails++;
      leave(k, fr);
      return false;
    }
    if (!k.curthread) throw new Error('simulator bug: a boot-time page_resv() would wait');
    ps.stats.resvWaits++;
    ps.needfree += npages;
    reap?.(k);
    // delay(hz >> 2)
    yield* delayTicks(k, 250_000_000);
    ps.needfree -= npages;
  }
  ps.availrmem -= npages;
  leave(k, fr);
  return true;
}

/** models page_unresv() */
export function pageUnresv(k: Kernel, npages: number): void {
  pageSupply(k).availrmem += npages;
}

/** models page_free() of n pages: back on the free list, and every waiter is woken to look. */
export function pageFree(k: Kernel, n: number): void {
  const ps = pageSupply(k);
  const fr = enter(k, page_free, 0, n);
  ps.freemem += n;
  if (ps.freemem_wait > 0) k.cvBroadcast(ps.freememCv);
  leave(k, fr);
}

/** Pages for the kernel heap (segkmem): page_create_va() plus the bookkeeping of kernel pages. */
export function* pageCreateKernel(k: Kernel, npages: number, flags: number, at?: PageCreateAt): KGen<boolean> {
  const ok = yield* pageCreateVa(k, npages, flags, at);
  if (ok) pageSupply(k).kernelPages += npages;
  return ok;
}

/** Kernel heap pages freed (segkmem_free: page_destroy, then page_free). */
export function pageFreeKernel(k: Kernel, npages: number): void {
  pageSupply(k).kernelPages -= npages;
  pageFree(k, npages);
}

/**
 * User memory: n anon pages created the way a page fault creates them
 * (page_create_va() with PG_WAIT unless told otherwise), so a workload can
 * build up memory pressure. PG_PUSHPAGE without PG_WAIT takes pages without
 * regard to the thresholds (down to none at all) and never blocks.
 */
export function* pageCreateAnon(k: Kernel, n: number, flags: number = PG_WAIT, at?: PageCreateAt): KGen<boolean> {
  const ok = yield* pageCreateVa(k, n, flags, at);
  if (ok) pageSupply(k).anonPages += n;
  return ok;
}

/** n anon pages freed (a process exits, or pageout steals them). */
export function pageFreeAnon(k: Kernel, n: number): void {
  const ps = pageSupply(k);
  const m = Math.min(n, ps.anonPages);
  ps.anonPages -= m;
  pageFree(k, m);
}
