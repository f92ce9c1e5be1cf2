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
  vpanic(fffffffffbe05a40, ffffff0008b52020)
  assfail+0x15(fffffffffbe059c0, fffffffffbe05a00, a26)
  kmem_cache_alloc+0x1b7(ffffff01c0aab700, 4)
  bd_xfer_alloc+0xaa(ffffff01c0a8b008, ffffff01c3813ac0, fffffffffb810a80, 4)
  ...
  > ::cpustack -v -c 0
  ffffff0008b51f90 vpanic(fffffffffbe05a40, ffffff0008b52020)
  ffffff0008b52050 assfail+0x15(fffffffffbe059c0, fffffffffbe05a00, a26)
  ffffff0008b52110 kmem_cache_alloc+0x1b7(ffffff01c0aab700, 4)
  ffffff0008b52180 bd_xfer_alloc+0xaa(ffffff01c0a8b008, ffffff01c3813ac0, fffffffffb810a80, 4)
  ffffff0008b52200 bd_strategy+0x73(ffffff01c3813ac0)
  ffffff0008b522a0 bdev_strategy+0x20(ffffff01c3813ac0)
  ffffff0008b52300 ldi_strategy+0x35(fffffffffbe05140, ffffff01c3813ac0)
  ffffff0008b52370 vdev_disk_io_start+0x151(ffffff01c0b6c3d8)
  ffffff0008b523f0 zio_vdev_io_start+0x25c(ffffff01c0b6c3d8)
  ffffff0008b52480 zio_execute+0xaf(ffffff01c0b6c3d8)
  ffffff0008b52520 zio_nowait+0x10(ffffff01c0b6c3d8)
  ffffff0008b525d0 vdev_mirror_io_start+0x1af(ffffff01c0b5aa10)
  ffffff0008b52620 zio_vdev_io_start+0x142(ffffff01c0b5aa10)
  ffffff0008b526b0 zio_execute+0xaf(ffffff01c0b5aa10)
  ffffff0008b52750 zio_nowait+0x10(ffffff01c0b5aa10)
  ffffff0008b52800 arc_read_nolock+0x1e8(0, ffffff01c0b7e000, ffffff01c0bb2080, 0, 0, 6)
  ffffff0008b52870 arc_read+0x18(0, ffffff01c0b7e000, ffffff01c0bb2080, ffffff01c0a910a8, 0, 0)
  ffffff0008b528d0 dsl_read+0x20(0, ffffff01c0b7e000, ffffff01c0bb2080, ffffff01c0a910a8, 0, 0)
  ffffff0008b52950 dbuf_prefetch+0x180(ffffff01c0a8f628, 1)
  ffffff0008b529f0 dmu_zfetch_fetch+0x38(ffffff01c0a8f628, 1, 8)
  ffffff0008b52a10 dmu_zfetch_dofetch+0x54(ffffff01c0a8f890, ffffff01c0a8c118)
  ffffff0008b52a70 dmu_zfetch_find+0x339(ffffff01c0a8f890, ffffff0008b52a38, 0)
  ffffff0008b52ab0 dmu_zfetch+0x9b(ffffff01c0a8f890, 0, 20000, 0)
  ffffff0008b52b50 dbuf_read+0xe4(ffffff01c0a90428, 0, 6)
  ffffff0008b52bf0 dmu_buf_hold_array_by_dnode+0x2e(ffffff01c0a8f628, 0, 20000, 1, fffffffffbe05980, ffffff0008b52cb8)
  ffffff0008b52ca0 dmu_buf_hold_array+0x18(ffffff01c0ae6040, 9, 0, 20000, 1, fffffffffbe05980)
  ffffff0008b52cd0 dmu_read_uio+0x12(ffffff01c0ae6040, 9, ffffff0008b52df0, 20000)
  ffffff0008b52d30 zfs_read+0x2b0(ffffff01c0a8d7e8, ffffff0008b52df0, 0, ffffff01c0a8e5a8, 0)
  ffffff0008b52de0 fop_read+0x31(ffffff01c0a8d7e8, ffffff0008b52df0, 0, ffffff01c0a8e5a8, 0)
  ffffff0008b52e60 read+0x1b(7, 8100000, 20000)
  ffffff0008b52f20 read32+0xa(7, 8100000, 20000)
  ffffff0008b52f80 brand_sys_sysenter+0x113()`,
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
