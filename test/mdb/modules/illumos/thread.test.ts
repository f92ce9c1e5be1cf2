import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { builtinModules } from '../../../../src/mdb/modules/index.js';
import { groupStacks } from '../../../../src/mdb/modules/illumos/thread/stack-groups.js';
import { threadModule } from '../../../../src/mdb/modules/illumos/thread/index.js';
import { createSession, type MdbSession } from '../../../../src/mdb/session.js';
import { simulate } from '../../../../src/sim/scenario/run.js';
import { CV, FN, LOCK, P0, P1, T, json, out, threadDump, threadSession } from './thread-fixture.js';

const h = (v: bigint) => v.toString(16);
const PAD = ' '.repeat(17);

describe('registration', () => {
  it('the thread module is loaded with its dcmds and walkers, each documented', () => {
    expect(builtinModules).toContain(threadModule);
    const names = threadModule.dcmds.map((d) => d.name).sort();
    expect(names).toEqual(['findstack', 'stacks', 'thread', 'threadlist']);
    for (const d of threadModule.dcmds) {
      expect(d.summary).toMatch(/^[a-z]/);
      expect(d.help).toContain('EXAMPLES');
    }
    expect(threadModule.walkers.map((w) => w.name)).toEqual(['thread', 'wchan']);
    for (const w of threadModule.walkers) expect(w.description.length).toBeGreaterThan(10);
  });
});

describe('walkers', () => {
  const s = threadSession();
  it('thread walks every kthread_t in table order, typed kthread_t', async () => {
    const r = await json(s, '::walk thread');
    expect(r.addresses).toEqual([T.idle, T.tq1, T.tq2, T.tq3, T.mx1, T.mx2, T.panic, T.free, T.runq].map((a) => `0x${h(a)}`));
    expect(r.addressType).toBe('kthread_t');
  });
  it('thread from a proc_t walks that process only', async () => {
    expect(await out(s, `${h(P1)}::walk thread`)).toBe([T.mx1, T.mx2, T.panic, T.runq].map((a) => `0x${h(a)}\n`).join(''));
    expect((await s.execute(`${h(CV)}::walk thread`)).errors).toEqual([`mdb: failed to read proc at ${h(CV)}`]);
  });
  it('wchan walks the sleepers of one wait channel, or every channel', async () => {
    expect(await out(s, `${h(CV)}::walk wchan`)).toBe([T.tq1, T.tq2, T.tq3].map((a) => `0x${h(a)}\n`).join(''));
    expect(await out(s, '::walk wchan')).toBe(`0x${h(CV)}\n0x${h(LOCK)}\n`);
  });
  it('a piped walk feeds typed threads to ::print', async () => {
    expect(await out(s, `${h(CV)}::walk wchan | ::print kthread_t t_pri`)).toBe('t_pri = 0x63\n'.repeat(3));
  });
});

describe('$c, $C (::stack, ::stackregs)', () => {
  const s = threadSession();
  it('$c traces the panic thread: func+0xoff(args in hex)', async () => {
    expect(await out(s, '$c')).toBe(
      [
        'vpanic()',
        'assfail+0x7e(fffffffff7a1c7a8, fffffffff7a1c790, 58)',
        'kmem_cache_alloc+0x9c(ffffff01d6e2a008, 0)',
        'bd_xfer_alloc+0x2c(ffffff01c0041008, 4)',
        'foo_ioctl+0x10(3, 1234)',
      ].join('\n') + '\n',
    );
    const r = await json(s, '::stack');
    expect(r.data.thread).toBe(`0x${h(T.panic)}`);
    expect(r.data.frames.map((f: { symbol: string }) => f.symbol)).toEqual(['vpanic', 'assfail+0x7e', 'kmem_cache_alloc+0x9c', 'bd_xfer_alloc+0x2c', 'foo_ioctl+0x10']);
  });
  it('$C leads each frame with its zero-padded frame pointer', async () => {
    const lines = (await out(s, '$C')).split('\n');
    expect(lines[0]).toBe('ffffff000f85fec0 vpanic()');
    expect(lines[2]).toBe('ffffff000f85ff40 kmem_cache_alloc+0x9c(ffffff01d6e2a008, 0)');
  });
  it('a count limits the arguments; an address picks a thread or a frame', async () => {
    expect((await out(s, '$c 1')).split('\n')[1]).toBe('assfail+0x7e(fffffffff7a1c7a8)');
    expect(await out(s, `${h(T.tq1)}$c 0`)).toBe('swtch+0x141()\ncv_wait+0x70()\ntaskq_thread+0x37c()\nthread_start+8()\n');
    expect(await out(s, 'ffffff000f85ff40$c')).toBe('kmem_cache_alloc+0x9c(ffffff01d6e2a008, 0)\nbd_xfer_alloc+0x2c(ffffff01c0041008, 4)\nfoo_ioctl+0x10(3, 1234)\n');
    expect((await s.execute('1234$c')).errors).toEqual(['mdb: no thread or stack frame at 1234']);
  });
  it('on a live dump there is no panic thread to trace', async () => {
    const live = threadSession({ panic: false });
    expect((await live.execute('$c')).errors[0]).toMatch(/^mdb: no panic thread to trace: this is a live dump/);
    expect(await out(live, `${h(T.mx1)}$c 0`)).toContain('mutex_vector_enter+0x3a3()');
  });
});

