/*
 * ::threadlist and ::thread (genunix thread.c): one line per kthread_t.
 * ::threadlist names each thread's process and command; -v adds the class,
 * priority and wait channel, the pc and command line, and the stack as
 * ::findstack finds it. ::thread prints sets of kthread_t members chosen by
 * -i -p -b -s -d, one set per line unless -m merges them. Both walk every
 * thread when given no address.
 */
import { taskqName } from '../taskq/helpers.js';
import { defineDcmd, flag, table, text, type Column, type DcmdContext } from '../../../dcmd.js';
import { UsageError } from '../../../errors.js';
import { parseUint } from '../../../options.js';
import { findstackLines } from './findstack.js';
import {
  forEachThread,
  hx,
  lbolt,
  needThread,
  ptr0,
  readThread,
  threadStateName,
  TS_FREE,
  type KThreadInfo,
} from './helpers.js';
import { isTaskqThread, lwpIds, procInfo, threadDesc } from './procs.js';

const p = (v: bigint, ps: number): string => hx(v).padStart(ps * 2);
const s = (v: string, w: number): string => v.padStart(w);

function listColumns(ps: number): Column[] {
  return [
    { key: 'addr', header: 'ADDR', width: 'ptr', align: 'right', format: (v) => ptr0(v as bigint, ps) },
    { key: 'proc', header: 'PROC', width: 'ptr', align: 'right' },
    { key: 'lwp', header: 'LWP', width: 'ptr', align: 'right' },
    { key: 'cmd', header: 'CMD/LWPID' },
  ];
}

function verboseHeader(ps: number): string {
  return `${s('ADDR', ps * 2)} ${s('PROC', ps * 2)} ${s('LWP', ps * 2)} CLS PRI ${s('WCHAN', ps * 2)}\n`;
}

/** The -v block for one thread: its line, PC and command, then its stack ($c with `count` arguments). */
function verboseBlock(ctx: DcmdContext, t: KThreadInfo, count: number): string {
  const ps = ctx.pointerSize;
  const target = ctx.target;
  const lines = [`${ptr0(t.addr, ps)} ${p(t.t_procp, ps)} ${p(t.t_lwp, ps)} ${String(t.t_cid >>> 0).padStart(3)} ${String(t.t_pri).padStart(3)} ${p(t.t_wchan, ps)}`];
  const kernel = lwpIds(target)[t.row] === 0;
  const tq = t.t_taskq !== 0n ? taskqName(target, t.t_taskq) : undefined;
  const who = tq !== undefined ? `TASKQ: ${tq}` : kernel ? `THREAD: ${target.formatAddr(t.t_startpc)}()` : `CMD: ${procInfo(target, t.t_procp)?.psargs ?? ''}`;
  lines.push(`  PC: ${target.formatAddr(t.t_pc)}    ${who}`);
  for (const l of findstackLines(target, t.row, { fps: false, maxArgs: count })) lines.push('  ' + l);
  return lines.map((l) => l.trimEnd() + '\n').join('') + '\n';
}

