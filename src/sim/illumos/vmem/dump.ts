/*
 * vmem into dump tables.
 *
 *   vmem_t      one row per arena, in the order given (pass vmemList(k) for
 *               vmem_list order). The embedded structures are nested columns:
 *               vm_seg0.vs_anext is where the vmem_seg walker starts,
 *               vm_rotor.* the next-fit rotor, vm_freelist[n].* the freelist
 *               heads, vm_kstat.vk_* the counters ::vmem prints.
 *   vmem_seg_t  every segment structure in use or in stock: each arena's
 *               tags (span markers, allocated and free segments; vm_seg0 and
 *               vm_rotor are inside the vmem_t), then each arena's private
 *               stock (vm_segfree), then the global stock (vmem_segfree).
 *               Stocked structures keep whatever their last use left in them,
 *               as in the kernel; only vs_knext (the stock's link) is current.
 *
 * Addresses become 64-bit at this boundary (toAddr); the integers of an
 * identifier arena (VMC_IDENTIFIER) are written as they are.
 */
import { ColumnArena, TableBuilder, type ColumnSpec, type RowValue } from '../../../dump/builder.js';
import type { Table } from '../../../dump/format.js';
import { VMEM_KSTAT_MEMBERS } from '../../../dump/types/illumos/vmem.js';
import type { Kernel } from '../../machine/kernel.js';
import { toAddr, type Kva, type Platform } from '../../machine/platform.js';
import type { VmemSeg } from './btag.js';
import { hasVmemState, vmemState, type Vmem } from './arena.js';
import { VMC_IDENTIFIER } from './vmem.js';
import { hasPageSupply, pageSupply } from './page.js';
import type { IllumosArenas } from './segkmem.js';

const SEG_COLUMNS: Record<string, ColumnSpec> = {
  addr: 'u64',
  vs_start: 'u64',
  vs_end: 'u64',
  vs_knext: 'u64',
  vs_kprev: 'u64',
  vs_anext: 'u64',
  vs_aprev: 'u64',
  vs_type: 'u8',
  vs_import: 'u8',
  vs_depth: 'u8',
  vs_thread: 'u64',
  vs_timestamp: 'i64',
  vs_stack: { list: 'u64' },
};

/** Columns of the vmem_t table for a platform with `nheads` freelist heads. */
function vmemColumns(nheads: number): Record<string, ColumnSpec> {
  const c: Record<string, ColumnSpec> = {
    addr: 'u64',
    vm_name: 'str',
    vm_id: 'u32',
    vm_mtbf: 'u32',
    vm_cflags: 'u32',
    vm_qshift: 'i32',
    vm_quantum: 'u64',
    vm_qcache_max: 'u64',
    vm_min_import: 'u64',
    vm_source_alloc: 'u64',
    vm_source_free: 'u64',
    vm_source: 'u64',
    vm_next: 'u64',
    vm_nsegfree: 'i64',
    vm_segfree: 'u64',
    vm_hash_table: 'u64',
    vm_hash_mask: 'u64',
    vm_hash_shift: 'u64',
    vm_freemap: 'u64',
  };
  for (const s of ['vm_seg0', 'vm_rotor']) {
    for (const m of ['vs_start', 'vs_end', 'vs_knext', 'vs_kprev', 'vs_anext', 'vs_aprev']) c[`${s}.${m}`] = 'u64';
    c[`${s}.vs_type`] = 'u8';
  }
  c['vm_hash0'] = { list: 'u64' };
  c['vm_qcache'] = { list: 'u64' };
  for (let i = 0; i < nheads; i++) {
    c[`vm_freelist[${i}].vs_end`] = 'u64';
    c[`vm_freelist[${i}].vs_knext`] = 'u64';
    c[`vm_freelist[${i}].vs_kprev`] = 'u64';
  }
  for (const m of VMEM_KSTAT_MEMBERS) c[`vm_kstat.${m}`] = 'u64';
  return c;
}

/**
 * The vmem_t and vmem_seg_t tables for `arenas`, handed to addTable. Stocked
 * segment structures are included only when arenas is the whole vmem_list.
 */