describe('::findstack', () => {
  const s = threadSession();
  it('prints the stack pointer, the frame it stopped in, then the frames above', async () => {
    expect(await out(s, `${h(T.tq1)}::findstack`)).toBe(
      [
        'stack pointer for thread ffffff000f41bc40 (taskq_thread()): ffffff000f80ff00',
        '[ ffffff000f80ff00 swtch+0x141() ]',
        '  ffffff000f80ff40 cv_wait+0x70()',
        '  ffffff000f80ff80 taskq_thread+0x37c()',
        '  ffffff000f80ffc0 thread_start+8()',
      ].join('\n') + '\n',
    );
  });
  it('-v adds arguments; process threads are named cmd/lwpid; free threads are marked', async () => {
    const v = await out(s, `${h(T.mx2)}::findstack -v`);
    expect(v.split('\n')[0]).toBe('stack pointer for thread ffffff01e1235000 (fooadm/2): ffffff000f84fec0');
    expect(v).toContain('  ffffff000f84ff00 turnstile_block+0x21a(0, 0, ffffff01d0000200)\n');
    expect(await out(s, `${h(T.free)}::findstack`)).toBe('stack pointer for thread ffffff000f900c40 (TS_FREE) (thread_start()): 0\n');
  });
  it('works down a pipe and refuses what is not a thread', async () => {
    const t = await out(s, `${h(CV)}::walk wchan | ::findstack`);
    expect(t.match(/^stack pointer/gm)).toHaveLength(3);
    expect((await s.execute('1::findstack')).errors).toEqual(["mdb: couldn't read thread at 1"]);
    expect((await s.execute('::findstack')).usage).toBe(true);
  });
});

describe('::threadlist', () => {
  const s = threadSession();
  it('lists non-free threads with proc, lwp and cmd/lwpid or start function', async () => {
    const t = await out(s, '::threadlist');
    const lines = t.split('\n');
    expect(lines[0]).toBe('            ADDR             PROC              LWP CMD/LWPID');
    expect(lines[1]).toBe('fffffffffbc2fa80 fffffffffbc2efe0                0 idle()');
    expect(t).toContain('ffffff01e1234000 ffffff01e0c3d0a8                0 fooadm/1\n');
    expect(t).not.toContain(h(T.free));
    const r = await json(s, '::threadlist');
    expect(r.rows.map((x: { cmd: string }) => x.cmd)).toEqual(['idle()', 'taskq_thread()', 'taskq_thread()', 'taskq_thread()', 'fooadm/1', 'fooadm/2', 'fooadm/3', 'fooadm/4']);
  });
  it('-t skips taskq threads', async () => {
    const r = await json(s, '::threadlist -t');
    expect(r.rows.map((x: { addr: string }) => x.addr)).toEqual([T.idle, T.mx1, T.mx2, T.panic, T.runq].map((a) => `0x${h(a)}`));
  });
  it('-v prints class, priority, wchan, pc and command, then the stack', async () => {
    const t = await out(s, `${h(T.mx1)}::threadlist -v 1`);
    expect(t).toBe(
      [
        '            ADDR             PROC              LWP CLS PRI            WCHAN',
        'ffffff01e1234000 ffffff01e0c3d0a8                0   0  60 ffffff01d0000200',
        '  PC: swtch+0x141    CMD: fooadm -v /dev/foo0',
        '  stack pointer for thread ffffff01e1234000 (fooadm/1): ffffff000f83fec0',
        '  [ ffffff000f83fec0 swtch+0x141() ]',
        '    turnstile_block+0x21a(0)',
        '    mutex_vector_enter+0x3a3(ffffff01d0000200)',
        '    foo_lookup+0x41(2a)',
        '    foo_ioctl+0x10(3)',
        '',
        '',
      ].join('\n'),
    );
    expect(await out(s, `${h(T.tq1)}::threadlist -v`)).toContain('  PC: swtch+0x141    THREAD: taskq_thread()\n');
    expect((await s.execute('::threadlist 3')).usage).toBe(true);
  });
});

