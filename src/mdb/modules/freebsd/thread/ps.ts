/*
 * ddb's ps (show all procs, db_ps.c) and show proc / show thread.
 */
import { defineDcmd, flag, text, type DcmdContext } from '../../../dcmd.js';
import { UsageError } from '../../../errors.js';
import type { Target } from '../../../target.js';
import { P_SYSTEM, PRS_NEW, PRS_NORMAL, PRS_ZOMBIE } from '../names.js';
import { px } from '../struct.js';
import {
  PROC,
  THREAD,
  defaultThread,
  onLock,
  procName,
  procArgs,
  procArgv,
  procGroups,
  procOf,
  procRows,
  procStateLetters,
  readFbProc,
  readFbThread,
  resolveProc,
  resolveThread,
  systemBracketed,
  threadName,
  threadStateLetters,
  threadRows,
  threadStateWords,
  waitOf,
  type FbProc,
  type FbThread,
} from './helpers.js';

/** The wmesg and wchan columns of a ps line: `%c%-7.7s `, then the wchan as `%p  `, or as many blanks. */
function waitColumns(ps: number, t: FbThread): string {
  const w = waitOf(t);
  const wchan = w.wchan === 0n ? ''.padEnd(2 * ps + 2) : px(w.wchan).padEnd(2 * ps + 2);
  return `${w.prefix}${w.wmesg.slice(0, 7).padEnd(7)} ${wchan}  `;
}

/** dumpthread()'s name: td_name, else p_comm, in [brackets] for a kernel process. */
const psThreadName = (p: FbProc, t: FbThread): string => systemBracketed(p, threadName(t, p));

/** ps's line for one thread of a threaded process: `%6d` tid, blanks to the state column, then as a process line. */
export function threadPsLine(target: Target, p: FbProc, t: FbThread): string {
  return `${String(t.tid).padStart(6)}${''.padEnd(18)} ${threadStateLetters(t).slice(0, 6).padEnd(6)} ${waitColumns(target.pointerSize, t)}${psThreadName(p, t)}`.trimEnd();
}

/** ps's header, aligned to its columns on this pointer width. */
export function psHeader(ps: number): string {
  return `  pid  ppid  pgrp   uid  state   wmesg   ${'wchan'.padEnd(2 * ps + 4)}cmd`;
}

/**
 * The ps lines of one process: its line and, when it has more than one
 * thread, one line per thread. `args` (ps/a, db_ps()'s PRINT_ARGS) appends
 * a blank and the saved arguments to the process's own line, as dump_args()
 * prints them (nothing after the blank for a process without p_args).
 */
export function psLines(target: Target, p: FbProc, args = false): string[] {
  const ps = target.pointerSize;
  const head = `${String(p.pid).padStart(5)} ${String(p.ppid).padStart(5)} ${String(p.pgid).padStart(5)} ${String(p.ruid).padStart(5)} `;
  const state = ` ${procStateLetters(target, p).slice(0, 6).padEnd(6)} `;
  const tail = args ? ` ${procArgs(target, p) ?? ''}` : '';
  if (p.threads.length > 1) {
    // "(threaded)" in the wmesg column, p_comm in the cmd column, then a line per thread with its td_name
    const lines = [`${head}${state}${' (threaded)'.padEnd(2 * ps + 13)}${procName(p)}${tail}`];
    for (const row of p.threads) lines.push(threadPsLine(target, p, readFbThread(target, row)));
    return lines;
  }
  const t = p.threads[0] === undefined ? undefined : readFbThread(target, p.threads[0]);
  return [`${head}${state}${t ? waitColumns(ps, t) + psThreadName(p, t) : ''.padEnd(2 * ps + 13) + procName(p)}`.trimEnd() + tail];
}

export const ps = defineDcmd({
  name: 'ps',
  synopsis: '[-a]',
  address: 'none',
  summary: 'list processes and threads as ddb does',
  help: `Lists every process as ddb's ps does: pid, parent pid, process group,
real uid, state, then what its thread waits on and the command name.

  state   R running or runnable, L on a lock, D in disk wait (an
          uninterruptible sleep), S sleeping, W interrupt wait, N new, Z
          zombie; then X traced, E exiting, V vforked, L a kernel process,
          + on its controlling terminal
  wmesg   the sleep message (td_wmesg); "*name" when the thread is blocked
          on a lock (td_lockname), the wchan column then holding its
          turnstile; "CPU n" for a thread running on CPU n
  wchan   the wait channel (td_wchan), or the turnstile (td_blocked)
  cmd     the thread's td_name (p_comm where it has none, as on a 2004
          kernel); a kernel process (P_SYSTEM) in [brackets]

A process with more than one thread prints "(threaded)" and its p_comm,
then a line per thread: its tid, its state (Run, RunQ, CanRun, Inactv,
or the letters L S D W I s), its wait columns and its td_name. -a adds
the arguments the process exec'd with (p_args), each NUL a blank. In ddb
syntax: ps[/a], or show all procs[/a].

EXAMPLES
  > ::ps
    pid  ppid  pgrp   uid  state   wmesg   wchan       cmd
     25    14    14  1001  D       pfault  0xc0900048  swap
  ...`,
  options: { a: flag("print each process's arguments") },
  ddb: { words: ['ps', 'show all procs'], modifiers: { a: '-a' }, synopsis: '[/a]' },
  run(ctx, _addr, opts, args) {
    if (args.length > 0) throw new UsageError();
    const p = procRows(ctx.target);
    const lines = [psHeader(ctx.pointerSize)];
    const data = [];
    for (let r = 0; r < p.count; r++) {
      const pr = readFbProc(ctx.target, r);
      lines.push(...psLines(ctx.target, pr, opts.a));
      data.push({
        ...(opts.a ? { args: procArgv(ctx.target, pr) ?? null } : {}),
        pid: pr.pid,
        ppid: pr.ppid,
        pgrp: pr.pgid,
        uid: pr.ruid,
        state: procStateLetters(ctx.target, pr),
        cmd: procName(pr),
        proc: pr.addr,
        threads: pr.threads.map((row) => {
          const t = readFbThread(ctx.target, row);
          const w = waitOf(t);
          return { tid: t.tid, thread: t.addr, state: threadStateLetters(t), wmesg: w.prefix.trim() + w.wmesg, wchan: w.wchan };
        }),
      });
    }
    return text(lines.map((l) => l + '\n').join(''), { data, addresses: data.map((d) => d.proc), addressType: PROC });
  },
});

