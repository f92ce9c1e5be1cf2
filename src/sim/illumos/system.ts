/*
 * An illumos machine as a scenario describes it: boot (vmem's arenas, kmem,
 * the root nexus, blkdev on vioblk disks, a ZFS mirror), then the daemons and
 * the load. Models the parts of startup(), kmem_init() and driver attach the
 * scenarios need.
 */
import { Kernel, type Personality } from '../machine/kernel.js';
import { operatorRebootDump, UADMIN_FEATURE } from './kern/uadmin.js';
import { ILLUMOS } from './kern/personality.js';
import './kern/text.js';
import { illumosLayouts } from './dump/layouts.js';
import { I86PC } from '../machine/platform.js';
import { func } from '../machine/symbols.js';
import { runNoSleep } from '../machine/sync.js';
import type { KThread } from '../machine/thread.js';
import { kmemCacheAlloc, kmemCacheCreate, kmemInit, KMC_NOHASH, KM_NOSLEEP, type Kmem } from './kmem/kmem.js';
import { pageSupply, type PageSupply } from './vmem/page.js';
import { vmemInitIllumos, type IllumosArenas } from './vmem/segkmem.js';
import { rootnexAttach, type Rootnex } from './io/rootnex.js';
import { ddiAttachNode, ddiInitRoot, ddiOpen, type DevInfo, type DevTree } from './io/devinfo.js';
import { bdAttach, bdStateInit, type Bd, type SoftState } from './io/blkdev.js';
import { vioblkCreate, vioblkIntrThread, type Vioblk } from './io/vioblk.js';
import { spaCreate, type Spa } from './zfs/zio.js';
import { zfsInit, zfsOpen, type ZfsState } from './zfs/read.js';
import { BLOCK, zioBufInit } from './zfs/zio-buf.js';
import { segkmemZioInit } from './vmem/segzio.js';
import { txgInit, txgSyncThread, type TxgState } from './zfs/write.js';
import type { Scenario } from '../scenario/schema.js';
import { anonInit, kmemTaskqThread, pageoutThread, vmCreate, vmPageoutProc, type Vm } from './vm.js';
import { buildJob, kernTablesInit, readerJob, userCachesCreate, userProcCreate, type KernTables, type LoadStats, type UserProc } from './workload.js';
import { MSGSYS_MODULE, msgInit, msgReceiver, msgSender, type MsgState } from './ipc/msg.js';
import { taskqAddThread } from './kern/taskq.js';
import { calloutInit } from './kern/callout.js';
import { initThread, setsid, SSYS, SYSPROC_PFLAGS, USER_PFLAGS } from './kern/proc.js';

const mainFn = func('unix', 'main', 0x3a0);
const SIZEOF_KMEM_DEFRAG = 0xb8;
const SIZEOF_KMEM_MOVE = 0x38;
const schedFn = func('genunix', 'sched', 0x9a0);
const pageoutStart = func('genunix', 'pageout', 0x260);
const taskqStart = func('genunix', 'taskq_thread', 0x2d0);
// interrupt threads are made by thread_create_intr(), their start pc (intr.c)
const intrStart = func('unix', 'thread_create_intr', 0x90);
const lwpRtt = func('unix', 'lwp_rtt', 0x20);
const txgSyncStart = func('zfs', 'txg_sync_thread', 0x1f0);

export interface IllumosSystem {
  k: Kernel;
  km: Kmem;
  arenas: IllumosArenas;
  ps: PageSupply;
  vm: Vm;
  rn: Rootnex;
  /** anon_hash and anon_hash_size (anon_init()) */
  anon: { hash: number; size: number };
  /** the device tree (top_devinfo, devnamesp) */
  devs: DevTree;
  /** blkdev's soft state: the global bd_state's value */
  bdState: SoftState;
  bds: Bd[];
  disks: Vioblk[];
  spa: Spa;
  zfs: ZfsState;
  tx: TxgState;
  stats: LoadStats;
  /** nc_hash and fifoalloc[] */
  kt: KernTables;
  /** user threads (LWPs) and what their processes hold: p_as, t_lwp */
  user: Map<KThread, UserProc>;
  /** threads whose sleep counts toward hang detection */
  workers: KThread[];
  /** System V message queues, when the load uses them (msgsys loaded) */
  msg: MsgState | null;
}

