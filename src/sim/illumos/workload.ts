/*
 * The scenario's load, as user processes making system calls.
 *
 * Build jobs (cc1, as, ld ...) allocate and free kernel memory through
 * kmem_alloc() on realistic system-call paths, keep a working set of kernel
 * objects, and fault in anonymous memory up to their size, which pageout
 * steals back when memory is short; each job exits after job_ops calls and is
 * replaced by a fresh one. Readers read files sequentially from the ZFS pool.
 * Nothing here knows about any bug.
 */
import type { Kernel } from '../machine/kernel.js';
import { func, type FuncSym } from '../machine/symbols.js';
import type { KGen, KThread } from '../machine/thread.js';
import type { Kva } from '../machine/platform.js';
import { kmemAlloc, kmemFree, KM_SLEEP, type Kmem } from './kmem/kmem.js';
import { pageCreateAnon, pageFreeAnon, PG_WAIT } from './vmem/page.js';
import type { Scenario } from '../scenario/schema.js';
import { sysRead, type ZfsState } from './zfs/read.js';
import { zfsWrite, type TxgState } from './zfs/write.js';
import type { AnonOwner, Vm } from './vm.js';

const f = (m: string, n: string, s?: number): FuncSym => func(m, n, s);

/** System-call paths that end in kmem_alloc(), outermost first. */
const ALLOC_PATHS: readonly FuncSym[][] = [
  [f('unix', 'sys_syscall', 0x1e0), f('genunix', 'openat', 0x90), f('genunix', 'vn_openat', 0x3d0), f('genunix', 'lookuppnvp', 0x4c0), f('genunix', 'pn_get_buf', 0xa0)],
  [f('unix', 'sys_syscall'), f('genunix', 'forksys', 0x60), f('genunix', 'cfork', 0x7a0), f('genunix', 'as_dup', 0x140), f('genunix', 'segvn_dup', 0x3a0)],
  [f('unix', 'sys_syscall'), f('genunix', 'exece', 0x40), f('genunix', 'exec_common', 0x4e0), f('genunix', 'exec_args', 0x2e0)],
  [f('unix', 'sys_syscall'), f('genunix', 'cstatat', 0x90), f('genunix', 'lookupnameat', 0x80), f('genunix', 'fop_lookup', 0xa0), f('zfs', 'zfs_lookup', 0x1c0), f('genunix', 'dnlc_enter', 0x160)],
  [f('unix', 'sys_syscall'), f('genunix', 'pipe', 0x170), f('genunix', 'fifo_vfastoff', 0x40), f('genunix', 'fifovp', 0x130)],
];
const FREE_PATH: readonly FuncSym[] = [f('unix', 'sys_syscall'), f('genunix', 'closeandsetf', 0x210), f('genunix', 'closef', 0x90), f('genunix', 'fop_close', 0x60)];
const FAULT_PATH: readonly FuncSym[] = [
  f('unix', 'cmntrap', 0x140),
  f('unix', 'trap', 0x1070),
  f('unix', 'pagefault', 0x90),
  f('genunix', 'as_fault', 0x5b0),
  f('genunix', 'segvn_fault', 0x8c0),
  f('genunix', 'anon_zero', 0x170),
];
const WRITE_PATH: readonly FuncSym[] = [f('unix', 'sys_syscall')];
const SLEEP_PATH: readonly FuncSym[] = [f('unix', 'sys_syscall'), f('genunix', 'nanosleep', 0x130)];
const EXIT_PATH: readonly FuncSym[] = [f('unix', 'sys_syscall'), f('genunix', 'rexit', 0x20), f('genunix', 'exit', 0x30), f('genunix', 'proc_exit', 0x4a0)];
const JOB_NAMES = ['cc1', 'as', 'ld', 'cw', 'ctfconvert', 'make', 'sh', 'cpp'];

/** Remove a random element in O(1) (order does not matter). */
function takeRandom<T>(k: Kernel, xs: T[]): T {
  const i = k.rng.below(xs.length);
  const x = xs[i]!;
  xs[i] = xs[xs.length - 1]!;
  xs.pop();
  return x;
}

function* along<T>(k: Kernel, path: readonly FuncSym[], body: () => KGen<T>): KGen<T> {
  const frames = path.map((fn) => k.enter(fn, 0));
  const r = yield* body();
  for (let i = frames.length - 1; i >= 0; i--) k.leave(frames[i]!);
  return r;
}

