// A small FreeBSD 13.0-CURRENT i386 dump (2020 layouts) built in memory for
// the vmem and 2020 UMA tests, shaped like PR 248008's hang: kernel_arena
// with a static span, the per-domain arena "kernel arena dom0" importing two
// spans from it and holding one spare tag (fewer than BT_MAXALLOC, 4), the
// "vmem btag" zone and keg with uk_reserve 32, 3 free items, NOFREE clear
// and uk_allocf = vmem_bt_alloc, an mbuf zone with cached buckets, two
// threads asleep on "btalloc" in vmem_bt_alloc below bt_fill, a pagedaemon,
// idle threads on four CPUs; a hang header (no panic, the watchdog's break).
import { TableBuilder } from '../../../../src/dump/builder.js';
import { SYMKIND_FUNC, SYMKIND_OBJECT, type DumpHeader, type DumpModel, type Table } from '../../../../src/dump/format.js';
import { freebsdTypeDefs } from '../../../../src/dump/types/freebsd/index.js';
import { createSession, type MdbSession, type Syntax } from '../../../../src/mdb/session.js';

const TEXT = 0xc0600000n;
export const FN: Record<string, bigint> = {};
[
  'mi_switch', 'sleepq_timedwait', '_sleep', 'pause_sbt', 'vmem_bt_alloc', 'keg_alloc_slab', 'keg_fetch_slab', 'zone_import',
  'zone_alloc_bucket', 'uma_zalloc_arg', 'bt_fill', 'vmem_xalloc', 'vmem_alloc', 'kmem_malloc_domainset', 'kmem_malloc', 'malloc',
  'pipespace_new', 'pipe_write', 'sys_write', 'syscall', 'vm_pageout_worker', 'vm_pageout', 'fork_exit', 'sched_idletd', 'sleepq_wait',
  'page_alloc', 'kdb_enter', 'cpu_idle',
].forEach((n, i) => (FN[n] = TEXT + BigInt(i) * 0x1000n));
const pc = (name: string, off: bigint): bigint => FN[name]! + off;

const DATA = 0xc0a00000n;
export const SYM = {
  panicstr: DATA + 0x00n,
  kernel_arena: DATA + 0x04n,
  vmem_bt_zone: DATA + 0x08n,
  mp_ncpus: DATA + 0x0cn,
  hz: DATA + 0x10n,
  ticks: DATA + 0x14n,
  pause_wchan: DATA + 0x40n,
  vm_cnt: DATA + 0x100n,
};

export const ARENA = { kernel: 0xc1c00000n, dom0: 0xc1c00400n, buffer: 0xc1c00800n };
export const KEG = { btag: 0xc1e00000n, mbuf: 0xc1e00200n };
export const ZONE = { btag: 0xc1e01000n, mbuf: 0xc1e01400n };
export const BUCKET = { mbufFull: 0xc1e02000n, mbufCpu1: 0xc1e02100n };
export const TD = { pipe: 0xc5000000n, sh: 0xc5000400n, pagedaemon: 0xc5000800n, idle: [0xc5001000n, 0xc5001400n, 0xc5001800n, 0xc5001c00n] };
export const PROC = { kernel: 0xc5100000n, idle: 0xc5100200n, pagedaemon: 0xc5100400n, pipe: 0xc5100600n, sh: 0xc5100800n };
const TAG0 = 0xc1d00000n;
const TAGSTRIDE = 0x20n;

const STR = { btag: 0xc0b00100n, mbuf: 0xc0b00110n, btalloc: 0xc0b00200n, psleep: 0xc0b00210n, sleepqChain: 0xc0b00220n };
/** the sleep queue chain lock of the pipe thread's wait channel (a struct mtx row) */
export const SQLOCK = 0xc0a80104n;
/** a sleep mutex initialised MTX_RECURSE, held twice over by the pipe thread with a waiter (a struct mtx row) */
export const RLOCK = 0xc0a80200n;

