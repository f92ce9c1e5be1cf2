/*
 * The scenario's load, as user processes making system calls (modelled on
 * Peter Holm's stress kit of 2004: "tcp" processes pushing packets through
 * sockets and "swap" processes eating anonymous memory).
 *
 * A network process sends bursts of packets (sosend() allocates each with
 * m_getcl(M_TRYWAIT)), keeps them in its socket buffers up to `sockbuf`,
 * and receives (soreceive() frees them with m_freem()). With
 * debug.mpsafenet=0 the socket layer runs under Giant (NET_LOCK_GIANT).
 * A memory process faults anonymous pages in up to anon_mb, and faults
 * again what the pagedaemon pages out. Every completed call is progress.
 * Nothing here knows about any bug.
 */
import { enterFromUser } from './kern/trap.js';
import type { Kernel } from '../machine/kernel.js';
import type { Kva } from '../machine/platform.js';
import { func, type FuncSym } from '../machine/symbols.js';
import type { KGen, KThread } from '../machine/thread.js';
import type { FreebsdScenario } from '../scenario/schema.js';
import { giant, mtxLock, mtxUnlock } from './kern/mutex.js';
import { HZ, msleep, PCATCH, PWAIT } from './kern/synch.js';
import { mFreem, mGetcl, mGethdr, M_PKTHDR, M_TRYWAIT, MT_DATA, type Mbufs } from './mbuf/kern_mbuf.js';
import type { Uma } from './uma/types.js';
import { VM_ALLOC_NORMAL, vmPageAlloc, vmPageFree, type AnonOwner, type Vm } from './vm/vm_page.js';
import { vmWaitPfault } from './vm/vm_pageout.js';

const f = (n: string, s?: number): FuncSym => func('kernel', n, s);

const SEND_PATH = [f('syscall', 0x2f0), f('sendto', 0x60), f('sendit', 0x110), f('kern_sendit', 0x190)];
const sosend = f('sosend', 0x6a0);
const RECV_PATH = [f('syscall'), f('recvfrom', 0x80), f('recvit', 0x1d0)];
const soreceive = f('soreceive', 0xa40);
const SLEEP_PATH = [f('syscall'), f('nanosleep', 0x70), f('kern_nanosleep', 0x120)];
const FAULT_PATH = [f('calltrap', 0x10), f('trap', 0x3a0), f('trap_pfault', 0x170)];
const vm_fault = f('vm_fault', 0x1310);
/** vm/vm.h and vm/vm_map.h of 5.x */
const VM_PROT_WRITE = 2;
const VM_FAULT_DIRTY = 8;
const EXIT_PATH = [f('syscall'), f('sys_exit', 0x30), f('exit1', 0x7b0), f('vmspace_exit', 0xb0)];

export interface LoadStats {
  syscalls: number;
  /** completed system calls and fault batches; the hang watchdog watches it */
  progress: number;
  lastProgress: number;
  sent: number;
  received: number;
  faults: number;
  exited: number;
}

export interface LoadCtx {
  k: Kernel;
  vm: Vm;
  u: Uma;
  mb: Mbufs;
  sc: FreebsdScenario;
  stats: LoadStats;
  /** &nanowait: kern_time.c's wait channel for nanosleep(2), laid out at boot */
  nanowait: Kva;
}

function* along<T>(k: Kernel, path: readonly FuncSym[], body: () => KGen<T>): KGen<T> {
  const frames = enterFromUser(k, path);
  const r = yield* body();
  for (let i = frames.length - 1; i >= 0; i--) k.leave(frames[i]!);
  return r;
}

function progress(c: LoadCtx): void {
  c.stats.progress++;
  c.stats.lastProgress = c.k.now;
}

/**
 * nanosleep(2): think time between calls. The kernel side sleeps with
 * tsleep(&nanowait, PWAIT | PCATCH, "nanslp", timo), interruptibly on one
 * static int every sleeper shares and nothing wakes (the timeout ends each
 * sleep); tsleep is a macro for msleep(chan, NULL, ...) in 5.x, so the
 * stack goes from the system call's frames straight to msleep.
 */
function* think(c: LoadCtx, us: number): KGen<void> {
  const k = c.k;
  const nanowait = c.nanowait;
  yield* along(k, SLEEP_PATH, function* () {
    const ticks = Math.max(1, Math.round(((us / 2 + k.rng.below(us)) * HZ) / 1e6));
    yield* msleep(k, nanowait, null, PWAIT | PCATCH, 'nanslp', ticks);
  });
}

/** NET_LOCK_GIANT() / NET_UNLOCK_GIANT(): Giant around the socket layer unless debug.mpsafenet */
function* netLockGiant(c: LoadCtx): KGen<void> {
  if (!c.sc.kernel.mpsafenet) yield* mtxLock(c.k, giant(c.k));
}
function netUnlockGiant(c: LoadCtx): void {
  if (!c.sc.kernel.mpsafenet) mtxUnlock(c.k, giant(c.k));
}

