/*
 * The vmem resource allocator, as illumos has it (uts/common/os/vmem.c;
 * Bonwick and Adams, "Magazines and Vmem", USENIX 2001).
 *
 * 1. Concepts
 *
 *   Arena.     A set of integers handed out in pieces: usually kernel virtual
 *              addresses, sometimes identifiers. Arenas form trees: an arena
 *              may *import* spans from its source (vm_source) by calling the
 *              source's allocation function (vm_source_alloc: vmem_alloc, or
 *              segkmem_alloc, which also backs the span with pages), and gives
 *              a span back (vm_source_free) once every segment in it is free.
 *   Span.      A contiguous range added to an arena, by vmem_add() (static,
 *              never returned) or by an import.
 *   Segment.   A span is cut into segments, each allocated or free. An
 *              allocated segment [a, a + size) is exactly one vmem_alloc(size)
 *              that returned a; adjacent free segments are always merged, so
 *              a span reads as alternating runs, and segments never cross a
 *              span's edge.
 *   Quantum.   The arena's unit: every allocation is quantum-aligned and a
 *              multiple of it in extent (the segment's vs_end records the size
 *              asked for; freeing rounds it back up).
 *   Quantum caches. Sizes up to vm_qcache_max are served by kmem caches
 *              named <arena>_<size> (kmem_va_4096 ...) whose slabs come from
 *              the arena: the per-CPU magazines make the hottest arenas scale.
 *              kmem lives above this module, so it installs its entry points
 *              with setQcacheOps(); without them these sizes go to the arena.
 *   Constraints. vmem_xalloc() takes an alignment, a phase within it, a
 *              boundary not to cross and an address window.
 *
 * 2. Representation (each with the invariant it makes cheap)
 *
 *   Arena list. Every tag of the arena on one circular list through the
 *              anchor vm_seg0: for each span, its SPAN marker then its
 *              segments in address order; spans in the order they were
 *              added; the VM_NEXTFIT rotor somewhere among them. A free
 *              segment's neighbours tell at once whether it can merge and
 *              whether it is a whole span.
 *   Kin lists. A span marker is also on the span list (through vm_seg0's
 *              vs_knext), a free segment on a freelist, an allocated segment
 *              on a hash chain.
 *   Freelists. Free segments of size [2^n, 2^(n+1)) on vm_freelist[n], with
 *              vm_freemap saying which lists are non-empty (freelist.ts).
 *              Instant fit takes the first segment of the first list whose
 *              members are all big enough: constant time. VM_BESTFIT and
 *              VM_FIRSTFIT search from the list below, which may hold a fit;
 *              VM_NEXTFIT walks the arena list from the rotor.
 *   Hash.      Allocated segments by start address (hash.ts), so a free finds
 *              its segment in constant time; the table grows with the count.
 *   Segment supply. Operations never allocate memory for tags midway: each
 *              arena keeps a stock of at least VMEM_MINFREE structures,
 *              refilled by vmem_populate() from the global list, which is
 *              refilled from the vmem_seg arena. Populating that arena needs
 *              tags from the arenas below it; they keep a reserve for this
 *              (the populators) and the four populate locks bound how many
 *              threads can be drawing on it.
 *
 * 3. Waiting. A VM_SLEEP allocation that can neither find nor import space
 *    asks kmem to reap, then sleeps on the arena's vm_cv until a free
 *    broadcasts it (every freelist insertion does). VM_NOSLEEP gives up and
 *    returns 0; VM_PANIC panics.
 *
 * Simulation notes: addresses are Kva offsets; an identifier arena
 * (VMC_IDENTIFIER) holds plain integers. The arena lock is not modelled:
 * simulated code runs without preemption until it sleeps, and vmem never
 * sleeps with it held. vmem_update()'s hash rescale also runs eagerly when an
 * arena's hash gets crowded, so lookups stay short whoever drives the clock.
 */
import type { Kernel } from '../kern/kernel.js';
import type { Kva } from '../kern/platform.js';
import { func } from '../kern/symbols.js';
import type { KGen } from '../kern/thread.js';
import { runNoSleep } from '../kern/sync.js';
import { VMEM_ALLOC, VMEM_FREE, VMEM_SPAN, VMEM_WALKER, VmemSeg, deleteA, deleteK, insertA, insertK } from './btag.js';
import {
  canAlloc,
  freelistDelete,
  freelistInsert,
  highbit,
  isPow2,
  p2boundary,
  p2nphase,
  p2phase,
  p2phaseup,
  p2roundup,
} from './freelist.js';
import { hashInsert, hashLookupDelete, hashRebuild, hashTargetSize } from './hash.js';
import {
  VMEM_INITIAL,
  Vmem,
  curOwner,
  enter,
  getseg,
  getsegGlobal,
  leave,
  mutexEnter,
  mutexExit,
  putseg,
  putsegGlobal,
  vmemState,
  vpanic,
  type VmemImportFn,
  type VmemReleaseFn,
  type VmemState,
} from './arena.js';
import { VMEM_NQCACHE_MAX } from '../../dump/types/illumos-vmem.js';

// ---- flags (sys/vmem.h) ------------------------------------------------------

export const VM_SLEEP = 0x0;
export const VM_NOSLEEP = 0x1;
export const VM_PANIC = 0x2;
export const VM_PUSHPAGE = 0x4;
/** flags that mean the same to kmem (KM_*) */
export const VM_KMFLAGS = 0xff;
export const VM_BESTFIT = 0x100;
export const VM_FIRSTFIT = 0x200;
export const VM_NEXTFIT = 0x400;
/** segkmem: the HAT must not allocate (hat_memload arena) */
export const VM_MEMLOAD = 0x800;
/** segkmem: pages that must not be relocated */
export const VM_NORELOC = 0x1000;
/** give up instead of reaping and waiting */
export const VM_ABORT = 0x2000;
/** prefer high addresses */
export const VM_ENDALLOC = 0x4000;

