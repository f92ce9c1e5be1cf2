/*
 * savecore for the simulated FreeBSD machine: the kernel into a DumpModel
 * (src/dump/format.ts, FreeBSD paragraph). Nothing here decides an outcome;
 * it copies state: threads and processes as ps and show thread read them,
 * the per-CPU data, `cnt`, Giant, and UMA's kegs, zones, slabs and buckets
 * with their list linkage, plus symbols, globals, strings, frames and the
 * message buffer.
 */
import { formatTable, TableBuilder } from '../../../dump/builder.js';
import { NON_STRUCT_TABLES } from '../../../dump/validate.js';
import { SYMKIND_FUNC, SYMKIND_OBJECT, type DebuggerEntry, type DumpModel, type Recipe, type Table } from '../../../dump/format.js';
import type { Kernel } from '../../machine/kernel.js';
import { toAddr, type Kva } from '../../machine/platform.js';
import { framePcOff } from '../../machine/symbols.js';
import { TS_ONPROC, TS_RUN, TS_SLEEP, TS_ZOMB, type Frame, type KThread } from '../../machine/thread.js';
import { blockedMtx, LOCK_CLASS_MTX_SLEEP, lockFlags, MTX_COLUMNS, mtxLockWord, MTX_UNOWNED, propagatedPriorities } from '../kern/mutex.js';
import { P_SYSTEM, procInfo } from '../kern/proc.js';
import { HZ, sleepPriority, sleepsInterruptibly } from '../kern/synch.js';
import type { FreebsdSystem } from '../system.js';
import { UMA_ZONE_REFCNT, type Bucket, type Keg, type Slab } from '../uma/types.js';
import { freebsdLayouts } from './layouts.js';

export const TDS_INHIBITED = 1;
export const TDS_CAN_RUN = 2;
export const TDS_RUNQ = 3;
export const TDS_RUNNING = 4;
export const TDI_SLEEPING = 0x2;
export const TDI_LOCK = 0x8;
export const TDI_IWAIT = 0x10;
export const NOCPU = 0xff;
/** the first thread id FreeBSD hands out */
export const TID_BASE = 100000;
/** td_flags: asleep with PCATCH (sleepq_add), ps's S rather than D */
export const TDF_SINTR = 0x8;
/** sys/proc.h: TDF_BORROWING, set by sched_lend_prio() while a thread runs at a priority lent through a turnstile (2020; 5.3 had no flag for it) */
export const TDF_BORROWING = 0x1;

/**
 * Each process's threads as the dump links them (p_threads, td_plist), in
 * creation order: the first, the count, and each thread's next.
 */
export function procThreadLists(live: readonly KThread[]): { firstOf: Map<object, KThread>; count: Map<object, number>; nextInProc: Map<KThread, KThread> } {
  const firstOf = new Map<object, KThread>();
  const count = new Map<object, number>();
  const nextInProc = new Map<KThread, KThread>();
  const lastOf = new Map<object, KThread>();
  for (const t of live) {
    if (!firstOf.has(t.proc)) firstOf.set(t.proc, t);
    const prev = lastOf.get(t.proc);
    if (prev) nextInProc.set(prev, t);
    lastOf.set(t.proc, t);
    count.set(t.proc, (count.get(t.proc) ?? 0) + 1);
  }
  return { firstOf, count, nextInProc };
}

/** The process groups the processes name (p_pgrp), one struct pgrp each, in first-use order. */
export class Pgrps {
  private readonly byId = new Map<number, Kva>();
  constructor(
    private readonly k: Kernel,
    private readonly A: (kva: Kva) => bigint,
  ) {}
  of(pgid: number): bigint {
    let pg = this.byId.get(pgid);
    if (pg === undefined) this.byId.set(pgid, (pg = this.k.bootAlloc(0x40)));
    return this.A(pg);
  }
  table(): Table {
    const t = new TableBuilder('struct pgrp', { addr: 'u64', pg_id: 'i32' });
    for (const [id, a] of this.byId) t.add({ addr: this.A(a), pg_id: id });
    return t.build();
  }
}

