/*
 * The machine core, no kernel's own: CPUs, threads, the dispatcher, virtual
 * time, sleep and wakeup, the console message buffer and the symbol table.
 * A Personality (illumos/kern/personality.ts, freebsd/kern/personality.ts)
 * makes it one kernel: its modules, idle and thread-start functions, and its
 * panic() and ASSERT().
 *
 * 1. Concepts
 *
 *   Time.      hrtime in nanoseconds, virtual: it advances only when simulated
 *              code charges work (tick) or the dispatcher jumps to the next
 *              timed wakeup. Nothing here reads a wall clock.
 *   Threads.   Each runs a generator (KGen). The dispatcher runs one thread
 *              at a time on a CPU until it yields: a sleep on a wait channel
 *              (cv_wait, mutex), a delay, or a voluntary preemption point.
 *              Choices between runnable threads and CPUs come from the seeded
 *              PRNG, so a run is a deterministic interleaving.
 *   Frames.    enter() pushes a frame for a simulated function and sets the
 *              caller's return pc; leave() pops it. A frame records arguments
 *              and pointer-holding locals.
 *   Panic.     panic() records panicstr, panic_thread and panic_cpu, prints the
 *              console line, and stops the machine by throwing PanicStop out of
 *              the thread's generator: frames are not popped, so every thread's
 *              stack stays exactly as it was at the panic. ASSERT is live only
 *              on DEBUG kernels.
 *
 * 2. Stopping. A run ends at a panic, at a hang (no runnable thread and no
 *    timed wakeup pending while threads sleep), or when the scenario's budget
 *    of simulated time or operations runs out.
 *
 * Where things are: this file has the machine (CPUs, threads, frames, boot
 * memory) and the Kernel class every simulated function is handed; disp.ts
 * the dispatcher (run queue, timed wakeups, run()); sleepq.ts the sleep
 * queues, cv_wait() and delay(); stop.ts how a panic stops the machine.
 * Kernel's methods for those delegate there, so callers see one object.
 */
import { Rng } from './rng.js';
import { type Kva, type Platform, hexAddr } from './platform.js';
import { SymbolTable, callSiteOffset, type FuncSym } from './symbols.js';
import { NO_VARIANT, type TextVariant } from './text.js';
import {
  type Block,
  type Frame,
  type KGen,
  type KThread,
  type Proc,
  type SobjType,
  TS_ONPROC,
  TS_RUN,
  TS_SLEEP,
} from './thread.js';
import { Dispatcher } from './disp.js';
import { cv_wait, cvWait, delay, preempt, swtch } from './sleepq.js';
import type { MsgLine, PanicRecord } from './stop.js';

export { PanicStop, type MsgLine, type PanicRecord } from './stop.js';

/**
 * What makes a machine one kernel or the other: its modules (the symbol
 * table lays out only their functions), the functions at the bottom of idle
 * and new threads' stacks, and its panic() and ASSERT/KASSERT.
 */
export interface Personality {
  /** modules of this kernel's text, in layout order */
  modules: readonly string[];
  /**
   * Optional code paths this machine's load reaches (symbols.ts, func's
   * `feature`): their functions are laid out only when named here, so a
   * machine that never runs them has the text it always had.
   */
  features?: readonly string[];
  /** the idle loop each CPU runs (illumos idle(), FreeBSD sched_idletd()) */
  idleFn: FuncSym;
  /** the frame every new thread starts in (thread_start, fork_exit) */
  threadStartFn: FuncSym;
  /**
   * The start frame calls the thread's function through a pointer (fork_exit's
   * `callout(arg, frame)`): one call site, so one return address whatever the
   * function is.
   */
  startCallsIndirect?: boolean;
  /** the frame thread0 starts in, when it is not threadStartFn (FreeBSD 13's locore: btext calls mi_startup) */
  bootEntryFn?: FuncSym;
  /** panic(): record, print, stop the machine by throwing PanicStop */
  panic(k: Kernel, message: string, caller?: FuncSym, args?: number[], ptrMask?: number): never;
  /** ASSERT() / KASSERT(): live on DEBUG / INVARIANTS kernels */
  assert(k: Kernel, ok: boolean, expr: string, file: string, line: number): void;
  /**
   * Timeouts fire when their time comes even while threads are runnable, as
   * the clock interrupt makes them (hardclock -> callouts). Without it, a
   * timed sleep ends only when no thread is runnable.
   */
  clockInterrupts?: boolean;
}

