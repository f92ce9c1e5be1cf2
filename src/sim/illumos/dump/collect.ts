/*
 * savecore for the simulator: the whole machine into a DumpModel (the format
 * in src/dump/format.ts). Nothing here decides an outcome; it copies state.
 */
import type { DumpModel, Recipe, Table } from '../../../dump/format.js';
import { collectVmem, vmemGlobalVars } from '../vmem/dump.js';
import { vmemList } from '../vmem/index.js';
import type { IllumosSystem } from '../system.js';
import { collectKmem } from './collect-kmem.js';
import { collectKernel, type GlobalVar } from './collect-kern.js';
import { collectCallouts, collectDevinfo, collectIo } from './collect-io.js';
import { collectText } from './collect-text.js';
import { collectZfs } from './collect-zfs.js';
import { collectVm, vmLateGlobals } from './collect-vm.js';
import { calloutState, NSEC_PER_TICK } from '../kern/callout.js';
import { illumosLayouts } from './layouts.js';
import { TableBuilder } from '../../../dump/builder.js';
import { toAddr } from '../../machine/platform.js';
import { panicRegs } from '../kern/panic.js';
import { formatTable } from '../../../dump/builder.js';
import { TABLE_LEAK_TRUTH, NO_ROW } from '../../../dump/format.js';
import { msgLeaks } from '../ipc/msg.js';
import { kmemAllocCache } from '../kmem/kmem.js';
import { zfsGlobalWords } from '../zfs/read.js';
import { kernTablesWords } from '../workload.js';

/**
 * The ground truth of the leak scenarios, apart from kernel memory: every
 * buffer the modelled code lost while it was allocated (format.ts, leak_truth).
 */
function collectLeakTruth(sys: IllumosSystem): Table {
  const t = formatTable(TABLE_LEAK_TRUTH);
  for (const r of sys.msg ? msgLeaks(sys.msg) : []) {
    const cp = kmemAllocCache(sys.km, r.size);
    t.add({ addr: toAddr(sys.k.p, r.addr), cache_row: cp ? cp.index : NO_ROW, size: BigInt(r.size), reason: r.reason });
  }
  return t.build();
}

