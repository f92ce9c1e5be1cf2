/*
 * Power-of-two freelists (vmem.c section 2.3).
 *
 * A free segment of size s lives on vm_freelist[highbit(s) - 1]: list n holds
 * the free segments of size [2^n, 2^(n+1)). All lists are threaded into one
 * long next-of-kin list, the heads (vmem_freelist_t, inside the vmem_t) acting
 * as markers between them; a head has vs_start 0 and its size class 2^n in
 * vs_end, and the last head (index VMEM_FREELISTS) ends the chain.
 *
 * vm_freemap has bit n set exactly when list n is non-empty, so the first list
 * whose members are all big enough for a request is found with a couple of
 * bit operations: that is instant fit, and it makes allocation constant-time.
 * The map is 64 bits wide on LP64 and JavaScript bit operations are 32 bits
 * wide, so it is kept as two halves.
 */
import { VMEM_FREE, VmemSeg, deleteK, insertK } from './btag.js';
import type { Vmem } from './arena.js';
import type { Kva } from '../../machine/platform.js';

const TWO32 = 0x100000000;

/** highbit(): 1-based position of the highest set bit; 0 for 0. Exact for integers below 2^53. */
export function highbit(x: number): number {
  if (x <= 0) return 0;
  if (x >= TWO32) return 32 + (32 - Math.clz32(Math.floor(x / TWO32)));
  return 32 - Math.clz32(x);
}

/** True when x is 0 or a power of two: ((x & (x - 1)) == 0) in C. */
export function isPow2(x: number): boolean {
  return x === 0 || 2 ** (highbit(x) - 1) === x;
}

/** P2ROUNDUP(x, align) for a power-of-two align */
export function p2roundup(x: number, align: number): number {
  return Math.ceil(x / align) * align;
}

/** P2PHASE(x, align): x mod align */
export function p2phase(x: number, align: number): number {
  return ((x % align) + align) % align;
}

/** P2PHASEUP(x, align, phase): the smallest y >= x with y mod align == phase */
export function p2phaseup(x: number, align: number, phase: number): number {
  const r = p2phase(x - phase, align);
  return r === 0 ? x : x + (align - r);
}

/** P2NPHASE(x, align): how far x is below the next multiple of align */
export function p2nphase(x: number, align: number): number {
  return p2phase(-x, align);
}

/** P2BOUNDARY(off, len, align): [off, off + len) crosses a multiple of align */
export function p2boundary(off: number, len: number, align: number): boolean {
  if (align === 0) return false;
  return Math.floor(off / align) !== Math.floor((off + len - 1) / align);
}

/** vm_freemap: which freelists are non-empty. */
export class Freemap {
  lo = 0;
  hi = 0;

  set(n: number): void {
    if (n < 32) this.lo = (this.lo | (1 << n)) >>> 0;
    else this.hi = (this.hi | (1 << (n - 32))) >>> 0;
  }

  clear(n: number): void {
    if (n < 32) this.lo = (this.lo & ~(1 << n)) >>> 0;
    else this.hi = (this.hi & ~(1 << (n - 32))) >>> 0;
  }

  test(n: number): boolean {
    return n < 32 ? (this.lo & (1 << n)) !== 0 : (this.hi & (1 << (n - 32))) !== 0;
  }

  /**
   * The lowest non-empty list with index >= n, or -1:
   * lowbit(P2ALIGN(vm_freemap, 1 << n)) - 1 in the kernel.
   */
  firstFrom(n: number): number {
    if (n < 32) {
      const m = (this.lo & (~0 << n)) >>> 0;
      if (m !== 0) return 31 - Math.clz32(m & -m);
      n = 32;
    }
    if (n < 64) {
      const m = (this.hi & (~0 << (n - 32))) >>> 0;
      if (m !== 0) return 32 + 31 - Math.clz32(m & -m);
    }
    return -1;
  }

  /** the 64-bit value, for the dump */
  value(): bigint {
    return (BigInt(this.hi) << 32n) | BigInt(this.lo);
  }
}

/** The freelist heads of an arena at `base` (the address of vm_freelist[0]): VMEM_FREELISTS + 1 markers. */
export function makeFreelistHeads(base: Kva, nlists: number, headSize: number): VmemSeg[] {
  const heads: VmemSeg[] = [];
  for (let i = 0; i <= nlists; i++) {
    const h = new VmemSeg(base + i * headSize);
    h.head = i;
    h.end = i < nlists ? 2 ** i : 0;
    heads.push(h);
  }
  for (let i = 0; i <= nlists; i++) {
    heads[i]!.knext = i < nlists ? heads[i + 1]! : null;
    heads[i]!.kprev = i > 0 ? heads[i - 1]! : null;
  }
  return heads;
}

/** models vmem_freelist_insert(): put a segment on the list for its size and wake waiters. */
export function freelistInsert(vmp: Vmem, vsp: VmemSeg): void {
  const n = highbit(vsp.size) - 1;
  vsp.type = VMEM_FREE;
  vmp.freemap.set(n);
  insertK(vmp.freelist[n]!, vsp);
  // Anyone asleep in vmem_xalloc() waiting for space may now find it.
  vmp.k.cvBroadcast(vmp.cvAddr);
}

/** models vmem_freelist_delete() */
export function freelistDelete(vmp: Vmem, vsp: VmemSeg): void {
  const prev = vsp.kprev!;
  if (vsp.knext!.head >= 0 && prev.head >= 0) {
    // Both neighbours are heads: vsp was the last member of list prev.head.
    vmp.freemap.clear(prev.head);
  }
  deleteK(vsp);
}

/**
 * vmem_canalloc(): does some freelist surely hold a segment of `size` (no
 * constraints)? A non-power-of-two size can give a false negative.
 */
export function canAlloc(vmp: Vmem, size: number): boolean {
  if (isPow2(size)) return size > 0 && vmp.freemap.firstFrom(highbit(size) - 1) >= 0;
  const hb = highbit(size);
  return hb < vmp.nfreelists && vmp.freemap.firstFrom(hb) >= 0;
}
