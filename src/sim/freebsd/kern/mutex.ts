/*
 * Sleep mutexes (kern/kern_mutex.c) and turnstiles (kern/subr_turnstile.c).
 *
 * mtx_lock() takes an unowned mutex at once; a contested one sends the thread
 * through _mtx_lock_sleep() into turnstile_wait(), where it blocks with
 * TDI_LOCK set and td_lockname = the lock's name (ps shows "*Giant"), until
 * the owner's mtx_unlock() hands the lock over with turnstile_signal(). A
 * mutex flagged MTX_RECURSE (Giant) may be taken again by its owner. Giant
 * is the one mutex the model needs contested: in 2004 much of the kernel
 * still ran under it.
 */
import type { Kernel } from '../../machine/kernel.js';
import type { Kva } from '../../machine/platform.js';
import { func } from '../../machine/symbols.js';
import type { KGen, KThread } from '../../machine/thread.js';
import { switchFrames } from './switch.js';

const _mtx_lock_flags = func('kernel', '_mtx_lock_flags', 0x80);
const _mtx_lock_sleep = func('kernel', '_mtx_lock_sleep', 0x1b0);
const turnstile_wait = func('kernel', 'turnstile_wait', 0x1c0);

export interface Mtx {
  /** lo_name */
  name: string;
  /** address of the struct mtx */
  addr: Kva;
  /** the owner (mtx_lock), null when MTX_UNOWNED */
  owner: KThread | null;
  /** mtx_recurse */
  recurse: number;
  /** the turnstile contested waiters block on (td_blocked) */
  turnstile: Kva;
}

/** MTX_UNOWNED: the value of mtx_lock when nobody holds the mutex */
export const MTX_UNOWNED = 4;
/** MTX_RECURSED: set in mtx_lock while its owner holds it more than once; MTX_CONTESTED: set by a thread that blocks on the turnstile (_mtx_lock_sleep) */
const MTX_RECURSED = 1n;
const MTX_CONTESTED = 2n;

/** mtx_lock as a dump holds it: the owner's address with MTX_CONTESTED and MTX_RECURSED, or MTX_UNOWNED. */
export function mtxLockWord(owner: bigint | null, contested: boolean, recursed: boolean): bigint {
  if (owner === null) return BigInt(MTX_UNOWNED);
  return owner | (contested ? MTX_CONTESTED : 0n) | (recursed ? MTX_RECURSED : 0n);
}

/** lock_classes[]' order in kern/subr_lock.c: the index LO_CLASSINDEX() reads from lo_flags */
export const LOCK_CLASS_MTX_SPIN = 0;
export const LOCK_CLASS_MTX_SLEEP = 1;
const LO_CLASSSHIFT = 24;
const LO_INITIALIZED = 0x00010000;
const LO_RECURSABLE = 0x00080000;

/**
 * lo_flags as mtx_init() -> lock_init() leaves them: LO_INITIALIZED, the
 * class index at LO_CLASSSHIFT, LO_RECURSABLE for MTX_RECURSE. (5.x kept the
 * class in a lo_class pointer; the 2004 dump writes the index the same way,
 * since the model has no lock_class structures to point at.)
 */
export function lockFlags(cls: number, recurse: boolean): number {
  return LO_INITIALIZED | (cls << LO_CLASSSHIFT) | (recurse ? LO_RECURSABLE : 0);
}

/** sizeof(struct mtx) on i386 in 5.x: what a 2004 kernel global holding one is laid out with */
export const MTX_SIZE = 0x24;

/** the struct mtx table's columns in a dump */
export const MTX_COLUMNS = { addr: 'u64', 'mtx_object.lo_name': 'u64', 'mtx_object.lo_flags': 'u32', mtx_lock: 'u64', mtx_recurse: 'u32' } as const;

export function mtxInit(k: Kernel, name: string, addr: Kva): Mtx {
  return { name, addr, owner: null, recurse: 0, turnstile: k.bootAlloc(0x40) };
}

/** Threads blocked on a turnstile, by thread: what td_blocked points at. */
const blockedOn = new WeakMap<KThread, Mtx>();

export function blockedMtx(t: KThread): Mtx | undefined {
  return t.wmesg !== undefined && t.sobj === 'mutex' ? blockedOn.get(t) : undefined;
}

/** models mtx_lock() / _mtx_lock_flags(): take m, blocking on its turnstile while another thread owns it. */
export function* mtxLock(k: Kernel, m: Mtx): KGen<void> {
  const t = k.curthread!;
  if (m.owner === t) {
    m.recurse++;
    return;
  }
  const fr = k.enter(_mtx_lock_flags, 0b1, m.addr, 0);
  while (m.owner !== null) {
    const s = k.enter(_mtx_lock_sleep, 0b11, m.addr, t.addr, 0);
    const tw = k.enter(turnstile_wait, 0b111, m.turnstile, m.addr, m.owner.addr);
    const sw = switchFrames(k);
    blockedOn.set(t, m);
    yield { kind: 'sleep', wchan: m.addr, sobj: 'mutex', wmesg: m.name };
    blockedOn.delete(t);
    sw();
    k.leave(tw);
    k.leave(s);
  }
  m.owner = t;
  k.leave(fr);
}

/** models mtx_unlock(): drop one level; the last one hands the lock to a waiter (turnstile_signal). */
export function mtxUnlock(k: Kernel, m: Mtx): void {
  if (m.recurse > 0) {
    m.recurse--;
    return;
  }
  m.owner = null;
  if (k.hasSleepers(m.addr)) k.cvSignal(m.addr);
}

/** Giant, per kernel: msleep() drops and picks it up (DROP_GIANT / PICKUP_GIANT). */
const giants = new WeakMap<Kernel, Mtx>();

export function setGiant(k: Kernel, m: Mtx): void {
  giants.set(k, m);
}

export function giant(k: Kernel): Mtx {
  const g = giants.get(k);
  if (!g) throw new Error('simulator: Giant is not initialised');
  return g;
}

/**
 * td_priority after priority propagation (kern/subr_turnstile.c,
 * propagate_priority()): a thread that blocks on a turnstile lends its
 * priority to the lock's owner, and on along the chain while that owner is
 * itself blocked on a lock; the owner keeps the loan until it releases the
 * lock (turnstile_unpend()). So at any moment an owner runs at the best
 * (numerically lowest) of its own priority and those of the threads blocked,
 * directly or through a chain, on locks it holds. `blockedOnOwner` gives the
 * owner of the lock a thread is blocked on. The walk is bounded by the number
 * of threads, so a cycle (a deadlock the kernel would have panicked on) ends.
 */
export function propagatedPriorities(
  threads: readonly KThread[],
  own: (t: KThread) => number,
  blockedOnOwner: (t: KThread) => KThread | null | undefined,
): Map<KThread, number> {
  const pri = new Map<KThread, number>();
  for (const t of threads) pri.set(t, own(t));
  for (const t of threads) {
    const p = pri.get(t)!;
    let o = blockedOnOwner(t);
    for (let hops = 0; o && hops < threads.length; hops++) {
      const op = pri.get(o);
      // "If this thread already has higher priority than the thread that is being blocked, we are finished."
      if (op === undefined || op <= p) break;
      pri.set(o, p);
      o = blockedOnOwner(o);
    }
  }
  return pri;
}