export function collectVmem(k: Kernel, arenas: Iterable<Vmem>, addTable: (t: Table) => void, p: Platform = k.p): void {
  const A = (kva: Kva): bigint => toAddr(p, kva);
  const L = (v: VmemSeg | null): bigint => (v ? A(v.addr) : 0n);
  const list = [...arenas];
  const st = list[0]?.st ?? (hasVmemState(k) ? vmemState(k) : null);
  const nheads = p.pointerSize * 8 + 1;

  const vt = new TableBuilder('vmem_t', vmemColumns(nheads));
  const sg = new TableBuilder('vmem_seg_t', SEG_COLUMNS);

  // a row per segment, put column by column (a million-buffer heap has hundreds of thousands)
  sg.setAddrBase(p.kvaBase);
  const G = Object.keys(SEG_COLUMNS).map((n) => sg.colIndex(n));
  const segRow = (vsp: VmemSeg, ident: boolean): void => {
    sg.begin();
    sg.putAddr(G[0]!, vsp.addr);
    if (ident) {
      sg.putUint(G[1]!, vsp.start);
      sg.putUint(G[2]!, vsp.end);
    } else {
      sg.putAddr(G[1]!, vsp.start);
      sg.putAddr(G[2]!, vsp.end);
    }
    sg.putAddr(G[3]!, vsp.knext ? vsp.knext.addr : 0);
    sg.putAddr(G[4]!, vsp.kprev ? vsp.kprev.addr : 0);
    sg.putAddr(G[5]!, vsp.anext ? vsp.anext.addr : 0);
    sg.putAddr(G[6]!, vsp.aprev ? vsp.aprev.addr : 0);
    sg.putUint(G[7]!, vsp.type);
    sg.putUint(G[8]!, vsp.imported);
    sg.putUint(G[9]!, vsp.depth);
    sg.putAddr(G[10]!, vsp.thread);
    sg.putUint(G[11]!, vsp.timestamp);
    if (vsp.depth > 0 && vsp.stack) sg.putAddrList(G[12]!, vsp.stack);
    sg.commit();
  };

  // one allocation per column rather than doublings (TableBuilder.reserve)
  let nseg = 0;
  let nstack = 0;
  const count = (v: VmemSeg): void => {
    nseg++;
    if (v.depth > 0 && v.stack) nstack += v.stack.length;
  };
  for (const vmp of list) {
    for (const v of vmp.segments()) if (v !== vmp.rotor) count(v);
    for (let v = vmp.segfree; v !== null; v = v.knext) count(v);
  }
  if (st && list.length === st.list.length) for (let v = st.segfree; v !== null; v = v.knext) count(v);
  sg.reserve(nseg, nstack, new ColumnArena(sg.reserveBytes(nseg, nstack)));

  for (const vmp of list) {
    const ident = (vmp.cflags & VMC_IDENTIFIER) !== 0;
    const row: Record<string, RowValue> = {
      addr: A(vmp.addr),
      vm_name: vmp.name,
      vm_id: vmp.id,
      vm_mtbf: vmp.mtbf,
      vm_cflags: vmp.cflags >>> 0,
      vm_qshift: vmp.qshift,
      vm_quantum: vmp.quantum,
      vm_qcache_max: vmp.qcacheMax,
      vm_min_import: vmp.minImport,
      vm_source_alloc: vmp.sourceAlloc ? A(vmp.sourceAlloc.sym.addr) : 0n,
      vm_source_free: vmp.sourceFree ? A(vmp.sourceFree.sym.addr) : 0n,
      vm_source: vmp.source ? A(vmp.source.addr) : 0n,
      vm_next: vmp.next ? A(vmp.next.addr) : 0n,
      vm_nsegfree: BigInt(vmp.nsegfree),
      vm_segfree: L(vmp.segfree),
      vm_hash_table: A(vmp.hashTableAddr),
      vm_hash_mask: vmp.hashMask,
      vm_hash_shift: vmp.hashShift,
      vm_freemap: vmp.freemap.value(),
      vm_hash0: vmp.hashTableAddr === vmp.addr + vmp.st.layout.off.vm_hash0 ? vmp.hashTable.map(L) : undefined,
      vm_qcache: vmp.qcacheAddr.map(A),
    };
    for (const [s, v] of [
      ['vm_seg0', vmp.seg0],
      ['vm_rotor', vmp.rotor],
    ] as const) {
      row[`${s}.vs_start`] = v.start;
      row[`${s}.vs_end`] = v.end;
      row[`${s}.vs_knext`] = L(v.knext);
      row[`${s}.vs_kprev`] = L(v.kprev);
      row[`${s}.vs_anext`] = L(v.anext);
      row[`${s}.vs_aprev`] = L(v.aprev);
      row[`${s}.vs_type`] = v.type;
    }
    for (const h of vmp.freelist) {
      row[`vm_freelist[${h.head}].vs_end`] = BigInt(h.end); // 2^n: exact, though above 2^53
      row[`vm_freelist[${h.head}].vs_knext`] = L(h.knext);
      row[`vm_freelist[${h.head}].vs_kprev`] = L(h.kprev);
    }
    for (const m of VMEM_KSTAT_MEMBERS) row[`vm_kstat.${m}`] = vmp.kstat[m];
    vt.add(row);

    for (const v of vmp.segments()) if (v !== vmp.rotor) segRow(v, ident);
    for (let v = vmp.segfree; v !== null; v = v.knext) segRow(v, false);
  }
  if (st && list.length === st.list.length) {
    for (let v = st.segfree; v !== null; v = v.knext) segRow(v, false);
  }
  addTable(vt.build());
  addTable(sg.build());
}

