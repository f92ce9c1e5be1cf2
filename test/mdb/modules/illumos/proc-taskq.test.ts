/*
 * Processes and task queues (issue #9, "missing dcmds"): the simulated
 * kernel's process tree and kmem_taskq as savecore writes them, and
 * ::ps, ::ptree, ::pgrep, ::cpustack, ::taskq and their walkers reading
 * them back. Each expectation is checked against the simulated kernel's own
 * state, not against numbers copied from a run.
 */
import { describe, expect, it } from 'vitest';
import { simulate } from '../../../../src/sim/scenario/run.js';
import { createSession } from '../../../../src/mdb/session.js';
import { toAddr } from '../../../../src/sim/machine/platform.js';
import { taskqs } from '../../../../src/sim/illumos/kern/taskq.js';
import { SEXECED, SSYS, USER_PFLAGS } from '../../../../src/sim/illumos/kern/proc.js';
import type { DumpModel, ScalarColumn, Table } from '../../../../src/dump/format.js';

/** The model with one proc_t member of one process changed (a corrupt pointer). */
function withProcMember(m: DumpModel, procAddr: bigint, member: string, value: bigint): DumpModel {
  const tables = m.tables.map((t): Table => {
    if (t.name !== 'proc_t') return t;
    const addrs = (t.columns['addr'] as ScalarColumn).values as BigUint64Array;
    const col = t.columns[member] as ScalarColumn;
    const values = (col.values as BigUint64Array).slice();
    values[addrs.indexOf(procAddr)] = value;
    return { ...t, columns: { ...t.columns, [member]: { ...col, values } } };
  });
  return { ...m, tables };
}

const r = simulate('illumos-2911', { sets: [], fixes: [] });
const k = r.sys.k;
const A = (kva: number): bigint => toAddr(k.p, kva);
const hex = (kva: number): string => A(kva).toString(16);
const s = createSession(r.model, 'x.dump');
const run = async (cmd: string): Promise<string> => {
  const res = await s.execute(cmd);
  if (!res.ok) throw new Error(`'${cmd}' failed: ${res.errors.join(' / ')}`);
  return res.output;
};
const fails = async (cmd: string): Promise<string> => {
  const res = await s.execute(cmd);
  expect(res.ok, cmd).toBe(false);
  return res.errors.join('\n');
};

describe('the simulated process tree', () => {
  it('p0 forks init (pid 1) before pageout; the load is init children, each a session leader', () => {
    const [p0, init, pageout] = k.procs;
    expect([p0!.comm, init!.comm, pageout!.comm]).toEqual(['sched', 'init', 'pageout']);
    expect([p0!.pid, init!.pid, pageout!.pid]).toEqual([0, 1, 2]);
    expect(p0!.children).toEqual([pageout, init]);
    expect(p0!.flag & SSYS).toBe(SSYS);
    expect(init!.flag).toBe(USER_PFLAGS);
    for (const p of k.procs.slice(3)) {
      expect(p.parent).toBe(init);
      expect(p.sessLeader).toBe(p);
      expect(p.sessAddr).toBeDefined();
      expect(p.flag & SEXECED).toBe(SEXECED);
    }
  });
});

describe('the proc walker and ::ps', () => {
  it('walks every process once, p0 first, a parent before its children', async () => {
    const walked = (await run('::walk proc')).trim().split('\n');
    expect(walked[0]).toBe(`0x${hex(k.procs[0]!.addr)}`);
    expect(new Set(walked).size).toBe(walked.length);
    expect(walked.sort()).toEqual(k.procs.map((p) => `0x${hex(p.addr)}`).sort());
    const order = (await run('::walk proc')).trim().split('\n');
    for (const p of k.procs.filter((x) => x.parent))
      expect(order.indexOf(`0x${hex(p.parent!.addr)}`)).toBeLessThan(order.indexOf(`0x${hex(p.addr)}`));
  });

  it('prints pid, parent, group, session, uid, p_flag and the command as the kernel set them', async () => {
    const res = await s.execute('::ps', { json: true });
    const rows = (res.json[0] as { results: Array<{ data: Record<string, unknown> }> }).results.map((x) => x.data);
    expect(rows).toHaveLength(k.procs.length);
    for (const p of k.procs) {
      const row = rows.find((x) => x['addr'] === `0x${hex(p.addr)}`)!;
      expect(row).toMatchObject({
        s: 'R',
        pid: p.pid,
        ppid: p.parent ? p.parent.pid : 0,
        pgid: p.pgrpLeader.pid,
        sid: p.sessLeader.pid,
        uid: 0,
        flags: `0x${p.flag.toString(16)}`,
        name: p.comm,
      });
    }
    const text = await run('::ps');
    expect(text.split('\n')[0]).toBe('S    PID   PPID   PGID    SID    UID      FLAGS             ADDR NAME');
    expect(text).toContain(`R      1      0      0      0      0 0x4a004000 ${hex(k.procs[1]!.addr)} init\n`);
  });

  it('-t and -l list each thread and lwp under its process, -f the arguments, -z the zone', async () => {
    const init = k.procs[1]!;
    const t = k.threads.find((x) => x.proc === init)!;
    const out = await run(`${hex(init.addr)}::ps -ftlz`);
    const lwp = r.sys.user.get(t)!.lwp;
    expect(out).toBe(
      'S    PID   PPID   PGID    SID  ZONE    UID      FLAGS             ADDR NAME\n' +
        `R      1      0      0      0     0      0 0x4a004000 ${hex(init.addr)} /sbin/init\n` +
        `\tT  ${hex(t.addr)} <TS_SLEEP>\n` +
        `\tL  ${hex(lwp)} ID: 1\n`,
    );
  });
});

