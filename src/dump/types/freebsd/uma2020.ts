/*
 * UMA's structures as in the 2020 (13.0-CURRENT) sys/vm/uma_int.h: kegs
 * with per-domain slab lists and free-item counts (uk_domain[]), a reserve
 * (uk_reserve), zones with per-CPU cache buckets and per-domain bucket
 * caches, and slabs with a free bitset. Declared under the same names as the
 * 2004 layouts (dump/types/freebsd/uma.ts); a dump carries one era's.
 *
 * Variable-length tails are list columns, as in 2004: a zone's per-domain
 * full buckets are `struct uma_bucket` rows linked from uzd_buckets; a slab's
 * free items are the u32 list column `us_free` (its bitset words).
 */
import type { CtfBuilder } from '../../ctf.js';

export function declareUma2020Types(b: CtfBuilder, ncpus: number, ndomains: number): void {
  b.struct('struct uma_hash', undefined, [
    ['uh_slab_hash', 'struct slabhead *'],
    ['uh_hashsize', 'int'],
    ['uh_hashmask', 'int'],
  ]);
  b.struct('struct uma_domain', undefined, [
    ['ud_part_slab', 'LIST_HEAD'],
    ['ud_free_slab', 'LIST_HEAD'],
    ['ud_full_slab', 'LIST_HEAD'],
    ['ud_pages', 'u_int32_t'],
    ['ud_free_items', 'u_int32_t'],
    ['ud_free_slabs', 'u_int32_t'],
  ]);
  b.struct('struct uma_keg', undefined, [
    ['uk_lock', 'struct mtx'],
    ['uk_hash', 'struct uma_hash'],
    ['uk_zones', 'LIST_HEAD'],
    ['uk_dr', 'struct domainset_ref'],
    ['uk_align', 'u_int32_t'],
    ['uk_reserve', 'u_int32_t'],
    ['uk_size', 'u_int32_t'],
    ['uk_rsize', 'u_int32_t'],
    ['uk_init', 'uma_init'],
    ['uk_fini', 'uma_fini'],
    ['uk_allocf', 'uma_alloc'],
    ['uk_freef', 'uma_free'],
    ['uk_offset', 'u_long'],
    ['uk_kva', 'vm_offset_t'],
    ['uk_pgoff', 'u_int16_t'],
    ['uk_ppera', 'u_int16_t'],
    ['uk_ipers', 'u_int16_t'],
    ['uk_flags', 'u_int32_t'],
    ['uk_name', 'const char *'],
    ['uk_link', 'LIST_ENTRY'],
    ['uk_domain', `struct uma_domain [${ndomains}]`],
  ]);
  b.struct('struct uma_cache_bucket', undefined, [
    ['ucb_bucket', 'struct uma_bucket *'],
    ['ucb_cnt', 'int16_t'],
    ['ucb_entries', 'int16_t'],
    ['ucb_spare', 'u_int32_t'],
  ]);
  b.struct('struct uma_cache', undefined, [
    ['uc_freebucket', 'struct uma_cache_bucket'],
    ['uc_allocbucket', 'struct uma_cache_bucket'],
    ['uc_crossbucket', 'struct uma_cache_bucket'],
    ['uc_allocs', 'u_int64_t'],
    ['uc_frees', 'u_int64_t'],
  ]);
  b.struct('struct uma_zone_domain', undefined, [
    ['uzd_buckets', 'LIST_HEAD'],
    ['uzd_nitems', 'long'],
    ['uzd_imax', 'long'],
    ['uzd_imin', 'long'],
    ['uzd_wss', 'long'],
  ]);
  b.struct('struct uma_zone', undefined, [
    ['uz_flags', 'u_int32_t'],
    ['uz_size', 'u_int32_t'],
    ['uz_ctor', 'uma_ctor'],
    ['uz_dtor', 'uma_dtor'],
    ['uz_smr', 'void *'],
    ['uz_max_items', 'u_int64_t'],
    ['uz_bucket_max', 'u_int32_t'],
    ['uz_bucket_size', 'u_int16_t'],
    ['uz_bucket_size_max', 'u_int16_t'],
    ['uz_sleepers', 'u_int32_t'],
    ['uz_xdomain', 'u_int64_t'],
    ['uz_keg', 'struct uma_keg *'],
    ['uz_import', 'uma_import'],
    ['uz_release', 'uma_release'],
    ['uz_arg', 'void *'],
    ['uz_init', 'uma_init'],
    ['uz_fini', 'uma_fini'],
    ['uz_items', 'u_int64_t'],
    ['uz_sleeps', 'u_int64_t'],
    ['uz_link', 'LIST_ENTRY'],
    ['uz_name', 'const char *'],
    ['uz_allocs', 'u_int64_t'],
    ['uz_frees', 'u_int64_t'],
    ['uz_fails', 'u_int64_t'],
    ['uz_domain', `struct uma_zone_domain [${ndomains}]`],
    ['uz_cpu', `struct uma_cache [${ncpus}]`],
  ]);
  b.struct('struct uma_bucket', undefined, [
    ['ub_link', 'LIST_ENTRY'],
    ['ub_cnt', 'int16_t'],
    ['ub_entries', 'int16_t'],
    ['ub_seq', 'u_int32_t'],
    ['ub_bucket', 'void *[1]'],
  ]);
  b.struct('struct uma_slab', undefined, [
    ['us_link', 'LIST_ENTRY'],
    ['us_freecount', 'u_int16_t'],
    ['us_flags', 'u_int8_t'],
    ['us_domain', 'u_int8_t'],
    ['us_free', 'u_int32_t [1]'],
  ]);
  // what an off-page or hashed slab header carries besides the slab (uma_hash_slab)
  b.struct('struct uma_hash_slab', undefined, [
    ['uhs_slab', 'struct uma_slab'],
    ['uhs_hlink', 'LIST_ENTRY'],
    ['uhs_data', 'u_int8_t *'],
  ]);
}