/** ILLUMOS, with msgsys loaded and uadmin's forced dump in the text when the scenario uses them */
function personality(sc: Scenario): Personality {
  if (sc.ipc.queues === 0 && sc.operator.dump_at_s === 0) return ILLUMOS;
  return {
    ...ILLUMOS,
    modules: sc.ipc.queues > 0 ? [...ILLUMOS.modules, MSGSYS_MODULE] : ILLUMOS.modules,
    features: sc.operator.dump_at_s > 0 ? [UADMIN_FEATURE] : [],
  };
}

export function bootIllumos(sc: Scenario, seed: number, fixes: readonly string[]): IllumosSystem {
  const k = new Kernel({
    // msgsys is a loadable module: only a machine whose load uses it has its text
    os: personality(sc),
    platform: I86PC,
    hostname: sc.kernel.hostname,
    // a DEBUG build says so in its version string
    kernelVersion: sc.kernel.debug ? `${sc.kernel.version} DEBUG` : sc.kernel.version,
    debug: sc.kernel.debug,
    ncpus: sc.kernel.ncpus,
    physmem: Math.floor((sc.kernel.physmem_mb * 1024 * 1024) / I86PC.pagesize),
    seed,
  });
  // the kernel's text is built with the fixes it runs (kern/text.ts: bd_xfer_ctor's compare)
  k.textVariant = new Set(fixes);
  k.bootThread(mainFn);
  for (const s of ['cv', 'mutex', 'sema']) k.sym.object('genunix', `${s}_sobj_ops`, 0x20);
  const arenas = vmemInitIllumos(k, { audit: sc.kernel.debug });
  const ps = pageSupply(k);
  const km = kmemInit(k, arenas);
  // thread_init(): kmem_cache_create("thread_cache", sizeof (kthread_t), PTR24_ALIGN, ...)
  const threadCache = kmemCacheCreate(km, {
    name: 'thread_cache',
    bufsize: illumosLayouts(sc.kernel.ncpus).structs.get('kthread_t')!.size,
    align: 32,
  });
  // startup_vm() → anon_init(): the anon hash, anon_cache and anonmap_cache
  const anon = runNoSleep(anonInit(k, km), 'anon_init');
  k.threadAlloc = () => {
    const b = runNoSleep(kmemCacheAlloc(km, threadCache, KM_NOSLEEP), 'thread_create');
    if (!b) throw new Error('simulator: no memory for a kthread_t at boot');
    return b.addr;
  };
  // pid_init(): proc_t and struct pid come from their own caches, so every
  // process but p0 is a kmem buffer, reached from its threads' t_procp
  const L = illumosLayouts(sc.kernel.ncpus);
  const processCache = kmemCacheCreate(km, { name: 'process_cache', bufsize: L.structs.get('proc_t')!.size, align: 8 });
  const pidCache = kmemCacheCreate(km, { name: 'pid_cache', bufsize: L.structs.get('struct pid')!.size, align: 8 });
  k.procAlloc = () => {
    const p = runNoSleep(kmemCacheAlloc(km, processCache, KM_NOSLEEP), 'cfork');
    const pid = runNoSleep(kmemCacheAlloc(km, pidCache, KM_NOSLEEP), 'pid_assign');
    if (!p || !pid) throw new Error('simulator: no memory for a process at boot');
    return { addr: p.addr, pidAddr: pid.addr };
  };
  // main(): p0 is sched (SSYS); it forks init first, so init is pid 1
  const p0 = k.procs[0]!;
  p0.flag = SSYS;
  const initProc = k.newProc('init', '/sbin/init', p0, USER_PFLAGS);
  const vm = vmCreate(k, ps, km);
  // kmem_thread_init() → kmem_move_init(): the consolidator's caches, on
  // kmem_msb like kmem's own metadata (sizeof (kmem_defrag_t), (kmem_move_t))
  kmemCacheCreate(km, { name: 'kmem_defrag_cache', bufsize: SIZEOF_KMEM_DEFRAG, arena: arenas.kmem_msb, cflags: KMC_NOHASH });
  kmemCacheCreate(km, { name: 'kmem_move_cache', bufsize: SIZEOF_KMEM_MOVE, arena: arenas.kmem_msb, cflags: KMC_NOHASH });
  // main(): callout_init() (the boot CPU's tables), then callout_mp_init() for the others
  runNoSleep(calloutInit(k, km, sc.kernel.ncpus), 'callout_init');
  // i_ddi_init_root(): the root node, bound to rootnex, whose attach creates the DMA handle cache
  let rn: Rootnex | null = null;
  const devs = runNoSleep(
    ddiInitRoot(k, km, I86PC.name, function* () {
      rn = rootnexAttach(km);
    }),
    'i_ddi_init_root',
  );
  const rootnex = rn as unknown as Rootnex;
  // the PCI bus under the root, the virtio block functions on it
  const pci = runNoSleep(ddiAttachNode(k, km, devs, devs.top, { name: 'pci', unit: '0,0', binding: 'pci', driver: 'pci' }), 'pci_attach');
  const disks: Vioblk[] = [];
  const bds: Bd[] = [];
  const bdState = runNoSleep(bdStateInit(km), 'bd_init');
  for (let i = 0; i < sc.disks.count; i++) {
    let dev: Vioblk | null = null;
    let bd: Bd | null = null;
    // vioblk_attach(): the softstate, then bd_attach_handle() makes and attaches the blkdev child (bd_attach())
    runNoSleep(
      ddiAttachNode(k, km, devs, pci, { name: 'pci1af4,2', unit: (4 + i).toString(16), binding: 'pci1af4,2', driver: 'vioblk' }, function* (vdip: DevInfo) {
        const d = vioblkCreate(k, sc.disks.latency_us * 1000, sc.disks.jitter_us * 1000, i);
        dev = d;
        vdip.driverData = d.addr;
        yield* ddiAttachNode(k, km, devs, vdip, { name: 'blkdev', unit: '0', binding: 'blkdev', driver: 'blkdev' }, function* (bdip: DevInfo) {
          const b = yield* bdAttach(
            k,
            km,
            rootnex,
            bdState,
            i,
            d,
            { qsize: sc.disks.qsize, useDma: sc.disks.use_dma, numblks: 1 << 26, fix679ac15: fixes.includes('679ac15') },
            bdip.addr,
          );
          // ddi_set_driver_private(dip, bd)
          bdip.driverData = b.addr;
          bd = b;
        });
      }),
      'vioblk_attach',
    );
    disks.push(dev as unknown as Vioblk);
    bds.push(bd as unknown as Bd);
  }
  // vdev_disk_open() → ldi_open_by_name(): each disk's blkdev node is opened (devi_ref)
  for (const n of devs.nodes) if (n.names.node === 'blkdev') ddiOpen(n);
  const spa = spaCreate(k, km, bds);
  // segkmem_zio_init() and zio_init(): a DEBUG kernel is a ZFS_DEBUG one
  const zioArenas = segkmemZioInit(k, arenas.heap);
  // 16K is the indirect-block size: the readers' L1 blocks come from zio_buf_16384
  const zbufs = zioBufInit(km, zioArenas, sc.kernel.debug, [16384, 32768, 65536, BLOCK]);
  const zfs = zfsInit(km, spa, sc.reader.arc_max, sc.reader.prefetch, zbufs.data.get(BLOCK)!, zbufs.meta.get(16384)!);
  const tx = txgInit(k, km, spa, zbufs, sc.zfs.txg_s, zfs);
  // the file the jobs' output goes to (none without a build)
  if (sc.build.jobs > 0) tx.file = zfsOpen(zfs, 7);
  // dnlc_init(), fifoinit(): where the jobs' system calls leave objects
  const kt = kernTablesInit(k, km);
  const stats: LoadStats = { syscalls: 0, faults: 0, jobsExited: 0 };
  const pageoutProc = k.newProc('pageout', 'pageout', p0, SYSPROC_PFLAGS);
  vmPageoutProc(vm, ps, pageoutProc.addr);
  k.noMemWaitProcs.add(pageoutProc);
  k.daemons.add(k.threadCreate(p0, txgSyncStart, () => txgSyncThread(k, tx), 60));
  const t = k.threadCreate(pageoutProc, pageoutStart, () => pageoutThread(k, km, ps, vm), 98);
  k.daemons.add(t);
  // taskq_create() → thread_create(taskq_thread, tq): the kmem taskq's one thread
  const tqThread = k.threadCreate(p0, taskqStart, () => kmemTaskqThread(k, km, vm), 99);
  taskqAddThread(vm.tq, tqThread);
  k.daemons.add(tqThread);
  disks.forEach((dev, i) => {
    const it = k.threadCreate(p0, intrStart, () => vioblkIntrThread(k, dev), 109);
    it.intr = true;
    it.boundCpu = i % sc.kernel.ncpus;
    k.daemons.add(it);
  });
  const workers: KThread[] = [];
  const ucaches = userCachesCreate(km, zfs.caches.cred, zfs.caches.vn);
  const user = new Map<KThread, UserProc>();
  {
    const u = userProcCreate(km, ucaches, initProc.addr);
    const th = k.threadCreate(initProc, lwpRtt, () => initThread(k, initProc), 59, true);
    user.set(th, u);
    k.daemons.add(th);
  }
  // the load's processes: init's children, each leading its own session (setsid())
  const userProc = (comm: string, psargs: string) => {
    const proc = k.newProc(comm, psargs, initProc, USER_PFLAGS);
    setsid(k, km, proc);
    return proc;
  };
  for (let j = 0; j < sc.build.jobs; j++) {
    const proc = userProc('make', 'make');
    const u = userProcCreate(km, ucaches, proc.addr, { fd4: tx.file! });
    const th = k.threadCreate(proc, lwpRtt, (me) => buildJob(k, km, vm, tx, kt, sc, me, u, stats), 59, true);
    user.set(th, u);
    workers.push(th);
  }
  for (let j = 0; j < sc.reader.threads; j++) {
    const proc = userProc('ld', 'ld');
    // the file it reads: object numbers of a dataset's first plain files
    const file = zfsOpen(zfs, 8 + j);
    const u = userProcCreate(km, ucaches, proc.addr, { fd3: file });
    const th = k.threadCreate(proc, lwpRtt, (me) => readerJob(k, zfs, file, sc, me, u, stats), 59, true);
    user.set(th, u);
    workers.push(th);
  }
  let msg: MsgState | null = null;
  const ipc = sc.ipc;
  if (ipc.queues > 0) {
    msg = msgInit(k, km, ipc.queues, ipc.qmax, fixes, stats);
    const ms = msg;
    for (let j = 0; j < ipc.senders; j++) {
      const proc = userProc('msgsend', `msgsend -q ${ipc.queues}`);
      const u = userProcCreate(km, ucaches, proc.addr);
      const th = k.threadCreate(proc, lwpRtt, (me) => msgSender(ms, me, ipc.msg_max, ipc.think_us), 59, true);
      user.set(th, u);
    }
    for (let j = 0; j < ipc.receivers; j++) {
      const proc = userProc('msgrecv', `msgrecv -q ${ipc.queues}`);
      const pct = { fault: ipc.fault_pct, snap: ipc.snap_pct, rmid: ipc.rmid_pct };
      const u = userProcCreate(km, ucaches, proc.addr);
      const th = k.threadCreate(proc, lwpRtt, (me) => msgReceiver(ms, me, pct, ipc.think_us), 59, true);
      user.set(th, u);
    }
  }
  if (sc.operator.dump_at_s > 0) {
    const proc = userProc('reboot', 'reboot -d');
    const u = userProcCreate(km, ucaches, proc.addr);
    const th = k.threadCreate(proc, lwpRtt, () => operatorRebootDump(k, sc.operator.dump_at_s * 1e9), 59, true);
    user.set(th, u);
  }
  // main() ends in sched(), the swapper, which waits for good on its cv
  k.enter(schedFn, 0);
  k.endBoot();
  // sched() sleeps in cv_wait(&runout_cv, &swap_cpr_lock), not on t0 itself
  const t0 = k.t0!;
  const cw = t0.frames[t0.frames.length - 2]!;
  cw.args = [k.sym.object('genunix', 'runout_cv', 2).addr, k.sym.object('genunix', 'swap_cpr_lock', 8).addr];
  cw.ptrMask = 0b11;
  t0.wchan = cw.args[0]!;
  return { k, km, arenas, ps, vm, rn: rootnex, devs, anon, bdState, bds, disks, spa, zfs, tx, stats, kt, workers, user, msg };
}
