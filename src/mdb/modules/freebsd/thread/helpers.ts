/*
 * FreeBSD threads and processes (sys/proc.h) as ddb reads them: one
 * thread's members, its process, the state strings ps and show thread
 * print, the thread ddb traces by default, and the trace lines themselves
 * in the 2004 i386 layout (`func(args) at func+0xoff`) or the amd64 one
 * (`func() at func+0xoff/frame 0x...`). Frames come from the dump's frames
 * table through the generic thread index (illumos/thread/helpers.ts), which
 * reads the OS's thread table.
 */
import { DcmdError } from '../../../errors.js';
import type { Target } from '../../../target.js';
import { entryThread, panicThread, threadFrames, threadIndex, type StackFrame } from '../../illumos/thread/helpers.js';
import {
  NOCPU,
  PRS_NEW,
  PRS_NORMAL,
  PRS_ZOMBIE,
  P_CONTROLT,
  P_PPWAIT,
  P_SYSTEM,
  P_TRACED,
  P_WEXIT,
  TDF_SINTR,
  TDI_IWAIT,
  TDI_LOCK,
  TDI_SLEEPING,
  TDI_SUSPENDED,
  TDI_SWAPPED,
  TDS_CAN_RUN,
  TDS_INACTIVE,
  TDS_INHIBITED,
  TDS_RUNNING,
  TDS_RUNQ,
} from '../names.js';
import { hex2dec, hx, px, structRows, type StructRows } from '../struct.js';
// the dump's only sign of its kernel's era is the layout of its structs: the keg's tells 2004 from 2020
import { umaEra } from '../uma/helpers.js';

export const THREAD = 'struct thread';
export const PROC = 'struct proc';

export const threadRows = (t: Target): StructRows => structRows(t, THREAD);
export const procRows = (t: Target): StructRows => structRows(t, PROC);

export interface FbThread {
  addr: bigint;
  row: number;
  tid: number;
  proc: bigint;
  flags: number;
  inhibitors: number;
  pflags: number;
  state: number;
  wchan: bigint;
  wmesg: string;
  lockName: string;
  blocked: bigint;
  oncpu: number;
  lastcpu: number;
  priority: number;
  pcb: bigint;
  kstack: bigint;
  kstackPages: number;
  /** td_name ('' on a 2004 kernel, whose threads have none) */
  name: string;
}

export function readFbThread(target: Target, row: number): FbThread {
  const t = threadRows(target);
  return {
    addr: t.addr(row),
    row,
    tid: t.num(row, 'td_tid'),
    proc: t.get(row, 'td_proc'),
    flags: t.num(row, 'td_flags'),
    inhibitors: t.num(row, 'td_inhibitors'),
    pflags: t.num(row, 'td_pflags'),
    state: t.num(row, 'td_state'),
    wchan: t.get(row, 'td_wchan'),
    wmesg: t.str(row, 'td_wmesg'),
    lockName: t.str(row, 'td_lockname'),
    blocked: t.get(row, 'td_blocked'),
    oncpu: t.num(row, 'td_oncpu') & 0xff,
    lastcpu: t.num(row, 'td_lastcpu') & 0xff,
    priority: t.num(row, 'td_priority') & 0xff,
    pcb: t.get(row, 'td_pcb'),
    kstack: t.get(row, 'td_kstack'),
    kstackPages: t.num(row, 'td_kstack_pages'),
    name: t.chars(row, 'td_name'),
  };
}

/** What ddb calls a thread: its td_name, or its process's p_comm when it has none (dumpthread(), print_lockchain()). */
export function threadName(t: FbThread, p: FbProc | undefined): string {
  return t.name !== '' ? t.name : (p?.comm ?? '?');
}

export interface FbProc {
  addr: bigint;
  row: number;
  pid: number;
  ppid: number;
  pptr: bigint;
  pgid: number;
  uid: number;
  ruid: number;
  comm: string;
  flag: number;
  state: number;
  numthreads: number;
  /** its threads' rows, in the thread table's order */
  threads: number[];
}

const procThreads = new WeakMap<Target, Map<bigint, number[]>>();

