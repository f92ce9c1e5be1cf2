/*
 * The 2020 sample dumps account for every UMA item and every boundary tag:
 * what a FreeBSD engineer checks first when show uma and show vmem disagree.
 * For each zone, Used + Free (show uma, which reads the CPU buckets' ucb_cnt,
 * the bucket cache and the keg, as get_uma_stats() does) is what its keg's
 * slabs hold (::uma_keg PAGES x IPERS); the "vmem btag" zone's Used is the
 * tags on the arenas' segment lists and in their stocks. And ps names a
 * thread by its td_name, as dumpthread() does.
 */
import { describe, expect, it } from 'vitest';
import { openScriptSession } from '../../src/cli/script-session.js';
import { readDump } from '../../src/dump/read.js';

const DUMPS = ['dumps/freebsd-248008-btalloc.dump', 'dumps/freebsd-248008-btalloc-amd64.dump', 'dumps/freebsd-248008-btalloc-r368236.dump'];

async function run(dump: string, line: string, syntax: 'mdb' | 'ddb' = 'mdb'): Promise<string> {
  const s = openScriptSession(readDump(dump), dump, undefined, syntax);
  const r = await s.execute(line);
  expect(r.errors).toEqual([]);
  return r.output;
}

describe.each(DUMPS)('%s', (dump) => {
  it("every zone's Used + Free is what its keg's slabs hold", async () => {
    const uma = await run(dump, 'show uma', 'ddb');
    const zones = new Map<string, { used: number; free: number }>();
    for (const l of uma.split('\n').slice(1)) {
      const m = /^\s*(.+?)\s+(\d+)\s+(\d+)\s+(\d+)\s+\d+\s+\d+\s+\d+\s+\d+\s+\d+$/.exec(l);
      if (m) zones.set(m[1]!, { used: Number(m[3]), free: Number(m[4]) });
    }
    const kegs = (await run(dump, '::uma_keg')).split('\n').slice(1).filter(Boolean);
    expect(kegs.length).toBeGreaterThan(10);
    for (const l of kegs) {
      // ADDR NAME... SIZE RSIZE IPERS PPERA PAGES FREE RESERVE FLAGS ALLOCF
      const m = /^\S+ (.+?)\s+\d+\s+\d+\s+(\d+)\s+(\d+)\s+(\d+)\s+\d+\s+\d+\s/.exec(l);
      expect(m, l).not.toBeNull();
      const [name, ipers, ppera, pages] = [m![1]!, Number(m![2]), Number(m![3]), Number(m![4])];
      const z = zones.get(name);
      expect(z, name).toBeDefined();
      expect(z!.used + z!.free, name).toBe((pages / ppera) * ipers);
    }
  });

  it('the btag zone has handed out exactly the tags the arenas hold', async () => {
    const uma = await run(dump, 'show uma', 'ddb');
    const used = Number(/^\s*vmem btag\s+\d+\s+(\d+)/m.exec(uma)![1]);
    let tags = 0;
    for (const a of (await run(dump, '::walk vmem')).split('\n').filter(Boolean)) {
      tags += (await run(dump, `${a}::walk vmem_btag`)).split('\n').filter(Boolean).length;
      tags += (await run(dump, `${a}::walk vmem_freetags`)).split('\n').filter(Boolean).length;
    }
    expect(used).toBe(tags);
  });

  it('ps names threads by td_name: the pagedaemon\'s "dom0" and "uma", one idle process', async () => {
    const ps = await run(dump, 'ps', 'ddb');
    // the "uma" thread asleep between reclaims ("umarcl") or in its pause after one ("umarclslp")
    expect(ps).toMatch(/\(threaded\)\s+\[pagedaemon\]\n.*\[dom0\]\n.*umarcl.*\[uma\]\n/);
    // an idle thread is on its CPU, or switched out (TDS_CAN_RUN) while another thread runs there
    expect(ps).toMatch(/\(threaded\)\s+\[idle\]\n\s*\d+\s+(Run\s+CPU 0|CanRun)\s+\[idle: cpu0\]/);
    expect(ps).toMatch(/\[swi4: clock \(0\)\]/);
  });

  it("sleeps on the kernel's wait channels: a process in wait4 on itself, a daemon on its global, never its own thread", async () => {
    const ps = await run(dump, 'ps', 'ddb');
    // make sleeps interruptibly (PCATCH: TDF_SINTR, ps's S) at the priority _sleep gave it (PWAIT, 108)
    const make = /^\s*(\d+)\s+\d+\s+\d+\s+\d+\s+S\s+wait\s+(0x[0-9a-f]+)\s+make$/m.exec(ps)!;
    expect(make).not.toBeNull();
    const proc = await run(dump, `show proc ${make[1]}`, 'ddb');
    expect(proc).toMatch(new RegExp(`^Process ${make[1]} \\(make\\) at ${make[2]}:`));
    const tid = /^(\d+)\s/m.exec(proc.split('\n').slice(1).find((l) => /^\d{6}/.test(l))!)![1];
    expect(await run(dump, `show thread ${tid}`, 'ddb')).toMatch(/ flags: 0x8 .*\n[\s\S]* priority: 108\n/);
    const chans = [...ps.matchAll(/\s(0x[0-9a-f]+)\s+\S+$/gm)].map((m) => m[1]!);
    expect(chans.length).toBeGreaterThanOrEqual(7);
    for (const c of chans) expect(await run(dump, `${c}::whatis`), c).not.toMatch(/a struct thread/);
    expect(await run(dump, `${/psleep\s+(0x[0-9a-f]+)\s+\[vmdaemon\]/.exec(ps)![1]}::whatis`)).toMatch(/vm_daemon_needed/);
  });
});

