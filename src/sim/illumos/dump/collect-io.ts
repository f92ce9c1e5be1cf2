/*
 * The I/O stack's state into dump tables: bd_t, the rootnex state, leaf vdevs.
 */
import { TableBuilder } from '../../../dump/builder.js';
import type { Table } from '../../../dump/format.js';
import type { CtfBuilder } from '../../../dump/ctf.js';
import { toAddr, type Kva } from '../../machine/platform.js';
import type { IllumosSystem } from '../system.js';

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
  });
  for (const b of sys.bds) {
    bd.add({
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
  const rn = new TableBuilder('rootnex_state_t', { addr: 'u64', r_dmahdl_cache: 'u64', r_active_hdls: 'u64', r_noresources: 'u64' });
  const rnAddr = sys.k.sym.objects.find((o) => o.name === 'rootnex_state');
  rn.add({
    addr: A(rnAddr ? rnAddr.addr : 0),
    r_dmahdl_cache: A(sys.rn.r_dmahdl_cache.addr),
    r_active_hdls: BigInt(Math.max(0, sys.rn.activeHdls)),
    r_noresources: BigInt(sys.rn.noResources),
  });
  add(rn.build());
  const vd = new TableBuilder('vdev_t', {
    addr: 'u64',
    vdev_id: 'u64',
    vdev_children: 'u64',
    vdev_parent: 'u64',
    'vdev_stat.vs_ops_read': 'u64',
    'vdev_stat.vs_read_errors': 'u64',
  });
  vd.add({ addr: A(sys.spa.mirror), vdev_id: 0n, vdev_children: BigInt(sys.spa.leaves.length), vdev_parent: 0n });
  for (const l of sys.spa.leaves) {
    vd.add({
      addr: A(l.addr),
      vdev_id: BigInt(l.id),
      vdev_children: 0n,
      vdev_parent: A(sys.spa.mirror),
      'vdev_stat.vs_ops_read': BigInt(l.opsRead),
      'vdev_stat.vs_read_errors': BigInt(l.readErrors),
    });
  }
  add(vd.build());
}
