/*
 * The kernel processes of the 2004 machine other than the pagedaemon and the
 * clock's software interrupt, and the two user processes that only wait for
 * their children (init, and the stress kit's `run`): each runs its own
 * function and sleeps where the FreeBSD code of December 2004 (5.3-STABLE,
 * 6-CURRENT) sleeps, on the kernel global or process it names, with the
 * priority and wait message it passes to msleep() or tsleep() (a macro for
 * msleep(chan, NULL, ...) in 5.x, so it leaves no frame of its own).
 *
 *   g_event    g_event_procbody(): g_run_events(), then
 *              tsleep(&g_wait_event, PRIBIO, "-", hz/10)   (geom_kern.c)
 *   g_down     g_down_procbody() -> g_io_schedule_down(): with nothing queued,
 *              msleep(&g_wait_down, &g_bio_run_down.bio_queue_lock,
 *              PRIBIO | PDROP, "-", hz/10)                 (geom_io.c)
 *   g_up       g_up_procbody() -> g_io_schedule_up(): biodone() of each
 *              finished bio, else msleep(&g_wait_up, ..., "-", hz/10)
 *   vmdaemon   vm_daemon(): with Giant, tsleep(&vm_daemon_needed, PPAUSE,
 *              "psleep", 0)                                 (vm_pageout.c)
 *   pagezero   vm_pagezero(): tsleep(&zero_state, pri, "pgzero", hz * 300),
 *              pri its own priority, PRI_MAX_IDLE            (vm_zeroidle.c)
 *   bufdaemon  buf_daemon(): with Giant, msleep(&bd_request, &bdlock, PVM,
 *              "psleep", hz) once dirty buffers are below lodirtybuffers,
 *              which in this load they always are            (vfs_bio.c)
 *   syncer     sched_sync(): with Giant, tsleep(&lbolt, PPAUSE, "syncer", 0)
 *              when a pass took less than a second; schedcpu() wakes lbolt
 *              once a second                                 (vfs_subr.c)
 *   init, run  wait4() -> kern_wait(): msleep(p, &p->p_mtx, PWAIT | PCATCH,
 *              "wait", 0), p the waiting process             (kern_exit.c)
 *   swi1: net  ithread_loop(): no interrupt pending, TD_SET_IWAIT and
 *              mi_switch(), on no wait channel               (kern_intr.c)
 *
 * Each lays out the globals it names when its process is created, at boot,
 * so their addresses do not depend on the order the threads first run in.
 * Where the code of late 2004 could not be read line by line (the sources
 * at hand hold versions from 2002-2003 and from late 2005 or 2006 of most of
 * these files), the model keeps what both agree on; the exceptions are said
 * where they are modelled.
 */
import type { Kernel } from '../machine/kernel.js';
import type { Kva } from '../machine/platform.js';
import { func } from '../machine/symbols.js';
import type { KGen, KThread, Proc } from '../machine/thread.js';
import { kernelObject } from './kern/globals.js';
import { giant, mtxLock, MTX_SIZE } from './kern/mutex.js';
import { HZ, msleep, PCATCH, PDROP, PPAUSE, PRI_MAX_IDLE, PRIBIO, PVM, PWAIT } from './kern/synch.js';
import { switchFrames } from './kern/switch.js';
import { enterFromUser } from './kern/trap.js';
import type { Vm } from './vm/vm_page.js';
import { swpPagerAsyncIodone } from './vm/vm_pageout.js';

const g_event_procbody = func('kernel', 'g_event_procbody', 0x60);
const g_run_events = func('kernel', 'g_run_events', 0xe0);
const g_down_procbody = func('kernel', 'g_down_procbody', 0x50);
const g_io_schedule_down = func('kernel', 'g_io_schedule_down', 0x1f0);
const g_up_procbody = func('kernel', 'g_up_procbody', 0x50);
const g_io_schedule_up = func('kernel', 'g_io_schedule_up', 0x110);
const biodone = func('kernel', 'biodone', 0x90);
const vm_daemon = func('kernel', 'vm_daemon', 0x290);
const vm_pagezero = func('kernel', 'vm_pagezero', 0x110);
const buf_daemon = func('kernel', 'buf_daemon', 0x170);
const sched_sync = func('kernel', 'sched_sync', 0x2b0);
const ithread_loop = func('kernel', 'ithread_loop', 0x180);
/** wait4(2) of 5.x (the handler is named after the call) down to kern_wait() */
const WAIT4 = [func('kernel', 'syscall', 0x2f0), func('kernel', 'wait4', 0x70), func('kernel', 'kern_wait', 0x3c0)];

