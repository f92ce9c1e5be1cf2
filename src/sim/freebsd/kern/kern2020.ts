/*
 * The 13.0-CURRENT (2020) kernel's pieces the btalloc model needs, declared
 * in their own symbol module ("kernel.2020") so the 2004 kernel's layout is
 * untouched: the personality (sched_idletd, fork_exit), sleeping with a
 * timeout as 2020's kern_synch.c does it (pause_sbt -> _sleep ->
 * sleepq_timedwait -> mi_switch), wakeup, and a sleep mutex that blocks on
 * a turnstile when contested (vmem_bt_lock, "btag lock").
 */
import type { Kernel, Personality } from '../../machine/kernel.js';
import type { Kva } from '../../machine/platform.js';
import { func, type FuncSym } from '../../machine/symbols.js';
import { PanicStop } from '../../machine/stop.js';
import type { KGen, KThread } from '../../machine/thread.js';
import { kernelObject } from './globals.js';

export { kernelObject };

export const K20 = 'kernel.2020';
export const f20 = (name: string, size?: number): FuncSym => func(K20, name, size);

const _sleep = f20('_sleep', 0x2b0);
const pause_sbt = f20('pause_sbt', 0x140);
const sleepq_wait = f20('sleepq_wait', 0x60);
const sleepq_timedwait = f20('sleepq_timedwait', 0x90);
const sleepq_wait_sig = f20('sleepq_wait_sig', 0x70);
const sleepq_timedwait_sig = f20('sleepq_timedwait_sig', 0xa0);
const _cv_timedwait_sbt = f20('_cv_timedwait_sbt', 0x1f0);
export const mi_switch = f20('mi_switch', 0x1d0);
const _cv_wait = f20('_cv_wait', 0x190);
const __mtx_lock_sleep = f20('__mtx_lock_sleep', 0x3f0);
const turnstile_wait = f20('turnstile_wait', 0x1e0);
const panicFn = f20('panic', 0x60);

/** sys/proc.h: mi_switch()'s flags, a voluntary switch and its type */
export const SW_VOL = 0x100;
export const SWT_TURNSTILE = 3;
export const SWT_SLEEPQ = 4;
export const SWT_IWAIT = 9;

export const HZ = 1000;
/** sys/priority.h of 13.0: PRI_MIN_KERN is 80 (realtime 48..79 below it), PVM = PRI_MIN_KERN + 4 */
export const PVM = 84;
export const PWAIT = 108;
export const PPAUSE = 116;
/** sleep flags or'ed into _sleep's priority (sys/param.h): catch signals, and drop the interlock */
export const PCATCH = 0x100;
export const PDROP = 0x200;
export const EWOULDBLOCK = 35;
/** sbintime of one tick (SBT_1S / hz) */
export const SBT_1MS = 0x418937;

/** The 2020 kernel never panics in this model; a simulator bug that would reach panic() stops the machine all the same. */
function panic20(k: Kernel, message: string): never {
  const t = k.curthread!;
  k.enter(panicFn, 0b1, k.kstring(message));
  k.panicked = { message, thread: t, cpu: k.curcpu, caller: 'panic', time: k.now };
  k.console(`panic: ${message}`);
  throw new PanicStop();
}

export const FREEBSD_2020: Personality = {
  modules: [K20],
  idleFn: f20('sched_idletd', 0x1c0),
  threadStartFn: f20('fork_exit', 0xa0),
  startCallsIndirect: true,
  bootEntryFn: f20('btext', 0x60),
  panic: (k, m) => panic20(k, m),
  assert: (k, ok, expr, file, line) => {
    if (!ok && k.cfg.debug) panic20(k, `${expr} (${file}:${line})`);
  },
  clockInterrupts: true,
};

/**
 * models _sleep(chan, lock, pri, wmesg, sbt): sleep on chan, for `timo`
 * ticks when timo > 0 (sleepq_timedwait) or until woken (sleepq_wait).
 * Returns 0 when woken, EWOULDBLOCK when the timeout ran out.
 */
export function* sleep20(k: Kernel, chan: Kva, pri: number, wmesg: string, timo: number): KGen<number> {
  const fr = k.enter(_sleep, 0b1001, chan, 0, pri, k.kstring(wmesg), timo * SBT_1MS, 0);
  const r = yield* sleepqBlock(k, chan, wmesg, timo, (pri & PCATCH) !== 0);
  k.leave(fr);
  return r;
}

const PRIMASK = 0xff;
/**
 * td_priority of a sleeping thread: _sleep() does "if (pri != 0)
 * sched_prio(td, pri & PRIMASK)", so the priority argument of its _sleep
 * frame, else the thread's own.
 */
export function sleepPriority20(t: KThread): number {
  let pri = 0;
  for (const f of t.frames) if (f.fn === _sleep) pri = (f.args[2] ?? 0) & PRIMASK;
  return pri !== 0 ? pri : t.pri;
}

