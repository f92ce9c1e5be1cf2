/*
 * segkmem: the kernel heap's page supplier (uts/common/vm/seg_kmem.c), and the
 * tree of arenas the kernel builds at boot for kmem.
 *
 * segkmem_alloc(vmp, size, vmflag) is the import function of every arena
 * whose memory must be backed by pages (kmem_default, kmem_msb, vmem_seg ...):
 * called with the importing arena's *source*, it takes the virtual space from
 * that source with vmem_alloc(), reserves availrmem (page_resv()), and creates
 * the pages (page_create_va() with PG_WAIT unless VM_NOSLEEP, PG_PUSHPAGE for
 * VM_PUSHPAGE). If the pages cannot be had, the space goes back and it
 * returns 0. segkmem_free() destroys the pages (waking page waiters) and
 * frees the space.
 *
 * The arena tree (kernelheap_init() in seg_kmem.c, kmem_init() and
 * kmem_cache_init() in kmem.c):
 *
 *   heap                          the kernel heap [heapBase, heapBase + heapSize)
 *     vmem_metadata                 vmem's own memory (vmem_init())
 *       vmem_seg, vmem_hash, vmem_vmem
 *     static -> static_alloc        memory with fixed translations
 *     hat_memload                   page tables
 *     kmem_metadata                 kmem's own memory
 *       kmem_msb                      magazines, slabs, bufctls
 *       kmem_cache, kmem_hash
 *     kmem_log                      the transaction/failure/slab logs
 *     kmem_firewall_va              each span with an unmapped page after it
 *       kmem_firewall                 firewalled (large, debug) buffers
 *       kmem_oversize                 kmem_alloc() above the largest cache
 *     kmem_va                       slab VA, quantum-cached up to 8 pages
 *       kmem_default                  pages for every ordinary kmem cache
 */
import type { Kernel } from '../../machine/kernel.js';
import type { Kva } from '../../machine/platform.js';
import { func } from '../../machine/symbols.js';
import type { KGen } from '../../machine/thread.js';
import { runNoSleep } from '../../machine/sync.js';
import { enter, leave, vmemState, type Vmem, type VmemImportFn, type VmemReleaseFn } from './arena.js';
import {
  VMEM_ALLOC_IMPORT,
  VMEM_FREE_RELEASE,
  VMC_NO_QCACHE,
  VMC_POPULATOR,
  VM_BESTFIT,
  VM_KMFLAGS,
  VM_MEMLOAD,
  VM_NEXTFIT,
  VM_NORELOC,
  VM_NOSLEEP,
  VM_PANIC,
  VM_PUSHPAGE,
  VM_SLEEP,
  requestKmemReap,
  vmemAlloc,
  vmemCreateNow,
  vmemDestroy,
  vmemFree,
  vmemInit,
  vmemXalloc,
} from './vmem.js';
import {
  PG_EXCL,
  PG_PANIC,
  PG_PUSHPAGE,
  PG_WAIT,
  hasPageSupply,
  kernelPageAt,
  kernelVnode,
  pageCreateKernel,
  pageFreeKernel,
  pageInit,
  pageResv,
  pageUnresv,
  type PageConfig,
} from './page.js';

const segkmem_alloc = func('genunix', 'segkmem_alloc', 0x20);
const segkmem_alloc_vn = func('genunix', 'segkmem_alloc_vn', 0x150);
const segkmem_xalloc = func('genunix', 'segkmem_xalloc', 0x1c0);
const segkmem_page_create = func('genunix', 'segkmem_page_create', 0x90);
const segkmem_free = func('genunix', 'segkmem_free', 0x20);
const segkmem_free_vn = func('genunix', 'segkmem_free_vn', 0x160);
const segkmem_alloc_permanent = func('genunix', 'segkmem_alloc_permanent', 0x20);
const hat_memload_alloc = func('genunix', 'hat_memload_alloc', 0x30);
const kmem_firewall_va_alloc = func('genunix', 'kmem_firewall_va_alloc', 0x70);
const kmem_firewall_va_free = func('genunix', 'kmem_firewall_va_free', 0x40);

/** btopr(): pages covering size bytes */
function btopr(k: Kernel, size: number): number {
  return Math.ceil(size / k.p.pagesize);
}