describe('a corrupt process tree', () => {
  it('a p_sibling loop ends the walk instead of looping (each process at most once)', async () => {
    const init = k.procs[1]!;
    const last = init.children[init.children.length - 1]!;
    const bad = createSession(withProcMember(r.model, A(last.addr), 'p_sibling', A(init.children[0]!.addr)), 'bad.dump');
    const res = await bad.execute('::walk proc');
    const walked = res.output.trim().split('\n');
    expect(new Set(walked).size).toBe(walked.length);
    expect(walked.length).toBe(k.procs.length);
  });

  it('an unreadable p_child is skipped with the rest of the tree walked', async () => {
    const pageout = k.procs[2]!;
    const bad = createSession(withProcMember(r.model, A(pageout.addr), 'p_child', 0x10n), 'bad.dump');
    const res = await bad.execute('::ptree');
    expect(res.ok).toBe(true);
    expect(res.output.trim().split('\n')).toHaveLength(k.procs.length);
  });
});

describe('::ptree and ::pgrep', () => {
  it('::ptree indents five spaces per ancestor; from a process, its ancestors first', async () => {
    const lines = (await run('::ptree')).trimEnd().split('\n');
    expect(lines[0]).toBe(`${hex(k.procs[0]!.addr)}  sched`);
    const job = k.procs[5]!;
    expect(lines).toContain(`          ${hex(job.addr)}  ${job.comm}`);
    expect(await run(`${hex(job.addr)}::ptree`)).toBe(`${hex(k.procs[0]!.addr)}  sched\n     ${hex(k.procs[1]!.addr)}  init\n          ${hex(job.addr)}  ${job.comm}\n`);
  });

  it('::pgrep matches u_comm (-x whole), keeps the newest or oldest, and pipes addresses', async () => {
    const byName = (re: RegExp) => k.procs.filter((p) => re.test(p.comm));
    const lds = byName(/^ld$/);
    expect(lds.length).toBeGreaterThan(1);
    const piped = (await run('::pgrep -x ld | ::print proc_t p_user.u_comm')).trim().split('\n');
    expect(piped).toEqual(lds.map(() => 'p_user.u_comm = [ "ld" ]'));
    const newest = lds.reduce((a, b) => (b.start > a.start ? b : a));
    const oldest = lds.reduce((a, b) => (b.start < a.start ? b : a));
    expect(await run('::pgrep -n ^ld')).toContain(` ${hex(newest.addr)} ld\n`);
    expect(await run('::pgrep -o ^ld')).toContain(` ${hex(oldest.addr)} ld\n`);
    expect(await run('::pgrep -x l')).toBe('');
    expect(await fails('::pgrep -n -o ld')).toMatch(/usage/i);
    expect(await fails('::pgrep "("')).toMatch(/Unterminated group/);
  });
});

describe('::cpustack', () => {
  it('traces the panic CPU cpu_thread, or the CPU given', async () => {
    const pc = k.panicked!;
    expect(await run('::cpustack')).toBe(await run(`${hex(pc.thread.addr)}$c`));
    const c0 = k.cpus[0]!;
    const t0 = c0.thread ?? c0.idle;
    expect(await run('::cpustack -c 0 -v')).toBe(await run(`${hex(t0.addr)}$C`));
    expect(await fails('::cpustack -c 0t99')).toMatch(/neither a valid CPU ID/);
  });
});

describe('taskqs', () => {
  const tq = taskqs(k).find((q) => q.name === 'kmem_taskq')!;
  it('taskq_create() made kmem_taskq from taskq_cache with its one thread linked by t_taskq', async () => {
    expect(tq.threads).toHaveLength(1);
    expect((await run('::walk taskq_cache')).trim()).toBe(`0x${hex(tq.addr)}`);
    expect((await run(`${hex(tq.addr)}::walk taskq_thread`)).trim()).toBe(`0x${hex(tq.threads[0]!.addr)}`);
    expect((await run('::walk taskq_thread')).trim()).toBe(`0x${hex(tq.threads[0]!.addr)}`);
    expect(await run(`${hex(tq.threads[0]!.addr)}::print kthread_t t_taskq`)).toBe(`t_taskq = 0x${hex(tq.addr)}\n`);
    expect(await run('::threadlist')).toContain(`${hex(tq.threads[0]!.addr)} ${hex(k.procs[0]!.addr)}                0 tq:kmem_taskq\n`);
  });

  it('::taskq prints its counters: queued = tq_tasks - tq_executed', async () => {
    expect(tq.tasks).toBeGreaterThan(0);
    const q = tq.tasks - tq.executed;
    expect(await run('::taskq')).toBe(
      "ADDR             NAME                             ACT/THDS Q'ED  MAXQ INST\n" +
        `${hex(tq.addr)} kmem_taskq                      ${String(tq.active).padStart(4)}/   1 ${String(q).padStart(4)} ${String(tq.maxtasks).padStart(5)}    -\n`,
    );
    expect(await run('::taskq -n nosuch')).toBe("ADDR             NAME                             ACT/THDS Q'ED  MAXQ INST\n");
    expect(await run(`${hex(tq.addr)}::walk taskq_entry`)).toBe('');
    expect(await fails('::walk taskq_entry')).toMatch(/start address required/);
  });
});