export interface CpuState {
  /** cpu_id */
  id: number;
  /** address of the cpu_t */
  addr: Kva;
  /** cpu_thread: the thread on this CPU */
  thread: KThread | null;
  /** cpu_idle_thread */
  idle: KThread;
  /** cpu_stats.sys.cpumigrate etc. are not modelled; cpu_disp->disp_nrunnable is */
  nrunnable: number;
}

/** Tunables of the core, from the scenario's kernel section. */
export interface KernelConfig {
  os: Personality;
  platform: Platform;
  hostname: string;
  kernelVersion: string;
  debug: boolean;
  ncpus: number;
  /** physical memory in pages */
  physmem: number;
  seed: number;
}

export class Kernel {
  readonly p: Platform;
  readonly cfg: KernelConfig;
  readonly rng: Rng;
  readonly sym: SymbolTable;
  /** hrtime, ns */
  now = 0;
  /** operations run (calls into simulated functions): a budget the scenario bounds */
  ops = 0;
  /** the fixes the kernel's text was built with (text.ts: written code may differ with them) */
  textVariant: TextVariant = NO_VARIANT;
  readonly threads: KThread[] = [];
  readonly cpus: CpuState[] = [];
  readonly procs: Proc[] = [];
  readonly msgbuf: MsgLine[] = [];
  panicked: PanicRecord | null = null;
  curthread: KThread | null = null;
  curcpu = 0;
  /** the run queue, the sleep queues and the timed wakeups */
  private readonly disp = new Dispatcher(this);
  private nextDid = 1;
  private nextPid = 0;
  /** carves kthread_t, proc_t, cpu_t and stacks before kmem exists */
  private bootHeap: Kva;
  private segkpNext: Kva;
  /** allocator for thread structs once kmem is up; set by kmem */
  threadAlloc: ((size: number) => Kva) | null = null;
  /** where a new process's proc_t (and struct pid) come from, once the kernel has caches for them */
  procAlloc: (() => { addr: Kva; pidAddr: Kva }) | null = null;
  /** threads that sleep waiting for work (not counted by hang detection) */
  readonly daemons = new Set<KThread>();
  /** t0: the thread boot code runs on */
  t0: KThread | null = null;
  /** string constants in kernel data, by text */
  readonly kstrings = new Map<string, Kva>();
  /** proc_pageout and proc_fsflush, once they exist (p0 is procs[0]) */
  readonly noMemWaitProcs = new Set<Proc>();

  constructor(cfg: KernelConfig) {
    this.cfg = cfg;
    this.p = cfg.platform;
    this.rng = new Rng(cfg.seed);
    this.sym = new SymbolTable(this.p.textBase, this.p.dataBase, cfg.os.modules, cfg.os.features ?? []);
    this.bootHeap = this.p.dataBase + 0x200000;
    this.segkpNext = this.p.segkpBase + 0xad0000;
    const p0 = this.newProc('sched', 'sched');
    const idleFn = cfg.os.idleFn;
    for (let i = 0; i < cfg.ncpus; i++) {
      const addr = this.bootAlloc(0x480);
      const idle = this.makeThread(p0, idleFn, null);
      idle.cpu = i;
      idle.boundCpu = i;
      idle.pri = -1;
      // idle() runs whenever the CPU has nothing else: on the CPU until dispatched away
      idle.state = TS_ONPROC;
      idle.frames.push({ fn: idleFn, pcOff: 0, fp: idle.stk - idleFn.frameSize, args: [], ptrMask: 0, locals: [] });
      this.cpus.push({ id: i, addr, thread: idle, idle, nrunnable: 0 });
    }
  }

  /**
   * Make t0 current, so boot code (kmem_init, driver attach) runs on a thread
   * with a stack, as main() does on t0. Returns it.
   */
  bootThread(mainFn: FuncSym): KThread {
    const t = this.makeThread(this.procs[0]!, mainFn, null);
    // thread0 is never forked: it starts where the boot code starts it (FreeBSD's locore btext)
    if (this.cfg.os.bootEntryFn) t.frames[0]!.fn = this.cfg.os.bootEntryFn;
    t.state = TS_ONPROC;
    this.t0 = t;
    this.curthread = t;
    this.curcpu = 0;
    this.enter(mainFn, 0);
    return t;
  }