describe('::thread', () => {
  const s = threadSession();
  it('prints the basic set by default, free threads skipped with -f', async () => {
    const t = await out(s, '::thread');
    expect(t.split('\n')[0]).toBe('            ADDR    STATE  FLG PFLG SFLG   PRI  EPRI PIL             INTR');
    expect(t).toContain('ffffff000f41bc40 sleep       0    0    0    99     0   0              n/a\n');
    expect(t).toContain('ffffff000f8bcc40 onproc      0    0    0    60     0   0              n/a\n');
    expect(t).toContain('ffffff000f900c40 free');
    expect(await out(s, '::thread -f')).not.toContain('ffffff000f900c40');
  });
  it('-b shows the wait channel and the sync object ops; -d the dispatch time and t-ticks', async () => {
    expect(await out(s, `${h(T.tq1)}::thread -b`)).toBe(
      '            ADDR            WCHAN               TS             PITS    SOBJ OPS\nffffff000f41bc40 ffffff01d0000100                0                0 cv_sobj_ops\n',
    );
    expect((await out(s, `${h(T.tq1)}::thread -d`)).split('\n')[1]).toBe('ffffff000f41bc40           12d446     0  0 t-510');
  });
  it('several sets stack under the address column unless -m merges them', async () => {
    const lines = (await out(s, `${h(T.tq1)}::thread -pb`)).split('\n');
    expect(lines[0]).toBe('            ADDR             PROC              LWP             CRED');
    expect(lines[1]).toBe('                            WCHAN               TS             PITS    SOBJ OPS');
    expect(lines[2]).toBe('ffffff000f41bc40 fffffffffbc2efe0                0                0');
    expect(lines[3]).toBe('                 ffffff01d0000100                0                0 cv_sobj_ops');
    const merged = (await out(s, `${h(T.tq1)}::thread -pbm`)).split('\n');
    expect(merged[1]).toBe('ffffff000f41bc40 fffffffffbc2efe0                0                0 ffffff01d0000100                0                0 cv_sobj_ops');
  });
  it('pipes: ::stacks -a | ::thread -b confirms a shared wait channel', async () => {
    const t = await out(s, '::stacks -c taskq_thread | ::thread -b');
    expect(t.match(/ffffff01d0000100/g)).toHaveLength(3);
    expect((await s.execute('1::thread')).errors).toEqual(["mdb: can't read kthread_t at 0x1"]);
  });
});

