/*
 * The illumos sleeps the modelled threads take, each through the frames of
 * its real path (uts/common/os/condvar.c, syscall/nanosleep.c,
 * os/taskq.c, os/vm_pageout.c, fs/zfs/txg.c), with the arguments those
 * functions receive, down to swtch():
 *
 *   nanosleep(rqtp, rmtp) → cv_waituntil_sig(&t->t_delay_cv,
 *       &t->t_delay_lock, &rqtime, timecheck) → cv_timedwait_sig_hires(cvp,
 *       mp, interval, 1, CALLOUT_FLAG_HRESTIME) → swtch()
 *   taskq_thread → taskq_thread_wait(tq, &tq->tq_lock, &tq->tq_dispatch_cv,
 *       &cprinfo, -1) → cv_wait(cv, mp) → swtch()
 *   pageout → cv_wait(&proc_pageout->p_cv, &pageout_mutex) → swtch()
 *   txg_sync_thread → txg_thread_wait(tx, &cpr, &tx->tx_sync_more_cv, timer)
 *       → cv_timedwait(cv, &tx->tx_sync_lock, lbolt + timer) → swtch()
 *
 * A thread that the real kernel wakes from elsewhere (kmem_update()'s
 * callout dispatching to the kmem taskq, schedpaging() from the clock four
 * times a second) sleeps in cv_wait() here too; the machine's timeout stands
 * for that wakeup, which is not modelled as a thread of its own.
 */
import type { Kernel } from '../../machine/kernel.js';
import type { Kva } from '../../machine/platform.js';
import { func, type FuncSym } from '../../machine/symbols.js';
import type { Frame, KGen } from '../../machine/thread.js';
import { swtch } from '../../machine/sleepq.js';
import { kernelObject } from './kobj.js';
import { calloutDone, CALLOUT_FLAG_HRESTIME, CALLOUT_REALTIME, cvWakeupFn, NSEC_PER_TICK, setrunFn, timeoutGeneric } from './callout.js';

const nanosleepFn = func('genunix', 'nanosleep', 0x1d0);
const cv_waituntil_sig = func('genunix', 'cv_waituntil_sig', 0x140);
const cv_timedwait_sig_hires = func('genunix', 'cv_timedwait_sig_hires', 0x2e0);
const cv_timedwait = func('genunix', 'cv_timedwait', 0x110);
const cv_wait = func('genunix', 'cv_wait', 0xa0);

/** offsetof (kthread_t, t_delay_cv), (kthread_t, t_delay_lock): what nanosleep() and delay() sleep on */
const T_DELAY_CV = 0x5c0;
const T_DELAY_LOCK = 0x5c8;
/** a user-space timespec: nanosleep's rqtp */
const URQTP = 0x8047e40;

/** A frame to push: function, pointer-argument mask, arguments. */
export type FrameSpec = [FuncSym, number, ...number[]];

/**
 * The callout a timed wait arms before it sleeps (timeout_generic()'s
 * function, interval, resolution and flags; the argument is the thread).
 */
export interface Arm {
  fn: FuncSym;
  interval: number;
  resolution: number;
  flags: number;
}

/**
 * Push `frames`, arm the wait's callout (when the real path has one), then
 * swtch(), and sleep on wchan (with a timeout when the real path has one, or
 * when it stands for a wakeup from elsewhere). Woken, the callout is
 * cancelled or has expired: it goes back to its table. Returns false if the
 * timeout ended the sleep.
 */
export function* sleepThrough(k: Kernel, frames: readonly FrameSpec[], wchan: Kva, timeoutNs?: number, arm?: Arm): KGen<boolean> {
  const pushed: Frame[] = [];
  for (const [fn, mask, ...args] of frames) pushed.push(k.enter(fn, mask, ...args));
  const co = arm ? yield* timeoutGeneric(k, CALLOUT_REALTIME, arm.fn, k.curthread!.addr, arm.interval, arm.resolution, arm.flags) : null;
  const sw = k.enter(swtch, 0);
  yield { kind: 'sleep', wchan, sobj: 'cv', ...(timeoutNs !== undefined ? { timeoutNs: Math.max(1, timeoutNs) } : {}) };
  k.leave(sw);
  // untimeout_default() when woken first, callout_execute() when it fired
  if (co) calloutDone(k, co);
  for (let i = pushed.length - 1; i >= 0; i--) k.leave(pushed[i]!);
  const t = k.curthread!;
  const timedOut = t.timedOut;
  t.timedOut = false;
  return !timedOut;
}

