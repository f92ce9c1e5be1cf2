/*
 * Callouts (sys/callo.h): callout_t, callout_list_t, callout_hash_t and
 * callout_table_t, as the timeout_generic() of 2012 lays them out on amd64.
 */
import type { CtfBuilder } from '../../ctf.js';

export function declareCalloutTypes(b: CtfBuilder): void {
  b.struct('callout_hash_t', 'struct callout_hash', [
    ['ch_head', 'void *'],
    ['ch_tail', 'void *'],
  ]);
  b.struct('callout_list_t', 'struct callout_list', [
    ['cl_next', 'struct callout_list *'],
    ['cl_prev', 'struct callout_list *'],
    ['cl_expiration', 'hrtime_t'],
    ['cl_callouts', 'callout_hash_t'],
    ['cl_flags', 'int'],
  ]);
  b.struct('callout_t', 'struct callout', [
    ['c_idnext', 'struct callout *'],
    ['c_idprev', 'struct callout *'],
    ['c_clnext', 'struct callout *'],
    ['c_clprev', 'struct callout *'],
    ['c_func', 'void (*)()'],
    ['c_arg', 'void *'],
    ['c_executor', 'kthread_t *'],
    ['c_done', 'kcondvar_t'],
    ['c_waiting', 'ushort_t'],
    ['c_xid', 'uint64_t'],
    ['c_list', 'callout_list_t *'],
  ]);
  b.struct('callout_table_t', 'struct callout_table', [
    ['ct_mutex', 'kmutex_t'],
    ['ct_free', 'callout_t *'],
    ['ct_lfree', 'callout_list_t *'],
    ['ct_short_id', 'uint64_t'],
    ['ct_long_id', 'uint64_t'],
    ['ct_idhash', 'callout_hash_t *'],
    ['ct_clhash', 'callout_hash_t *'],
    ['ct_kstat_data', 'void *'],
    ['ct_type', 'uint_t'],
    ['ct_suspend', 'uint_t'],
    ['ct_cyclic', 'void *'],
    ['ct_heap', 'void *'],
    ['ct_heap_num', 'ulong_t'],
    ['ct_heap_max', 'ulong_t'],
    ['ct_cache', 'kmem_cache_t *'],
    ['ct_lcache', 'kmem_cache_t *'],
    ['ct_gen_id', 'uint64_t'],
    ['ct_expired', 'callout_hash_t'],
    ['ct_taskq', 'void *'],
    ['ct_kstats', 'void *'],
    ['ct_nreap', 'int'],
    ['ct_qcyclic', 'void *'],
    ['ct_queue', 'callout_hash_t'],
  ]);
}
