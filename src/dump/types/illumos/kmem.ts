/*
 * kmem's structures (sys/kmem_impl.h), as the dump describes them.
 */
import type { CtfBuilder } from '../../ctf.js';

/** KMEM_STACK_DEPTH */
const DEPTH = 15;

export function declareKmemTypes(b: CtfBuilder, ncpus: number): void {
  b.struct('kmem_bufctl_t', 'struct kmem_bufctl', [
    ['bc_next', 'struct kmem_bufctl *'],
    ['bc_addr', 'void *'],
    ['bc_slab', 'struct kmem_slab *'],
  ]);
  b.struct('kmem_bufctl_audit_t', 'struct kmem_bufctl_audit', [
    ['bc_next', 'struct kmem_bufctl *'],
    ['bc_addr', 'void *'],
    ['bc_slab', 'struct kmem_slab *'],
    ['bc_cache', 'kmem_cache_t *'],
    ['bc_timestamp', 'hrtime_t'],
    ['bc_thread', 'kthread_t *'],
    ['bc_lastlog', 'struct kmem_bufctl *'],
    ['bc_contents', 'void *'],
    ['bc_depth', 'int'],
    ['bc_stack', `pc_t [${DEPTH}]`],
  ]);
  b.struct('kmem_buftag_t', 'struct kmem_buftag', [
    ['bt_redzone', 'uint64_t'],
    ['bt_bufctl', 'kmem_bufctl_t *'],
    ['bt_bxstat', 'intptr_t'],
  ]);
  b.struct('kmem_slab_t', 'struct kmem_slab', [
    ['slab_cache', 'struct kmem_cache *'],
    ['slab_base', 'void *'],
    // an AVL node in cache_partial_slabs; a complete slab's list_node_t on
    // cache_complete_slabs overlays it (list_next, list_prev = avl_child[])
    ['slab_link', 'avl_node_t'],
    ['slab_head', 'struct kmem_bufctl *'],
    ['slab_refcnt', 'long'],
    ['slab_chunks', 'long'],
    ['slab_stuck_offset', 'uint32_t'],
    ['slab_later_count', 'uint16_t'],
    ['slab_flags', 'uint16_t'],
  ]);
  b.struct('kmem_magazine_t', 'struct kmem_magazine', [
    ['mag_next', 'void *'],
    ['mag_round', 'void *[1]'],
  ]);
  b.struct('kmem_maglist_t', undefined, [
    ['ml_list', 'kmem_magazine_t *'],
    ['ml_total', 'long'],
    ['ml_min', 'long'],
    ['ml_reaplimit', 'long'],
    ['ml_alloc', 'uint64_t'],
  ]);
  b.struct('kmem_magtype_t', 'struct kmem_magtype', [
    ['mt_magsize', 'short'],
    ['mt_align', 'int'],
    ['mt_minbuf', 'size_t'],
    ['mt_maxbuf', 'size_t'],
    ['mt_cache', 'struct kmem_cache *'],
  ]);
  b.struct('kmem_cpu_cache_t', 'struct kmem_cpu_cache', [
    ['cc_lock', 'kmutex_t'],
    ['cc_alloc', 'uint64_t'],
    ['cc_free', 'uint64_t'],
    ['cc_loaded', 'kmem_magazine_t *'],
    ['cc_ploaded', 'kmem_magazine_t *'],
    ['cc_flags', 'int'],
    ['cc_rounds', 'short'],
    ['cc_prounds', 'short'],
    ['cc_magsize', 'short'],
    ['cc_dump_rounds', 'short'],
    ['cc_dump_prounds', 'short'],
    ['cc_pad', 'char [6]'],
  ]);
  b.struct('kmem_cpu_log_header_t', 'struct kmem_cpu_log_header', [
    ['clh_lock', 'kmutex_t'],
    ['clh_current', 'char *'],
    ['clh_avail', 'size_t'],
    ['clh_chunk', 'int'],
    ['clh_hits', 'int'],
    ['clh_pad', 'char [96]'],
  ]);
  b.struct('kmem_log_header_t', 'struct kmem_log_header', [
    ['lh_lock', 'kmutex_t'],
    ['lh_base', 'char *'],
    ['lh_free', 'int *'],
    ['lh_chunksize', 'size_t'],
    ['lh_nchunks', 'int'],
    ['lh_head', 'int'],
    ['lh_tail', 'int'],
    ['lh_hits', 'int'],
    ['lh_cpu', `kmem_cpu_log_header_t [${ncpus}]`],
  ]);
  b.struct('kmem_cache_t', 'struct kmem_cache', [
    ['cache_slab_create', 'uint64_t'],
    ['cache_slab_destroy', 'uint64_t'],
    ['cache_slab_alloc', 'uint64_t'],
    ['cache_slab_free', 'uint64_t'],
    ['cache_alloc_fail', 'uint64_t'],
    ['cache_buftotal', 'uint64_t'],
    ['cache_bufmax', 'uint64_t'],
    ['cache_bufslab', 'uint64_t'],
    ['cache_reap', 'uint64_t'],
    ['cache_rescale', 'uint64_t'],
    ['cache_lookup_depth', 'uint64_t'],
    ['cache_depot_contention', 'uint64_t'],
    ['cache_depot_contention_prev', 'uint64_t'],
    ['cache_name', 'char [32]'],
    ['cache_bufsize', 'size_t'],
    ['cache_align', 'size_t'],
    ['cache_constructor', 'int (*)()'],
    ['cache_destructor', 'void (*)()'],
    ['cache_reclaim', 'void (*)()'],
    ['cache_move', 'int (*)()'],
    ['cache_private', 'void *'],
    ['cache_arena', 'vmem_t *'],
    ['cache_cflags', 'int'],
    ['cache_flags', 'int'],
    ['cache_mtbf', 'uint32_t'],
    ['cache_pad1', 'uint32_t'],
    ['cache_kstat', 'void *'],
    ['cache_link', 'list_node_t'],
    ['cache_lock', 'kmutex_t'],
    ['cache_chunksize', 'size_t'],
    ['cache_slabsize', 'size_t'],
    ['cache_maxchunks', 'size_t'],
    ['cache_bufctl', 'size_t'],
    ['cache_buftag', 'size_t'],
    ['cache_verify', 'size_t'],
    ['cache_contents', 'size_t'],
    ['cache_color', 'size_t'],
    ['cache_mincolor', 'size_t'],
    ['cache_maxcolor', 'size_t'],
    ['cache_hash_shift', 'size_t'],
    ['cache_hash_mask', 'size_t'],
    ['cache_complete_slabs', 'list_t'],
    ['cache_complete_slab_count', 'size_t'],
    ['cache_partial_slabs', 'avl_tree_t'],
    ['cache_partial_binshift', 'size_t'],
    ['cache_bufctl_cache', 'struct kmem_cache *'],
    ['cache_hash_table', 'kmem_bufctl_t **'],
    ['cache_defrag', 'void *'],
    ['cache_depot_lock', 'kmutex_t'],
    ['cache_magtype', 'kmem_magtype_t *'],
    ['cache_full', 'kmem_maglist_t'],
    ['cache_empty', 'kmem_maglist_t'],
    ['cache_dumpfreelist', 'void *'],
    ['cache_dumplog', 'void *'],
    // pads cache_cpu[] to a cache line (KMEM_CPU_CACHE_SIZE)
    ['cache_pad2', 'char [72]'],
    ['cache_cpu', `kmem_cpu_cache_t [${ncpus}]`],
  ]);
}
