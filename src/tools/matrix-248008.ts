/*
 * The outcome matrix of PR 248008's scenario: every configuration the issue
 * asks about, run over a range of seeds: how each run ended (hang, build
 * done, panic), how many runs saw vmem_bt_alloc fail at least once (and how
 * many failures in all), and how many btag slabs keg_drain freed.
 *
 *   node dist/tools/matrix-248008.js [--seeds N] [--first S] [--config NAME]... [--set KEY=VALUE]... [--per-seed]
 *
 * --set changes the scenario for every configuration, as `mddb simulate --set`
 * does (a sensitivity check such as kernel.ncpus=8; the configuration's own
 * settings, e.g. amd64's platform, come after it and win).
 *
 * --per-seed adds a line for every run: the btag keg's fewest free items
 * after a keg_drain and after its uma_reclaim, the samples with the keg below
 * uk_reserve and the fewest btags then cached in buckets, the btags out of
 * UMA (most, fewest after the first minute) and the fewest free after it,
 * vmem_bt_alloc failures, and the reclaims (vm_lowmem's TRIM, the "uma"
 * thread's DRAIN_CPU).
 *
 * Nothing is tuned here: the scenario is run as `mddb simulate` runs it.
 */
import { simulate } from '../sim/scenario/run.js';
import type { Freebsd2020System } from '../sim/freebsd/system2020.js';

interface Config {
  name: string;
  fixes: string[];
  sets: Array<[string, string]>;
}

export const CONFIGS: Config[] = [
  { name: 'i386 unfixed', fixes: [], sets: [] },
  { name: 'amd64', fixes: [], sets: [['kernel.platform', 'amd64']] },
  { name: 'r364744', fixes: ['r364744'], sets: [] },
  { name: 'r366838', fixes: ['r366838'], sets: [] },
  { name: 'r366840', fixes: ['r366840'], sets: [] },
  { name: 'r366838+r366840', fixes: ['r366838', 'r366840'], sets: [] },
];

interface Row {
  hang: number;
  completed: number;
  panic: number;
  failRuns: number;
  fails: number;
  drained: number;
  hangSeeds: number[];
  /** runs whose btag keg went below uk_reserve, the fewest btags then left in CPU buckets and the bucket cache (and its seed), samples with everything dry */
  belowRuns: number;
  fewest: number;
  fewestSeed: number;
  allDry: number;
  /** bucket_alloc NULLs for the btag zone (M_NOVM from the bucket zone), and its zone_free_item calls */
  bucketFails: number;
  freeItems: number;
}

function main(argv: string[]): void {
  let seeds = 20;
  let first = 1;
  const only: string[] = [];
  let perSeed = false;
  const extra: Array<[string, string]> = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const v = argv[i + 1];
    if (a === '--seeds' && v) (seeds = Math.max(1, Math.min(1000, Number.parseInt(v, 10) || 20))), i++;
    else if (a === '--first' && v) (first = Math.max(0, Number.parseInt(v, 10) || 1)), i++;
    else if (a === '--config' && v) only.push(v), i++;
    else if (a === '--set' && v && v.includes('=')) extra.push([v.slice(0, v.indexOf('=')), v.slice(v.indexOf('=') + 1)]), i++;
    else if (a === '--per-seed') perSeed = true;
    else {
      process.stderr.write(`matrix-248008: unknown argument ${a}\n`);
      process.exit(2);
    }
  }
  const configs = only.length ? CONFIGS.filter((c) => only.includes(c.name)) : CONFIGS;
  if (configs.length === 0) {
    process.stderr.write(`matrix-248008: no such configuration; known: ${CONFIGS.map((c) => c.name).join(', ')}\n`);
    process.exit(2);
  }
  process.stdout.write(`freebsd-248008-btalloc, seeds ${first}..${first + seeds - 1}${extra.map(([k2, v2]) => ` --set ${k2}=${v2}`).join('')}\n`);
  process.stdout.write(
    `${'configuration'.padEnd(18)} ${'hang'.padStart(5)} ${'done'.padStart(5)} ${'panic'.padStart(5)}  runs with vmem_bt_alloc failures (failures)  btag slabs drained  keg < reserve: runs, fewest cached btags (seed)  all dry  btag bucket_alloc NULL / zone_free_item  hung seeds\n`,
  );
  for (const c of configs) {
    const row: Row = { hang: 0, completed: 0, panic: 0, failRuns: 0, fails: 0, drained: 0, hangSeeds: [], belowRuns: 0, fewest: -1, fewestSeed: 0, allDry: 0, bucketFails: 0, freeItems: 0 };
    for (let s = first; s < first + seeds; s++) {
      const r = simulate('freebsd-248008-btalloc', { seed: s, fixes: c.fixes, sets: [...extra, ...c.sets] });
      const sys = r.sys as Freebsd2020System;
      row[r.outcome === 'hang' ? 'hang' : r.outcome === 'panic' ? 'panic' : 'completed']++;
      if (r.outcome === 'hang') row.hangSeeds.push(s);
      if (sys.vm.btallocFails > 0) row.failRuns++;
      row.fails += sys.vm.btallocFails;
      row.drained += sys.btZone.keg.drained;
      const w = sys.btWatch;
      if (w.fewestCached >= 0) {
        row.belowRuns++;
        if (row.fewest < 0 || w.fewestCached < row.fewest) (row.fewest = w.fewestCached), (row.fewestSeed = s);
      }
      row.allDry += w.allDry;
      if (perSeed) {
        const keg = sys.btZone.keg;
        const sec = (ns: number): string => `${(ns / 1e9).toFixed(1)} s`;
        process.stdout.write(
          `  seed ${s}: ${r.outcome}; keg fewest after keg_drain ${keg.fewestAfterDrain < 0 ? '-' : `${keg.fewestAfterDrain} (${sec(keg.fewestAfterDrainAt)})`}, after uma_reclaim ${keg.fewestAfterReclaim < 0 ? '-' : keg.fewestAfterReclaim}; ` +
            `below uk_reserve ${w.belowReserve}/${w.samples} samples, fewest cached then ${w.fewestCached < 0 ? '-' : `${w.fewestCached} (${sec(w.fewestAt)})`}; ` +
            `btags out most ${w.outMost}, fewest after 60 s ${w.outFewestLate}, fewest free after 60 s ${w.freeFewestLate}; ` +
            `vmem_bt_alloc failures ${sys.vm.btallocFails}; TRIM ${sys.vm.lowmems}, DRAIN_CPU ${sys.vm.umaDrains}\n`,
        );
      }
      row.bucketFails += sys.btZone.bucketFails;
      row.freeItems += sys.btZone.frees;
    }
    const closest = row.fewest < 0 ? '-' : `${row.belowRuns}, ${row.fewest} (${row.fewestSeed})`;
    process.stdout.write(
      `${c.name.padEnd(18)} ${String(row.hang).padStart(5)} ${String(row.completed).padStart(5)} ${String(row.panic).padStart(5)}  ${`${row.failRuns} (${row.fails})`.padStart(42)}  ${String(row.drained).padStart(18)}  ${closest.padStart(46)}  ${String(row.allDry).padStart(7)}  ${`${row.bucketFails} / ${row.freeItems}`.padStart(38)}  ${row.hangSeeds.join(' ') || '-'}\n`,
    );
  }
}

try {
  main(process.argv.slice(2));
} catch (e) {
  // a bad --set is the scenario loader's one-line error
  process.stderr.write(`matrix-248008: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(2);
}
