/*
 * ZFS's file data arenas (segkmem_zio_init() in uts/common/vm/seg_kmem.c):
 * zfs_file_data, a span of kernel VA of its own, and zfs_file_data_buf,
 * which imports from it and backs each import with pages through
 * segkmem_zio_alloc(). zio_init() creates the zio_data_buf_<n> caches on
 * zfs_file_data_buf, so file data never touches kmem_default or the
 * firewall arenas, and ::memstat can count it as "ZFS File Data".
 */
import type { Kernel } from '../../machine/kernel.js';
import type { Kva } from '../../machine/platform.js';
import { func } from '../../machine/symbols.js';
import type { KGen } from '../../machine/thread.js';
import { enter, leave, type Vmem, type VmemImportFn, type VmemReleaseFn } from './arena.js';
import { segkmemAllocVn, segkmemFree } from './segkmem.js';
import { VM_SLEEP, VMEM_ALLOC_IMPORT, VMEM_FREE_RELEASE, vmemCreateNow } from './vmem.js';

const segkmem_zio_alloc = func('genunix', 'segkmem_zio_alloc', 0x40);
const segkmem_zio_free = func('genunix', 'segkmem_zio_free', 0x30);

/** models segkmem_zio_alloc(): segkmem_alloc_vn() on zvp, the zio vnode */
function* segkmemZioAlloc(k: Kernel, vmp: Vmem, size: number, vmflag: number): KGen<Kva> {
  const fr = enter(k, segkmem_zio_alloc, 0b1, vmp.addr, size, vmflag);
  const a = yield* segkmemAllocVn(k, vmp, size, vmflag, true);
  leave(k, fr);
  return a;
}

/** models segkmem_zio_free() */
function segkmemZioFree(k: Kernel, vmp: Vmem, addr: Kva, size: number): void {
  const fr = enter(k, segkmem_zio_free, 0b11, vmp.addr, addr, size);
  segkmemFree(k, vmp, addr, size, true);
  leave(k, fr);
}

export const SEGKMEM_ZIO_ALLOC: VmemImportFn = { sym: segkmem_zio_alloc, alloc: segkmemZioAlloc };
export const SEGKMEM_ZIO_FREE: VmemReleaseFn = { sym: segkmem_zio_free, free: segkmemZioFree };

export interface ZioArenas {
  zfs_file_data: Vmem;
  zfs_file_data_buf: Vmem;
}

/**
 * models segkmem_zio_init(). The real zfs_file_data is created over a VA
 * range startup() sets aside; here it imports that range from the heap, so
 * it appears under heap in ::vmem rather than beside it.
 */
export function segkmemZioInit(k: Kernel, heap: Vmem): ZioArenas {
  const pg = k.p.pagesize;
  const zfs_file_data = vmemCreateNow(k, 'zfs_file_data', 0, 0, pg, VMEM_ALLOC_IMPORT, VMEM_FREE_RELEASE, heap, 0, VM_SLEEP);
  const zfs_file_data_buf = vmemCreateNow(k, 'zfs_file_data_buf', 0, 0, pg, SEGKMEM_ZIO_ALLOC, SEGKMEM_ZIO_FREE, zfs_file_data, 0, VM_SLEEP);
  return { zfs_file_data, zfs_file_data_buf };
}