describe('::stacks', () => {
  let s: MdbSession;
  beforeAll(() => {
    s = threadSession();
  });
  it('groups by state, sobj and stack; bigger groups first, the panic stack last', async () => {
    const r = await json(s, '::stacks');
    const g = r.data.groups.map((x: { thread: string; stateName: string; sobj: string; count: number }) => [x.thread, x.stateName, x.sobj, x.count]);
    expect(g).toEqual([
      [`0x${h(T.tq1)}`, 'SLEEP', 'CV', 3],
      [`0x${h(T.mx1)}`, 'SLEEP', 'MUTEX', 2],
      [`0x${h(T.free)}`, 'FREE', '<NONE>', 1],
      [`0x${h(T.runq)}`, 'RUN', '<NONE>', 1],
      [`0x${h(T.idle)}`, 'ONPROC', '<NONE>', 1],
      [`0x${h(T.panic)}`, 'PANIC', '<NONE>', 1],
    ]);
    expect(r.data.threadCount).toBe(9);
  });
  it('prints mdb layout: THREAD STATE SOBJ COUNT, frames indented to pointer width, a blank line', async () => {
    const t = await out(s, '::stacks -t sleep');
    expect(t).toBe(
      [
        'THREAD           STATE    SOBJ                COUNT',
        'ffffff000f41bc40 SLEEP    CV                      3',
        `${PAD}swtch+0x141`,
        `${PAD}cv_wait+0x70`,
        `${PAD}taskq_thread+0x37c`,
        `${PAD}thread_start+8`,
        '',
        'ffffff01e1234000 SLEEP    MUTEX                   2',
        `${PAD}swtch+0x141`,
        `${PAD}turnstile_block+0x21a`,
        `${PAD}mutex_vector_enter+0x3a3`,
        `${PAD}foo_lookup+0x41`,
        `${PAD}foo_ioctl+0x10`,
        '',
        '',
      ].join('\n'),
    );
    expect(await out(s, '::stacks -t free')).toContain(`ffffff000f900c40 FREE     <NONE>                  1\n${PAD}<no consistent stack found>\n`);
  });
  it('-a lists every member, with a header per group and - for the count', async () => {
    const t = await out(s, '::stacks -a -s cv');
    expect(t.split('\n').slice(0, 4)).toEqual([
      'THREAD           STATE    SOBJ                COUNT',
      'ffffff000f41bc40 SLEEP    CV                      3',
      'ffffff000f421c40 SLEEP    CV                      -',
      'ffffff000f427c40 SLEEP    CV                      -',
    ]);
  });
  it('filters: -c/-C function or exact pc, -m/-M module, -s/-S sobj, -t/-T state, -i', async () => {
    const first = async (line: string) => (await json(s, line)).data.groups.map((x: { thread: string }) => x.thread);
    const a = (...xs: bigint[]) => xs.map((x) => `0x${h(x)}`);
    expect(await first('::stacks -c cv_wait')).toEqual(a(T.tq1));
    expect(await first('::stacks -c swtch+0x141')).toEqual(a(T.tq1, T.mx1, T.runq));
    expect(await first('::stacks -c swtch+0x142')).toEqual([]);
    expect(await first('::stacks -C swtch')).toEqual(a(T.free, T.idle, T.panic));
    expect(await first('::stacks -m foo')).toEqual(a(T.mx1, T.panic));
    expect(await first('::stacks -M foo')).toEqual(a(T.tq1, T.free, T.runq, T.idle));
    expect(await first('::stacks -s MUTEX')).toEqual(a(T.mx1));
    expect(await first('::stacks -s all')).toEqual(a(T.tq1, T.mx1));
    expect(await first('::stacks -S cv')).toEqual(a(T.mx1, T.free, T.runq, T.idle, T.panic));
    expect(await first('::stacks -t PANIC')).toEqual(a(T.panic));
    expect(await first('::stacks -T onproc')).toEqual(a(T.tq1, T.mx1, T.free, T.runq, T.panic));
    expect(await first('::stacks -i')).toEqual(a(T.mx1, T.runq, T.idle, T.panic));
  });
  it('bad filters are usage errors or named failures', async () => {
    expect((await s.execute('::stacks -s spinlock')).errors).toEqual(['mdb: stacks: sobj type "spinlock" unknown', expect.stringMatching(/^Usage: \[address\]::stacks /), "mdb: try '::help stacks' for more information"]);
    expect((await s.execute('::stacks -t asleep')).errors[0]).toBe('mdb: stacks: tstate "asleep" not recognized');
    expect((await s.execute('::stacks -i -t run')).errors[0]).toMatch(/^mdb: stacks: -i is incompatible with -\[sStT\]/);
    expect((await s.execute('::stacks -s cv -S mutex')).errors[0]).toMatch(/only one of -s and -S/);
    expect((await s.execute('::stacks -m nomod')).errors).toEqual(['mdb: stacks: module "nomod" is unknown']);
    expect((await s.execute('::stacks -c nosuchfunc')).errors).toEqual(['mdb: stacks: evaluation of "nosuchfunc" failed']);
  });
  it('an address prints the whole group it belongs to; an unknown one is reported', async () => {
    const r = await json(s, `${h(T.tq3)}::stacks`);
    expect(r.data.groups).toHaveLength(1);
    expect(r.data.groups[0].thread).toBe(`0x${h(T.tq1)}`);
    expect(r.data.groups[0].count).toBe(3);
    expect((await s.execute('1234::stacks')).errors).toEqual(['mdb: stacks: 1234 not in thread list']);
  });
  it('piped out it passes every member thread on; piped in it groups only those threads', async () => {
    const r = await s.execute('::stacks -s cv | ::walk thread', { json: true });
    void r;
    expect(await out(s, '::stacks -m foo | ::thread -m')).toMatch(/ffffff01e1234000 sleep[\s\S]*ffffff01e1235000 sleep[\s\S]*ffffff000f8bcc40 onproc/);
    const piped = await s.execute('::stacks -s mutex | ::stacks', { json: true });
    const groups = (piped.json[0] as { results: Array<{ data: { groups: Array<{ count: number; sobj: string }> } }> }).results.flatMap((x) => x.data.groups);
    expect(groups.reduce((n, g) => n + g.count, 0)).toBe(2);
    expect(groups.every((g) => g.sobj === 'MUTEX')).toBe(true);
  });
  it('-v reports the numbers of unique stacks and threads', async () => {
    expect((await out(s, '::stacks -v -t panic')).split('\n')[0]).toBe('stacks: 6 unique stacks / 9 threads');
  });
});

