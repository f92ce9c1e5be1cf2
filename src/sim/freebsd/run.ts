/*
 * Running a FreeBSD scenario: boot, dispatch until a panic, a hang (the load
 * made no progress for stop.hang_s, and the software watchdog fires from the
 * clock interrupt into the debugger: kern/kdb.ts) or the load finishing, then
 * savecore. The counters are what a kernel engineer would read off `vmstat
 * -z` and `vmstat -s` for this load.
 */
import type { DebuggerEntry, DumpModel, Recipe } from '../../dump/format.js';
import type { FreebsdScenario } from '../scenario/schema.js';
import { collectFreebsd, curthreads, TID_BASE } from './dump/collect.js';
import { watchdogFire2004 } from './kern/kdb.js';
import { bootFreebsd, type FreebsdSystem } from './system.js';
import { runWithBudgets } from '../machine/budget.js';
import { freeMemoryTable, FreeMemoryRecorder, type FreeMemoryRecord } from '../machine/free-samples.js';

export interface FreebsdRun {
  sys: FreebsdSystem;
  outcome: 'panic' | 'hang' | 'completed';
  stopReason: string;
  consoleLine: string | null;
  model: DumpModel;
  counters: Array<[string, string]>;
  /** free pages over simulated time (the run loop's samples) */
  freeMemory: FreeMemoryRecord;
}

export function runFreebsd(sc: FreebsdScenario, seed: number, fixes: string[], recipe: Recipe, onProgress?: (f: number) => void, onCollect?: () => void): FreebsdRun {
  const sys = bootFreebsd(sc, seed, fixes);
  const { k, stats } = sys;
  // the free-page count against the pagedaemon's thresholds (vm_pageout.c: v_free_target, v_free_min)
  const free = new FreeMemoryRecorder(() => sys.vm.cnt.v_free_count, [['v_free_target', sys.vm.cnt.v_free_target], ['v_free_min', sys.vm.cnt.v_free_min]]);
  const { outcome, stopReason } = runWithBudgets(k, {
    sample: (now) => free.poll(now),
    maxTimeS: sc.stop.max_time_s,
    maxOps: sc.stop.max_ops,
    hangS: sc.stop.hang_s,
    done: () => sys.workers.every((t) => t.gen === null),
    doneReason: 'every load process finished its planned operations',
    lastProgress: () => stats.lastProgress,
    ...(onProgress ? { onProgress } : {}),
  });
  let consoleLine: string | null = null;
  let entry: DebuggerEntry | null = null;
  if (outcome === 'panic') consoleLine = k.msgbuf.find((l) => l.text.startsWith('panic: '))?.text ?? null;
  if (outcome === 'hang') {
    // the break lands on the CPU that ran last: the one still busy
    const cur = curthreads(k);
    let cpu = 0;
    for (let i = 1; i < cur.length; i++) if (cur[i]!.dispTime > cur[cpu]!.dispTime) cpu = i;
    const t = cur[cpu]!;
    entry = { reason: 'watchdog', thread: k.hex(t.addr), cpu };
    watchdogFire2004(k, t, TID_BASE + k.threads.indexOf(t));
    consoleLine = 'KDB: enter: watchdog timeout';
  }
  onCollect?.();
  const model = collectFreebsd(sys, recipe, outcome, entry);
  model.tables.push(freeMemoryTable(free.record()));
  const { u, mb, vm } = sys;
  const z = (name: string) => u.byName.get(name)!;
  const counters: Array<[string, string]> = [];
  for (const name of ['Mbuf', 'MbufClust', 'Packet', 'UMA RCntSlabs']) {
    const zz = z(name);
    const allocs = zz.uz_allocs + zz.uz_cpu.reduce((a, c) => a + c.uc_allocs, 0);
    counters.push([`${name} allocs/fails`, `${allocs} / ${zz.uz_fails}`]);
  }
  counters.push(['MbufClust uk_pages / uk_maxpages', `${mb.zone_clust.keg.uk_pages} / ${mb.zone_clust.keg.uk_maxpages}`]);
  counters.push(['m_getcl failures', String(mb.getclFails)]);
  counters.push(['slabrefzone uk_recurse', String(u.slabrefzone.keg.uk_recurse)]);
  counters.push(['slabzone uk_recurse', String(u.slabzone.keg.uk_recurse)]);
  counters.push(['recursion guard NULLs', [...u.guardFails].map(([n, c]) => `${n} ${c}`).join(', ') || '0']);
  counters.push(['uma_zone_slab loop passes', `${u.loopTotal} (longest run ${u.loopMax})`]);
  counters.push(['v_free_count (pages)', `${vm.cnt.v_free_count} (v_free_min ${vm.cnt.v_free_min}, reserved ${vm.cnt.v_free_reserved}, low ${vm.lowWater})`]);
  counters.push(['VM_WAIT sleeps', String(vm.vmWaits)]);
  counters.push(['pages paged out', String(vm.pagedOut)]);
  counters.push(['packets sent/received', `${stats.sent} / ${stats.received}`]);
  counters.push(['load processes finished', `${stats.exited} of ${sys.workers.length}`]);
  return { sys, outcome, stopReason, consoleLine, model, counters, freeMemory: free.record() };
}