/** show thread's lines. */
export function showThreadLines(ctx: DcmdContext, t: FbThread): string[] {
  const p = procOf(ctx.target, t);
  const page = BigInt(ctx.target.header.pagesize || 4096);
  const lines = [
    `Thread ${t.tid} at ${px(t.addr)}:`,
    ` proc (pid ${p?.pid ?? -1}): ${px(t.proc)}`,
    ` name: ${threadName(t, p)}`,
    ` pcb: ${px(t.pcb)}`,
    ` stack: ${px(t.kstack)}-${px(t.kstack + BigInt(t.kstackPages) * page - 1n)}`,
    ` flags: ${sharpX(t.flags)}  pflags: ${sharpX(t.pflags)}`,
    ` state: ${threadStateWords(t)}`,
  ];
  if (onLock(t)) lines.push(` lock: ${t.lockName}  turnstile: ${px(t.blocked)}`);
  const rows = threadRows(ctx.target);
  const has = (m: string): boolean => rows.def?.members.some((x) => x.name === m) ?? false;
  if (t.wchan !== 0n) {
    // 13.0 adds the timed sleep's deadline and the uptime, as sbttobt() splits them: seconds, then the fraction in 64 bits
    const timo = has('td_sleeptimo') ? ` sleeptimo ${sbtText(rows.get(t.row, 'td_sleeptimo'))} (curr ${sbtText(uptimeSbt(ctx.target))})` : '';
    lines.push(` wmesg: ${t.wmesg}  wchan: ${px(t.wchan)}${timo}`);
  }
  lines.push(` priority: ${t.priority}`);
  if (has('td_lock')) {
    const lock = rows.get(t.row, 'td_lock');
    if (lock !== 0n) lines.push(` container lock: ${lockName(ctx.target, lock)} (${px(lock)})`);
  }
  // (u_int)ticks - (u_int)td_swvoltick, then 1000 * delta / hz in int arithmetic, as db_show_thread() computes it
  const ticks = globalValue(ctx.target, 'ticks');
  const hz = globalValue(ctx.target, 'hz') || 1000;
  for (const [m, what] of [['td_swvoltick', 'voluntary'], ['td_swinvoltick', 'involuntary']] as const) {
    if (!has(m)) continue;
    const at = rows.num(t.row, m) | 0;
    if (at === 0) continue;
    const delta = (ticks - at) | 0;
    lines.push(` last ${what} switch: ${Math.trunc(Math.imul(1000, delta) / hz)} ms ago`);
  }
  return lines;
}

/** C's %#x as FreeBSD's kernel printf does it: 0x and the hex digits, but a bare 0 for zero. */
function sharpX(v: number): string {
  return v === 0 ? '0' : `0x${(v >>> 0).toString(16)}`;
}

/** sbttobt(): "%lx. %jx", the seconds and the 64-bit binary fraction. */
function sbtText(sbt: bigint): string {
  const u = BigInt.asUintN(64, sbt);
  return `${(u >> 32n).toString(16)}. ${((u & 0xffffffffn) << 32n).toString(16)}`;
}

/** sbinuptime() at the dump: the header's time since boot (ns) as 32.32 fixed-point seconds. */
function uptimeSbt(target: Target): bigint {
  let ns = 0n;
  try {
    ns = BigInt(target.header.dumpTime);
  } catch {
    ns = 0n;
  }
  return ns < 0n ? 0n : (ns << 32n) / 1_000_000_000n;
}

/** A global int of the dump (0 when it has none). */
function globalValue(target: Target, name: string): number {
  const s = target.lookupSymbol(name);
  if (!s) return 0;
  try {
    return target.readU32(s.addr) | 0;
  } catch {
    return 0;
  }
}