/**
 * The credentials processes hold (struct ucred), one per distinct uid and
 * group list, as fork shares its parent's by reference (crhold). 2004's
 * struct ucred holds cr_groups[NGROUPS] inline; 2020's points cr_groups at
 * its own cr_smallgroups[XU_NGROUPS] (`smallgroupsOffset`, from the layout).
 */
export class Creds {
  private readonly byKey = new Map<string, { addr: Kva; uid: number; groups: readonly number[] }>();
  constructor(
    private readonly k: Kernel,
    private readonly A: (kva: Kva) => bigint,
    private readonly smallgroupsOffset?: number,
  ) {}
  of(uid: number, groups: readonly number[]): bigint {
    const key = `${uid}:${groups.join(',')}`;
    let c = this.byKey.get(key);
    if (!c) this.byKey.set(key, (c = { addr: this.k.bootAlloc(0x80), uid, groups: groups.slice(0, 16) }));
    return this.A(c.addr);
  }
  table(): Table {
    const off = this.smallgroupsOffset;
    if (off === undefined) {
      const t = new TableBuilder('struct ucred', { addr: 'u64', cr_ref: 'u32', cr_uid: 'u32', cr_ruid: 'u32', cr_ngroups: 'u16', cr_groups: { list: 'u32' } });
      for (const c of this.byKey.values()) t.add({ addr: this.A(c.addr), cr_ref: 1, cr_uid: c.uid, cr_ruid: c.uid, cr_ngroups: c.groups.length, cr_groups: [...c.groups] });
      return t.build();
    }
    const t = new TableBuilder('struct ucred', { addr: 'u64', cr_ref: 'u32', cr_uid: 'u32', cr_ruid: 'u32', cr_ngroups: 'i32', cr_groups: 'u64', cr_agroups: 'i32', cr_smallgroups: { list: 'u32' } });
    for (const c of this.byKey.values()) {
      t.add({ addr: this.A(c.addr), cr_ref: 1, cr_uid: c.uid, cr_ruid: c.uid, cr_ngroups: c.groups.length, cr_groups: this.A(c.addr + off), cr_agroups: 16, cr_smallgroups: [...c.groups] });
    }
    return t.build();
  }
}

/**
 * The arguments exec saved for each user process (struct pargs, p_args):
 * ar_args is the argument strings NUL-separated, each NUL-terminated, and
 * ar_length counts every byte. Kernel processes have none (p_args NULL).
 */
export class Pargs {
  private readonly rows: Array<{ addr: Kva; bytes: number[] }> = [];
  constructor(
    private readonly k: Kernel,
    private readonly A: (kva: Kva) => bigint,
  ) {}
  of(args: string): bigint {
    const words = args.split(' ').filter((w) => w.length > 0);
    if (words.length === 0) return 0n;
    const bytes: number[] = [];
    for (const w of words) {
      for (let i = 0; i < w.length; i++) bytes.push(w.charCodeAt(i) & 0xff);
      bytes.push(0);
    }
    const addr = this.k.bootAlloc(8 + bytes.length);
    this.rows.push({ addr, bytes });
    return this.A(addr);
  }
  table(): Table {
    const t = new TableBuilder('struct pargs', { addr: 'u64', ar_ref: 'u32', ar_length: 'u32', ar_args: { list: 'u8' } });
    for (const r of this.rows) t.add({ addr: this.A(r.addr), ar_ref: 1, ar_length: r.bytes.length, ar_args: r.bytes });
    return t.build();
  }
}

/**
 * vers.c's strings: version[] (the banner uname -v and the boot console
 * print, with its newline), ostype[] and osrelease[], taken from the
 * scenario's version string ("FreeBSD 13.0-CURRENT #0 ...").
 */
export function versionGlobals(version: string): GlobalVar[] {
  const m = /^(\S+)\s+(\S+)/.exec(version);
  return [
    { name: 'version', size: 1, value: 0, chars: `${version}\n` },
    { name: 'ostype', size: 1, value: 0, chars: m?.[1] ?? 'FreeBSD' },
    { name: 'osrelease', size: 1, value: 0, chars: m?.[2] ?? '' },
  ];
}

/**
 * The turnstiles threads are blocked on (td_blocked), one "struct
 * turnstile" row each: the lock (ts_lockobj), its owner, and the first
 * blocked thread on ts_blocked (2020: the exclusive queue, ts_blocked[0],
 * and the turnstile's own spin lock, "turnstile lock").
 */
