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
  vpanic(fffffffffbe05240, ffffff0008af64a0)
  assfail+0x15(fffffffffbe051c0, fffffffffbe05200, a26)
  kmem_cache_alloc+0x1b7(ffffff01c0a68380, 4)
  bd_xfer_alloc+0xaa(ffffff01c0a47008, ffffff01c3857680, fffffffffb80f930, 4)
  ...
  > ::cpustack -v -c 0
  ffffff0008af6410 vpanic(fffffffffbe05240, ffffff0008af64a0)
  ffffff0008af64d0 assfail+0x15(fffffffffbe051c0, fffffffffbe05200, a26)
  ffffff0008af6590 kmem_cache_alloc+0x1b7(ffffff01c0a68380, 4)
  ffffff0008af6600 bd_xfer_alloc+0xaa(ffffff01c0a47008, ffffff01c3857680, fffffffffb80f930, 4)
  ffffff0008af6680 bd_strategy+0x73(ffffff01c3857680)
  ffffff0008af6720 bdev_strategy+0x20(ffffff01c3857680)
  ffffff0008af6780 ldi_strategy+0x35(ffffff01c0aa2d40, ffffff01c3857680)
  ffffff0008af67f0 vdev_disk_io_start+0x151(ffffff01c0b531c0)
  ffffff0008af6870 zio_vdev_io_start+0x25c(ffffff01c0b531c0)
  ffffff0008af6900 zio_execute+0xaf(ffffff01c0b531c0)
  ffffff0008af69a0 zio_nowait+0x10(ffffff01c0b531c0)
  ffffff0008af6a50 vdev_mirror_io_start+0x1af(ffffff01c0b4ce28)
  ffffff0008af6aa0 zio_vdev_io_start+0x142(ffffff01c0b4ce28)
  ffffff0008af6b30 zio_execute+0xaf(ffffff01c0b4ce28)
  ffffff0008af6bd0 zio_nowait+0x10(ffffff01c0b4ce28)
  ffffff0008af6c80 dbuf_write+0x1ab(ffffff01c0b88a00, ffffff01c0a4f008, ffffff0008af6db0)
  ffffff0008af6d40 dbuf_sync_leaf+0x232(ffffff01c0b88a00, ffffff0008af6db0)
  ffffff0008af6df0 dsl_pool_sync+0x221(ffffff01c0aa55c0, 2)
  ffffff0008af6ea0 spa_sync+0x287(ffffff01c0aeb000, 2)
  ffffff0008af6f60 txg_sync_thread+0x45(ffffff01c0aa55c0)
  ffffff0008af6ff0 thread_start+8()`,
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