export const threadlist = defineDcmd({
  name: 'threadlist',
  synopsis: '?[-t] [-v [count]]',
  address: 'optional',
  summary: 'display threads and associated C stack traces',
  help: `Lists threads (all of them without an address), skipping free ones:
the kthread_t, its proc_t and lwp, and the command with its lwp id, or
<startfunc>() for a kernel thread (tq:<name> for a taskq thread).
-v prints, for each thread, its class, priority and wait channel, its pc,
its command line or start function, and its stack; a count after -v prints
up to that many arguments per frame (default 0).

EXAMPLES
  > ::threadlist
              ADDR             PROC              LWP CMD/LWPID
  fffffffffbe01480 fffffffffbe00000                0 idle()
  fffffffffbe02000 fffffffffbe00000                0 idle()
  fffffffffbe02b80 fffffffffbe00000                0 idle()
  fffffffffbe03700 fffffffffbe00000                0 idle()
  fffffffffbe03e00 fffffffffbe00000 fffffffffbc13c30 sched/1
  ...
  > ::threadlist -v 2
              ADDR             PROC              LWP CLS PRI            WCHAN
  fffffffffbe01480 fffffffffbe00000                0   0  -1                0
    PC: idle+0xc    THREAD: idle()
    stack pointer for thread fffffffffbe01480 (idle()): ffffff0008ad4f90
    [ ffffff0008ad4f90 idle+0xc() ]
      thread_start+8()

  ...`,
  options: { t: flag('skip threads belonging to a taskq'), v: flag('print verbose output including C stack traces') },
  input: 'kthread_t',
  // Without an address it lists every thread itself rather than through a
  // walker loop: one result for a hundred thousand threads, not one each.
  async run(ctx, addr, opts, args) {
    let count = 0;
    if (args.length > 0) {
      if (args.length > 1 || !opts.v) throw new UsageError();
      const n = parseUint(args[0]!, ctx.radix);
      if (n === undefined) throw new UsageError(`invalid count: ${String(args[0])}`);
      count = Number(n);
    }
    const ps = ctx.pointerSize;
    const target = ctx.target;
    const rows = addr === undefined ? [...forEachThread(target)] : [needThread(target, addr, (a) => `failed to read kthread_t at ${a}`)];
    const shown: KThreadInfo[] = [];
    for (const row of rows) {
      await ctx.poll();
      const t = readThread(target, row);
      if (t.t_state === TS_FREE || (opts.t && isTaskqThread(target, t))) continue;
      shown.push(t);
    }
    const extra = { addresses: shown.map((t) => t.addr), addressType: 'kthread_t' };
    if (opts.v) {
      const header = addr === undefined || ctx.first || !ctx.loop ? verboseHeader(ps) : '';
      const out = header + shown.map((t) => verboseBlock(ctx, t, count)).join('');
      return out === '' ? undefined : text(out, { data: shown.map((t) => threadRecord(ctx, t)), ...extra });
    }
    return table(
      listColumns(ps),
      shown.map((t) => ({ addr: t.addr, proc: t.t_procp, lwp: t.t_lwp, cmd: threadDesc(target, t.row) })),
      extra,
    );
  },
});

function threadRecord(ctx: DcmdContext, t: KThreadInfo) {
  return { addr: t.addr, proc: t.t_procp, lwp: t.t_lwp, cls: t.t_cid, pri: t.t_pri, wchan: t.t_wchan, pc: t.t_pc, desc: threadDesc(ctx.target, t.row) };
}

// ---------------------------------------------------------------- ::thread

type SetName = 'p' | 'i' | 'b' | 's' | 'd';
const SET_ORDER: SetName[] = ['p', 'i', 'b', 's', 'd'];

function setHeader(set: SetName, ps: number): string {
  const w = ps * 2;
  switch (set) {
    case 'p':
      return ` ${s('PROC', w)} ${s('LWP', w)} ${s('CRED', w)}`;
    case 'i':
      return ` ${s('STATE', 8)} ${s('FLG', 4)} ${s('PFLG', 4)} ${s('SFLG', 4)} ${s('PRI', 5)} ${s('EPRI', 5)} ${s('PIL', 3)} ${s('INTR', w)}`;
    case 'b':
      return ` ${s('WCHAN', w)} ${s('TS', w)} ${s('PITS', w)} ${s('SOBJ OPS', 11)}`;
    case 's':
      return ` ${s('SIGQUEUE', w)} ${s('SIG PEND', 16)} ${s('SIG HELD', 16)}`;
    case 'd':
      return ` ${s('DISPTIME', w)} ${s('BOUND', 5)} ${s('PR', 2)} SWITCH`;
  }
}

