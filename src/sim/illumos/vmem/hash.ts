/*
 * The allocated-segment hash (vmem.c section 2.2): every allocated segment is
 * on a chain hanging off vm_hash_table[VMEM_HASH(addr)], linked through
 * vs_knext, so vmem_free() finds the segment of an address in constant time.
 * An arena starts with the 16 buckets embedded in it (vm_hash0); the table is
 * rescaled to keep chains near length one (vmem_hash_rescale(), in vmem.ts,
 * which owns the allocation of new tables).
 */
import type { Kva } from '../../machine/platform.js';
import { callSiteOffset, func, type FuncSym } from '../../machine/symbols.js';
import { VMEM_ALLOC, type VmemSeg } from './btag.js';
import { highbit } from './freelist.js';
import type { Vmem } from './arena.js';
import { VMEM_STACK_DEPTH } from '../../../dump/types/illumos/vmem.js';

const vmem_hash_insert = func('genunix', 'vmem_hash_insert', 0xb0);
const getpcstack = func('unix', 'getpcstack', 0x70);

/**
 * VMEM_HASH_INDEX(): mixes the address with itself shifted by the table's
 * shift and twice that, drops the quantum bits, and masks. Addresses here are
 * Kva offsets (below 2^53), so the shifts are divisions.
 */
export function hashIndex(vmp: Vmem, a: number): number {
  const s = 2 ** vmp.hashShift;
  const mixed = a + Math.floor(a / s) + Math.floor(a / (s * s));
  return Math.floor(mixed / vmp.quantum) % (vmp.hashMask + 1);
}

/** getpcstack() as called from vmem_hash_insert(): that pc, then its caller `via`, then the thread's frames. */
function allocStack(vmp: Vmem, via: FuncSym): readonly Kva[] {
  const t = vmp.k.curthread;
  if (!t) return [];
  const pcs: Kva[] = [
    vmem_hash_insert.addr + callSiteOffset(vmem_hash_insert, getpcstack),
    via.addr + callSiteOffset(via, vmem_hash_insert),
  ];
  const frames = t.frames;
  for (let i = frames.length - 1; i >= 1 && pcs.length < VMEM_STACK_DEPTH; i--) {
    const f = frames[i]!;
    // the innermost frame is the one that called `via`; its recorded pc may be stale
    pcs.push(f.fn.addr + (i === frames.length - 1 ? callSiteOffset(f.fn, via) : f.pcOff));
  }
  return vmp.st.stacks.intern(pcs);
}

/** models vmem_hash_insert(): mark vsp allocated, chain it, audit it, count it. */
export function hashInsert(vmp: Vmem, vsp: VmemSeg, via: FuncSym): void {
  vsp.type = VMEM_ALLOC;
  const b = hashIndex(vmp, vsp.start);
  vsp.knext = vmp.hashTable[b] ?? null;
  vmp.hashTable[b] = vsp;
  if (vmp.st.audit) {
    const stack = allocStack(vmp, via);
    vsp.stack = stack;
    vsp.depth = stack.length;
    vsp.thread = vmp.k.curthread?.addr ?? 0;
    vsp.timestamp = vmp.k.now;
  } else {
    vsp.depth = 0;
  }
  vmp.kstat.vk_alloc++;
  vmp.kstat.vk_mem_inuse += vsp.size;
}

/**
 * models vmem_hash_delete(): unchain the allocated segment starting at addr.
 * Returns null for an address that is not allocated and the segment for a
 * size mismatch, leaving the panics to the caller, which has the kernel's words.
 */
export function hashLookupDelete(vmp: Vmem, addr: number): VmemSeg | null {
  const b = hashIndex(vmp, addr);
  let prev: VmemSeg | null = null;
  let vsp = vmp.hashTable[b] ?? null;
  while (vsp !== null) {
    if (vsp.start === addr) {
      if (prev) prev.knext = vsp.knext;
      else vmp.hashTable[b] = vsp.knext;
      return vsp;
    }
    vmp.kstat.vk_lookup++;
    prev = vsp;
    vsp = vsp.knext;
  }
  return null;
}

/** vmem_hash_rescale()'s target size: keeps the average chain length near one. */
export function hashTargetSize(vmp: Vmem): number {
  const nseg = vmp.kstat.vk_alloc - vmp.kstat.vk_free;
  return Math.max(16, 2 ** (highbit(3 * nseg + 4) - 2));
}

/** Move every allocated segment onto a new table of `size` buckets at `tableAddr`. */
export function hashRebuild(vmp: Vmem, size: number, tableAddr: Kva): void {
  const old = vmp.hashTable;
  vmp.hashTable = new Array<VmemSeg | null>(size).fill(null);
  vmp.hashTableAddr = tableAddr;
  vmp.hashMask = size - 1;
  vmp.hashShift = highbit(vmp.hashMask);
  for (let h = 0; h < old.length; h++) {
    let vsp = old[h] ?? null;
    while (vsp !== null) {
      const next = vsp.knext;
      const b = hashIndex(vmp, vsp.start);
      vsp.knext = vmp.hashTable[b] ?? null;
      vmp.hashTable[b] = vsp;
      vsp = next;
    }
  }
}
