/*
 * ::stacks and ::findstack on FreeBSD: the illumos dcmds' FreeBSD flavour.
 * ::stacks groups threads by state, wait message and stack, so a thousand
 * threads asleep in the same place read as one entry with a count;
 * ::findstack prints one thread's stack with its frame pointers.
 */
import { defineDcmd, flag, str, text } from '../../../dcmd.js';
import { DcmdError, UsageError } from '../../../errors.js';
import { hx } from '../struct.js';
import { THREAD, framesOf, procOf, readFbThread, resolveThread, threadRows, threadStateLetters, waitOf } from './helpers.js';

interface Group {
  threads: bigint[];
  state: string;
  /** each thread's wait message, in thread order: running threads' "CPU n" differ within a group */
  wmesgs: string[];
  pcs: bigint[];
}

/** A running thread's wait message, "CPU n", names where it runs, not what it waits for: not part of the grouping key. */
const RUNNING = /^CPU \d+$/;

/** The WMESG a group prints: its threads' common wait message, or "CPU *" for running threads on several CPUs. */
const groupWmesg = (g: Group): string => (g.wmesgs.every((w) => w === g.wmesgs[0]) ? g.wmesgs[0]! : 'CPU *');

export const stacks = defineDcmd({
  name: 'stacks',
  synopsis: '[-av] [-c func] [-w wmesg]',
  address: 'none',
  summary: 'print unique kernel thread stacks',
  help: `Groups the threads by state, wait message and stack, and prints one
entry per group: a representative thread, the state as ps prints it (Run,
RunQ, CanRun, Inactv, or the letters L S D W I s), the wait message
("*name" for a lock, "CPU n" when running), the number of threads, then
the stack, innermost frame first. The CPU a running thread is on is not
part of the grouping (illumos's ::stacks groups by state, sync object and
stack): the idle threads of four CPUs are one group, whose WMESG is
"CPU *". Groups are printed largest first. -c keeps the groups whose
stack has a frame in the given function, -w those whose wait message
contains the given text; -a lists every thread of each group; -v first
prints how many unique stacks and threads there are, as illumos's -v
does. This is the FreeBSD flavour of illumos's ::stacks.

EXAMPLES
  > ::stacks -c slab_zalloc
  THREAD   STATE  WMESG    COUNT
  c14023c0 L      *Giant       2
           cpu_switch+0xd3
  ...`,
  options: { a: flag('list every thread of each group'), v: flag('report how many unique stacks and threads were found'), c: str('func', 'only stacks with a frame in this function'), w: str('wmesg', 'only threads whose wait message contains this text') },
  run(ctx, _addr, opts, args) {
    if (args.length > 0) throw new UsageError();
    const t = threadRows(ctx.target);
    const groups = new Map<string, Group>();
    let funcAddr: { lo: bigint; hi: bigint } | undefined;
    if (opts.c !== undefined) {
      const s = ctx.target.lookupSymbol(opts.c);
      if (!s) throw new DcmdError(`unknown function ${opts.c}`);
      funcAddr = { lo: s.addr, hi: s.addr + (s.size > 0n ? s.size : 1n) };
    }
    // -v counts every thread and stack, before -c and -w (illumos's counts are of its whole cache)
    let all = 0;
    const allStacks = new Set<string>();
    for (let row = 0; row < t.count; row++) {
      const th = readFbThread(ctx.target, row);
      const w = waitOf(th);
      const wmesg = (w.prefix === '*' ? '*' : '') + w.wmesg;
      const pcs = framesOf(ctx.target, th.addr).map((f) => f.pc);
      const state = threadStateLetters(th);
      const key = `${state}\0${RUNNING.test(wmesg) ? 'CPU' : wmesg}\0${pcs.join(',')}`;
      all++;
      allStacks.add(key);
      if (opts.w !== undefined && !wmesg.includes(opts.w)) continue;
      if (funcAddr && !pcs.some((pc) => pc >= funcAddr!.lo && pc < funcAddr!.hi)) continue;
      const g = groups.get(key);
      if (g) {
        g.threads.push(th.addr);
        g.wmesgs.push(wmesg);
      } else groups.set(key, { threads: [th.addr], state, wmesgs: [wmesg], pcs });
    }
    const list = [...groups.values()].sort((a, b) => b.threads.length - a.threads.length);
    const w = ctx.pointerSize * 2;
    const lines = opts.v ? [`stacks: ${allStacks.size} unique stacks / ${all} threads`] : [];
    lines.push(`${'THREAD'.padEnd(w)} ${'STATE'.padEnd(6)} ${'WMESG'.padEnd(8)} ${'COUNT'.padStart(5)}`);
    for (const g of list) {
      lines.push(`${hx(g.threads[0]!).padEnd(w)} ${g.state.padEnd(6)} ${(groupWmesg(g) || '-').padEnd(8)} ${String(g.threads.length).padStart(5)}`);
      if (opts.a) for (const a of g.threads.slice(1)) lines.push(hx(a).padEnd(w));
      for (const pc of g.pcs) lines.push(`${''.padEnd(w)} ${ctx.target.formatAddr(pc)}`);
      lines.push('');
    }
    const data = list.map((g) => ({ thread: g.threads[0]!, threads: g.threads, stateName: g.state, wmesg: groupWmesg(g), wmesgs: g.wmesgs, count: g.threads.length, stack: g.pcs.map((pc) => ctx.target.formatAddr(pc)) }));
    return text(lines.map((l) => l + '\n').join(''), { data, addresses: list.map((g) => g.threads[0]!), addressType: THREAD });
  },
});

export const findstack = defineDcmd({
  name: 'findstack',
  synopsis: ':[-v]',
  address: 'required',
  summary: 'find kernel thread stack',
  help: `Prints the stack of the struct thread at the address (or of a tid or
pid): "stack pointer for thread <td> (pid N tid N "comm"): <sp>", then each
frame with its frame pointer, innermost first. -v adds each frame's
arguments.

EXAMPLES
  > c14023c0::findstack
  stack pointer for thread c14023c0 (pid 15 tid 100015 "tcp"): ddb0d5b0
    ddb0d5b0 cpu_switch+0xd3()
    ddb0d640 sched_switch+0x9a()
  ...`,
  options: { v: flag('print the arguments of each frame') },
  input: THREAD,
  run(ctx, addr, opts, args) {
    if (args.length > 0) throw new UsageError();
    const th = readFbThread(ctx.target, resolveThread(ctx.target, addr!));
    const p = procOf(ctx.target, th);
    const frames = framesOf(ctx.target, th.addr);
    const sp = frames[0]?.fp ?? 0n;
    const ps = ctx.pointerSize;
    const lines = [`stack pointer for thread ${hx(th.addr)} (pid ${p?.pid ?? -1} tid ${th.tid} "${p?.comm ?? ''}"): ${hx(sp)}`];
    for (const f of frames) {
      const args = opts.v ? f.args.map(hx).join(', ') : '';
      lines.push(`  ${hx(f.fp).padStart(ps * 2, '0')} ${ctx.target.formatAddr(f.pc)}(${args})`);
    }
    const data = { thread: th.addr, sp, frames: frames.map((f) => ({ fp: f.fp, pc: f.pc, symbol: ctx.target.formatAddr(f.pc), args: f.args })) };
    return text(lines.map((l) => l + '\n').join(''), { data });
  },
});