/** A size the way a compiler's kernel use looks: mostly small, some large. */
function objectSize(k: Kernel): number {
  const r = k.rng.float();
  if (r < 0.55) return 16 + k.rng.below(200);
  if (r < 0.85) return 200 + k.rng.below(1400);
  if (r < 0.97) return 1600 + k.rng.below(3000);
  return 4600 + k.rng.below(11000);
}

export interface LoadStats {
  syscalls: number;
  faults: number;
  jobsExited: number;
}

/** One build-job thread: a sequence of processes, each making job_ops calls. */
export function* buildJob(k: Kernel, km: Kmem, vm: Vm, tx: TxgState, sc: Scenario, t: KThread, stats: LoadStats): KGen<void> {
  const b = sc.build;
  const targetObjects = b.kmem_objects * b.scale;
  const targetPages = Math.floor((b.anon_mb * 1024 * 1024) / k.p.pagesize);
  for (;;) {
    t.proc.comm = k.rng.pick(JOB_NAMES);
    t.proc.psargs = `${t.proc.comm} -O usr/src/uts/${k.rng.pick(['common', 'intel', 'i86pc'])}/${k.rng.below(900)}.c`;
    const live: Array<[Kva, number]> = [];
    const owner: AnonOwner = { resident: 0 };
    vm.owners.add(owner);
    for (let op = 0; op < b.job_ops; op++) {
      const r = k.rng.float();
      stats.syscalls++;
      if (k.rng.float() * 100 < b.write_pct) {
        yield* along(k, WRITE_PATH, () => zfsWrite(k, tx, 1 + k.rng.below(3)));
      } else if (r < 0.5 || live.length < targetObjects / 4) {
        yield* along(k, k.rng.pick(ALLOC_PATHS), function* () {
          for (let i = 0; i < b.scale; i++) {
            const size = objectSize(k);
            const m = yield* kmemAlloc(km, size, KM_SLEEP);
            if (m !== null) live.push([typeof m === 'number' ? m : m.addr, size]);
          }
        });
        while (live.length > targetObjects) {
          const [a, s] = takeRandom(k, live);
          yield* along(k, FREE_PATH, function* () {
            kmemFree(km, a, s);
          });
        }
      } else if (r < 0.8 && owner.resident < targetPages) {
        const n = Math.min(8 + k.rng.below(56), targetPages - owner.resident);
        stats.faults++;
        const ok = yield* along(k, FAULT_PATH, () => pageCreateAnon(k, n, PG_WAIT));
        if (ok) owner.resident += n;
      } else if (live.length > 0) {
        const [a, s] = takeRandom(k, live);
        yield* along(k, FREE_PATH, function* () {
          kmemFree(km, a, s);
        });
      }
      yield* along(k, SLEEP_PATH, () => k.delay(b.think_us * 500 + k.rng.below(b.think_us * 1000)));
    }
    // exit(): the process's kernel objects and resident pages go back.
    yield* along(k, EXIT_PATH, function* () {
      for (const [a, s] of live) kmemFree(km, a, s);
      if (owner.resident > 0) pageFreeAnon(k, owner.resident);
    });
    vm.owners.delete(owner);
    stats.jobsExited++;
  }
}

/** One reader: `ld` reading object files sequentially through ZFS. */
export function* readerJob(k: Kernel, z: ZfsState, sc: Scenario, t: KThread, stats: LoadStats): KGen<void> {
  const r = sc.reader;
  let fd = 3;
  const period = (r.burst_s + r.quiet_s) * 1e9;
  for (;;) {
    if (r.quiet_s > 0 && r.burst_s > 0) {
      // Link phases: every reader reads during the first burst_s seconds of
      // each period and waits out the quiet rest (the build is compiling).
      const into = k.now % period;
      if (into >= r.burst_s * 1e9) yield* along(k, SLEEP_PATH, () => k.delay(period - into));
    }
    t.proc.psargs = `ld -o usr/src/uts/intel/obj${k.rng.below(100)}/unix`;
    const base = k.rng.below(1 << 20) * 1024;
    for (let i = 0; i < r.file_blocks; i++) {
      stats.syscalls++;
      yield* sysRead(k, z, fd, base + i);
      yield* along(k, SLEEP_PATH, () => k.delay(r.think_us * 500 + k.rng.below(r.think_us * 1000)));
    }
    fd = 3 + ((fd - 2) % 16);
    if (r.idle_s > 0) yield* along(k, SLEEP_PATH, () => k.delay(k.rng.below(Math.floor(r.idle_s * 1000) + 1) * 1_000_000));
  }
}
