/*
 * The vmem resource allocator, as illumos has it (uts/common/os/vmem.c;
 * Bonwick and Adams, "Magazines and Vmem", USENIX 2001).
 *
 * 1. Concepts
 *
 *   Arena.     A set of integers handed out in pieces: usually kernel virtual
 *              addresses, sometimes identifiers. Arenas form trees: an arena
 *              may *import* spans from its source (vm_source) by calling the
 *              source's allocation function (vm_source_alloc: vmem_alloc, or
 *              segkmem_alloc, which also backs the span with pages), and gives
 *              a span back (vm_source_free) once every segment in it is free.
 *   Span.      A contiguous range added to an arena, by vmem_add() (static,
 *              never returned) or by an import.
 *   Segment.   A span is cut into segments, each allocated or free. An
 *              allocated segment [a, a + size) is exactly one vmem_alloc(size)
 *              that returned a; adjacent free segments are always merged, so
 *              a span reads as alternating runs, and segments never cross a
 *              span's edge.
 *   Quantum.   The arena's unit: every allocation is quantum-aligned and a
 *              multiple of it in extent (the segment's vs_end records the size
 *              asked for; freeing rounds it back up).
 *   Quantum caches. Sizes up to vm_qcache_max are served by kmem caches
 *              named <arena>_<size> (kmem_va_4096 ...) whose slabs come from
 *              the arena: the per-CPU magazines make the hottest arenas scale.
 *              kmem lives above this module, so it installs its entry points
 *              with setQcacheOps(); without them these sizes go to the arena.
 *   Constraints. vmem_xalloc() takes an alignment, a phase within it, a
 *              boundary not to cross and an address window.
 *
 * 2. Representation (each with the invariant it makes cheap)
 *
 *   Arena list. Every tag of the arena on one circular list through the
 *              anchor vm_seg0: for each span, its SPAN marker then its
 *              segments in address order; spans in the order they were
 *              added; the VM_NEXTFIT rotor somewhere among them. A free
 *              segment's neighbours tell at once whether it can merge and
 *              whether it is a whole span.
 *   Kin lists. A span marker is also on the span list (through vm_seg0's
 *              vs_knext), a free segment on a freelist, an allocated segment
 *              on a hash chain.
 *   Freelists. Free segments of size [2^n, 2^(n+1)) on vm_freelist[n], with
 *              vm_freemap saying which lists are non-empty (freelist.ts).
 *              Instant fit takes the first segment of the first list whose
 *              members are all big enough: constant time. VM_BESTFIT and
 *              VM_FIRSTFIT search from the list below, which may hold a fit;
 *              VM_NEXTFIT walks the arena list from the rotor.
 *   Hash.      Allocated segments by start address (hash.ts), so a free finds
 *              its segment in constant time; the table grows with the count.
 *   Segment supply. Operations never allocate memory for tags midway: each
 *              arena keeps a stock of at least VMEM_MINFREE structures,
 *              refilled by vmem_populate() from the global list, which is
 *              refilled from the vmem_seg arena. Populating that arena needs
 *              tags from the arenas below it; they keep a reserve for this
 *              (the populators) and the four populate locks bound how many
 *              threads can be drawing on it.
 *
 * 3. Waiting. A VM_SLEEP allocation that can neither find nor import space
 *    asks kmem to reap, then sleeps on the arena's vm_cv until a free
 *    broadcasts it (every freelist insertion does). VM_NOSLEEP gives up and
 *    returns 0; VM_PANIC panics.
 *
 * Simulation notes: addresses are Kva offsets; an identifier arena
 * (VMC_IDENTIFIER) holds plain integers. The arena lock is not modelled:
 * simulated code runs without preemption until it sleeps, and vmem never
 * sleeps with it held. vmem_update()'s hash rescale also runs eagerly when an
 * arena's hash gets crowded, so lookups stay short whoever drives the clock.
 *
 * Where things are: flags.ts (sys/vmem.h), span.ts (tags, spans, carving a
 * segment), populate.ts (the segment supply and its budget), xalloc.ts
 * (vmem_alloc, vmem_xalloc and the fits), free.ts (vmem_free, vmem_xfree,
 * merging and giving spans back), qcache.ts (quantum caches and kmem's entry
 * points), create.ts (vmem_create, vmem_add, vmem_destroy, vmem_init, the arena
 * list), update.ts (vmem_update, hash rescaling), walk.ts (vmem_contains,
 * vmem_walk, vmem_size). This file is their public surface.
 */
export {
  VM_SLEEP,
  VM_NOSLEEP,
  VM_PANIC,
  VM_PUSHPAGE,
  VM_KMFLAGS,
  VM_BESTFIT,
  VM_FIRSTFIT,
  VM_NEXTFIT,
  VM_MEMLOAD,
  VM_NORELOC,
  VM_ABORT,
  VM_ENDALLOC,
  VMC_POPULATOR,
  VMC_NO_QCACHE,
  VMC_IDENTIFIER,
  VMC_XALLOC,
  VMC_XALIGN,
  VMC_DUMPSAFE,
  VMEM_ALLOC,
  VMEM_FREE,
  VMEM_SPAN,
  VMEM_ROTOR,
  VMEM_WALKER,
  VMEM_REENTRANT,
} from './flags.js';
export { VMEM_POPULATE_RESERVE, VMEM_MINFREE } from './populate.js';
export {
  setQcacheOps,
  vmemQcacheCreateAll,
  vmemQcacheSlabsize,
  requestKmemReap,
  type QcacheOps,
} from './qcache.js';
export { vmemAlloc, vmemXalloc, VMEM_ALLOC_IMPORT } from './xalloc.js';
export { vmemFree, vmemXfree, VMEM_FREE_RELEASE } from './free.js';
export { vmemAdd, vmemCreate, vmemCreateNow, vmemDestroy, vmemList, vmemInit } from './create.js';
export { vmemHashRescale, vmemUpdate } from './update.js';
export { vmemContains, vmemWalk, vmemSize } from './walk.js';