/** where a struct g_bioq keeps its lock (after its TAILQ_HEAD) */
const BIOQ_LOCK_OFF = 8;
/** geom_io.c's static struct g_bioq g_bio_run_down / g_bio_run_up: the queue, its lock, its length */
const BIOQ_SIZE = BIOQ_LOCK_OFF + MTX_SIZE + 4;

/** g_event: g_event_procbody() runs the GEOM events, then naps a tenth of a second on &g_wait_event. */
export function gEventProcbody(k: Kernel, t: KThread): KGen<void> {
  const chan = kernelObject(k, 'g_wait_event', 4);
  return (function* () {
    t.pri = PRIBIO; // sched_prio(tp, PRIBIO)
    k.enter(g_event_procbody, 0);
    for (;;) {
      // no GEOM events in this load: g_run_events() finds the queue empty
      k.leave(k.enter(g_run_events, 0));
      yield* msleep(k, chan, null, PRIBIO, '-', HZ / 10);
    }
  })();
}

/** g_down: g_io_schedule_down() finds no bio to start (the model's disk writes go straight to g_up) and naps on &g_wait_down. */
export function gDownProcbody(k: Kernel, t: KThread): KGen<void> {
  const chan = kernelObject(k, 'g_wait_down', 4);
  const q = kernelObject(k, 'g_bio_run_down', BIOQ_SIZE);
  return (function* () {
    t.pri = PRIBIO;
    k.enter(g_down_procbody, 0);
    k.enter(g_io_schedule_down, 0b1, t.addr);
    for (;;) yield* msleep(k, chan, null, PRIBIO | PDROP, '-', HZ / 10, { interlock: q + BIOQ_LOCK_OFF });
  })();
}

/**
 * g_up: g_io_schedule_up() delivers finished bios with biodone(); the ones
 * this load makes are the swap pager's page-outs, whose biodone ends in
 * swp_pager_async_iodone() (the swap pager's bio_done and bufdone() between
 * them are not modelled). The disk is modelled here: a batch of up to 32
 * pages takes `usPerPage` a page (an IDE disk of 2004: ~0.3 ms), and g_up,
 * asleep on &g_wait_up, hears of it when it completes, as the disk's
 * interrupt would tell it through g_io_deliver()'s wakeup(&g_wait_up). A
 * page-out queued while a batch is on the disk waits for it (vm.swapBusy).
 */
export function gUpProcbody(vm: Vm, t: KThread, usPerPage: number): KGen<void> {
  const k = vm.k;
  const lock = kernelObject(k, 'g_bio_run_up', BIOQ_SIZE) + BIOQ_LOCK_OFF;
  return (function* () {
    t.pri = PRIBIO;
    k.enter(g_up_procbody, 0);
    k.enter(g_io_schedule_up, 0b1, t.addr);
    for (;;) {
      if (vm.laundry === 0) {
        yield* msleep(k, vm.gWaitUp, null, PRIBIO | PDROP, '-', HZ / 10, { interlock: lock });
        continue;
      }
      const n = Math.min(32, vm.laundry);
      const ticks = Math.max(1, Math.round((n * usPerPage * HZ) / 1e6));
      vm.swapBusy = true;
      yield* msleep(k, vm.gWaitUp, null, PRIBIO | PDROP, '-', HZ / 10, { interlock: lock, wakeupNs: (ticks * 1e9) / HZ });
      vm.swapBusy = false;
      const fr = k.enter(biodone, 0);
      swpPagerAsyncIodone(vm, n);
      k.leave(fr);
    }
  })();
}

/**
 * vmdaemon: vm_daemon() takes Giant and sleeps on &vm_daemon_needed until
 * vm_req_vmdaemon() asks for a swap-out or an RSS check; this load never
 * asks (no process is swapped out), so it sleeps for good, Giant dropped
 * while it does (msleep's DROP_GIANT).
 */
