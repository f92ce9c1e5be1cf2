/*
 * Quantum caches: the kmem caches in front of an arena (vmem_create()'s
 * vm_qcache[], vmem_alloc()/vmem_free() for sizes up to vm_qcache_max in
 * uts/common/os/vmem.c), and the hooks through which vmem reaches kmem.
 */
import type { Kernel } from '../../machine/kernel.js';
import type { Kva } from '../../machine/platform.js';
import type { KGen } from '../../machine/thread.js';
import type { Vmem } from './arena.js';
import { highbit } from './freelist.js';
import { vmemList } from './create.js';

/**
 * What vmem needs from kmem (which imports vmem, so cannot be imported here):
 * kmem_cache_create() of a quantum cache, kmem_cache_alloc()/free() on it, and
 * optionally kmem_cache_destroy() and kmem_reap().
 */
export interface QcacheOps {
  create(k: Kernel, vmp: Vmem, name: string, size: number): unknown;
  alloc(k: Kernel, handle: unknown, vmflag: number): KGen<Kva>;
  free(k: Kernel, handle: unknown, addr: Kva): void;
  destroy?(k: Kernel, handle: unknown): void;
  /** kmem_reap(): vmem asks for it before waiting for space */
  reap?(k: Kernel): void;
}

/** kmem's entry points, per kernel (several simulated kernels may share a process). */
const qcacheOpsByKernel = new WeakMap<Kernel, QcacheOps>();

/** Install kmem's entry points (null to remove them). */
export function setQcacheOps(k: Kernel, ops: QcacheOps | null): void {
  if (ops) qcacheOpsByKernel.set(k, ops);
  else qcacheOpsByKernel.delete(k);
}

/** kmem's entry points for this kernel, if kmem is up. */
export function qcacheOpsOf(k: Kernel): QcacheOps | undefined {
  return qcacheOpsByKernel.get(k);
}

/**
 * kmem has arrived (kmem_init()): give every arena made before it the quantum
 * caches it asked for, so none are created later in some thread's context.
 */
export function vmemQcacheCreateAll(k: Kernel): void {
  const ops = qcacheOpsByKernel.get(k);
  if (!ops) return;
  for (const vmp of vmemList(k)) if (vmp.nqcache > 0 && vmp.qcache.length === 0) createQcaches(k, vmp, ops);
}

/** VMEM_QCACHE_SLABSIZE(): the slab size of an arena's quantum caches (kmem uses it) */
export function vmemQcacheSlabsize(max: number): number {
  return Math.max(2 ** highbit(3 * max), 64);
}

/** the kmem_cache_create() half of vmem_create(): one cache per multiple of the quantum */
export function createQcaches(k: Kernel, vmp: Vmem, ops: QcacheOps): void {
  for (let i = 0; i < vmp.nqcache; i++) {
    const size = (i + 1) * vmp.quantum;
    const h = ops.create(k, vmp, `${vmp.name}_${size}`, size);
    vmp.qcache.push(h);
    const a = (h as { addr?: unknown } | null)?.addr;
    vmp.qcacheAddr.push(typeof a === 'number' ? a : 0);
  }
}

/** The quantum cache for size, created now if kmem arrived after the arena; undefined without kmem. */
export function qcacheFor(k: Kernel, vmp: Vmem, size: number): unknown {
  const qcacheOps = qcacheOpsByKernel.get(k);
  if (!qcacheOps) return undefined;
  if (vmp.qcache.length === 0) createQcaches(k, vmp, qcacheOps);
  return vmp.qcache[Math.floor((size - 1) / vmp.quantum)];
}

/** kmem_reap() (kmem_reap_idspace() for an identifier arena is not distinguished), through the kmem ops */
export function requestKmemReap(k: Kernel): void {
  qcacheOpsByKernel.get(k)?.reap?.(k);
}
