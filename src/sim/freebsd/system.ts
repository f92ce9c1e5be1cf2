/*
 * A FreeBSD i386 machine as a scenario describes it: boot (mi_startup's
 * SYSINITs as far as the model needs them: the VM's page counters and
 * kmem_map, UMA, the mbuf zones), the kernel processes (pagedaemon, the
 * clock software interrupt running UMA's timeout, and the others in their
 * own functions, daemons.ts), then the load. Thread 0 ends as the swapper,
 * asleep in scheduler().
 */
import { Kernel } from '../machine/kernel.js';
import { I386_FREEBSD } from '../machine/platform.js';
import { func } from '../machine/symbols.js';
import { runNoSleep } from '../machine/sync.js';
import { TS_SLEEP, type KGen, type KThread } from '../machine/thread.js';
import type { FreebsdScenario } from '../scenario/schema.js';
import { bufDaemon, gDownProcbody, gEventProcbody, gUpProcbody, kernWait, schedSync, swiNet, vmDaemon, vmPagezero } from './daemons.js';
import { freebsdLayouts, sizeofType } from './dump/layouts.js';
import { mtxInit, setGiant, type Mtx } from './kern/mutex.js';
import { kernelObject } from './kern/globals.js';
import { FREEBSD } from './kern/personality.js';
import { kprocCreate, loginGroups, procInfo, userProc } from './kern/proc.js';
import { PVM, PWAIT } from './kern/synch.js';
import { switchFrames } from './kern/switch.js';
import { mbufInit, type Mbufs } from './mbuf/kern_mbuf.js';
import { umaZallocInternal } from './uma/alloc.js';
import { umaReclaim, umaTimeout } from './uma/reclaim.js';
import { umaStartup } from './uma/startup.js';
import { UMA_TIMEOUT, type Uma } from './uma/types.js';
import { umaZcreate } from './uma/zone.js';
import { kmemMapCreate, M_WAITOK, type KmemMap } from './vm/vm_kern.js';
import { vmPageStartup, type Vm } from './vm/vm_page.js';
import { vmPageout } from './vm/vm_pageout.js';
import { swapProc, tcpProc, type LoadCtx, type LoadStats } from './workload.js';

const mi_startup = func('kernel', 'mi_startup', 0x1a0);
const scheduler = func('kernel', 'scheduler', 0x1c0);
const msleepSym = func('kernel', 'msleep');
const sleepq_wait = func('kernel', 'sleepq_wait');
const ithread_loop = func('kernel', 'ithread_loop', 0x180);
const softclock = func('kernel', 'softclock', 0x1e0);
const kthreadStart = func('kernel', 'kthread_start_fn', 0x10);
const fork_trampoline = func('kernel', 'fork_trampoline', 0x10);

export const FIX_SLABZONE_EXEMPT = 'slabzone-exempt';

export interface FreebsdSystem {
  k: Kernel;
  sc: FreebsdScenario;
  vm: Vm;
  map: KmemMap;
  u: Uma;
  mb: Mbufs;
  giant: Mtx;
  stats: LoadStats;
  /** the load's threads (network and memory processes) */
  workers: KThread[];
  pagedaemon: KThread;
  nmbclusters: number;
  maxusers: number;
}

/** swi4: clock: softclock() runs the callouts; uma_timeout() is the one the model needs */
function* softclockThread(k: Kernel, u: Uma): KGen<void> {
  const t = k.curthread!;
  const fr = k.enter(ithread_loop, 0b1, t.addr);
  for (;;) {
    // TDI_IWAIT: an interrupt thread waits for its next interrupt, not on a wait channel
    const sw = switchFrames(k);
    yield { kind: 'sleep', wchan: t.addr + 0x14, sobj: 'cv', timeoutNs: UMA_TIMEOUT * 1e9 };
    sw();
    const s = k.enter(softclock, 0, 0);
    umaTimeout(u);
    k.leave(s);
  }
  k.leave(fr);
}