export function vmDaemon(k: Kernel): KGen<void> {
  const chan = kernelObject(k, 'vm_daemon_needed', 4);
  return (function* () {
    k.enter(vm_daemon, 0);
    yield* mtxLock(k, giant(k));
    for (;;) yield* msleep(k, chan, null, PPAUSE, 'psleep', 0);
  })();
}

/**
 * pagezero: vm_pagezero() zeroes free pages while fewer than half are
 * zeroed, then sleeps on &zero_state for at most 300 s at its own priority,
 * PRI_MAX_IDLE (the idle class: rtp_to_pri() of RTP_PRIO_IDLE/RTP_PRIO_MAX
 * in vm_pagezero() itself in the code of 2003, pagezero_start() in that of
 * late 2005). The model zeroes no pages, so it sleeps from the start. The
 * 2003 code sleeps with tsleep(&zero_state, pri, "pgzero", hz * 300), no
 * interlock, as modelled; late 2005's msleep passes &vm_page_queue_mtx
 * with PDROP. Which of the two December 2004 had was not settled: channel,
 * wait message, priority and timeout are the same in both.
 */
export function vmPagezero(k: Kernel): KGen<void> {
  const chan = kernelObject(k, 'zero_state', 4);
  return (function* () {
    k.enter(vm_pagezero, 0);
    for (;;) yield* msleep(k, chan, null, PRI_MAX_IDLE, 'pgzero', 300 * HZ);
  })();
}

/**
 * bufdaemon: buf_daemon() takes Giant, and with dirty buffers at or below
 * lodirtybuffers (this load writes no files) sleeps on &bd_request for a
 * second, bdlock its interlock, and looks again: every wakeup takes Giant
 * back (PICKUP_GIANT), as it did in 2004.
 */
export function bufDaemon(k: Kernel): KGen<void> {
  const chan = kernelObject(k, 'bd_request', 4);
  const bdlock = kernelObject(k, 'bdlock', MTX_SIZE);
  return (function* () {
    k.enter(buf_daemon, 0);
    yield* mtxLock(k, giant(k));
    for (;;) yield* msleep(k, chan, null, PVM, 'psleep', HZ, { interlock: bdlock });
  })();
}

/**
 * syncer: sched_sync() takes Giant, pushes the vnodes whose time has come
 * (none here), and sleeps on &lbolt without a timeout; schedcpu() wakes lbolt
 * once a second, a wakeup the model times rather than runs.
 */
export function schedSync(k: Kernel): KGen<void> {
  const lbolt = kernelObject(k, 'lbolt', 4);
  return (function* () {
    k.enter(sched_sync, 0);
    yield* mtxLock(k, giant(k));
    for (;;) yield* msleep(k, lbolt, null, PPAUSE, 'syncer', 0, { wakeupNs: 1e9 });
  })();
}

/**
 * A process asleep in wait4(2) for its children, none of which exits while
 * it is watched: kern_wait() sleeps on the waiting process itself. (The
 * interlock, &p->p_mtx, is in the part of struct proc the dump does not
 * lay out, so msleep's second argument shows as 0, as on the 2020 dumps.)
 * The sleep is the same in the wait1() of 2002 and the kern_wait() of 2006;
 * that wait4() already called kern_wait() in December 2004, rather than
 * wait1(), is from memory of the compat layers' move off the stack gap that
 * year: no dated copy of kern_exit.c from 2004 was at hand to confirm it.
 */
export function* kernWait(k: Kernel, p: Proc): KGen<void> {
  enterFromUser(k, WAIT4);
  for (;;) yield* msleep(k, p.addr, null, PWAIT | PCATCH, 'wait', 0);
}

/**
 * swi1: net: the network's software interrupt thread, which this load never
 * schedules (mpsafenet is off and the model's packets do not go through
 * netisr): ithread_loop() finds nothing to run and waits for its next
 * interrupt, TDI_IWAIT on no wait channel.
 */
export function* swiNet(k: Kernel, t: KThread): KGen<void> {
  k.enter(ithread_loop, 0b1, t.addr);
  switchFrames(k);
  // the machine core needs a channel to park the thread on; the dump writes none for an IWAIT thread
  const park: Kva = t.addr + 0x14;
  for (;;) yield { kind: 'sleep', wchan: park, sobj: 'cv' };
}
