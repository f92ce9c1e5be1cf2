/*
 * Sleep and wakeup: the queues of threads asleep on a wait channel (the sleep
 * queues of uts/common/disp/sleepq.c), and the calls a thread makes to go to
 * sleep (cv_wait(), cv_timedwait() in uts/common/os/condvar.c, delay() in
 * uts/common/os/clock.c) or to let other threads run (a preemption point).
 *
 * A thread blocks by yielding a Block to the dispatcher, which queues it here
 * (and on the timed list if there is a timeout). cv_signal() and
 * cv_broadcast() take threads off a channel's queue and make them runnable;
 * a timeout takes one off without a wakeup, and cv_timedwait() reports it.
 */
import type { Kernel } from './kernel.js';
import type { Kva } from './platform.js';
import { func } from './symbols.js';
import type { KGen, KThread } from './thread.js';

/** offsetof (kthread_t, t_delay_cv): what a thread in delay() sleeps on */
const T_DELAY_CV = 0x5c0;

export const cv_wait = func('genunix', 'cv_wait', 0xa0);
const cv_timedwait = func('genunix', 'cv_timedwait', 0x110);
export const swtch = func('unix', 'swtch', 0x1a0);
const delayFn = func('genunix', 'delay', 0x70);

/** Threads asleep, by wait channel, each queue in the order they went to sleep. */
export class SleepQueues {
  private sleepers = new Map<Kva, KThread[]>();

  /** models sleepq_insert(): t goes to sleep on wchan, behind those already there */
  insert(t: KThread, wchan: Kva): void {
    let q = this.sleepers.get(wchan);
    if (!q) this.sleepers.set(wchan, (q = []));
    q.push(t);
  }

  /** models sleepq_wakeall_chan(): take every thread off wchan's queue, in order */
  takeAll(wchan: Kva): KThread[] | undefined {
    const q = this.sleepers.get(wchan);
    if (!q) return undefined;
    this.sleepers.delete(wchan);
    return q;
  }

  /** models sleepq_wakeone_chan(): take the first thread off wchan's queue */
  takeOne(wchan: Kva): KThread | undefined {
    const q = this.sleepers.get(wchan);
    if (!q || q.length === 0) return undefined;
    const t = q.shift()!;
    if (q.length === 0) this.sleepers.delete(wchan);
    return t;
  }

  /** models sleepq_unsleep(): take t off the queue of the channel it sleeps on (its timeout expired) */
  unsleep(t: KThread): void {
    const q = this.sleepers.get(t.wchan);
    if (q) {
      const j = q.indexOf(t);
      if (j >= 0) q.splice(j, 1);
      if (q.length === 0) this.sleepers.delete(t.wchan);
    }
  }

  has(wchan: Kva): boolean {
    return (this.sleepers.get(wchan)?.length ?? 0) > 0;
  }
}

/** models cv_wait() and cv_timedwait(): sleep on `cv` until cv_signal/cv_broadcast (or the timeout); false if timed out. */
export function* cvWait(k: Kernel, cv: Kva, timeoutNs?: number): KGen<boolean> {
  const fr = k.enter(timeoutNs === undefined ? cv_wait : cv_timedwait, 0b1, cv);
  const sw = k.enter(swtch, 0);
  yield { kind: 'sleep', wchan: cv, sobj: 'cv', ...(timeoutNs !== undefined ? { timeoutNs } : {}) };
  k.leave(sw);
  k.leave(fr);
  const t = k.curthread!;
  const to = t.timedOut;
  t.timedOut = false;
  return !to;
}

/**
 * A preemption point: other CPUs run threads concurrently with this one, so
 * a long kernel loop lets the dispatcher interleave them here.
 */
export function* preempt(): KGen<void> {
  yield { kind: 'preempt' };
}

/** models delay(): sleep for a while, on the thread's own t_delay_cv with a timeout. */
export function* delay(k: Kernel, ns: number): KGen<void> {
  const fr = k.enter(delayFn, 0, ns);
  const t = k.curthread!;
  yield* k.cvWait(t.addr + T_DELAY_CV, Math.max(1, ns));
  k.leave(fr);
}
