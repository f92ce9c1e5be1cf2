/*
 * A FreeBSD 13.0-CURRENT machine of 2020 (i386 or amd64) doing a kernel
 * build over NFS, for PR 248008. Boot sets up the VM counters, kernel_arena
 * and the per-domain kernel arena that imports from it, buffer_arena, UMA's
 * "vmem btag" zone as vmem_startup() makes it (uma_zone_reserve of
 * 2 * BT_MAXALLOC * mp_ncpus, uma_prealloc of BT_MAXALLOC, and on a platform
 * without UMA_MD_SMALL_ALLOC uk_allocf = vmem_bt_alloc), the malloc zones,
 * and the pagedaemon. The load is workload2020.ts. Nothing here knows what
 * should happen.
 *
 * Fixes, by revision:
 *   r364744: UMA_ZONE_NOFREE on the btag zone again where !UMA_MD_SMALL_ALLOC;
 *   r366838: vmem_xalloc fills the tag stock once, before its loop;
 *   r366840: keg_drain keeps enough free slabs for uk_reserve;
 *   r368236: r366838 + r366840 with r364744 reverted.
 */
import { enterFromUser } from './kern/trap.js';
import { Kernel } from '../machine/kernel.js';
import { runNoSleep } from '../machine/sync.js';
import type { FuncSym } from '../machine/symbols.js';
import { AMD64_FREEBSD, I386_FREEBSD, type Kva } from '../machine/platform.js';
import { TS_SLEEP, type KGen, type KThread } from '../machine/thread.js';
import type { Freebsd2020Scenario } from '../scenario/schema.js';
import { freebsdTypes } from '../../dump/types/freebsd/index.js';
import { vmemMaxOrder } from '../../dump/types/freebsd/vmem.js';
import { cvTimedwait20, f20, FREEBSD_2020, kernelObject, HZ, mi_switch, PCATCH, PDROP, PPAUSE, PVM, PWAIT, sleep20, SW_VOL, SWT_IWAIT, SWT_SLEEPQ, type Mtx20 } from './kern/kern2020.js';
import { kprocCreate, loginGroups, procInfo, setThreadName, userProc } from './kern/proc.js';
import { bucketEnable, bucketInit, kegCreate, slabInit, umaZalloc, umaZfree, zoneCreate, UMA_ZFLAG_BUCKET, UMA_ZONE_NOFREE, UMA_ZONE_VM, type Uma2020, type Zone } from './uma2020/uma.js';
import { BT_MAXALLOC, M_WAITOK, vmemAdd, vmemCreate, type Vmem, type VmemSys } from './vmem/vmem.js';
import { kmemFree, kmemMalloc, kvaImport, kvaImportDomain, umaReclaimWorker, umaSmallAlloc, vmemBtAlloc, vmPageCountMin, vmPageFree, vmPageout2020, vmStartup2020, type Kmem, type Vm2020 } from './vm/vm_kern2020.js';
import { ccJob, Fifo, type Load2020 } from './workload2020.js';

const mi_startup = f20('mi_startup', 0x1b0);
const scheduler = f20('swapper', 0x1a0);
const fork_trampoline = f20('fork_trampoline', 0x10);
/** sys/priority.h of 13.0: PI_SWI(SWI_CLOCK), PI_SOFT (24) + SWI_CLOCK (4) * RQ_PPQ (4) */
const PI_SWI_CLOCK = 40;
const vm_daemon = f20('vm_daemon', 0x1c0);
const buf_daemon = f20('buf_daemon', 0x3a0);
const sched_sync = f20('sched_sync', 0x5d0);
const nfssvc_iod = f20('nfssvc_iod', 0x1b0);
/** wait4(2) down to kern_wait6()'s sleep on the waiting process */
const WAIT4 = [f20('syscall', 0x310), f20('sys_wait4', 0x70), f20('kern_wait', 0x60), f20('kern_wait6', 0x470)];
const kthreadStart = f20('fork_exit', 0xa0);
const MB = 1048576;

export const FIX_R364744 = 'r364744';
export const FIX_R366838 = 'r366838';
export const FIX_R366840 = 'r366840';
export const FIX_R368236 = 'r368236';

