/*
 * ddb's traces: `bt` (trace, where) for one thread, `alltrace` (show all
 * trace) for every thread, and `show threads`, each thread's top frame.
 */
import { defineDcmd, text, uint, type Result } from '../../../dcmd.js';
import { UsageError } from '../../../errors.js';
import { px } from '../struct.js';
import { TDS_RUNNING } from '../names.js';
import type { Target } from '../../../target.js';
import { THREAD, ddbFrame, defaultThread, framesOf, procRows, readFbProc, readFbThread, resolveThread, threadRows, traceLines } from './helpers.js';

export const trace = defineDcmd({
  name: 'trace',
  synopsis: '?[-n count]',
  address: 'optional',
  summary: 'print a thread stack trace as ddb does',
  help: `Prints a stack trace in ddb's layout: "Tracing pid N tid N td 0x...",
then one line per frame, innermost first. On an i386 dump each frame is
"func(args) at func+0xoff", the arguments in hex without a prefix, as
the 2004 i386 ddb printed them; a 2020 i386 kernel's ddb adds the frame
pointer, "func(args) at func+0xoff/frame 0x..."; on a 64-bit dump
"func() at func+0xoff/frame 0x...". Without an address it traces the
panic thread, on a hang dump the thread the debugger was entered on (the
dump header's entry), and on a live dump the thread on CPU 0. The
address may be a struct thread, a struct
proc (its first thread), or a tid or pid: ddb reads them in hex and
rereads the digits as decimal, so "bt 100045" traces tid 100045. -n
(ddb's ",count") prints at most that many frames. In ddb syntax: bt,
trace or where [tid|pid|addr][,count].

EXAMPLES
  > ::trace
  Tracing pid 19 tid 100019 td 0xc1402500
  kdb_enter(c0b1c540) at kdb_enter+0x21
  panic(c0b1c500) at panic+0x128
  ...
  db> bt 100021,2
  Tracing pid 21 tid 100021 td 0xc14025a0
  cpu_switch() at cpu_switch+0xd3
  sched_switch(c14025a0,0) at sched_switch+0x9a`,
  options: { n: uint('count', 'print at most this many frames') },
  input: THREAD,
  ddb: { words: ['bt', 'trace', 'where'], count: 'arg', synopsis: '[tid|pid|addr][,count]' },
  run(ctx, addr, opts, args) {
    if (args.length > 0) throw new UsageError();
    const row = resolveThread(ctx.target, addr ?? defaultThread(ctx.target));
    const max = opts.n === undefined ? Infinity : Number(opts.n);
    const lines = traceLines(ctx.target, row, max);
    const th = readFbThread(ctx.target, row);
    const frames = framesOf(ctx.target, th.addr).slice(0, max).map((f) => ({ fp: f.fp, pc: f.pc, symbol: ctx.target.formatAddr(f.pc), args: f.args }));
    return text(lines.map((l) => l + '\n').join(''), { data: { thread: th.addr, tid: th.tid, frames }, addresses: [th.addr], addressType: THREAD });
  },
});

/**
 * The thread rows in the order kdb_thr_first()/kdb_thr_next() visit them:
 * each process's threads, processes in allproc order (the proc table's), and
 * then any thread no process lists.
 */
function threadRowsInProcOrder(target: Target): number[] {
  const p = procRows(target);
  const t = threadRows(target);
  const rows: number[] = [];
  const done = new Set<number>();
  for (let r = 0; r < p.count; r++)
    for (const row of readFbProc(target, r).threads)
      if (!done.has(row)) {
        done.add(row);
        rows.push(row);
      }
  for (let row = 0; row < t.count; row++) if (!done.has(row)) rows.push(row);
  return rows;
}

/**
 * _db_stack_trace_all(active_only): every thread in that order, each after a
 * blank line and "Tracing command ... td 0x..." with " (CPU n)" when it is
 * TDS_RUNNING; active_only keeps only those.
 */
function traceAll(target: Target, activeOnly: boolean): Result {
  const t = threadRows(target);
  const out: string[] = [];
  const data: Array<{ thread: bigint; lines: string[] }> = [];
  for (const row of threadRowsInProcOrder(target)) {
    if (activeOnly && readFbThread(target, row).state !== TDS_RUNNING) continue;
    const lines = traceLines(target, row, Infinity, true);
    out.push('', ...lines);
    data.push({ thread: t.addr(row), lines });
  }
  return text(out.map((l) => l + '\n').join(''), { data });
}

export const alltrace = defineDcmd({
  name: 'alltrace',
  synopsis: '',
  address: 'none',
  summary: 'print stack traces of all threads as ddb does',
  help: `Traces every thread of every process, in process order, each as
"Tracing command <comm> pid N tid N td 0x..." after a blank line (with
" (CPU n)" for a thread on a CPU), then its frames as ::trace prints them.
In ddb syntax: alltrace, or show all trace.

EXAMPLES
  > ::alltrace

  Tracing command swap pid 25 tid 100025 td 0xc14026e0
  cpu_switch() at cpu_switch+0xd3
  ...`,
  options: {},
  ddb: { words: ['alltrace', 'show all trace'] },
  run(ctx, _addr, _opts, args) {
    if (args.length > 0) throw new UsageError();
    return traceAll(ctx.target, false);
  },
});

export const acttrace = defineDcmd({
  name: 'acttrace',
  synopsis: '',
  address: 'none',
  summary: 'print stack traces of the threads on a CPU as ddb does',
  help: `Traces the threads that were running (TDS_RUNNING) when the debugger
was entered, in process order, each as ::alltrace prints it with the CPU it
was on. In ddb syntax: acttrace, or show active trace.

EXAMPLES
  > ::acttrace

  Tracing command tcp pid 19 tid 100019 td 0xc1402500 (CPU 1)
  kdb_enter(c0b1c540) at kdb_enter+0x21
  ...`,
  options: {},
  ddb: { words: ['acttrace', 'show active trace'] },
  run(ctx, _addr, _opts, args) {
    if (args.length > 0) throw new UsageError();
    return traceAll(ctx.target, true);
  },
});

export const threads = defineDcmd({
  name: 'threads',
  synopsis: '',
  address: 'none',
  summary: 'list threads with their top frame as ddb does',
  help: `Prints every thread as ddb's "show threads" does: its tid, the struct
thread, its kernel stack, and the frame it stopped in.

EXAMPLES
  > ::threads
    100025 (0xc14026e0) (stack 0xddb33000)  cpu_switch() at cpu_switch+0xd3
  ...`,
  options: {},
  ddb: { words: ['show threads'] },
  run(ctx, _addr, _opts, args) {
    if (args.length > 0) throw new UsageError();
    const lines: string[] = [];
    const data = [];
    // db_show_threads() walks kdb_thr_first()/kdb_thr_next(): process by process, as alltrace does
    for (const row of threadRowsInProcOrder(ctx.target)) {
      const th = readFbThread(ctx.target, row);
      const top = framesOf(ctx.target, th.addr)[0];
      const frame = top ? ddbFrame(ctx.target, top) : '';
      lines.push(`  ${String(th.tid).padStart(6)} (${px(th.addr)}) (stack ${px(th.kstack)})  ${frame}`.trimEnd());
      data.push({ tid: th.tid, thread: th.addr, kstack: th.kstack, top: frame });
    }
    return text(lines.map((l) => l + '\n').join(''), { data, addresses: data.map((d) => d.thread), addressType: THREAD });
  },
});
