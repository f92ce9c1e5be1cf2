/*
 * The I/O path's structures: blkdev (uts/common/io/blkdev/blkdev.c, sys/blkdev.h),
 * the rootnex DMA handle and buf_t (the ZFS structures are in zfs.ts).
 */
import type { CtfBuilder } from '../../ctf.js';

export function declareIoTypes(b: CtfBuilder): void {
  b.struct('ddi_dma_cookie_t', undefined, [
    ['dmac_laddress', 'uint64_t'],
    ['dmac_size', 'size_t'],
    ['dmac_type', 'uint_t'],
  ]);
  b.struct('ddi_dma_attr_t', undefined, [
    ['dma_attr_version', 'uint_t'],
    ['dma_attr_addr_lo', 'uint64_t'],
    ['dma_attr_addr_hi', 'uint64_t'],
    ['dma_attr_count_max', 'uint64_t'],
    ['dma_attr_align', 'uint64_t'],
    ['dma_attr_burstsizes', 'uint_t'],
    ['dma_attr_minxfer', 'uint32_t'],
    ['dma_attr_maxxfer', 'uint64_t'],
    ['dma_attr_seg', 'uint64_t'],
    ['dma_attr_sgllen', 'int'],
    ['dma_attr_granular', 'uint32_t'],
    ['dma_attr_flags', 'uint_t'],
  ]);
  b.struct('bd_xfer_t', undefined, [
    ['x_dmah', 'void *'],
    ['x_dmac', 'ddi_dma_cookie_t'],
    ['x_ndmac', 'unsigned int'],
    ['x_kaddr', 'caddr_t'],
    ['x_nblks', 'size_t'],
    ['x_blkno', 'diskaddr_t'],
    ['x_flags', 'uint_t'],
  ]);
  b.struct('bd_xfer_impl_t', undefined, [
    ['i_public', 'bd_xfer_t'],
    ['i_linkage', 'list_node_t'],
    ['i_bd', 'struct bd *'],
    ['i_bp', 'struct buf *'],
    ['i_num_win', 'uint_t'],
    ['i_cur_win', 'uint_t'],
    ['i_offset', 'long'],
    ['i_func', 'int (*)()'],
    ['i_blkshift', 'uint_t'],
    ['i_len', 'size_t'],
    ['i_resid', 'size_t'],
  ]);
  b.struct('bd_t', 'struct bd', [
    ['d_dip', 'void *'],
    ['d_iomutex', 'kmutex_t'],
    ['d_cache', 'kmem_cache_t *'],
    ['d_waitq', 'list_t'],
    ['d_runq', 'list_t'],
    ['d_qsize', 'uint32_t'],
    ['d_qactive', 'uint32_t'],
    ['d_maxxfer', 'uint32_t'],
    ['d_blkshift', 'uint32_t'],
    ['d_numblks', 'uint64_t'],
    ['d_use_dma', 'boolean_t'],
    ['d_dma', 'ddi_dma_attr_t'],
    ['d_kiop', 'void *'],
    ['d_private', 'void *'],
  ]);
  b.struct('buf_t', 'struct buf', [
    ['b_flags', 'int'],
    ['b_forw', 'struct buf *'],
    ['b_back', 'struct buf *'],
    ['av_forw', 'struct buf *'],
    ['av_back', 'struct buf *'],
    ['b_bcount', 'size_t'],
    ['b_addr', 'caddr_t'],
    ['b_lblkno', 'diskaddr_t'],
    ['b_resid', 'size_t'],
    ['b_bufsize', 'size_t'],
    ['b_iodone', 'int (*)()'],
    ['b_error', 'int'],
    ['b_private', 'void *'],
  ]);
  // the device tree (sys/ddi_impldefs.h): the members devcfg.c and mdb's devinfo.c read
  b.struct('dev_info_t', 'struct dev_info', [
    ['devi_parent', 'struct dev_info *'],
    ['devi_child', 'struct dev_info *'],
    ['devi_sibling', 'struct dev_info *'],
    ['devi_binding_name', 'char *'],
    ['devi_addr', 'char *'],
    ['devi_nodeid', 'int'],
    ['devi_instance', 'int'],
    ['devi_ops', 'void *'],
    ['devi_driver_data', 'void *'],
    ['devi_sys_prop_ptr', 'void *'],
    ['devi_drv_prop_ptr', 'void *'],
    ['devi_hw_prop_ptr', 'void *'],
    ['devi_next', 'struct dev_info *'],
    ['devi_node_name', 'char *'],
    ['devi_node_state', 'int'],
    ['devi_state', 'uint_t'],
    ['devi_ref', 'int'],
    ['devi_major', 'uint_t'],
    ['devi_flags', 'uint_t'],
    ['devi_busy_thread', 'void *'],
    ['devi_circular', 'int'],
    ['devi_global_prop_list', 'void *'],
    ['devi_mdi_component', 'int'],
    ['devi_mdi_client', 'void *'],
  ]);
  b.struct('struct devnames', undefined, [
    ['dn_name', 'char *'],
    ['dn_flags', 'int'],
    ['dn_pl', 'void *'],
    ['dn_lock', 'kmutex_t'],
    ['dn_head', 'struct dev_info *'],
    ['dn_instance', 'int'],
    ['dn_inlist', 'void *'],
    ['dn_global_prop_ptr', 'void *'],
  ]);
  b.struct('rootnex_state_t', undefined, [
    ['r_dip', 'void *'],
    ['r_dmahdl_cache', 'kmem_cache_t *'],
    ['r_active_hdls', 'uint64_t'],
    ['r_noresources', 'uint64_t'],
  ]);
}
