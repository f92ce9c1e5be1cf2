/*
 * The kernel core into dump tables: symbols, globals, threads and their
 * frames, processes, CPUs, interned stacks, the message buffer and kmem's logs.
 */
import { ColumnArena, formatTable, TableBuilder } from '../../../dump/builder.js';
import { NO_ROW, SYMKIND_FUNC, SYMKIND_OBJECT, type Table } from '../../../dump/format.js';
import type { CtfBuilder } from '../../../dump/ctf.js';
import { offsetOf } from '../../../dump/types/illumos/index.js';
import type { Kernel } from '../../machine/kernel.js';
import { toAddr, type Kva } from '../../machine/platform.js';
import { callSiteOffset, func } from '../../machine/symbols.js';

/*
 * resume() (uts/intel/ia32/ml/swtch.s) switches a thread out: it saves the
 * thread's registers in its kthread_t, t_pc being resume_return, a label a
 * little past _resume_from_idle that mdb names _resume_from_idle+0x…, and
 * t_sp resume's own stack pointer, just below swtch()'s frame. A thread that
 * gave up its CPU through swtch() is therefore seen stopped in resume.
 */
const resumeFn = func('unix', 'resume', 0xf0);
const resumeFromIdle = func('unix', '_resume_from_idle', 0x160);
const swtchFn = func('unix', 'swtch', 0x1a0);
const locoreStart = func('unix', '_locore_start', 0x1a0);
/** kas: the kernel's address space, p_as of p0 and of the system processes */
const KAS_SIZE = 0xe0;
/** resume_return - _resume_from_idle */
const RESUME_RETURN = 0x12b;
/** resume() pushes the callee-saved registers below swtch's frame */
const RESUME_FRAME = 0x30;
import type { StackTable } from '../../machine/stacks.js';
import { TS_FREE, TS_ONPROC, type Frame, type KThread } from '../../machine/thread.js';
import type { Kmem } from '../kmem/kmem.js';
import { kernelObject } from '../kern/kobj.js';
import { session0, zone0 } from '../kern/proc.js';
import { taskqOfThread, taskqOffset, taskqs } from '../kern/taskq.js';
import type { Proc } from '../../machine/thread.js';

/** A global variable to describe: name, size, value (a Kva when ptr). */
export interface GlobalVar {
  module: string;
  name: string;
  size: 1 | 2 | 4 | 8;
  value: number | bigint;
  ptr?: boolean;
  /** a char * global: the string it points at */
  str?: string;
  /**
   * A word inside a larger kernel data object declared elsewhere (a member of
   * a struct global, an element of a static array): its address. No symbol
   * is declared for it; the row describes the memory at that address.
   */
  at?: Kva;
}

/**
 * A frame's return address. Callers' frames have the call site; the innermost
 * frame is where the thread stopped: inside swtch() for a sleeper, and vpanic
 * at its entry for the panicking thread (its registers were saved there).
 */
function pcOffset(f: Frame, innermost: boolean): number {
  if (f.pcOff !== 0) return f.pcOff;
  if (innermost && f.fn.name === 'vpanic') return 0;
  return callSiteOffset(f.fn, f.fn);
}

/**
 * The OS image's UUID, set once at install: derived from the machine (its
 * hostname and seed) so the same scenario and seed give the same dump.
 */
