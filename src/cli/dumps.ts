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
  // PR 248008 (2020): the scenario's build on i386 after r358097 hangs with its compilers in
  // pause("btalloc"); the operator breaks into the debugger and the simulator writes the dump (the
  // FreeBSD of 2020 could not take one from ddb). The same build on amd64 and with the final fixes completes.
  {
    file: 'freebsd-248008-btalloc.dump',
    scenario: 'freebsd-248008-btalloc',
    fixes: [],
    sets: [],
    what: 'i386 after r358097, unfixed: keg_drain takes the btag reserve and the compilers hang in pause("btalloc"); the operator breaks in',
  },
  {
    file: 'freebsd-248008-btalloc-amd64.dump',
    scenario: 'freebsd-248008-btalloc',
    fixes: [],
    sets: [['kernel.platform', 'amd64']],
    what: 'the same build on amd64: btag pages from the direct map (uma_small_alloc), no reserve; completes',
  },
  {
    file: 'freebsd-248008-btalloc-r368236.dump',
    scenario: 'freebsd-248008-btalloc',
    fixes: ['r368236'],
    sets: [],
    what: 'the same build on i386 with the final fixes (r366838 + r366840, NOFREE off): completes',
  },
];

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
