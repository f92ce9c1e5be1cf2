/*
 * savecore for the 2020 FreeBSD machine: threads, frames and processes as
 * ps and bt read them, vm_cnt, the vmem arenas with every boundary tag (on
 * each seglist in order, then the spares on vm_freetags, bt_type 0), UMA's
 * kegs, zones, slabs and buckets, symbols, globals, strings and the console.
 */
import { formatTable, TableBuilder } from '../../../dump/builder.js';
import { type DebuggerEntry, type DumpModel, type Recipe, type Table } from '../../../dump/format.js';
import { freebsdTypes } from '../../../dump/types/freebsd/index.js';
import type { Kernel } from '../../machine/kernel.js';
import { toAddr, type Kva } from '../../machine/platform.js';
import { framePcOff } from '../../machine/symbols.js';
import { LOCK_CLASS_MTX_SLEEP, LOCK_CLASS_MTX_SPIN, lockFlags, MTX_COLUMNS, mtxLockWord, propagatedPriorities } from '../kern/mutex.js';
import { TS_ONPROC, TS_SLEEP, TS_ZOMB, type KThread } from '../../machine/thread.js';
import { blockedMtx20, HZ, kernelObject, sleepPriority20, sleepsInterruptibly20, type Mtx20 } from '../kern/kern2020.js';
import { P_HADTHREADS, P_SYSTEM, procInfo, threadName } from '../kern/proc.js';
import type { Freebsd2020System } from '../system2020.js';
import { seglist } from '../vmem/vmem.js';
import { UMA_ZONE_OFFPAGE } from '../uma2020/uma.js';
import { collectSymbols, Creds, curthreads, freebsdFrames, trapframeOf, turnstileTable, versionGlobals, type GlobalVar, Pargs, NOCPU, Pgrps, procThreadLists, TDF_BORROWING, TDF_SINTR, TDI_IWAIT, TDI_LOCK, TDI_SLEEPING, TDS_CAN_RUN, TDS_INHIBITED, TDS_RUNNING, TDS_RUNQ, TID_BASE } from './collect.js';

