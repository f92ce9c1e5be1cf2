/*
 * Freeing (vmem_xfree(), vmem_free() and vmem_advance() in
 * uts/common/os/vmem.c): a freed segment merges with its free neighbours at
 * once, so the arena list never holds two free segments side by side, and a
 * span of an importing arena goes back to its source as soon as it is wholly
 * free. Moving the rotor can also bring two free segments together, with the
 * same consequences, so vmem_advance() lives here too.
 */
import type { Kernel } from '../../machine/kernel.js';
import type { Kva } from '../../machine/platform.js';
import { func } from '../../machine/symbols.js';
import { VMEM_FREE, deleteA, insertA, type VmemSeg } from './btag.js';
import { freelistDelete, freelistInsert, p2roundup } from './freelist.js';
import { hashLookupDelete } from './hash.js';
import { enter, leave, vpanic, type Vmem, type VmemReleaseFn } from './arena.js';
import { qcacheFor, qcacheOpsOf } from './qcache.js';
import { px, segDestroy, spanDestroy, wholeImportedSpan } from './span.js';

const vmem_free = func('genunix', 'vmem_free', 0x90);
const vmem_xfree = func('genunix', 'vmem_xfree', 0x1a0);

/**
 * models vmem_xfree(): free a segment, merge it with free neighbours, and give
 * its span back to the source if the span is now wholly free. Never sleeps.
 */
export function vmemXfree(k: Kernel, vmp: Vmem, addr: Kva, size: number): void {
  const fr = enter(k, vmem_xfree, 0b11, vmp.addr, addr, size);
  let vsp = hashLookupDelete(vmp, addr);
  // the panic message is made only on the panic paths (not once per free)
  const what = (): string => `vmem_hash_delete(${k.hex(vmp.addr)}, ${px(vmp, addr)}, ${size})`;
  if (vsp === null) vpanic(k, `${what()}: bad free`);
  if (vsp.size !== size) vpanic(k, `${what()}: wrong size (expect ${vsp.size})`);
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
  const qcacheOps = qcacheOpsOf(k);
  if (size >= 1 && size - 1 < vmp.qcacheMax && !vmp.qcacheBypass.delete(addr) && qcacheOps) {
    qcacheOps.free(k, qcacheFor(k, vmp, size), addr);
  } else vmemXfree(k, vmp, addr, size);
  leave(k, fr);
}

/**
 * models vmem_advance(): move a marker (the rotor or a walker) after `afterme`
 * (or off the list), merging the free segments it used to keep apart and
 * returning a span that became wholly free.
 */
export function vmemAdvance(k: Kernel, vmp: Vmem, walker: VmemSeg, afterme: VmemSeg | null): void {
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

/** vmem_free as an arena's release function (kmem_va gives spans back to heap with it) */
export const VMEM_FREE_RELEASE: VmemReleaseFn = { sym: vmem_free, free: vmemFree };