/** Thread rows per process address. */
function threadsByProc(target: Target): Map<bigint, number[]> {
  let m = procThreads.get(target);
  if (m) return m;
  m = new Map();
  const t = threadRows(target);
  for (let r = 0; r < t.count; r++) {
    const p = t.get(r, 'td_proc');
    const list = m.get(p);
    if (list) list.push(r);
    else m.set(p, [r]);
  }
  procThreads.set(target, m);
  return m;
}

export function readFbProc(target: Target, row: number): FbProc {
  const p = procRows(target);
  const addr = p.addr(row);
  const pptr = p.get(row, 'p_pptr');
  const pr = pptr === 0n ? -1 : p.rowOf(pptr);
  const pgrp = structRows(target, 'struct pgrp');
  const pg = p.get(row, 'p_pgrp');
  const pgr = pg === 0n ? -1 : pgrp.rowOf(pg);
  const cred = structRows(target, 'struct ucred');
  const cr = p.get(row, 'p_ucred');
  const crr = cr === 0n ? -1 : cred.rowOf(cr);
  const readCred = (m: string): number => (crr >= 0 ? cred.num(crr, m) : cr !== 0n ? readU32(target, cr, cred, m) : 0);
  return {
    addr,
    row,
    pid: p.num(row, 'p_pid'),
    ppid: pr >= 0 ? p.num(pr, 'p_pid') : 0,
    pptr,
    pgid: pgr >= 0 ? pgrp.num(pgr, 'pg_id') : pg !== 0n ? readU32(target, pg, pgrp, 'pg_id') : 0,
    uid: readCred('cr_uid'),
    ruid: readCred('cr_ruid'),
    comm: p.chars(row, 'p_comm'),
    flag: p.num(row, 'p_flag'),
    state: p.num(row, 'p_state'),
    numthreads: p.num(row, 'p_numthreads'),
    threads: threadsByProc(target).get(addr) ?? [],
  };
}

/** The most groups and argument bytes show proc reads: NGROUPS_MAX + 1, and a page (ps_arg_cache_limit is 256). */
const MAX_GROUPS = 1024;
const MAX_ARGS = 4096;

/**
 * A process's groups, cr_groups[0 .. cr_ngroups), read through memory as
 * db_show_proc() reads them: inline in 2004's struct ucred, through the
 * cr_groups pointer in 2020's. Stops at the first unreadable word;
 * undefined when the process has no credential (p_ucred NULL).
 */
export function procGroups(target: Target, p: FbProc): number[] | undefined {
  const cr = procRows(target).get(p.row, 'p_ucred');
  if (cr === 0n) return undefined;
  const cred = structRows(target, 'struct ucred');
  const r = cred.rowOf(cr);
  const n = Math.min(Math.max(0, r >= 0 ? cred.num(r, 'cr_ngroups') : readU32(target, cr, cred, 'cr_ngroups')), MAX_GROUPS);
  const m = cred.def?.members.find((x) => x.name === 'cr_groups');
  if (!m) return [];
  let base: bigint;
  try {
    base = m.type.trim().endsWith('*') ? target.readPtr(cr + BigInt(m.offset)) : cr + BigInt(m.offset);
  } catch {
    return [];
  }
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    try {
      out.push(target.readU32(base + BigInt(4 * i)) >>> 0);
    } catch {
      break;
    }
  }
  return out;
}

/**
 * The bytes of a process's saved arguments (p_args: ar_length bytes of
 * ar_args), or undefined when it has none. ar_args is a flexible array the
 * dump keeps as a list column of the struct pargs row, which memory
 * (bounded by sizeof (struct pargs)) cannot show past its first byte: a
 * p_args naming no row has no arguments to show.
 */
function procArgBytes(target: Target, p: FbProc): number[] | undefined {
  const pa = procRows(target).get(p.row, 'p_args');
  if (pa === 0n) return undefined;
  const rows = structRows(target, 'struct pargs');
  const r = rows.rowOf(pa);
  if (r < 0) return [];
  const len = Math.min(rows.num(r, 'ar_length') >>> 0, MAX_ARGS);
  return rows.list(r, 'ar_args').slice(0, len).map((b) => Number(b & 0xffn));
}

