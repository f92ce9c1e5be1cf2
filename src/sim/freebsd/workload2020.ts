/*
 * The load of PR 248008: `make -j N buildkernel` with the sources on NFS.
 * Each job is a cc process: it is exec'd (kernel memory for the new image),
 * reads sources and headers through the buffer cache (NFS reads into 32 KB
 * buffers whose KVA comes from buffer_arena; the oldest buffer is recycled
 * when the arena or the buffer count is full), allocates and frees kernel
 * objects with malloc(9) (UMA zones up to 4 KB, kmem_malloc beyond), and
 * grows anonymous memory the pagedaemon has to page out. When a compile is
 * done the job exits, freeing what it held, and make starts the next one.
 * Every completed system call is progress. Nothing here knows about any bug.
 */
import { enterFromUser } from './kern/trap.js';
import type { Kernel } from '../machine/kernel.js';
import type { Kva } from '../machine/platform.js';
import type { FuncSym } from '../machine/symbols.js';
import type { KGen, KThread } from '../machine/thread.js';
import type { Freebsd2020Scenario } from '../scenario/schema.js';
import { f20, HZ, PCATCH, perCpuChan, PWAIT, sleep20 } from './kern/kern2020.js';
import { umaZalloc, umaZfree, type Uma2020, type Zone } from './uma2020/uma.js';
import { M_NOWAIT, M_WAITOK, vmemAlloc, vmemFree, type Vmem, type VmemSys } from './vmem/vmem.js';
import { kmemFree, kmemMalloc, vmPageAlloc, vmPageFree, vmWaitDomain, VM_ALLOC_NORMAL, type Anon, type Kmem, type Vm2020 } from './vm/vm_kern2020.js';

const malloc = f20('malloc', 0x1a0);
const free = f20('free', 0x120);
const uma_large_malloc = f20('uma_large_malloc', 0x90);
const EXEC = [f20('syscall', 0x310), f20('sys_execve', 0x60), f20('kern_execve', 0x90), f20('do_execve', 0x8d0)];
const OPEN = [f20('syscall', 0x310), f20('sys_openat', 0x40), f20('kern_openat', 0x3b0), f20('namei', 0x620), f20('nfs_lookup', 0xc40)];
const READ = [f20('syscall', 0x310), f20('sys_read', 0x80), f20('dofileread', 0xd0), f20('vn_read', 0x1f0), f20('ncl_bioread', 0xa60), f20('nfs_getcacheblk', 0x90), f20('getblk', 0x40), f20('getblkx', 0x8f0), f20('allocbuf', 0x2e0)];
const WRITE = [f20('syscall', 0x310), f20('sys_write', 0x80), f20('dofilewrite', 0xe0), f20('pipe_write', 0x5b0), f20('pipespace_new', 0x110)];
const EXIT = [f20('syscall', 0x310), f20('sys_sys_exit', 0x20), f20('exit1', 0x9a0)];
/** nanosleep(2) down to its tsleep_sbt() on nanowait[] */
const NANOSLEEP = [f20('syscall', 0x310), f20('sys_nanosleep', 0x30), f20('user_clock_nanosleep', 0x80), f20('kern_clock_nanosleep', 0x2a0)];
const FAULT = [f20('calltrap', 0x10), f20('trap', 0x6c0), f20('trap_pfault', 0x250), f20('vm_fault', 0x1c0)];
const bufkva_alloc = f20('bufkva_alloc', 0xb0);
const bufkva_free = f20('bufkva_free', 0x60);

export interface Load2020 {
  k: Kernel;
  vm: Vm2020;
  km: Kmem;
  u: Uma2020;
  vs: VmemSys;
  sc: Freebsd2020Scenario;
  mallocZones: Zone[];
  bufferArena: Vmem;
  stats: { syscalls: number; progress: number; lastProgress: number; exited: number; compiles: number; mallocs: number; kmemMallocs: number; bufs: number };
  /** the buffer cache, oldest first: KVA in buffer_arena and its pages */
  bufs: Fifo<{ kva: number; pages: number }>;
}