/** A socket buffer: the packets a process holds, oldest first, each with or without a cluster. */
class SockBuf {
  private q: Kva[] = [];
  private ext: boolean[] = [];
  private head = 0;
  /** whether the mbuf shift() last returned has a cluster */
  lastExt = true;
  get length(): number {
    return this.q.length - this.head;
  }
  push(m: Kva, ext: boolean): void {
    this.q.push(m);
    this.ext.push(ext);
  }
  shift(): Kva {
    this.lastExt = this.ext[this.head]!;
    const m = this.q[this.head++]!;
    if (this.head > 4096 && this.head * 2 > this.q.length) {
      this.q = this.q.slice(this.head);
      this.ext = this.ext.slice(this.head);
      this.head = 0;
    }
    return m;
  }
}

/** One network stress process. */
export function* tcpProc(c: LoadCtx, t: KThread): KGen<void> {
  const { k, u, mb } = c;
  const n = c.sc.net;
  const burst = n.burst * n.scale;
  const cap = n.sockbuf * n.scale;
  const sb = new SockBuf();
  for (let op = 0; op < n.ops; op++) {
    c.stats.syscalls++;
    if (sb.length < cap && (sb.length === 0 || k.rng.float() < 0.6)) {
      yield* along(k, SEND_PATH, function* () {
        yield* netLockGiant(c);
        const fr = k.enter(sosend, 0b1, t.addr, 0, 0, 0, 0);
        const want = Math.min(burst, cap - sb.length);
        for (let i = 0; i < want; i++) {
          // a small segment (an ACK, a short write) fits in the mbuf itself: no cluster
          const small = n.small_pct > 0 && k.rng.below(100) < n.small_pct;
          const m = small ? yield* mGethdr(u, mb, M_TRYWAIT, MT_DATA) : yield* mGetcl(u, mb, M_TRYWAIT, MT_DATA, M_PKTHDR);
          if (m === null) break;
          sb.push(m, !small);
          c.stats.sent++;
          // uiomove() into the cluster
          k.tick(1_500);
        }
        k.leave(fr);
        netUnlockGiant(c);
      });
    } else {
      yield* along(k, RECV_PATH, function* () {
        yield* netLockGiant(c);
        const fr = k.enter(soreceive, 0b1, t.addr, 0, 0, 0, 0);
        const got = Math.min(sb.length, 1 + k.rng.below(burst));
        for (let i = 0; i < got; i++) {
          const m = sb.shift();
          mFreem(u, mb, m, sb.lastExt);
          c.stats.received++;
          k.tick(1_000);
        }
        k.leave(fr);
        netUnlockGiant(c);
      });
    }
    progress(c);
    yield* think(c, n.think_us);
  }
  yield* along(k, EXIT_PATH, function* () {
    yield* netLockGiant(c);
    while (sb.length > 0) {
      const m = sb.shift();
      mFreem(u, mb, m, sb.lastExt);
    }
    netUnlockGiant(c);
  });
  c.stats.exited++;
}

/** One memory-pressure process: faults anonymous pages in, again after the pagedaemon takes them. */
export function* swapProc(c: LoadCtx, _t: KThread): KGen<void> {
  const { k, vm } = c;
  const p = c.sc.pressure;
  const target = Math.floor((p.anon_mb * 1024 * 1024) / k.p.pagesize);
  const owner: AnonOwner = { resident: 0 };
  vm.owners.add(owner);
  for (let op = 0; op < p.ops; op++) {
    if (owner.resident < target) {
      const n = Math.min(target - owner.resident, 16 + k.rng.below(48));
      c.stats.faults++;
      yield* along(k, FAULT_PATH, function* () {
        // trap_pfault(): vm_fault(map, va, VM_PROT_WRITE, VM_FAULT_DIRTY) for a write fault; the model
        // has no vmspace to name the map and no user addresses, so those two arguments are 0
        const fr = k.enter(vm_fault, 0, 0, 0, VM_PROT_WRITE, VM_FAULT_DIRTY);
        // vm_fault -> vm_page_alloc(VM_ALLOC_NORMAL); short of pages: VM_WAITPFAULT and retry
        while (!vmPageAlloc(vm, n, VM_ALLOC_NORMAL, false)) yield* vmWaitPfault(vm);
        owner.resident += n;
        vm.cnt.v_vm_faults += n;
        k.tick(n * 1_000);
        k.leave(fr);
      });
    }
    progress(c);
    yield* think(c, p.think_us);
  }
  // exit1() tears the address space down; modelled under Giant, as much of exit1() still was in 2004
  yield* along(k, EXIT_PATH, function* () {
    const g = giant(k);
    yield* mtxLock(k, g);
    if (owner.resident > 0) vmPageFree(vm, owner.resident, false);
    owner.resident = 0;
    vm.owners.delete(owner);
    mtxUnlock(k, g);
  });
  c.stats.exited++;
}
