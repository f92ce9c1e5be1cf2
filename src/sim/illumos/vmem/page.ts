/*
 * The physical page supply: freemem, availrmem and the pageout thresholds,
 * and the two gates every page allocation passes, page_resv() (availrmem) and
 * page_create_va() (freemem).
 *
 * physmem pages exist; some are taken at boot (kernel text, data, early
 * allocations, named by kvp); the rest are free (freemem) or in use by the
 * kernel heap (segkmem: kvp, zvp) or by user memory (anon: a swapfs vnode).
 * Each page has its page_t identity in vm/page.ts; the counts here move
 * with it at the same calls (page_create_va() takes and names pages,
 * page_destroy() and page_free() give them back), so freemem is always the
 * number of pages on the free and cache lists.
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
import { PageTable } from '../vm/page.js';

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
  /** every page frame's page_t identity */
  readonly pages: PageTable;
  /** the next swapfs offset swap_alloc() hands out (bytes) */
  swapOff = 0;
  /** the boot pages have their kvp names */
  bootNamed = false;
  /** anon pages in the order they were created, for frees that name no pages */
  readonly anonOrder = new Set<number>();

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
    // Every frame above the boot pages starts on the freelist; the boot pages
    // are named when kvp is first laid out (kernelVnode()).
    this.pages = new PageTable(physmem, k.p.pagesize);
    this.pages.bootFree(this.bootPages, physmem);
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

/**
 * Where startup_memlist() puts the page_t array (valloc'd kernel VA between
 * kernelbase and segkp, 0xfffffe0000000000 on i86pc here); the memseg
 * follows it.
 */
export function pageArrayBase(k: Kernel): Kva {
  return Number(0xfffffe0000000000n - k.p.kvaBase);
}

/** the nucleus: kernel text and data, 4 MB each from textBase */
const NUCLEUS_BYTES = 8 << 20;

/**
 * kvp (or zvp): the vnode kernel pages are named by. The boot pages are the
 * lowest frames: the kernel's nucleus (text, then data) and, past 8 MB, what
 * startup valloc'd (the page_t array first); kvp pages at their kernel
 * addresses, named as soon as kvp has its address (the first time it is
 * named, before any other kernel page).
 */
export function kernelVnode(k: Kernel, zio = false): Kva {
  const vp = kernelObject(k, 'genunix', zio ? 'zvp' : 'kvp', 0xc8).addr;
  const ps = pageSupply(k);
  if (!ps.bootNamed) {
    ps.bootNamed = true;
    const kvp = zio ? kernelObject(k, 'genunix', 'kvp', 0xc8).addr : vp;
    const nucleus = NUCLEUS_BYTES / k.p.pagesize;
    for (let i = 0; i < ps.bootPages; i++)
      ps.pages.bootNamed(i, kvp, i < nucleus ? k.p.textBase + i * k.p.pagesize : pageArrayBase(k) + (i - nucleus) * k.p.pagesize);
  }
  return vp;
}

/** Kernel heap pages: named by kvp (or zvp for ZFS's arenas) at their own address, in kvseg (segkmem_page_create). */
export function kernelPageAt(k: Kernel, vaddr: Kva, zio = false): PageCreateAt {
  const vp = kernelVnode(k, zio);
  return { vp, off: vaddr, seg: kernelObject(k, 'genunix', 'kvseg', 0x80).addr, vaddr };
}

/**
 * models swap_alloc() for npages anon slots: each anon page is named by the
 * swapfs vnode (swap_vnodes[0]) at the next free swapfs offsets.
 */
export function swapAlloc(k: Kernel, npages: number): { vp: Kva; off: number } {
  const ps = pageSupply(k);
  const off = ps.swapOff;
  ps.swapOff += npages * k.p.pagesize;
  return { vp: kernelObject(k, 'genunix', 'swap_vnodes', 0xc8).addr, off };
}

/**
 * models page_create_va(): page_create_wait() takes the pages off freemem,
 * throttling first when memory is short (so a throttled thread sleeps in
 * page_create_throttle() under page_create_wait() under page_create_va()),
 * then each page is taken off the free lists and named [vp, off + i * PAGESIZE].
 * Without `at`, the pages are anonymous (a swapfs name from swapAlloc()).
 * Returns the pages' frame numbers, or null when they could not be had.
 */