/** arena creation flags */
export const VMC_POPULATOR = 0x00010000;
export const VMC_NO_QCACHE = 0x00020000;
export const VMC_IDENTIFIER = 0x00040000;
export const VMC_XALLOC = 0x00080000;
export const VMC_XALIGN = 0x00100000;
export const VMC_DUMPSAFE = 0x00200000;

/** vmem_walk() and vmem_size() type masks */
export { VMEM_ALLOC, VMEM_FREE, VMEM_SPAN, VMEM_ROTOR, VMEM_WALKER } from './btag.js';
export const VMEM_REENTRANT = 0x80000000;

// ---- the segment budget (vmem.c) -------------------------------------------

/** a new span takes its marker and its free segment */
const VMEM_SEGS_PER_SPAN_CREATE = 2;
/** taking a whole free segment takes none; one end, one; the middle, two */
const VMEM_SEGS_PER_EXACT_ALLOC = 0;
const VMEM_SEGS_PER_LEFT_ALLOC = 1;
const VMEM_SEGS_PER_MIDDLE_ALLOC = 2;
const VMEM_SEGS_PER_ALLOC_MAX = VMEM_SEGS_PER_SPAN_CREATE + VMEM_SEGS_PER_MIDDLE_ALLOC;
/**
 * Populating vmem_seg costs each arena below it at most three tags, and at
 * most four threads do it at once (sleep, nosleep, pushpage, panic locks).
 */
export const VMEM_POPULATE_RESERVE = 12;
/** the stock vmem_populate() keeps in every arena */
export const VMEM_MINFREE = VMEM_POPULATE_RESERVE + VMEM_SEGS_PER_ALLOC_MAX;

// ---- symbols -----------------------------------------------------------------

const vmem_alloc = func('genunix', 'vmem_alloc', 0x1d0);
const vmem_xalloc = func('genunix', 'vmem_xalloc', 0x6f0);
const vmem_free = func('genunix', 'vmem_free', 0x90);
const vmem_xfree = func('genunix', 'vmem_xfree', 0x1a0);
const vmem_nextfit_alloc = func('genunix', 'vmem_nextfit_alloc', 0x2b0);
const vmem_seg_alloc = func('genunix', 'vmem_seg_alloc', 0x1c0);
const vmem_populate = func('genunix', 'vmem_populate', 0x260);
const vmem_add = func('genunix', 'vmem_add', 0x90);
const vmem_create = func('genunix', 'vmem_create', 0x60);
const vmem_create_common = func('genunix', 'vmem_create_common', 0x390);
const vmem_destroy = func('genunix', 'vmem_destroy', 0x1b0);
const vmem_hash_rescale = func('genunix', 'vmem_hash_rescale', 0x190);
const vmem_update = func('genunix', 'vmem_update', 0x80);
const vmem_contains = func('genunix', 'vmem_contains', 0x90);

// ---- quantum caches: kmem's entry points ---------------------------------------

/**
 * What vmem needs from kmem (which imports vmem, so cannot be imported here):
 * kmem_cache_create() of a quantum cache, kmem_cache_alloc()/free() on it, and
 * optionally kmem_cache_destroy() and kmem_reap().
 */
export interface QcacheOps {
  create(k: Kernel, vmp: Vmem, name: string, size: number): unknown;
  alloc(k: Kernel, handle: unknown, vmflag: number): KGen<Kva>;
  free(k: Kernel, handle: unknown, addr: Kva): void;
  destroy?(k: Kernel, handle: unknown): void;
  /** kmem_reap(): vmem asks for it before waiting for space */
  reap?(k: Kernel): void;
}

/** kmem's entry points, per kernel (several simulated kernels may share a process). */
const qcacheOpsByKernel = new WeakMap<Kernel, QcacheOps>();

/** Install kmem's entry points (null to remove them). */
export function setQcacheOps(k: Kernel, ops: QcacheOps | null): void {
  if (ops) qcacheOpsByKernel.set(k, ops);
  else qcacheOpsByKernel.delete(k);
}

/**
 * kmem has arrived (kmem_init()): give every arena made before it the quantum
 * caches it asked for, so none are created later in some thread's context.
 */
export function vmemQcacheCreateAll(k: Kernel): void {
  const ops = qcacheOpsByKernel.get(k);
  if (!ops) return;
  for (const vmp of vmemList(k)) if (vmp.nqcache > 0 && vmp.qcache.length === 0) createQcaches(k, vmp, ops);
}

/** VMEM_QCACHE_SLABSIZE(): the slab size of an arena's quantum caches (kmem uses it) */
export function vmemQcacheSlabsize(max: number): number {
  return Math.max(2 ** highbit(3 * max), 64);
}

/** the kmem_cache_create() half of vmem_create(): one cache per multiple of the quantum */
function createQcaches(k: Kernel, vmp: Vmem, ops: QcacheOps): void {
  for (let i = 0; i < vmp.nqcache; i++) {
    const size = (i + 1) * vmp.quantum;
    const h = ops.create(k, vmp, `${vmp.name}_${size}`, size);
    vmp.qcache.push(h);
    const a = (h as { addr?: unknown } | null)?.addr;
    vmp.qcacheAddr.push(typeof a === 'number' ? a : 0);
  }
}

/** The quantum cache for size, created now if kmem arrived after the arena; undefined without kmem. */
function qcacheFor(k: Kernel, vmp: Vmem, size: number): unknown {
  const qcacheOps = qcacheOpsByKernel.get(k);
  if (!qcacheOps) return undefined;
  if (vmp.qcache.length === 0) createQcaches(k, vmp, qcacheOps);
  return vmp.qcache[Math.floor((size - 1) / vmp.quantum)];
}

// ---- helpers -----------------------------------------------------------------

