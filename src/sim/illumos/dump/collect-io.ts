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
import type { DevInfo } from '../io/devinfo.js';
import { calloutState, heapNum, type Callout, type CalloutList } from '../kern/callout.js';

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
  const rn = new TableBuilder('rootnex_state_t', { addr: 'u64', r_dip: 'u64', r_dmahdl_cache: 'u64', r_active_hdls: 'u64', r_noresources: 'u64' });
  const rnAddr = sys.k.sym.objects.find((o) => o.name === 'rootnex_state');
  rn.add({
    addr: A(rnAddr ? rnAddr.addr : 0),
    // rootnex_attach(): rootnex_state->r_dip = dip, the root node
    r_dip: A(sys.devs.top.addr),
    r_dmahdl_cache: A(sys.rn.r_dmahdl_cache.addr),
    r_active_hdls: BigInt(Math.max(0, sys.rn.activeHdls)),
    r_noresources: BigInt(sys.rn.noResources),
  });
  add(rn.build());
}

/**
 * The device tree: every struct dev_info (its links, names, state, instance,
 * major, driver data) and the devnames[] array, as the nodes are in memory.
 */
export function collectDevinfo(sys: IllumosSystem, L: CtfBuilder, add: (t: Table) => void): void {
  const A = (kva: Kva): bigint => toAddr(sys.k.p, kva);
  const t = sys.devs;
  const di = new TableBuilder('dev_info_t', {
    addr: 'u64',
    devi_parent: 'u64',
    devi_child: 'u64',
    devi_sibling: 'u64',
    devi_binding_name: 'u64',
    devi_addr: 'u64',
    devi_instance: 'i32',
    devi_driver_data: 'u64',
    devi_next: 'u64',
    devi_node_name: 'u64',
    devi_node_state: 'i32',
    devi_state: 'u32',
    devi_ref: 'i32',
    devi_major: 'u32',
    devi_flags: 'u32',
  });
  const ptr = (n: DevInfo | null | undefined): bigint => (n ? A(n.addr) : 0n);
  for (const n of [...t.nodes].sort((x, y) => x.addr - y.addr)) {
    const sibs = n.parent ? n.parent.children : [];
    const i = sibs.indexOf(n);
    di.add({
      addr: A(n.addr),
      devi_parent: ptr(n.parent),
      devi_child: ptr(n.children[0]),
      devi_sibling: ptr(i >= 0 ? sibs[i + 1] : null),
      devi_binding_name: n.bindingName ? A(n.bindingName) : 0n,
      devi_addr: n.unitAddr ? A(n.unitAddr) : 0n,
      devi_instance: n.instance,
      devi_driver_data: n.driverData ? A(n.driverData) : 0n,
      devi_next: ptr(n.next),
      devi_node_name: A(n.nodeName),
      devi_node_state: n.nodeState,
      devi_state: n.state,
      devi_ref: n.ref,
      devi_major: n.major >>> 0,
      devi_flags: n.flags,
    });
  }
  add(di.build());
  const dnSize = L.structs.get('struct devnames')!.size;
  const dn = new TableBuilder('struct devnames', { addr: 'u64', dn_name: 'u64', dn_head: 'u64', dn_instance: 'i32' });
  t.devnames.forEach((d, i) => dn.add({ addr: A(t.devnamesp + i * dnSize), dn_name: A(d.name), dn_head: ptr(d.head), dn_instance: d.instance }));
  add(dn.build());
}

/**
 * The callout tables, their lists and callouts, linked as callout.c links
 * them: ID hash chains through c_idnext/c_idprev, a list's callouts through
 * c_clnext/c_clprev, hash chains and the queue through cl_next/cl_prev, the
 * free lists through c_idnext and cl_next.
 */