  /** Boot is over: t0 goes to sleep for good (sched's swapper loop waits on its cv). */
  endBoot(): void {
    const t = this.t0!;
    this.enter(cv_wait, 0b1, t.addr);
    this.enter(swtch, 0);
    t.state = TS_SLEEP;
    t.wchan = t.addr;
    t.sobj = 'cv';
    this.daemons.add(t);
    this.curthread = null;
  }

  /**
   * NOMEMWAIT() (sys/vmsystm.h): the current thread belongs to pageout,
   * fsflush or sched (p0, which owns every kernel thread), or is an interrupt
   * thread. Such threads must never sleep for memory, so the page allocator
   * never refuses them, even below pageout_reserve.
   */
  nomemwait(): boolean {
    const t = this.curthread;
    if (!t) return false;
    return t.intr || t.proc === this.procs[0] || this.noMemWaitProcs.has(t.proc);
  }

  /** Memory for boot-time structures (before kmem): kernel data pages. */
  bootAlloc(size: number): Kva {
    const a = Math.ceil(this.bootHeap / 64) * 64;
    this.bootHeap = a + size;
    return a;
  }

  hex(kva: Kva): string {
    return hexAddr(this.p, kva);
  }

  /**
   * A new process (cfork()): a child of `parent` (p0 unless told), in its
   * parent's process group and session, linked first among its siblings.
   */
  newProc(comm: string, psargs: string, parent: Proc | null = this.procs[0] ?? null, flag = 0): Proc {
    const at = this.procAlloc ? this.procAlloc() : { addr: this.bootAlloc(0x1000) };
    const proc = { ...at, pid: this.nextPid++, comm, psargs, parent, children: [], flag, start: this.now } as Omit<Proc, 'pgrpLeader' | 'sessLeader'> as Proc;
    proc.pgrpLeader = parent ? parent.pgrpLeader : proc;
    proc.sessLeader = parent ? parent.sessLeader : proc;
    if (parent) parent.children.unshift(proc);
    this.procs.push(proc);
    return proc;
  }

  private makeThread(proc: Proc, start: FuncSym, gen: KGen<void> | null, kthreadAt?: Kva): KThread {
    const stksz = this.p.stackSize;
    const base = this.segkpNext;
    this.segkpNext += stksz + 0x1000 * (1 + (this.threads.length % 3)); // redzone page(s) between stacks
    const addr = kthreadAt ?? (this.threadAlloc ? this.threadAlloc(0x6d8) : this.bootAlloc(0x6d8));
    const t: KThread = {
      addr,
      did: this.nextDid++,
      state: TS_RUN,
      pri: 60,
      wchan: 0,
      sobj: null,
      cpu: 0,
      boundCpu: -1,
      proc,
      startFn: start,
      stk: base + stksz - 0x10,
      stkBase: base,
      frames: [],
      dispTime: this.now,
      gen,
      wakeAt: -1,
      volSwitchAt: -1,
      involSwitchAt: -1,
      timedOut: false,
      intr: false,
    };
    t.frames.push({ fn: this.cfg.os.threadStartFn, pcOff: 0, fp: t.stk, args: [], ptrMask: 0, locals: [] });
    this.threads.push(t);
    return t;
  }

  /**
   * thread_create(): a kernel or user-process thread running `body`. A user
   * thread (an LWP) has no kernel frames below its system-call entry, so its
   * base frame is not part of any stack the dump records.
   */
  threadCreate(proc: Proc, start: FuncSym, body: (t: KThread) => KGen<void>, pri = 60, user = false): KThread {
    const t = this.makeThread(proc, start, null);
    if (user) t.frames[0]!.hidden = true;
    t.pri = pri;
    t.gen = body(t);
    this.disp.setbackdq(t);
    return t;
  }

  // ---- frames ----------------------------------------------------------

