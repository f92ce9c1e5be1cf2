/*
 * zio_init()'s buffer caches (uts/common/fs/zfs/zio.c): zio_buf_<n> for
 * metadata and for what zio_write_compress() allocates, on kmem_default;
 * zio_data_buf_<n> for file data, on zfs_file_data_buf and KMC_NOTOUCH
 * ("zio_data bufs do not appear in crash dumps"). Sizes above
 * zio_buf_debug_limit get KMC_NODEBUG: 16K on a ZFS_DEBUG (DEBUG) kernel, 0
 * otherwise, so the 128K data buffers of the #2911 load are never audited,
 * firewalled or poisoned, and keep their magazines. Only the sizes the load
 * uses are created.
 */
import { kmemCacheCreate, KMC_NODEBUG, KMC_NOTOUCH, type Kmem, type KmemCache } from '../kmem/kmem.js';
import type { ZioArenas } from '../vmem/segzio.js';

/** SPA_MAXBLOCKSIZE in 2012: the recordsize of the files the load reads */
export const BLOCK = 1 << 17;

export interface ZioBufs {
  /** zio_buf_<n> by size */
  meta: Map<number, KmemCache>;
  /** zio_data_buf_<n> by size */
  data: Map<number, KmemCache>;
}

/** models the cache loop of zio_init() for the sizes the load allocates */
export function zioBufInit(km: Kmem, arenas: ZioArenas, zfsDebug: boolean, sizes: readonly number[] = [32768, 65536, BLOCK]): ZioBufs {
  const zio_buf_debug_limit = zfsDebug ? 16384 : 0;
  const meta = new Map<number, KmemCache>();
  const data = new Map<number, KmemCache>();
  for (const size of sizes) {
    const cflags = size > zio_buf_debug_limit ? KMC_NODEBUG : 0;
    // a power of two gets page alignment (PAGESIZE), as zio_init() chooses
    const align = (size & (size - 1)) === 0 && size >= 4096 ? 4096 : 512;
    meta.set(size, kmemCacheCreate(km, { name: `zio_buf_${size}`, bufsize: size, align, cflags }));
    data.set(
      size,
      kmemCacheCreate(km, { name: `zio_data_buf_${size}`, bufsize: size, align, arena: arenas.zfs_file_data_buf, cflags: cflags | KMC_NOTOUCH }),
    );
  }
  return { meta, data };
}