/**
 * models cv_timedwait(cvp, lock, timo) -> _cv_timedwait_sbt(): a timed sleep
 * on the condition variable, whose description is the wait message.
 */
export function* cvTimedwait20(k: Kernel, cv: Kva, wmesg: string, timo: number): KGen<number> {
  const fr = k.enter(_cv_timedwait_sbt, 0b11, cv, 0, timo * SBT_1MS, 0, 0x100 /* C_HARDCLOCK */);
  const r = yield* sleepqBlock(k, cv, wmesg, timo, false);
  k.leave(fr);
  return r;
}

/**
 * models cv_wait(cvp, lock) -> _cv_wait(): sleep on the condition variable
 * until a cv_signal or cv_broadcast, its description the wait message.
 */
export function* cvWait20(k: Kernel, cv: Kva, lock: Kva, wmesg: string): KGen<void> {
  const fr = k.enter(_cv_wait, 0b11, cv, lock);
  yield* sleepqBlock(k, cv, wmesg, 0, false);
  k.leave(fr);
}

/** Asleep with PCATCH, in sleepq_[timed]wait_sig: sleepq_add() set TDF_SINTR, which ps shows as S rather than D. */
export function sleepsInterruptibly20(t: KThread): boolean {
  return t.frames.some((x) => x.fn === sleepq_wait_sig || x.fn === sleepq_timedwait_sig);
}

/** The sleep queue's half: sleepq_[timed]wait[_sig] -> mi_switch, until woken or timed out. */
function* sleepqBlock(k: Kernel, chan: Kva, wmesg: string, timo: number, sig: boolean): KGen<number> {
  const t = k.curthread!;
  const fn = timo > 0 ? (sig ? sleepq_timedwait_sig : sleepq_timedwait) : sig ? sleepq_wait_sig : sleepq_wait;
  const sq = k.enter(fn, 0b1, chan, 0);
  const sw = k.enter(mi_switch, 0, SW_VOL | SWT_SLEEPQ);
  yield { kind: 'sleep', wchan: chan, sobj: 'cv', wmesg, ...(timo > 0 ? { timeoutNs: (timo * 1e9) / HZ } : {}) };
  k.leave(sw);
  k.leave(sq);
  const to = t.timedOut;
  t.timedOut = false;
  return to ? EWOULDBLOCK : 0;
}

/** models pause(wmesg, timo) -> pause_sbt(): a timed sleep on &pause_wchan[curcpu], which nothing wakes. */
export function* pause20(k: Kernel, wmesg: string, timo: number): KGen<void> {
  const fr = k.enter(pause_sbt, 0b1, k.kstring(wmesg), timo * SBT_1MS, 0, 0x100 /* C_HARDCLOCK */);
  yield* sleep20(k, perCpuChan(k, 'pause_wchan'), 0, wmesg, timo);
  k.leave(fr);
}

/**
 * &name[curcpu] of a per-CPU array of wait channels (pause_wchan, nanowait):
 * a kernel object of one int per CPU, whose element is the channel.
 */
export function perCpuChan(k: Kernel, name: string): Kva {
  return kernelObject(k, name, 4 * Math.max(1, k.cfg.ncpus)) + 4 * k.curcpu;
}

/** models wakeup(chan) */
export function wakeup20(k: Kernel, chan: Kva): void {
  k.cvBroadcast(chan);
}

export interface Mtx20 {
  name: string;
  addr: Kva;
  owner: KThread | null;
  turnstile: Kva;
}

const blocked = new WeakMap<KThread, Mtx20>();
export function blockedMtx20(t: KThread): Mtx20 | undefined {
  return t.sobj === 'mutex' ? blocked.get(t) : undefined;
}

/** models mtx_lock(): a contested lock blocks on its turnstile (TDI_LOCK, ps shows "*name") until handed over. */
export function* mtxLock20(k: Kernel, m: Mtx20): KGen<void> {
  const t = k.curthread!;
  while (m.owner !== null && m.owner !== t) {
    const s = k.enter(__mtx_lock_sleep, 0b11, m.addr + 0x10, t.addr, 0);
    const tw = k.enter(turnstile_wait, 0b111, m.turnstile, m.owner.addr, 0);
    const sw = k.enter(mi_switch, 0, SW_VOL | SWT_TURNSTILE);
    blocked.set(t, m);
    yield { kind: 'sleep', wchan: m.addr, sobj: 'mutex', wmesg: m.name };
    blocked.delete(t);
    k.leave(sw);
    k.leave(tw);
    k.leave(s);
  }
  m.owner = t;
}

export function mtxUnlock20(k: Kernel, m: Mtx20): void {
  m.owner = null;
  if (k.hasSleepers(m.addr)) k.cvSignal(m.addr);
}