/** A lock's name: lo_name, the first word of its struct lock_object, which starts the struct mtx ('' when unreadable). */
function lockName(target: Target, lock: bigint): string {
  try {
    const p = target.readPtr(lock);
    return p === 0n ? '' : target.readString(p, 64);
  } catch {
    return '';
  }
}

export const showThread = defineDcmd({
  name: 'thread',
  synopsis: '?',
  address: 'optional',
  summary: 'print a thread as ddb does',
  help: `Prints one thread as ddb's "show thread" does: its tid and address, its
process, name, pcb and kernel stack, flags, state (RUNNING (CPU n),
INHIBITED: {SLEEPING, LOCK, ...}, RUNQ, CAN RUN, INACTIVE), what it waits
on (" wmesg: x  wchan: p", or " lock: name  turnstile: p") and its
priority. A 2020 kernel's thread adds what 13.0 prints: a sleep's deadline
and the uptime ("sleeptimo" and "curr", seconds and binary fraction in
hex; 0. 0 for a sleep without a timeout), the lock that contains it
(td_lock: its sleep queue chain, turnstile or CPU run queue lock), and how
long ago it last switched voluntarily and involuntarily, in ms of ticks.
The address may be a struct thread or a tid (ddb reads it in hex and
rereads it as decimal); without one, the panic thread, on a hang the
thread the debugger was entered on, and on a live dump the thread on CPU
0. In ddb syntax: show thread [tid|addr].

EXAMPLES
  > ::thread
  Thread 100019 at 0xc1402500:
   proc (pid 19): 0xc0b152c0
   name: tcp
  ...`,
  options: {},
  input: THREAD,
  ddb: { words: ['show thread'], synopsis: '[tid|addr]' },
  run(ctx, addr, _opts, args) {
    if (args.length > 0) throw new UsageError();
    const row = resolveThread(ctx.target, addr ?? defaultThread(ctx.target));
    const t = readFbThread(ctx.target, row);
    return text(showThreadLines(ctx, t).map((l) => l + '\n').join(''), { data: t, addresses: [t.addr], addressType: THREAD });
  },
});

const PSTATE: Record<number, string> = { [PRS_NEW]: 'NEW', [PRS_NORMAL]: 'NORMAL', [PRS_ZOMBIE]: 'ZOMBIE' };

export const showProc = defineDcmd({
  name: 'proc',
  synopsis: '?',
  address: 'optional',
  summary: 'print a process as ddb does',
  help: `Prints one process as ddb's "show proc" does: "Process N (comm) at p:",
its state, its uid and groups (cr_groups, the effective gid first), its
parent, its ABI (p_sysent's name: "null" for a kernel process), the
arguments exec saved (p_args, each NUL printed as a space), and its thread
count, then a ps thread line for each of its threads. The address may be a
struct proc or a pid (read in hex, reread as decimal); without one, the
process of the thread ddb would trace (the panic or debugger-entry thread,
or on a live dump the thread on CPU 0).
13.0's lines for the reaper, sigparent and vmspace are left out: the dump
has no vmspace. In ddb syntax: show proc [pid|addr].

EXAMPLES
  > 18::proc
  Process 18 (tcp) at 0xc0b142c0:
   state: NORMAL
   uid: 1001  gids: 1001, 1001
   parent: pid 14 at 0xc0b102c0
   ABI: FreeBSD ELF32
   arguments: ./tcp
  ...`,
  options: {},
  input: PROC,
  ddb: { words: ['show proc'], synopsis: '[pid|addr]' },
  run(ctx, addr, _opts, args) {
    if (args.length > 0) throw new UsageError();
    let row: number;
    if (addr !== undefined) row = resolveProc(ctx.target, addr);
    else {
      const t = readFbThread(ctx.target, resolveThread(ctx.target, defaultThread(ctx.target)));
      row = resolveProc(ctx.target, t.proc);
    }
    const p = readFbProc(ctx.target, row);
    const ps = ctx.pointerSize;
    const lines = [`Process ${p.pid} (${p.comm}) at ${px(p.addr)}:`, ` state: ${PSTATE[p.state] ?? `??? (0x${p.state.toString(16)})`}`];
    const groups = procGroups(ctx.target, p);
    if (groups) lines.push(` uid: ${p.uid}  gids: ${groups.join(', ')}`);
    if (p.pptr !== 0n) lines.push(` parent: pid ${p.ppid} at ${px(p.pptr)}`);
    // proc0_init() gives proc0 null_sysvec, and kernel processes fork from it; exec gives a user process its ELF ABI
    lines.push(` ABI: ${p.flag & P_SYSTEM ? 'null' : `FreeBSD ELF${ps * 8}`}`);
    const argv = procArgs(ctx.target, p);
    if (argv !== undefined) lines.push(` arguments: ${argv}`);
    lines.push(` threads: ${p.numthreads || p.threads.length}`);
    for (const r of p.threads) lines.push(threadPsLine(ctx.target, p, readFbThread(ctx.target, r)));
    return text(lines.map((l) => l + '\n').join(''), { data: { ...p, groups: groups ?? null, args: procArgv(ctx.target, p) ?? null }, addresses: [p.addr], addressType: PROC });
  },
});