export function collectFreebsd2020(sys: Freebsd2020System, recipe: Recipe, outcome: 'panic' | 'hang' | 'completed', entry: DebuggerEntry | null): DumpModel {
  const { k, u, vm, vs, btZone } = sys;
  const ps = k.p.pointerSize;
  const L = freebsdTypes(ps, k.cfg.ncpus, 2020, 1);
  const A = (kva: Kva): bigint => toAddr(k.p, kva);
  const tables: Table[] = [];
  const add = (t: Table): void => void tables.push(t);
  const pr = k.panicked;
  const oncpu = curthreads(k);
  const onCpuOf = new Map<KThread, number>();
  oncpu.forEach((t, i) => onCpuOf.set(t, i));
  for (const z of u.zones) k.kstring(z.name);
  for (const t of k.threads) if (t.wmesg) k.kstring(t.wmesg);
  // the objects and names the container locks use, before the symbol and string tables are written
  const giantAddr = ContainerLocks.prepare(k, L.structs.get('struct mtx')!.size);
  const allocfSym = (name: string): Kva => k.sym.funcs.find((f) => f.name === name)?.addr ?? 0;

  const globals: GlobalVar[] = [
    ...versionGlobals(k.cfg.kernelVersion),
    { name: 'panicstr', size: ps, value: 0, ...(pr ? { str: pr.message } : {}) },
    { name: 'mp_ncpus', size: 4, value: k.cfg.ncpus },
    { name: 'physmem', size: ps, value: k.cfg.physmem },
    { name: 'hz', size: 4, value: HZ },
    { name: 'ticks', size: 4, value: Math.floor((k.now * HZ) / 1e9) },
    { name: 'bucketdisable', size: 4, value: u.bucketdisable ? 1 : 0 },
    { name: 'kernel_arena', size: ps, value: sys.km.kernel_arena.addr, ptr: true },
    { name: 'buffer_arena', size: ps, value: sys.bufferArena.addr, ptr: true },
    { name: 'vmem_bt_zone', size: ps, value: btZone.addr, ptr: true },
    { name: 'vm_dom_kernel_arena', size: ps, value: sys.km.domain_arena.addr, ptr: true },
    // LIST_HEAD(, vmem) vmem_list: vmem_init() inserts each arena at the head, so lh_first is the newest
    { name: 'vmem_list', size: ps, value: sys.vs.arenas.at(-1)?.addr ?? 0, ptr: true },
    { name: 'vm_lowmem_runs', size: 4, value: vm.lowmems },
    { name: 'uma_reclaim_needed', size: 4, value: vm.umaReclaimNeeded },
    { name: 'vm_pageout_pages', size: 4, value: vm.pagedOut },
  ];
  collectSymbols(k, 'kernel.2020', globals, add);

  // ---- threads, frames, processes ----
  const th = new TableBuilder('struct thread', {
    addr: 'u64', td_proc: 'u64', 'td_plist.tqe_next': 'u64', td_tid: 'i32', td_flags: 'i32', td_inhibitors: 'i32',
    td_wchan: 'u64', td_wmesg: 'u64', td_lastcpu: 'u8', td_oncpu: 'u8', td_blocked: 'u64', td_lockname: 'u64',
    td_state: 'i32', td_base_pri: 'u8', td_priority: 'u8', td_pcb: 'u64', td_kstack: 'u64', td_kstack_pages: 'i32', td_name: 'str',
    td_lock: 'u64', td_sleeptimo: 'i64', td_swvoltick: 'i32', td_swinvoltick: 'i32',
  });
  const locks = new ContainerLocks(k, A, giantAddr);
  if (!sys.smallAlloc) locks.mutex(sys.btLock);
  const tickOf = (ns: number): number => (ns < 0 ? 0 : Math.floor((ns * HZ) / 1e9) | 0);
  const fr = freebsdFrames();
  const live = k.threads.filter((t) => t.state !== TS_ZOMB);
  const { firstOf, count, nextInProc } = procThreadLists(live);
  const idle = new Set(k.cpus.map((c) => c.idle));
  // _sleep() set the priority it was given for the sleep; a lock's owner runs at what its waiters
  // lent it (propagate_priority() -> sched_lend_prio(), which sets TDF_BORROWING)
  const ownPri = (t: KThread): number => (t.state === TS_SLEEP && !blockedMtx20(t) ? sleepPriority20(t) : t.pri);
  const priority = propagatedPriorities(live, ownPri, (t) => blockedMtx20(t)?.owner);
  live.forEach((t, row) => {
    const cpu = onCpuOf.get(t);
    const m = blockedMtx20(t);
    const asleep = t.state === TS_SLEEP && !m;
    // an interrupt thread between interrupts waits in ithread_loop (TDI_IWAIT), on no wait channel
    const iwait = asleep && t.intr && !t.wmesg;
    let state = TDS_RUNQ;
    let inhib = 0;
    if (cpu !== undefined) state = TDS_RUNNING;
    // sched_switch(): an idle thread switched out is TD_SET_CAN_RUN, on no run queue
    else if (idle.has(t)) state = TDS_CAN_RUN;
    else if (t.state === TS_ONPROC) state = TDS_RUNNING;
    else if (t.state === TS_SLEEP) {
      state = TDS_INHIBITED;
      inhib = m ? TDI_LOCK : iwait ? TDI_IWAIT : TDI_SLEEPING;
    }
    th.add({
      addr: A(t.addr), td_proc: A(t.proc.addr), 'td_plist.tqe_next': nextInProc.has(t) ? A(nextInProc.get(t)!.addr) : 0n, td_tid: TID_BASE + k.threads.indexOf(t),
      td_flags: (asleep && !iwait && sleepsInterruptibly20(t) ? TDF_SINTR : 0) | (priority.get(t)! < ownPri(t) ? TDF_BORROWING : 0), td_inhibitors: inhib, td_wchan: asleep && !iwait ? A(t.wchan) : 0n, td_wmesg: asleep && t.wmesg ? A(k.kstring(t.wmesg)) : 0n,
      td_lastcpu: t.cpu, td_oncpu: cpu ?? NOCPU, td_blocked: m ? A(m.turnstile) : 0n, td_lockname: m ? A(k.kstring(m.name)) : 0n,
      td_state: state, td_base_pri: Math.max(0, Math.min(255, t.pri)), td_priority: Math.max(0, Math.min(255, priority.get(t)!)),
      td_pcb: A(t.stk - 0x200), td_kstack: A(t.stkBase), td_kstack_pages: Math.round(k.p.stackSize / k.p.pagesize), td_name: threadName(t).slice(0, 19),
      // thread_lock(): a turnstile's ts_lock while blocked on a lock, the sleep queue chain's lock while asleep, else its CPU's run queue lock
      td_lock: m ? locks.blockedOn(m) : asleep && !iwait ? locks.sleepq(t.wchan) : locks.tdq(cpu ?? t.cpu),
      td_sleeptimo: asleep && !iwait && t.wakeAt >= 0 ? nsToSbt(t.wakeAt) : 0n,
      td_swvoltick: tickOf(t.volSwitchAt), td_swinvoltick: tickOf(t.involSwitchAt),
    });
    const frames = t.frames;
    for (let d = 0; d < frames.length; d++) {
      const f = frames[frames.length - 1 - d]!;
      if (f.hidden) continue;
      fr.add({ thread_row: row, depth: d, fp: A(f.fp), pc: A(f.fn.addr + framePcOff(f)), args: f.args.map((v, j) => ((f.ptrMask >> j) & 1 ? A(v) : BigInt.asUintN(64, BigInt(Math.trunc(v))))), locals: f.locals.map(A), trapframe: trapframeOf(f, A) });
    }
  });
  add(th.build());
  add(fr.build());
  const procs = k.procs.filter((p) => firstOf.has(p));
  const pt = new TableBuilder('struct proc', { addr: 'u64', 'p_list.le_next': 'u64', 'p_threads.tqh_first': 'u64', p_ucred: 'u64', p_flag: 'i32', p_state: 'i32', p_pid: 'i32', p_pptr: 'u64', p_pgrp: 'u64', p_numthreads: 'i32', p_comm: 'str', p_args: 'u64' });
  const allproc = [...procs].reverse();
  const pgrps = new Pgrps(k, A);
  const ucredDef = L.structs.get('struct ucred')!;
  const creds = new Creds(k, A, ucredDef.members.find((m) => m.name === 'cr_smallgroups')!.offset);
  const pargs = new Pargs(k, A);
  allproc.forEach((p, i) => {
    const info = procInfo(p);
    pt.add({
      addr: A(p.addr), 'p_list.le_next': i + 1 < allproc.length ? A(allproc[i + 1]!.addr) : 0n, 'p_threads.tqh_first': A(firstOf.get(p)!.addr), p_ucred: creds.of(info.uid, info.groups),
      p_flag: info.flag | (count.get(p)! > 1 ? P_HADTHREADS : 0), p_state: 1, p_pid: p.pid, p_pptr: info.parent ? A(info.parent.addr) : 0n, p_pgrp: pgrps.of(info.pgid), p_numthreads: count.get(p) ?? 0, p_comm: p.comm,
      p_args: info.flag & P_SYSTEM ? 0n : pargs.of(p.psargs),
    });
  });
  add(pt.build());
  add(pgrps.table());
  add(creds.table());
  add(pargs.table());
  add(locks.table());
  const onTurnstile = live.flatMap((t) => {
    const m = blockedMtx20(t);
    return m ? [{ t, ts: m.turnstile, lock: m.addr, owner: m.owner }] : [];
  });
  add(turnstileTable(k, A, onTurnstile, true));
  // pc_curpcb: the running thread's pcb (td_pcb), as cpu_switch() loads it
  const pc = new TableBuilder('struct pcpu', { addr: 'u64', pc_curthread: 'u64', pc_idlethread: 'u64', pc_curpcb: 'u64', pc_cpuid: 'u32', 'pc_allcpu.sle_next': 'u64' });
  k.cpus.forEach((c, i) =>
    pc.add({ addr: A(c.addr), pc_curthread: A(oncpu[i]!.addr), pc_idlethread: A(c.idle.addr), pc_curpcb: A(oncpu[i]!.stk - 0x200), pc_cpuid: c.id, 'pc_allcpu.sle_next': i + 1 < k.cpus.length ? A(k.cpus[i + 1]!.addr) : 0n }),
  );
  add(pc.build());
  const c = vm.cnt;
  const vmm = new TableBuilder('struct vmmeter', Object.fromEntries([['addr', 'u64'], ...Object.keys(c).map((x) => [x, 'u32'])]) as Record<string, 'u64' | 'u32'>);
  vmm.add({ addr: A(vm.cntAddr), ...c } as unknown as Record<string, number | bigint>);
  add(vmm.build());

  // ---- vmem ----
  const vt = new TableBuilder('struct vmem', {
    addr: 'u64', vm_name: 'str', vm_nfreetags: 'i32', vm_nbusytag: 'i32', vm_inuse: 'u64', vm_size: 'u64', vm_limit: 'u64',
    vm_quantum_mask: 'u64', vm_quantum_shift: 'i32', 'vm_freetags.lh_first': 'u64', 'vm_seglist.tqh_first': 'u64', vm_hashsize: 'u64',
    vm_source: 'u64', vm_importfn: 'u64', vm_arg: 'u64', 'vm_list.le_next': 'u64',
  });
  const bt = new TableBuilder('struct vmem_btag', { addr: 'u64', 'bt_seglist.tqe_next': 'u64', 'bt_freelist.le_next': 'u64', bt_start: 'u64', bt_size: 'u64', bt_type: 'i32', arena_row: 'u32' });
  vs.arenas.forEach((a, row) => {
    vt.add({
      // char vm_name[VMEM_NAME_MAX + 1]: vmem_init()'s strlcpy keeps 16 characters
      addr: A(a.addr), vm_name: a.name.slice(0, 16), vm_nfreetags: a.vm_nfreetags, vm_nbusytag: a.vm_nbusytag, vm_inuse: BigInt(a.vm_inuse), vm_size: BigInt(a.vm_size), vm_limit: BigInt(a.vm_limit),
      vm_quantum_mask: BigInt(a.quantum - 1), vm_quantum_shift: a.qshift, 'vm_freetags.lh_first': a.freetags.length ? A(a.freetags[a.freetags.length - 1]!.addr) : 0n,
      'vm_seglist.tqh_first': a.seghead ? A(a.seghead.addr) : 0n, vm_hashsize: BigInt(a.vm_hashsize), vm_source: a.source ? A(a.source.addr) : 0n,
      vm_importfn: a.importSym ? A(allocfSym(a.importSym)) : 0n, vm_arg: a.source ? A(a.source.addr) : 0n, 'vm_list.le_next': row > 0 ? A(vs.arenas[row - 1]!.addr) : 0n,
    });
    // a tag's start is an address of the arena's resource: KVA, written as the kernel address
    for (const t of seglist(a)) bt.add({ addr: A(t.addr), 'bt_seglist.tqe_next': t.next ? A(t.next.addr) : 0n, 'bt_freelist.le_next': t.fnext ? A(t.fnext.addr) : 0n, bt_start: A(t.bt_start), bt_size: BigInt(t.bt_size), bt_type: t.bt_type, arena_row: row });
    for (let i = a.freetags.length - 1; i >= 0; i--) bt.add({ addr: A(a.freetags[i]!.addr), 'bt_seglist.tqe_next': 0n, 'bt_freelist.le_next': i > 0 ? A(a.freetags[i - 1]!.addr) : 0n, bt_start: 0n, bt_size: 0n, bt_type: 0, arena_row: row });
  });
  add(vt.build());
  add(bt.build());

  // ---- UMA ----
  const kt = new TableBuilder('struct uma_keg', {
    addr: 'u64', uk_name: 'u64', 'uk_zones.lh_first': 'u64', uk_reserve: 'u32', uk_size: 'u32', uk_rsize: 'u32', uk_allocf: 'u64', uk_freef: 'u64',
    uk_pgoff: 'u16', uk_ppera: 'u16', uk_ipers: 'u16', uk_flags: 'u32', 'uk_link.le_next': 'u64',
    'uk_domain[0].ud_part_slab.lh_first': 'u64', 'uk_domain[0].ud_free_slab.lh_first': 'u64', 'uk_domain[0].ud_full_slab.lh_first': 'u64',
    'uk_domain[0].ud_pages': 'u32', 'uk_domain[0].ud_free_items': 'u32', 'uk_domain[0].ud_free_slabs': 'u32',
  });
  const sl = new TableBuilder('struct uma_slab', { addr: 'u64', 'us_link.le_next': 'u64', us_freecount: 'u16', us_flags: 'u8', us_domain: 'u8', us_free: { list: 'u32' } });
  // the slab lists are LIST_INSERT_HEAD lists: the newest slab of each Set is lh_first (see listFirst)
  const first = <T>(s: Set<T>): T | undefined => [...s].pop();
  // an off-page slab header is the uma_slab at the head of a struct uma_hash_slab, whose uhs_data is the
  // slab's memory (slab_data()): the same address in both tables
  const hs = new TableBuilder('struct uma_hash_slab', { addr: 'u64', uhs_data: 'u64' });
  u.kegs.forEach((g, i) => {
    const zone = u.zones.find((z) => z.keg === g)!;
    kt.add({
      addr: A(g.addr), uk_name: A(k.kstring(g.name)), 'uk_zones.lh_first': A(zone.addr), uk_reserve: g.reserve, uk_size: g.size, uk_rsize: g.rsize,
      uk_allocf: A(allocfSym(g.allocf)), uk_freef: A(allocfSym(g.freef)), uk_pgoff: g.pgoff, uk_ppera: g.ppera, uk_ipers: g.ipers, uk_flags: g.flags,
      'uk_link.le_next': i + 1 < u.kegs.length ? A(u.kegs[i + 1]!.addr) : 0n,
      'uk_domain[0].ud_part_slab.lh_first': first(g.part) ? A(first(g.part)!.addr) : 0n, 'uk_domain[0].ud_free_slab.lh_first': first(g.freeS) ? A(first(g.freeS)!.addr) : 0n,
      'uk_domain[0].ud_full_slab.lh_first': first(g.full) ? A(first(g.full)!.addr) : 0n,
      'uk_domain[0].ud_pages': g.ud_pages, 'uk_domain[0].ud_free_items': g.ud_free_items, 'uk_domain[0].ud_free_slabs': g.ud_free_slabs,
    });
    for (const set of [g.part, g.freeS, g.full]) {
      const arr = [...set].reverse();
      arr.forEach((s, j) => sl.add({ addr: A(s.addr), 'us_link.le_next': j + 1 < arr.length ? A(arr[j + 1]!.addr) : 0n, us_freecount: s.freecount, us_flags: s.boot ? 1 : 0, us_domain: 0, us_free: s.free }));
      if (g.flags & UMA_ZONE_OFFPAGE) for (const s of arr) hs.add({ addr: A(s.addr), uhs_data: A(s.data) });
    }
  });
  add(kt.build());
  add(sl.build());
  add(hs.build());
  const zspec: Record<string, 'u64' | 'u32' | 'u16'> = { addr: 'u64', uz_name: 'u64', uz_keg: 'u64', uz_flags: 'u32', uz_size: 'u32', uz_bucket_size: 'u16', uz_allocs: 'u64', uz_frees: 'u64', uz_fails: 'u64', 'uz_domain[0].uzd_buckets.lh_first': 'u64', 'uz_domain[0].uzd_nitems': 'u64' };
  // struct uma_cache_bucket caches its bucket's count and size (ucb_cnt, ucb_entries) beside the pointer;
  // uma_zone_sumstat() and ddb's show uma read the counts there, not in the bucket
  for (let i = 0; i < k.cfg.ncpus; i++) {
    for (const m of ['uc_allocbucket.ucb_bucket', 'uc_freebucket.ucb_bucket', 'uc_allocs', 'uc_frees']) zspec[`uz_cpu[${i}].${m}`] = 'u64';
    for (const m of ['uc_allocbucket.ucb_cnt', 'uc_allocbucket.ucb_entries', 'uc_freebucket.ucb_cnt', 'uc_freebucket.ucb_entries']) zspec[`uz_cpu[${i}].${m}`] = 'u16';
  }
  const zt = new TableBuilder('struct uma_zone', zspec);
  const bk = new TableBuilder('struct uma_bucket', { addr: 'u64', 'ub_link.le_next': 'u64', ub_cnt: 'u16', ub_entries: 'u16', ub_bucket: { list: 'u64' } });
  for (const z of u.zones) {
    const row: Record<string, number | bigint> = {
      addr: A(z.addr), uz_name: A(k.kstring(z.name)), uz_keg: A(z.keg.addr), uz_flags: z.flags, uz_size: z.keg.size, uz_bucket_size: z.bucketSize,
      uz_allocs: BigInt(z.allocs), uz_frees: BigInt(z.frees), uz_fails: BigInt(z.fails),
      'uz_domain[0].uzd_buckets.lh_first': z.buckets.length ? A(z.buckets[z.buckets.length - 1]!.addr) : 0n,
      'uz_domain[0].uzd_nitems': BigInt(z.buckets.reduce((n, b) => n + b.items.length, 0)),
    };
    z.cpu.forEach((cc, i) => {
      row[`uz_cpu[${i}].uc_allocbucket.ucb_bucket`] = cc.alloc ? A(cc.alloc.addr) : 0n;
      row[`uz_cpu[${i}].uc_freebucket.ucb_bucket`] = cc.free ? A(cc.free.addr) : 0n;
      row[`uz_cpu[${i}].uc_allocs`] = BigInt(cc.allocs);
      row[`uz_cpu[${i}].uc_frees`] = BigInt(cc.frees);
      row[`uz_cpu[${i}].uc_allocbucket.ucb_cnt`] = cc.alloc ? cc.alloc.items.length : 0;
      row[`uz_cpu[${i}].uc_allocbucket.ucb_entries`] = cc.alloc ? cc.alloc.entries : 0;
      row[`uz_cpu[${i}].uc_freebucket.ucb_cnt`] = cc.free ? cc.free.items.length : 0;
      row[`uz_cpu[${i}].uc_freebucket.ucb_entries`] = cc.free ? cc.free.entries : 0;
      for (const b of [cc.alloc, cc.free]) if (b) bk.add({ addr: A(b.addr), 'ub_link.le_next': 0n, ub_cnt: b.items.length, ub_entries: b.entries, ub_bucket: b.items.map(A) });
    });
    for (let i = z.buckets.length - 1; i >= 0; i--) {
      const b = z.buckets[i]!;
      bk.add({ addr: A(b.addr), 'ub_link.le_next': i > 0 ? A(z.buckets[i - 1]!.addr) : 0n, ub_cnt: b.items.length, ub_entries: b.entries, ub_bucket: b.items.map(A) });
    }
    zt.add(row);
  }
  add(zt.build());
  add(bk.build());

  const mbt = formatTable('msgbuf');
  for (const l of k.msgbuf) mbt.add({ timestamp: BigInt(l.time), text: l.text });
  add(mbt.build());
  add(formatTable('stacks').build());
  return {
    header: {
      os: 'freebsd', kernelVersion: k.cfg.kernelVersion, platform: k.p.name, isa: k.p.isa, pointerSize: k.p.pointerSize, hostname: k.cfg.hostname,
      debug: k.cfg.debug, ncpus: k.cfg.ncpus, physmem: k.cfg.physmem, pagesize: k.p.pagesize, dumpTime: String(k.now), dumpKind: pr ? 'panic' : 'live',
      panic: pr ? { message: pr.message, thread: k.hex(pr.thread.addr), cpu: pr.cpu, caller: pr.caller } : null, outcome, ...(entry ? { entry } : {}), recipe,
    },
    types: L.types(),
    tables,
  };
}