export interface Fixes2020 {
  nofree: boolean;
  fillOnce: boolean;
  drainKeepsReserve: boolean;
}

export function fixes2020(fixes: readonly string[]): Fixes2020 {
  const all = fixes.includes(FIX_R368236);
  return {
    nofree: fixes.includes(FIX_R364744) && !all,
    fillOnce: all || fixes.includes(FIX_R366838),
    drainKeepsReserve: all || fixes.includes(FIX_R366840),
  };
}

export interface Freebsd2020System {
  k: Kernel;
  sc: Freebsd2020Scenario;
  fx: Fixes2020;
  smallAlloc: boolean;
  vm: Vm2020;
  vs: VmemSys;
  km: Kmem;
  u: Uma2020;
  btZone: Zone;
  mallocZones: Zone[];
  bufferArena: Vmem;
  load: Load2020;
  workers: KThread[];
  pagedaemon: KThread;
  /** struct vmem addresses and globals for the dump */
  kernelArenaSym: Kva;
  btLock: Mtx20;
  typesKey: { ps: 4 | 8; ncpus: number };
  /** how near the run came to PR 248008's hang (sampled by the run loop; model counters, not kernel state) */
  btWatch: BtWatch;
}

/**
 * The hang needs, at one time, a btag keg below what vmem_bt_alloc's nested
 * bt_fill needs, every CPU's btag buckets and the bucket cache empty (UMA
 * serves any uma_zalloc, M_USE_RESERVE or not, from the CPU's bucket first)
 * and the per-domain arena's stock below BT_MAXALLOC. The run loop samples
 * how close it came.
 */
export interface BtWatch {
  /** samples taken, and those with the keg's free items below uk_reserve */
  samples: number;
  belowReserve: number;
  /** the fewest btags in CPU buckets and the bucket cache while the keg was below uk_reserve (-1: never below) */
  fewestCached: number;
  /** ... and when (ns), with the keg's free items and the per-domain arena's stock then */
  fewestAt: number;
  fewestKeg: number;
  fewestStock: number;
  /** samples with every condition of the hang at once */
  allDry: number;
  /**
   * btags out of UMA (in the arenas' segment lists and tag stocks): the
   * most, and after the first minute (once the load is warm) the fewest; and
   * the fewest free btags (keg and buckets) after that minute
   */
  outMost: number;
  outFewestLate: number;
  freeFewestLate: number;
}

/** when the load counts as warm for BtWatch's late figures (ns) */
const BTWATCH_WARM_NS = 60e9;

/** One sample of the btag supply (the run loop calls it every 64 dispatches). */
export function btWatchSample(sys: Freebsd2020System, now: number): void {
  const w = sys.btWatch;
  const z = sys.btZone;
  const keg = z.keg;
  w.samples++;
  let cached = 0;
  for (const c of z.cpu) cached += (c.alloc?.items.length ?? 0) + (c.free?.items.length ?? 0);
  for (const b of z.buckets) cached += b.items.length;
  const out = (keg.ud_pages / keg.ppera) * keg.ipers - keg.ud_free_items - cached;
  if (out > w.outMost) w.outMost = out;
  if (now >= BTWATCH_WARM_NS) {
    if (w.outFewestLate < 0 || out < w.outFewestLate) w.outFewestLate = out;
    const free = keg.ud_free_items + cached;
    if (w.freeFewestLate < 0 || free < w.freeFewestLate) w.freeFewestLate = free;
  }
  if (keg.ud_free_items >= keg.reserve) return;
  w.belowReserve++;
  const stock = sys.km.domain_arena.vm_nfreetags;
  if (w.fewestCached < 0 || cached < w.fewestCached) {
    w.fewestCached = cached;
    w.fewestAt = now;
    w.fewestKeg = keg.ud_free_items;
    w.fewestStock = stock;
  }
  if (cached === 0 && keg.ud_free_items < BT_MAXALLOC && stock < BT_MAXALLOC) w.allDry++;
}

/**
 * A thread the load does not need but ps and alltrace show: its function
 * (entered below fork_exit, or below the system call of a user thread), then
 * its sleep, over and over. `cv` sleeps go through cv_timedwait.
 */
