/*
 * Task queues (uts/common/os/taskq.c): taskq_create() takes a taskq_t from
 * taskq_cache, names it, and creates its threads, each a taskq_thread() in
 * p0 whose t_taskq points back at the queue; taskq_dispatch() counts a task
 * (tq_tasks) and wakes a thread on tq_dispatch_cv, which counts it executed
 * (tq_executed) when it has run it. ::taskq, the taskq_thread walker and
 * ::threadlist's "tq:<name>" read what is recorded here.
 *
 * Not modelled: TASKQ_PREPOPULATE's tq_minalloc taskq_ent_t on the free list
 * (the queue's entries are never allocated here: a dispatched task is run
 * before the dispatcher returns to the queue), dynamic taskqs and instances.
 */
import type { Kernel } from '../../machine/kernel.js';
import type { Kva } from '../../machine/platform.js';
import { runNoSleep } from '../../machine/sync.js';
import type { KThread } from '../../machine/thread.js';
import { offsetOf } from '../../../dump/types/illumos/index.js';
import { illumosLayouts } from '../dump/layouts.js';
import { kmemCacheAlloc, KM_NOSLEEP, type Kmem, type KmemCache } from '../kmem/kmem.js';

/** tq_flags (sys/taskq.h, taskq_impl.h) */
export const TASKQ_PREPOPULATE = 0x0001;
export const TASKQ_NOINSTANCE = 0x00040000;

export interface Taskq {
  addr: Kva;
  name: string;
  pri: number;
  flags: number;
  nthreadsMax: number;
  minalloc: number;
  maxalloc: number;
  threads: KThread[];
  /** tasks dispatched, run, and the most ever queued at once */
  tasks: number;
  executed: number;
  maxtasks: number;
  /** threads running a task now (tq_active) */
  active: number;
  /** hrtime spent running tasks (tq_totaltime) */
  totaltime: number;
}

const byKernel = new WeakMap<Kernel, Taskq[]>();
const threadTaskq = new WeakMap<KThread, Taskq>();

/** Every taskq the kernel created, in creation order. */
export function taskqs(k: Kernel): readonly Taskq[] {
  return byKernel.get(k) ?? [];
}

/** t_taskq: the queue a taskq thread serves. */
export function taskqOfThread(t: KThread): Taskq | undefined {
  return threadTaskq.get(t);
}

/** offsetof (taskq_t, member) */
export function taskqOffset(member: string): number {
  return offsetOf(illumosLayouts(), 'taskq_t', member);
}

/** sizeof (taskq_t): taskq_cache's buffer size (taskq_init()) */
export function sizeofTaskq(): number {
  return illumosLayouts().structs.get('taskq_t')!.size;
}

/**
 * taskq_create(name, nthreads, pri, minalloc, maxalloc, flags): the queue,
 * from taskq_cache (boot time: it cannot sleep). Without an instance the
 * queue is TASKQ_NOINSTANCE. Its threads are added by taskqAddThread as
 * thread_create() makes them.
 */
export function taskqCreate(k: Kernel, km: Kmem, cache: KmemCache, name: string, nthreads: number, pri: number, minalloc: number, maxalloc: number, flags: number): Taskq {
  const b = runNoSleep(kmemCacheAlloc(km, cache, KM_NOSLEEP), 'taskq_create');
  if (!b) throw new Error(`simulator: no memory for taskq ${name} at boot`);
  const tq: Taskq = {
    addr: b.addr,
    name: name.slice(0, 31),
    pri,
    flags: flags | TASKQ_NOINSTANCE,
    nthreadsMax: nthreads,
    minalloc,
    maxalloc,
    threads: [],
    tasks: 0,
    executed: 0,
    maxtasks: 0,
    active: 0,
    totaltime: 0,
  };
  let list = byKernel.get(k);
  if (!list) byKernel.set(k, (list = []));
  list.push(tq);
  return tq;
}

/** One of the queue's taskq_thread()s, as thread_create() made it. */
export function taskqAddThread(tq: Taskq, t: KThread): void {
  tq.threads.push(t);
  threadTaskq.set(t, tq);
}

/** taskq_dispatch(): one more task queued. */
export function taskqDispatch(tq: Taskq): void {
  tq.tasks++;
  tq.maxtasks = Math.max(tq.maxtasks, tq.tasks - tq.executed);
}

/** A taskq thread took a queued task (tq_active) ... */
export function taskqRunStart(tq: Taskq): number {
  tq.active++;
  return 0;
}

/** ... and has run it, taking `ns`. */
export function taskqRunDone(tq: Taskq, ns: number): void {
  tq.active = Math.max(0, tq.active - 1);
  if (tq.executed < tq.tasks) tq.executed++;
  tq.totaltime += ns;
}