/** models segkmem_page_create(): VM flags to page creation flags, then page_create_va() */
function* segkmemPageCreate(k: Kernel, addr: Kva, size: number, vmflag: number, zio = false): KGen<boolean> {
  const at = kernelPageAt(k, addr, zio);
  // segkmem_page_create(addr, size, vmflag, arg): arg is the vnode, kvp or zvp
  const fr = enter(k, segkmem_page_create, 0b1001, addr, size, vmflag, at.vp);
  // No kernel cage on x86, so PG_NORELOC would be dropped by page_create_va() anyway.
  let pgflags = PG_EXCL;
  if (!(vmflag & VM_NOSLEEP)) pgflags |= PG_WAIT;
  if (vmflag & VM_PANIC) pgflags |= PG_PANIC;
  if (vmflag & VM_PUSHPAGE) pgflags |= PG_PUSHPAGE;
  const ok = yield* pageCreateKernel(k, btopr(k, size), pgflags, at);
  leave(k, fr);
  return ok;
}

/**
 * models segkmem_xalloc(): back [addr, addr + size) with pages, taking the
 * space from vmp first when inaddr is 0. Returns 0 (space given back) when
 * availrmem or the pages cannot be had.
 */
export function* segkmemXalloc(k: Kernel, vmp: Vmem, inaddr: Kva, size: number, vmflag: number, zio = false): KGen<Kva> {
  // segkmem_xalloc(vmp, inaddr, size, vmflag, attr, page_create_func, pcarg): the first six
  const fr = enter(k, segkmem_xalloc, 0b100011, vmp.addr, inaddr, size, vmflag, 0, segkmem_page_create.addr);
  const npages = btopr(k, size);
  let addr = inaddr;
  if (inaddr === 0) {
    addr = yield* vmemAlloc(k, vmp, size, vmflag);
    if (addr === 0) {
      leave(k, fr);
      return 0;
    }
  }
  if (!(yield* pageResv(k, npages, vmflag & VM_KMFLAGS, requestKmemReap))) {
    if (inaddr === 0) vmemFree(k, vmp, addr, size);
    leave(k, fr);
    return 0;
  }
  if (!(yield* segkmemPageCreate(k, addr, size, vmflag, zio))) {
    if (inaddr === 0) vmemFree(k, vmp, addr, size);
    pageUnresv(k, npages);
    leave(k, fr);
    return 0;
  }
  leave(k, fr);
  return addr;
}

/**
 * models segkmem_alloc_vn(vmp, size, vmflag, vp): space from vmp, backed by
 * pages of vp: kvp for segkmem_alloc(), zvp for segkmem_zio_alloc().
 */
export function* segkmemAllocVn(k: Kernel, vmp: Vmem, size: number, vmflag: number, zio: boolean): KGen<Kva> {
  const vp = kernelVnode(k, zio);
  const fr = enter(k, segkmem_alloc_vn, 0b1001, vmp.addr, size, vmflag, vp);
  const a = yield* segkmemXalloc(k, vmp, 0, size, vmflag, zio);
  leave(k, fr);
  return a;
}

/** models segkmem_alloc(): segkmem_alloc_vn() on kvp */
export function* segkmemAlloc(k: Kernel, vmp: Vmem, size: number, vmflag: number): KGen<Kva> {
  const f0 = enter(k, segkmem_alloc, 0b1, vmp.addr, size, vmflag);
  const a = yield* segkmemAllocVn(k, vmp, size, vmflag, false);
  leave(k, f0);
  return a;
}

/**
 * models segkmem_free(): destroy the pages (waking page waiters), unreserve,
 * free the space to vmp. The pages are kvp's, or zvp's for segkmem_zio_free().
 */
export function segkmemFree(k: Kernel, vmp: Vmem | null, addr: Kva, size: number, zio = false): void {
  const f0 = enter(k, segkmem_free, 0b11, vmp?.addr ?? 0, addr, size);
  const fr = enter(k, segkmem_free_vn, 0b11, vmp?.addr ?? 0, addr, size);
  const npages = btopr(k, size);
  pageFreeKernel(k, addr, npages, zio);
  pageUnresv(k, npages);
  if (vmp) vmemFree(k, vmp, addr, size);
  leave(k, fr);
  leave(k, f0);
}

/** models segkmem_alloc_permanent(): pages whose translation never changes */
function* segkmemAllocPermanent(k: Kernel, vmp: Vmem, size: number, vmflag: number): KGen<Kva> {
  const fr = enter(k, segkmem_alloc_permanent, 0b1, vmp.addr, size, vmflag);
  const a = yield* segkmemAlloc(k, vmp, size, vmflag | VM_NORELOC);
  leave(k, fr);
  return a;
}

/** models hat_memload_alloc(): page-table memory, flagged so the HAT does not recurse */
function* hatMemloadAlloc(k: Kernel, vmp: Vmem, size: number, vmflag: number): KGen<Kva> {
  const fr = enter(k, hat_memload_alloc, 0b1, vmp.addr, size, vmflag);
  const a = yield* segkmemAlloc(k, vmp, size, vmflag | VM_MEMLOAD | VM_NORELOC);
  leave(k, fr);
  return a;
}

