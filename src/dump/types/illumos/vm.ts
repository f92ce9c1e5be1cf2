/*
 * The VM system's structures mdb's ::memstat and page walkers read, as the
 * 2012 headers declare them for amd64: vnode_t (sys/vnode.h), page_t and
 * struct memseg (vm/page.h). Members the model does not fill read as zero.
 */
import type { CtfBuilder } from '../../ctf.js';

/** v_flag bits ::memstat tests (sys/vnode.h) */
export const VVMEXEC = 0x1000;
export const VISSWAPFS = 0x20000;
/** p_state bits (vm/page.h) */
export const P_FREE = 0x80;

export function declareVmTypes(b: CtfBuilder): void {
  if (!b.structs.has('krwlock_t')) b.struct('krwlock_t', 'struct _krwlock', [['_opaque', 'void *[1]']]);
  b.struct('vnode_t', 'struct vnode', [
    ['v_lock', 'kmutex_t'],
    ['v_flag', 'uint_t'],
    ['v_count', 'uint_t'],
    ['v_data', 'void *'],
    ['v_vfsp', 'struct vfs *'],
    ['v_stream', 'struct stdata *'],
    ['v_type', 'int'],
    ['v_rdev', 'ulong_t'],
    ['v_vfsmountedhere', 'struct vfs *'],
    ['v_op', 'struct vnodeops *'],
    ['v_pages', 'struct page *'],
    ['v_filocks', 'struct filock *'],
    ['v_shrlocks', 'struct shrlocklist *'],
    ['v_nbllock', 'krwlock_t'],
    ['v_cv', 'kcondvar_t'],
    ['v_locality', 'void *'],
    ['v_femhead', 'struct fem_head *'],
    ['v_path', 'char *'],
    ['v_rdcnt', 'uint_t'],
    ['v_wrcnt', 'uint_t'],
    ['v_mmap_read', 'u_longlong_t'],
    ['v_mmap_write', 'u_longlong_t'],
    ['v_mpssdata', 'void *'],
    ['v_fopdata', 'void *'],
    ['v_vsd_lock', 'kmutex_t'],
    ['v_vsd', 'struct vsd_node *'],
    ['v_xattrdir', 'struct vnode *'],
  ]);
  b.struct('page_t', 'struct page', [
    ['p_offset', 'uint64_t'],
    ['p_vnode', 'struct vnode *'],
    ['p_selock', 'int'],
    ['p_vpmref', 'uint_t'],
    ['p_hash', 'struct page *'],
    ['p_vpnext', 'struct page *'],
    ['p_vpprev', 'struct page *'],
    ['p_next', 'struct page *'],
    ['p_prev', 'struct page *'],
    ['p_lckcnt', 'ushort_t'],
    ['p_cowcnt', 'ushort_t'],
    ['p_cv', 'kcondvar_t'],
    ['p_io_cv', 'kcondvar_t'],
    ['p_iolock_state', 'uchar_t'],
    ['p_szc', 'uchar_t'],
    ['p_fsdata', 'uchar_t'],
    ['p_state', 'uchar_t'],
    ['p_nrm', 'uchar_t'],
    ['p_embed', 'uchar_t'],
    ['p_index', 'uchar_t'],
    ['p_toxic', 'uchar_t'],
    ['p_mapping', 'void *'],
    ['p_pagenum', 'ulong_t'],
    ['p_share', 'uint_t'],
    ['p_sharepad', 'uint_t'],
    ['p_slckcnt', 'uint_t'],
    ['p_mlentry', 'uint_t'],
    ['p_msresv_2', 'uint64_t'],
  ]);
  b.struct('struct memseg', 'struct memseg', [
    ['pages', 'page_t *'],
    ['epages', 'page_t *'],
    ['pages_base', 'ulong_t'],
    ['pages_end', 'ulong_t'],
    ['next', 'struct memseg *'],
    ['lnext', 'struct memseg *'],
    ['msegflags', 'uint_t'],
  ]);
}
