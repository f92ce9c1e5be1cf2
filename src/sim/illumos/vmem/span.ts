/*
 * Spans and segments on an arena's list: creating and destroying tags, adding
 * and removing a span, and carving an allocation out of a free segment
 * (vmem_seg_create/destroy, vmem_span_create/destroy and vmem_seg_alloc in
 * uts/common/os/vmem.c). Nothing here sleeps or allocates: the tags come from
 * the arena's stock, which vmem_populate() filled beforehand.
 */
import { func } from '../../machine/symbols.js';
import { VMEM_SPAN, type VmemSeg, deleteA, deleteK, insertA, insertK } from './btag.js';
import { freelistDelete, freelistInsert, highbit, p2phase, p2roundup } from './freelist.js';
import { hashInsert } from './hash.js';
import { getseg, putseg, vpanic, type Vmem } from './arena.js';
import { VMC_IDENTIFIER } from './flags.js';

const vmem_seg_alloc = func('genunix', 'vmem_seg_alloc', 0x1c0);

/** %p of a value in this arena: addresses print as kernel addresses, identifiers as themselves */
export function px(vmp: Vmem, v: number): string {
  return vmp.cflags & VMC_IDENTIFIER ? v.toString(16) : vmp.k.hex(v);
}

/** models vmem_seg_create(): a new tag for [start, end) after vprev on the arena list */
export function segCreate(vmp: Vmem, vprev: VmemSeg, start: number, end: number): VmemSeg {
  const vsp = getseg(vmp);
  vsp.start = start;
  vsp.end = end;
  vsp.type = 0;
  vsp.imported = 0;
  insertA(vprev, vsp);
  return vsp;
}

/** models vmem_seg_destroy() */
export function segDestroy(vmp: Vmem, vsp: VmemSeg): void {
  deleteA(vsp);
  putseg(vmp, vsp);
}

/** models vmem_span_create(): add [vaddr, vaddr + size) as a span holding one free segment */
export function spanCreate(vmp: Vmem, vaddr: number, size: number, imported: number): VmemSeg {
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
export function spanDestroy(vmp: Vmem, vsp: VmemSeg): void {
  const span = vsp.aprev!;
  const size = vsp.size;
  if (span.imported) vmp.kstat.vk_mem_import -= size;
  vmp.kstat.vk_mem_total -= size;
  deleteK(span);
  segDestroy(vmp, vsp);
  segDestroy(vmp, span);
}

/** True when vsp is the only segment of an imported span that can go back to the source. */
export function wholeImportedSpan(vmp: Vmem, vsp: VmemSeg): boolean {
  const prev = vsp.aprev!;
  return prev.imported !== 0 && vmp.sourceFree !== null && prev.type === VMEM_SPAN && vsp.anext!.type === VMEM_SPAN;
}

/**
 * models vmem_seg_alloc(): carve [addr, addr + size) out of the free segment
 * vsp, returning the leftovers on either side to the freelists.
 */
export function segAlloc(vmp: Vmem, vsp: VmemSeg, addr: number, size: number): VmemSeg {
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