/** %p of a value in this arena: addresses print as kernel addresses, identifiers as themselves */
function px(vmp: Vmem, v: number): string {
  return vmp.cflags & VMC_IDENTIFIER ? v.toString(16) : vmp.k.hex(v);
}

function isPopulator(k: Kernel, st: VmemState): boolean {
  const me = curOwner(k);
  const l = st.locks;
  return l.sleep.owner === me || l.nosleep.owner === me || l.pushpage.owner === me || l.panic.owner === me;
}

/** models vmem_seg_create(): a new tag for [start, end) after vprev on the arena list */
function segCreate(vmp: Vmem, vprev: VmemSeg, start: number, end: number): VmemSeg {
  const vsp = getseg(vmp);
  vsp.start = start;
  vsp.end = end;
  vsp.type = 0;
  vsp.imported = 0;
  insertA(vprev, vsp);
  return vsp;
}

/** models vmem_seg_destroy() */
function segDestroy(vmp: Vmem, vsp: VmemSeg): void {
  deleteA(vsp);
  putseg(vmp, vsp);
}

/** models vmem_span_create(): add [vaddr, vaddr + size) as a span holding one free segment */
function spanCreate(vmp: Vmem, vaddr: number, size: number, imported: number): VmemSeg {
  const start = vaddr;
  const end = vaddr + size;
  if (p2phase(start, vmp.quantum) !== 0 || p2phase(end, vmp.quantum) !== 0)
    vpanic(vmp.k, `vmem_span_create(${vmp.k.hex(vmp.addr)}, ${px(vmp, vaddr)}, ${size}): misaligned`);
  const span = segCreate(vmp, vmp.seg0.aprev!, start, end);
  span.type = VMEM_SPAN;
  span.imported = imported;
  insertK(vmp.seg0.kprev!, span);
  const vsp = segCreate(vmp, span, start, end);
  freelistInsert(vmp, vsp);
  if (imported) vmp.kstat.vk_mem_import += size;
  vmp.kstat.vk_mem_total += size;
  return vsp;
}

/** models vmem_span_destroy(): vsp is the only segment of its span, already off the freelist */
function spanDestroy(vmp: Vmem, vsp: VmemSeg): void {
  const span = vsp.aprev!;
  const size = vsp.size;
  if (span.imported) vmp.kstat.vk_mem_import -= size;
  vmp.kstat.vk_mem_total -= size;
  deleteK(span);
  segDestroy(vmp, vsp);
  segDestroy(vmp, span);
}

/** True when vsp is the only segment of an imported span that can go back to the source. */
function wholeImportedSpan(vmp: Vmem, vsp: VmemSeg): boolean {
  const prev = vsp.aprev!;
  return prev.imported !== 0 && vmp.sourceFree !== null && prev.type === VMEM_SPAN && vsp.anext!.type === VMEM_SPAN;
}

/**
 * models vmem_seg_alloc(): carve [addr, addr + size) out of the free segment
 * vsp, returning the leftovers on either side to the freelists.
 */
function segAlloc(vmp: Vmem, vsp: VmemSeg, addr: number, size: number): VmemSeg {
  const vsStart = vsp.start;
  const vsEnd = vsp.end;
  const vsSize = vsEnd - vsStart;
  const realsize = p2roundup(size, vmp.quantum);
  const addrEnd = addr + realsize;
  // Taking the front of a segment whose remainder stays on the same freelist:
  // shrink it in place and put the new segment in front of it.
  if (addr === vsStart && highbit(vsSize) === highbit(vsSize - realsize)) {
    vsp.start = addrEnd;
    const nv = segCreate(vmp, vsp.aprev!, addr, addr + size);
    hashInsert(vmp, nv, vmem_seg_alloc);
    return nv;
  }
  freelistDelete(vmp, vsp);
  if (vsEnd !== addrEnd) freelistInsert(vmp, segCreate(vmp, vsp, addrEnd, vsEnd));
  if (vsStart !== addr) freelistInsert(vmp, segCreate(vmp, vsp.aprev!, vsStart, addr));
  vsp.start = addr;
  vsp.end = addr + size;
  hashInsert(vmp, vsp, vmem_seg_alloc);
  return vsp;
}

/** kmem_reap() (kmem_reap_idspace() for an identifier arena is not distinguished), through the kmem ops */
export function requestKmemReap(k: Kernel): void {
  qcacheOpsByKernel.get(k)?.reap?.(k);
}

/** cv_wait(&vmp->vm_cv): before the first thread exists nothing could ever wake us */
function* waitForSpace(k: Kernel, vmp: Vmem): KGen<void> {
  if (!k.curthread) throw new Error(`simulator bug: boot allocation from ${vmp.name} would wait for space`);
  vmp.kstat.vk_wait++;
  yield* k.cvWait(vmp.cvAddr);
}

/** Grow a crowded hash now rather than at the next vmem_update(). */
function maybeGrowHash(k: Kernel, vmp: Vmem): void {
  if (!vmp.rescaling && vmp.kstat.vk_alloc - vmp.kstat.vk_free > 2 * (vmp.hashMask + 1)) vmemHashRescale(k, vmp);
}

// ---- populate ----------------------------------------------------------------

/**
 * models vmem_populate(): make sure vmp has VMEM_MINFREE segment structures.
 * May sleep (in the populate lock, or allocating from vmem_seg).
 */