describe('::stacks at scale and as a property', () => {
  it('groups 100k threads (speed is measured by npm run bench)', async () => {
    const s = threadSession({ extra: 100_000 });
    const r = await json(s, '::stacks');
    expect(r.data.threadCount).toBe(100_009);
    expect(r.data.groups.length).toBe(6 + 50);
    // the grouping is cached: a second run only filters and prints
    const f = await json(s, '::stacks -c delay');
    expect(f.data.groups.length).toBeGreaterThan(0);
  });

  it('every thread is in exactly one group whose members share state, sobj and stack; order is mdb’s', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 300 }), fc.array(fc.nat(308), { maxLength: 40 }), (extra, picks) => {
        const s = createSession(threadDump({ extra }), 'x');
        const groups = groupStacks(s.target, picks.length ? [...new Set(picks.map((p) => p % (extra + 9)))].sort((a, b) => a - b) : undefined);
        const n = picks.length ? new Set(picks.map((p) => p % (extra + 9))).size : extra + 9;
        expect(groups.reduce((k, g) => k + g.rows.length, 0)).toBe(n);
        const seen = new Set<number>();
        for (const g of groups) for (const r of g.rows) {
          expect(seen.has(r)).toBe(false);
          seen.add(r);
        }
        for (let i = 1; i < groups.length; i++) {
          const [a, b] = [groups[i - 1]!, groups[i]!];
          if (!a.panic && !b.panic) expect(a.rows.length).toBeGreaterThanOrEqual(b.rows.length);
          expect(a.panic && !b.panic).toBe(false);
        }
      }),
      { numRuns: 25 },
    );
  });
});

describe('the illumos-2911 panic, simulated', () => {
  let s: MdbSession;
  let panicThread: string;
  beforeAll(() => {
    // a run whose panic is a reader's prefetch (about half the seeds; the
    // others panic the same way in txg_sync's write)
    let report = simulate('illumos-2911', { sets: [], fixes: [] });
    for (const seed of [1, 2, 3, 4, 5, 6, 7]) {
      const stack = (report.sys.k.panicked?.thread.frames ?? []).filter((f) => !f.hidden);
      if (stack[0]?.fn.name === 'brand_sys_sysenter') break;
      report = simulate('illumos-2911', { seed, sets: [['stop.max_time_s', '30']], fixes: [] });
    }
    expect(report.outcome).toBe('panic');
    s = createSession(report.model, 'illumos-2911.dump');
    panicThread = report.model.header.panic!.thread;
  });
  it('$c shows the assfail in kmem_cache_alloc called from blkdev, down to the system call', async () => {
    const r = await json(s, '$c');
    const fns = r.data.frames.map((f: { symbol: string }) => f.symbol.replace(/\+.*/, ''));
    expect(r.data.thread).toBe(`0x${panicThread}`);
    expect(fns.slice(0, 4)).toEqual(['vpanic', 'assfail', 'kmem_cache_alloc', 'bd_xfer_alloc']);
    expect(fns).toContain('brand_sys_sysenter');
    expect(await out(s, '$c')).toMatch(/^kmem_cache_alloc\+0x[0-9a-f]+\(ffffff[0-9a-f]+, [0-9a-f]+\)$/m);
  });
  it('::stacks puts the panic thread last and finds it by module; ::findstack agrees with $C', async () => {
    const r = await json(s, '::stacks');
    const last = r.data.groups[r.data.groups.length - 1];
    expect(last.stateName).toBe('PANIC');
    expect(last.thread).toBe(`0x${panicThread}`);
    expect(r.data.threadCount).toBe((await json(s, '::walk thread')).addresses.length);
    expect((await json(s, '::stacks -m blkdev')).data.groups.map((g: { thread: string }) => g.thread)).toContain(`0x${panicThread}`);
    const fs = (await out(s, `${panicThread}::findstack`)).split('\n');
    const regs = (await out(s, '$C 0')).split('\n');
    expect(fs[1]).toBe(`[ ${regs[0]} ]`);
    expect(fs[2]).toBe(`  ${regs[1]}`);
  });
  it('::threadlist names user threads cmd/lwpid and kernel threads by start function', async () => {
    const r = await json(s, '::threadlist');
    const cmds: string[] = r.rows.map((x: { cmd: string }) => x.cmd);
    expect(cmds.some((c) => /^[a-z]+\/\d+$/.test(c))).toBe(true);
    expect(cmds).toContain('txg_sync_thread()');
  });
});

void FN;
void P0;