/** A global holding a plain value, in the shape the kernel collector takes (collect-kern.ts GlobalVar). */
export interface VmemGlobalVar {
  module: string;
  name: string;
  size: 1 | 2 | 4 | 8;
  value: number | bigint;
  /** value is a Kva */
  ptr?: boolean;
}

/**
 * The value globals of vmem.c, seg_kmem.c, vm_page.c / vm_pageout.c (page
 * thresholds and counters) and kmem.c's arena pointers (from `arenas`), for
 * the dump's globals table. Addresses are given to them when the dump is
 * written; vmem0[], vmem_seg0[], the populate locks and freemem_cv were
 * placed at boot.
 */
export function vmemGlobalVars(k: Kernel, arenas: Partial<IllumosArenas> = {}): VmemGlobalVar[] {
  const out: VmemGlobalVar[] = [];
  const ptr = k.p.pointerSize;
  const P = (name: string, value: Kva): void => {
    out.push({ module: 'genunix', name, size: ptr, value, ptr: true });
  };
  const N = (name: string, size: 1 | 2 | 4 | 8, value: number): void => {
    out.push({ module: 'genunix', name, size, value });
  };
  if (hasVmemState(k)) {
    const st = vmemState(k);
    P('vmem_list', st.list[0]?.addr ?? 0);
    N('vmem_id', 4, st.lastId);
    N('vmem_populators', 4, st.populators.length);
    P('vmem_segfree', st.segfree?.addr ?? 0);
    P('vmem_metadata_arena', st.metadataArena?.addr ?? 0);
    P('vmem_seg_arena', st.segArena?.addr ?? 0);
    P('vmem_hash_arena', st.hashArena?.addr ?? 0);
    P('vmem_vmem_arena', st.vmemArena?.addr ?? 0);
    N('vmem_update_interval', ptr, 15);
    N('vmem_mtbf', 4, 0);
    N('vmem_seg_size', ptr, st.segSize);
  }
  const ps = hasPageSupply(k) ? pageSupply(k) : null;
  for (const [name, v] of !ps ? [] : [
    ['freemem', ps.freemem],
    ['availrmem', ps.availrmem],
    ['lotsfree', ps.lotsfree],
    ['desfree', ps.desfree],
    ['minfree', ps.minfree],
    ['throttlefree', ps.throttlefree],
    ['pageout_reserve', ps.pageout_reserve],
    ['needfree', ps.needfree],
  ] as const) {
    N(name, ptr, v);
  }
  if (ps) N('freemem_wait', 4, ps.freemem_wait);
  if (arenas.heap) {
    P('kernelheap', k.p.heapBase);
    P('ekernelheap', k.p.heapBase + k.p.heapSize);
    N('segkmem_reloc', 4, 0);
  }
  for (const [name, vmp] of Object.entries(arenas)) {
    if (!vmp || name.startsWith('vmem_')) continue;
    P(`${name}_arena`, vmp.addr);
  }
  return out;
}