/**
 * models kmem_firewall_va_alloc() (kmem.c): one quantum more than asked for,
 * left unmapped after the span so an overrun faults; next-fit, so freed
 * addresses are reused as late as possible.
 */
function* kmemFirewallVaAlloc(k: Kernel, vmp: Vmem, size: number, vmflag: number): KGen<Kva> {
  const fr = enter(k, kmem_firewall_va_alloc, 0b1, vmp.addr, size, vmflag);
  const a = yield* vmemAlloc(k, vmp, size + vmp.quantum, vmflag | VM_NEXTFIT);
  leave(k, fr);
  return a;
}

/** models kmem_firewall_va_free() */
function kmemFirewallVaFree(k: Kernel, vmp: Vmem, addr: Kva, size: number): void {
  const fr = enter(k, kmem_firewall_va_free, 0b11, vmp.addr, addr, size);
  vmemFree(k, vmp, addr, size + vmp.quantum);
  leave(k, fr);
}

export const SEGKMEM_ALLOC: VmemImportFn = { sym: segkmem_alloc, alloc: segkmemAlloc };
export const SEGKMEM_FREE: VmemReleaseFn = { sym: segkmem_free, free: segkmemFree };
export const SEGKMEM_ALLOC_PERMANENT: VmemImportFn = { sym: segkmem_alloc_permanent, alloc: segkmemAllocPermanent };
export const HAT_MEMLOAD_ALLOC: VmemImportFn = { sym: hat_memload_alloc, alloc: hatMemloadAlloc };
export const KMEM_FIREWALL_VA_ALLOC: VmemImportFn = { sym: kmem_firewall_va_alloc, alloc: kmemFirewallVaAlloc };
export const KMEM_FIREWALL_VA_FREE: VmemReleaseFn = { sym: kmem_firewall_va_free, free: kmemFirewallVaFree };

// ---- the arena tree ----------------------------------------------------------

/** The arenas made at boot, by name (the kernel's <name>_arena globals). */
export interface IllumosArenas {
  heap: Vmem;
  vmem_metadata: Vmem;
  vmem_seg: Vmem;
  vmem_hash: Vmem;
  vmem_vmem: Vmem;
  static: Vmem;
  static_alloc: Vmem;
  hat_memload: Vmem;
  kmem_metadata: Vmem;
  kmem_msb: Vmem;
  kmem_cache: Vmem;
  kmem_hash: Vmem;
  kmem_log: Vmem;
  kmem_firewall_va: Vmem;
  kmem_firewall: Vmem;
  kmem_oversize: Vmem;
  kmem_va: Vmem;
  kmem_default: Vmem;
}

export interface VmemBootOptions {
  /** KMF_AUDIT: audited vmem segments (default: a DEBUG kernel) */
  audit?: boolean;
  /** sizing of the page supply (default: from KernelConfig.physmem) */
  page?: PageConfig;
}

/**
 * models kernelheap_init() (seg_kmem.c) on i86pc: the heap arena through
 * vmem_init(), the first page of the heap already spoken for by boot, then
 * static, static_alloc and hat_memload. (The heap_core and heaptext arenas,
 * which live outside the platform's heap range, are not modelled.)
 */
export function kernelheapInit(k: Kernel, opts: VmemBootOptions = {}): Pick<
  IllumosArenas,
  'heap' | 'vmem_metadata' | 'vmem_seg' | 'vmem_hash' | 'vmem_vmem' | 'static' | 'static_alloc' | 'hat_memload'
> {
  // The page supply may have been set up already (pageInit()); options then must not be given twice.
  if (opts.page !== undefined || !hasPageSupply(k)) pageInit(k, opts.page ?? {});
  const p = k.p;
  const pg = p.pagesize;
  const heap = vmemInit(k, 'heap', p.heapBase, p.heapSize, pg, SEGKMEM_ALLOC, SEGKMEM_FREE,
    opts.audit === undefined ? {} : { audit: opts.audit });
  const st = vmemState(k);
  // [kernelheap, first_avail): on i86pc one page, mapped by boot.
  runNoSleep(vmemXalloc(k, heap, pg, pg, 0, 0, p.heapBase, p.heapBase + pg, VM_NOSLEEP | VM_BESTFIT | VM_PANIC), 'kernelheap_init');
  const stat = vmemCreateNow(k, 'static', 0, 0, pg, SEGKMEM_ALLOC_PERMANENT, SEGKMEM_FREE, heap, 0, VM_SLEEP);
  const staticAlloc = vmemCreateNow(k, 'static_alloc', 0, 0, 8, VMEM_ALLOC_IMPORT, VMEM_FREE_RELEASE, stat, 0, VM_SLEEP);
  const hatMemload = vmemCreateNow(k, 'hat_memload', 0, 0, pg, HAT_MEMLOAD_ALLOC, SEGKMEM_FREE, heap, 0, VM_SLEEP | VMC_POPULATOR);
  return {
    heap,
    vmem_metadata: st.metadataArena!,
    vmem_seg: st.segArena!,
    vmem_hash: st.hashArena!,
    vmem_vmem: st.vmemArena!,
    static: stat,
    static_alloc: staticAlloc,
    hat_memload: hatMemload,
  };
}