export function bootFreebsd(sc: FreebsdScenario, seed: number, fixes: readonly string[]): FreebsdSystem {
  const kc = sc.kernel;
  const p = I386_FREEBSD;
  const physmem = Math.floor((kc.physmem_mb * 1024 * 1024) / p.pagesize);
  const k = new Kernel({
    os: FREEBSD,
    platform: p,
    hostname: kc.hostname,
    kernelVersion: kc.version,
    debug: kc.invariants,
    ncpus: kc.ncpus,
    physmem,
    seed,
  });
  const L = freebsdLayouts(4, kc.ncpus);
  const swapper = k.procs[0]!;
  swapper.comm = swapper.psargs = 'swapper';
  const t0 = k.bootThread(mi_startup);
  const giant = mtxInit(k, 'Giant', k.sym.object('kernel', 'Giant', sizeofType(L, 'struct mtx')).addr);
  setGiant(k, giant);
  // the kernel image, page tables and boot allocations are wired before the VM counts pages
  const wiredAtBoot = 1600 + Math.floor(physmem / 48);
  const vm = vmPageStartup(k, physmem, wiredAtBoot);
  // kmem_map: VM_KMEM_SIZE scaled to a third of memory, at least 64 MB of VA
  const map = kmemMapCreate(vm, p.heapBase, Math.max(64 << 20, Math.min(p.heapSize, physmem * p.pagesize)));
  const u = umaStartup(k, vm, map, L, { slabzoneExempt: fixes.includes(FIX_SLABZONE_EXEMPT), loopPanic: kc.uma_loop_panic });
  vm.lowmem.push(() => umaReclaim(u));
  // struct thread and struct proc come from UMA zones, as thread_init() and procinit() set them up
  const threadZone = umaZcreate(u, 'THREAD', sizeofType(L, 'struct thread'), {}, 15, 0);
  umaZcreate(u, 'PROC', sizeofType(L, 'struct proc'), {}, 3, 0);
  k.threadAlloc = () => runNoSleep(umaZallocInternal(u, threadZone, 0, M_WAITOK), 'thread_alloc')!;
  // maxusers from memory (2004 subr_param.c: 1 per 2 MB, 32..384); NMBCLUSTERS = 1024 + maxusers * 64
  const maxusers = Math.max(32, Math.min(384, Math.floor(kc.physmem_mb / 2)));
  const nmbclusters = kc.nmbclusters > 0 ? kc.nmbclusters : 1024 + maxusers * 64;
  const mb = mbufInit(u, nmbclusters);

  const mem = physmem * p.pagesize;
  k.console('Copyright (c) 1992-2004 The FreeBSD Project.');
  k.console('Copyright (c) 1979, 1980, 1983, 1986, 1988, 1989, 1991, 1992, 1993, 1994');
  k.console('\tThe Regents of the University of California. All rights reserved.');
  k.console(kc.version);
  k.console('Timecounter "i8254" frequency 1193182 Hz quality 0');
  k.console('CPU: Intel(R) Pentium(R) 4 CPU 2.80GHz (2793.02-MHz 686-class CPU)');
  k.console(`real memory  = ${mem} (${kc.physmem_mb} MB)`);
  k.console(`avail memory = ${vm.cnt.v_free_count * p.pagesize} (${Math.floor((vm.cnt.v_free_count * p.pagesize) >> 20)} MB)`);
  if (kc.ncpus > 1) k.console(`FreeBSD/SMP: Multiprocessor System Detected: ${kc.ncpus} CPUs`);
  k.console('ad0: 76319MB <ST380011A/3.06> [155061/16/63] at ata0-master UDMA100');
  k.console('Trying to mount root from ufs:/dev/ad0s1a');

  // init (pid 1), then the kernel processes in SYSINIT order
  const init = userProc(k, 'init', '/sbin/init --', swapper, -1, 0);
  procInfo(init).parent = swapper;
  k.daemons.add(k.threadCreate(init, fork_trampoline, () => kernWait(k, init), 152, true));
  k.daemons.add(kprocCreate(k, 'g_event', kthreadStart, (t) => gEventProcbody(k, t), 84));
  // g_up completes bios: the swap pager's writes finish here (an IDE disk of 2004: ~0.3 ms a page)
  k.daemons.add(kprocCreate(k, 'g_up', kthreadStart, (t) => gUpProcbody(vm, t, 300), 84));
  k.daemons.add(kprocCreate(k, 'g_down', kthreadStart, (t) => gDownProcbody(k, t), 84));
  const pagedaemon = kprocCreate(k, 'pagedaemon', kthreadStart, () => vmPageout(vm), PVM);
  k.daemons.add(pagedaemon);
  k.daemons.add(kprocCreate(k, 'vmdaemon', kthreadStart, () => vmDaemon(k), PVM));
  k.daemons.add(kprocCreate(k, 'pagezero', kthreadStart, () => vmPagezero(k), 255));
  k.daemons.add(kprocCreate(k, 'bufdaemon', kthreadStart, () => bufDaemon(k), PVM));
  k.daemons.add(kprocCreate(k, 'syncer', kthreadStart, () => schedSync(k), PWAIT));
  // idle threads each have their own process in 2004 ("idle: cpu0")
  for (const c of [...k.cpus].reverse()) {
    const ip = k.newProc(`idle: cpu${c.id}`, `idle: cpu${c.id}`);
    procInfo(ip).parent = swapper;
    c.idle.proc = ip;
    c.idle.pri = 255;
  }
  const swi = kprocCreate(k, 'swi4: clock sio', kthreadStart, () => softclockThread(k, u), 40);
  swi.intr = true;
  k.daemons.add(swi);
  const swiNetThread = kprocCreate(k, 'swi1: net', kthreadStart, (t) => swiNet(k, t), 16);
  swiNetThread.intr = true;
  k.daemons.add(swiNetThread);

  const stats: LoadStats = { syscalls: 0, progress: 0, lastProgress: 0, sent: 0, received: 0, faults: 0, exited: 0 };
  const ctx: LoadCtx = { k, vm, u, mb, sc, stats, nanowait: kernelObject(k, 'nanowait', 4) };
  const workers: KThread[] = [];
  // Peter Holm's kit: a `run` driver process whose children are the tests
  const run = userProc(k, 'run', './run.sh all.cfg', init, -1, 0, loginGroups(0, 5));
  k.daemons.add(k.threadCreate(run, fork_trampoline, () => kernWait(k, run), 152, true));
  const pg = run.pid;
  for (let i = 0; i < sc.net.procs; i++) {
    const pr = userProc(k, 'tcp', './tcp', run, pg, 1001, loginGroups(1001));
    workers.push(k.threadCreate(pr, fork_trampoline, (me) => tcpProc(ctx, me), 180, true));
  }
  for (let i = 0; i < sc.pressure.procs; i++) {
    const pr = userProc(k, 'swap', './swap', run, pg, 1001, loginGroups(1001));
    workers.push(k.threadCreate(pr, fork_trampoline, (me) => swapProc(ctx, me), 180, true));
  }

  // thread0 becomes the swapper: mi_startup() -> scheduler(), asleep on proc0
  k.enter(scheduler, 0b1, 0);
  k.enter(msleepSym, 0b1011, swapper.addr, 0, PVM, k.kstring('sched'), 0);
  k.enter(sleepq_wait, 0b1, swapper.addr);
  switchFrames(k);
  t0.state = TS_SLEEP;
  t0.wchan = swapper.addr;
  t0.sobj = 'cv';
  t0.wmesg = 'sched';
  t0.pri = PVM;
  k.daemons.add(t0);
  k.curthread = null;
  return { k, sc, vm, map, u, mb, giant, stats, workers, pagedaemon, nmbclusters, maxusers };
}
