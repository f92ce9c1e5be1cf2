/*
 * The vmem resource allocator's structures, as sys/vmem_impl.h declares them
 * (illumos uts/common/sys/vmem_impl.h): vmem_seg_t (a boundary tag),
 * vmem_freelist_t (a freelist head, shaped like the first four members of a
 * segment), vmem_kstat_t and vmem_t (an arena).
 *
 * One simplification: every vmem_kstat_t member is a kstat_named_t in the
 * kernel (a name, a data type and a union holding the value). Here each is a
 * plain uint64_t holding the value, so `vm_kstat.vk_mem_inuse` reads as the
 * number ::vmem prints.
 */
import type { CtfBuilder } from '../../ctf.js';

/** VMEM_STACK_DEPTH: pcs recorded in an audited segment */
export const VMEM_STACK_DEPTH = 20;
/** VMEM_NAMELEN */
export const VMEM_NAMELEN = 30;
/** VMEM_HASH_INITIAL: buckets in the hash embedded in the arena (vm_hash0) */
export const VMEM_HASH_INITIAL = 16;
/** VMEM_NQCACHE_MAX: at most this many quantum caches per arena */
export const VMEM_NQCACHE_MAX = 16;

/** The kstat members of vmem_kstat_t, in declaration order. */
export const VMEM_KSTAT_MEMBERS = [
  'vk_mem_inuse',
  'vk_mem_import',
  'vk_mem_total',
  'vk_source_id',
  'vk_alloc',
  'vk_free',
  'vk_wait',
  'vk_fail',
  'vk_lookup',
  'vk_search',
  'vk_populate_wait',
  'vk_populate_fail',
  'vk_contains',
  'vk_contains_search',
] as const;

/** Declares kmutex_t and kcondvar_t unless another types file already has. */
function declareSyncTypes(b: CtfBuilder): void {
  if (!b.structs.has('kmutex_t')) b.struct('kmutex_t', 'struct mutex', [['_opaque', 'void *[1]']]);
  if (!b.structs.has('kcondvar_t')) b.struct('kcondvar_t', 'struct _kcondvar', [['_opaque', 'ushort_t']]);
}

/** Declares vmem_seg_t, vmem_freelist_t, vmem_kstat_t and vmem_t for the builder's data model. */
export function declareVmemTypes(b: CtfBuilder): void {
  declareSyncTypes(b);
  b.struct('vmem_seg_t', 'struct vmem_seg', [
    ['vs_start', 'uintptr_t'],
    ['vs_end', 'uintptr_t'],
    ['vs_knext', 'vmem_seg_t *'],
    ['vs_kprev', 'vmem_seg_t *'],
    ['vs_anext', 'vmem_seg_t *'],
    ['vs_aprev', 'vmem_seg_t *'],
    ['vs_type', 'uint8_t'],
    ['vs_import', 'uint8_t'],
    ['vs_depth', 'uint8_t'],
    // present in the struct, filled in only when KMF_AUDIT is set
    ['vs_thread', 'kthread_t *'],
    ['vs_timestamp', 'hrtime_t'],
    ['vs_stack', `pc_t [${VMEM_STACK_DEPTH}]`],
  ]);
  b.struct('vmem_freelist_t', 'struct vmem_freelist', [
    ['vs_start', 'uintptr_t'],
    ['vs_end', 'uintptr_t'],
    ['vs_knext', 'vmem_seg_t *'],
    ['vs_kprev', 'vmem_seg_t *'],
  ]);
  b.struct(
    'vmem_kstat_t',
    'struct vmem_kstat',
    VMEM_KSTAT_MEMBERS.map((m): [string, string] => [m, 'uint64_t']),
  );
  // VMEM_FREELISTS is the number of bits in a pointer; there is one more head, the terminator.
  const nfreelists = b.dm.pointerSize * 8 + 1;
  b.struct('vmem_t', 'struct vmem', [
    ['vm_name', `char [${VMEM_NAMELEN}]`],
    ['vm_cv', 'kcondvar_t'],
    ['vm_lock', 'kmutex_t'],
    ['vm_id', 'uint32_t'],
    ['vm_mtbf', 'uint32_t'],
    ['vm_cflags', 'int'],
    ['vm_qshift', 'int'],
    ['vm_quantum', 'size_t'],
    ['vm_qcache_max', 'size_t'],
    ['vm_min_import', 'size_t'],
    ['vm_source_alloc', 'void *(*)()'],
    ['vm_source_free', 'void (*)()'],
    ['vm_source', 'vmem_t *'],
    ['vm_next', 'vmem_t *'],
    ['vm_ksp', 'kstat_t *'],
    ['vm_nsegfree', 'ssize_t'],
    ['vm_segfree', 'vmem_seg_t *'],
    ['vm_hash_table', 'vmem_seg_t **'],
    ['vm_hash_mask', 'size_t'],
    ['vm_hash_shift', 'size_t'],
    ['vm_freemap', 'ulong_t'],
    ['vm_seg0', 'vmem_seg_t'],
    ['vm_rotor', 'vmem_seg_t'],
    ['vm_hash0', `vmem_seg_t *[${VMEM_HASH_INITIAL}]`],
    ['vm_qcache', `void *[${VMEM_NQCACHE_MAX}]`],
    ['vm_freelist', `vmem_freelist_t [${nfreelists}]`],
    ['vm_kstat', 'vmem_kstat_t'],
  ]);
}
