/*
 * ::cpustack — the stack of the thread a CPU is running. kmdb provides it
 * for a live machine's CPUs, from their saved registers; on a crash dump the
 * CPU's registers are its cpu_thread's saved ones (t_sp, t_pc, and for the
 * panic CPU what vpanic() saved), so this prints that thread's backtrace as
 * $c does, or with -v with frame pointers as $C does.
 */
import { defineDcmd, flag, text, uint } from '../../../dcmd.js';
import { DcmdError, UsageError } from '../../../errors.js';
import { frameText, hx, ptr0, threadFrames, threadIndex } from '../thread/helpers.js';
import { findCpu, readCpu } from './helpers.js';

export default defineDcmd({
  name: 'cpustack',
  synopsis: '?[-v] [-c cpuid]',
  address: 'optional',
  summary: 'print stack backtrace for a CPU',
  help: `Prints the stack of the thread running on a CPU (cpu_thread),
innermost frame first, as $c does. The CPU is given by its cpu_t address
or its id (as an address, or with -c); without one, the CPU that panicked,
or CPU 0 on a dump without a panic. -v leads each frame with its frame
pointer, as $C does.

EXAMPLES
  > ::cpustack
  vpanic(fffffffffbe05280, ffffff0008b7c020)
  assfail+0x24(fffffffffbe05200, fffffffffbe05240, a26)
  kmem_cache_alloc+0x102(ffffff01c0aab700, 4)
  bd_xfer_alloc+0x23(ffffff01c0a8b008, ffffff01c0c00ac0, fffffffffb810600, 4)
  ...
  > ::cpustack -v -c 0
  ffffff0008ad4f90 idle+0xc()
  ffffff0008ad4ff0 thread_start+8()`,
  options: {
    v: flag('print each frame pointer, as $C does'),
    c: uint('cpuid', 'the CPU by id'),
  },
  input: 'cpu_t',
  run(ctx, addr, opts, args) {
    if (args.length > 0 || (addr !== undefined && opts.c !== undefined)) throw new UsageError();
    const target = ctx.target;
    let which = addr ?? opts.c;
    if (which === undefined) {
      const pc = target.lookupSymbol('panic_cpu_id');
      const id = pc ? target.readU32(pc.addr) | 0 : -1;
      which = BigInt(id >= 0 ? id : 0);
    }
    const cpu = findCpu(target, which);
    if (cpu === undefined) throw new DcmdError(`${hx(which)} is neither a valid CPU ID nor a valid cpu_t address`);
    const c = readCpu(target, cpu);
    const idx = threadIndex(target);
    const row = idx.rowOf(c.cpu_thread);
    if (row < 0) throw new DcmdError(`couldn't read kthread_t at ${hx(c.cpu_thread)} (cpu ${c.cpu_id}'s cpu_thread)`);
    const frames = threadFrames(target, row);
    const lines = frames.map((f) => (opts.v ? `${ptr0(f.fp, ctx.pointerSize)} ` : '') + frameText(target, f) + '\n');
    return text(lines.join(''), {
      data: { cpu: c.cpu_id, cpu_t: cpu, thread: c.cpu_thread, frames: frames.map((f) => ({ fp: f.fp, pc: f.pc, symbol: target.formatAddr(f.pc), args: f.args })) },
    });
  },
});