/**
 * A first-in first-out queue. The buffer cache recycles its oldest buffer
 * from the front; Array.prototype.shift moves every element once the array
 * is big (a million buffers made each recycle a copy of the whole cache).
 */
export class Fifo<T> {
  private items: Array<T | undefined> = [];
  private head = 0;
  get length(): number {
    return this.items.length - this.head;
  }
  push(x: T): void {
    this.items.push(x);
  }
  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const x = this.items[this.head];
    this.items[this.head++] = undefined;
    // drop the consumed front once it is most of the array
    if (this.head >= 4096 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return x;
  }
}

interface Obj {
  addr: Kva;
  size: number;
}

function* along<T>(k: Kernel, path: readonly FuncSym[], body: () => KGen<T>): KGen<T> {
  const frames = enterFromUser(k, path);
  const r = yield* body();
  for (let i = frames.length - 1; i >= 0; i--) k.leave(frames[i]!);
  return r;
}

const KMEM_ZMAX = 65536;
/** bytes in a MB, multiplied rather than shifted: `<< 20` is a 32-bit shift that wraps from 2048 MB */
const MB = 1048576;
const zoneIndex = (size: number): number => Math.max(0, Math.ceil(Math.log2(size)) - 4);

/** models malloc(size, type, M_WAITOK): a kmemzone up to KMEM_ZMAX (64 KB), uma_large_malloc -> kmem_malloc beyond. */
function* mallocW(c: Load2020, size: number): KGen<Obj | null> {
  const k = c.k;
  const fr = k.enter(malloc, 0, size, 0, M_WAITOK);
  let a: Kva = 0;
  if (size <= KMEM_ZMAX) {
    a = yield* umaZalloc(c.u, c.mallocZones[zoneIndex(size)]!, M_WAITOK);
    c.stats.mallocs++;
  } else {
    const lf = k.enter(uma_large_malloc, 0, size, M_WAITOK);
    a = yield* kmemMalloc(c.km, size, M_WAITOK);
    k.leave(lf);
    c.stats.kmemMallocs++;
  }
  k.leave(fr);
  return a ? { addr: a, size } : null;
}

function freeObj(c: Load2020, o: Obj): void {
  const k = c.k;
  const fr = k.enter(free, 0, o.addr, 0);
  if (o.size <= KMEM_ZMAX) umaZfree(c.u, c.mallocZones[zoneIndex(o.size)]!, o.addr);
  else kmemFree(c.km, o.addr, Math.ceil(o.size / k.p.pagesize) * k.p.pagesize);
  k.leave(fr);
}

/**
 * the buffer cache: an NFS buffer's KVA from buffer_arena (M_NOWAIT), recycling the oldest when
 * needed, and its pages. Every buffer takes the mount's 32 KB biosize of KVA, whatever the read's
 * size: getblkx() sizes the KVA by imax(size, bo_bsize), and nfs_getcacheblk() never asks for more
 * than biosize, so buffer_arena holds one size of segment.
 */
function* nfsBuffer(c: Load2020): KGen<void> {
  const k = c.k;
  const bsize = 32 * 1024;
  const pages = bsize / k.p.pagesize;
  const recycle = (): void => {
    const b = c.bufs.shift();
    if (!b) return;
    const ff = k.enter(bufkva_free, 0, b.kva);
    vmemFree(c.vs, c.bufferArena, b.kva, bsize);
    k.leave(ff);
    vmPageFree(c.vm, b.pages, true);
  };
  while (c.bufs.length >= c.sc.build.nbuf) recycle();
  const fr = k.enter(bufkva_alloc, 0, 0, bsize, 0);
  let a = -1;
  for (let tries = 0; tries < 4 && a < 0; tries++) {
    a = yield* vmemAlloc(c.vs, c.bufferArena, bsize, M_NOWAIT);
    if (a < 0) recycle();
  }
  k.leave(fr);
  if (a < 0) return;
  while (!vmPageAlloc(c.vm, pages, VM_ALLOC_NORMAL, true)) yield* vmWaitDomain(c.vm);
  c.bufs.push({ kva: a, pages });
  c.stats.bufs++;
  k.tick(60_000);
}