describe('what a 2020 dump says of its threads, CPUs and kernel', () => {
  it('has thread0 named swapper in the kernel process (proc0_init)', async () => {
    // thread0's tid comes after the idle threads of the scenario's two CPUs (100000, 100001)
    const t = await run('dumps/freebsd-248008-btalloc.dump', 'show thread 100002', 'ddb');
    expect(t).toMatch(/^ proc \(pid 0\): /m);
    expect(t).toMatch(/^ name: swapper$/m);
  });

  it('shows a switched-out idle thread as TDS_CAN_RUN, and every running thread on the CPU whose curthread it is', async () => {
    for (const dump of DUMPS) {
      const pcpu = await run(dump, 'show allpcpu', 'ddb');
      expect(pcpu.split('\n')[0]).toMatch(/^Current CPU: \d+$/);
      const cur = new Set([...pcpu.matchAll(/^curthread\s+= 0x[0-9a-f]+: pid \d+ tid (\d+)/gm)].map((m) => m[1]!));
      const ps = await run(dump, 'ps', 'ddb');
      const idle = [...ps.matchAll(/^\s*(\d{6})\s+(Run\s+CPU \d+|CanRun)\s+\[idle: cpu\d+\]$/gm)];
      // the scenario's two CPUs
      expect(idle, dump).toHaveLength(2);
      for (const m of idle) expect(m[2]!.startsWith('Run'), `${dump} ${m[0]}`).toBe(cur.has(m[1]!));
      for (const m of ps.matchAll(/^\s*(\d{6})\s+Run\s+CPU (\d+)/gm)) expect(cur.has(m[1]!), `${dump} ${m[0]}`).toBe(true);
    }
  });

  it("marks a kernel built with a fix as a modified tree, as newvers.sh does (r358200M)", async () => {
    expect(await run('dumps/freebsd-248008-btalloc.dump', '::status')).toMatch(/ r358200: /);
    expect(await run('dumps/freebsd-248008-btalloc-r368236.dump', '::status')).toMatch(/ r358200M: /);
  });
});