export function* pageCreateVaPages(k: Kernel, npages: number, flags: number, at?: PageCreateAt): KGen<number[] | null> {
  const ps = pageSupply(k);
  // page_create_va(vp, off, bytes, flags, seg, vaddr)
  const w = at ?? { ...swapAlloc(k, npages), seg: 0, vaddr: 0 };
  const fr = enter(k, page_create_va, 0b110001, w.vp, w.off, npages * k.p.pagesize, flags, w.seg, w.vaddr);
  const ok = yield* pageCreateWait(k, npages, flags);
  let pfns: number[] | null = null;
  if (ok) {
    pfns = [];
    for (let i = 0; i < npages; i++) pfns.push(ps.pages.create(w.vp, w.off + i * k.p.pagesize));
  }
  if (ok && ps.freemem < ps.minfree) wakePageout(k, ps);
  if (!ok) ps.stats.createFails++;
  leave(k, fr);
  return pfns;
}

/** pageCreateVaPages() when only success matters. */
export function* pageCreateVa(k: Kernel, npages: number, flags: number, at?: PageCreateAt): KGen<boolean> {
  return (yield* pageCreateVaPages(k, npages, flags, at)) !== null;
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

/**
 * models page_free() / page_destroy() of pages: destroyed pages lose their
 * name and go on the freelist, the others go on the cachelist still named;
 * either way they are free again, and every waiter is woken to look.
 */
export function pageFree(k: Kernel, pfns: readonly number[], destroy: boolean): void {
  const ps = pageSupply(k);
  const fr = enter(k, page_free, 0, pfns.length);
  for (const pfn of pfns) {
    if (destroy) ps.pages.destroy(pfn);
    else ps.pages.freeToCache(pfn);
    ps.anonOrder.delete(pfn);
  }
  ps.freemem += pfns.length;
  if (ps.freemem_wait > 0) k.cvBroadcast(ps.freememCv);
  leave(k, fr);
}

/** Pages for the kernel heap (segkmem): page_create_va() plus the bookkeeping of kernel pages. */
export function* pageCreateKernel(k: Kernel, npages: number, flags: number, at?: PageCreateAt): KGen<boolean> {
  const ok = yield* pageCreateVa(k, npages, flags, at);
  if (ok) pageSupply(k).kernelPages += npages;
  return ok;
}

/**
 * Kernel heap pages freed (segkmem_free_vn(): page_lookup() of each page of
 * [addr, addr + npages) on kvp or zvp, page_destroy()).
 */
export function pageFreeKernel(k: Kernel, addr: Kva, npages: number, zio = false): void {
  const ps = pageSupply(k);
  const vp = kernelVnode(k, zio);
  const pfns: number[] = [];
  for (let i = 0; i < npages; i++) {
    const pfn = ps.pages.lookup(vp, addr + i * k.p.pagesize);
    if (pfn < 0) throw new Error(`simulator bug: segkmem_free of ${(addr + i * k.p.pagesize).toString(16)}, which has no page`);
    pfns.push(pfn);
  }
  ps.kernelPages -= npages;
  pageFree(k, pfns, true);
}

/**
 * User memory: n anon pages created the way a page fault creates them
 * (page_create_va() with PG_WAIT unless told otherwise), so a workload can
 * build up memory pressure. PG_PUSHPAGE without PG_WAIT takes pages without
 * regard to the thresholds (down to none at all) and never blocks. Returns
 * the pages, or null.
 */
export function* pageCreateAnonPages(k: Kernel, n: number, flags: number = PG_WAIT, at?: PageCreateAt): KGen<number[] | null> {
  const pfns = yield* pageCreateVaPages(k, n, flags, at);
  if (pfns) {
    const ps = pageSupply(k);
    ps.anonPages += n;
    for (const pfn of pfns) ps.anonOrder.add(pfn);
  }
  return pfns;
}

/** pageCreateAnonPages() when only success matters. */
export function* pageCreateAnon(k: Kernel, n: number, flags: number = PG_WAIT, at?: PageCreateAt): KGen<boolean> {
  return (yield* pageCreateAnonPages(k, n, flags, at)) !== null;
}

/**
 * n anon pages freed: `from`'s first n (a process's resident pages, which it
 * gives up), or without `from` the oldest anon pages. A process that exits
 * destroys its pages (anon_decref(): freelist); pageout frees a page it has
 * pushed to swap, so the page stays named on the cachelist (`toCache`).
 */
export function pageFreeAnon(k: Kernel, n: number, from?: number[], toCache = false): void {
  const ps = pageSupply(k);
  const m = Math.min(n, ps.anonPages, from ? from.length : ps.anonOrder.size);
  let pfns: number[];
  if (from) pfns = from.splice(0, m);
  else {
    pfns = [];
    for (const pfn of ps.anonOrder) {
      if (pfns.length === m) break;
      pfns.push(pfn);
    }
  }
  ps.anonPages -= m;
  pageFree(k, pfns, !toCache);
}