export function turnstileTable(k: Kernel, A: (kva: Kva) => bigint, blocked: ReadonlyArray<{ t: KThread; ts: Kva; lock: Kva; owner: KThread | null }>, era2020: boolean): Table {
  const byTs = new Map<Kva, { lock: Kva; owner: KThread | null; first: KThread }>();
  for (const b of blocked) if (!byTs.has(b.ts)) byTs.set(b.ts, { lock: b.lock, owner: b.owner, first: b.t });
  const q = era2020 ? 'ts_blocked[0].tqh_first' : 'ts_blocked.tqh_first';
  const spec: Record<string, 'u64'> = { addr: 'u64', [q]: 'u64', ts_lockobj: 'u64', ts_owner: 'u64' };
  if (era2020) spec['ts_lock.mtx_object.lo_name'] = 'u64';
  const t = new TableBuilder('struct turnstile', spec);
  for (const [ts, r] of [...byTs].sort((a, b) => a[0] - b[0])) {
    t.add({ addr: A(ts), [q]: A(r.first.addr), ts_lockobj: A(r.lock), ts_owner: r.owner ? A(r.owner.addr) : 0n, ...(era2020 ? { 'ts_lock.mtx_object.lo_name': A(k.kstring('turnstile lock')) } : {}) });
  }
  return t.build();
}

/** The frames table of a FreeBSD dump: the format's columns and `trapframe`, the saved user state at an entry frame (format.ts). */
export function freebsdFrames(): TableBuilder {
  return new TableBuilder('frames', { ...NON_STRUCT_TABLES.get('frames')!, trapframe: { list: 'u64' } });
}

/** A frame's trapframe as the column holds it: the number, then user values as they are, or kernel addresses as addresses. */
export function trapframeOf(f: Frame, A: (kva: Kva) => bigint): bigint[] {
  if (!f.trapframe) return [];
  return f.trapframe.map((v, i) => (i > 0 && f.trapframeKernel ? A(v) : BigInt.asUintN(64, BigInt(Math.trunc(v)))));
}

/** A global variable to write: its value, a pointer (a Kva), or a string it points at. */
export interface GlobalVar {
  name: string;
  size: 1 | 2 | 4 | 8;
  value: number;
  ptr?: boolean;
  str?: string;
  /** a char array holding this text (version[], ostype[]): the symbol is the string itself, not a pointer to it */
  chars?: string;
}

/**
 * The kernel's globals (each given its symbol, in `module`, unless the code
 * declared it already), the strings they and the kernel's constants point
 * at, and the symbol table, into the globals, strings and symbols tables.
 * Every FreeBSD module is "kernel" in the dump, whichever era declared it.
 */
export function collectSymbols(k: Kernel, module: string, globals: readonly GlobalVar[], add: (t: Table) => void): void {
  const A = (kva: Kva): bigint => toAddr(k.p, kva);
  const gt = formatTable('globals');
  const st = formatTable('strings');
  for (const g of globals) {
    if (g.chars !== undefined) {
      const o = k.sym.objects.find((x) => x.name === g.name) ?? k.sym.object(module, g.name, g.chars.length + 1);
      st.add({ addr: A(o.addr), text: g.chars });
      continue;
    }
    const o = k.sym.objects.find((x) => x.name === g.name) ?? k.sym.object(module, g.name, g.size);
    let value: bigint;
    if (g.str !== undefined) {
      const s = k.bootAlloc(g.str.length + 1);
      st.add({ addr: A(s), text: g.str });
      value = A(s);
    } else value = g.ptr ? A(g.value) : BigInt.asUintN(64, BigInt(g.value));
    gt.add({ addr: A(o.addr), size: g.size, value });
  }
  for (const [text, a] of k.kstrings) st.add({ addr: A(a), text });
  add(gt.build());
  add(st.build());
  const sy = formatTable('symbols');
  for (const f of k.sym.funcs) sy.add({ name: f.name, module: 'kernel', addr: A(f.addr), size: BigInt(f.size), kind: SYMKIND_FUNC });
  for (const o of k.sym.objects) sy.add({ name: o.name, module: 'kernel', addr: A(o.addr), size: BigInt(o.size), kind: SYMKIND_OBJECT });
  add(sy.build());
}