function* sleeper(k: Kernel, path: readonly FuncSym[], chan: Kva, pri: number, wmesg: string, periodS: number, cv = false): KGen<void> {
  enterFromUser(k, path);
  const timo = periodS > 0 ? periodS * HZ : 0;
  for (;;) {
    if (cv) yield* cvTimedwait20(k, chan, wmesg, timo);
    else yield* sleep20(k, chan, pri, wmesg, timo);
  }
}

export function bootFreebsd2020(sc: Freebsd2020Scenario, seed: number, fixes: readonly string[]): Freebsd2020System {
  const kc = sc.kernel;
  const p = kc.platform === 'amd64' ? AMD64_FREEBSD : I386_FREEBSD;
  const smallAlloc = p.isa === 'amd64';
  const fx = fixes2020(fixes);
  const physmem = Math.floor((kc.physmem_mb * 1024 * 1024) / p.pagesize);
  // the scenario's strings may name the platform, so that --set kernel.platform=amd64 builds and names an amd64 kernel
  const machine = (s: string): string => s.replaceAll('${machine}', p.isa);
  // newvers.sh names the svn revision the tree is at and, through svnversion, marks a tree with local
  // changes "M": a kernel built with a fix switched on is r358200 with that fix applied, r358200M
  const version = fixes.length > 0 ? machine(kc.version).replace(/\b(r\d+)(?=:)/, '$1M') : machine(kc.version);
  const k = new Kernel({ os: FREEBSD_2020, platform: p, hostname: machine(kc.hostname), kernelVersion: version, debug: kc.invariants, ncpus: kc.ncpus, physmem, seed });
  const L = freebsdTypes(p.pointerSize, kc.ncpus, 2020, 1);
  const sizeof = (n: string): number => L.structs.get(n)!.size;
  const swapper = k.procs[0]!;
  swapper.comm = swapper.psargs = 'kernel';
  const t0 = k.bootThread(mi_startup);
  const vm = vmStartup2020(k, physmem, 2000 + Math.floor(physmem / 40));

  const obj = (name: string, size: number): Kva => k.sym.object('kernel.2020', name, size).addr;
  const vs: VmemSys = { k, bt: { zalloc: () => (function* () { return 0; })(), zfree: () => undefined }, opts: { fillOnce: fx.fillOnce }, kernel_arena: null, arenas: [] };
  const maxorder = vmemMaxOrder(p.pointerSize);
  const vmemSize = sizeof('struct vmem');
  const kernelArenaSym = obj('kernel_arena', p.pointerSize);
  const kernel_arena = vmemCreate(vs, 'kernel arena', obj('kernel_arena_storage', vmemSize), p.pagesize, maxorder);
  vs.kernel_arena = kernel_arena;
  const domain_arena = vmemCreate(vs, 'kernel arena domain', k.bootAlloc(vmemSize), p.pagesize, maxorder);
  const bufferArena = vmemCreate(vs, 'buffer arena', obj('buffer_arena_storage', vmemSize), p.pagesize, maxorder);
  // subr_vmem.c declares vmem_bt_lock under #ifndef UMA_MD_SMALL_ALLOC, with vmem_bt_alloc: amd64 has no such symbol
  const mtxSize = sizeof('struct mtx');
  const btLock: Mtx20 = { name: 'btag lock', addr: smallAlloc ? k.bootAlloc(mtxSize) : obj('vmem_bt_lock', mtxSize), owner: null, turnstile: k.bootAlloc(0x40) };
  // kernel_map's KVA past the kernel: on i386 what is left of the 32-bit space, on amd64 plenty
  // KVA_QUANTUM (vm_kern.c): 1 << (VM_LEVEL_0_ORDER + PAGE_SHIFT), 2 MB on amd64 and on i386 with PAE page
  // tables, which pmap_cold() uses on any CPU that has PAE (i386_pmap_VM_LEVEL_0_ORDER 9; 10, 4 MB, without)
  const kvaQuantum = 2 << 20;
  // MB as a multiplication: `<< 20` is a 32-bit shift and turns 2048 MB or more into 0 or less
  const bufKva = sc.build.buf_kva_mb * MB;
  const km: Kmem = {
    vm,
    vs,
    kernel_arena,
    domain_arena,
    mapNext: p.heapBase + bufKva,
    mapEnd: p.heapBase + Math.min(p.heapSize, kc.kva_mb * MB),
    btLock,
    kvaQuantum,
  };
  kernel_arena.importFn = (size, flags) => kvaImport(km, size, flags);
  kernel_arena.importQuantum = kvaQuantum;
  kernel_arena.importSym = 'kva_import';
  domain_arena.importFn = (size, flags) => kvaImportDomain(km, size, flags);
  domain_arena.importQuantum = kvaQuantum;
  domain_arena.source = kernel_arena;
  domain_arena.importSym = 'kva_import_domain';

  const u: Uma2020 = {
    k,
    zones: [],
    kegs: [],
    bucketdisable: false,
    pageCountMin: () => vmPageCountMin(vm),
    bypage: new Map(),
    nextBucket: k.bootAlloc(0x400000),
    drainKeepsReserve: fx.drainKeepsReserve,
    slabHdr: sizeof('struct uma_slab') + 4 * 4,
    bucketZones: [],
  };
  const dmap = { next: 0x10000000 as Kva, free: [] as Kva[] };
  const pageAllocFns = (keg: ReturnType<typeof kegCreate>, zoneAddr: () => Kva): void => {
    // keg_ctor(): UMA_MD_SMALL_ALLOC serves one-page slabs from the direct map; bigger slabs use page_alloc
    if (smallAlloc && keg.ppera === 1) {
      keg.allocf = 'uma_small_alloc';
      keg.freef = 'uma_small_free';
      keg.alloc = (_bytes, flags) => umaSmallAlloc(vm, dmap, flags);
      keg.freeFn = (mem) => {
        dmap.free.push(mem);
        vmPageFree(vm, 1, true);
      };
    } else {
      keg.allocf = 'page_alloc';
      keg.freef = 'page_free';
      keg.alloc = (bytes, flags) => pageAlloc(km, bytes, flags);
      keg.freeFn = (mem, bytes) => kmemFree(km, mem, bytes);
    }
    void zoneAddr;
  };

  const zsize = sizeof('struct uma_zone');
  const ksize = sizeof('struct uma_keg');
  // uma_startup() -> bucket_init(): the bucket zones (UMA_ZONE_MTXCLASS | UMA_ZFLAG_BUCKET), before any other zone
  bucketInit(
    u,
    (name, size) => {
      const keg = kegCreate(u, name, k.bootAlloc(ksize), size, UMA_ZFLAG_BUCKET, p.pagesize);
      const z = zoneCreate(u, name, k.bootAlloc(zsize), keg, bucketSelect(size, p.pointerSize), kc.ncpus);
      pageAllocFns(keg, () => z.addr);
      return z;
    },
    BUCKET_ZONES,
    p.pointerSize,
    (n) => bucketEntries(n, p.pointerSize),
  );
  // vmem_startup(): the btag zone, its reserve and its boot slab
  const btKeg = kegCreate(u, 'vmem btag', k.bootAlloc(ksize), sizeof('struct vmem_btag'), UMA_ZONE_VM | (fx.nofree && !smallAlloc ? UMA_ZONE_NOFREE : 0), p.pagesize);
  const btZone = zoneCreate(u, 'vmem btag', k.bootAlloc(zsize), btKeg, bucketSize(sc.build.bt_bucket, btKeg.size, p.pointerSize), kc.ncpus);
  pageAllocFns(btKeg, () => btZone.addr);
  if (!smallAlloc) {
    // uma_zone_set_allocf(vmem_bt_zone, vmem_bt_alloc); the free function stays page_free
    btKeg.allocf = 'vmem_bt_alloc';
    btKeg.alloc = (bytes, flags) => vmemBtAlloc(km, btZone.addr, bytes, flags);
  }
  // uma_zone_reserve(vmem_bt_zone, 2 * BT_MAXALLOC * mp_ncpus) is under #ifndef UMA_MD_SMALL_ALLOC with the
  // allocf: with a direct map no tag is needed to make a tag page, so amd64 keeps no reserve
  if (!smallAlloc) btKeg.reserve = 2 * BT_MAXALLOC * kc.ncpus;
  const bootPages = Math.ceil(BT_MAXALLOC / btKeg.ipers);
  for (let i = 0; i < bootPages; i++) {
    const base = k.bootAlloc(p.pagesize * 2);
    slabInit(u, btKeg, Math.ceil(base / p.pagesize) * p.pagesize, true);
  }
  vs.bt = { zalloc: (flags) => umaZalloc(u, btZone, flags), zfree: (a) => umaZfree(u, btZone, a) };
  // vm_ksubmap_init() -> vmem_init(buffer_arena, ...) -> vmem_add(): a static span of bufkva, its tags
  // from the btag zone like every other tag (bt_fill under M_WAITOK; the boot slab has them, so it never sleeps)
  if (!runNoSleep(vmemAdd(vs, bufferArena, p.heapBase, bufKva, M_WAITOK), 'vmem_add of buffer_arena at boot')) {
    throw new Error('simulator: vmem_add of buffer_arena could not get its tags at boot');
  }

  const mallocZones: Zone[] = [];
  // kmeminit(): the kmemzones of 2020, malloc-16 .. malloc-65536 (KMEM_ZMAX); bigger requests go to uma_large_malloc
  for (let sz = 16; sz <= KMEM_ZMAX; sz *= 2) {
    const keg = kegCreate(u, `malloc-${sz}`, k.bootAlloc(ksize), sz, 0, p.pagesize);
    const z = zoneCreate(u, `malloc-${sz}`, k.bootAlloc(zsize), keg, bucketSize(sc.build.bucket, sz, p.pointerSize), kc.ncpus);
    pageAllocFns(keg, () => z.addr);
    mallocZones.push(z);
  }

  const mem = physmem * p.pagesize;
  k.console('Copyright (c) 1992-2020 The FreeBSD Project.');
  k.console('Copyright (c) 1979, 1980, 1983, 1986, 1988, 1989, 1991, 1992, 1993, 1994');
  k.console('\tThe Regents of the University of California. All rights reserved.');
  k.console('FreeBSD is a registered trademark of The FreeBSD Foundation.');
  k.console(version);
  k.console(`real memory  = ${mem} (${kc.physmem_mb} MB)`);
  k.console(`avail memory = ${vm.cnt.v_free_count * p.pagesize} (${Math.floor((vm.cnt.v_free_count * p.pagesize) >> 20)} MB)`);
  if (kc.ncpus > 1) k.console(`FreeBSD/SMP: Multiprocessor System Detected: ${kc.ncpus} CPUs`);
  k.console(`Trying to mount root from nfs:${sc.build.nfs_server}:/`);

  const init = userProc(k, 'init', '/sbin/init', swapper, -1, 0);
  procInfo(init).parent = swapper;
  // kern_wait6(): msleep(q, &q->p_mtx, PWAIT | PCATCH | PDROP, "wait", 0), q the waiting process
  k.daemons.add(k.threadCreate(init, fork_trampoline, () => sleeper(k, WAIT4, init.addr, PWAIT | PCATCH | PDROP, 'wait', 0), 152, true));
  const pagedaemon = kprocCreate(k, 'pagedaemon', kthreadStart, () => vmPageout2020(vm, u, 10), PVM);
  k.daemons.add(pagedaemon);
  vm.pageproc = pagedaemon.proc;
  // vm_pageout(): kthread_add(uma_reclaim_worker, ..., "uma") in the pagedaemon process
  // vm_pageout() names its own thread after the domain it scans, "dom0"
  setThreadName(pagedaemon, 'dom0');
  const umaThread = k.threadCreate(pagedaemon.proc, kthreadStart, () => umaReclaimWorker(vm, u), PVM);
  setThreadName(umaThread, 'uma');
  k.daemons.add(umaThread);
  // the clock's software interrupt: a thread of the "intr" process, at PI_SWI(SWI_CLOCK)
  const swi = kprocCreate(k, 'intr', kthreadStart, () => softclock2020(k, u), PI_SWI_CLOCK);
  setThreadName(swi, 'swi4: clock (0)');
  swi.intr = true;
  k.daemons.add(swi);
  // vm_daemon(): msleep(&vm_daemon_needed, ..., PPAUSE, "psleep", vm_daemon_timeout)
  k.daemons.add(kprocCreate(k, 'vmdaemon', kthreadStart, () => sleeper(k, [vm_daemon], kernelObject(k, 'vm_daemon_needed', 4), PPAUSE, 'psleep', 0), PVM));
  // buf_daemon(): msleep(&bd_request, ..., PVM, "qsleep", hz / 10) while dirty buffers wait (a 1 s nap here)
  k.daemons.add(kprocCreate(k, 'bufdaemon', kthreadStart, () => sleeper(k, [buf_daemon], kernelObject(k, 'bd_request', 4), PVM, 'qsleep', 1), PVM));
  // sched_sync(): cv_timedwait(&sync_wakeup, &sync_mtx, hz), the cv named "syncer"
  k.daemons.add(kprocCreate(k, 'syncer', kthreadStart, () => sleeper(k, [sched_sync], kernelObject(k, 'sync_wakeup', 8), 0, 'syncer', 1, true), PVM));
  // nfssvc_iod(): msleep(&ncl_iodwant[i], &ncl_iod_mutex, PWAIT | PCATCH, "-", timo)
  k.daemons.add(kprocCreate(k, 'nfsiod 0', kthreadStart, () => sleeper(k, [nfssvc_iod], kernelObject(k, 'ncl_iodwant', 4 * 64), PWAIT | PCATCH, '-', 0), PVM));
  // sched_idletd() threads: one "idle" process, a thread "idle: cpuN" for each CPU
  const idleProc = k.newProc('idle', 'idle');
  procInfo(idleProc).parent = swapper;
  for (const c of k.cpus) {
    c.idle.proc = idleProc;
    c.idle.pri = 255;
    setThreadName(c.idle, `idle: cpu${c.id}`);
  }

  const load: Load2020 = {
    k, vm, km, u, sc, mallocZones, bufferArena, vs,
    stats: { syscalls: 0, progress: 0, lastProgress: 0, exited: 0, compiles: 0, mallocs: 0, kmemMallocs: 0, bufs: 0 },
    bufs: new Fifo(),
  };
  const workers: KThread[] = [];
  const make = userProc(k, 'make', `make -j${sc.build.jobs} buildkernel`, init, -1, 0, loginGroups(0, 5));
  k.daemons.add(k.threadCreate(make, fork_trampoline, () => sleeper(k, WAIT4, make.addr, PWAIT | PCATCH | PDROP, 'wait', 0), 152, true));
  for (let i = 0; i < sc.build.jobs * sc.build.scale; i++) {
    const pr = userProc(k, 'cc', 'cc -c -O2 -pipe', make, make.pid, 0);
    workers.push(k.threadCreate(pr, fork_trampoline, (me) => ccJob(load, me, i), 152, true));
  }

  k.enter(scheduler, 0b1, 0);
  k.enter(f20('_sleep', 0x2b0), 0b1001, swapper.addr, 0, PVM, k.kstring('swapin'), 0, 0);
  k.enter(f20('sleepq_wait', 0x60), 0b1, swapper.addr, 0);
  k.enter(mi_switch, 0, SW_VOL | SWT_SLEEPQ);
  t0.state = TS_SLEEP;
  t0.wchan = swapper.addr;
  t0.sobj = 'cv';
  t0.wmesg = 'swapin';
  t0.pri = PVM;
  // proc0_init(): p_comm "kernel", thread0's td_name "swapper"
  setThreadName(t0, 'swapper');
  k.daemons.add(t0);
  k.curthread = null;
  return { k, sc, fx, smallAlloc, vm, vs, km, u, btZone, mallocZones, bufferArena, load, workers, pagedaemon, kernelArenaSym, btLock, typesKey: { ps: p.pointerSize, ncpus: kc.ncpus }, btWatch: { samples: 0, belowReserve: 0, fewestCached: -1, fewestAt: 0, fewestKeg: 0, fewestStock: 0, allDry: 0, outMost: 0, outFewestLate: -1, freeFewestLate: -1 } };
}