/**
 * The arguments exec saved (p_args), as db_show_proc()'s and ps/a's
 * dump_args() print them: each NUL as a space, so the last argument's NUL
 * leaves a trailing one; undefined when the process has none (a kernel
 * process).
 */
export function procArgs(target: Target, p: FbProc): string | undefined {
  const b = procArgBytes(target, p);
  return b === undefined ? undefined : b.map((c) => (c === 0 ? ' ' : String.fromCharCode(c))).join('');
}

/** The same arguments as a list (argv), for structured output. */
export function procArgv(target: Target, p: FbProc): string[] | undefined {
  const b = procArgBytes(target, p);
  if (b === undefined) return undefined;
  const words = String.fromCharCode(...b).split('\0');
  if (words.at(-1) === '') words.pop();
  return words;
}

/** A 32-bit member of a struct the dump has no row for, read through memory (0 when unreadable). */
function readU32(target: Target, base: bigint, rows: StructRows, member: string): number {
  try {
    return target.readU32(base + BigInt(rows.offset(member))) | 0;
  } catch {
    return 0;
  }
}

/** The process of a thread, or undefined when its td_proc is no process row. */
export function procOf(target: Target, th: FbThread): FbProc | undefined {
  const r = procRows(target).rowOf(th.proc);
  return r < 0 ? undefined : readFbProc(target, r);
}

/** ps's name for a process: its p_comm, in [brackets] for a kernel process (P_SYSTEM). */
export function procName(p: FbProc | undefined): string {
  if (!p) return '';
  return systemBracketed(p, p.comm);
}

/** A name as ps prints it for this process: in [brackets] for a kernel process (P_SYSTEM). */
export function systemBracketed(p: FbProc, name: string): string {
  return p.flag & P_SYSTEM ? `[${name}]` : name;
}

// ---------------------------------------------------------------- states

export const onLock = (t: FbThread): boolean => t.state === TDS_INHIBITED && (t.inhibitors & TDI_LOCK) !== 0;
export const isSleeping = (t: FbThread): boolean => t.state === TDS_INHIBITED && (t.inhibitors & TDI_SLEEPING) !== 0;

/** ps's thread state: Run, RunQ, CanRun, Inactv, or the inhibitor letters L S D W I s. */
export function threadStateLetters(t: FbThread): string {
  switch (t.state) {
    case TDS_RUNNING:
      return 'Run';
    case TDS_RUNQ:
      return 'RunQ';
    case TDS_CAN_RUN:
      return 'CanRun';
    case TDS_INACTIVE:
      return 'Inactv';
    case TDS_INHIBITED: {
      let s = '';
      if (t.inhibitors & TDI_LOCK) s += 'L';
      if (t.inhibitors & TDI_SLEEPING) s += t.flags & TDF_SINTR ? 'S' : 'D';
      if (t.inhibitors & TDI_SWAPPED) s += 'W';
      if (t.inhibitors & TDI_IWAIT) s += 'I';
      if (t.inhibitors & TDI_SUSPENDED) s += 's';
      if (s) return s;
    }
  }
  return '???';
}

/** show thread's state: RUNNING (CPU n), INHIBITED: {SLEEPING, LOCK}, ... */
export function threadStateWords(t: FbThread): string {
  switch (t.state) {
    case TDS_INACTIVE:
      return 'INACTIVE';
    case TDS_CAN_RUN:
      return 'CAN RUN';
    case TDS_RUNQ:
      return 'RUNQ';
    case TDS_RUNNING:
      return `RUNNING (CPU ${t.oncpu})`;
    case TDS_INHIBITED: {
      const w: string[] = [];
      if (t.inhibitors & TDI_SLEEPING) w.push('SLEEPING');
      if (t.inhibitors & TDI_SUSPENDED) w.push('SUSPENDED');
      if (t.inhibitors & TDI_SWAPPED) w.push('SWAPPED');
      if (t.inhibitors & TDI_LOCK) w.push('LOCK');
      if (t.inhibitors & TDI_IWAIT) w.push('IWAIT');
      return `INHIBITED: {${w.join(', ')}}`;
    }
  }
  return `??? (0x${t.state.toString(16)})`;
}