/** KMEM_ALIGN: the quantum of kmem's byte-granular arenas */
const KMEM_ALIGN = 8;

/**
 * models the arena half of kmem_init() and kmem_cache_init(2): the metadata
 * arenas, the log and firewall arenas, kmem_oversize (made, destroyed after
 * /etc/system is read, and made again behind the firewall), then kmem_va
 * (quantum-cached up to 8 pages) and kmem_default.
 */
export function kmemArenasInit(k: Kernel, heap: Vmem): Omit<
  IllumosArenas,
  'heap' | 'vmem_metadata' | 'vmem_seg' | 'vmem_hash' | 'vmem_vmem' | 'static' | 'static_alloc' | 'hat_memload'
> {
  const pg = k.p.pagesize;
  const mk = (name: string, quantum: number, afunc: VmemImportFn, ffunc: VmemReleaseFn, source: Vmem, qcacheMax: number, vmflag: number): Vmem =>
    vmemCreateNow(k, name, 0, 0, quantum, afunc, ffunc, source, qcacheMax, vmflag);
  const kmem_metadata = mk('kmem_metadata', pg, VMEM_ALLOC_IMPORT, VMEM_FREE_RELEASE, heap, 8 * pg, VM_SLEEP | VMC_NO_QCACHE);
  const kmem_msb = mk('kmem_msb', pg, SEGKMEM_ALLOC, SEGKMEM_FREE, kmem_metadata, 0, VM_SLEEP);
  const kmem_cache = mk('kmem_cache', KMEM_ALIGN, SEGKMEM_ALLOC, SEGKMEM_FREE, kmem_metadata, 0, VM_SLEEP);
  const kmem_hash = mk('kmem_hash', KMEM_ALIGN, SEGKMEM_ALLOC, SEGKMEM_FREE, kmem_metadata, 0, VM_SLEEP);
  const kmem_log = mk('kmem_log', KMEM_ALIGN, SEGKMEM_ALLOC, SEGKMEM_FREE, heap, 0, VM_SLEEP);
  const kmem_firewall_va = mk('kmem_firewall_va', pg, KMEM_FIREWALL_VA_ALLOC, KMEM_FIREWALL_VA_FREE, heap, 0, VM_SLEEP);
  const kmem_firewall = mk('kmem_firewall', pg, SEGKMEM_ALLOC, SEGKMEM_FREE, kmem_firewall_va, 0, VM_SLEEP);
  // the temporary oversize arena of the first pass, for mod_read_system_file()
  vmemDestroy(k, mk('kmem_oversize', pg, SEGKMEM_ALLOC, SEGKMEM_FREE, heap, 0, VM_SLEEP));
  // kmem_minfirewall is PAGESIZE/2 on 64-bit kernels: oversize buffers are firewalled
  const kmem_oversize = mk('kmem_oversize', pg, SEGKMEM_ALLOC, SEGKMEM_FREE, kmem_firewall_va, 0, VM_SLEEP);
  const kmem_va = mk('kmem_va', pg, VMEM_ALLOC_IMPORT, VMEM_FREE_RELEASE, heap, 8 * pg, VM_SLEEP);
  const kmem_default = mk('kmem_default', pg, SEGKMEM_ALLOC, SEGKMEM_FREE, kmem_va, 0, VM_SLEEP);
  return {
    kmem_metadata,
    kmem_msb,
    kmem_cache,
    kmem_hash,
    kmem_log,
    kmem_firewall_va,
    kmem_firewall,
    kmem_oversize,
    kmem_va,
    kmem_default,
  };
}

/** Boot-time arena creation: kernelheapInit() then kmemArenasInit(). */
export function vmemInitIllumos(k: Kernel, opts: VmemBootOptions = {}): IllumosArenas {
  const a = kernelheapInit(k, opts);
  return { ...a, ...kmemArenasInit(k, a.heap) };
}
