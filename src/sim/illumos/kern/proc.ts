/*
 * Processes as illumos makes them (uts/common/os/fork.c, main.c, session.c,
 * exit.c): the process tree ::ps, ::ptree and ::pgrep read.
 *
 *   cfork()       a child is linked first among its parent's children
 *                 (p_child, p_sibling) and joins its parent's process group
 *                 and session (Kernel.newProc does this much).
 *   main()        p0 (sched, SSYS) forks init (pid 1) before the system
 *                 processes, so pageout is pid 2; newproc() for a system
 *                 process sets SSYS, and such a process never waits for its
 *                 children (SNOWAIT).
 *   exec          a process that has exec'd a program carries SEXECED and the
 *                 microstate accounting and large-page flags init passes on
 *                 (SMSACCT, SMSFORK, SAUTOLPG): what ::ps shows as 0x4a004000.
 *   setsid()      sess_create() takes a sess_t from kmem_zalloc() and makes
 *                 the caller leader of a new session and process group.
 *   init          waits for its children for good: waitid() →
 *                 cv_wait_sig_swap(&p->p_cv, &pidlock) → swtch().
 */
import type { Kernel } from '../../machine/kernel.js';
import type { Kva } from '../../machine/platform.js';
import { func } from '../../machine/symbols.js';
import { runNoSleep } from '../../machine/sync.js';
import type { KGen, Proc } from '../../machine/thread.js';
import { offsetOf } from '../../../dump/types/illumos/index.js';
import { illumosLayouts } from '../dump/layouts.js';
import { kmemAlloc, KM_NOSLEEP, type Kmem } from '../kmem/kmem.js';
import { sleepThrough } from './condvar.js';
import { kernelObject } from './kobj.js';

/** p_flag bits (sys/proc.h) */
export const SSYS = 0x00000001;
export const SEXECED = 0x00004000;
export const SNOWAIT = 0x00020000;
export const SMSACCT = 0x02000000;
export const SAUTOLPG = 0x08000000;
export const SMSFORK = 0x40000000;
/** what an exec'd user process descended from init carries */
export const USER_PFLAGS = SEXECED | SMSACCT | SAUTOLPG | SMSFORK;
/** newproc() for a kernel process (pageout, fsflush) */
export const SYSPROC_PFLAGS = SSYS | SNOWAIT;

const setsidFn = func('genunix', 'setsid', 0xe0);
const sessCreateFn = func('genunix', 'sess_create', 0xa0);
const sysSyscall = func('unix', 'sys_syscall', 0x1e0);
const waitsys = func('genunix', 'waitsys', 0x40);
const waitid = func('genunix', 'waitid', 0x330);
const cvWaitSigSwap = func('genunix', 'cv_wait_sig_swap', 0x20);
const cvWaitSigSwapCore = func('genunix', 'cv_wait_sig_swap_core', 0x1c0);

/** P_ALL, WEXITED|WTRAPPED (waitid(2)): init reaps any child */
const P_ALL = 7;
const WEXITED_WTRAPPED = 0x5;
/** the user-space siginfo_t init passes */
const UINFOP = 0x8047c70;

/**
 * setsid() → sess_create(): `p` leads a new session and process group; its
 * sess_t comes from kmem_zalloc() (boot-time, so it cannot sleep here).
 */
export function setsid(k: Kernel, km: Kmem, p: Proc): void {
  const f0 = k.enter(setsidFn, 0);
  const f1 = k.enter(sessCreateFn, 0);
  const size = illumosLayouts().structs.get('sess_t')!.size;
  const b = runNoSleep(kmemAlloc(km, size, KM_NOSLEEP), 'sess_create');
  if (b === null) throw new Error('simulator: no memory for a sess_t at boot');
  p.sessAddr = typeof b === 'number' ? b : b.addr;
  p.sessLeader = p;
  p.pgrpLeader = p;
  k.leave(f1);
  k.leave(f0);
}

/** session0: p0's session, a kernel global (its leader is p0, sid 0) */
export function session0(k: Kernel): Kva {
  return kernelObject(k, 'genunix', 'session0', illumosLayouts().structs.get('sess_t')!.size).addr;
}

/** zone0: the global zone every process here belongs to */
export function zone0(k: Kernel): Kva {
  return kernelObject(k, 'genunix', 'zone0', illumosLayouts().structs.get('zone_t')!.size).addr;
}

/** init's only LWP: waitid() for a child that never exits, asleep on its own p_cv. */
export function* initThread(k: Kernel, init: Proc): KGen<void> {
  const cv = init.addr + offsetOf(illumosLayouts(), 'proc_t', 'p_cv');
  const pidlock = kernelObject(k, 'genunix', 'pidlock', 8).addr;
  const f0 = k.enter(sysSyscall, 0);
  const f1 = k.enter(waitsys, 0, P_ALL, 0, UINFOP, WEXITED_WTRAPPED);
  // ip: the k_siginfo_t in waitsys()'s frame
  const f2 = k.enter(waitid, 0b100, P_ALL, 0, f1.fp - 0x40, WEXITED_WTRAPPED);
  for (;;) yield* sleepThrough(k, [[cvWaitSigSwap, 0b11, cv, pidlock], [cvWaitSigSwapCore, 0b11, cv, pidlock, 0]], cv);
  k.leave(f2);
  k.leave(f1);
  k.leave(f0);
}
