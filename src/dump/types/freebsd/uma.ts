/*
 * UMA's structures as in the 2004-2005 sys/vm/uma_int.h: kegs (the slab
 * layer), zones (per-CPU caches and bucket lists over a keg), slab headers
 * and buckets.
 *
 * Variable-length tails are declared with one element, as the C source does
 * (us_freelist[1], ub_bucket[]); the dump stores the whole array of each
 * object as a list column (`us_freelist`, `ub_bucket`), which walkers read.
 * An uma_slab_refcnt's freelist entries also carry a 32-bit us_refcnt in
 * the kernel; the dump models the item index only.
 */
import type { CtfBuilder } from '../../ctf.js';

export function declareUmaTypes(b: CtfBuilder, ncpus: number): void {
  b.struct('struct uma_hash', undefined, [
    ['uh_slab_hash', 'struct slabhead *'],
    ['uh_hashsize', 'int'],
    ['uh_hashmask', 'int'],
  ]);
  b.struct('struct uma_keg', undefined, [
    ['uk_link', 'LIST_ENTRY'],
    ['uk_lock', 'struct mtx'],
    ['uk_hash', 'struct uma_hash'],
    ['uk_zones', 'LIST_HEAD'],
    ['uk_part_slab', 'LIST_HEAD'],
    ['uk_free_slab', 'LIST_HEAD'],
    ['uk_full_slab', 'LIST_HEAD'],
    ['uk_recurse', 'u_int32_t'],
    ['uk_align', 'u_int32_t'],
    ['uk_pages', 'u_int32_t'],
    ['uk_free', 'u_int32_t'],
    ['uk_size', 'u_int32_t'],
    ['uk_rsize', 'u_int32_t'],
    ['uk_maxpages', 'u_int32_t'],
    ['uk_init', 'uma_init'],
    ['uk_fini', 'uma_fini'],
    ['uk_allocf', 'uma_alloc'],
    ['uk_freef', 'uma_free'],
    ['uk_obj', 'struct vm_object *'],
    ['uk_kva', 'vm_offset_t'],
    ['uk_slabzone', 'struct uma_zone *'],
    ['uk_pgoff', 'u_int16_t'],
    ['uk_ppera', 'u_int16_t'],
    ['uk_ipers', 'u_int16_t'],
    ['uk_flags', 'u_int32_t'],
  ]);
  b.struct('struct uma_cache', undefined, [
    ['uc_freebucket', 'struct uma_bucket *'],
    ['uc_allocbucket', 'struct uma_bucket *'],
    ['uc_allocs', 'u_int64_t'],
    ['uc_frees', 'u_int64_t'],
  ]);
  b.struct('struct uma_zone', undefined, [
    ['uz_name', 'char *'],
    ['uz_lock', 'struct mtx *'],
    ['uz_keg', 'struct uma_keg *'],
    ['uz_link', 'LIST_ENTRY'],
    ['uz_full_bucket', 'LIST_HEAD'],
    ['uz_free_bucket', 'LIST_HEAD'],
    ['uz_ctor', 'uma_ctor'],
    ['uz_dtor', 'uma_dtor'],
    ['uz_init', 'uma_init'],
    ['uz_fini', 'uma_fini'],
    ['uz_allocs', 'u_int64_t'],
    ['uz_frees', 'u_int64_t'],
    ['uz_fails', 'u_int64_t'],
    ['uz_fills', 'uint16_t'],
    ['uz_count', 'uint16_t'],
    ['uz_cpu', `struct uma_cache [${ncpus}]`],
  ]);
  b.struct('struct uma_bucket', undefined, [
    ['ub_link', 'LIST_ENTRY'],
    ['ub_cnt', 'int16_t'],
    ['ub_entries', 'int16_t'],
    ['ub_bucket', 'void *[1]'],
  ]);
  const slabHead: Array<[string, string]> = [
    ['us_keg', 'struct uma_keg *'],
    ['us_link', 'LIST_ENTRY'],
    ['us_hlink', 'SLIST_ENTRY'],
    ['us_data', 'u_int8_t *'],
    ['us_flags', 'u_int8_t'],
    ['us_freecount', 'u_int8_t'],
    ['us_firstfree', 'u_int8_t'],
  ];
  b.struct('struct uma_slab', undefined, [...slabHead, ['us_freelist', 'u_int8_t [1]']]);
  b.struct('struct uma_slab_refcnt', undefined, [...slabHead, ['us_freelist', 'u_int8_t [1]']]);
}
