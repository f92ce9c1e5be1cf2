// A small FreeBSD 5.x i386 crash dump built in memory for the freebsd module
// and ddb grammar tests, shaped like the 2004 "uma_zone_slab is looping"
// hang: the Mbuf keg with its primary zone Mbuf and secondary zone Packet,
// MbufClust (OFFPAGE|REFCNT, uk_recurse 1, slab headers from UMA RCntSlabs),
// UMA RCntSlabs (INTERNAL, uk_recurse 1), slabs with freelists, buckets;
// a thread spinning in uma_zone_slab on CPU 0, one asleep on "vmwait" below
// slab_zalloc(slabrefzone), one blocked on Giant; two CPUs; cnt; a message
// buffer. panic=true writes a panic dump, false a hang dump (header.entry).
import { TableBuilder } from '../../../../src/dump/builder.js';
import { SYMKIND_FUNC, SYMKIND_OBJECT, type DumpHeader, type DumpModel, type Table } from '../../../../src/dump/format.js';
import { freebsdTypeDefs } from '../../../../src/dump/types/freebsd/index.js';
import { createSession, type MdbSession, type Syntax } from '../../../../src/mdb/session.js';

const TEXT = 0xc0600000n;
export const FN: Record<string, bigint> = {};
[
  'uma_zone_slab', 'uma_zalloc_internal', 'uma_zalloc_arg', 'mb_init_pack', 'uma_zalloc_bucket', 'm_getcl', 'fork_exit',
  'slab_zalloc', 'page_alloc', 'kmem_malloc', 'vm_wait', 'msleep', 'mi_switch', 'turnstile_wait', '_mtx_lock_sleep',
  'nfssvc_nfsd', 'sched_idletd', 'scheduler', 'panic', 'kdb_enter',
].forEach((n, i) => (FN[n] = TEXT + BigInt(i) * 0x1000n));
export const pc = (name: string, off: bigint): bigint => FN[name]! + off;

const DATA = 0xc0a00000n;
export const SYM = {
  panicstr: DATA + 0x00n,
  slabzone: DATA + 0x04n,
  slabrefzone: DATA + 0x08n,
  zone_mbuf: DATA + 0x0cn,
  zone_clust: DATA + 0x10n,
  zone_pack: DATA + 0x14n,
  mp_ncpus: DATA + 0x18n,
  hz: DATA + 0x1cn,
  bucketdisable: DATA + 0x20n,
  cnt: DATA + 0x100n,
  Giant: DATA + 0x200n,
};
export const PANIC_TEXT = 0xc0b00000n;
export const PANIC_MSG = 'uma_zone_slab is looping';

export const KEG = { mbuf: 0xc1000000n, clust: 0xc1000100n, rcnt: 0xc1000200n };
export const ZONE = { mbuf: 0xc1001000n, pack: 0xc1001200n, clust: 0xc1001400n, rcnt: 0xc1001600n };
export const BUCKET = { mbufCpu0: 0xc1002000n, packCpu0: 0xc1002040n, packFull: 0xc1002080n, clustCpu1Free: 0xc10020c0n };
export const SLAB = { mbuf: 0xc2000f00n, clust: 0xc1ff0000n, rcnt: 0xc1ff0f80n };
export const MBUF_DATA = 0xc2000000n;
export const CLUST_DATA = 0xc3000000n;
export const TD = { loop: 0xc1f3a180n, vmwait: 0xc1f3a300n, giant: 0xc1f3a480n, idle0: 0xc1f3a600n, idle1: 0xc1f3a780n, swapper: 0xc0a31b40n };
export const PROC = { swapper: 0xc1e10000n, idle: 0xc1e10200n, nfsd: 0xc1e10400n, test: 0xc1e10600n };
export const TURNSTILE = 0xc1e00040n;
export const FREE_COUNT = SYM.cnt + 0x30n; // &cnt.v_free_count

const STR = {
  mbuf: 0xc0b00100n,
  pack: 0xc0b00110n,
  clust: 0xc0b00120n,
  rcnt: 0xc0b00130n,
  vmwait: 0xc0b00200n,
  sched: 0xc0b00210n,
  giant: 0xc0b00220n,
};