export const KVA = 0xc4000000n;

/** Tags as [arena, start, size, type] in each arena's segment-list order, then spares (type 0). */
export const TAGS: Array<[keyof typeof ARENA, bigint, bigint, number]> = [
  // kernel_arena: one static span, tiled by busy and free segments
  ['kernel', KVA, 0x1000000n, 2],
  ['kernel', KVA, 0x400000n, 4],
  ['kernel', KVA + 0x400000n, 0x400000n, 4],
  ['kernel', KVA + 0x800000n, 0x2000n, 3],
  ['kernel', KVA + 0x802000n, 0x7fe000n, 4],
  // kernel arena dom0: two imported spans
  ['dom0', KVA, 0x400000n, 1],
  ['dom0', KVA, 0x3ff000n, 4],
  ['dom0', KVA + 0x3ff000n, 0x1000n, 3],
  ['dom0', KVA + 0x400000n, 0x400000n, 1],
  ['dom0', KVA + 0x400000n, 0x3fc000n, 4],
  ['dom0', KVA + 0x7fc000n, 0x3000n, 3],
  ['dom0', KVA + 0x7ff000n, 0x1000n, 4],
  // buffer arena: a static span, all free
  ['buffer', 0xd0000000n, 0x200000n, 2],
  ['buffer', 0xd0000000n, 0x200000n, 3],
  // spare tags: kernel_arena 2, dom0 1
  ['kernel', 0n, 0n, 0],
  ['kernel', 0n, 0n, 0],
  ['dom0', 0n, 0n, 0],
];
export const tagAddr = (i: number): bigint => TAG0 + BigInt(i) * TAGSTRIDE;

function header(): DumpHeader {
  return {
    os: 'freebsd',
    kernelVersion: 'FreeBSD 13.0-CURRENT #0 r363200: Tue Jul 14 2020',
    platform: 'i386',
    isa: 'i386',
    pointerSize: 4,
    hostname: 'fbsd13',
    debug: false,
    ncpus: 4,
    physmem: 262144,
    pagesize: 4096,
    dumpTime: '900000000000',
    dumpKind: 'live',
    panic: null,
    outcome: 'hang',
    entry: { reason: 'break', thread: TD.idle[0]!.toString(16), cpu: 0 },
    recipe: { scenario: 'test-2020', scenarioText: 'name: test-2020\n', seed: 1, set: [], fixes: [], mddbVersion: '0.1.0' },
  };
}

function symbols(): Table {
  const t = new TableBuilder('symbols', { name: 'str', module: 'str', addr: 'u64', size: 'u64', kind: 'u8' });
  for (const [n, a] of Object.entries(FN)) t.add({ name: n, module: 'kernel', addr: a, size: 0x400n, kind: SYMKIND_FUNC });
  for (const [n, a] of Object.entries(SYM)) t.add({ name: n, module: 'kernel', addr: a, size: n === 'vm_cnt' ? 0x80n : n === 'pause_wchan' ? 0x10n : 4n, kind: SYMKIND_OBJECT });
  t.add({ name: 'kernel_arena_storage', module: 'kernel', addr: ARENA.kernel, size: 0x400n, kind: SYMKIND_OBJECT });
  return t.build();
}

interface Th {
  addr: bigint;
  tid: number;
  proc: bigint;
  state: number;
  inhibitors?: number;
  wchan?: bigint;
  wmesg?: bigint;
  oncpu?: number;
  pri: number;
  frames: Array<[string, bigint, bigint[]]>;
}