export function collectIllumos(sys: IllumosSystem, recipe: Recipe, outcome: 'panic' | 'hang' | 'completed'): DumpModel {
  const { k, km } = sys;
  const L = illumosLayouts(k.cfg.ncpus);
  const tables: Table[] = [];
  const add = (t: Table): void => {
    tables.push(t);
  };
  const pr = k.panicked;
  const globals: GlobalVar[] = [
    { module: 'genunix', name: 'kmem_flags', size: 4, value: km.kmem_flags },
    { module: 'genunix', name: 'kmem_panic', size: 4, value: km.kmem_panic },
    { module: 'genunix', name: 'kmem_mtbf', size: 4, value: km.kmem_mtbf },
    { module: 'genunix', name: 'kmem_maxverify', size: 8, value: km.kmem_maxverify },
    { module: 'genunix', name: 'kmem_minfirewall', size: 8, value: km.kmem_minfirewall },
    { module: 'unix', name: 'ncpus', size: 4, value: k.cfg.ncpus },
    { module: 'unix', name: 'physmem', size: 8, value: k.cfg.physmem },
    { module: 'unix', name: 'hz', size: 4, value: 100 },
    { module: 'genunix', name: 'panic_thread', size: 8, value: pr ? pr.thread.addr : 0, ptr: true },
    { module: 'genunix', name: 'panic_cpu_id', size: 4, value: pr ? pr.cpu : -1 },
    // proc_sched = &p0, where the proc walker starts; proc_init and proc_pageout (main());
    // nproc = max_nprocs = 10 + 16 * maxusers, maxusers = min(physmem in MB, 2048) (param.c)
    { module: 'genunix', name: 'proc_sched', size: 8, value: k.procs[0]!.addr, ptr: true },
    ...k.procs
      .filter((p) => p.comm === 'init' || p.comm === 'pageout')
      .slice(0, 2)
      .map((p) => ({ module: 'genunix', name: `proc_${p.comm}`, size: 8 as const, value: p.addr, ptr: true })),
    { module: 'genunix', name: 'nproc', size: 4, value: 10 + 16 * Math.min(2048, Math.floor((k.cfg.physmem * k.p.pagesize) / (1 << 20))) },
    ...(pr ? [{ module: 'genunix', name: 'panicstr', size: 8 as const, value: 0, str: pr.message }] : []),
    // panicsys() points panic_reg at the registers vpanic() saved
    { module: 'genunix', name: 'panic_reg', size: 8, value: panicRegs.get(k)?.at ?? 0, ptr: true },
    ...vmemGlobalVars(k, sys.arenas),
    // the pool (spa_namespace_avl) and the ARC's hash table (buf_hash_table)
    ...zfsGlobalWords(k, sys.zfs).map((w) => ({ module: 'zfs', name: w.name, size: 8 as const, value: w.value, ptr: w.ptr, at: w.at })),
    // dnlc's nc_hash and fifoalloc[]'s chains
    ...kernTablesWords(sys.kt).map((w) =>
      w.at < 0 ? { module: 'genunix', name: w.name, size: 8 as const, value: w.value, ptr: true } : { module: 'genunix', name: w.name, size: 8 as const, value: w.value, ptr: true, at: w.at },
    ),
    // anon_init(): the anon slot hash
    { module: 'genunix', name: 'anon_hash', size: 8, value: sys.anon.hash, ptr: true },
    { module: 'genunix', name: 'anon_hash_size', size: 8, value: sys.anon.size },
    // the device tree's root and the driver table (i_ddi_init_root(), impl_setup_ddi())
    { module: 'genunix', name: 'top_devinfo', size: 8, value: sys.devs.top.addr, ptr: true },
    { module: 'genunix', name: 'devnamesp', size: 8, value: sys.devs.devnamesp, ptr: true },
    { module: 'genunix', name: 'devcnt', size: 4, value: sys.devs.devnames.length },
    // callout_init(): the tables and the ID layout; hrtime_last, the clock when the dump was taken
    ...(calloutState(k)
      ? [
          { module: 'genunix', name: 'callout_table', size: 8 as const, value: calloutState(k)!.base, ptr: true },
          { module: 'genunix', name: 'callout_table_bits', size: 4 as const, value: calloutState(k)!.bits },
        ]
      : []),
    { module: 'unix', name: 'max_ncpus', size: 4, value: k.cfg.ncpus },
    { module: 'unix', name: 'nsec_per_tick', size: 4, value: NSEC_PER_TICK },
    { module: 'unix', name: 'hrtime_last', size: 8, value: k.now },
    // blkdev's _init(): ddi_soft_state_init(&bd_state, ...)
    { module: 'blkdev', name: 'bd_state', size: 8, value: sys.bdState.ss.addr, ptr: true },
    // msgsys's _init(): msq_svc = ipc_service_create(...)
    ...(sys.msg ? [{ module: 'msgsys', name: 'msq_svc', size: 8 as const, value: sys.msg.svc.addr, ptr: true }] : []),
    // kmem_log_init()'s headers; NULL for a log kmem_init() did not create
    ...[km.transactionLog, km.contentLog, km.failureLog, km.slabLog].map((lp) => ({
      module: 'genunix',
      name: lp.name,
      size: 8 as const,
      value: lp.header,
      ptr: true,
    })),
  ];
  collectKernel(k, km, L, globals, add, sys.user, vmLateGlobals);
  collectKmem(km, L, add);
  collectVmem(k, vmemList(k), add);
  collectIo(sys, L, add);
  collectDevinfo(sys, L, add);
  collectCallouts(sys, add);
  collectZfs(sys, L, add);
  collectVm(sys, add);
  if (sys.msg) add(collectLeakTruth(sys));
  const saved = panicRegs.get(k);
  if (saved) {
    const cols: Record<string, 'u64'> = { addr: 'u64' };
    for (const m of L.structs.get('struct regs')!.members) cols[m.name] = 'u64';
    const rt = new TableBuilder('struct regs', cols);
    const row: Record<string, bigint> = { addr: toAddr(k.p, saved.at) };
    for (const m of L.structs.get('struct regs')!.members) {
      const v = saved.regs.get(m.name) ?? 0;
      row[m.name] = saved.addrs.has(m.name) ? toAddr(k.p, v) : BigInt(v);
    }
    rt.add(row);
    add(rt.build());
  }
  // last: the text is generated around the return addresses the tables above record
  add(collectText(k, tables));
  return {
    header: {
      os: 'illumos',
      kernelVersion: k.cfg.kernelVersion,
      platform: k.p.name,
      isa: k.p.isa,
      pointerSize: k.p.pointerSize,
      hostname: k.cfg.hostname,
      debug: k.cfg.debug,
      ncpus: k.cfg.ncpus,
      physmem: k.cfg.physmem,
      pagesize: k.p.pagesize,
      dumpTime: String(k.now),
      dumpKind: pr ? 'panic' : 'live',
      panic: pr ? { message: pr.message, thread: k.hex(pr.thread.addr), cpu: pr.cpu, caller: pr.caller } : null,
      outcome,
      recipe,
    },
    types: L.types(),
    tables,
  };
}
