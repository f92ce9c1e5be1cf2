/*
 * ::taskq and ::taskq_entry (genunix taskq.c). ::taskq prints one line per
 * task queue — its taskq_t, name, active and total threads, tasks queued
 * now (tq_tasks - tq_executed), the most ever queued (MAXQ) and the
 * instance — every taskq_cache buffer in tqcmp() order without an address;
 * -t / -T add the stacks of its busy / all threads, as ::stacks -a prints
 * them, indented four spaces.
 */
import { addresses, defineDcmd, flag, str, text, uint, type DcmdContext } from '../../../dcmd.js';
import { DcmdError, UsageError } from '../../../errors.js';
import { groupStacks, stackHasCaller } from '../thread/stack-groups.js';
import { threadIndex } from '../thread/helpers.js';
import { renderGroups } from '../thread/stacks.js';
import { readTaskq, TASKQ_DYNAMIC, TASKQ_NOINSTANCE, tqcmp, typeOffset, type TaskqRec } from './helpers.js';

function header(ps: number): string {
  return `${'ADDR'.padEnd(ps * 2)} ${'NAME'.padEnd(31)} ${'ACT'.padStart(4)}/${'THDS'.padStart(4)} ${"Q'ED".padStart(4)} ${'MAXQ'.padStart(5)} ${'INST'.padStart(4)}\n`;
}

/** The stacks of the taskq's threads (-T), or of those not waiting for work (-t). */
function threadStacks(ctx: DcmdContext, tq: TaskqRec, all: boolean): string {
  const target = ctx.target;
  const idx = threadIndex(target);
  const rows: number[] = [];
  for (const t of ctx.walk('taskq_thread', tq.addr)) {
    const r = idx.rowOf(t);
    if (r >= 0) rows.push(r);
  }
  if (rows.length === 0) return '';
  let groups = groupStacks(target, rows.sort((a, b) => a - b));
  const wait = target.lookupSymbol('taskq_thread_wait');
  if (!all && wait) groups = groups.filter((g) => !stackHasCaller(target, g, wait.addr));
  return renderGroups(ctx, groups, true, true)
    .split('\n')
    .map((l) => (l === '' ? l : '    ' + l))
    .join('\n');
}