function header(panic: boolean): DumpHeader {
  return {
    os: 'freebsd',
    kernelVersion: 'FreeBSD 5.3-STABLE #0',
    platform: 'i386',
    isa: 'i386',
    pointerSize: 4,
    hostname: 'fbsd',
    debug: false,
    ncpus: 2,
    physmem: 65536,
    pagesize: 4096,
    dumpTime: '600000000000',
    dumpKind: panic ? 'panic' : 'live',
    panic: panic ? { message: PANIC_MSG, thread: TD.loop.toString(16), cpu: 0, caller: 'uma_zone_slab' } : null,
    outcome: panic ? 'panic' : 'hang',
    ...(panic ? {} : { entry: { reason: 'break', thread: TD.loop.toString(16), cpu: 0 } }),
    recipe: { scenario: 'test', scenarioText: 'name: test\n', seed: 1, set: [], fixes: [], mddbVersion: '0.1.0' },
  };
}

function symbols(): Table {
  const t = new TableBuilder('symbols', { name: 'str', module: 'str', addr: 'u64', size: 'u64', kind: 'u8' });
  for (const [n, a] of Object.entries(FN)) t.add({ name: n, module: 'kernel', addr: a, size: 0x400n, kind: SYMKIND_FUNC });
  for (const [n, a] of Object.entries(SYM)) t.add({ name: n, module: 'kernel', addr: a, size: n === 'cnt' ? 0x60n : n === 'Giant' ? 0x20n : 4n, kind: SYMKIND_OBJECT });
  return t.build();
}

interface Th {
  addr: bigint;
  tid: number;
  proc: bigint;
  state: number;
  inhibitors?: number;
  flags?: number;
  wchan?: bigint;
  wmesg?: bigint;
  lockname?: bigint;
  blocked?: bigint;
  oncpu?: number;
  pri: number;
  kstack: bigint;
  frames: Array<[string, bigint, bigint[]]>;
}

function threads(): Th[] {
  const ks = (i: number): bigint => 0xc8000000n + BigInt(i) * 0x4000n;
  return [
    { addr: TD.swapper, tid: 0, proc: PROC.swapper, state: 1, inhibitors: 2, wchan: 0xc0a3a000n, wmesg: STR.sched, pri: 68, kstack: ks(0), frames: [['mi_switch', 0x1a0n, [1n, 0n]], ['msleep', 0x2f3n, [0xc0a3a000n, 0n, 0x44n, STR.sched, 0n]], ['scheduler', 0x3a8n, [0n]]] },
    { addr: TD.idle0, tid: 100003, proc: PROC.idle, state: 2, pri: 255, kstack: ks(1), frames: [['sched_idletd', 0x20n, [0n]], ['fork_exit', 0xa8n, [FN['sched_idletd']!, 0n, 0xd4c83d48n]]] },
    { addr: TD.idle1, tid: 100004, proc: PROC.idle, state: 4, oncpu: 1, pri: 255, kstack: ks(2), frames: [['sched_idletd', 0x24n, [0n]], ['fork_exit', 0xa8n, [FN['sched_idletd']!, 0n, 0xd4c87d48n]]] },
    {
      addr: TD.vmwait, tid: 100046, proc: PROC.nfsd, state: 1, inhibitors: 2, wchan: FREE_COUNT, wmesg: STR.vmwait, pri: 4, kstack: ks(3),
      frames: [
        ['mi_switch', 0x1a0n, [1n, 0n]],
        ['msleep', 0x2f3n, [FREE_COUNT, 0n, 4n, STR.vmwait, 0n]],
        ['vm_wait', 0x5an, []],
        ['kmem_malloc', 0x1c4n, [0xc0a60000n, 0x1000n, 2n]],
        ['page_alloc', 0x27n, [ZONE.rcnt, 0x1000n, 0xd4c8ba4fn, 2n]],
        ['slab_zalloc', 0xa5n, [ZONE.rcnt, 2n]],
        ['uma_zone_slab', 0x10en, [ZONE.rcnt, 2n]],
        ['uma_zalloc_internal', 0x3cn, [ZONE.rcnt, 0n, 2n]],
        ['slab_zalloc', 0x5an, [ZONE.clust, 2n]],
        ['uma_zone_slab', 0x10en, [ZONE.clust, 2n]],
        ['nfssvc_nfsd', 0x121n, [0xc1e30000n]],
      ],
    },
    {
      addr: TD.giant, tid: 100047, proc: PROC.nfsd, state: 1, inhibitors: 8, lockname: STR.giant, blocked: TURNSTILE, pri: 20, kstack: ks(4),
      frames: [['mi_switch', 0x1a0n, [1n, 0n]], ['turnstile_wait', 0x2c4n, [TURNSTILE, TD.loop]], ['_mtx_lock_sleep', 0xc1n, [SYM.Giant, TD.giant, 0n, 0n, 0n]], ['nfssvc_nfsd', 0x40n, [0xc1e30000n]]],
    },
    {
      addr: TD.loop, tid: 100045, proc: PROC.test, state: 4, oncpu: 0, pri: 100, kstack: ks(5),
      frames: [
        ['uma_zone_slab', 0x10en, [ZONE.clust, 2n, 0n, 0xc0a1b2c4n]],
        ['uma_zalloc_internal', 0x3cn, [ZONE.clust, 0n, 2n]],
        ['uma_zalloc_arg', 0x1f2n, [ZONE.clust, 0n, 2n]],
        ['mb_init_pack', 0x2dn, [0xc2000100n, 0x100n, 2n]],
        ['uma_zalloc_bucket', 0x141n, [ZONE.pack, 2n]],
        ['uma_zalloc_arg', 0x262n, [ZONE.pack, 0n, 2n]],
        ['m_getcl', 0x2an, [2n, 1n, 2n]],
      ],
    },
  ];
}

