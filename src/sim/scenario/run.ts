/*
 * Running a scenario: load and check it, boot the machine, dispatch until a
 * panic, a hang or the budget ends, and copy the machine into a dump model.
 */
import { stringify } from 'yaml';
import type { DumpModel } from '../../dump/format.js';
import { bootIllumos, type IllumosSystem } from '../illumos/system.js';
import { collectIllumos } from '../illumos/dump/collect.js';
import { TS_SLEEP } from '../machine/thread.js';
import { runFreebsd } from '../freebsd/run.js';
import { runFreebsd2020 } from '../freebsd/run2020.js';
import type { Freebsd2020System } from '../freebsd/system2020.js';
import { zoneFreeItems } from '../freebsd/uma2020/uma.js';
import type { FreebsdSystem } from '../freebsd/system.js';
import { freeMemoryTable, FreeMemoryRecorder, type FreeMemoryRecord } from '../machine/free-samples.js';
import { applySets, checkFixes, parseScenario, resolveScenario } from './load.js';
import { sectionsOf, type AnyScenario, type Freebsd2020Scenario, type FreebsdScenario } from './schema.js';

export const MDDB_VERSION = '0.1.0';

export interface RunOptions {
  seed?: number;
  sets: Array<[string, string]>;
  fixes: string[];
  /** called now and then with the fraction of the budget used */
  onProgress?: (fraction: number) => void;
  /**
   * Keep the simulated machine in the report (tests inspect it). Without it
   * the machine is let go once the dump model is made, so writing a big dump
   * does not share the heap with a million simulated objects.
   */
  keepSystem?: boolean;
  /** called once the run has stopped, just before savecore collects the machine (the bench times the two apart) */
  onCollect?: () => void;
}

export interface RunReport {
  scenario: string;
  seed: number;
  fixes: string[];
  outcome: 'panic' | 'hang' | 'completed';
  /** why a completed run stopped */
  stopReason: string;
  /** the console line of the panic, or of the hang detection */
  consoleLine: string | null;
  simTimeNs: number;
  ops: number;
  syscalls: number;
  counters: Array<[string, string]>;
  model: DumpModel;
  /** the machine, when RunOptions.keepSystem was set: an IllumosSystem or a FreebsdSystem, by `os` */
  sys: IllumosSystem | FreebsdSystem | Freebsd2020System;
  /** which kernel ran */
  os: 'illumos' | 'freebsd';
  /** allocator items in use at the end (illumos: kmem_alloc_<n> buffers; FreeBSD: UMA items) */
  heapBuffers: number;
  /** free pages over simulated time against the kernel's thresholds (machine/free-samples.ts) */
  freeMemory: FreeMemoryRecord;
}

/** Is a worker asleep on a wait channel for longer than hang_s? */
function hungWorker(sys: IllumosSystem, hangNs: number): boolean {
  const now = sys.k.now;
  for (const t of sys.workers) {
    if (t.state === TS_SLEEP && t.wchan !== 0 && t.wakeAt < 0 && now - t.dispTime > hangNs) return true;
  }
  return false;
}

/** The scenario without its optional sections (schema.ts) that hold only defaults, for the recipe's text. */
function withoutDefaultOptional(sc: AnyScenario): Record<string, unknown> {
  const out: Record<string, unknown> = { ...sc };
  for (const [name, sec] of Object.entries(sectionsOf(sc.os, (sc as { era?: number }).era))) {
    const v = out[name] as Record<string, unknown> | undefined;
    if (sec.optional && v && Object.entries(sec.fields).every(([k, f]) => v[k] === f.default)) delete out[name];
  }
  return out;
}

export function loadScenario(arg: string, sets: Array<[string, string]>): { sc: AnyScenario; text: string } {
  const { text, shown } = resolveScenario(arg);
  const parsed = parseScenario(text, shown);
  const sc = applySets(parsed, sets);
  return { sc, text: sets.length ? `# from ${parsed.name} with --set ${sets.map(([a, b]) => `${a}=${b}`).join(' ')}\n${stringify(withoutDefaultOptional(sc))}` : text };
}