/** ps's process state: R L D S W T N Z U, then the flag letters X E V L +. */
export function procStateLetters(target: Target, p: FbProc): string {
  let s: string;
  if (p.state === PRS_NORMAL) {
    let r = 0;
    let l = 0;
    let d = 0;
    let sl = 0;
    let w = 0;
    for (const row of p.threads) {
      const t = readFbThread(target, row);
      if (t.state === TDS_RUNNING || t.state === TDS_RUNQ || t.state === TDS_CAN_RUN) r++;
      if (onLock(t)) l++;
      if (isSleeping(t)) {
        if (t.flags & TDF_SINTR) sl++;
        else d++;
      }
      if (t.state === TDS_INHIBITED && t.inhibitors & TDI_IWAIT) w++;
    }
    s = r ? 'R' : l ? 'L' : d ? 'D' : sl ? 'S' : w ? 'W' : '?';
  } else s = p.state === PRS_NEW ? 'N' : p.state === PRS_ZOMBIE ? 'Z' : 'U';
  if (p.flag & P_TRACED) s += 'X';
  if (p.flag & P_WEXIT && p.state !== PRS_ZOMBIE) s += 'E';
  if (p.flag & P_PPWAIT) s += 'V';
  if (p.flag & P_SYSTEM) s += 'L';
  if (p.flag & P_CONTROLT) s += '+';
  return s;
}

/** ps's wait columns: the wmesg (`*lockname` on a lock, `CPU n` running) and the wchan (or turnstile). */
export function waitOf(t: FbThread): { prefix: string; wmesg: string; wchan: bigint } {
  if (onLock(t)) return { prefix: '*', wmesg: t.lockName, wchan: t.blocked };
  if (t.wchan !== 0n) return { prefix: ' ', wmesg: t.wmesg, wchan: t.wchan };
  if (t.state === TDS_RUNNING && t.oncpu !== NOCPU) return { prefix: ' ', wmesg: `CPU ${t.oncpu}`, wchan: 0n };
  return { prefix: ' ', wmesg: '', wchan: 0n };
}

// ---------------------------------------------------------------- finding threads

/** The thread ddb traces by default: the panic thread, on a hang the thread the debugger was entered on, on a live dump CPU 0's. */
export function defaultThread(target: Target): bigint {
  const p = panicThread(target);
  if (p !== 0n) return p;
  const e = entryThread(target);
  if (e !== 0n) return e;
  // a live dump (savecore -L) has neither: curthread as ddb's kdb_thread would start, the thread on CPU 0
  const pc = structRows(target, 'struct pcpu');
  for (let r = 0; r < pc.count; r++) {
    if (pc.num(r, 'pc_cpuid') !== 0) continue;
    const t = pc.get(r, 'pc_curthread');
    if (t !== 0n && threadRows(target).rowOf(t) >= 0) return t;
  }
  throw new DcmdError('no panic or debugger-entry thread in this dump: give a thread');
}

/**
 * The thread an address names, as ddb's bt and show thread take it: a
 * struct thread, a struct proc (its first thread), or a tid or pid typed in
 * ddb's hex and reread as decimal (db_hex2dec). Returns the thread's row.
 */
export function resolveThread(target: Target, addr: bigint): number {
  const t = threadRows(target);
  const r = t.rowOf(addr);
  if (r >= 0) return r;
  const p = procRows(target).rowOf(addr);
  if (p >= 0) {
    const first = readFbProc(target, p).threads[0];
    if (first !== undefined) return first;
  }
  const n = hex2dec(addr);
  if (n >= 0) {
    for (let i = 0; i < t.count; i++) if (t.num(i, 'td_tid') === n) return i;
    const procs = procRows(target);
    for (let i = 0; i < procs.count; i++) {
      if (procs.num(i, 'p_pid') !== n) continue;
      const first = readFbProc(target, i).threads[0];
      if (first !== undefined) return first;
    }
  }
  throw new DcmdError(`Thread ${n >= 0 ? n : hx(addr)} not found`);
}

/** A process by address or by pid (typed in hex, reread as decimal). */
export function resolveProc(target: Target, addr: bigint): number {
  const p = procRows(target);
  const r = p.rowOf(addr);
  if (r >= 0) return r;
  const n = hex2dec(addr);
  if (n >= 0) for (let i = 0; i < p.count; i++) if (p.num(i, 'p_pid') === n) return i;
  throw new DcmdError(`Process ${n >= 0 ? n : hx(addr)} not found`);
}

