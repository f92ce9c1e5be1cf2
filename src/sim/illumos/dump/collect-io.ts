/*
 * The I/O stack's state into dump tables: bd_t, the vdev_disk bufs in flight,
 * the rootnex state (the pool's vdevs and zios are collect-zfs.ts's).
 */
import { TableBuilder } from '../../../dump/builder.js';
import type { Table } from '../../../dump/format.js';
import type { CtfBuilder } from '../../../dump/ctf.js';
import { toAddr, type Kva } from '../../machine/platform.js';
import type { IllumosSystem } from '../system.js';
import { D_RUNQ_HEAD, D_WAITQ_HEAD, XFER_LINKAGE } from '../io/blkdev.js';

export function collectIo(sys: IllumosSystem, _L: CtfBuilder, add: (t: Table) => void): void {
  const A = (kva: Kva): bigint => toAddr(sys.k.p, kva);
  const bd = new TableBuilder('bd_t', {
    addr: 'u64',
    d_dip: 'u64',
    d_cache: 'u64',
    d_qsize: 'u32',
    d_qactive: 'u32',
    d_maxxfer: 'u32',
    d_blkshift: 'u32',
    d_numblks: 'u64',
    d_use_dma: 'u32',
    'd_dma.dma_attr_version': 'u32',
    'd_dma.dma_attr_addr_lo': 'u64',
    'd_dma.dma_attr_addr_hi': 'u64',
    'd_dma.dma_attr_count_max': 'u64',
    'd_dma.dma_attr_align': 'u64',
    'd_dma.dma_attr_burstsizes': 'u32',
    'd_dma.dma_attr_minxfer': 'u32',
    'd_dma.dma_attr_maxxfer': 'u64',
    'd_dma.dma_attr_seg': 'u64',
    'd_dma.dma_attr_sgllen': 'i32',
    'd_dma.dma_attr_granular': 'u32',
    'd_dma.dma_attr_flags': 'u32',
    'd_waitq.list_size': 'u64',
    'd_waitq.list_offset': 'u64',
    'd_waitq.list_head.list_next': 'u64',
    'd_waitq.list_head.list_prev': 'u64',
    'd_runq.list_size': 'u64',
    'd_runq.list_offset': 'u64',
    'd_runq.list_head.list_next': 'u64',
    'd_runq.list_head.list_prev': 'u64',
  });
  const xsize = BigInt(_L.structs.get('bd_xfer_impl_t')!.size);
  // a list_t's head: its first and last nodes, or itself when empty
  const ends = (q: readonly { addr: Kva }[], head: Kva): [bigint, bigint] =>
    q.length ? [A(q[0]!.addr + XFER_LINKAGE), A(q[q.length - 1]!.addr + XFER_LINKAGE)] : [A(head), A(head)];
  for (const b of sys.bds) {
    const [wn, wp] = ends(b.waitq, b.addr + D_WAITQ_HEAD);
    const [rn, rp] = ends(b.runq, b.addr + D_RUNQ_HEAD);
    const d = b.dma;
    bd.add({
      'd_dma.dma_attr_version': d?.dma_attr_version ?? 0,
      'd_dma.dma_attr_addr_lo': d?.dma_attr_addr_lo ?? 0n,
      'd_dma.dma_attr_addr_hi': d?.dma_attr_addr_hi ?? 0n,
      'd_dma.dma_attr_count_max': d?.dma_attr_count_max ?? 0n,
      'd_dma.dma_attr_align': d?.dma_attr_align ?? 0n,
      'd_dma.dma_attr_burstsizes': d?.dma_attr_burstsizes ?? 0,
      'd_dma.dma_attr_minxfer': d?.dma_attr_minxfer ?? 0,
      'd_dma.dma_attr_maxxfer': d?.dma_attr_maxxfer ?? 0n,
      'd_dma.dma_attr_seg': d?.dma_attr_seg ?? 0n,
      'd_dma.dma_attr_sgllen': d?.dma_attr_sgllen ?? 0,
      'd_dma.dma_attr_granular': d?.dma_attr_granular ?? 0,
      'd_dma.dma_attr_flags': d?.dma_attr_flags ?? 0,
      'd_waitq.list_size': xsize,
      'd_waitq.list_offset': BigInt(XFER_LINKAGE),
      'd_waitq.list_head.list_next': wn,
      'd_waitq.list_head.list_prev': wp,
      'd_runq.list_size': xsize,
      'd_runq.list_offset': BigInt(XFER_LINKAGE),
      'd_runq.list_head.list_next': rn,
      'd_runq.list_head.list_prev': rp,
      addr: A(b.addr),
      d_dip: A(b.dip),
      d_cache: A(b.cache.addr),
      d_qsize: b.qsize,
      d_qactive: b.qactive,
      d_maxxfer: b.maxxfer,
      d_blkshift: b.blkshift,
      d_numblks: BigInt(b.numblks),
      d_use_dma: b.useDma ? 1 : 0,
    });
  }
  add(bd.build());
  // the vdev_disk_buf_t bufs in flight, as vdev_disk_io_start() set them up
  const bufs = new TableBuilder('buf_t', {
    addr: 'u64',
    b_flags: 'u32',
    b_bcount: 'u64',
    b_addr: 'u64',
    b_lblkno: 'u64',
    b_bufsize: 'u64',
    b_iodone: 'u64',
    b_error: 'u32',
  });
  for (const bp of [...sys.spa.bufs].sort((x, y) => x.addr - y.addr)) {
    bufs.add({
      addr: A(bp.addr),
      b_flags: bp.flags >>> 0,
      b_bcount: BigInt(bp.bcount),
      b_addr: A(bp.data),
      b_lblkno: BigInt(bp.blkno),
      b_bufsize: BigInt(bp.bcount),
      b_iodone: A(bp.iodoneFn),
      b_error: bp.error >>> 0,
    });
  }
  add(bufs.build());
  const rn = new TableBuilder('rootnex_state_t', { addr: 'u64', r_dmahdl_cache: 'u64', r_active_hdls: 'u64', r_noresources: 'u64' });
  const rnAddr = sys.k.sym.objects.find((o) => o.name === 'rootnex_state');
  rn.add({
    addr: A(rnAddr ? rnAddr.addr : 0),
    r_dmahdl_cache: A(sys.rn.r_dmahdl_cache.addr),
    r_active_hdls: BigInt(Math.max(0, sys.rn.activeHdls)),
    r_noresources: BigInt(sys.rn.noResources),
  });
  add(rn.build());
}