/** nanosleep(2) for ns: cv_waituntil_sig() on the thread's t_delay_cv. */
export function* nanosleep(k: Kernel, ns: number): KGen<void> {
  const t = k.curthread!;
  const cv = t.addr + T_DELAY_CV;
  const mp = t.addr + T_DELAY_LOCK;
  const f0 = k.enter(nanosleepFn, 0, URQTP, 0);
  // rqtime: the absolute wake-up time, a timespec in nanosleep's frame; timecheck = timechanged
  const rqtime = f0.fp - 0x20;
  yield* sleepThrough(
    k,
    [
      [cv_waituntil_sig, 0b111, cv, mp, rqtime, 0],
      [cv_timedwait_sig_hires, 0b11, cv, mp, ns, 1, CALLOUT_FLAG_HRESTIME],
    ],
    cv,
    ns,
    // timeout_generic(CALLOUT_REALTIME, cv_wakeup, t, tim, res, flag)
    { fn: cvWakeupFn, interval: ns, resolution: 1, flags: CALLOUT_FLAG_HRESTIME },
  );
  k.leave(f0);
}

/** cv_wait(cv, mp) → swtch(); a timeout stands for the wakeup from elsewhere. */
export function* cvWaitOn(k: Kernel, cv: Kva, mp: Kva, wakeupNs?: number, above: readonly FrameSpec[] = []): KGen<boolean> {
  return yield* sleepThrough(k, [...above, [cv_wait, 0b11, cv, mp]], cv, wakeupNs);
}

/** cv_timedwait(cv, mp, lbolt + ticks) → swtch(). */
export function* cvTimedwaitOn(k: Kernel, cv: Kva, mp: Kva, ns: number, above: readonly FrameSpec[] = []): KGen<boolean> {
  const lbolt = Math.floor(k.now / NSEC_PER_TICK);
  const ticks = Math.ceil(ns / NSEC_PER_TICK);
  // cv_timedwait(): timeout_generic(CALLOUT_REALTIME, setrun, t, TICK_TO_NSEC(tim - lbolt), nsec_per_tick, 0)
  const arm = { fn: setrunFn, interval: ticks * NSEC_PER_TICK, resolution: NSEC_PER_TICK, flags: 0 };
  return yield* sleepThrough(k, [...above, [cv_timedwait, 0b11, cv, mp, lbolt + ticks]], cv, ns, arm);
}

const delayFn = func('genunix', 'delay', 0x70);
const turnstile_block = func('genunix', 'turnstile_block', 0x6a0);
/** turnstile_block()'s queue number for writers/mutex waiters (TS_WRITER_Q) */
const TS_WRITER_Q = 0;

/** delay(ticks): cv_timedwait(&t->t_delay_cv, &t->t_delay_lock, lbolt + ticks) (clock.c delay_common()). */
export function* delayTicks(k: Kernel, ns: number): KGen<void> {
  const t = k.curthread!;
  const ticks = Math.max(1, Math.ceil(ns / 10_000_000));
  const f0 = k.enter(delayFn, 0, ticks);
  yield* cvTimedwaitOn(k, t.addr + T_DELAY_CV, t.addr + T_DELAY_LOCK, ns);
  k.leave(f0);
}

/**
 * An adaptive mutex's slow path: turnstile_block(ts, TS_WRITER_Q, lp,
 * &mutex_sobj_ops, NULL, NULL) → swtch(), until the owner lets go. The
 * turnstile is the lock's (turnstile_lookup()); modelled by the lock's address
 * in turnstile_table.
 */
export function* turnstileBlock(k: Kernel, lock: Kva): KGen<void> {
  const table = kernelObject(k, 'genunix', 'turnstile_table', 0x4000).addr;
  const ts = table + ((lock >>> 6) % 0x100) * 0x40;
  const ops = kernelObject(k, 'genunix', 'mutex_sobj_ops', 0x20).addr;
  const f0 = k.enter(turnstile_block, 0b1101, ts, TS_WRITER_Q, lock, ops, 0, 0);
  const sw = k.enter(swtch, 0);
  yield { kind: 'sleep', wchan: lock, sobj: 'mutex' };
  k.leave(sw);
  k.leave(f0);
}
