/*
 * Boundary tags: vmem_seg_t.
 *
 * Every segment, span marker, list anchor and freelist head of an arena is a
 * VmemSeg. A segment sits on two lists at once: the arena list (vs_anext /
 * vs_aprev, every segment in address order) and a next-of-kin list (vs_knext /
 * vs_kprev) whose meaning depends on its type: the hash chain for an allocated
 * segment, the freelist for a free one, the span list for a span marker. Each
 * VmemSeg has the address of the vmem_seg_t it models, so the dump can write
 * the links as pointers.
 *
 * Segment structures come from a global free list (vmem_segfree), stocked at
 * boot from the static vmem_seg0[] array and later from the vmem_seg arena
 * (see vmem_populate() in vmem.ts); each arena keeps a private stock
 * (vm_segfree, vm_nsegfree) so that it never has to allocate a segment in the
 * middle of an operation.
 */
import type { Kva } from '../../machine/platform.js';

/** vs_type values (sys/vmem.h) */
export const VMEM_ALLOC = 0x01;
export const VMEM_FREE = 0x02;
export const VMEM_SPAN = 0x10;
export const VMEM_ROTOR = 0x20;
export const VMEM_WALKER = 0x40;

export class VmemSeg {
  /** vs_start: first integer of the segment (inclusive); 0 in a freelist head */
  start = 0;
  /** vs_end: end of the segment (exclusive); a freelist head holds its size class here */
  end = 0;
  /** vs_knext: next of kin (hash chain, freelist, span list, or segfree list) */
  knext: VmemSeg | null = null;
  /** vs_kprev */
  kprev: VmemSeg | null = null;
  /** vs_anext: next in the arena, address order */
  anext: VmemSeg | null = null;
  /** vs_aprev */
  aprev: VmemSeg | null = null;
  /** vs_type: VMEM_ALLOC, VMEM_FREE, VMEM_SPAN, VMEM_ROTOR, VMEM_WALKER, or 0 when unused */
  type = 0;
  /** vs_import: a span marker of a span imported from the source */
  imported = 0;
  /** vs_depth: pcs in stack (audited allocations) */
  depth = 0;
  /** vs_thread: the allocating kthread_t (audited allocations) */
  thread: Kva = 0;
  /** vs_timestamp: hrtime of the allocation (audited allocations) */
  timestamp = 0;
  /** vs_stack: the allocation's pcs, innermost first (audited allocations); shared, never mutated */
  stack: readonly Kva[] | null = null;
  /** index of the vm_freelist[] head this is, or -1 for every other tag (not a kernel field) */
  head = -1;

  constructor(
    /** address of the vmem_seg_t (inside the vmem_t for vm_seg0, vm_rotor and freelist heads) */
    readonly addr: Kva,
  ) {}

  /** VS_SIZE() */
  get size(): number {
    return this.end - this.start;
  }
}

/** VMEM_INSERT(vprev, vsp, a): put vsp after vprev on the arena list. */
export function insertA(vprev: VmemSeg, vsp: VmemSeg): void {
  const vnext = vprev.anext!;
  vsp.anext = vnext;
  vsp.aprev = vprev;
  vprev.anext = vsp;
  vnext.aprev = vsp;
}

/** VMEM_DELETE(vsp, a) */
export function deleteA(vsp: VmemSeg): void {
  const vprev = vsp.aprev!;
  const vnext = vsp.anext!;
  vprev.anext = vnext;
  vnext.aprev = vprev;
}

/** VMEM_INSERT(vprev, vsp, k): put vsp after vprev on a next-of-kin list. */
export function insertK(vprev: VmemSeg, vsp: VmemSeg): void {
  const vnext = vprev.knext!;
  vsp.knext = vnext;
  vsp.kprev = vprev;
  vprev.knext = vsp;
  vnext.kprev = vsp;
}

/** VMEM_DELETE(vsp, k) */
export function deleteK(vsp: VmemSeg): void {
  const vprev = vsp.kprev!;
  const vnext = vsp.knext!;
  vprev.knext = vnext;
  vnext.kprev = vprev;
}

/**
 * Interned allocation stacks: thousands of segments are allocated from the
 * same few call chains, so each distinct pc list is kept once.
 */
export class SegStacks {
  private byHash = new Map<number, Kva[][]>();

  intern(pcs: Kva[]): readonly Kva[] {
    let h = 0x811c9dc5;
    for (const pc of pcs) {
      h = Math.imul(h ^ (pc % 0x100000000), 0x01000193) >>> 0;
      h = Math.imul(h ^ Math.floor(pc / 0x100000000), 0x01000193) >>> 0;
    }
    const bucket = this.byHash.get(h);
    if (bucket) {
      for (const s of bucket) {
        if (s.length === pcs.length && s.every((pc, i) => pc === pcs[i])) return s;
      }
      bucket.push(pcs);
    } else this.byHash.set(h, [pcs]);
    return pcs;
  }
}
