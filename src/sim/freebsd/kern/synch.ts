/*
 * Sleep and wakeup (kern/kern_synch.c msleep(), wakeup(), wakeup_one(), on
 * the sleep queues of kern/subr_sleepqueue.c).
 *
 * msleep() sleeps on a wait channel with a wait message ("vmwait",
 * "zonelimit"). Like the 2004 kernel it drops Giant for the sleep and takes
 * it back after (DROP_GIANT / PICKUP_GIANT), with the recursion count the
 * thread had: a thread that sleeps lets Giant's other users run. A thread
 * that loops without sleeping keeps Giant. It sets the thread's priority to
 * the one it was given (sched_prio(td, priority & PRIMASK)), and a sleep
 * with PCATCH goes through sleepq_wait_sig / sleepq_timedwait_sig, which is
 * how ps tells an interruptible sleep (S) from one that is not (D).
 */
import type { Kernel } from '../../machine/kernel.js';
import type { Kva } from '../../machine/platform.js';
import { func } from '../../machine/symbols.js';
import type { KGen, KThread } from '../../machine/thread.js';
import { giant, mtxLock, mtxUnlock, type Mtx } from './mutex.js';
import { switchFrames } from './switch.js';

const msleepFn = func('kernel', 'msleep', 0x290);
const sleepq_wait = func('kernel', 'sleepq_wait', 0x40);
const sleepq_timedwait = func('kernel', 'sleepq_timedwait', 0x70);
const sleepq_wait_sig = func('kernel', 'sleepq_wait_sig', 0x50);
const sleepq_timedwait_sig = func('kernel', 'sleepq_timedwait_sig', 0x80);

/** EWOULDBLOCK: msleep's return when the timeout ran out */
export const EWOULDBLOCK = 35;

/** Kernel priorities (sys/priority.h, sys/param.h of 5.x: PRI_MIN_KERN 64, one step of 4 each) */
export const PVM = 68;
export const PRIBIO = 76;
export const PSOCK = 88;
export const PWAIT = 92;
export const PPAUSE = 104;
/** PUSER: PRI_MIN_TIMESHARE, where user threads' priorities start (vm_waitpfault() sleeps there) */
export const PUSER = 160;
/** sys/priority.h: PRI_MAX_IDLE, the idle class's lowest priority (pagezero's) */
export const PRI_MAX_IDLE = 255;
/** sys/param.h: the priority bits of msleep's argument, and the flags or'ed above them */
export const PRIMASK = 0x0ff;
export const PCATCH = 0x100;
export const PDROP = 0x200;

/** ticks per second (kern.hz) */
export const HZ = 1000;

export interface MsleepOpts {
  /**
   * The interlock msleep() was handed, when the model does not contend it
   * (bdlock, a GEOM bio queue's lock): its address is msleep's second
   * argument in the trace, and nothing else.
   */
  interlock?: Kva;
  /**
   * A wakeup(chan) the model times rather than runs: another party's wakeup
   * `wakeupNs` from now (schedcpu()'s wakeup(&lbolt) once a second, a disk's
   * completion interrupt), whatever msleep's own timeout. msleep returns 0.
   */
  wakeupNs?: number;
}

/**
 * models msleep(chan, mtx, pri, wmesg, timo): sleep on chan, dropping `mtx`
 * (if given) and Giant across the sleep; timo in ticks, 0 for none. The
 * priority's low bits become the thread's priority while it sleeps
 * (sleepPriority), PCATCH makes the sleep interruptible (sleepq_*_sig) and
 * PDROP leaves the interlock dropped after. Returns 0 when woken,
 * EWOULDBLOCK when the timeout ran out.
 */
export function* msleep(k: Kernel, chan: Kva, mtx: Mtx | null, pri: number, wmesg: string, timo: number, opts: MsleepOpts = {}): KGen<number> {
  const t = k.curthread!;
  const fr = k.enter(msleepFn, 0b1011, chan, mtx ? mtx.addr : (opts.interlock ?? 0), pri, k.kstring(wmesg), timo);
  if (mtx) mtxUnlock(k, mtx);
  const g = giant(k);
  let held = 0;
  if (g.owner === t) {
    held = g.recurse + 1;
    g.recurse = 0;
    mtxUnlock(k, g);
  }
  const sig = (pri & PCATCH) !== 0;
  const sq = k.enter(timo > 0 ? (sig ? sleepq_timedwait_sig : sleepq_timedwait) : sig ? sleepq_wait_sig : sleepq_wait, 0b1, chan);
  const sw = switchFrames(k);
  const woken = opts.wakeupNs !== undefined && (timo <= 0 || opts.wakeupNs <= (timo * 1e9) / HZ);
  const timeoutNs = woken ? opts.wakeupNs : timo > 0 ? (timo * 1e9) / HZ : undefined;
  yield { kind: 'sleep', wchan: chan, sobj: 'cv', wmesg, ...(timeoutNs !== undefined ? { timeoutNs } : {}) };
  sw();
  k.leave(sq);
  const timedOut = t.timedOut && !woken;
  t.timedOut = false;
  if (held > 0) {
    yield* mtxLock(k, g);
    g.recurse = held - 1;
  }
  if (mtx && (pri & PDROP) === 0) yield* mtxLock(k, mtx);
  k.leave(fr);
  return timedOut ? EWOULDBLOCK : 0;
}

/** The innermost msleep frame of a sleeping thread, if it has one. */
function msleepFrame(t: KThread): { args: readonly number[] } | undefined {
  for (let i = t.frames.length - 1; i >= 0; i--) if (t.frames[i]!.fn === msleepFn) return t.frames[i];
  return undefined;
}

/**
 * td_priority of a thread asleep in msleep(): 5.x's msleep() does
 * sched_prio(td, priority & PRIMASK) before it sleeps, so the priority
 * argument of its frame; a thread asleep otherwise keeps its own.
 */
export function sleepPriority(t: KThread): number {
  const f = msleepFrame(t);
  return f ? (f.args[2] ?? 0) & PRIMASK : t.pri;
}

/** Asleep with PCATCH, in sleepq_[timed]wait_sig: sleepq_add() set TDF_SINTR, which ps shows as S rather than D. */
export function sleepsInterruptibly(t: KThread): boolean {
  return t.frames.some((x) => x.fn === sleepq_wait_sig || x.fn === sleepq_timedwait_sig);
}

/** models wakeup(): make every thread asleep on chan runnable. */
export function wakeup(k: Kernel, chan: Kva): void {
  k.cvBroadcast(chan);
}

/** models wakeup_one(): make the first thread asleep on chan runnable. */
export function wakeupOne(k: Kernel, chan: Kva): void {
  k.cvSignal(chan);
}