function* vmemPopulate(vmp: Vmem, vmflag: number): KGen<boolean> {
  const st = vmp.st;
  const k = vmp.k;
  while (vmp.nsegfree < VMEM_MINFREE) {
    const vsp = getsegGlobal(st);
    if (!vsp) break;
    putseg(vmp, vsp);
  }
  if (vmp.nsegfree >= VMEM_MINFREE) return true;
  // A thread already populating draws on the populators' reserve.
  if (isPopulator(k, st)) return true;

  const fr = enter(k, vmem_populate, 0b1, vmp.addr, vmflag);
  const l = st.locks;
  const lp =
    k.panicked && k.panicked.thread === k.curthread
      ? l.panic
      : vmflag & VM_NOSLEEP
        ? l.nosleep
        : vmflag & VM_PUSHPAGE
          ? l.pushpage
          : l.sleep;
  yield* mutexEnter(k, lp);

  const segSize = st.segSize;
  let nseg = VMEM_MINFREE + st.populators.length * VMEM_POPULATE_RESERVE;
  const size = p2roundup(nseg * segSize, st.segArena ? st.segArena.quantum : k.p.pagesize);
  nseg = Math.floor(size / segSize);

  // Without a vmem_seg arena (arenas made without vmem_init(), as in tests)
  // the structures come from boot memory.
  const p = st.segArena ? yield* vmemAlloc(k, st.segArena, size, vmflag & VM_KMFLAGS) : k.bootAlloc(size);
  if (p === 0) {
    mutexExit(k, lp);
    vmp.kstat.vk_populate_fail++;
    leave(k, fr);
    return false;
  }
  // Restock the reserves that this population may have drawn on.
  for (const pop of st.populators) {
    while (pop.nsegfree < VMEM_POPULATE_RESERVE) putseg(pop, new VmemSeg(p + --nseg * segSize));
  }
  mutexExit(k, lp);
  while (vmp.nsegfree < VMEM_MINFREE) putseg(vmp, new VmemSeg(p + --nseg * segSize));
  while (nseg > 0) putsegGlobal(st, new VmemSeg(p + --nseg * segSize));
  leave(k, fr);
  return true;
}

// ---- allocation --------------------------------------------------------------

/**
 * models vmem_alloc(): size bytes from vmp, quantum-aligned; 0 on failure.
 * Sizes up to vm_qcache_max go to the quantum caches; otherwise instant fit
 * (the default), or VM_BESTFIT / VM_FIRSTFIT / VM_NEXTFIT.
 */
export function* vmemAlloc(k: Kernel, vmp: Vmem, size: number, vmflag: number): KGen<Kva> {
  const fr = enter(k, vmem_alloc, 0b1, vmp.addr, size, vmflag);
  let bypass = false;
  if (size >= 1 && size - 1 < vmp.qcacheMax) {
    const h = qcacheFor(k, vmp, size);
    if (h !== undefined) {
      const a = yield* qcacheOpsByKernel.get(k)!.alloc(k, h, vmflag & VM_KMFLAGS);
      leave(k, fr);
      return a;
    }
    bypass = true;
  }
  let addr: Kva;
  if (vmflag & VM_NEXTFIT) addr = yield* vmemNextfitAlloc(k, vmp, size, vmflag);
  else if (vmflag & (VM_BESTFIT | VM_FIRSTFIT)) addr = yield* vmemXalloc(k, vmp, size, vmp.quantum, 0, 0, 0, 0, vmflag);
  else {
    // Instant fit: the first segment of the first list whose members are all big enough.
    let flist = -1;
    if (vmp.nsegfree >= VMEM_MINFREE || (yield* vmemPopulate(vmp, vmflag))) {
      if (size === 0) flist = -1;
      else if (isPow2(size)) flist = vmp.freemap.firstFrom(highbit(size) - 1);
      else {
        const hb = highbit(size);
        if (hb < vmp.nfreelists) flist = vmp.freemap.firstFrom(hb);
      }
    }
    if (flist < 0) addr = yield* vmemXalloc(k, vmp, size, vmp.quantum, 0, 0, 0, 0, vmflag);
    else {
      const vsp = vmp.freelist[flist]!.knext!;
      addr = vsp.start;
      if (vmflag & VM_ENDALLOC) addr += vsp.end - (addr + size);
      segAlloc(vmp, vsp, addr, size);
    }
  }
  if (bypass && addr !== 0) vmp.qcacheBypass.add(addr);
  maybeGrowHash(k, vmp);
  leave(k, fr);
  return addr;
}

/**
 * models vmem_xalloc(): size bytes at `phase` past an `align` boundary, not
 * crossing a `nocross` boundary, inside [minaddr, maxaddr) (0 = unbounded).
 * Imports from the source when the arena has no room (unconstrained requests
 * only), and otherwise waits for a free unless VM_NOSLEEP.
 */
