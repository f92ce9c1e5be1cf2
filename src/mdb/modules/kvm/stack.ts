/*
 * ::stack ($c) and ::stackregs ($C): a stack backtrace, one frame per line,
 * innermost first. Without an address they trace panic_thread, which is what
 * `$c` on a crash dump shows; with one, the address is a thread (its whole
 * stack) or a frame pointer (the chain from that frame outwards). $C puts
 * each frame's frame pointer first. An optional count limits the arguments
 * shown per frame ($c 0 shows none), as mdb's [cnt] does.
 */
import { defineDcmd, text, type DcmdArg, type DcmdContext } from '../../dcmd.js';
import { DcmdError, UsageError } from '../../errors.js';
import { parseUint } from '../../options.js';
import { entryThread, findFrame, frameText, hx, panicThread, threadTableName, ptr0, threadFrames, threadIndex, type StackFrame } from '../illumos/thread/helpers.js';

/** The frames $c shows for an address (or none: the panic thread), and the thread they belong to. */
export function backtrace(ctx: DcmdContext, addr: bigint | undefined): { thread: bigint; frames: StackFrame[] } {
  const target = ctx.target;
  const idx = threadIndex(target);
  if (addr === undefined) {
    // the panic thread, or on a hang the thread the debugger was entered on
    let pt = panicThread(target);
    if (pt === 0n) pt = entryThread(target);
    if (pt === 0n) throw new DcmdError('no panic thread to trace: this is a live dump (use <thread>$c or <thread>::findstack)');
    const row = idx.rowOf(pt);
    if (row < 0) throw new DcmdError(`couldn't read ${threadTableName(target)} at ${hx(pt)}`);
    return { thread: pt, frames: threadFrames(target, row) };
  }
  const row = idx.rowOf(addr);
  if (row >= 0) return { thread: addr, frames: threadFrames(target, row) };
  const f = findFrame(target, addr);
  if (f) return { thread: idx.addr[f.row]!, frames: threadFrames(target, f.row, f.depth) };
  throw new DcmdError(`no thread or stack frame at ${hx(addr)}`);
}

/** The [cnt] argument: how many arguments to show per frame (all by default). */
function argCount(args: DcmdArg[], radix: number): number {
  if (args.length === 0) return Infinity;
  if (args.length > 1) throw new UsageError();
  const n = parseUint(args[0]!, radix);
  if (n === undefined) throw new UsageError(`invalid count: ${String(args[0])}`);
  return Number(n);
}

function frameData(ctx: DcmdContext, frames: StackFrame[]) {
  return frames.map((f) => ({ fp: f.fp, pc: f.pc, symbol: ctx.target.formatAddr(f.pc), args: f.args }));
}

export const stack = defineDcmd({
  name: 'stack',
  synopsis: '?[cnt]',
  address: 'optional',
  summary: 'print stack backtrace',
  help: `Prints a stack backtrace, innermost frame first, as func+0xoff(args).
Arguments are printed in hex without a prefix. Without an address the
panic thread is traced (on a live dump there is none: give a thread). The
address may be a kthread_t or a frame pointer. A count limits the
arguments printed per frame. $c is the same command.

EXAMPLES
  > $c
  vpanic(fffffffffbe05280, ffffff0008b7c020)
  assfail+0x24(fffffffffbe05200, fffffffffbe05240, a26)
  kmem_cache_alloc+0x102(ffffff01c0aab700, 4)
  bd_xfer_alloc+0x23(ffffff01c0a8b008, ffffff01c0c00ac0, fffffffffb810600, 4)
  bd_strategy+0x40(ffffff01c0c00ac0)
  ...
  > ffffff01c0a4c480$c 0
  mdb: no thread or stack frame at ffffff01c0a4c480
  ...`,
  options: {},
  input: 'kthread_t',
  run(ctx, addr, _opts, args) {
    const max = argCount(args, ctx.radix);
    const { thread, frames } = backtrace(ctx, addr);
    const lines = frames.map((f) => frameText(ctx.target, f, max) + '\n');
    return text(lines.join(''), { data: { thread, frames: frameData(ctx, frames) } });
  },
});

export const stackregs = defineDcmd({
  name: 'stackregs',
  synopsis: '?[cnt]',
  address: 'optional',
  summary: 'print stack backtrace with frame pointers',
  help: `Like ::stack, but each frame is led by its frame pointer, zero-padded to
pointer width. $C is the same command.

EXAMPLES
  > $C
  ffffff0008b7bf90 vpanic(fffffffffbe05280, ffffff0008b7c020)
  ffffff0008b7c050 assfail+0x24(fffffffffbe05200, fffffffffbe05240, a26)
  ffffff0008b7c110 kmem_cache_alloc+0x102(ffffff01c0aab700, 4)
  ...`,
  options: {},
  input: 'kthread_t',
  run(ctx, addr, _opts, args) {
    const max = argCount(args, ctx.radix);
    const { thread, frames } = backtrace(ctx, addr);
    const lines = frames.map((f) => `${ptr0(f.fp, ctx.pointerSize)} ${frameText(ctx.target, f, max)}\n`);
    return text(lines.join(''), { data: { thread, frames: frameData(ctx, frames) } });
  },
});
