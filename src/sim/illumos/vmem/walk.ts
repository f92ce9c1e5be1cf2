/*
 * Looking at an arena without changing it (vmem_contains(), vmem_walk() and
 * vmem_size() in uts/common/os/vmem.c).
 */
import type { Kernel } from '../../machine/kernel.js';
import { func } from '../../machine/symbols.js';
import { VMEM_ALLOC, VMEM_FREE, VMEM_WALKER, type VmemSeg } from './btag.js';
import { enter, leave, type Vmem } from './arena.js';

const vmem_contains = func('genunix', 'vmem_contains', 0x90);

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
