/*
 * The parameters of the functions on the #2911 stacks (illumos-gate, 2012):
 * the first six, which an amd64 kernel built with -save_args keeps on the
 * stack and mdb's $c shows. k: a kernel pointer or NULL; u: a user address;
 * n: a number; s: an address in the thread's own stack.
 */
export const SIG = new Map<string, string>(
  Object.entries({
    vpanic: 'kk', assfail: 'kkn', kmem_cache_alloc: 'kn', kmem_alloc: 'nn', kmem_slab_alloc: 'kn', kmem_slab_create: 'kn',
    bd_xfer_alloc: 'kkkn', bd_strategy: 'k', bdev_strategy: 'k', ldi_strategy: 'kk', vdev_disk_io_start: 'k',
    zio_vdev_io_start: 'k', zio_execute: 'k', zio_nowait: 'k', zio_wait: 'k', vdev_mirror_io_start: 'k',
    arc_read_nolock: 'kkkkkn', arc_read: 'kkkkkk', dsl_read: 'kkkkkk', dbuf_prefetch: 'kn', dmu_zfetch_fetch: 'knn',
    dmu_zfetch_dofetch: 'kk', dmu_zfetch_find: 'ksn', dmu_zfetch: 'knnn', dbuf_read: 'kkn', dbuf_read_impl: 'kks',
    dmu_buf_hold_array_by_dnode: 'knnnks', dmu_buf_hold_array: 'knnnnk', dmu_read_uio: 'knsn', zfs_read: 'ksnkk',
    fop_read: 'ksnkk', read: 'nun', read32: 'nun', brand_sys_sysenter: '', sys_syscall: '',
    dbuf_write: 'kks', dbuf_sync_leaf: 'ks', dsl_pool_sync: 'kn', spa_sync: 'kn', txg_sync_thread: 'k',
    txg_thread_wait: 'kskn', cv_timedwait: 'kkn', cv_wait: 'kk', swtch: '', thread_start: '',
    page_create_throttle: 'nn', page_create_wait: 'nn', page_create_va: 'knnnkn', anon_zero: 'knsk',
    segvn_fault: 'kknnnn', as_fault: 'kknnnn', pagefault: 'nnnn', trap: 'snn', cmntrap: '',
    segkmem_page_create: 'knnk', segkmem_xalloc: 'knnnnk', segkmem_alloc_vn: 'knnk', segkmem_alloc: 'knn',
    segkmem_zio_alloc: 'knn', vmem_xalloc: 'knnnnn', vmem_alloc: 'knn', zio_data_buf_alloc: 'n', zio_buf_alloc: 'n',
    arc_buf_alloc: 'knkn', dbuf_dirty: 'kk', dmu_write_uio_dbuf: 'ksnk', zfs_write: 'ksnkk', fop_write: 'ksnkk',
    write: 'nun', nanosleep: 'uu', cv_waituntil_sig: 'kksn', cv_timedwait_sig_hires: 'kknnn', taskq_thread: 'k',
    taskq_thread_wait: 'kkksn', pageout: '', sched: '', main: '', _locore_start: '', idle: '', delay: 'n',
    page_resv: 'nn', turnstile_block: 'knkknn', mutex_vector_enter: 'k', fifovp: 'kk', fifo_vfastoff: 'k',
    pipe: 'un', openat: 'nunn', vn_openat: 'unnnsn', lookuppnvp: 'snnnsk', pn_get_buf: 'unssn', forksys: 'nn',
    cfork: 'nnn', as_dup: 'kk', segvn_dup: 'kk', exece: 'uuu', exec_common: 'uuun', exec_args: 'ssss',
    cstatat: 'nuunn', lookupnameat: 'unnnsk', fop_lookup: 'ksssnk', zfs_lookup: 'ksssnk', dnlc_enter: 'ksk',
    closeandsetf: 'nn', closef: 'k', fop_close: 'knnnkn', rexit: 'n', exit: 'nn', proc_exit: 'nn',
    thread_create_intr: '', switch_sp_and_call: '', dispatch_hardint: 'nn', av_dispatch_autovect: 'n', vioblk_int_handler: 'kn', zio_create: 'knnnnn', zio_add_child: 'kk',
    zio_write_compress: 'k', waitsys: 'nnun', waitid: 'nnsn', cv_wait_sig_swap: 'kk', cv_wait_sig_swap_core: 'kkk',
  }),
);