/** The hung allocation's stack, innermost first (mechanisms.md C.5). */
const btallocStack = (size: bigint): Array<[string, bigint, bigint[]]> => [
  ['mi_switch', 0x1d4n, [0x104n, 0n]],
  ['sleepq_timedwait', 0x2fn, [SYM.pause_wchan, 0x5cn]],
  ['_sleep', 0x2a1n, [SYM.pause_wchan, 0n, 0n, STR.btalloc, 0n, 1n]],
  ['vmem_bt_alloc', 0x131n, [ZONE.btag, 0x1000n, 0n, 0xe8d1c9a7n, 0x2n]],
  ['keg_alloc_slab', 0x12an, [KEG.btag, ZONE.btag, 0n, 0x2n, 0x2n]],
  ['keg_fetch_slab', 0x1e6n, [KEG.btag, ZONE.btag, 0n, 0x2n]],
  ['zone_import', 0x5bn, [ZONE.btag, 0xe8d1ca10n, 1n, 0n, 0x2n]],
  ['zone_alloc_bucket', 0x72n, [ZONE.btag, 0n, 0n, 0x2n]],
  ['uma_zalloc_arg', 0x3a5n, [ZONE.btag, 0n, 0x2n]],
  ['bt_fill', 0x4bn, [ARENA.dom0, 0x2n]],
  ['vmem_xalloc', 0xe5n, [ARENA.dom0, size, 0n, 0n, 0n, 0n, 0xffffffffn, 0x2002n]],
  ['vmem_alloc', 0x3fn, [ARENA.dom0, size, 0x2002n, 0xe8d1cb20n]],
  ['kmem_malloc_domainset', 0x97n, [0xc0a80000n, size, 0x2n]],
  ['kmem_malloc', 0x1dn, [size, 0x2n]],
  ['malloc', 0x47n, [size, 0xc0a90000n, 0x2n]],
];

function threads(): Th[] {
  const idle = (cpu: number): Th => ({
    addr: TD.idle[cpu]!, tid: 100003 + cpu, proc: PROC.idle, state: cpu === 0 ? 4 : 2, oncpu: cpu === 0 ? 0 : undefined, pri: 255,
    frames: [['cpu_idle', 0x1an, [0n]], ['sched_idletd', 0x1c4n, [0n]], ['fork_exit', 0x7cn, [FN['sched_idletd']!, 0n, 0n]]],
  });
  return [
    { addr: TD.pipe, tid: 100120, proc: PROC.pipe, state: 1, inhibitors: 2, wchan: SYM.pause_wchan, wmesg: STR.btalloc, pri: 120,
      frames: [...btallocStack(0x10000n), ['pipespace_new', 0x5an, [0xc6000000n, 0x10000n]], ['pipe_write', 0x2a0n, [0xc6000100n]], ['sys_write', 0x8an, [TD.pipe]], ['syscall', 0x2f0n, [0n]]] },
    { addr: TD.sh, tid: 100121, proc: PROC.sh, state: 1, inhibitors: 2, wchan: SYM.pause_wchan + 4n, wmesg: STR.btalloc, pri: 120,
      frames: [...btallocStack(0x4000n), ['pipespace_new', 0x5an, [0xc6000200n, 0x4000n]], ['pipe_write', 0x2a0n, [0xc6000300n]], ['sys_write', 0x8an, [TD.sh]], ['syscall', 0x2f0n, [0n]]] },
    { addr: TD.pagedaemon, tid: 100090, proc: PROC.pagedaemon, state: 1, inhibitors: 2, wchan: SYM.vm_cnt, wmesg: STR.psleep, pri: 84,
      frames: [['mi_switch', 0x1d4n, [0x104n, 0n]], ['sleepq_timedwait', 0x2fn, [SYM.vm_cnt, 0n]], ['_sleep', 0x2a1n, [SYM.vm_cnt, 0n, 0n, STR.psleep, 0n, 50n]], ['vm_pageout_worker', 0x2b4n, [0n]], ['vm_pageout', 0x1f0n, []], ['fork_exit', 0x7cn, [FN['vm_pageout']!, 0n, 0n]]] },
    idle(0), idle(1), idle(2), idle(3),
  ];
}

