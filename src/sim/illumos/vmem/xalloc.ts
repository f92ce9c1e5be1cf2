/*
 * Allocation (vmem_alloc(), vmem_xalloc() and vmem_nextfit_alloc() in
 * uts/common/os/vmem.c): the quantum caches for small sizes, then one of the
 * fits. Instant fit takes the head of the first freelist whose members are all
 * big enough; VM_BESTFIT and VM_FIRSTFIT search (vmem_xalloc(), which also
 * honours alignment, phase, boundary and address window); VM_NEXTFIT walks
 * the arena from the rotor. When nothing fits, vmem_xalloc() imports a span
 * from the source, or reaps and waits for a free.
 */
import type { Kernel } from '../../machine/kernel.js';
import type { Kva } from '../../machine/platform.js';
import { func } from '../../machine/symbols.js';
import type { KGen } from '../../machine/thread.js';
import { VMEM_FREE, type VmemSeg } from './btag.js';
import { canAlloc, highbit, isPow2, p2boundary, p2nphase, p2phase, p2phaseup, p2roundup } from './freelist.js';
import { hashInsert } from './hash.js';
import { enter, leave, vpanic, type Vmem, type VmemImportFn } from './arena.js';
import {
  VMC_XALIGN,
  VMC_XALLOC,
  VM_ABORT,
  VM_BESTFIT,
  VM_ENDALLOC,
  VM_FIRSTFIT,
  VM_KMFLAGS,
  VM_NEXTFIT,
  VM_NOSLEEP,
  VM_PANIC,
} from './flags.js';
import {
  VMEM_MINFREE,
  VMEM_SEGS_PER_ALLOC_MAX,
  VMEM_SEGS_PER_EXACT_ALLOC,
  VMEM_SEGS_PER_LEFT_ALLOC,
  VMEM_SEGS_PER_SPAN_CREATE,
  vmemPopulate,
} from './populate.js';
import { qcacheFor, qcacheOpsOf, requestKmemReap } from './qcache.js';
import { px, segAlloc, segCreate, spanCreate } from './span.js';
import { vmemAdvance } from './free.js';
import { maybeGrowHash } from './update.js';
import { cvWaitOn } from '../kern/condvar.js';

const vmem_alloc = func('genunix', 'vmem_alloc', 0x1d0);
const vmem_xalloc = func('genunix', 'vmem_xalloc', 0x6f0);
const vmem_nextfit_alloc = func('genunix', 'vmem_nextfit_alloc', 0x2b0);

/** cv_wait(&vmp->vm_cv): before the first thread exists nothing could ever wake us */
function* waitForSpace(k: Kernel, vmp: Vmem): KGen<void> {
  if (!k.curthread) throw new Error(`simulator bug: boot allocation from ${vmp.name} would wait for space`);
  vmp.kstat.vk_wait++;
  // cv_wait(&vmp->vm_cv, &vmp->vm_lock): vm_lock is at the start of the vmem_t
  yield* cvWaitOn(k, vmp.cvAddr, vmp.addr);
}

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
      const a = yield* qcacheOpsOf(k)!.alloc(k, h, vmflag & VM_KMFLAGS);
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

/** vmem_alloc as an arena's import function (kmem_va imports from heap with it) */
export const VMEM_ALLOC_IMPORT: VmemImportFn = { sym: vmem_alloc, alloc: vmemAlloc };
