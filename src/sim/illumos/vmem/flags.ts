/*
 * vmem's flags (sys/vmem.h): what a caller may ask of an allocation, how an
 * arena is created, and which segments vmem_walk() and vmem_size() look at.
 */

/** allocation flags */
export const VM_SLEEP = 0x0;
export const VM_NOSLEEP = 0x1;
export const VM_PANIC = 0x2;
export const VM_PUSHPAGE = 0x4;
/** flags that mean the same to kmem (KM_*) */
export const VM_KMFLAGS = 0xff;
export const VM_BESTFIT = 0x100;
export const VM_FIRSTFIT = 0x200;
export const VM_NEXTFIT = 0x400;
/** segkmem: the HAT must not allocate (hat_memload arena) */
export const VM_MEMLOAD = 0x800;
/** segkmem: pages that must not be relocated */
export const VM_NORELOC = 0x1000;
/** give up instead of reaping and waiting */
export const VM_ABORT = 0x2000;
/** prefer high addresses */
export const VM_ENDALLOC = 0x4000;

/** arena creation flags */
export const VMC_POPULATOR = 0x00010000;
export const VMC_NO_QCACHE = 0x00020000;
export const VMC_IDENTIFIER = 0x00040000;
export const VMC_XALLOC = 0x00080000;
export const VMC_XALIGN = 0x00100000;
export const VMC_DUMPSAFE = 0x00200000;

/** vmem_walk() and vmem_size() type masks */
export { VMEM_ALLOC, VMEM_FREE, VMEM_SPAN, VMEM_ROTOR, VMEM_WALKER } from './btag.js';
export const VMEM_REENTRANT = 0x80000000;