/** One make job: compile after compile until the build's share of jobs is done. */
export function* ccJob(c: Load2020, t: KThread, _n: number): KGen<void> {
  const { k, vm } = c;
  const b = c.sc.build;
  const anonTarget = Math.floor((b.anon_mb * MB) / k.p.pagesize);
  for (let job = 0; job < b.compiles; job++) {
    const held: Obj[] = [];
    const anon: Anon = { resident: 0 };
    vm.owners.add(anon);
    const syscall = function* (path: readonly FuncSym[], body: () => KGen<void>): KGen<void> {
      c.stats.syscalls++;
      yield* along(k, path, body);
      c.stats.progress++;
      c.stats.lastProgress = k.now;
    };
    // execve: the image activator's kernel memory (exec args, the new vmspace's structures)
    yield* syscall(EXEC, function* () {
      for (let i = 0; i < 4; i++) {
        const o = yield* mallocW(c, 16 << k.rng.below(9));
        if (o) held.push(o);
      }
      const o = yield* mallocW(c, (2 + k.rng.below(14)) * k.p.pagesize);
      if (o) held.push(o);
    });
    for (let op = 0; op < b.ops; op++) {
      const r = k.rng.below(100);
      if (r < 35) {
        // open/stat of sources and headers over NFS: namecache entries, nfsnodes, vnodes, RPC mbufs
        yield* syscall(OPEN, function* () {
          const n = 1 + k.rng.below(4);
          for (let i = 0; i < n; i++) {
            const o = yield* mallocW(c, 16 << k.rng.below(9));
            if (o) held.push(o);
          }
        });
      } else if (r < 65) {
        yield* syscall(READ, () => nfsBuffer(c));
      } else if (r < 75) {
        // cc | as: a pipe's buffer and large kernel allocations (kmem_malloc)
        yield* syscall(WRITE, function* () {
          const o = yield* mallocW(c, (2 + k.rng.below(b.large_pages)) * k.p.pagesize);
          if (o) held.push(o);
        });
      } else {
        // the compiler touches its heap: page faults on anonymous memory
        c.stats.syscalls++;
        yield* along(k, FAULT, function* () {
          const n = Math.min(64, anonTarget - anon.resident);
          if (n > 0) {
            while (!vmPageAlloc(vm, n, VM_ALLOC_NORMAL, false)) yield* vmWaitDomain(vm);
            anon.resident += n;
          }
        });
        c.stats.progress++;
        c.stats.lastProgress = k.now;
      }
      // objects die: the working set stays around `held`
      while (held.length > b.held * b.scale) {
        const i = k.rng.below(held.length);
        const o = held[i]!;
        held[i] = held[held.length - 1]!;
        held.pop();
        freeObj(c, o);
      }
      const ticks = Math.max(1, Math.round(((b.think_us / 2 + k.rng.below(b.think_us)) * HZ) / 1e6));
      // kern_clock_nanosleep(): tsleep_sbt(&nanowait[curcpu], PWAIT | PCATCH, "nanslp", ...)
      yield* along(k, NANOSLEEP, () => sleep20(k, perCpuChan(k, 'nanowait'), PWAIT | PCATCH, 'nanslp', ticks));
    }
    yield* syscall(EXIT, function* () {
      for (const o of held.splice(0)) freeObj(c, o);
      if (anon.resident > 0) vmPageFree(vm, anon.resident, false);
      anon.resident = 0;
      vm.owners.delete(anon);
    });
    c.stats.compiles++;
  }
  c.stats.exited++;
}