export function* vmemXalloc(
  k: Kernel,
  vmp: Vmem,
  size: number,
  alignArg: number,
  phase: number,
  nocross: number,
  minaddr: number,
  maxaddr: number,
  vmflag: number,
): KGen<Kva> {
  const fr = enter(k, vmem_xalloc, 0b1100001, vmp.addr, size, alignArg, phase, nocross, minaddr, maxaddr, vmflag);
  const q = vmp.quantum;
  const align = alignArg !== 0 ? alignArg : q;
  const what = (): string =>
    `vmem_xalloc(${k.hex(vmp.addr)}, ${size}, ${alignArg}, ${phase}, ${nocross}, ${px(vmp, minaddr)}, ` +
    `${px(vmp, maxaddr)}, ${vmflag.toString(16)})`;
  if (p2phase(align, q) || p2phase(phase, q) || p2phase(nocross, q))
    vpanic(k, `${what()}: parameters not vm_quantum aligned`);
  if (nocross !== 0 && (align > nocross || p2roundup(phase + size, align) > nocross))
    vpanic(k, `${what()}: overconstrained allocation`);
  if (phase >= align || !isPow2(align) || !isPow2(nocross)) vpanic(k, `${what()}: parameters inconsistent or invalid`);

  const limit = maxaddr === 0 ? Infinity : maxaddr;
  let vbest: VmemSeg | null = null;
  let addr = 0;
  let xvaddr = 0;
  let xsize = 0;

  search: for (;;) {
    if (vmp.nsegfree < VMEM_MINFREE && !(yield* vmemPopulate(vmp, vmflag))) break;
    for (;;) {
      // Which list to start from: the first that surely fits, unless the size
      // is a power of two (then it is the same list), nothing larger exists,
      // or best/first fit wants to look at the list that only might.
      let flist: number;
      if (size === 0) flist = -1;
      else if (isPow2(size)) flist = vmp.freemap.firstFrom(highbit(size) - 1);
      else {
        let hb = highbit(size);
        if (vmp.freemap.firstFrom(hb) < 0 || hb === vmp.nfreelists || vmflag & (VM_BESTFIT | VM_FIRSTFIT)) hb--;
        flist = vmp.freemap.firstFrom(hb);
      }

      vbest = null;
      let vsp: VmemSeg | null = flist < 0 ? null : vmp.freelist[flist]!.knext;
      while (vsp !== null) {
        vmp.kstat.vk_search++;
        if (vsp.head >= 0) {
          // Reached the next list's head: a candidate already found cannot be bettered.
          if (vbest !== null) break;
          const next = vsp.head < vmp.nfreelists ? vmp.freemap.firstFrom(vsp.head) : -1;
          if (next < 0) break;
          vsp = vmp.freelist[next]!.knext;
          continue;
        }
        if (vsp.end - 1 < minaddr || vsp.start > limit - 1) {
          vsp = vsp.knext;
          continue;
        }
        const start = Math.max(vsp.start, minaddr);
        const end = Math.min(vsp.end - 1, limit - 1) + 1;
        let taddr = p2phaseup(start, align, phase);
        if (p2boundary(taddr, size, nocross)) taddr += p2roundup(p2nphase(taddr, nocross), align);
        if (taddr - start + size > end - start || (vbest !== null && vsp.size >= vbest.size)) {
          vsp = vsp.knext;
          continue;
        }
        vbest = vsp;
        addr = taddr;
        if (!(vmflag & VM_BESTFIT) || vbest.size === size) break;
        vsp = vsp.knext;
      }
      if (vbest !== null) break search;
      if (size === 0) vpanic(k, 'vmem_xalloc(): size == 0');

      if (vmp.sourceAlloc !== null && nocross === 0 && minaddr === 0 && maxaddr === 0) {
        const src = vmp.source!;
        const aquantum = Math.max(q, src.quantum);
        let aphase = phase;
        if (align > aquantum && !(vmp.cflags & VMC_XALIGN))
          aphase = p2phase(phase, aquantum) !== 0 ? align - q : align - aquantum;
        let aneeded = Math.max(size + aphase, vmp.minImport);
        const asize = p2roundup(aneeded, aquantum);
        // The tags this import will consume, held back while we are away in the source.
        const resv =
          size === asize && !(vmp.cflags & VMC_XALLOC)
            ? VMEM_SEGS_PER_SPAN_CREATE + VMEM_SEGS_PER_EXACT_ALLOC
            : phase === 0 && align <= src.quantum
              ? VMEM_SEGS_PER_SPAN_CREATE + VMEM_SEGS_PER_LEFT_ALLOC
              : VMEM_SEGS_PER_ALLOC_MAX;
        if (vmp.nsegfree < resv) throw new Error(`simulator bug: ${vmp.name} has ${vmp.nsegfree} tags, import needs ${resv}`);
        vmp.nsegfree -= resv;
        const vaddr = yield* vmp.sourceAlloc.alloc(k, src, asize, vmflag & VM_KMFLAGS);
        vmp.nsegfree += resv;
        aneeded = p2roundup(size + align - q, q);
        if (vaddr !== 0) {
          // Others may have made room while we were in the source: if so, give
          // the import back once we are done rather than keep two spans.
          if (asize > aneeded && vmp.sourceFree !== null && canAlloc(vmp, aneeded)) {
            xvaddr = vaddr;
            xsize = asize;
            continue;
          }
          vbest = spanCreate(vmp, vaddr, asize, 1);
          addr = p2phaseup(vbest.start, align, phase);
          break search;
        } else if (canAlloc(vmp, aneeded)) {
          // the import failed, but someone else freed enough meanwhile
          continue;
        }
      }
      break;
    }
    if (vmflag & VM_ABORT) break;
    requestKmemReap(k);
    if (vmflag & VM_NOSLEEP) break;
    yield* waitForSpace(k, vmp);
  }

  if (vbest !== null) {
    if (vmflag & VM_ENDALLOC) addr += Math.floor((vbest.end - (addr + size)) / align) * align;
    segAlloc(vmp, vbest, addr, size);
    if (xvaddr !== 0) vmp.sourceFree!.free(k, vmp.source!, xvaddr, xsize);
    maybeGrowHash(k, vmp);
    leave(k, fr);
    return addr;
  }
  vmp.kstat.vk_fail++;
  if (vmflag & VM_PANIC) vpanic(k, `${what()}: cannot satisfy mandatory allocation`);
  leave(k, fr);
  return 0;
}

/**
 * models vmem_nextfit_alloc(): cycle through the arena, starting where the
 * last VM_NEXTFIT allocation ended (the rotor), so addresses are reused as
 * late as possible.
 */
