/*
 * The FreeBSD kernel as the machine core sees it: one module, "kernel"
 * (modules loaded with kldload are not modelled), idle_proc() at the bottom
 * of each CPU's idle thread (kern/kern_idle.c in 2004), fork_exit() at the
 * bottom of every new thread (kern/kern_fork.c, reached from
 * fork_trampoline), and panic()/KASSERT from kern_shutdown.c.
 */
import type { Personality } from '../../machine/kernel.js';
import { func } from '../../machine/symbols.js';
import { kassert, panic } from './panic.js';

export const FREEBSD: Personality = {
  modules: ['kernel'],
  idleFn: func('kernel', 'idle_proc', 0x60),
  threadStartFn: func('kernel', 'fork_exit', 0x90),
  startCallsIndirect: true,
  panic,
  assert: kassert,
  // hardclock() runs callouts on time whatever the CPUs are doing: pause() and msleep timeouts end when due
  clockInterrupts: true,
};