/** The thread on each CPU when the machine stopped: the panicking one, else the last dispatched there. */
export function curthreads(k: Kernel): KThread[] {
  const taken = new Set<KThread>();
  return k.cpus.map((c) => {
    if (c.thread && c.thread !== c.idle) return c.thread;
    let best: KThread | null = null;
    for (const t of k.threads) {
      if (t.state !== TS_RUN || t.cpu !== c.id || t === c.idle || taken.has(t)) continue;
      if (!best || t.dispTime > best.dispTime) best = t;
    }
    // the CPU was between two dispatches: the thread it ran last is still on it
    if (best) {
      taken.add(best);
      return best;
    }
    return c.idle;
  });
}

export function collectFreebsd(sys: FreebsdSystem, recipe: Recipe, outcome: 'panic' | 'hang' | 'completed', entry: DebuggerEntry | null): DumpModel {
  const { k, u, vm, mb } = sys;
  const L = freebsdLayouts(4, k.cfg.ncpus);
  const A = (kva: Kva): bigint => toAddr(k.p, kva);
  const tables: Table[] = [];
  const add = (t: Table): void => {
    tables.push(t);
  };
  const pr = k.panicked;
  const oncpu = curthreads(k);
  const onCpuOf = new Map<KThread, number>();
  oncpu.forEach((t, i) => onCpuOf.set(t, i));

  // strings every row may point at, interned before the strings table is written
  for (const z of u.zones) k.kstring(z.uz_name);
  for (const t of k.threads) if (t.wmesg) k.kstring(t.wmesg);

  const globals: GlobalVar[] = [
    ...versionGlobals(k.cfg.kernelVersion),
    { name: 'panicstr', size: 4, value: 0, ...(pr ? { str: pr.message } : {}) },
    { name: 'mp_ncpus', size: 4, value: k.cfg.ncpus },
    { name: 'physmem', size: 4, value: k.cfg.physmem },
    { name: 'maxusers', size: 4, value: sys.maxusers },
    { name: 'hz', size: 4, value: HZ },
    { name: 'ticks', size: 4, value: Math.floor((k.now * HZ) / 1e9) },
    { name: 'bucketdisable', size: 4, value: u.bucketdisable ? 1 : 0 },
    { name: 'uma_loop_panic', size: 4, value: u.loopPanic },
    { name: 'debug_mpsafenet', size: 4, value: sys.sc.kernel.mpsafenet ? 1 : 0 },
    { name: 'nmbclusters', size: 4, value: sys.nmbclusters },
    { name: 'vm_pages_needed', size: 4, value: vm.pagesNeeded ? 1 : 0 },
    { name: 'slabzone', size: 4, value: u.slabzone.addr, ptr: true },
    { name: 'slabrefzone', size: 4, value: u.slabrefzone.addr, ptr: true },
    { name: 'zone_mbuf', size: 4, value: mb.zone_mbuf.addr, ptr: true },
    { name: 'zone_clust', size: 4, value: mb.zone_clust.addr, ptr: true },
    { name: 'zone_pack', size: 4, value: mb.zone_pack.addr, ptr: true },
    { name: 'kmem_map', size: 4, value: sys.map.addr, ptr: true },
  ];
  collectSymbols(k, 'kernel', globals, add);

  // ---- threads, their frames, processes ----------------------------------
  const creds = new Creds(k, A);
  const pargs = new Pargs(k, A);
  const th = new TableBuilder('struct thread', {
    addr: 'u64',
    td_proc: 'u64',
    'td_plist.tqe_next': 'u64',
    td_tid: 'i32',
    td_flags: 'i32',
    td_inhibitors: 'i32',
    td_pflags: 'i32',
    td_wchan: 'u64',
    td_wmesg: 'u64',
    td_lastcpu: 'u8',
    td_oncpu: 'u8',
    td_locks: 'i32',
    td_blocked: 'u64',
    td_lockname: 'u64',
    td_ucred: 'u64',
    td_state: 'i32',
    td_base_pri: 'u8',
    td_priority: 'u8',
    td_pcb: 'u64',
    td_kstack: 'u64',
    td_kstack_pages: 'i32',
  });
  const fr = freebsdFrames();
  const live = k.threads.filter((t) => t.state !== TS_ZOMB);
  const { firstOf, count, nextInProc } = procThreadLists(live);
  const idle = new Set(k.cpus.map((c) => c.idle));
  // msleep() set the priority it was given (sched_prio(td, pri & PRIMASK)) for the sleep, and a
  // thread woken from it that blocks on Giant in PICKUP_GIANT still has it; a lock's owner runs at
  // what its waiters lent it (propagate_priority(), which in 5.3 sets td_priority itself)
  const priority = propagatedPriorities(
    live,
    (t) => {
      const asleep = t.state === TS_SLEEP;
      return asleep && !(t.intr && !t.wmesg) ? sleepPriority(t) : t.pri;
    },
    (t) => blockedMtx(t)?.owner,
  );
  live.forEach((t, row) => {
    const cpu = onCpuOf.get(t);
    const running = cpu !== undefined;
    const m = blockedMtx(t);
    const onLock = m !== undefined;
    const asleep = t.state === TS_SLEEP && !onLock;
    const iwait = asleep && t.intr && !t.wmesg;
    let state = TDS_RUNQ;
    let inhib = 0;
    if (running) state = TDS_RUNNING;
    // sched_switch(): an idle thread switched out is TD_SET_CAN_RUN, on no run queue
    else if (idle.has(t)) state = TDS_CAN_RUN;
    else if (t.state === TS_SLEEP) {
      state = TDS_INHIBITED;
      inhib = onLock ? TDI_LOCK : iwait ? TDI_IWAIT : TDI_SLEEPING;
    } else if (t.state === TS_ONPROC) state = TDS_RUNNING;
    const info = procInfo(t.proc);
    th.add({
      addr: A(t.addr),
      td_proc: A(t.proc.addr),
      'td_plist.tqe_next': nextInProc.has(t) ? A(nextInProc.get(t)!.addr) : 0n,
      td_tid: TID_BASE + k.threads.indexOf(t),
      td_flags: asleep && !iwait && sleepsInterruptibly(t) ? TDF_SINTR : 0,
      td_inhibitors: inhib,
      td_pflags: 0,
      td_wchan: asleep && !iwait ? A(t.wchan) : 0n,
      td_wmesg: asleep && !iwait && t.wmesg ? A(k.kstring(t.wmesg)) : 0n,
      td_lastcpu: t.cpu,
      td_oncpu: running ? cpu! : NOCPU,
      td_locks: sys.giant.owner === t ? 1 : 0,
      td_blocked: onLock ? A(m.turnstile) : 0n,
      td_lockname: onLock ? A(k.kstring(m.name)) : 0n,
      td_ucred: creds.of(info.uid, info.groups),
      td_state: state,
      td_base_pri: Math.max(0, Math.min(255, t.pri)),
      td_priority: Math.max(0, Math.min(255, priority.get(t)!)),
      td_pcb: A(t.stk - 0x200),
      td_kstack: A(t.stkBase),
      td_kstack_pages: Math.round(k.p.stackSize / k.p.pagesize),
    });
    const frames = t.frames;
    for (let d = 0; d < frames.length; d++) {
      const f = frames[frames.length - 1 - d]!;
      if (f.hidden) continue;
      fr.add({
        thread_row: row,
        depth: d,
        fp: A(f.fp),
        pc: A(f.fn.addr + framePcOff(f)),
        args: f.args.map((v, j) => ((f.ptrMask >> j) & 1 ? A(v) : BigInt(v >>> 0))),
        locals: f.locals.map((v) => A(v)),
        trapframe: trapframeOf(f, A),
      });
    }
  });
  add(th.build());
  add(fr.build());

  const pgrps = new Pgrps(k, A);
  const procs = k.procs.filter((p) => firstOf.has(p));
  const ps = new TableBuilder('struct proc', {
    addr: 'u64',
    'p_list.le_next': 'u64',
    'p_threads.tqh_first': 'u64',
    p_ucred: 'u64',
    p_flag: 'i32',
    p_state: 'i32',
    p_pid: 'i32',
    p_pptr: 'u64',
    p_pgrp: 'u64',
    p_numthreads: 'i32',
    p_comm: 'str',
    p_args: 'u64',
  });
  // allproc: newest first, as fork1() inserts at the head
  const allproc = [...procs].reverse();
  allproc.forEach((p, i) => {
    const info = procInfo(p);
    ps.add({
      addr: A(p.addr),
      'p_list.le_next': i + 1 < allproc.length ? A(allproc[i + 1]!.addr) : 0n,
      'p_threads.tqh_first': A(firstOf.get(p)!.addr),
      p_ucred: creds.of(info.uid, info.groups),
      p_flag: info.flag,
      p_state: 1 /* PRS_NORMAL */,
      p_pid: p.pid,
      p_pptr: info.parent ? A(info.parent.addr) : 0n,
      p_pgrp: pgrps.of(info.pgid),
      p_numthreads: count.get(p) ?? 0,
      p_comm: p.comm,
      p_args: info.flag & P_SYSTEM ? 0n : pargs.of(p.psargs),
    });
  });
  add(ps.build());
  add(pgrps.table());
  add(creds.table());
  add(pargs.table());

  // ---- per-CPU data, cnt, Giant ------------------------------------------
  const pc = new TableBuilder('struct pcpu', {
    addr: 'u64',
    pc_curthread: 'u64',
    pc_idlethread: 'u64',
    pc_curpcb: 'u64',
    pc_cpuid: 'u32',
    pc_cpumask: 'u32',
    'pc_allcpu.sle_next': 'u64',
  });
  k.cpus.forEach((c, i) => {
    const t = oncpu[i]!;
    pc.add({
      addr: A(c.addr),
      pc_curthread: A(t.addr),
      pc_idlethread: A(c.idle.addr),
      pc_curpcb: A(t.stk - 0x200),
      pc_cpuid: c.id,
      pc_cpumask: 1 << c.id,
      'pc_allcpu.sle_next': i + 1 < k.cpus.length ? A(k.cpus[i + 1]!.addr) : 0n,
    });
  });
  add(pc.build());
  const c = vm.cnt;
  const vmm = new TableBuilder('struct vmmeter', Object.fromEntries([['addr', 'u64'], ...Object.keys(c).map((x) => [x, 'u32'])]) as Record<string, 'u64' | 'u32'>);
  vmm.add({ addr: A(vm.cntAddr), ...c, v_page_size: k.p.pagesize } as unknown as Record<string, number | bigint>);
  add(vmm.build());
  const mtx = new TableBuilder('struct mtx', MTX_COLUMNS);
  const g = sys.giant;
  // mtx_init(&Giant, "Giant", NULL, MTX_DEF | MTX_RECURSE); a thread blocked on it has set MTX_CONTESTED
  const mtxLock = mtxLockWord(g.owner ? A(g.owner.addr) : null, live.some((t) => blockedMtx(t) === g), g.recurse > 0);
  mtx.add({ addr: A(g.addr), 'mtx_object.lo_name': A(k.kstring('Giant')), 'mtx_object.lo_flags': lockFlags(LOCK_CLASS_MTX_SLEEP, true), mtx_lock: mtxLock, mtx_recurse: g.recurse });
  add(mtx.build());
  const onTurnstile = live.flatMap((t) => {
    const m = blockedMtx(t);
    return m ? [{ t, ts: m.turnstile, lock: m.addr, owner: m.owner }] : [];
  });
  add(turnstileTable(k, A, onTurnstile, false));

  collectUma(sys, A, add);

  const mbt = formatTable('msgbuf');
  for (const l of k.msgbuf) mbt.add({ timestamp: BigInt(l.time), text: l.text });
  add(mbt.build());
  add(formatTable('stacks').build());

  return {
    header: {
      os: 'freebsd',
      kernelVersion: k.cfg.kernelVersion,
      platform: k.p.name,
      isa: k.p.isa,
      pointerSize: k.p.pointerSize,
      hostname: k.cfg.hostname,
      debug: k.cfg.debug,
      ncpus: k.cfg.ncpus,
      physmem: k.cfg.physmem,
      pagesize: k.p.pagesize,
      dumpTime: String(k.now),
      dumpKind: pr ? 'panic' : 'live',
      panic: pr ? { message: pr.message, thread: k.hex(pr.thread.addr), cpu: pr.cpu, caller: pr.caller } : null,
      outcome,
      ...(entry ? { entry } : {}),
      recipe,
    },
    types: L.types(),
    tables,
  };
}