function* vmemNextfitAlloc(k: Kernel, vmp: Vmem, size: number, vmflag: number): KGen<Kva> {
  const fr = enter(k, vmem_nextfit_alloc, 0b1, vmp.addr, size, vmflag);
  const realsize = p2roundup(size, vmp.quantum);
  if (vmp.nsegfree < VMEM_MINFREE && !(yield* vmemPopulate(vmp, vmflag))) {
    leave(k, fr);
    return 0;
  }
  const rotor = vmp.rotor;
  let vsp = rotor.anext!;
  // Common case: a big free segment right after the rotor. Take its front and
  // put the new segment behind the rotor, which is as good as moving it.
  if (vsp.type === VMEM_FREE && vsp.size > realsize && highbit(vsp.size) === highbit(vsp.size - realsize)) {
    const addr = vsp.start;
    vsp.start = addr + realsize;
    hashInsert(vmp, segCreate(vmp, rotor.aprev!, addr, addr + size), vmem_nextfit_alloc);
    leave(k, fr);
    return addr;
  }
  for (;;) {
    vmp.kstat.vk_search++;
    if (vsp.type === VMEM_FREE && vsp.size >= size) break;
    vsp = vsp.anext!;
    if (vsp === rotor) {
      // All the way round. The rotor itself may be splitting the only big
      // enough space in two: step it forward and look once more.
      vmemAdvance(k, vmp, rotor, rotor.anext!);
      vsp = rotor.aprev!;
      if (vsp.type === VMEM_FREE && vsp.size >= size) break;
      if (vmp.sourceAlloc !== null || vmflag & VM_NOSLEEP) {
        const a = yield* vmemXalloc(k, vmp, size, vmp.quantum, 0, 0, 0, 0, vmflag & VM_KMFLAGS);
        leave(k, fr);
        return a;
      }
      yield* waitForSpace(k, vmp);
      vsp = rotor.anext!;
    }
  }
  const addr = vsp.start;
  const nv = segAlloc(vmp, vsp, addr, size);
  vmemAdvance(k, vmp, rotor, nv);
  leave(k, fr);
  return addr;
}

/**
 * models vmem_advance(): move a marker (the rotor or a walker) after `afterme`
 * (or off the list), merging the free segments it used to keep apart and
 * returning a span that became wholly free.
 */
function vmemAdvance(k: Kernel, vmp: Vmem, walker: VmemSeg, afterme: VmemSeg | null): void {
  const vprev = walker.aprev!;
  const vnext = walker.anext!;
  let vsp: VmemSeg | null = null;
  deleteA(walker);
  if (afterme !== null) insertA(afterme, walker);
  if (vprev.type === VMEM_FREE) {
    if (vnext.type === VMEM_FREE) {
      freelistDelete(vmp, vnext);
      freelistDelete(vmp, vprev);
      vprev.end = vnext.end;
      freelistInsert(vmp, vprev);
      segDestroy(vmp, vnext);
    }
    vsp = vprev;
  } else if (vnext.type === VMEM_FREE) vsp = vnext;
  if (vsp !== null && wholeImportedSpan(vmp, vsp)) {
    const a = vsp.start;
    const size = vsp.size;
    freelistDelete(vmp, vsp);
    spanDestroy(vmp, vsp);
    vmp.sourceFree!.free(k, vmp.source!, a, size);
  }
}

// ---- freeing -------------------------------------------------------------------

/**
 * models vmem_xfree(): free a segment, merge it with free neighbours, and give
 * its span back to the source if the span is now wholly free. Never sleeps.
 */
export function vmemXfree(k: Kernel, vmp: Vmem, addr: Kva, size: number): void {
  const fr = enter(k, vmem_xfree, 0b11, vmp.addr, addr, size);
  let vsp = hashLookupDelete(vmp, addr);
  const what = `vmem_hash_delete(${k.hex(vmp.addr)}, ${px(vmp, addr)}, ${size})`;
  if (vsp === null) vpanic(k, `${what}: bad free`);
  if (vsp.size !== size) vpanic(k, `${what}: wrong size (expect ${vsp.size})`);
  vmp.kstat.vk_free++;
  vmp.kstat.vk_mem_inuse -= size;

  vsp.end = p2roundup(vsp.end, vmp.quantum);
  const vnext = vsp.anext!;
  if (vnext.type === VMEM_FREE) {
    freelistDelete(vmp, vnext);
    vsp.end = vnext.end;
    segDestroy(vmp, vnext);
  }
  const vprev = vsp.aprev!;
  if (vprev.type === VMEM_FREE) {
    freelistDelete(vmp, vprev);
    vprev.end = vsp.end;
    segDestroy(vmp, vsp);
    vsp = vprev;
  }
  if (wholeImportedSpan(vmp, vsp)) {
    const a = vsp.start;
    const sz = vsp.size;
    spanDestroy(vmp, vsp);
    vmp.sourceFree!.free(k, vmp.source!, a, sz);
  } else freelistInsert(vmp, vsp);
  leave(k, fr);
}

/** models vmem_free(): the quantum cache for small sizes, vmem_xfree() otherwise. Never sleeps. */
export function vmemFree(k: Kernel, vmp: Vmem, addr: Kva, size: number): void {
  const fr = enter(k, vmem_free, 0b11, vmp.addr, addr, size);
  const qcacheOps = qcacheOpsByKernel.get(k);
  if (size >= 1 && size - 1 < vmp.qcacheMax && !vmp.qcacheBypass.delete(addr) && qcacheOps) {
    qcacheOps.free(k, qcacheFor(k, vmp, size), addr);
  } else vmemXfree(k, vmp, addr, size);
  leave(k, fr);
}

// ---- arenas ----------------------------------------------------------------------

/** models vmem_add(): add the span [vaddr, vaddr + size); returns vaddr, or 0 if no tags could be had */
export function* vmemAdd(k: Kernel, vmp: Vmem, vaddr: number, size: number, vmflag: number): KGen<number> {
  const fr = enter(k, vmem_add, 0b11, vmp.addr, vaddr, size, vmflag);
  if (vaddr === 0 || size === 0) vpanic(k, `vmem_add(${k.hex(vmp.addr)}, ${px(vmp, vaddr)}, ${size}): bad arguments`);
  if (yield* vmemPopulate(vmp, vmflag)) spanCreate(vmp, vaddr, size, 0);
  else vaddr = 0;
  leave(k, fr);
  return vaddr;
}