export function freebsd2020Dump(): DumpModel {
  const tables: Table[] = [symbols()];
  const globals = new TableBuilder('globals', { addr: 'u64', size: 'u8', value: 'u64' });
  globals.add({ addr: SYM.panicstr, size: 4, value: 0n });
  globals.add({ addr: SYM.kernel_arena, size: 4, value: ARENA.kernel });
  globals.add({ addr: SYM.vmem_bt_zone, size: 4, value: ZONE.btag });
  globals.add({ addr: SYM.mp_ncpus, size: 4, value: 4 });
  globals.add({ addr: SYM.hz, size: 4, value: 1000 });
  // ticks has wrapped past INT_MAX since the pipe thread's last switches: the delta is taken in 32 bits
  globals.add({ addr: SYM.ticks, size: 4, value: 0x80000288n });
  tables.push(globals.build());
  const strings = new TableBuilder('strings', { addr: 'u64', text: 'str' });
  strings.add({ addr: STR.btag, text: 'vmem btag' });
  strings.add({ addr: STR.mbuf, text: 'mbuf' });
  strings.add({ addr: STR.btalloc, text: 'btalloc' });
  strings.add({ addr: STR.psleep, text: 'psleep' });
  strings.add({ addr: STR.sleepqChain, text: 'sleepq chain' });
  tables.push(strings.build());

  const arenaNames: Record<keyof typeof ARENA, string> = { kernel: 'kernel arena', dom0: 'kernel arena dom0', buffer: 'buffer arena' };
  const arenaOrder: Array<keyof typeof ARENA> = ['kernel', 'dom0', 'buffer'];
  const vmem = new TableBuilder('struct vmem', {
    addr: 'u64', vm_name: 'str', vm_size: 'u32', vm_inuse: 'u32', vm_quantum_mask: 'u32', vm_quantum_shift: 'i32', vm_nfreetags: 'i32', vm_nbusytag: 'i32', vm_source: 'u64', vm_arg: 'u64',
  });
  for (const a of arenaOrder) {
    const mine = TAGS.filter((t) => t[0] === a);
    const span = mine.filter((t) => t[3] === 1 || t[3] === 2).reduce((s, t) => s + t[2], 0n);
    const busy = mine.filter((t) => t[3] === 4);
    vmem.add({
      addr: ARENA[a], vm_name: arenaNames[a], vm_size: span, vm_inuse: busy.reduce((s, t) => s + t[2], 0n), vm_quantum_mask: 0xfff, vm_quantum_shift: 12,
      vm_nfreetags: mine.filter((t) => t[3] === 0).length, vm_nbusytag: busy.length,
      vm_source: a === 'dom0' ? ARENA.kernel : 0n, vm_arg: a === 'dom0' ? ARENA.kernel : 0n,
    });
  }
  tables.push(vmem.build());
  const tags = new TableBuilder('struct vmem_btag', { addr: 'u64', arena_row: 'u32', bt_start: 'u64', bt_size: 'u64', bt_type: 'i32' });
  TAGS.forEach(([a, start, size, type], i) => tags.add({ addr: tagAddr(i), arena_row: arenaOrder.indexOf(a), bt_start: start, bt_size: size, bt_type: type }));
  tables.push(tags.build());

  const kegs = new TableBuilder('struct uma_keg', {
    addr: 'u64', uk_name: 'u64', 'uk_zones.lh_first': 'u64', uk_size: 'u32', uk_rsize: 'u32', uk_ipers: 'u16', uk_ppera: 'u16', uk_flags: 'u32', uk_reserve: 'u32', uk_allocf: 'u64',
    'uk_domain[0].ud_free_items': 'u32', 'uk_domain[0].ud_pages': 'u32', 'uk_domain[0].ud_free_slabs': 'u32',
  });
  // vmem btag: UMA_ZONE_VM only (r358097 dropped NOFREE); 3 free items, below the reserve of 2 * BT_MAXALLOC * mp_ncpus
  kegs.add({ addr: KEG.btag, uk_name: STR.btag, 'uk_zones.lh_first': ZONE.btag, uk_size: 28, uk_rsize: 28, uk_ipers: 145, uk_ppera: 1, uk_flags: 0x80, uk_reserve: 32, uk_allocf: FN['vmem_bt_alloc']!, 'uk_domain[0].ud_free_items': 3, 'uk_domain[0].ud_pages': 35 });
  kegs.add({ addr: KEG.mbuf, uk_name: STR.mbuf, 'uk_zones.lh_first': ZONE.mbuf, uk_size: 256, uk_rsize: 256, uk_ipers: 15, uk_ppera: 1, uk_flags: 0, uk_reserve: 0, uk_allocf: FN['page_alloc']!, 'uk_domain[0].ud_free_items': 40, 'uk_domain[0].ud_pages': 100 });
  tables.push(kegs.build());

  const zspec: Record<string, 'u64' | 'u32' | 'u16' | 'i32'> = {
    addr: 'u64', uz_name: 'u64', uz_keg: 'u64', uz_size: 'u32', uz_allocs: 'u64', uz_frees: 'u64', uz_fails: 'u64', uz_sleeps: 'u64', uz_xdomain: 'u64', uz_bucket_size: 'u16',
    'uz_domain[0].uzd_nitems': 'i32', 'uz_domain[0].uzd_buckets.lh_first': 'u64',
  };
  for (let c = 0; c < 4; c++) {
    zspec[`uz_cpu[${c}].uc_allocbucket.ucb_bucket`] = 'u64';
    zspec[`uz_cpu[${c}].uc_allocbucket.ucb_cnt`] = 'i32';
    zspec[`uz_cpu[${c}].uc_freebucket.ucb_cnt`] = 'i32';
    zspec[`uz_cpu[${c}].uc_allocs`] = 'u64';
  }
  const zones = new TableBuilder('struct uma_zone', zspec);
  zones.add({ addr: ZONE.btag, uz_name: STR.btag, uz_keg: KEG.btag, uz_size: 28, uz_allocs: 5000, uz_frees: 213, uz_fails: 12, uz_sleeps: 0, uz_bucket_size: 0 });
  zones.add({
    addr: ZONE.mbuf, uz_name: STR.mbuf, uz_keg: KEG.mbuf, uz_size: 256, uz_allocs: 9000, uz_frees: 8500, uz_sleeps: 3, uz_xdomain: 0, uz_bucket_size: 16,
    'uz_domain[0].uzd_nitems': 10, 'uz_domain[0].uzd_buckets.lh_first': BUCKET.mbufFull,
    'uz_cpu[1].uc_allocbucket.ucb_bucket': BUCKET.mbufCpu1, 'uz_cpu[1].uc_allocbucket.ucb_cnt': 5, 'uz_cpu[1].uc_allocs': 20,
  });
  tables.push(zones.build());
  const buckets = new TableBuilder('struct uma_bucket', { addr: 'u64', 'ub_link.le_next': 'u64', ub_cnt: 'i32', ub_entries: 'i32', ub_bucket: { list: 'u64' } });
  buckets.add({ addr: BUCKET.mbufFull, ub_cnt: 10, ub_entries: 16, ub_bucket: Array.from({ length: 10 }, (_, i) => 0xc7000000n + BigInt(i) * 0x100n) });
  buckets.add({ addr: BUCKET.mbufCpu1, ub_cnt: 5, ub_entries: 16, ub_bucket: Array.from({ length: 5 }, (_, i) => 0xc7001000n + BigInt(i) * 0x100n) });
  tables.push(buckets.build());

  const ths = threads();
  const td = new TableBuilder('struct thread', {
    addr: 'u64', td_proc: 'u64', td_tid: 'i32', td_flags: 'i32', td_inhibitors: 'i32', td_wchan: 'u64', td_wmesg: 'u64', td_lastcpu: 'u8', td_oncpu: 'u8', td_state: 'i32', td_priority: 'u8', td_kstack: 'u64', td_kstack_pages: 'i32',
    td_lock: 'u64', td_sleeptimo: 'i64', td_swvoltick: 'i32', td_swinvoltick: 'i32',
  });
  const frames = new TableBuilder('frames', { thread_row: 'u32', depth: 'u16', fp: 'u64', pc: 'u64', args: { list: 'u64' }, locals: { list: 'u64' } });
  ths.forEach((t, row) => {
    const ks = 0xe8000000n + BigInt(row) * 0x4000n;
    td.add({ addr: t.addr, td_proc: t.proc, td_tid: t.tid, td_inhibitors: t.inhibitors ?? 0, td_wchan: t.wchan ?? 0n, td_wmesg: t.wmesg ?? 0n, td_oncpu: t.oncpu ?? 0xff, td_lastcpu: t.oncpu ?? 0, td_state: t.state, td_priority: t.pri, td_kstack: ks, td_kstack_pages: 4,
      // the pipe thread: asleep in pause("btalloc", 1) since 1,296 ticks before the dump, with a one-tick deadline
      ...(t.addr === TD.pipe ? { td_lock: SQLOCK, td_sleeptimo: 0x7fffffffn << 32n | 0x80000000n, td_swvoltick: 0x7ffffd78, td_swinvoltick: 0 } : {}) });
    t.frames.forEach(([fn, off, args], depth) => frames.add({ thread_row: row, depth, fp: ks + 0x3c00n + BigInt(depth) * 0x30n, pc: pc(fn, off), args, locals: [] }));
  });
  tables.push(td.build(), frames.build());
  const mtx = new TableBuilder('struct mtx', { addr: 'u64', 'mtx_object.lo_name': 'u64', 'mtx_object.lo_flags': 'u32', mtx_lock: 'u64', mtx_recurse: 'u32' });
  // a spin mutex: LO_INITIALIZED, class index 0 (lock_class_mtx_spin)
  mtx.add({ addr: SQLOCK, 'mtx_object.lo_name': STR.sleepqChain, 'mtx_object.lo_flags': 0x10000, mtx_lock: 4n, mtx_recurse: 0 });
  // a sleep mutex (class 1) with LO_RECURSABLE; mtx_lock: the owner | MTX_CONTESTED | MTX_RECURSED
  mtx.add({ addr: RLOCK, 'mtx_object.lo_name': STR.btalloc, 'mtx_object.lo_flags': 0x10000 | (1 << 24) | 0x80000, mtx_lock: TD.pipe | 3n, mtx_recurse: 2 });
  tables.push(mtx.build());
  const procs = new TableBuilder('struct proc', { addr: 'u64', p_ucred: 'u64', p_flag: 'i32', p_state: 'i32', p_pid: 'i32', p_pptr: 'u64', p_pgrp: 'u64', p_numthreads: 'i32', p_comm: 'str', p_args: 'u64' });
  const PG = 0xc5200000n;
  const CRED = 0xc5280000n;
  const PARGS = 0xc5281000n;
  procs.add({ addr: PROC.sh, p_ucred: CRED + 0x100n, p_flag: 0x10004002, p_state: 1, p_pid: 801, p_pptr: PROC.kernel, p_pgrp: PG + 0x20n, p_numthreads: 1, p_comm: 'sh', p_args: PARGS });
  procs.add({ addr: PROC.pipe, p_ucred: CRED + 0x100n, p_flag: 0x10004000, p_state: 1, p_pid: 800, p_pptr: PROC.kernel, p_pgrp: PG + 0x20n, p_numthreads: 1, p_comm: 'pipe' });
  procs.add({ addr: PROC.pagedaemon, p_ucred: CRED, p_flag: 0x10000204, p_state: 1, p_pid: 4, p_pptr: PROC.kernel, p_pgrp: PG, p_numthreads: 1, p_comm: 'pagedaemon' });
  procs.add({ addr: PROC.idle, p_ucred: CRED, p_flag: 0x10000204, p_state: 1, p_pid: 11, p_pptr: PROC.kernel, p_pgrp: PG, p_numthreads: 4, p_comm: 'idle' });
  procs.add({ addr: PROC.kernel, p_ucred: CRED, p_flag: 0x10000200, p_state: 1, p_pid: 0, p_pptr: 0n, p_pgrp: PG, p_numthreads: 0, p_comm: 'kernel' });
  tables.push(procs.build());
  const pgrp = new TableBuilder('struct pgrp', { addr: 'u64', pg_id: 'i32' });
  pgrp.add({ addr: PG, pg_id: 0 });
  pgrp.add({ addr: PG + 0x20n, pg_id: 800 });
  tables.push(pgrp.build());
  // 2020's struct ucred points cr_groups at its own cr_smallgroups
  const small = BigInt(freebsdTypeDefs(4, 4, 2020).find((d) => d.name === 'struct ucred')!.members.find((m) => m.name === 'cr_smallgroups')!.offset);
  const cred = new TableBuilder('struct ucred', { addr: 'u64', cr_ref: 'u32', cr_uid: 'u32', cr_ruid: 'u32', cr_ngroups: 'i32', cr_groups: 'u64', cr_agroups: 'i32', cr_smallgroups: { list: 'u32' } });
  cred.add({ addr: CRED, cr_ref: 10, cr_uid: 0, cr_ruid: 0, cr_ngroups: 1, cr_groups: CRED + small, cr_agroups: 16, cr_smallgroups: [0] });
  cred.add({ addr: CRED + 0x100n, cr_ref: 2, cr_uid: 1001, cr_ruid: 1001, cr_ngroups: 3, cr_groups: CRED + 0x100n + small, cr_agroups: 16, cr_smallgroups: [1001, 1001, 0] });
  tables.push(cred.build());
  const shArgs = [...'sh\0-c\0./pipe\0'].map((c) => c.charCodeAt(0));
  const pargs = new TableBuilder('struct pargs', { addr: 'u64', ar_ref: 'u32', ar_length: 'u32', ar_args: { list: 'u8' } });
  pargs.add({ addr: PARGS, ar_ref: 1, ar_length: shArgs.length, ar_args: shArgs });
  tables.push(pargs.build());
  const pcpu = new TableBuilder('struct pcpu', { addr: 'u64', pc_curthread: 'u64', pc_idlethread: 'u64', pc_cpuid: 'u32' });
  for (let c = 0; c < 4; c++) pcpu.add({ addr: 0xc0a40000n + BigInt(c) * 0x100n, pc_curthread: TD.idle[c]!, pc_idlethread: TD.idle[c]!, pc_cpuid: c });
  tables.push(pcpu.build());
  const msgbuf = new TableBuilder('msgbuf', { timestamp: 'i64', text: 'str' });
  msgbuf.add({ timestamp: 1000000000n, text: 'FreeBSD 13.0-CURRENT #0 r363200: Tue Jul 14 2020' });
  msgbuf.add({ timestamp: 899000000000n, text: 'KDB: enter: Break to debugger' });
  tables.push(msgbuf.build());
  return { header: header(), types: freebsdTypeDefs(4, 4, 2020), tables };
}

export function freebsd2020Session(syntax?: Syntax, model: DumpModel = freebsd2020Dump()): MdbSession {
  return createSession(model, 'fbsd13.dump', undefined, syntax ? { syntax } : {});
}

/** Output of a line that must succeed. */
export async function out(s: MdbSession, line: string): Promise<string> {
  const r = await s.execute(line);
  if (!r.ok) throw new Error(`'${line}' failed: ${r.errors.join(' / ')}`);
  return r.output;
}
