/*
 * ::findstack — a thread's stack, starting from its saved stack pointer
 * (genunix findstack.c). The first line names the thread and t_sp; then, when
 * t_pc is known, `[ sp func+off() ]` for the frame the thread stopped in;
 * then the frames above it as $C prints them, indented 2 (-v adds the
 * arguments). ::threadlist -v prints the same block with $c frames.
 */
import { defineDcmd, flag, text } from '../../../dcmd.js';
import { UsageError } from '../../../errors.js';
import type { Target } from '../../../target.js';
import { frameText, hx, needThread, ptr0, readThread, threadFrames, TS_FREE } from './helpers.js';
import { threadDesc } from './procs.js';

export interface FindstackMode {
  /** lead each frame with its frame pointer ($C) */
  fps: boolean;
  /** arguments shown per frame (0: none) */
  maxArgs: number;
}

/** The lines ::findstack prints for the thread at a row (without trailing newlines). */
export function findstackLines(target: Target, row: number, mode: FindstackMode): string[] {
  const t = readThread(target, row);
  const ps = target.pointerSize;
  const frames = threadFrames(target, row);
  // A thread that never saved t_sp is traced from its innermost frame.
  const sp = t.t_sp !== 0n ? t.t_sp : (frames[0]?.fp ?? 0n);
  const free = t.t_state === TS_FREE ? ' (TS_FREE)' : '';
  const lines = [`stack pointer for thread ${hx(t.addr)}${free} (${threadDesc(target, row)}): ${hx(sp)}`];
  if (t.t_pc !== 0n) lines.push(`[ ${ptr0(sp, ps)} ${target.formatAddr(t.t_pc)}() ]`);
  for (const f of frames) {
    // the frame at sp is the one in brackets; the chain above it follows
    if (t.t_pc !== 0n ? f.fp <= sp : f.fp < sp) continue;
    const body = frameText(target, f, mode.maxArgs);
    lines.push('  ' + (mode.fps ? `${ptr0(f.fp, ps)} ${body}` : body));
  }
  return lines;
}

export default defineDcmd({
  name: 'findstack',
  synopsis: ':[-v]',
  address: 'required',
  summary: 'find kernel thread stack',
  help: `Prints the stack of the kthread_t at the address: the stack pointer saved
in t_sp, the function the thread stopped in, then each frame above it with
its frame pointer. The thread is described as tq:<taskq>, <startfunc>() for
a kernel thread, or <command>/<lwpid> for a process's thread; a free thread
is marked (TS_FREE). -v adds each frame's arguments.

EXAMPLES
  > ffffff01c0a4a100::findstack
  mdb: couldn't read thread at ffffff01c0a4a100
  ...
  > *panic_thread::findstack -v
  stack pointer for thread ffffff01c0aa1120 (ld/1): ffffff0008b7bf90
  [ ffffff0008b7bf90 vpanic() ]
    ffffff0008b7c050 assfail+0x24(fffffffffbe05200, fffffffffbe05240, a26)
    ffffff0008b7c110 kmem_cache_alloc+0x102(ffffff01c0aab700, 4)
  ...
  > ::stacks -m blkdev | ::findstack`,
  options: { v: flag('print the arguments of each frame') },
  input: 'kthread_t',
  run(ctx, addr, opts, args) {
    if (args.length > 0) throw new UsageError();
    const row = needThread(ctx.target, addr!, (a) => `couldn't read thread at ${a}`);
    const lines = findstackLines(ctx.target, row, { fps: true, maxArgs: opts.v ? Infinity : 0 });
    const frames = threadFrames(ctx.target, row).map((f) => ({ fp: f.fp, pc: f.pc, symbol: ctx.target.formatAddr(f.pc), args: f.args }));
    return text(lines.map((l) => l + '\n').join(''), { data: { thread: addr!, sp: readThread(ctx.target, row).t_sp, frames } });
  },
});
