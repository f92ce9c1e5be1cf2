/*
 * Sleep and wakeup (kern/kern_synch.c msleep(), wakeup(), wakeup_one(), on
 * the sleep queues of kern/subr_sleepqueue.c).
 *
 * msleep() sleeps on a wait channel with a wait message ("vmwait",
 * "zonelimit"). Like the 2004 kernel it drops Giant for the sleep and takes
 * it back after (DROP_GIANT / PICKUP_GIANT), with the recursion count the
 * thread had: a thread that sleeps lets Giant's other users run. A thread
 * that loops without sleeping keeps Giant.
 */
import type { Kernel } from '../../machine/kernel.js';
import type { Kva } from '../../machine/platform.js';
import { func } from '../../machine/symbols.js';
import type { KGen } from '../../machine/thread.js';
import { giant, mtxLock, mtxUnlock, type Mtx } from './mutex.js';
import { switchFrames } from './switch.js';

const msleepFn = func('kernel', 'msleep', 0x290);
const sleepq_wait = func('kernel', 'sleepq_wait', 0x40);
const sleepq_timedwait = func('kernel', 'sleepq_timedwait', 0x70);

/** EWOULDBLOCK: msleep's return when the timeout ran out */
export const EWOULDBLOCK = 35;

/** Kernel priorities (sys/priority.h, sys/param.h) */
export const PVM = 68;
export const PSOCK = 88;
export const PWAIT = 92;
export const PPAUSE = 104;

/** ticks per second (kern.hz) */
export const HZ = 1000;

/**
 * models msleep(chan, mtx, pri, wmesg, timo): sleep on chan, dropping `mtx`
 * (if given) and Giant across the sleep; timo in ticks, 0 for none.
 * Returns 0 when woken, EWOULDBLOCK when the timeout ran out.
 */
export function* msleep(k: Kernel, chan: Kva, mtx: Mtx | null, pri: number, wmesg: string, timo: number): KGen<number> {
  const t = k.curthread!;
  const fr = k.enter(msleepFn, 0b1011, chan, mtx ? mtx.addr : 0, pri, k.kstring(wmesg), timo);
  if (mtx) mtxUnlock(k, mtx);
  const g = giant(k);
  let held = 0;
  if (g.owner === t) {
    held = g.recurse + 1;
    g.recurse = 0;
    mtxUnlock(k, g);
  }
  const sq = k.enter(timo > 0 ? sleepq_timedwait : sleepq_wait, 0b1, chan);
  const sw = switchFrames(k);
  yield { kind: 'sleep', wchan: chan, sobj: 'cv', wmesg, ...(timo > 0 ? { timeoutNs: (timo * 1e9) / HZ } : {}) };
  sw();
  k.leave(sq);
  const timedOut = t.timedOut;
  t.timedOut = false;
  if (held > 0) {
    yield* mtxLock(k, g);
    g.recurse = held - 1;
  }
  if (mtx) yield* mtxLock(k, mtx);
  k.leave(fr);
  return timedOut ? EWOULDBLOCK : 0;
}

/** models wakeup(): make every thread asleep on chan runnable. */
export function wakeup(k: Kernel, chan: Kva): void {
  k.cvBroadcast(chan);
}

/** models wakeup_one(): make the first thread asleep on chan runnable. */
export function wakeupOne(k: Kernel, chan: Kva): void {
  k.cvSignal(chan);
}

/** models tsleep() used as pause(): sleep for `ns` on the thread's own channel. */
export function* pause(k: Kernel, wmesg: string, ns: number): KGen<void> {
  const t = k.curthread!;
  yield* msleep(k, t.addr + 0x4, null, PPAUSE, wmesg, Math.max(1, Math.round((ns * HZ) / 1e9)));
}