/**
 * models vmem_create(): an arena named `name` holding [base, base + size)
 * (none if both are 0), importing from `source` through afunc/ffunc, with
 * quantum caches up to qcacheMax. The vmem_t comes from the static vmem0[]
 * for the first VMEM_INITIAL arenas, then from the vmem_vmem arena.
 */
export function* vmemCreate(
  k: Kernel,
  name: string,
  base: number,
  size: number,
  quantum: number,
  afunc: VmemImportFn | null,
  ffunc: VmemReleaseFn | null,
  source: Vmem | null,
  qcacheMax: number,
  vmflag: number,
): KGen<Vmem | null> {
  const st = vmemState(k);
  const l = st.layout;
  const f0 = enter(k, vmem_create, 0b1000001, 0, base, size, quantum, afunc?.sym.addr ?? 0, ffunc?.sym.addr ?? 0, source?.addr ?? 0);
  const fr = enter(k, vmem_create_common, 0b1000001, 0, base, size, quantum);
  if (quantum <= 0 || !isPow2(quantum)) throw new Error(`vmem_create(${name}): quantum ${quantum} is not a power of 2`);
  const id = ++st.lastId;
  let addr: Kva;
  if (st.vmemArena) addr = yield* vmemAlloc(k, st.vmemArena, l.vmemSize, vmflag & VM_KMFLAGS);
  else if (id <= VMEM_INITIAL) addr = st.vmem0 + (id - 1) * l.vmemSize;
  else addr = k.bootAlloc(l.vmemSize);
  if (addr === 0) {
    leave(k, fr);
    leave(k, f0);
    return null;
  }
  const vmp = new Vmem(k, st, addr, { name, id, quantum, cflags: vmflag, source, afunc, ffunc });
  vmflag &= VM_KMFLAGS;

  let nqcache = Math.min(Math.floor(qcacheMax / quantum), VMEM_NQCACHE_MAX);
  // Arenas that cannot use quantum caches import in big chunks instead.
  if (vmp.cflags & VMC_NO_QCACHE) {
    vmp.minImport = vmemQcacheSlabsize(nqcache * quantum);
    nqcache = 0;
  }
  if (nqcache !== 0) {
    vmp.nqcache = nqcache;
    vmp.qcacheMax = nqcache * quantum;
    const qcacheOps = qcacheOpsByKernel.get(k);
    if (qcacheOps) createQcaches(k, vmp, qcacheOps);
  }

  const last = st.list[st.list.length - 1];
  if (last) last.next = vmp;
  st.list.push(vmp);

  if (vmp.cflags & VMC_POPULATOR) {
    st.populators.push(vmp);
    yield* vmemPopulate(vmp, vmflag | VM_PANIC);
  }
  if ((base !== 0 || size !== 0) && (yield* vmemAdd(k, vmp, base, size, vmflag)) === 0) {
    vmemDestroy(k, vmp);
    leave(k, fr);
    leave(k, f0);
    return null;
  }
  leave(k, fr);
  leave(k, f0);
  return vmp;
}

/** vmemCreate() where nothing may sleep (boot, tests). */
export function vmemCreateNow(
  k: Kernel,
  name: string,
  base: number,
  size: number,
  quantum: number,
  afunc: VmemImportFn | null,
  ffunc: VmemReleaseFn | null,
  source: Vmem | null,
  qcacheMax: number,
  vmflag: number,
): Vmem {
  const vmp = runNoSleep(vmemCreate(k, name, base, size, quantum, afunc, ffunc, source, qcacheMax, vmflag), 'vmem_create');
  if (!vmp) throw new Error(`vmem_create(${name}) failed`);
  return vmp;
}

/** models vmem_destroy(): warn about leaks, give every tag back to the global stock, free the vmem_t */
export function vmemDestroy(k: Kernel, vmp: Vmem): void {
  const st = vmp.st;
  const fr = enter(k, vmem_destroy, 0b1, vmp.addr);
  const i = st.list.indexOf(vmp);
  if (i >= 0) {
    st.list.splice(i, 1);
    if (i > 0) st.list[i - 1]!.next = vmp.next;
  }
  const qcacheOps = qcacheOpsByKernel.get(k);
  if (qcacheOps?.destroy) for (const h of vmp.qcache) qcacheOps.destroy(k, h);
  const leaked = vmemSize(vmp, VMEM_ALLOC);
  if (leaked !== 0)
    k.console(`WARNING: vmem_destroy('${vmp.name}'): leaked ${leaked} ${vmp.cflags & VMC_IDENTIFIER ? 'identifiers' : 'bytes'}`);
  if (vmp.hashTableAddr !== vmp.addr + st.layout.off.vm_hash0 && st.hashArena)
    vmemFree(k, st.hashArena, vmp.hashTableAddr, (vmp.hashMask + 1) * k.p.pointerSize);
  deleteA(vmp.rotor);
  for (let v = vmp.seg0.anext!; v !== vmp.seg0; ) {
    const next = v.anext!;
    putsegGlobal(st, v);
    v = next;
  }
  vmp.seg0.anext = vmp.seg0.aprev = vmp.seg0;
  while (vmp.segfree !== null) putsegGlobal(st, getseg(vmp));
  vmp.nsegfree = 0;
  if (st.vmemArena) vmemFree(k, st.vmemArena, vmp.addr, st.layout.vmemSize);
  leave(k, fr);
}

/** models vmem_contains(): is [vaddr, vaddr + size) inside one of the arena's spans? */
export function vmemContains(k: Kernel, vmp: Vmem, vaddr: number, size: number): boolean {
  const fr = enter(k, vmem_contains, 0b11, vmp.addr, vaddr, size);
  const end = vaddr + size;
  vmp.kstat.vk_contains++;
  let found = false;
  for (let v = vmp.seg0.knext!; v !== vmp.seg0; v = v.knext!) {
    vmp.kstat.vk_contains_search++;
    if (vaddr >= v.start && end - 1 <= v.end - 1) {
      found = true;
      break;
    }
  }
  leave(k, fr);
  return found;
}

