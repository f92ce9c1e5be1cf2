/*
 * Running the 2020 FreeBSD scenario: boot, dispatch until the build ends or
 * the load makes no progress for stop.hang_s (the operator breaks into the
 * debugger: "KDB: enter: Break to debugger"), then savecore.
 */
import type { DebuggerEntry, DumpModel, Recipe } from '../../dump/format.js';
import type { Freebsd2020Scenario } from '../scenario/schema.js';
import { collectFreebsd2020 } from './dump/collect2020.js';
import { curthreads, TID_BASE } from './dump/collect.js';
import { bootFreebsd2020, btWatchSample, type Freebsd2020System } from './system2020.js';
import { zoneFreeItems } from './uma2020/uma.js';
import { consoleBreak2020 } from './kern/kdb.js';
import { runWithBudgets } from '../machine/budget.js';
import { freeMemoryTable, FreeMemoryRecorder, type FreeMemoryRecord } from '../machine/free-samples.js';

export interface Freebsd2020Run {
  sys: Freebsd2020System;
  outcome: 'panic' | 'hang' | 'completed';
  stopReason: string;
  consoleLine: string | null;
  model: DumpModel;
  counters: Array<[string, string]>;
  /** free pages over simulated time (the run loop's samples) */
  freeMemory: FreeMemoryRecord;
}

export function runFreebsd2020(sc: Freebsd2020Scenario, seed: number, fixes: string[], recipe: Recipe, onProgress?: (f: number) => void, onCollect?: () => void): Freebsd2020Run {
  const sys = bootFreebsd2020(sc, seed, fixes);
  const { k } = sys;
  const stats = sys.load.stats;
  // the free-page count against the pagedaemon's thresholds (vm_pageout.c: v_free_target, v_free_min)
  const free = new FreeMemoryRecorder(() => sys.vm.cnt.v_free_count, [['v_free_target', sys.vm.cnt.v_free_target], ['v_free_min', sys.vm.cnt.v_free_min]]);
  const { outcome, stopReason } = runWithBudgets(k, {
    sample: (now) => {
      free.poll(now);
      btWatchSample(sys, now);
    },
    maxTimeS: sc.stop.max_time_s,
    maxOps: sc.stop.max_ops,
    hangS: sc.stop.hang_s,
    done: () => sys.workers.every((t) => t.gen === null),
    doneReason: 'the build finished',
    lastProgress: () => stats.lastProgress,
    ...(onProgress ? { onProgress } : {}),
  });
  let consoleLine: string | null = null;
  let entry: DebuggerEntry | null = null;
  if (outcome === 'hang') {
    const cur = curthreads(k);
    let cpu = 0;
    for (let i = 1; i < cur.length; i++) if (cur[i]!.dispTime > cur[cpu]!.dispTime) cpu = i;
    const t = cur[cpu]!;
    entry = { reason: 'break', thread: k.hex(t.addr), cpu };
    consoleBreak2020(k, t, TID_BASE + k.threads.indexOf(t));
    consoleLine = 'KDB: enter: Break to debugger';
  }
  if (outcome === 'panic') consoleLine = k.msgbuf.find((l) => l.text.startsWith('panic: '))?.text ?? null;
  onCollect?.();
  const model = collectFreebsd2020(sys, recipe, outcome, entry);
  model.tables.push(freeMemoryTable(free.record()));
  const { u, vm, btZone, km } = sys;
  const keg = btZone.keg;
  const counters: Array<[string, string]> = [];
  counters.push(['vmem btag keg free items / uk_reserve', `${keg.ud_free_items} / ${keg.reserve}`]);
  counters.push(['vmem btag free items (keg + buckets)', String(zoneFreeItems(btZone))]);
  counters.push(['vmem btag pages / slabs drained / keg_drain calls', `${keg.ud_pages} / ${keg.drained} / ${keg.drains}`]);
  counters.push(['keg_drain calls that left it below uk_reserve', String(keg.drainsBelowReserve)]);
  counters.push([
    'fewest btag keg free items after a keg_drain / after its uma_reclaim',
    `${keg.fewestAfterDrain < 0 ? '-' : `${keg.fewestAfterDrain} (at ${(keg.fewestAfterDrainAt / 1e9).toFixed(1)} s)`} / ${keg.fewestAfterReclaim < 0 ? '-' : keg.fewestAfterReclaim}`,
  ]);
  counters.push(['vmem btag uk_flags NOFREE', keg.flags & 0x20 ? 'yes' : 'no']);
  counters.push(['M_USE_RESERVE tag allocations', String(btZone.reserveAllocs)]);
  counters.push(['vmem btag bucket_alloc NULL / zone_alloc_item / zone_free_item', `${btZone.bucketFails} / ${btZone.allocs} / ${btZone.frees}`]);
  for (const a of sys.vs.arenas) counters.push([`${a.name}: vm_nfreetags / most tags one xalloc took`, `${a.vm_nfreetags} / ${a.maxTagsOneAlloc}`]);
  counters.push(['kernel arena size / inuse (KB)', `${km.kernel_arena.vm_size >> 10} / ${km.kernel_arena.vm_inuse >> 10}`]);
  const w = sys.btWatch;
  counters.push(['samples with the btag keg below uk_reserve', `${w.belowReserve} of ${w.samples}`]);
  counters.push([
    'then fewest btags in CPU buckets + bucket cache',
    w.fewestCached < 0 ? '-' : `${w.fewestCached} at ${(w.fewestAt / 1e9).toFixed(1)} s (keg ${w.fewestKeg}, domain arena stock ${w.fewestStock})`,
  ]);
  counters.push(['samples with keg, buckets and stock all dry', String(w.allDry)]);
  counters.push([
    'btags out of UMA: most / fewest after 60 s; fewest free btags after 60 s',
    `${w.outMost} / ${w.outFewestLate < 0 ? '-' : w.outFewestLate}; ${w.freeFewestLate < 0 ? '-' : w.freeFewestLate}`,
  ]);
  counters.push(['vmem_bt_alloc failures / pause("btalloc") calls', `${vm.btallocFails} / ${vm.btallocPauses}`]);
  counters.push(['threads asleep on "btalloc"', String(k.threads.filter((t) => t.wmesg === 'btalloc' && t.state === 1).length)]);
  counters.push(['v_free_count (severe, min, target)', `${vm.cnt.v_free_count} (${vm.cnt.v_free_severe}, ${vm.cnt.v_free_min}, ${vm.cnt.v_free_target})`]);
  counters.push(['vm_lowmem runs (uma_reclaim TRIM) / "uma" thread runs (DRAIN_CPU)', `${vm.lowmems} / ${vm.umaDrains}`]);
  counters.push(['pages paged out', String(vm.pagedOut)]);
  counters.push(['system calls / compiles finished / make jobs done', `${stats.syscalls} / ${stats.compiles} / ${stats.exited}`]);
  void u;
  return { sys, outcome, stopReason, consoleLine, model, counters, freeMemory: free.record() };
}
