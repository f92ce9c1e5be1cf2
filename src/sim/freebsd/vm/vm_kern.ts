/*
 * The kernel's wired memory (vm/vm_kern.c): kmem_malloc() and kmem_free()
 * on kmem_map, the submap UMA's page_alloc() gets its slabs from.
 *
 * kmem_malloc(kmem_map, size, flags) takes pages with VM_ALLOC_SYSTEM for
 * M_WAITOK and VM_ALLOC_INTERRUPT for M_NOWAIT. When pages are short an
 * M_NOWAIT call fails at once; an M_WAITOK call sleeps in VM_WAIT and tries
 * again, so it never returns NULL (Bosko's premise in the 2004 thread).
 */
import type { Kva } from '../../machine/platform.js';
import { func } from '../../machine/symbols.js';
import type { KGen } from '../../machine/thread.js';
import { VM_ALLOC_INTERRUPT, VM_ALLOC_SYSTEM, vmPageAlloc, vmPageFree, type Vm } from './vm_page.js';
import { vmWait } from './vm_pageout.js';

const kmem_malloc = func('kernel', 'kmem_malloc', 0x2f0);
const kmem_free = func('kernel', 'kmem_free', 0x60);

/** malloc(9) flags */
export const M_NOWAIT = 0x1;
export const M_WAITOK = 0x2;
export const M_ZERO = 0x100;
export const M_NOVM = 0x200;
export const M_USE_RESERVE = 0x400;

export interface KmemMap {
  /** address of the struct vm_map (the kmem_map variable points here) */
  addr: Kva;
  /** next never-used address, and the end of the submap */
  next: Kva;
  end: Kva;
  /** freed page-aligned ranges by size in pages, reused first (the map's free space) */
  free: Map<number, Kva[]>;
}

export function kmemMapCreate(vm: Vm, base: Kva, size: number): KmemMap {
  const addr = vm.k.sym.object('kernel', 'kmem_map_store', 0x80).addr;
  return { addr, next: base, end: base + size, free: new Map() };
}

function kva(map: KmemMap, pages: number, pagesize: number): Kva {
  const q = map.free.get(pages);
  if (q && q.length > 0) return q.pop()!;
  const a = map.next;
  if (a + pages * pagesize > map.end) throw new Error('simulator: kmem_map exhausted (raise kernel.physmem_mb or lower the load)');
  map.next += pages * pagesize;
  return a;
}

/** models kmem_malloc(): `size` bytes of wired pages in kmem_map, or 0 (M_NOWAIT only). */
export function* kmemMalloc(vm: Vm, map: KmemMap, size: number, flags: number): KGen<Kva> {
  const k = vm.k;
  const fr = k.enter(kmem_malloc, 0b1, map.addr, size, flags);
  const pages = Math.ceil(size / k.p.pagesize);
  const req = (flags & (M_NOWAIT | M_USE_RESERVE)) === M_NOWAIT ? VM_ALLOC_INTERRUPT : VM_ALLOC_SYSTEM;
  for (;;) {
    if (vmPageAlloc(vm, pages, req, true)) {
      k.tick(300 * pages);
      k.leave(fr);
      return kva(map, pages, k.p.pagesize);
    }
    if (flags & M_NOWAIT) {
      vm.kmemFails++;
      k.leave(fr);
      return 0;
    }
    yield* vmWait(vm);
  }
}

/** models kmem_free(): give `size` bytes at addr back to kmem_map and their pages to the free list. */
export function kmemFree(vm: Vm, map: KmemMap, addr: Kva, size: number): void {
  const k = vm.k;
  const fr = k.enter(kmem_free, 0b11, map.addr, addr, size);
  const pages = Math.ceil(size / k.p.pagesize);
  let q = map.free.get(pages);
  if (!q) map.free.set(pages, (q = []));
  q.push(addr);
  vmPageFree(vm, pages, true);
  k.leave(fr);
}