export const taskq = defineDcmd({
  name: 'taskq',
  synopsis: '?[-atT] [-m min_maxq] [-n name]',
  address: 'optional',
  summary: 'display a taskq',
  help: `Prints a task queue: its taskq_t, name, ACT/THDS (threads running a
task / all its threads), Q'ED (tasks dispatched and not yet run), MAXQ (the
most ever queued at once) and INST (the instance, or - for a queue made
without one). Without an address, every taskq_t in taskq_cache, fixed
queues first in creation order.

OPTIONS
  -a           only taskqs with active threads or queued tasks
  -t           the stacks of each taskq's threads that are not waiting for work
  -T           the stacks of all each taskq's threads
  -m min_maxq  only dynamic taskqs and taskqs with a MAXQ of at least min_maxq
  -n name      only taskqs whose name contains name

EXAMPLES
  > ::taskq
  ADDR             NAME                             ACT/THDS Q'ED  MAXQ INST
  ffffff01c0a85008 kmem_taskq                         0/   1    0     1    -
  > ::taskq -T
  ADDR             NAME                             ACT/THDS Q'ED  MAXQ INST
  ffffff01c0a85008 kmem_taskq                         0/   1    0     1    -
      THREAD           STATE    SOBJ                COUNT
      ffffff01c0a941e0 SLEEP    CV                      1
                       swtch+0x14c
                       cv_wait+0xc
                       taskq_thread_wait+0x54
                       taskq_thread+0x28c
                       thread_start+8`,
  options: {
    a: flag('only taskqs with active threads or queued tasks'),
    t: flag('display active thread stacks in each taskq'),
    T: flag('display all thread stacks in each taskq'),
    m: uint('min_maxq', 'only dynamic taskqs and those with MAXQ at least min_maxq'),
    n: str('name', 'only taskqs whose name contains name'),
  },
  input: 'taskq_t',
  run(ctx, addr, opts, args) {
    if (args.length > 0) throw new UsageError();
    const target = ctx.target;
    let list: TaskqRec[];
    if (addr !== undefined) {
      try {
        list = [readTaskq(target, addr)];
      } catch {
        throw new DcmdError(`failed to read taskq_t at ${addr.toString(16)}`);
      }
    } else {
      const found: Array<[TaskqRec, number]> = [];
      let order = 0;
      for (const a of ctx.walk('taskq_cache')) {
        try {
          found.push([readTaskq(target, a), order++]);
        } catch {
          // mdb warns "unable to read taskq_t" and goes on
        }
      }
      found.sort((l, r) => tqcmp(l[0], r[0], l[1], r[1]));
      list = found.map(([t]) => t);
    }
    const shown = list.filter((tq) => {
      const queued = tq.tasks - tq.executed;
      if (opts.n !== undefined && !tq.name.includes(opts.n)) return false;
      if (opts.a && tq.active === 0 && queued === 0n) return false;
      if (!(tq.flags & TASKQ_DYNAMIC) && opts.m !== undefined && BigInt(tq.maxtasks) < opts.m) return false;
      return true;
    });
    if (ctx.pipedInto) return addresses(shown.map((t) => t.addr), 'taskq_t');
    const ps = ctx.pointerSize;
    let out = ctx.first || addr === undefined ? header(ps) : '';
    for (const tq of shown) {
      const queued = tq.tasks - tq.executed;
      out +=
        `${tq.addr.toString(16).padStart(ps * 2, '0')} ${tq.name.padEnd(31)} ${String(tq.active).padStart(4)}/${String(tq.nthreads).padStart(4)} ${String(queued).padStart(4)} ` +
        `${(tq.flags & TASKQ_DYNAMIC ? '-' : String(tq.maxtasks)).padStart(5)} ${(tq.flags & TASKQ_NOINSTANCE ? '-' : (tq.instance >>> 0).toString(16)).padStart(4)}\n`;
      if (opts.t || opts.T) out += threadStacks(ctx, tq, opts.T);
    }
    return text(out, {
      data: shown.map((tq) => ({
        addr: tq.addr,
        name: tq.name,
        active: tq.active,
        threads: tq.nthreads,
        queued: Number(tq.tasks - tq.executed),
        maxq: tq.flags & TASKQ_DYNAMIC ? null : tq.maxtasks,
        instance: tq.flags & TASKQ_NOINSTANCE ? null : tq.instance,
        tasks: Number(tq.tasks),
        executed: Number(tq.executed),
      })),
      addresses: shown.map((t) => t.addr),
      addressType: 'taskq_t',
    });
  },
});

export const taskqEntry = defineDcmd({
  name: 'taskq_entry',
  synopsis: ':',
  address: 'required',
  summary: 'display a taskq_ent_t',
  help: `Prints a queued task: the taskq_ent_t, its argument and the function
it will run. Feed it the taskq_entry walk of a taskq_t.

EXAMPLES
  > ::taskq | ::walk taskq_entry | ::taskq_entry`,
  options: {},
  input: 'taskq_ent_t',
  run(ctx, addr, _opts, args) {
    if (addr === undefined || args.length > 0) throw new UsageError();
    const target = ctx.target;
    const ps = ctx.pointerSize;
    let arg: bigint;
    let func: bigint;
    try {
      arg = target.readPtr(addr + typeOffset(target, 'taskq_ent_t', 'tqent_arg'));
      func = target.readPtr(addr + typeOffset(target, 'taskq_ent_t', 'tqent_func'));
    } catch {
      throw new DcmdError(`failed to read taskq_ent_t at ${addr.toString(16)}`);
    }
    const head = ctx.first ? `${'ENTRY'.padEnd(ps * 2)} ${'ARG'.padEnd(ps * 2)} FUNCTION\n` : '';
    return text(`${head}${addr.toString(16).padEnd(ps * 2)} ${arg.toString(16).padEnd(ps * 2)} ${target.formatAddr(func)}\n`, {
      data: { entry: addr, arg, function: target.formatAddr(func) },
    });
  },
});
