/*
 * The simulated illumos vmem allocator and the segkmem page supply: the
 * public surface (vmem.ts has the Big Theory comment).
 */
// everything vmem.ts exports (flags, arena operations, quantum-cache hooks)
export * from './vmem.js';
export {
  Vmem,
  VmemState,
  vmemState,
  vmemLayout,
  VMEM_INITIAL,
  VMEM_SEG_INITIAL,
  type VmemImportFn,
  type VmemReleaseFn,
  type VmemKstat,
  type VmemLayout,
} from './arena.js';
export { VmemSeg } from './btag.js';
export {
  PG_EXCL,
  PG_WAIT,
  PG_NORELOC,
  PG_PANIC,
  PG_PUSHPAGE,
  PG_NORMALPRI,
  PageSupply,
  pageInit,
  pageSupply,
  hasPageSupply,
  pageCreateVa,
  pageCreateWait,
  pageResv,
  pageUnresv,
  pageFree,
  pageCreateKernel,
  pageFreeKernel,
  pageCreateAnon,
  pageCreateAnonPages,
  pageCreateVaPages,
  swapAlloc,
  pageFreeAnon,
  type PageConfig,
} from './page.js';
export {
  SEGKMEM_ALLOC,
  SEGKMEM_FREE,
  SEGKMEM_ALLOC_PERMANENT,
  HAT_MEMLOAD_ALLOC,
  KMEM_FIREWALL_VA_ALLOC,
  KMEM_FIREWALL_VA_FREE,
  segkmemAlloc,
  segkmemXalloc,
  segkmemFree,
  kernelheapInit,
  kmemArenasInit,
  vmemInitIllumos,
  type IllumosArenas,
  type VmemBootOptions,
} from './segkmem.js';
export { collectVmem, vmemGlobalVars, type VmemGlobalVar } from './dump.js';