export function imageUuid(seed: number, hostname: string): string {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  let out = '';
  const src = `${hostname}/${seed}`;
  for (let i = 0; out.length < 32; i++) {
    h ^= src.charCodeAt(i % src.length) + i;
    h = Math.imul(h, 0x01000193) >>> 0;
    out += (h >>> 24).toString(16).padStart(2, '0');
  }
  // RFC 4122 version 4 layout, as uuid_generate_random() makes it
  const v = out.split('');
  v[12] = '4';
  v[16] = ((parseInt(v[16]!, 16) & 0x3) | 0x8).toString(16);
  const x = v.join('');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

/** What a user thread's process holds (its LWP, its address space), by thread. */
/** flist_grow()'s chunk: the open-file table's entries (sys/user.h) */
const NFPCHUNK = 24;

export type UserThreads = ReadonlyMap<KThread, { lwp: Kva; as: Kva; cred?: Kva; flist?: Kva }>;

/**
 * The frames of t as the dump records them, innermost last. An idle thread
 * that gave its CPU away did so by calling swtch() from idle() (disp.c), so
 * its stack ends in swtch, not in idle.
 */
function recordedFrames(k: Kernel, t: KThread): Frame[] {
  // t0 did not start in thread_start(): _locore_start called main() on it
  if (t === k.t0 && t.frames.length > 0) {
    const base = t.frames[0]!;
    return [{ ...base, fn: locoreStart, pcOff: callSiteOffset(locoreStart, t.frames[1]?.fn ?? locoreStart) }, ...t.frames.slice(1)];
  }
  const c = k.cpus.find((x) => x.idle === t);
  if (!c || c.thread === t || c.thread === null) return t.frames;
  const idleFr = t.frames[t.frames.length - 1]!;
  const fr: Frame = { ...idleFr, pcOff: callSiteOffset(idleFr.fn, swtchFn) };
  return [...t.frames.slice(0, -1), fr, { fn: swtchFn, pcOff: 0, fp: idleFr.fp - swtchFn.frameSize, args: [], ptrMask: 0, locals: [] }];
}

/**
 * t_state as illumos has it. An interrupt thread between interrupts is free
 * (TS_FREE, thread_create_intr()); the machine parks it asleep on its device.
 * An idle thread is TS_ONPROC for good: disp() sets it so when it picks it,
 * and swtch() never changes the state of the idle thread it leaves.
 */
function illumosState(k: Kernel, t: KThread): number {
  // (or runnable with nothing on its stack: the interrupt it will take is still pending)
  if (t.intr && t.state !== TS_ONPROC && t.frames.length <= 1) return TS_FREE;
  if (k.cpus.some((c) => c.idle === t)) return TS_ONPROC;
  return t.state;
}

export function collectKernel(
  k: Kernel,
  km: Kmem,
  L: CtfBuilder,
  globals: GlobalVar[],
  add: (t: Table) => void,
  user: UserThreads = new Map(),
  late?: (k: Kernel) => GlobalVar[],
): void {
  const A = (kva: Kva): bigint => toAddr(k.p, kva);
  const u = (v: number): bigint => BigInt.asUintN(64, BigInt(Math.trunc(v)));

  const kas = kernelObject(k, 'genunix', 'kas', KAS_SIZE).addr;
  // t0 is p0's own LWP, lwp0 (::threadlist shows it as sched/1)
  const lwp0 = kernelObject(k, 'genunix', 'lwp0', 0x3a8).addr;
  // Globals get their addresses in kernel data now; strings follow them.
  const gt = formatTable('globals');
  const st = formatTable('strings');
  const put = (g: GlobalVar): void => {
    const o = g.at !== undefined ? { addr: g.at } : k.sym.object(g.module, g.name, g.size);
    let value: bigint;
    if (g.str !== undefined) {
      const s = k.bootAlloc(g.str.length + 1);
      st.add({ addr: A(s), text: g.str });
      value = A(s);
    } else value = g.ptr ? A(Number(g.value)) : BigInt.asUintN(64, BigInt(g.value));
    gt.add({ addr: A(o.addr), size: g.size, value });
  };
  globals.forEach(put);
  // zone0's zone_name; session0 and zone0 are globals, laid out before the symbol table is written
  const globalName = k.kstring('global');
  const sess0 = session0(k);
  const z0 = zone0(k);
  for (const [text, a] of k.kstrings) st.add({ addr: A(a), text });
  // dump_osimage_uuid (char [37]): the OS image's UUID, which dumpsys() copies
  // into the dump header and mdb's ::status prints as "image uuid:"
  st.add({ addr: A(kernelObject(k, 'genunix', 'dump_osimage_uuid', 37).addr), text: imageUuid(k.cfg.seed, k.cfg.hostname) });
  // objects and globals declared last of all, so they move no other address
  for (const g of late?.(k) ?? []) put(g);
  add(gt.build());
  add(st.build());

  const sy = formatTable('symbols');
  for (const f of k.sym.funcs) sy.add({ name: f.name, module: f.module, addr: A(f.addr), size: BigInt(f.size), kind: SYMKIND_FUNC });
  for (const o of k.sym.objects) sy.add({ name: o.name, module: o.module, addr: A(o.addr), size: BigInt(o.size), kind: SYMKIND_OBJECT });
  add(sy.build());

  // Threads, in creation order (the thread walker's order), and their frames.
  const sobjAddr = (t: KThread): bigint => {
    if (!t.sobj) return 0n;
    const o = k.sym.objects.find((x) => x.name === `${t.sobj}_sobj_ops`);
    return o ? A(o.addr) : 0n;
  };
  const threadRow = new Map<KThread, number>();
  const th = new TableBuilder('kthread_t', {
    addr: 'u64',
    t_link: 'u64',
    t_stk: 'u64',
    t_stkbase: 'u64',
    t_startpc: 'u64',
    t_bound_cpu: 'u64',
    t_flag: 'u16',
    t_state: 'u32',
    t_pri: 'i32',
    t_pc: 'u64',
    t_sp: 'u64',
    t_wchan: 'u64',
    t_sobj_ops: 'u64',
    t_cpu: 'u64',
    t_did: 'u64',
    t_procp: 'u64',
    t_tid: 'i32',
    t_lwp: 'u64',
    t_disp_time: 'i64',
    t_next: 'u64',
    t_prev: 'u64',
    t_taskq: 'u64',
  });
  const fr = formatTable('frames');
  const n = k.threads.length;
  k.threads.forEach((t, i) => {
    threadRow.set(t, i);
    const frames = recordedFrames(k, t);
    const state = illumosState(k, t);
    const free = state === TS_FREE;
    const ut = user.get(t) ?? (t === k.t0 ? { lwp: lwp0, as: kas } : undefined);
    const inner = frames[frames.length - 1]!;
    const switched = inner.fn.name === 'swtch';
    // swtch() called resume(): its pc is that call's return address
    if (switched) inner.pcOff = callSiteOffset(inner.fn, resumeFn);
    const innerPc = switched ? resumeFromIdle.addr + RESUME_RETURN : inner.fn.addr + pcOffset(inner, true);
    const innerSp = switched ? inner.fp - RESUME_FRAME : inner.fp;
    th.add({
      addr: A(t.addr),
      t_link: 0n,
      t_stk: A(t.stk),
      t_stkbase: A(t.stkBase),
      t_startpc: A(t.startFn.addr),
      t_bound_cpu: t.boundCpu >= 0 ? A(k.cpus[t.boundCpu]!.addr) : 0n,
      t_flag: t.intr ? 0x1 : 0,
      t_state: state,
      t_pri: t.pri,
      t_pc: free ? 0n : A(innerPc),
      t_sp: free ? 0n : A(innerSp),
      t_wchan: free ? 0n : A(t.wchan),
      t_sobj_ops: free ? 0n : sobjAddr(t),
      t_cpu: A(k.cpus[t.cpu]!.addr),
      t_did: BigInt(t.did),
      t_procp: A(t.proc.addr),
      // lwp_create() gives a process's first LWP id 1; kernel threads have none
      t_tid: ut ? 1 : 0,
      t_lwp: ut ? A(ut.lwp) : 0n,
      t_disp_time: BigInt(Math.trunc(t.dispTime / 10_000_000)),
      t_next: A(k.threads[(i + 1) % n]!.addr),
      t_prev: A(k.threads[(i - 1 + n) % n]!.addr),
      t_taskq: A(taskqOfThread(t)?.addr ?? 0),
    });
    // innermost first; the outermost frame (thread_start) closes the chain
    // a free interrupt thread has nothing on its stack
    for (let d = 0; d < (free ? 0 : frames.length); d++) {
      const f = frames[frames.length - 1 - d]!;
      if (f.hidden) continue;
      const pc = f.fn.addr + pcOffset(f, d === 0);
      fr.add({
        thread_row: i,
        depth: d,
        fp: A(f.fp),
        pc: A(pc),
        // amd64 passes six arguments in registers and a -save_args kernel keeps
        // those on the stack, which is all mdb's $c can show
        args: f.args.slice(0, 6).map((v, j) => ((f.ptrMask >> j) & 1 ? A(v) : u(v))),
        locals: f.locals.map((v) => A(v)),
      });
    }
  });
  add(th.build());
  add(fr.build());
  collectTaskqs(k, A, add);

  const PID = 0xf00;
  const pr = new TableBuilder('proc_t', {
    addr: 'u64',
    p_stat: 'u8',
    p_as: 'u64',
    p_cred: 'u64',
    p_ppid: 'i32',
    p_parent: 'u64',
    p_child: 'u64',
    p_sibling: 'u64',
    p_psibling: 'u64',
    p_sessp: 'u64',
    p_pidp: 'u64',
    p_pgidp: 'u64',
    p_flag: 'u32',
    p_zone: 'u64',
    p_tlist: 'u64',
    'p_user.u_start.tv_sec': 'i64',
    'p_user.u_start.tv_nsec': 'i64',
    'p_user.u_comm': 'str',
    'p_user.u_psargs': 'str',
    'p_user.u_finfo.fi_nfiles': 'i32',
    'p_user.u_finfo.fi_list': 'u64',
  });
  const pid = new TableBuilder('struct pid', { addr: 'u64', pid_id: 'i32' });
  const pidOf = (p: Proc): bigint => A(p.pidAddr ?? p.addr + PID);
  // p0's session is session0; a setsid() caller's is the sess_t sess_create() allocated
  const sessOf = (p: Proc): Kva => p.sessLeader.sessAddr ?? sess0;
  const sess = new TableBuilder('sess_t', { addr: 'u64', s_ref: 'u32', s_sidp: 'u64', s_cnt: 'i32' });
  const cred = new TableBuilder('cred_t', { addr: 'u64', cr_ref: 'u32', cr_uid: 'u32', cr_gid: 'u32', cr_ruid: 'u32', cr_rgid: 'u32', cr_suid: 'u32', cr_sgid: 'u32', cr_zone: 'u64' });
  for (const leader of k.procs.filter((p) => p.sessLeader === p)) {
    const members = k.procs.filter((p) => p.sessLeader === leader).length;
    sess.add({ addr: A(sessOf(leader)), s_ref: members, s_sidp: pidOf(leader), s_cnt: members });
  }
  for (const proc of k.procs) {
    const first = k.threads.find((t) => t.proc === proc);
    const ut = first ? user.get(first) : undefined;
    // crdup() of init's credentials: nothing here changes uid, so root's
    if (ut?.cred !== undefined) cred.add({ addr: A(ut.cred), cr_ref: 1, cr_uid: 0, cr_gid: 0, cr_ruid: 0, cr_rgid: 0, cr_suid: 0, cr_sgid: 0, cr_zone: A(z0) });
    const sibs = proc.parent ? proc.parent.children : [proc];
    const at = sibs.indexOf(proc);
    pr.add({
      addr: A(proc.addr),
      p_stat: 2,
      p_as: A(ut ? ut.as : kas),
      p_cred: ut?.cred !== undefined ? A(ut.cred) : 0n,
      p_ppid: proc.parent ? proc.parent.pid : 0,
      p_parent: proc.parent ? A(proc.parent.addr) : 0n,
      p_child: proc.children.length > 0 ? A(proc.children[0]!.addr) : 0n,
      p_sibling: proc.parent && at + 1 < sibs.length ? A(sibs[at + 1]!.addr) : 0n,
      p_psibling: proc.parent && at > 0 ? A(sibs[at - 1]!.addr) : 0n,
      p_sessp: A(sessOf(proc)),
      p_pidp: pidOf(proc),
      p_pgidp: pidOf(proc.pgrpLeader),
      p_flag: proc.flag >>> 0,
      p_zone: A(z0),
      p_tlist: first ? A(first.addr) : 0n,
      'p_user.u_start.tv_sec': BigInt(Math.floor(proc.start / 1e9)),
      'p_user.u_start.tv_nsec': BigInt(Math.floor(proc.start % 1e9)),
      'p_user.u_comm': proc.comm,
      'p_user.u_psargs': proc.psargs,
      'p_user.u_finfo.fi_nfiles': ut?.flist !== undefined ? NFPCHUNK : 0,
      'p_user.u_finfo.fi_list': ut?.flist !== undefined ? A(ut.flist) : 0n,
    });
    pid.add({ addr: A(proc.pidAddr ?? proc.addr + PID), pid_id: proc.pid });
  }
  add(pr.build());
  add(pid.build());
  add(sess.build());
  add(cred.build());
  const zt = new TableBuilder('zone_t', { addr: 'u64', zone_name: 'u64', zone_id: 'i32', zone_ref: 'u32', zone_status: 'i32' });
  // ZONE_IS_RUNNING (sys/zone.h)
  zt.add({ addr: A(z0), zone_name: A(globalName), zone_id: 0, zone_ref: k.procs.length, zone_status: 3 });
  add(zt.build());

  const DISP0 = offsetOf(L, 'cpu_t', 'cpu_disp0');
  const cpu = new TableBuilder('cpu_t', {
    addr: 'u64',
    cpu_id: 'i32',
    cpu_seqid: 'i32',
    cpu_flags: 'u16',
    cpu_self: 'u64',
    cpu_thread: 'u64',
    cpu_idle_thread: 'u64',
    cpu_next: 'u64',
    cpu_prev: 'u64',
    cpu_disp: 'u64',
    cpu_dispthread: 'u64',
    cpu_dispatch_pri: 'i32',
    cpu_last_swtch: 'i64',
    cpu_base_spl: 'i32',
    'cpu_disp0.disp_nrunnable': 'i32',
    'cpu_disp0.disp_maxrunpri': 'i32',
    'cpu_disp0.disp_cpu': 'u64',
  });
  const nc = k.cpus.length;
  k.cpus.forEach((c, i) => {
    const t = c.thread ?? c.idle;
    // what the dispatch queue holds: a runnable interrupt thread with nothing on its stack is
    // TS_FREE (its interrupt is pending; interrupts do not go through the dispatcher's queues)
    const nrun = k.threads.filter((x) => illumosState(k, x) === 2 /* TS_RUN */ && x.cpu === c.id && x !== c.idle).length;
    cpu.add({
      addr: A(c.addr),
      cpu_id: c.id,
      cpu_seqid: c.id,
      // CPU_RUNNING|CPU_READY|CPU_EXISTS|CPU_ENABLE (0x1b), plus CPU_QUIESCED on the panic CPU? no.
      cpu_flags: 0x1b,
      cpu_self: A(c.addr),
      cpu_thread: A(t.addr),
      cpu_idle_thread: A(c.idle.addr),
      cpu_next: A(k.cpus[(i + 1) % nc]!.addr),
      cpu_prev: A(k.cpus[(i - 1 + nc) % nc]!.addr),
      cpu_disp: A(c.addr + DISP0),
      cpu_dispthread: A(t.addr),
      cpu_dispatch_pri: t.pri,
      cpu_last_swtch: BigInt(Math.trunc(k.now / 10_000_000)),
      cpu_base_spl: 0,
      'cpu_disp0.disp_nrunnable': nrun,
      'cpu_disp0.disp_maxrunpri': nrun > 0 ? 60 : -1,
      'cpu_disp0.disp_cpu': A(c.addr),
    });
  });
  add(cpu.build());

  addStacks(km.stacks, A, add);

  const mb = formatTable('msgbuf');
  for (const l of k.msgbuf) mb.add({ timestamp: BigInt(l.time), text: l.text });
  add(mb.build());

  const tx = formatTable('txlog');
  // The three logs' records, oldest first; at equal times by log, then in
  // each log's own order (the order each record's address was first written).
  const logs = [km.transactionLog, km.failureLog, km.slabLog];
  const cols = logs.map((lp) => lp.columns());
  let nrec = 0;
  for (const lp of logs) lp.forEachSlot(() => nrec++);
  const which = new Uint8Array(nrec);
  const slot = new Int32Array(nrec);
  let at = 0;
  logs.forEach((lp, li) =>
    lp.forEachSlot((s) => {
      which[at] = li;
      slot[at++] = s;
    }),
  );
  const idx = Array.from({ length: nrec }, (_, i) => i);
  idx.sort((a, b) => {
    const ca = cols[which[a]!]!;
    const cb = cols[which[b]!]!;
    return ca.time[slot[a]!]! - cb.time[slot[b]!]! || ca.log[slot[a]!]! - cb.log[slot[b]!]! || a - b;
  });
  tx.setAddrBase(k.p.kvaBase).reserve(nrec, 0, new ColumnArena(tx.reserveBytes(nrec)));
  const T = ['timestamp', 'log', 'event', 'thread', 'cpu', 'cache_row', 'addr', 'bufctl', 'kmflag', 'stack_row'].map((n) => tx.colIndex(n));
  for (const i of idx) {
    const c = cols[which[i]!]!;
    const s = slot[i]!;
    const cache = c.cache[s]!;
    tx.begin();
    tx.putUint(T[0]!, c.time[s]!);
    tx.putUint(T[1]!, c.log[s]!);
    tx.putUint(T[2]!, c.event[s]!);
    tx.putAddr(T[3]!, c.thread[s]!);
    tx.putUint(T[4]!, c.cpu[s]!);
    tx.putUint(T[5]!, cache >= 0 ? cache : NO_ROW);
    tx.putAddr(T[6]!, c.addr[s]!);
    tx.putAddr(T[7]!, c.bufctl[s]!);
    tx.putUint(T[8]!, c.kmflag[s]! >>> 0);
    tx.putUint(T[9]!, c.stack[s]!);
    tx.commit();
  }
  add(tx.build());
}

function addStacks(stacks: StackTable, A: (k: Kva) => bigint, add: (t: Table) => void): void {
  const sb = formatTable('stacks');
  for (const s of stacks.stacks) sb.add({ pcs: s.map(A) });
  add(sb.build());
}

/**
 * Every taskq_t taskq_create() made: its name, flags, threads and counters;
 * tq_task, the list head of queued entries, points at itself when nothing is
 * queued (taskq_ent_walk_init() stops there).
 */
function collectTaskqs(k: Kernel, A: (k: Kva) => bigint, add: (t: Table) => void): void {
  const tt = new TableBuilder('taskq_t', {
    addr: 'u64',
    tq_name: 'str',
    tq_pri: 'i32',
    tq_flags: 'u32',
    tq_active: 'i32',
    tq_nthreads: 'i32',
    tq_nthreads_target: 'i32',
    tq_nthreads_max: 'i32',
    tq_minalloc: 'i32',
    tq_maxalloc: 'i32',
    'tq_task.tqent_next': 'u64',
    'tq_task.tqent_prev': 'u64',
    tq_instance: 'u32',
    tq_thread: 'u64',
    tq_proc: 'u64',
    tq_totaltime: 'i64',
    tq_tasks: 'u64',
    tq_executed: 'u64',
    tq_maxtasks: 'i32',
  });
  const head = taskqOffset('tq_task');
  for (const tq of taskqs(k)) {
    tt.add({
      addr: A(tq.addr),
      tq_name: tq.name,
      tq_pri: tq.pri,
      tq_flags: tq.flags >>> 0,
      tq_active: tq.active,
      tq_nthreads: tq.threads.length,
      tq_nthreads_target: tq.threads.length,
      tq_nthreads_max: tq.nthreadsMax,
      tq_minalloc: tq.minalloc,
      tq_maxalloc: tq.maxalloc,
      'tq_task.tqent_next': A(tq.addr + head),
      'tq_task.tqent_prev': A(tq.addr + head),
      // taskq_create() (not _instance): instance -1
      tq_instance: 0xffffffff,
      // a one-thread queue keeps its thread in tq_thr._tq_thread
      tq_thread: tq.nthreadsMax === 1 && tq.threads[0] ? A(tq.threads[0].addr) : 0n,
      tq_proc: A(k.procs[0]!.addr),
      tq_totaltime: BigInt(tq.totaltime),
      tq_tasks: BigInt(tq.tasks),
      tq_executed: BigInt(tq.executed),
      tq_maxtasks: tq.maxtasks,
    });
  }
  add(tt.build());
}