/** uma_int.h: UMA_TIMEOUT, the seconds between uma_timeout() callouts */
const UMA_TIMEOUT = 20;
const softclock = f20('softclock', 0x90);
const uma_timeout = f20('uma_timeout', 0x50);
const ithread_loop = f20('ithread_loop', 0x180);

/**
 * swi4: clock: softclock() runs the callouts; the one the model needs is
 * uma_timeout(), which re-evaluates bucketdisable every UMA_TIMEOUT
 * (bucket_enable) and re-arms itself.
 */
function* softclock2020(k: Kernel, u: Uma2020): KGen<void> {
  const t = k.curthread!;
  // ithread_loop(arg): the struct intr_thread of the swi
  const fr = k.enter(ithread_loop, 0b1, kernelObject(k, 'swi4_ithread', 0x20));
  for (;;) {
    // TDI_IWAIT: an interrupt thread waits for its next interrupt, not on a wait channel
    const sw = k.enter(mi_switch, 0, SW_VOL | SWT_IWAIT);
    yield { kind: 'sleep', wchan: t.addr + 0x14, sobj: 'cv', timeoutNs: UMA_TIMEOUT * 1e9 };
    k.leave(sw);
    const s = k.enter(softclock, 0, 0);
    const ut = k.enter(uma_timeout, 0, 0);
    bucketEnable(u);
    k.leave(ut);
    k.leave(s);
  }
  k.leave(fr);
}