export function collectCallouts(sys: IllumosSystem, add: (t: Table) => void): void {
  const st = calloutState(sys.k);
  if (!st) return;
  const A = (kva: Kva): bigint => (kva ? toAddr(sys.k.p, kva) : 0n);
  const co = new Map<Callout, Record<string, bigint | number>>();
  const cl = new Map<CalloutList, Record<string, bigint | number>>();
  for (const c of st.callouts) co.set(c, { addr: A(c.addr), c_func: A(c.func.addr), c_arg: A(c.arg), c_xid: c.xid, c_list: A(c.list?.addr ?? 0) });
  for (const l of st.lists) cl.set(l, { addr: A(l.addr), cl_expiration: BigInt(l.expiration), cl_flags: l.flags });
  const chain = <T extends { addr: Kva }>(xs: readonly T[], rows: Map<T, Record<string, bigint | number>>, next: string, prev: string): void => {
    xs.forEach((x, i) => {
      const r = rows.get(x)!;
      r[next] = A(xs[i + 1]?.addr ?? 0);
      r[prev] = A(xs[i - 1]?.addr ?? 0);
    });
  };
  const ct = new TableBuilder('callout_table_t', {
    addr: 'u64',
    ct_free: 'u64',
    ct_lfree: 'u64',
    ct_short_id: 'u64',
    ct_long_id: 'u64',
    ct_idhash: 'u64',
    ct_clhash: 'u64',
    ct_kstat_data: 'u64',
    ct_type: 'u32',
    ct_cyclic: 'u64',
    ct_heap: 'u64',
    ct_heap_num: 'u64',
    ct_heap_max: 'u64',
    ct_cache: 'u64',
    ct_lcache: 'u64',
    ct_gen_id: 'u64',
    ct_qcyclic: 'u64',
    'ct_queue.ch_head': 'u64',
    'ct_queue.ch_tail': 'u64',
  });
  for (const t of st.tables) {
    for (const ids of t.ids.values()) chain(ids, co, 'c_idnext', 'c_idprev');
    for (const lists of t.lists.values()) chain(lists, cl, 'cl_next', 'cl_prev');
    chain(t.queue, cl, 'cl_next', 'cl_prev');
    for (const l of [...[...t.lists.values()].flat(), ...t.queue]) {
      chain(l.callouts, co, 'c_clnext', 'c_clprev');
      const r = cl.get(l)!;
      r['cl_callouts.ch_head'] = A(l.callouts[0]?.addr ?? 0);
      r['cl_callouts.ch_tail'] = A(l.callouts[l.callouts.length - 1]?.addr ?? 0);
    }
    for (let f = t.free; f; f = f.freeNext) co.get(f)!['c_idnext'] = A(f.freeNext?.addr ?? 0);
    for (let f = t.lfree; f; f = f.freeNext) cl.get(f)!['cl_next'] = A(f.freeNext?.addr ?? 0);
    ct.add({
      addr: A(t.addr),
      ct_free: A(t.free?.addr ?? 0),
      ct_lfree: A(t.lfree?.addr ?? 0),
      ct_short_id: t.shortId,
      ct_long_id: t.longId,
      ct_idhash: A(t.idhash?.addr ?? 0),
      ct_clhash: A(t.clhash?.addr ?? 0),
      ct_kstat_data: A(t.kstat),
      ct_type: t.type,
      ct_cyclic: A(t.cyclic),
      ct_heap: A(t.heap),
      ct_heap_num: BigInt(heapNum(t)),
      ct_heap_max: BigInt(t.heapMax),
      ct_cache: A(t.cache?.addr ?? 0),
      ct_lcache: A(t.lcache?.addr ?? 0),
      ct_gen_id: t.genId,
      ct_qcyclic: A(t.qcyclic),
      'ct_queue.ch_head': A(t.queue[0]?.addr ?? 0),
      'ct_queue.ch_tail': A(t.queue[t.queue.length - 1]?.addr ?? 0),
    });
  }
  add(ct.build());
  const cot = new TableBuilder('callout_t', { addr: 'u64', c_idnext: 'u64', c_idprev: 'u64', c_clnext: 'u64', c_clprev: 'u64', c_func: 'u64', c_arg: 'u64', c_xid: 'u64', c_list: 'u64' });
  for (const r of [...co.values()].sort((a, b) => (a['addr']! < b['addr']! ? -1 : 1))) cot.add(r);
  add(cot.build());
  const clt = new TableBuilder('callout_list_t', {
    addr: 'u64',
    cl_next: 'u64',
    cl_prev: 'u64',
    cl_expiration: 'i64',
    'cl_callouts.ch_head': 'u64',
    'cl_callouts.ch_tail': 'u64',
    cl_flags: 'i32',
  });
  for (const r of [...cl.values()].sort((a, b) => (a['addr']! < b['addr']! ? -1 : 1))) clt.add(r);
  add(clt.build());
}
