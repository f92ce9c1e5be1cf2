/*
 * Processes as FreeBSD keeps them (sys/proc.h, kern/kern_kthread.c,
 * kern/kern_fork.c): kernel processes made by kthread_create() carry
 * P_SYSTEM and run in the kernel from fork_exit(); user processes have a
 * parent, a process group and credentials. The machine core knows a process
 * as pid, command and arguments; the rest is kept here, by process.
 */
import type { Kernel, KGen, KThread, Proc } from '../../machine/kernel.js';
import type { FuncSym } from '../../machine/symbols.js';

/** p_flag P_SYSTEM: a kernel process (ps prints its name in brackets) */
export const P_SYSTEM = 0x200;
/** p_flag P_HADTHREADS: the process has had more than one thread (ps prints "(threaded)" and a line per thread) */
export const P_HADTHREADS = 0x80;

export interface ProcInfo {
  /** p_flag */
  flag: number;
  /** the parent (p_pptr); null for swapper */
  parent: Proc | null;
  /** process group id (pg_id) */
  pgid: number;
  /** cr_uid */
  uid: number;
  /** cr_groups[0 .. cr_ngroups): the effective gid first */
  groups: number[];
}

/** proc0's credential (proc0_init()): one group, 0; kernel processes and init keep it. */
export const PROC0_GROUPS: readonly number[] = [0];

/**
 * The credential a login gives (login(1) -> setusercontext() -> initgroups()):
 * getgrouplist() puts the base gid first twice, as the effective gid and as
 * the first supplementary group, then the other groups that list the user,
 * the base gid not again (root: 0, 0, 5 with operator).
 */
export function loginGroups(gid: number, ...others: number[]): number[] {
  return [gid, gid, ...others.filter((g) => g !== gid)];
}

const info = new WeakMap<Proc, ProcInfo>();

export function procInfo(p: Proc): ProcInfo {
  let i = info.get(p);
  if (!i) info.set(p, (i = { flag: P_SYSTEM, parent: null, pgid: 0, uid: 0, groups: [...PROC0_GROUPS] }));
  return i;
}

/** models kthread_create(): a kernel process (P_SYSTEM, child of swapper) with one thread running `body`. */
export function kprocCreate(
  k: Kernel,
  name: string,
  start: FuncSym,
  body: (t: KThread) => KGen<void>,
  pri: number,
): KThread {
  const p = k.newProc(name, name);
  const i = procInfo(p);
  i.parent = k.procs[0]!;
  return k.threadCreate(p, start, body, pri);
}

/**
 * models fork1() from a user parent: a user process in the parent's process
 * group, with the parent's credential (crhold) unless `groups` gives the one
 * a login (or su) made for it.
 */
export function userProc(k: Kernel, name: string, args: string, parent: Proc, pgid: number, uid: number, groups?: readonly number[]): Proc {
  const p = k.newProc(name, args);
  info.set(p, { flag: 0x4000 /* P_INMEM */, parent, pgid: pgid < 0 ? p.pid : pgid, uid, groups: [...(groups ?? procInfo(parent).groups)] });
  return p;
}

const names = new WeakMap<KThread, string>();
/** td_name: kthread_add() names a kernel process's extra threads; other threads are named after their process. */
export function setThreadName(t: KThread, name: string): void {
  names.set(t, name);
}
export function threadName(t: KThread): string {
  return names.get(t) ?? t.proc.comm;
}