/** The row of a thread address in the index the frames table refers to. */
export function frameRow(target: Target, addr: bigint): number {
  return threadIndex(target).rowOf(addr);
}

// ---------------------------------------------------------------- traces

export function framesOf(target: Target, addr: bigint): StackFrame[] {
  const r = frameRow(target, addr);
  return r < 0 ? [] : threadFrames(target, r);
}

/** One frame as ddb prints it: i386 `f(1,2) at f+0x10` (2004) or `f(1,2) at f+0x10/frame 0x...` (2020), amd64 `f() at f+0x10/frame 0x...`. */
export function ddbFrame(target: Target, f: StackFrame): string {
  const hit = target.symbolAt(f.pc);
  const fn = hit ? hit.sym.name : px(f.pc);
  const at = target.formatAddrDdb(f.pc);
  if (target.pointerSize === 4) {
    // i386 db_print_stack_entry(): the 2004 one ends at the symbol; the 13-era one
    // takes the frame too and appends "/frame 0x%r" after it, as amd64's does
    const frame = umaEra(target) === 2020 ? `/frame ${px(f.fp)}` : '';
    return `${fn}(${f.args.map(hx).join(',')}) at ${at}${frame}`;
  }
  return `${fn}() at ${at}/frame ${px(f.fp)}`;
}

/** `Tracing pid N tid N td 0x...` and the frames, at most `max`. */
export function traceLines(target: Target, row: number, max = Infinity, command = false): string[] {
  const th = readFbThread(target, row);
  const p = procOf(target, th);
  // _db_stack_trace_all() names the CPU of a thread in TDS_RUNNING
  const head = command
    ? `Tracing command ${p?.comm ?? '?'} pid ${p?.pid ?? -1} tid ${th.tid} td ${px(th.addr)}${th.state === TDS_RUNNING ? ` (CPU ${th.oncpu})` : ''}`
    : `Tracing pid ${p?.pid ?? -1} tid ${th.tid} td ${px(th.addr)}`;
  const all = framesOf(target, th.addr);
  const lines = [head];
  all.slice(0, max).forEach((f, i) => {
    lines.push(ddbFrame(target, f));
    if (f.trapframe && f.trapframe.length >= 4) lines.push(entryLine(target, f, all[i - 2]));
  });
  return lines;
}

/** db_trace.c's frame types by name: an interrupt vector's frame sits on the trapframe of what it interrupted. */
const INTERRUPT_VECTOR = /^(Xapic_isr\d+|Xatpic_intr\d+|Xfastintr\d+|Xtimerint)$/;

/**
 * db_nextframe()'s line below an entry frame, from the trapframe the dump
 * keeps on it: "--- interrupt, eip = ..." below an interrupt vector, "---
 * trap 0xc, eip = ..." below calltrap, else "--- syscall (4, FreeBSD ELF32,
 * sys_write), eip = ..." (decode_syscall(): the number, the ABI and the
 * handler's symbol, here the frame the system-call function called); the
 * registers are eip/esp/ebp on i386, rip/rsp/rbp on amd64.
 */
function entryLine(target: Target, entry: StackFrame, handler: StackFrame | undefined): string {
  const [code, ip, sp, bp] = entry.trapframe as [bigint, bigint, bigint, bigint];
  const [ipn, spn, bpn] = target.pointerSize === 4 ? ['eip', 'esp', 'ebp'] : ['rip', 'rsp', 'rbp'];
  const regs = `${ipn} = ${px(ip)}, ${spn} = ${px(sp)}, ${bpn} = ${px(bp)}`;
  const name = target.symbolAt(entry.pc)?.sym.name ?? '';
  if (INTERRUPT_VECTOR.test(name)) return `--- interrupt, ${regs} ---`;
  if (name === 'calltrap') return `--- trap ${px(code)}, ${regs} ---`;
  const h = handler ? target.symbolAt(handler.pc) : undefined;
  return `--- syscall (${code}${h ? `, FreeBSD ELF${target.pointerSize * 8}, ${h.sym.name}` : ''}), ${regs} ---`;
}