export function freebsdDump(panic = true): DumpModel {
  const tables: Table[] = [symbols()];
  const globals = new TableBuilder('globals', { addr: 'u64', size: 'u8', value: 'u64' });
  globals.add({ addr: SYM.panicstr, size: 4, value: panic ? PANIC_TEXT : 0n });
  globals.add({ addr: SYM.slabzone, size: 4, value: 0n });
  globals.add({ addr: SYM.slabrefzone, size: 4, value: ZONE.rcnt });
  globals.add({ addr: SYM.zone_mbuf, size: 4, value: ZONE.mbuf });
  globals.add({ addr: SYM.zone_clust, size: 4, value: ZONE.clust });
  globals.add({ addr: SYM.zone_pack, size: 4, value: ZONE.pack });
  globals.add({ addr: SYM.mp_ncpus, size: 4, value: 2 });
  globals.add({ addr: SYM.hz, size: 4, value: 100 });
  globals.add({ addr: SYM.bucketdisable, size: 4, value: 1 });
  tables.push(globals.build());
  const strings = new TableBuilder('strings', { addr: 'u64', text: 'str' });
  if (panic) strings.add({ addr: PANIC_TEXT, text: PANIC_MSG });
  strings.add({ addr: STR.mbuf, text: 'Mbuf' });
  strings.add({ addr: STR.pack, text: 'Packet' });
  strings.add({ addr: STR.clust, text: 'MbufClust' });
  strings.add({ addr: STR.rcnt, text: 'UMA RCntSlabs' });
  strings.add({ addr: STR.vmwait, text: 'vmwait' });
  strings.add({ addr: STR.sched, text: 'sched' });
  strings.add({ addr: STR.giant, text: 'Giant' });
  tables.push(strings.build());

  const kegs = new TableBuilder('struct uma_keg', {
    addr: 'u64', 'uk_part_slab.lh_first': 'u64', 'uk_free_slab.lh_first': 'u64', 'uk_full_slab.lh_first': 'u64', 'uk_zones.lh_first': 'u64',
    uk_recurse: 'u32', uk_pages: 'u32', uk_free: 'u32', uk_size: 'u32', uk_rsize: 'u32', uk_maxpages: 'u32', uk_allocf: 'u64',
    uk_slabzone: 'u64', uk_ppera: 'u16', uk_ipers: 'u16', uk_flags: 'u32',
  });
  kegs.add({ addr: KEG.mbuf, 'uk_part_slab.lh_first': SLAB.mbuf, 'uk_zones.lh_first': ZONE.mbuf, uk_pages: 10, uk_free: 3, uk_size: 256, uk_rsize: 256, uk_maxpages: 0, uk_allocf: FN['page_alloc']!, uk_ppera: 1, uk_ipers: 15, uk_flags: 0 });
  kegs.add({ addr: KEG.clust, 'uk_full_slab.lh_first': SLAB.clust, 'uk_zones.lh_first': ZONE.clust, uk_recurse: 1, uk_pages: 100, uk_free: 0, uk_size: 2048, uk_rsize: 2048, uk_maxpages: 512, uk_allocf: FN['page_alloc']!, uk_slabzone: ZONE.rcnt, uk_ppera: 1, uk_ipers: 2, uk_flags: 0x408 });
  kegs.add({ addr: KEG.rcnt, 'uk_full_slab.lh_first': SLAB.rcnt, 'uk_zones.lh_first': ZONE.rcnt, uk_recurse: 1, uk_pages: 1, uk_free: 0, uk_size: 60, uk_rsize: 64, uk_allocf: FN['page_alloc']!, uk_ppera: 1, uk_ipers: 60, uk_flags: 0x20000000 });
  tables.push(kegs.build());

  const zones = new TableBuilder('struct uma_zone', {
    addr: 'u64', uz_name: 'u64', uz_keg: 'u64', 'uz_full_bucket.lh_first': 'u64', uz_allocs: 'u64', uz_frees: 'u64', uz_fails: 'u64',
    'uz_cpu[0].uc_allocbucket': 'u64', 'uz_cpu[0].uc_freebucket': 'u64', 'uz_cpu[0].uc_allocs': 'u64', 'uz_cpu[0].uc_frees': 'u64',
    'uz_cpu[1].uc_allocbucket': 'u64', 'uz_cpu[1].uc_freebucket': 'u64', 'uz_cpu[1].uc_allocs': 'u64', 'uz_cpu[1].uc_frees': 'u64',
  });
  zones.add({ addr: ZONE.mbuf, uz_name: STR.mbuf, uz_keg: KEG.mbuf, uz_allocs: 1000, uz_frees: 990, 'uz_cpu[0].uc_allocbucket': BUCKET.mbufCpu0, 'uz_cpu[0].uc_allocs': 5 });
  zones.add({ addr: ZONE.pack, uz_name: STR.pack, uz_keg: KEG.mbuf, 'uz_full_bucket.lh_first': BUCKET.packFull, uz_allocs: 200, uz_frees: 150, 'uz_cpu[0].uc_allocbucket': BUCKET.packCpu0 });
  zones.add({ addr: ZONE.clust, uz_name: STR.clust, uz_keg: KEG.clust, uz_allocs: 200, uz_frees: 0, uz_fails: 7, 'uz_cpu[1].uc_freebucket': BUCKET.clustCpu1Free });
  zones.add({ addr: ZONE.rcnt, uz_name: STR.rcnt, uz_keg: KEG.rcnt, uz_allocs: 100, uz_frees: 40 });
  tables.push(zones.build());

  const buckets = new TableBuilder('struct uma_bucket', { addr: 'u64', 'ub_link.le_next': 'u64', ub_cnt: 'i32', ub_entries: 'i32', ub_bucket: { list: 'u64' } });
  buckets.add({ addr: BUCKET.mbufCpu0, ub_cnt: 4, ub_entries: 16, ub_bucket: [MBUF_DATA + 0x300n, MBUF_DATA + 0x400n, MBUF_DATA + 0x600n, MBUF_DATA + 0x800n] });
  buckets.add({ addr: BUCKET.packCpu0, ub_cnt: 2, ub_entries: 16, ub_bucket: [MBUF_DATA + 0x900n, MBUF_DATA + 0xa00n] });
  buckets.add({ addr: BUCKET.packFull, ub_cnt: 3, ub_entries: 16, ub_bucket: [MBUF_DATA + 0xb00n, MBUF_DATA + 0xc00n, MBUF_DATA + 0xd00n] });
  buckets.add({ addr: BUCKET.clustCpu1Free, ub_cnt: 0, ub_entries: 16, ub_bucket: [] });
  tables.push(buckets.build());

  const slabSpec = { addr: 'u64', us_keg: 'u64', 'us_link.le_next': 'u64', us_data: 'u64', us_flags: 'u8', us_freecount: 'u8', us_firstfree: 'u8', us_freelist: { list: 'u8' } } as const;
  const slabs = new TableBuilder('struct uma_slab', slabSpec);
  // free chain 2 -> 5 -> 7
  const fl = Array.from({ length: 15 }, () => 0xff);
  fl[2] = 5;
  fl[5] = 7;
  slabs.add({ addr: SLAB.mbuf, us_keg: KEG.mbuf, us_data: MBUF_DATA, us_freecount: 3, us_firstfree: 2, us_freelist: fl });
  slabs.add({ addr: SLAB.rcnt, us_keg: KEG.rcnt, us_data: 0xc1ff0000n, us_freecount: 0, us_firstfree: 0xff, us_freelist: Array.from({ length: 60 }, () => 0xff) });
  tables.push(slabs.build());
  const rslabs = new TableBuilder('struct uma_slab_refcnt', slabSpec);
  rslabs.add({ addr: SLAB.clust, us_keg: KEG.clust, us_data: CLUST_DATA, us_freecount: 0, us_firstfree: 0xff, us_freelist: [0xff, 0xff] });
  tables.push(rslabs.build());

  const ths = threads();
  const td = new TableBuilder('struct thread', {
    addr: 'u64', td_proc: 'u64', td_tid: 'i32', td_flags: 'i32', td_inhibitors: 'i32', td_pflags: 'i32', td_wchan: 'u64', td_wmesg: 'u64',
    td_lastcpu: 'u8', td_oncpu: 'u8', td_blocked: 'u64', td_lockname: 'u64', td_state: 'i32', td_priority: 'u8', td_kstack: 'u64', td_kstack_pages: 'i32', td_pcb: 'u64',
  });
  const frames = new TableBuilder('frames', { thread_row: 'u32', depth: 'u16', fp: 'u64', pc: 'u64', args: { list: 'u64' }, locals: { list: 'u64' } });
  ths.forEach((t, row) => {
    td.add({
      addr: t.addr, td_proc: t.proc, td_tid: t.tid, td_flags: t.flags ?? 0, td_inhibitors: t.inhibitors ?? 0, td_wchan: t.wchan ?? 0n, td_wmesg: t.wmesg ?? 0n,
      td_oncpu: t.oncpu ?? 0xff, td_lastcpu: t.oncpu ?? 0, td_blocked: t.blocked ?? 0n, td_lockname: t.lockname ?? 0n, td_state: t.state, td_priority: t.pri,
      td_kstack: t.kstack, td_kstack_pages: 2, td_pcb: t.kstack + 0x1d60n,
    });
    t.frames.forEach(([fn, off, args], depth) => frames.add({ thread_row: row, depth, fp: t.kstack + 0x1c00n + BigInt(depth) * 0x30n, pc: pc(fn, off), args, locals: [] }));
  });
  tables.push(td.build(), frames.build());

  const procs = new TableBuilder('struct proc', { addr: 'u64', p_ucred: 'u64', p_flag: 'i32', p_state: 'i32', p_pid: 'i32', p_pptr: 'u64', p_pgrp: 'u64', p_numthreads: 'i32', p_comm: 'str', p_args: 'u64' });
  const PG = 0xc1e20000n;
  const CRED = 0xc1e28000n;
  const PARGS = 0xc1e29000n;
  procs.add({ addr: PROC.test, p_ucred: CRED + 0x100n, p_flag: 0x10000002, p_state: 1, p_pid: 1234, p_pptr: PROC.swapper, p_pgrp: PG + 0x40n, p_numthreads: 1, p_comm: 'mbuftest' });
  procs.add({ addr: PROC.nfsd, p_ucred: CRED, p_flag: 0x10000000, p_state: 1, p_pid: 530, p_pptr: PROC.swapper, p_pgrp: PG + 0x20n, p_numthreads: 2, p_comm: 'nfsd', p_args: PARGS });
  procs.add({ addr: PROC.idle, p_ucred: CRED, p_flag: 0x10000204, p_state: 1, p_pid: 11, p_pptr: PROC.swapper, p_pgrp: PG, p_numthreads: 2, p_comm: 'idle' });
  procs.add({ addr: PROC.swapper, p_ucred: CRED, p_flag: 0x10000200, p_state: 1, p_pid: 0, p_pptr: 0n, p_pgrp: PG, p_numthreads: 1, p_comm: 'swapper' });
  tables.push(procs.build());
  const pgrp = new TableBuilder('struct pgrp', { addr: 'u64', pg_id: 'i32' });
  pgrp.add({ addr: PG, pg_id: 0 });
  pgrp.add({ addr: PG + 0x20n, pg_id: 530 });
  pgrp.add({ addr: PG + 0x40n, pg_id: 1230 });
  tables.push(pgrp.build());
  // 2004's struct ucred holds cr_groups[NGROUPS] inline
  const cred = new TableBuilder('struct ucred', { addr: 'u64', cr_ref: 'u32', cr_uid: 'u32', cr_ruid: 'u32', cr_ngroups: 'u16', cr_groups: { list: 'u32' } });
  cred.add({ addr: CRED, cr_ref: 10, cr_uid: 0, cr_ruid: 0, cr_ngroups: 1, cr_groups: [0] });
  cred.add({ addr: CRED + 0x100n, cr_ref: 1, cr_uid: 1001, cr_ruid: 1001, cr_ngroups: 3, cr_groups: [1001, 1001, 0] });
  tables.push(cred.build());
  const nfsdArgs = [...'nfsd\0-u\0-t\0'].map((c) => c.charCodeAt(0));
  const pargs = new TableBuilder('struct pargs', { addr: 'u64', ar_ref: 'u32', ar_length: 'u32', ar_args: { list: 'u8' } });
  pargs.add({ addr: PARGS, ar_ref: 1, ar_length: nfsdArgs.length, ar_args: nfsdArgs });
  tables.push(pargs.build());

  const pcpu = new TableBuilder('struct pcpu', { addr: 'u64', pc_curthread: 'u64', pc_idlethread: 'u64', pc_curpcb: 'u64', pc_cpuid: 'u32', pc_cpumask: 'u32' });
  pcpu.add({ addr: 0xc0a40000n, pc_curthread: TD.loop, pc_idlethread: TD.idle0, pc_curpcb: 0xc8015d60n, pc_cpuid: 0, pc_cpumask: 1 });
  pcpu.add({ addr: 0xc0a40100n, pc_curthread: TD.idle1, pc_idlethread: TD.idle1, pc_curpcb: 0xc8009d60n, pc_cpuid: 1, pc_cpumask: 2 });
  tables.push(pcpu.build());
  const cnt = new TableBuilder('struct vmmeter', { addr: 'u64', v_page_count: 'u32', v_free_min: 'u32', v_free_count: 'u32', v_free_reserved: 'u32' });
  cnt.add({ addr: SYM.cnt, v_page_count: 65000, v_free_min: 250, v_free_count: 12, v_free_reserved: 80 });
  tables.push(cnt.build());
  const mtx = new TableBuilder('struct mtx', { addr: 'u64', mtx_lock: 'u64', mtx_recurse: 'u32' });
  mtx.add({ addr: SYM.Giant, mtx_lock: TD.loop, mtx_recurse: 0 });
  tables.push(mtx.build());
  const msgbuf = new TableBuilder('msgbuf', { timestamp: 'i64', text: 'str' });
  msgbuf.add({ timestamp: 1000000000n, text: 'Copyright (c) 1992-2004 The FreeBSD Project.' });
  msgbuf.add({ timestamp: 590000000000n, text: 'panic: uma_zone_slab is looping' });
  tables.push(msgbuf.build());

  return { header: header(panic), types: freebsdTypeDefs(4, 2), tables };
}

export function freebsdSession(panic = true, syntax?: Syntax): MdbSession {
  return createSession(freebsdDump(panic), 'fbsd.dump', undefined, syntax ? { syntax } : {});
}

/** Output of a line that must succeed. */
export async function out(s: MdbSession, line: string): Promise<string> {
  const r = await s.execute(line);
  if (!r.ok) throw new Error(`'${line}' failed: ${r.errors.join(' / ')}`);
  return r.output;
}