  /** Push a frame for `fn` on the current thread; args flagged in ptrMask are Kvas. */
  enter(fn: FuncSym, ptrMask: number, ...args: number[]): Frame {
    const fr = this.push(fn, ptrMask, args);
    this.ops++;
    this.now += 40;
    return fr;
  }

  /** fn's frame on the current thread's stack, its caller's pc at the call. */
  private push(fn: FuncSym, ptrMask: number, args: number[]): Frame {
    const frames = this.curthread!.frames;
    const caller = frames[frames.length - 1]!;
    const indirect = this.cfg.os.startCallsIndirect === true && caller.fn === this.cfg.os.threadStartFn;
    caller.pcOff = callSiteOffset(caller.fn, indirect ? caller.fn : fn, args, this.textVariant);
    const fr: Frame = { fn, pcOff: 0, fp: caller.fp - fn.frameSize, args, ptrMask, locals: [] };
    frames.push(fr);
    return fr;
  }

  /**
   * Push the frame of an entry point the hardware reaches by a trap, not a
   * call (a system call's int $0x80 or syscall instruction): the frame is
   * on the stack for a trace, but the model's clock and call count, which
   * price function calls, do not move.
   */
  enterTrap(fn: FuncSym): Frame {
    return this.push(fn, 0, []);
  }

  /** Pop the current frame (the function returns). */
  leave(fr: Frame): void {
    const frames = this.curthread!.frames;
    // Frames are strictly nested; a mismatch is a bug in the simulator itself.
    if (frames[frames.length - 1] !== fr) throw new Error(`frame mismatch leaving ${fr.fn.name}`);
    frames.pop();
  }

  /** Charge simulated work (ns) to the current thread. */
  tick(ns: number): void {
    this.now += ns;
  }

  // ---- sleep and wakeup (sleepq.ts, disp.ts) ------------------------------

  /** cv_wait(): sleep on `cv` until cv_signal/cv_broadcast. */
  cvWait(cv: Kva, timeoutNs?: number): KGen<boolean> {
    return cvWait(this, cv, timeoutNs);
  }

  /**
   * A preemption point: other CPUs run threads concurrently with this one, so
   * a long kernel loop lets the dispatcher interleave them here.
   */
  preempt(): KGen<void> {
    return preempt();
  }

  /** delay(): sleep for a while, on the thread's own t_delay_cv with a timeout. */
  delay(ns: number): KGen<void> {
    return delay(this, ns);
  }

  /** cv_broadcast(): wake every thread sleeping on `cv`. */
  cvBroadcast(cv: Kva): number {
    return this.disp.cvBroadcast(cv);
  }

  /** cv_signal(): wake one thread sleeping on `cv`. */
  cvSignal(cv: Kva): void {
    this.disp.cvSignal(cv);
  }

  hasSleepers(cv: Kva): boolean {
    return this.disp.hasSleepers(cv);
  }

  // ---- panic (panic.ts) -----------------------------------------------------

  /** panic(): format the console line, record the panic and stop the machine. Never returns. */
  panic(message: string, caller?: FuncSym, args?: number[], ptrMask?: number): never {
    return this.cfg.os.panic(this, message, caller, args, ptrMask);
  }

  /** A string constant in kernel data (an ASSERT's text, a file name), by address. */
  kstring(text: string): Kva {
    let a = this.kstrings.get(text);
    if (a === undefined) {
      a = this.bootAlloc(text.length + 1);
      this.kstrings.set(text, a);
    }
    return a;
  }

  /** ASSERT(): on DEBUG kernels a false expression calls assfail(), which panics. */
  ASSERT(ok: boolean, expr: string, file: string, line: number): void {
    this.cfg.os.assert(this, ok, expr, file, line);
  }

  /** cmn_err(CE_NOTE/CE_WARN)-style console output into the message buffer. */
  console(text: string): void {
    this.msgbuf.push({ time: this.now, text });
  }

  // ---- dispatcher (disp.ts) ----------------------------------------------------

  /**
   * Run until a panic, a hang, or a budget runs out. Returns why it stopped.
   * `shouldStop` is polled between dispatches (budgets, progress callbacks).
   */
  run(shouldStop: () => boolean): 'panic' | 'hang' | 'budget' | 'idle' {
    return this.disp.run(shouldStop);
  }
}

export type { Block, Frame, KGen, KThread, Proc, SobjType };