/** sbintime_t of a time in ns since boot: 32.32 fixed-point seconds (sbinuptime()). */
export function nsToSbt(ns: number): bigint {
  return (BigInt(Math.max(0, Math.round(ns))) << 32n) / 1_000_000_000n;
}

/** subr_sleepqueue.c: SC_TABLESIZE chains, hashed by wait channel; each a cache line, sc_lock after the LIST_HEAD */
const SC_TABLESIZE = 256;
const SC_CHAIN = 64;

/**
 * The locks threads are contained by (td_lock), as "struct mtx" rows: a
 * sleeping thread's sleep queue chain lock ("sleepq chain", at
 * &sleepq_chains[SC_HASH(wchan)].sc_lock), a thread blocked on a lock its
 * turnstile's ts_lock ("turnstile lock", the struct's first member, so at
 * the turnstile's address), any other thread its CPU's run queue lock
 * ("sched lock N", tdq_lock, first in struct tdq). A turnstile's lock is
 * its struct turnstile row's ts_lock (turnstileTable), not a row here; the
 * contested mutex itself is.
 */
class ContainerLocks {
  /** spin mutexes (mtx_init(..., MTX_SPIN)) by address: their names */
  private readonly rows = new Map<Kva, string>();
  private readonly mutexes = new Map<Kva, Mtx20>();
  /** the sleep mutexes a thread is blocked on: their mtx_lock carries MTX_CONTESTED */
  private readonly contested = new Set<Kva>();
  constructor(
    private readonly k: Kernel,
    private readonly A: (kva: Kva) => bigint,
    /** Giant's struct mtx, as prepare() laid it out */
    private readonly giant: Kva,
  ) {}
  private add(addr: Kva, name: string): bigint {
    if (!this.rows.has(addr)) this.rows.set(addr, name);
    return this.A(addr);
  }
  sleepq(wchan: Kva): bigint {
    const h = ((wchan >>> 8) ^ wchan) & (SC_TABLESIZE - 1);
    // sleepq_init(): mtx_init(&sc->sc_lock, "sleepq chain", NULL, MTX_SPIN)
    return this.add(sleepqChains(this.k) + h * SC_CHAIN + this.k.p.pointerSize, 'sleepq chain');
  }
  /** a sleep mutex the kernel has whether or not anyone waits for it (vmem_bt_lock) */
  mutex(m: Mtx20): void {
    this.mutexes.set(m.addr, m);
  }
  /**
   * A thread blocked on mutex m: m gets its row (its name, its owner), and
   * the thread's container lock is m's turnstile's ts_lock, whose name its
   * struct turnstile row carries (turnstileTable).
   */
  blockedOn(m: Mtx20): bigint {
    this.mutexes.set(m.addr, m);
    this.contested.add(m.addr);
    return this.A(m.turnstile);
  }
  tdq(cpu: number): bigint {
    // tdq_setup(): mtx_init(&tdq->tdq_lock, "sched lock N", "sched lock", MTX_SPIN)
    return this.add(tdqCpu(this.k) + cpu * TDQ_SIZE, `sched lock ${cpu}`);
  }
  /**
   * lay out sleepq_chains, tdq_cpu and Giant and intern the lock names (collectSymbols writes what
   * exists by then). Giant: every kernel has it (mtx_init(&Giant, "Giant", NULL, MTX_DEF |
   * MTX_RECURSE) in mutex_init()); the 2020 model runs nothing under it, so it is unowned, and laid
   * out here, after everything the run placed, it moves no other address.
   * Returns Giant's address.
   */
  static prepare(k: Kernel, mtxSize: number): Kva {
    sleepqChains(k);
    tdqCpu(k);
    for (const n of ['sleepq chain', 'turnstile lock', 'btag lock', 'Giant']) k.kstring(n);
    for (let c = 0; c < k.cfg.ncpus; c++) k.kstring(`sched lock ${c}`);
    return kernelObject(k, 'Giant', mtxSize);
  }
  table(): Table {
    const t = new TableBuilder('struct mtx', MTX_COLUMNS);
    const all = [
      // spin locks nobody holds at the dump
      ...[...this.rows].map(([addr, name]) => ({ addr, name, owner: null as KThread | null, flags: lockFlags(LOCK_CLASS_MTX_SPIN, false) })),
      // sleep mutexes (vmem_bt_lock: mtx_init(..., "btag lock", NULL, MTX_DEF)) and their owners
      ...[...this.mutexes.values()].map((m) => ({ addr: m.addr, name: m.name, owner: m.owner, flags: lockFlags(LOCK_CLASS_MTX_SLEEP, false) })),
      { addr: this.giant, name: 'Giant', owner: null as KThread | null, flags: lockFlags(LOCK_CLASS_MTX_SLEEP, true) },
    ].sort((a, b) => a.addr - b.addr);
    for (const r of all) {
      const mtxLock = mtxLockWord(r.owner ? this.A(r.owner.addr) : null, this.contested.has(r.addr), false);
      t.add({ addr: this.A(r.addr), 'mtx_object.lo_name': this.A(this.k.kstring(r.name)), 'mtx_object.lo_flags': r.flags, mtx_lock: mtxLock, mtx_recurse: 0 });
    }
    return t.build();
  }
}
/** sizeof (struct tdq), three run queues of RQ_NQS heads and the rest, rounded to cache lines */
const TDQ_SIZE = 0x680;
const sleepqChains = (k: Kernel): Kva => kernelObject(k, 'sleepq_chains', SC_TABLESIZE * SC_CHAIN);
const tdqCpu = (k: Kernel): Kva => kernelObject(k, 'tdq_cpu', Math.max(1, k.cfg.ncpus) * TDQ_SIZE);
