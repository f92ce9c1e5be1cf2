/*
 * FreeBSD's vmem (sys/kern/subr_vmem.c, 2020): arenas and boundary tags.
 * bt_type is BT_TYPE_SPAN 1, BT_TYPE_SPAN_STATIC 2, BT_TYPE_FREE 3,
 * BT_TYPE_BUSY 4, BT_TYPE_CURSOR 5. vm_freelist has VMEM_MAXORDER lists:
 * exact sizes below VMEM_QCACHE_IDX_MAX-ish small orders, power-of-two
 * classes above (see subr_vmem.c's SIZE2ORDER).
 */
import type { CtfBuilder } from '../../ctf.js';

/**
 * VMEM_MAXORDER: (VMEM_OPTVALUE - 1) + sizeof(vmem_size_t) * NBBY - VMEM_OPTORDER,
 * with VMEM_OPTORDER 5: exact lists for the first 31 quanta, then power-of-two
 * classes. 58 on i386, 90 on amd64.
 */
export function vmemMaxOrder(pointerSize: 4 | 8): number {
  return (1 << 5) - 1 + pointerSize * 8 - 5;
}

export function declareVmemTypes(b: CtfBuilder, pointerSize: 4 | 8): void {
  b.struct('struct vmem_btag', undefined, [
    ['bt_seglist', 'TAILQ_ENTRY'],
    // a union in the kernel: bt_freelist for FREE tags, bt_hashlist for BUSY ones
    ['bt_freelist', 'LIST_ENTRY'],
    ['bt_start', 'vmem_addr_t'],
    ['bt_size', 'vmem_size_t'],
    ['bt_type', 'int'],
  ]);
  b.struct('struct vmem', undefined, [
    ['vm_cv', 'struct cv'],
    ['vm_lock', 'struct mtx'],
    ['vm_freetags', 'LIST_HEAD'],
    ['vm_nfreetags', 'int'],
    ['vm_nbusytag', 'int'],
    ['vm_inuse', 'vmem_size_t'],
    ['vm_size', 'vmem_size_t'],
    ['vm_limit', 'vmem_size_t'],
    ['vm_quantum_mask', 'vmem_size_t'],
    ['vm_quantum_shift', 'int'],
    // VMEM_NAME_MAX + 1
    ['vm_name', 'char [17]'],
    ['vm_seglist', 'TAILQ_HEAD'],
    ['vm_freelist', `LIST_HEAD [${vmemMaxOrder(pointerSize)}]`],
    ['vm_hashlist', 'struct vmem_hashlist *'],
    ['vm_hashsize', 'vmem_size_t'],
    ['vm_hash0', 'LIST_HEAD [16]'],
    ['vm_source', 'struct vmem *'],
    ['vm_importfn', 'vmem_import_t *'],
    ['vm_releasefn', 'vmem_release_t *'],
    ['vm_arg', 'void *'],
    ['vm_qcache_max', 'int'],
    ['vm_list', 'LIST_ENTRY'],
  ]);
}