/** kern_malloc.c's KMEM_ZMAX: malloc(9) uses the kmemzones up to 64 KB */
export const KMEM_ZMAX = 65536;
/**
 * The bucket sizes of 2020's bucket_zones[] table: each zone's buckets are
 * BUCKET_SIZE(n) entries, n pointers' worth of memory less the struct
 * uma_bucket header (ub_link, a TAILQ entry, and the int16 ub_cnt and
 * ub_entries, padded to a pointer), for items up to ubz_maxsize bytes.
 */
const BUCKET_ZONES: ReadonlyArray<readonly [number, number]> = [
  [4, 4096], [6, 3072], [8, 2048], [12, 1536], [16, 1024], [32, 512], [64, 256], [128, 128], [256, 64],
];
function bucketEntries(n: number, ptr: number): number {
  const hdr = Math.ceil((2 * ptr + 4) / ptr) * ptr;
  return Math.floor((ptr * n - hdr) / ptr);
}
/**
 * models bucket_select(size) (uma_core.c, 2020), which zone_ctor uses for
 * uz_bucket_size: the entries of the last bucket zone whose ubz_maxsize
 * still covers the item; an item above the first zone's 4096 bytes gets
 * MAX(4096 * entries / size, 1). The scenario's bucket fields, when not 0,
 * override it (UMA_ZONE_MAXBUCKET-like tuning, not the stock kernel).
 */
export function bucketSelect(size: number, ptr: number): number {
  const first = BUCKET_ZONES[0]!;
  if (size > first[1]) return Math.max(Math.floor((first[1] * bucketEntries(first[0], ptr)) / size), 1);
  let i = 0;
  while (i < BUCKET_ZONES.length && BUCKET_ZONES[i]![1] >= size) i++;
  return bucketEntries(BUCKET_ZONES[i - 1]![0], ptr);
}
function bucketSize(override: number, size: number, ptr: number): number {
  return override > 0 ? override : bucketSelect(size, ptr);
}
const page_alloc = f20('page_alloc', 0x60);
/** models page_alloc(): UMA's default slab allocator, kmem_malloc of the slab's pages. */
function* pageAlloc(km: Kmem, bytes: number, flags: number): KGen<Kva> {
  const k = km.vm.k;
  const fr = k.enter(page_alloc, 0, 0, bytes, 0, 0, flags);
  const a = yield* kmemMalloc(km, bytes, flags);
  k.leave(fr);
  return a;
}
