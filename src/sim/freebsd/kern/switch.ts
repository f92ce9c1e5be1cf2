/*
 * The frames of a context switch (kern/kern_synch.c mi_switch(),
 * kern/sched_4bsd.c sched_switch(), i386/i386/swtch.s cpu_switch()): what
 * every blocked thread's stack ends in.
 */
import type { Kernel } from '../../machine/kernel.js';
import { func } from '../../machine/symbols.js';

const mi_switch = func('kernel', 'mi_switch', 0x1a0);
const sched_switch = func('kernel', 'sched_switch', 0x150);
const cpu_switch = func('kernel', 'cpu_switch', 0xe0);

/** Push mi_switch -> sched_switch -> cpu_switch; returns the function that pops them. */
export function switchFrames(k: Kernel): () => void {
  const a = k.enter(mi_switch, 0, 1, 0);
  const b = k.enter(sched_switch, 0b1, k.curthread!.addr, 0);
  const c = k.enter(cpu_switch, 0);
  return () => {
    k.leave(c);
    k.leave(b);
    k.leave(a);
  };
}