/** UMA: kegs (uma_kegs order), zones, every slab header and bucket, with their queue(3) links. */
function collectUma(sys: FreebsdSystem, A: (k: Kva) => bigint, add: (t: Table) => void): void {
  const { k, u } = sys;
  const ncpu = k.cfg.ncpus;
  const kt = new TableBuilder('struct uma_keg', {
    addr: 'u64',
    'uk_link.le_next': 'u64',
    'uk_lock.mtx_object.lo_name': 'u64',
    'uk_lock.mtx_lock': 'u64',
    'uk_zones.lh_first': 'u64',
    'uk_part_slab.lh_first': 'u64',
    'uk_free_slab.lh_first': 'u64',
    'uk_full_slab.lh_first': 'u64',
    uk_recurse: 'u32',
    uk_align: 'u32',
    uk_pages: 'u32',
    uk_free: 'u32',
    uk_size: 'u32',
    uk_rsize: 'u32',
    uk_maxpages: 'u32',
    uk_init: 'u64',
    uk_fini: 'u64',
    uk_allocf: 'u64',
    uk_freef: 'u64',
    uk_slabzone: 'u64',
    uk_pgoff: 'u16',
    uk_ppera: 'u16',
    uk_ipers: 'u16',
    uk_flags: 'u32',
  });
  const slabSpec = {
    addr: 'u64',
    us_keg: 'u64',
    'us_link.le_next': 'u64',
    us_data: 'u64',
    us_flags: 'u8',
    us_freecount: 'u8',
    us_firstfree: 'u8',
    us_freelist: { list: 'u8' },
  } as const;
  const sl = new TableBuilder('struct uma_slab', slabSpec);
  const slr = new TableBuilder('struct uma_slab_refcnt', slabSpec);
  const first = <T>(s: Iterable<T>): T | undefined => {
    for (const x of s) return x;
    return undefined;
  };
  const slabList = (keg: Keg, set: Set<Slab>): void => {
    const arr = [...set];
    const tb = keg.uk_flags & UMA_ZONE_REFCNT ? slr : sl;
    arr.forEach((s, i) => {
      tb.add({
        addr: A(s.addr),
        us_keg: A(keg.addr),
        'us_link.le_next': i + 1 < arr.length ? A(arr[i + 1]!.addr) : 0n,
        us_data: A(s.data),
        us_flags: 0,
        us_freecount: s.us_freecount,
        us_firstfree: s.us_firstfree,
        us_freelist: s.freelist,
      });
    });
  };
  u.kegs.forEach((keg, i) => {
    const fn = (f: { addr: Kva } | null | undefined): bigint => (f ? A(f.addr) : 0n);
    kt.add({
      addr: A(keg.addr),
      'uk_link.le_next': i + 1 < u.kegs.length ? A(u.kegs[i + 1]!.addr) : 0n,
      'uk_lock.mtx_object.lo_name': A(k.kstring(keg.zones[0]!.uz_name)),
      'uk_lock.mtx_lock': keg.lockOwner ? A(keg.lockOwner.addr) : BigInt(MTX_UNOWNED),
      'uk_zones.lh_first': A(keg.zones[0]!.addr),
      'uk_part_slab.lh_first': fn(first(keg.part)),
      'uk_free_slab.lh_first': fn(first(keg.free)),
      'uk_full_slab.lh_first': fn(first(keg.full)),
      uk_recurse: keg.uk_recurse,
      uk_align: keg.uk_align,
      uk_pages: keg.uk_pages,
      uk_free: keg.uk_free,
      uk_size: keg.uk_size,
      uk_rsize: keg.uk_rsize,
      uk_maxpages: keg.uk_maxpages,
      uk_init: fn(keg.uk_init?.sym),
      uk_fini: fn(keg.uk_fini?.sym),
      uk_allocf: A(keg.uk_allocf.addr),
      uk_freef: A(keg.uk_freef.addr),
      uk_slabzone: fn(keg.uk_slabzone),
      uk_pgoff: keg.uk_pgoff,
      uk_ppera: keg.uk_ppera,
      uk_ipers: keg.uk_ipers,
      uk_flags: keg.uk_flags >>> 0,
    });
    slabList(keg, keg.part);
    slabList(keg, keg.free);
    slabList(keg, keg.full);
  });
  add(kt.build());
  add(sl.build());
  add(slr.build());

  const zspec: Record<string, 'u64' | 'u16'> = {
    addr: 'u64',
    uz_name: 'u64',
    uz_lock: 'u64',
    uz_keg: 'u64',
    'uz_link.le_next': 'u64',
    'uz_full_bucket.lh_first': 'u64',
    'uz_free_bucket.lh_first': 'u64',
    uz_ctor: 'u64',
    uz_dtor: 'u64',
    uz_init: 'u64',
    uz_fini: 'u64',
    uz_allocs: 'u64',
    uz_frees: 'u64',
    uz_fails: 'u64',
    uz_fills: 'u16',
    uz_count: 'u16',
  };
  for (let i = 0; i < ncpu; i++) {
    for (const m of ['uc_freebucket', 'uc_allocbucket', 'uc_allocs', 'uc_frees']) zspec[`uz_cpu[${i}].${m}`] = 'u64';
  }
  const zt = new TableBuilder('struct uma_zone', zspec);
  const bt = new TableBuilder('struct uma_bucket', { addr: 'u64', 'ub_link.le_next': 'u64', ub_cnt: 'u16', ub_entries: 'u16', ub_bucket: { list: 'u64' } });
  const addBuckets = (bs: Bucket[], linked: boolean): void => {
    // LIST_INSERT_HEAD: the last pushed is the list head
    for (let i = bs.length - 1; i >= 0; i--) {
      const b = bs[i]!;
      bt.add({
        addr: A(b.addr),
        'ub_link.le_next': linked && i > 0 ? A(bs[i - 1]!.addr) : 0n,
        ub_cnt: b.items.length,
        ub_entries: b.entries,
        ub_bucket: b.items.map(A),
      });
    }
  };
  for (const z of u.zones) {
    const kz = z.keg.zones;
    const zi = kz.indexOf(z);
    const row: Record<string, number | bigint> = {
      addr: A(z.addr),
      uz_name: A(k.kstring(z.uz_name)),
      uz_lock: A(z.keg.lock.addr),
      uz_keg: A(z.keg.addr),
      'uz_link.le_next': zi + 1 < kz.length ? A(kz[zi + 1]!.addr) : 0n,
      'uz_full_bucket.lh_first': z.full.length ? A(z.full[z.full.length - 1]!.addr) : 0n,
      'uz_free_bucket.lh_first': z.freeB.length ? A(z.freeB[z.freeB.length - 1]!.addr) : 0n,
      uz_ctor: z.uz_ctor ? A(z.uz_ctor.sym.addr) : 0n,
      uz_dtor: z.uz_dtor ? A(z.uz_dtor.sym.addr) : 0n,
      uz_init: z.uz_init ? A(z.uz_init.sym.addr) : 0n,
      uz_fini: z.uz_fini ? A(z.uz_fini.sym.addr) : 0n,
      uz_allocs: BigInt(z.uz_allocs),
      uz_frees: BigInt(z.uz_frees),
      uz_fails: BigInt(z.uz_fails),
      uz_fills: z.uz_fills,
      uz_count: z.uz_count,
    };
    z.uz_cpu.forEach((cc, i) => {
      row[`uz_cpu[${i}].uc_freebucket`] = cc.uc_freebucket ? A(cc.uc_freebucket.addr) : 0n;
      row[`uz_cpu[${i}].uc_allocbucket`] = cc.uc_allocbucket ? A(cc.uc_allocbucket.addr) : 0n;
      row[`uz_cpu[${i}].uc_allocs`] = BigInt(cc.uc_allocs);
      row[`uz_cpu[${i}].uc_frees`] = BigInt(cc.uc_frees);
      if (cc.uc_allocbucket) addBuckets([cc.uc_allocbucket], false);
      if (cc.uc_freebucket) addBuckets([cc.uc_freebucket], false);
    });
    zt.add(row);
    addBuckets(z.full, true);
    addBuckets(z.freeB, true);
  }
  add(zt.build());
  add(bt.build());
}