function setValues(ctx: DcmdContext, set: SetName, t: KThreadInfo): string {
  const ps = ctx.pointerSize;
  const x = (v: number): string => (v >>> 0).toString(16);
  switch (set) {
    case 'p':
      return ` ${p(t.t_procp, ps)} ${p(t.t_lwp, ps)} ${p(t.t_cred, ps)}`;
    case 'i': {
      const intr = t.t_intr === 0n ? s('n/a', ps * 2) : p(t.t_intr, ps);
      return ` ${threadStateName(t.t_state).padEnd(8)} ${s(x(t.t_flag), 4)} ${s(x(t.t_proc_flag), 4)} ${s(x(t.t_schedflag), 4)} ${s(String(t.t_pri), 5)} ${s(String(t.t_epri), 5)} ${s(String(t.t_pil), 3)} ${intr}`;
    }
    case 'b': {
      const ops = ctx.target.formatAddr(t.t_sobj_ops).slice(0, 11);
      return ` ${p(t.t_wchan, ps)} ${p(t.t_ts, ps)} ${p(t.t_prioinv, ps)} ${s(ops, 11)}`;
    }
    case 's':
      return ` ${p(t.t_sigqueue, ps)} ${hx(t.t_sig).padStart(16, '0')} ${hx(t.t_hold).padStart(16, '0')}`;
    case 'd':
      return ` ${p(t.t_disp_time, ps)} ${s(String(t.t_bind_cpu), 5)} ${s(String(t.t_preempt), 2)} t-${lbolt(ctx.target) - BigInt.asIntN(64, t.t_disp_time)}`;
  }
}

/** Joins the sets of one line (header or values): on one line with -m, else each under the address column. */
function joinSets(first: string, parts: string[], merge: boolean, ps: number): string {
  if (merge) return first + parts.join('');
  return [first + (parts[0] ?? ''), ...parts.slice(1).map((x) => ' '.repeat(ps * 2) + x)].map((l) => l.trimEnd()).join('\n');
}

export const thread = defineDcmd({
  name: 'thread',
  synopsis: '?[-bdfimps]',
  address: 'optional',
  summary: 'display a summarized kthread_t',
  help: `Prints chosen members of each kthread_t (all threads without an address).
The flags -ipbsd select which sets are shown; when several are combined they
print on separate lines, each under the address column, unless -m is given.
SWITCH (with -d) counts clock ticks since t_disp_time, as t-<ticks>.

EXAMPLES
  > ffffff01c0a4a1e0::thread
  mdb: can't read kthread_t at 0xffffff01c0a4a1e0
  > ::stacks -a -c page_create_throttle | ::thread -b
              ADDR            WCHAN               TS             PITS    SOBJ OPS
  ffffff01c0a94560 fffffffffbc00060                0                0 cv_sobj_ops
  ffffff01c0a949c0 fffffffffbc00060                0                0 cv_sobj_ops
  ...`,
  options: {
    b: flag('print blocked thread state: WCHAN TS PITS SOBJ OPS'),
    d: flag('print dispatcher state: DISPTIME BOUND PR SWITCH'),
    f: flag('ignore freed threads'),
    i: flag('print basic thread state (default): STATE FLG PFLG SFLG PRI EPRI PIL INTR'),
    m: flag('display results on a single line'),
    p: flag('print process and lwp state: PROC LWP CRED'),
    s: flag('print signal state: SIGQUEUE SIG PEND SIG HELD'),
  },
  input: 'kthread_t',
  async run(ctx, addr, opts, args) {
    if (args.length > 0) throw new UsageError();
    const ps = ctx.pointerSize;
    const target = ctx.target;
    let sets = SET_ORDER.filter((k) => opts[k]);
    if (sets.length === 0) sets = ['i'];
    const header = addr === undefined || ctx.first || !ctx.loop ? joinSets(s('ADDR', ps * 2), sets.map((k) => setHeader(k, ps)), opts.m, ps) + '\n' : '';
    const rows = addr === undefined ? [...forEachThread(target)] : [needThread(target, addr, (a) => `can't read kthread_t at 0x${a}`)];
    const shown: KThreadInfo[] = [];
    let body = '';
    for (const row of rows) {
      await ctx.poll();
      const t = readThread(target, row);
      if (opts.f && t.t_state === TS_FREE) continue;
      shown.push(t);
      body += joinSets(ptr0(t.addr, ps), sets.map((k) => setValues(ctx, k, t)), opts.m, ps) + '\n';
    }
    if (header === '' && body === '') return undefined;
    return text(header + body, {
      data: shown.map((t) => ({ ...t, stateName: threadStateName(t.t_state), sobj: target.formatAddr(t.t_sobj_ops) })),
      addresses: shown.map((t) => t.addr),
      addressType: 'kthread_t',
    });
  },
});
