/*
 * `npm run dumps`: regenerate the sample dumps in dumps/ from the built-in
 * scenarios. The dumps are committed; a test regenerates them and checks they
 * are byte-identical, which is the simulator's determinism guarantee.
 */
import path from 'node:path';
import fs from 'node:fs';
import { writeDump } from '../dump/write.js';
import { simulate } from '../sim/scenario/run.js';

export interface SampleDump {
  file: string;
  scenario: string;
  fixes: string[];
  sets: Array<[string, string]>;
  what: string;
}

/** The sample dumps: the panicking run, the same load with the fix, and a non-DEBUG kernel. */
export const SAMPLE_DUMPS: readonly SampleDump[] = [
  { file: 'illumos-2911.dump', scenario: 'illumos-2911', fixes: [], sets: [], what: 'DEBUG kernel, unfixed blkdev: panics' },
  { file: 'illumos-2911-fixed.dump', scenario: 'illumos-2911', fixes: ['679ac15'], sets: [], what: 'the same load with 679ac15' },
  {
    file: 'illumos-2911-nodebug.dump',
    scenario: 'illumos-2911',
    fixes: [],
    sets: [['kernel.debug', 'false']],
    what: "non-DEBUG kernel: no ASSERT; a failed constructor would be an ENOMEM I/O error",
  },
  { file: 'illumos-leak.dump', scenario: 'illumos-leak', fixes: [], sets: [], what: "DEBUG kernel, msgsys's EFAULT path keeps its hold: messages leak; the operator forces a dump (reboot -d)" },
  { file: 'illumos-leak-fixed.dump', scenario: 'illumos-leak', fixes: ['msg-copyout-efault'], sets: [], what: 'the same load with the hold dropped: no leaks' },
  { file: 'illumos-corruption.dump', scenario: 'illumos-corruption', fixes: [], sets: [], what: 'DEBUG kernel with both msgsys bugs: kmem_error reports the first corruption the debug checks find, and panics' },
  {
    file: 'illumos-corruption-fixed.dump',
    scenario: 'illumos-corruption',
    fixes: ['msg-copyout-order', 'msgsnap-count'],
    sets: [],
    what: 'the same load with both msgsys fixes: the run completes (a live dump, as for illumos-2911-fixed)',
  },
  {
    file: 'freebsd-2004-uma-looping.dump',
    scenario: 'freebsd-2004-uma-looping',
    fixes: [],
    sets: [],
    what: "Peter Holm's instrumented kernel: uma_zone_slab loops on slabrefzone's recursion guard and panics",
  },
  {
    file: 'freebsd-2004-uma-looping-fixed.dump',
    scenario: 'freebsd-2004-uma-looping',
    fixes: ['slabzone-exempt'],
    sets: [],
    what: 'the same load with the 2005 guard: header allocations sleep in vmwait and the stress completes',
  },
  {
    file: 'freebsd-2004-uma-looping-hang.dump',
    scenario: 'freebsd-2004-uma-looping',
    fixes: [],
    sets: [['kernel.uma_loop_panic', '0']],
    what: 'a stock kernel: the loop spins holding Giant until the watchdog breaks into the debugger',
  },
];

// PR 248008's scenario (freebsd-248008-btalloc) runs, but its load does not hang by itself yet, so
// it has no sample dumps: a dump named for the hang would hold a completed run.

export function regenerateDumps(dir: string, out: NodeJS.WritableStream): number {
  fs.mkdirSync(dir, { recursive: true });
  for (const d of SAMPLE_DUMPS) {
    const r = simulate(d.scenario, { sets: d.sets, fixes: d.fixes, keepSystem: false });
    const file = path.join(dir, d.file);
    writeDump(file, r.model, { force: true });
    out.write(`${file}: ${r.outcome} (${d.what})\n`);
  }
  return 0;
}
