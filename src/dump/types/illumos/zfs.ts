/*
 * The ZFS structures the zfs module's dcmds read (::spa, ::vdev, ::zio), laid
 * out as the 2012 illumos headers declare them on amd64:
 * uts/common/fs/zfs/sys/spa_impl.h (spa_t), vdev_impl.h (vdev_t, vdev_ops_t,
 * vdev_queue_t, vdev_cache_t), zio.h (zio_t, zio_link_t, zio_prop_t,
 * zbookmark_t), spa.h (blkptr_t, dva_t), space_map.h, txg.h and
 * sys/fs/zfs.h (vdev_stat_t). Enums are 4 bytes (ctf.ts names them).
 *
 * zio_t, zio_link_t and vdev_t are declared member for member (zio_cache's
 * and zio_link_cache's bufsize is their sizeof). spa_t is declared only up to
 * spa_l2cache, the last member the module reads: its real tail (sync state,
 * error logs, history, the deadman, ...) is not modelled, so `::sizeof spa_t`
 * is smaller than the spa_t that spa_add() allocates.
 */
import type { CtfBuilder } from '../../ctf.js';

/** ZIO_TYPES: NULL, READ, WRITE, FREE, CLAIM, IOCTL */
export const ZIO_TYPES = 6;

export function declareZfsTypes(b: CtfBuilder): void {
  const ts = b.structs.get('timestruc_t');
  if (ts) b.structs.set('timespec_t', ts);
  // spa.h
  b.struct('dva_t', undefined, [['dva_word', 'uint64_t [2]']]);
  b.struct('zio_cksum_t', undefined, [['zc_word', 'uint64_t [4]']]);
  b.struct('blkptr_t', 'struct blkptr', [
    ['blk_dva', 'dva_t [3]'],
    ['blk_prop', 'uint64_t'],
    ['blk_pad', 'uint64_t [2]'],
    ['blk_phys_birth', 'uint64_t'],
    ['blk_birth', 'uint64_t'],
    ['blk_fill', 'uint64_t'],
    ['blk_cksum', 'zio_cksum_t'],
  ]);
  // txg.h
  b.struct('txg_node_t', 'struct txg_node', [
    ['tn_next', 'struct txg_node *[4]'],
    ['tn_member', 'uint8_t [4]'],
  ]);
  b.struct('txg_list_t', 'struct txg_list', [
    ['tl_lock', 'kmutex_t'],
    ['tl_offset', 'size_t'],
    ['tl_head', 'txg_node_t *[4]'],
  ]);
  // space_map.h
  b.struct('space_map_t', 'struct space_map', [
    ['sm_root', 'avl_tree_t'],
    ['sm_space', 'uint64_t'],
    ['sm_start', 'uint64_t'],
    ['sm_size', 'uint64_t'],
    ['sm_shift', 'uint8_t'],
    ['sm_pad', 'uint8_t [3]'],
    ['sm_loaded', 'uint8_t'],
    ['sm_loading', 'uint8_t'],
    ['sm_load_cv', 'kcondvar_t'],
    ['sm_ops', 'void *'],
    ['sm_pp_root', 'avl_tree_t *'],
    ['sm_ppd', 'void *'],
    ['sm_lock', 'kmutex_t *'],
  ]);
  b.struct('space_map_obj_t', 'struct space_map_obj', [
    ['smo_object', 'uint64_t'],
    ['smo_objsize', 'uint64_t'],
    ['smo_alloc', 'uint64_t'],
  ]);
  // sys/fs/zfs.h
  b.struct('vdev_stat_t', 'struct vdev_stat', [
    ['vs_timestamp', 'hrtime_t'],
    ['vs_state', 'uint64_t'],
    ['vs_aux', 'uint64_t'],
    ['vs_alloc', 'uint64_t'],
    ['vs_space', 'uint64_t'],
    ['vs_dspace', 'uint64_t'],
    ['vs_rsize', 'uint64_t'],
    ['vs_esize', 'uint64_t'],
    ['vs_ops', `uint64_t [${ZIO_TYPES}]`],
    ['vs_bytes', `uint64_t [${ZIO_TYPES}]`],
    ['vs_read_errors', 'uint64_t'],
    ['vs_write_errors', 'uint64_t'],
    ['vs_checksum_errors', 'uint64_t'],
    ['vs_self_healed', 'uint64_t'],
    ['vs_scan_removing', 'uint64_t'],
    ['vs_scan_processed', 'uint64_t'],
  ]);
  // vdev_impl.h
  b.struct('vdev_ops_t', 'struct vdev_ops', [
    ['vdev_op_open', 'int (*)()'],
    ['vdev_op_close', 'void (*)()'],
    ['vdev_op_asize', 'uint64_t (*)()'],
    ['vdev_op_io_start', 'int (*)()'],
    ['vdev_op_io_done', 'void (*)()'],
    ['vdev_op_state_change', 'void (*)()'],
    ['vdev_op_hold', 'void (*)()'],
    ['vdev_op_rele', 'void (*)()'],
    ['vdev_op_type', 'char [16]'],
    ['vdev_op_leaf', 'boolean_t'],
  ]);
  b.struct('vdev_queue_t', 'struct vdev_queue', [
    ['vq_deadline_tree', 'avl_tree_t'],
    ['vq_read_tree', 'avl_tree_t'],
    ['vq_write_tree', 'avl_tree_t'],
    ['vq_pending_tree', 'avl_tree_t'],
    ['vq_lock', 'kmutex_t'],
  ]);
  b.struct('vdev_cache_t', 'struct vdev_cache', [
    ['vc_offset_tree', 'avl_tree_t'],
    ['vc_lastused_tree', 'avl_tree_t'],
    ['vc_lock', 'kmutex_t'],
  ]);
  b.struct('spa_aux_vdev_t', 'struct spa_aux_vdev', [
    ['sav_object', 'uint64_t'],
    ['sav_config', 'nvlist_t *'],
    ['sav_vdevs', 'vdev_t **'],
    ['sav_count', 'int'],
    ['sav_sync', 'boolean_t'],
    ['sav_pending', 'nvlist_t **'],
    ['sav_npending', 'uint_t'],
  ]);
  b.struct('vdev_t', 'struct vdev', [
    // common to all vdev types
    ['vdev_id', 'uint64_t'],
    ['vdev_guid', 'uint64_t'],
    ['vdev_guid_sum', 'uint64_t'],
    ['vdev_orig_guid', 'uint64_t'],
    ['vdev_asize', 'uint64_t'],
    ['vdev_min_asize', 'uint64_t'],
    ['vdev_max_asize', 'uint64_t'],
    ['vdev_ashift', 'uint64_t'],
    ['vdev_state', 'uint64_t'],
    ['vdev_prevstate', 'uint64_t'],
    ['vdev_ops', 'vdev_ops_t *'],
    ['vdev_spa', 'spa_t *'],
    ['vdev_tsd', 'void *'],
    ['vdev_name_vp', 'vnode_t *'],
    ['vdev_devid_vp', 'vnode_t *'],
    ['vdev_top', 'vdev_t *'],
    ['vdev_parent', 'vdev_t *'],
    ['vdev_child', 'vdev_t **'],
    ['vdev_children', 'uint64_t'],
    ['vdev_dtl', 'space_map_t [4]'],
    ['vdev_stat', 'vdev_stat_t'],
    ['vdev_expanding', 'boolean_t'],
    ['vdev_reopening', 'boolean_t'],
    ['vdev_open_error', 'int'],
    ['vdev_open_thread', 'kthread_t *'],
    ['vdev_crtxg', 'uint64_t'],
    // top-level vdev state
    ['vdev_ms_array', 'uint64_t'],
    ['vdev_ms_shift', 'uint64_t'],
    ['vdev_ms_count', 'uint64_t'],
    ['vdev_mg', 'metaslab_group_t *'],
    ['vdev_ms', 'metaslab_t **'],
    ['vdev_ms_list', 'txg_list_t'],
    ['vdev_dtl_list', 'txg_list_t'],
    ['vdev_txg_node', 'txg_node_t'],
    ['vdev_remove_wanted', 'boolean_t'],
    ['vdev_probe_wanted', 'boolean_t'],
    ['vdev_removing', 'uint64_t'],
    ['vdev_config_dirty_node', 'list_node_t'],
    ['vdev_state_dirty_node', 'list_node_t'],
    ['vdev_deflate_ratio', 'uint64_t'],
    ['vdev_islog', 'uint64_t'],
    ['vdev_ishole', 'uint64_t'],
    // leaf vdev state
    ['vdev_psize', 'uint64_t'],
    ['vdev_dtl_smo', 'space_map_obj_t'],
    ['vdev_dtl_node', 'txg_node_t'],
    ['vdev_wholedisk', 'uint64_t'],
    ['vdev_offline', 'uint64_t'],
    ['vdev_faulted', 'uint64_t'],
    ['vdev_degraded', 'uint64_t'],
    ['vdev_removed', 'uint64_t'],
    ['vdev_nparity', 'uint64_t'],
    ['vdev_path', 'char *'],
    ['vdev_devid', 'char *'],
    ['vdev_physpath', 'char *'],
    ['vdev_fru', 'char *'],
    ['vdev_not_present', 'uint64_t'],
    ['vdev_unspare', 'uint64_t'],
    ['vdev_last_try', 'hrtime_t'],
    ['vdev_nowritecache', 'boolean_t'],
    ['vdev_checkremove', 'boolean_t'],
    ['vdev_forcefault', 'boolean_t'],
    ['vdev_splitting', 'boolean_t'],
    ['vdev_delayed_close', 'boolean_t'],
    ['vdev_tmpoffline', 'uint8_t'],
    ['vdev_detached', 'uint8_t'],
    ['vdev_cant_read', 'uint8_t'],
    ['vdev_cant_write', 'uint8_t'],
    ['vdev_isspare', 'uint8_t'],
    ['vdev_isl2cache', 'uint8_t'],
    ['vdev_queue', 'vdev_queue_t'],
    ['vdev_cache', 'vdev_cache_t'],
    ['vdev_aux', 'spa_aux_vdev_t *'],
    ['vdev_probe_zio', 'zio_t *'],
    ['vdev_label_aux', 'vdev_aux_t'],
    ['vdev_dtl_lock', 'kmutex_t'],
    ['vdev_stat_lock', 'kmutex_t'],
    ['vdev_probe_lock', 'kmutex_t'],
  ]);
  // spa_impl.h: the leading members, through the aux vdevs (see above)
  b.struct('spa_t', 'struct spa', [
    ['spa_name', 'char [256]'],
    ['spa_comment', 'char *'],
    ['spa_avl', 'avl_node_t'],
    ['spa_config', 'nvlist_t *'],
    ['spa_config_syncing', 'nvlist_t *'],
    ['spa_config_splitting', 'nvlist_t *'],
    ['spa_load_info', 'nvlist_t *'],
    ['spa_config_txg', 'uint64_t'],
    ['spa_sync_pass', 'int'],
    ['spa_state', 'pool_state_t'],
    ['spa_inject_ref', 'int'],
    ['spa_sync_on', 'uint8_t'],
    ['spa_load_state', 'spa_load_state_t'],
    ['spa_import_flags', 'uint64_t'],
    ['spa_zio_taskq', `taskq_t *[${ZIO_TYPES}][4]`],
    ['spa_dsl_pool', 'dsl_pool_t *'],
    ['spa_is_initializing', 'boolean_t'],
    ['spa_normal_class', 'metaslab_class_t *'],
    ['spa_log_class', 'metaslab_class_t *'],
    ['spa_first_txg', 'uint64_t'],
    ['spa_final_txg', 'uint64_t'],
    ['spa_freeze_txg', 'uint64_t'],
    ['spa_load_max_txg', 'uint64_t'],
    ['spa_claim_max_txg', 'uint64_t'],
    ['spa_loaded_ts', 'timespec_t'],
    ['spa_meta_objset', 'objset_t *'],
    ['spa_vdev_txg_list', 'txg_list_t'],
    ['spa_root_vdev', 'vdev_t *'],
    ['spa_config_guid', 'uint64_t'],
    ['spa_load_guid', 'uint64_t'],
    ['spa_config_dirty_list', 'list_t'],
    ['spa_state_dirty_list', 'list_t'],
    ['spa_spares', 'spa_aux_vdev_t'],
    ['spa_l2cache', 'spa_aux_vdev_t'],
  ]);
  // zio.h
  b.struct('zbookmark_t', 'struct zbookmark', [
    ['zb_objset', 'uint64_t'],
    ['zb_object', 'uint64_t'],
    ['zb_level', 'int64_t'],
    ['zb_blkid', 'uint64_t'],
  ]);
  b.struct('zio_prop_t', 'struct zio_prop', [
    ['zp_checksum', 'enum zio_checksum'],
    ['zp_compress', 'enum zio_compress'],
    ['zp_type', 'dmu_object_type_t'],
    ['zp_level', 'uint8_t'],
    ['zp_copies', 'uint8_t'],
    ['zp_dedup', 'boolean_t'],
    ['zp_dedup_verify', 'boolean_t'],
  ]);
  b.struct('zio_link_t', 'struct zio_link', [
    ['zl_parent', 'zio_t *'],
    ['zl_child', 'zio_t *'],
    ['zl_parent_node', 'list_node_t'],
    ['zl_child_node', 'list_node_t'],
  ]);
  b.struct('zio_t', 'struct zio', [
    // core information about this I/O
    ['io_bookmark', 'zbookmark_t'],
    ['io_prop', 'zio_prop_t'],
    ['io_type', 'zio_type_t'],
    ['io_child_type', 'enum zio_child'],
    ['io_cmd', 'int'],
    ['io_priority', 'uint8_t'],
    ['io_reexecute', 'uint8_t'],
    ['io_state', 'uint8_t [2]'],
    ['io_txg', 'uint64_t'],
    ['io_spa', 'spa_t *'],
    ['io_bp', 'blkptr_t *'],
    ['io_bp_override', 'blkptr_t *'],
    ['io_bp_copy', 'blkptr_t'],
    ['io_parent_list', 'list_t'],
    ['io_child_list', 'list_t'],
    ['io_walk_link', 'zio_link_t *'],
    ['io_logical', 'zio_t *'],
    ['io_transform_stack', 'zio_transform_t *'],
    // callback info
    ['io_ready', 'void (*)()'],
    ['io_done', 'void (*)()'],
    ['io_private', 'void *'],
    ['io_prev_space_delta', 'int64_t'],
    ['io_bp_orig', 'blkptr_t'],
    // data represented by this I/O
    ['io_data', 'void *'],
    ['io_orig_data', 'void *'],
    ['io_size', 'uint64_t'],
    ['io_orig_size', 'uint64_t'],
    // stuff for the vdev stack
    ['io_vd', 'vdev_t *'],
    ['io_vsd', 'void *'],
    ['io_vsd_ops', 'const zio_vsd_ops_t *'],
    ['io_offset', 'uint64_t'],
    ['io_deadline', 'uint64_t'],
    ['io_timestamp', 'uint64_t'],
    ['io_offset_node', 'avl_node_t'],
    ['io_deadline_node', 'avl_node_t'],
    ['io_vdev_tree', 'avl_tree_t *'],
    // internal pipeline state
    ['io_flags', 'enum zio_flag'],
    ['io_stage', 'enum zio_stage'],
    ['io_pipeline', 'enum zio_stage'],
    ['io_orig_flags', 'enum zio_flag'],
    ['io_orig_stage', 'enum zio_stage'],
    ['io_orig_pipeline', 'enum zio_stage'],
    ['io_error', 'int'],
    ['io_child_error', 'int [4]'],
    ['io_children', 'uint64_t [4][2]'],
    ['io_child_count', 'uint64_t'],
    ['io_parent_count', 'uint64_t'],
    ['io_stall', 'uint64_t *'],
    ['io_gang_leader', 'zio_t *'],
    ['io_gang_tree', 'zio_gang_node_t *'],
    ['io_executor', 'void *'],
    ['io_waiter', 'void *'],
    ['io_lock', 'kmutex_t'],
    ['io_cv', 'kcondvar_t'],
    // FMA state
    ['io_cksum_report', 'zio_cksum_report_t *'],
    ['io_ena', 'uint64_t'],
    // taskq dispatching state
    ['io_tqent', 'taskq_ent_t'],
  ]);
}
