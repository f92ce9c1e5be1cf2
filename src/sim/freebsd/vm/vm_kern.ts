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
  /** bytes mapped (vm_map's size, what the "too small" panic reports) */
  size: number;
}

export function kmemMapCreate(vm: Vm, base: Kva, size: number): KmemMap {
  const addr = vm.k.sym.object('kernel', 'kmem_map_store', 0x80).addr;
  return { addr, next: base, end: base + size, free: new Map(), size: 0 };
}

/** models vm_map_findspace() + vm_map_insert() in the submap: `pages` pages of VA, or 0 when the map is full. */
function kva(map: KmemMap, pages: number, pagesize: number): Kva {
  const q = map.free.get(pages);
  let a: Kva;
  if (q && q.length > 0) a = q.pop()!;
  else {
    if (map.next + pages * pagesize > map.end) return 0;
    a = map.next;
    map.next += pages * pagesize;
  }
  map.size += pages * pagesize;
  return a;
}

function unmap(map: KmemMap, addr: Kva, pages: number, pagesize: number): void {
  let q = map.free.get(pages);
  if (!q) map.free.set(pages, (q = []));
  q.push(addr);
  map.size -= pages * pagesize;
}

/** models kmem_malloc(): `size` bytes of wired pages in kmem_map, or 0 (M_NOWAIT only). */
export function* kmemMalloc(vm: Vm, map: KmemMap, size: number, flags: number): KGen<Kva> {
  const k = vm.k;
  const fr = k.enter(kmem_malloc, 0b1, map.addr, size, flags);
  const pages = Math.ceil(size / k.p.pagesize);
  const req = (flags & (M_NOWAIT | M_USE_RESERVE)) === M_NOWAIT ? VM_ALLOC_INTERRUPT : VM_ALLOC_SYSTEM;
  // the VA first: a full kmem_map is no shortage of pages, and waiting cannot cure it
  const a = kva(map, pages, k.p.pagesize);
  if (a === 0) {
    if (flags & M_NOWAIT) {
      vm.kmemFails++;
      k.leave(fr);
      return 0;
    }
    k.panic(`kmem_malloc(${size}): kmem_map too small: ${map.size} total allocated`);
  }
  for (;;) {
    if (vmPageAlloc(vm, pages, req, true)) {
      k.tick(300 * pages);
      k.leave(fr);
      return a;
    }
    if (flags & M_NOWAIT) {
      unmap(map, a, pages, k.p.pagesize);
      vm.kmemFails++;
      k.leave(fr);
      return 0;
    }
    // VM_WAIT with the range mapped, then retry the pages
    yield* vmWait(vm);
  }
}

/** models kmem_free(): give `size` bytes at addr back to kmem_map and their pages to the free list. */
export function kmemFree(vm: Vm, map: KmemMap, addr: Kva, size: number): void {
  const k = vm.k;
  const fr = k.enter(kmem_free, 0b11, map.addr, addr, size);
  const pages = Math.ceil(size / k.p.pagesize);
  unmap(map, addr, pages, k.p.pagesize);
  vmPageFree(vm, pages, true);
  k.leave(fr);
}