export function simulate(arg: string, opts: RunOptions): RunReport {
  const { sc, text } = loadScenario(arg, opts.sets);
  const fixes = checkFixes(sc, opts.fixes);
  const seed = opts.seed ?? sc.seed;
  const recipe = { scenario: sc.name, scenarioText: text, seed, set: opts.sets, fixes, mddbVersion: MDDB_VERSION };
  if (sc.os === 'freebsd' && (sc as { era?: number }).era === 2020) {
    const r = runFreebsd2020(sc as Freebsd2020Scenario, seed, fixes, recipe, opts.onProgress, opts.onCollect);
    let items = 0;
    for (const z of r.sys.u.zones) items += z.keg.ud_pages / z.keg.ppera * z.keg.ipers - zoneFreeItems(z);
    return {
      scenario: sc.name, seed, fixes, outcome: r.outcome, stopReason: r.stopReason, consoleLine: r.consoleLine, simTimeNs: r.sys.k.now,
      ops: r.sys.k.ops, syscalls: r.sys.load.stats.syscalls, counters: r.counters, model: r.model,
      sys: opts.keepSystem === false ? (null as unknown as Freebsd2020System) : r.sys, os: 'freebsd', heapBuffers: items, freeMemory: r.freeMemory,
    };
  }
  if (sc.os === 'freebsd') {
    const r = runFreebsd(sc as FreebsdScenario, seed, fixes, recipe, opts.onProgress, opts.onCollect);
    const u = r.sys.u;
    let items = 0;
    for (const keg of u.kegs) items += keg.uk_pages / keg.uk_ppera * keg.uk_ipers - keg.uk_free;
    return {
      scenario: sc.name,
      seed,
      fixes,
      outcome: r.outcome,
      stopReason: r.stopReason,
      consoleLine: r.consoleLine,
      simTimeNs: r.sys.k.now,
      ops: r.sys.k.ops,
      syscalls: r.sys.stats.syscalls,
      counters: r.counters,
      model: r.model,
      sys: opts.keepSystem === false ? (null as unknown as FreebsdSystem) : r.sys,
      os: 'freebsd',
      heapBuffers: items,
      freeMemory: r.freeMemory,
    };
  }
  const sys = bootIllumos(sc, seed, fixes);
  const k = sys.k;
  const maxNs = sc.stop.max_time_s * 1e9;
  const hangNs = sc.stop.hang_s * 1e9;
  let polls = 0;
  let hang = false;
  let stopReason = '';
  // freemem against the pageout thresholds (vm_pageout.c setupclock: lotsfree, throttlefree, pageout_reserve)
  const ps = sys.ps;
  const free = new FreeMemoryRecorder(() => ps.freemem, [['lotsfree', ps.lotsfree], ['throttlefree', ps.throttlefree], ['pageout_reserve', ps.pageout_reserve]]);
  const why = k.run(() => {
    if ((++polls & 63) !== 0) return false;
    free.poll(k.now);
    if (opts.onProgress && (polls & 4095) === 0) opts.onProgress(Math.max(k.now / maxNs, k.ops / sc.stop.max_ops));
    if (k.now >= maxNs) {
      stopReason = `simulated time budget of ${sc.stop.max_time_s} s reached`;
      return true;
    }
    if (k.ops >= sc.stop.max_ops) {
      stopReason = `budget of ${sc.stop.max_ops} kernel function calls reached`;
      return true;
    }
    if (hungWorker(sys, hangNs)) {
      hang = true;
      return true;
    }
    return false;
  });
  let outcome: RunReport['outcome'] = why === 'panic' ? 'panic' : why === 'hang' || hang ? 'hang' : 'completed';
  if (why === 'idle') stopReason = 'every thread finished';
  let consoleLine: string | null = null;
  if (outcome === 'panic') consoleLine = k.msgbuf.find((l) => l.text.startsWith('panic['))?.text ?? null;
  if (outcome === 'hang') {
    consoleLine = `no progress for ${sc.stop.hang_s} s: threads asleep on their wait channels`;
    k.console(`mddb: ${consoleLine}`);
  }
  opts.onCollect?.();
  const model = collectIllumos(sys, recipe, outcome);
  model.tables.push(freeMemoryTable(free.record()));
  const cache = (name: string) => sys.km.caches.find((c) => c.cache_name === name);
  const counters: Array<[string, string]> = [];
  // the block I/O path's counters, for a load that did block I/O (the msgsys scenarios do none)
  const rn = cache('rootnex_dmahdl');
  const blockIo = sys.bds.some((b) => b.done + b.enomem + b.cache.cache_alloc_fail > 0) || (rn?.cache_alloc_fail ?? 0) > 0 || sys.rn.noResources > 0;
  if (blockIo) {
    for (const b of sys.bds) counters.push([`${b.cache.cache_name} alloc fail`, String(b.cache.cache_alloc_fail)]);
    if (rn) counters.push(['rootnex_dmahdl alloc fail', String(rn.cache_alloc_fail)]);
    counters.push(['DMA handle NORESOURCES', String(sys.rn.noResources)]);
    counters.push(['I/O errors (ENOMEM)', String(sys.bds.reduce((a, b) => a + b.enomem, 0))]);
    counters.push(['I/Os completed', String(sys.bds.reduce((a, b) => a + b.done, 0))]);
  }
  counters.push(['freemem (pages)', `${sys.ps.freemem} (lotsfree ${sys.ps.lotsfree}, throttlefree ${sys.ps.throttlefree})`]);
  counters.push(['pages stolen by pageout', String(sys.vm.pagedOut)]);
  counters.push(['kmem reaps', String(sys.km.caches[0]?.cache_reap ?? 0)]);
  if (outcome === 'completed' && !stopReason) stopReason = 'run ended';
  const heapBuffers = sys.km.caches.filter((c) => c.cache_name.startsWith('kmem_alloc_')).reduce((a, c) => a + c.allocated.size, 0);
  return {
    scenario: sc.name,
    seed,
    fixes,
    outcome,
    stopReason,
    consoleLine,
    simTimeNs: k.now,
    ops: k.ops,
    syscalls: sys.stats.syscalls,
    counters,
    model,
    sys: opts.keepSystem === false ? (null as unknown as IllumosSystem) : sys,
    os: 'illumos',
    heapBuffers,
    freeMemory: free.record(),
  };
}
