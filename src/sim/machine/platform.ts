/*
 * Platforms: where things live in the kernel's virtual address space.
 *
 * Addresses inside the simulator are `Kva` numbers: byte offsets from the
 * platform's kvaBase. amd64 kernel addresses (0xfffffd80_00000000 and up)
 * exceed 2^53 and cannot be held in a JS number, but their offsets from the
 * base are below 2^42 and are exact. They become 64-bit bigints only at the
 * dump boundary (toAddr), as the format requires.
 */

/** A kernel virtual address, as a byte offset from Platform.kvaBase (exact below 2^53). */
export type Kva = number;

export interface Platform {
  /** "i86pc" */
  name: string;
  isa: 'amd64' | 'i386';
  pointerSize: 4 | 8;
  pagesize: number;
  /** the lowest kernel virtual address, as a bigint */
  kvaBase: bigint;
  /** kernel text (genunix, unix and module text): functions get addresses here */
  textBase: Kva;
  /** kernel data and bss: globals */
  dataBase: Kva;
  /** segkp: thread stacks */
  segkpBase: Kva;
  segkpSize: number;
  /** the kernel heap (heap_arena): everything kmem and vmem hand out */
  heapBase: Kva;
  heapSize: number;
  /** default kernel stack size (DEFAULTSTKSZ) */
  stackSize: number;
}

// illumos amd64 (i86pc): kernelbase 0xfffffd8000000000; segkp around
// 0xffffff0000000000 and the heap above 0xffffff0100000000, which is where the
// seed's stack (ffffff0008ad6280) and thread (ffffff01f0dc2880) addresses fall.
const AMD64_BASE = 0xfffffd8000000000n;
const off = (a: bigint): number => Number(a - AMD64_BASE);

export const I86PC: Platform = {
  name: 'i86pc',
  isa: 'amd64',
  pointerSize: 8,
  pagesize: 4096,
  kvaBase: AMD64_BASE,
  textBase: off(0xfffffffffb800000n),
  dataBase: off(0xfffffffffbc00000n),
  segkpBase: off(0xffffff0008000000n),
  segkpSize: 2 * 1024 * 1024 * 1024,
  heapBase: off(0xffffff01c0000000n),
  heapSize: 64 * 1024 * 1024 * 1024,
  stackSize: 0x5000,
};

// FreeBSD i386: KERNBASE 0xc0000000, the kernel linked at 0xc0400000 (text,
// then data and bss), kmem_map's submap of kernel_map from 0xc1400000, and
// kernel stacks (KSTACK_PAGES 2) further up in kernel_map.
const I386_BASE = 0xc0000000n;

export const I386_FREEBSD: Platform = {
  name: 'i386',
  isa: 'i386',
  pointerSize: 4,
  pagesize: 4096,
  kvaBase: I386_BASE,
  textBase: 0x00400000,
  dataBase: 0x00900000,
  segkpBase: 0x1d000000,
  segkpSize: 0x02000000,
  heapBase: 0x01400000,
  heapSize: 0x1bc00000,
  stackSize: 0x2000,
};

// FreeBSD amd64 (2020): the direct map at 0xfffff80000000000 (the lowest
// kernel address, so offsets are from there), kernel_map's KVA from
// VM_MIN_KERNEL_ADDRESS 0xfffffe0000000000, the kernel linked at KERNBASE
// 0xffffffff80000000. amd64's kernel_map is hundreds of GB; the model gives
// kernel_arena and buffer_arena the first 512 GB of it (a scenario's kva_mb
// and buf_kva_mb choose how much) and puts thread stacks after them.
const FBSD_AMD64_BASE = 0xfffff80000000000n;
const foff = (a: bigint): number => Number(a - FBSD_AMD64_BASE);

export const AMD64_FREEBSD: Platform = {
  name: 'amd64',
  isa: 'amd64',
  pointerSize: 8,
  pagesize: 4096,
  kvaBase: FBSD_AMD64_BASE,
  textBase: foff(0xffffffff80200000n),
  dataBase: foff(0xffffffff81800000n),
  segkpBase: foff(0xfffffe8000000000n),
  segkpSize: 0x10000000,
  heapBase: foff(0xfffffe0000000000n),
  heapSize: 512 * 1024 * 1024 * 1024,
  stackSize: 0x4000,
};

/** where amd64's direct map starts, as an offset (0: it is the base) */
export const AMD64_FREEBSD_DMAP: Kva = 0;

export function toAddr(p: Platform, kva: Kva): bigint {
  return kva === 0 ? 0n : p.kvaBase + BigInt(kva);
}

/** hex without 0x, as illumos prints addresses in panic messages */
export function hexAddr(p: Platform, kva: Kva): string {
  return toAddr(p, kva).toString(16);
}