/** models vmem_walk() (not VMEM_REENTRANT: fn must not change the arena): fn(start, size) per matching segment */
export function vmemWalk(vmp: Vmem, typemask: number, fn: (start: number, size: number) => void): void {
  if (typemask & VMEM_WALKER) return;
  const hits: VmemSeg[] = [];
  for (const v of vmp.segments()) if (v.type & typemask) hits.push(v);
  for (const v of hits) fn(v.start, v.size);
}

/** models vmem_size(): VMEM_ALLOC gives the bytes in use, VMEM_FREE the bytes free, both the total */
export function vmemSize(vmp: Vmem, typemask: number): number {
  let size = 0;
  if (typemask & VMEM_ALLOC) size += vmp.kstat.vk_mem_inuse;
  if (typemask & VMEM_FREE) size += vmp.kstat.vk_mem_total - vmp.kstat.vk_mem_inuse;
  return size;
}

/** models vmem_hash_rescale(): resize the hash table to about one segment per bucket */
export function vmemHashRescale(k: Kernel, vmp: Vmem): void {
  const oldSize = vmp.hashMask + 1;
  const newSize = hashTargetSize(vmp);
  if (oldSize / 2 <= newSize && newSize <= oldSize * 2) return;
  if (vmp.rescaling) return;
  const st = vmp.st;
  const fr = enter(k, vmem_hash_rescale, 0b1, vmp.addr);
  const bytes = newSize * k.p.pointerSize;
  vmp.rescaling = true;
  const table = st.hashArena
    ? runNoSleep(vmemAlloc(k, st.hashArena, bytes, VM_NOSLEEP), 'vmem_hash_rescale')
    : k.bootAlloc(bytes);
  vmp.rescaling = false;
  if (table !== 0) {
    const oldAddr = vmp.hashTableAddr;
    hashRebuild(vmp, newSize, table);
    if (oldAddr !== vmp.addr + st.layout.off.vm_hash0 && st.hashArena)
      vmemFree(k, st.hashArena, oldAddr, oldSize * k.p.pointerSize);
  }
  leave(k, fr);
}

/**
 * models vmem_update(), which the kernel runs every vmem_update_interval (15 s):
 * wake every waiter so it retries after kmem has reaped, and rescale every hash.
 */
export function vmemUpdate(k: Kernel): void {
  const fr = enter(k, vmem_update, 0);
  for (const vmp of [...vmemState(k).list]) {
    k.cvBroadcast(vmp.cvAddr);
    vmemHashRescale(k, vmp);
  }
  leave(k, fr);
}

/** vmem_list: every arena, in creation order */
export function vmemList(k: Kernel): readonly Vmem[] {
  return vmemState(k).list;
}

/** vmem_alloc and vmem_free as an arena's import functions (kmem_va from heap, for one) */
export const VMEM_ALLOC_IMPORT: VmemImportFn = { sym: vmem_alloc, alloc: vmemAlloc };
export const VMEM_FREE_RELEASE: VmemReleaseFn = { sym: vmem_free, free: vmemFree };

/**
 * models vmem_init(): the heap arena and vmem's own arenas, vmem_metadata
 * (importing from the heap in 8-page-qcache-sized chunks), vmem_seg (segment
 * structures), vmem_hash (hash tables) and vmem_vmem (vmem_t's, starting with
 * the static vmem0[]). heapAlloc/heapFree back the internal arenas with pages
 * (segkmem_alloc/segkmem_free). Runs at boot; nothing here sleeps.
 */
export function vmemInit(
  k: Kernel,
  heapName: string,
  heapStart: Kva,
  heapSize: number,
  heapQuantum: number,
  heapAlloc: VmemImportFn,
  heapFree: VmemReleaseFn,
  opts: { audit?: boolean } = {},
): Vmem {
  const st = vmemState(k, opts.audit);
  if (st.list.length > 0) throw new Error('vmem_init() called twice');
  const create = (
    name: string,
    base: number,
    size: number,
    quantum: number,
    afunc: VmemImportFn | null,
    ffunc: VmemReleaseFn | null,
    source: Vmem | null,
    qcacheMax: number,
    vmflag: number,
  ): Vmem => vmemCreateNow(k, name, base, size, quantum, afunc, ffunc, source, qcacheMax, vmflag);

  const heap = create(heapName, heapStart, heapSize, heapQuantum, null, null, null, 0, VM_SLEEP | VMC_POPULATOR);
  const metadata = create('vmem_metadata', 0, 0, heapQuantum, VMEM_ALLOC_IMPORT, VMEM_FREE_RELEASE, heap, 8 * heapQuantum,
    VM_SLEEP | VMC_POPULATOR | VMC_NO_QCACHE);
  st.metadataArena = metadata;
  st.segArena = create('vmem_seg', 0, 0, heapQuantum, heapAlloc, heapFree, metadata, 0, VM_SLEEP | VMC_POPULATOR);
  st.hashArena = create('vmem_hash', 0, 0, 8, heapAlloc, heapFree, metadata, 0, VM_SLEEP);
  const vsz = st.layout.vmemSize;
  const vmemArena = create('vmem_vmem', st.vmem0, VMEM_INITIAL * vsz, 1, heapAlloc, heapFree, metadata, 0, VM_SLEEP);
  st.vmemArena = vmemArena;
  // The arenas made so far live in vmem0[]: mark their slots allocated.
  for (let id = 0; id < st.lastId; id++) {
    runNoSleep(
      vmemXalloc(k, vmemArena, vsz, 1, 0, 0, st.vmem0 + id * vsz, st.vmem0 + (id + 1) * vsz, VM_NOSLEEP | VM_BESTFIT | VM_PANIC),
      'vmem_init',
    );
  }
  return heap;
}

