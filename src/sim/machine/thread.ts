/*
 * Threads (kthread_t) and their stacks.
 *
 * A simulated kernel function that can block is a generator: it runs on the
 * thread until it must sleep, then yields a Block to the dispatcher, which
 * resumes it after the wakeup. Every simulated function pushes a Frame while it
 * runs (Kernel.enter/leave), so a thread's frames are at every instant the real
 * chain of simulated calls; at a panic they are left in place, as the kernel
 * stack is in a crash dump.
 */
import type { FuncSym } from './symbols.js';
import type { Kva } from './platform.js';

/** t_state values (sys/thread.h) */
export const TS_FREE = 0x00;
export const TS_SLEEP = 0x01;
export const TS_RUN = 0x02;
export const TS_ONPROC = 0x04;
export const TS_ZOMB = 0x08;
export const TS_STOPPED = 0x10;

/** What a sleeping thread is blocked on (t_sobj_ops), as ::stacks groups it. */
export type SobjType = 'cv' | 'mutex' | 'sema';

export interface Frame {
  fn: FuncSym;
  /** offset of the return address in fn (set when fn calls the next function) */
  pcOff: number;
  /** frame pointer */
  fp: Kva;
  /** argument values; bit i of ptrMask says arg i is a Kva */
  args: number[];
  ptrMask: number;
  /** kernel pointers held in locals (conservative roots for ::findleaks) */
  locals: Kva[];
  /** a user thread's base frame: below the kernel stack, never recorded */
  hidden?: boolean;
  /**
   * an entry frame's trapframe (FreeBSD): the trap or system-call number,
   * then the pc, stack pointer and frame pointer the trap, call or
   * interrupt stopped: user values, or kernel addresses (Kvas) when
   * `trapframeKernel` says so (an interrupt taken in the kernel)
   */
  trapframe?: number[];
  trapframeKernel?: boolean;
}

/** What a generator yields to the dispatcher. */
export type Block =
  | {
      kind: 'sleep';
      wchan: Kva;
      sobj: SobjType;
      timeoutNs?: number;
      /** FreeBSD's wait message (msleep's wmesg, "vmwait"), or the lock name for a turnstile ("Giant") */
      wmesg?: string;
    }
  | { kind: 'preempt' };

/** A kernel code path that may block, returning T. */
export type KGen<T> = Generator<Block, T, void>;

export interface Proc {
  addr: Kva;
  /** p_pidp when the kernel allocates struct pid on its own (illumos pid_cache) */
  pidAddr?: Kva;
  pid: number;
  /** u_comm */
  comm: string;
  /** u_psargs */
  psargs: string;
  /** p_parent: the process that forked this one (cfork()); null for p0 */
  parent: Proc | null;
  /** p_child: its children, newest first, as cfork() links them through p_sibling */
  children: Proc[];
  /** the leaders whose pids are this process's process group and session (p_pgidp, p_sessp->s_sidp) */
  pgrpLeader: Proc;
  sessLeader: Proc;
  /** hrtime at cfork() (u_start) */
  start: number;
  /** p_flag (sys/proc.h SSYS, SEXECED ...), as the kernel's code paths set it */
  flag: number;
  /** the sess_t a session leader's setsid() allocated (sess_create()); p0's is session0 */
  sessAddr?: Kva;
}

export interface KThread {
  /** address of the kthread_t */
  addr: Kva;
  /** t_did */
  did: number;
  /** t_state */
  state: number;
  /** t_pri */
  pri: number;
  /** t_wchan: the address slept on, or 0 */
  wchan: Kva;
  /** t_sobj_ops: the kind of synchronisation object slept on */
  sobj: SobjType | null;
  /** t_cpu: the CPU last run on */
  cpu: number;
  /** t_bound_cpu or -1 */
  boundCpu: number;
  /** t_procp */
  proc: Proc;
  /** t_startpc: the function the thread was created to run */
  startFn: FuncSym;
  /** t_stk: top of the kernel stack */
  stk: Kva;
  /** stack base (segkp allocation) */
  stkBase: Kva;
  /** frames, outermost first (index 0 is the entry point) */
  frames: Frame[];
  /** hrtime of the last state change (t_disp_time) */
  dispTime: number;
  /** the generator that runs the thread; null once it has exited */
  gen: KGen<void> | null;
  /** wake-up time for a timed sleep/delay, or -1 */
  wakeAt: number;
  /**
   * when the thread last gave up its CPU by blocking (a sleep: a voluntary
   * switch) and by being preempted (involuntary), in ns; -1 if never
   * (FreeBSD's td_swvoltick and td_swinvoltick, in ticks)
   */
  volSwitchAt: number;
  involSwitchAt: number;
  /** set when a timed sleep ran out rather than being woken */
  timedOut: boolean;
  /** an interrupt thread (t_flag T_INTR_THREAD) */
  intr: boolean;
  /** the sleep's wait message or blocking lock name (FreeBSD td_wmesg / td_lockname), while asleep */
  wmesg?: string;
}
