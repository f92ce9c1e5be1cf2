/*
 * The 2004 sample dumps' kernel processes, as a FreeBSD engineer checks
 * them with ps, bt and ::whatis: each daemon is in its own function
 * (sched_sync, buf_daemon, vm_daemon, vm_pagezero, the GEOM threads) and
 * asleep on the kernel global the December 2004 code sleeps on, with that
 * code's wait message and priority; init and run sleep in wait4() ->
 * kern_wait() on their own struct proc; swi1: net waits for an interrupt
 * on no wait channel; and no thread sleeps on a channel inside its own
 * struct thread.
 */
import { describe, expect, it } from 'vitest';
import { openScriptSession } from '../../src/cli/script-session.js';
import { readDump } from '../../src/dump/read.js';

const DUMPS = ['dumps/freebsd-2004-uma-looping.dump', 'dumps/freebsd-2004-uma-looping-fixed.dump', 'dumps/freebsd-2004-uma-looping-hang.dump'];

async function run(dump: string, line: string, syntax: 'mdb' | 'ddb' = 'ddb'): Promise<string> {
  const s = openScriptSession(readDump(dump), dump, undefined, syntax);
  const r = await s.execute(line);
  expect(r.errors).toEqual([]);
  return r.output;
}

/** bt's frames as function names, from the innermost; the entry's "--- syscall" line left out */
async function frames(dump: string, pid: string): Promise<string[]> {
  const bt = (await run(dump, `bt ${pid}`)).split('\n').slice(1);
  return bt.filter((l) => /^\w+\(/.test(l)).map((l) => l.split('(')[0]!);
}

/** the frames from msleep outwards */
const fromMsleep = (f: string[]): string[] => f.slice(f.indexOf('msleep'));

/** each daemon: its wait message, the global it sleeps on, its priority asleep (msleep's), and its stack from msleep out */
const DAEMONS: Record<string, { wmesg: string; chan: string; pri: number; stack: string[] }> = {
  g_event: { wmesg: '-', chan: 'g_wait_event', pri: 76, stack: ['msleep', 'g_event_procbody', 'fork_exit'] },
  g_down: { wmesg: '-', chan: 'g_wait_down', pri: 76, stack: ['msleep', 'g_io_schedule_down', 'g_down_procbody', 'fork_exit'] },
  g_up: { wmesg: '-', chan: 'g_wait_up', pri: 76, stack: ['msleep', 'g_io_schedule_up', 'g_up_procbody', 'fork_exit'] },
  vmdaemon: { wmesg: 'psleep', chan: 'vm_daemon_needed', pri: 104, stack: ['msleep', 'vm_daemon', 'fork_exit'] },
  pagezero: { wmesg: 'pgzero', chan: 'zero_state', pri: 255, stack: ['msleep', 'vm_pagezero', 'fork_exit'] },
  bufdaemon: { wmesg: 'psleep', chan: 'bd_request', pri: 68, stack: ['msleep', 'buf_daemon', 'fork_exit'] },
  syncer: { wmesg: 'syncer', chan: 'lbolt', pri: 104, stack: ['msleep', 'sched_sync', 'fork_exit'] },
};

describe.each(DUMPS)('%s', (dump) => {
  it('runs each daemon in its own function, asleep on its kernel global with its wait message and priority', async () => {
    const ps = await run(dump, 'ps');
    for (const [name, d] of Object.entries(DAEMONS)) {
      const m = new RegExp(`^\\s*(\\d+)\\s+\\d+\\s+\\d+\\s+\\d+\\s+(\\S+)\\s+(\\S+)\\s+(0x[0-9a-f]+)\\s+\\[${name}\\]$`, 'm').exec(ps);
      expect(m, `${dump}: ${name} asleep`).not.toBeNull();
      const [, pid, , wmesg, wchan] = m!;
      const f = await frames(dump, pid!);
      if (wmesg === '*Giant') {
        // woken, and taking Giant back in msleep (PICKUP_GIANT) while another thread spins holding it
        expect(f.slice(0, 6), `${dump}: ${name}`).toEqual(['cpu_switch', 'sched_switch', 'mi_switch', 'turnstile_wait', '_mtx_lock_sleep', '_mtx_lock_flags']);
        expect(fromMsleep(f), `${dump}: ${name}`).toEqual(d.stack);
        continue;
      }
      expect(wmesg, `${dump}: ${name}`).toBe(d.wmesg);
      expect(await run(dump, `${wchan}::whatis`, 'mdb'), `${dump}: ${name}`).toBe(`${wchan!.slice(2)} is ${d.chan}, in kernel's data\n`);
      expect(f.slice(0, 3), `${dump}: ${name}`).toEqual(['cpu_switch', 'sched_switch', 'mi_switch']);
      expect(f[3], `${dump}: ${name}`).toMatch(/^sleepq_(timed)?wait$/);
      expect(fromMsleep(f), `${dump}: ${name}`).toEqual(d.stack);
      const tid = /^Tracing pid \d+ tid (\d+)/.exec(await run(dump, `bt ${pid}`))![1];
      expect(await run(dump, `show thread ${tid}`), `${dump}: ${name}`).toMatch(new RegExp(` priority: ${d.pri}\\n`));
    }
  });

  it('has init and run asleep in wait4 -> kern_wait on their own struct proc, interruptibly, at PWAIT', async () => {
    const ps = await run(dump, 'ps');
    for (const name of ['init', 'run']) {
      const m = new RegExp(`^\\s*(\\d+)\\s+\\d+\\s+\\d+\\s+\\d+\\s+S\\s+wait\\s+(0x[0-9a-f]+)\\s+${name}$`, 'm').exec(ps);
      expect(m, `${dump}: ${name}`).not.toBeNull();
      const [, pid, wchan] = m!;
      expect(await run(dump, `${wchan}::whatis`, 'mdb')).toBe(`${wchan!.slice(2)} is a struct proc (pid ${pid} "${name}")\n`);
      const bt = await run(dump, `bt ${pid}`);
      expect(fromMsleep(await frames(dump, pid!))).toEqual(['msleep', 'kern_wait', 'wait4', 'syscall', 'Xint0x80_syscall']);
      expect(bt).toContain('sleepq_wait_sig(');
      expect(bt.trimEnd().split('\n').at(-1)).toMatch(/^--- syscall \(7, FreeBSD ELF32, wait4\), eip = 0x[0-9a-f]+, esp = 0x[0-9a-f]+, ebp = 0x[0-9a-f]+ ---$/);
      const tid = /^Tracing pid \d+ tid (\d+)/.exec(bt)![1];
      // PWAIT | PCATCH: TDF_SINTR (0x8) and priority 92
      expect(await run(dump, `show thread ${tid}`)).toMatch(/ flags: 0x8 .*\n[\s\S]* priority: 92\n/);
    }
  });

  it('has swi1: net waiting for its interrupt in ithread_loop, on no wait channel', async () => {
    const ps = await run(dump, 'ps');
    const m = /^\s*(\d+)\s+\d+\s+\d+\s+\d+\s+WL\s+\[swi1: net\]$/m.exec(ps);
    expect(m).not.toBeNull();
    expect(await frames(dump, m![1]!)).toEqual(['cpu_switch', 'sched_switch', 'mi_switch', 'ithread_loop', 'fork_exit']);
  });

  it("runs Giant's owner at the best priority of the threads blocked on Giant (propagate_priority)", async () => {
    const ps = await run(dump, 'ps');
    const waiters = [...ps.matchAll(/^\s*(\d+)\s+\d+\s+\d+\s+\d+\s+L+\s+\*Giant\s/gm)].map((m) => m[1]!);
    const prio = async (pid: string): Promise<number> => {
      const tid = /^Tracing pid \d+ tid (\d+)/.exec(await run(dump, `bt ${pid}`))![1];
      return Number(/ priority: (\d+)\n/.exec(await run(dump, `show thread ${tid}`))![1]);
    };
    const owner = /owner: 0x[0-9a-f]+ \(tid (\d+), pid (\d+)/.exec(await run(dump, 'show lock Giant'));
    // the fixed run ends with nobody on Giant; the panic and hang dumps have the spinning thread holding it
    if (dump.includes('fixed')) {
      expect(waiters).toEqual([]);
      return;
    }
    expect(waiters.length, dump).toBeGreaterThan(0);
    expect(owner, dump).not.toBeNull();
    const best = Math.min(...(await Promise.all(waiters.map(prio))));
    // the pagedaemon (PVM, 68) is among the waiters on every dump that has any
    expect(best).toBe(68);
    expect(await prio(owner![2]!)).toBe(best);
  });

  it('has the threads short of pages asleep in msleep(&cnt.v_free_count, &vm_page_queue_mtx, PDROP | pri): PVM for vmwait, PUSER for pfault', async () => {
    const ps = await run(dump, 'ps');
    const mtx = /^([0-9a-f]+) is vm_page_queue_mtx/m.exec(await run(dump, 'vm_page_queue_mtx::whatis', 'mdb'));
    expect(mtx, dump).not.toBeNull();
    let seen = 0;
    for (const [wmesg, pri, arg] of [['vmwait', 68, '244'], ['pfault', 160, '2a0']] as const) {
      for (const m of ps.matchAll(new RegExp(`^\\s*(\\d+)\\s+\\d+\\s+\\d+\\s+\\d+\\s+\\S+\\s+${wmesg}\\s`, 'gm'))) {
        const bt = await run(dump, `bt ${m[1]}`);
        expect(bt, `${dump}: pid ${m[1]}`).toMatch(new RegExp(`^msleep\\([0-9a-f]+,${mtx![1]},${arg},`, 'm'));
        const tid = /^Tracing pid \d+ tid (\d+)/.exec(bt)![1];
        expect(await run(dump, `show thread ${tid}`)).toMatch(new RegExp(` priority: ${pri}\\n`));
        seen++;
      }
    }
    // the panic and hang dumps have threads asleep for pages (the fixed run may not)
    if (!dump.includes('fixed')) expect(seen).toBeGreaterThan(0);
  });

  it('has no thread asleep on a channel inside its own struct thread', async () => {
    const ps = await run(dump, 'ps');
    const chans = [...ps.matchAll(/\s(0x[0-9a-f]+)\s+\S+(?: \S+)?$/gm)].map((m) => m[1]!);
    expect(chans.length).toBeGreaterThanOrEqual(10);
    for (const c of new Set(chans)) expect(await run(dump, `${c}::whatis`, 'mdb'), c).not.toMatch(/struct thread/);
  });
});
