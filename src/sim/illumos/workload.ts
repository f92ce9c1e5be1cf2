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
import type { Frame, KGen, KThread } from '../machine/thread.js';
import { nanosleep } from './kern/condvar.js';
import type { Kva } from '../machine/platform.js';
import { kmemAlloc, kmemFree, KM_SLEEP, type Kmem } from './kmem/kmem.js';
import { pageCreateAnonPages, pageFreeAnon, swapAlloc, PG_EXCL, PG_WAIT } from './vmem/page.js';
import { kmemAllocCache, kmemCacheAllocNoSleep, kmemCacheCreate } from './kmem/kmem.js';
import { storePtr } from './kmem/contents.js';
import type { Buf } from './kmem/types.js';
import type { KmemCache } from './kmem/kmem.js';
import type { Scenario } from '../scenario/schema.js';
import { sysRead, type ZfsFile, type ZfsState } from './zfs/read.js';
import { zfsWrite, type TxgState } from './zfs/write.js';
import type { AnonOwner, Vm } from './vm.js';
import { kernelObject } from './kern/kobj.js';
import { KList, type DataWord } from './kern/klist.js';
import { runNoSleep } from '../machine/sync.js';

const f = (m: string, n: string, s?: number): FuncSym => func(m, n, s);

const cmntrap = f('unix', 'cmntrap', 0x140);
const trapFn = f('unix', 'trap', 0x1070);
const pagefault = f('unix', 'pagefault', 0x90);
const as_fault = f('genunix', 'as_fault', 0x5b0);
const segvn_fault = f('genunix', 'segvn_fault', 0x8c0);
const anon_zero = f('genunix', 'anon_zero', 0x170);

/*
 * What a user process holds in the kernel, allocated when it is created:
 * its address space (as_cache) with its hat (hat_t) and the heap segment
 * (seg_cache) its faults land in, its LWP (lwp_cache), its cred
 * (cred_cache), and an open file (file_cache, on a vnode from vn_cache).
 * Sizes of struct as, hat_t, struct seg, klwp_t, file_t on amd64, 2012.
 */
const SIZEOF_AS = 0xe0;
const SIZEOF_HAT = 0x128;
const SIZEOF_SEG = 0x60;
const SIZEOF_KLWP = 0x3a8;
const SIZEOF_FILE = 0x50;
// amd64 offsets of the members the links above use (vm/as.h, vm/seg.h,
// sys/file.h, sys/user.h); these structures have no CTF in the dump
const AS_A_HAT = 0x10;
const AS_A_SEGLAST = 0x28;
const SEG_S_AS = 0x18;
const FILE_F_VNODE = 0x10;
const FILE_F_CRED = 0x20;
const SIZEOF_UF_ENTRY = 0x40;
const UF_ENTRY_UF_FILE = 0x8;
/** flist_grow() allocates the open-file table in chunks of NFPCHUNK entries */
const NFPCHUNK = 24;
/** where a 32-bit process's heap starts: its faults' addresses */
const UHEAP = 0x8100000;
/** fault types and access (vm/seg_enum.h): F_INVAL, S_WRITE */
const F_INVAL = 0;
const S_WRITE = 2;

export interface UserCaches {
  as: KmemCache;
  hat: KmemCache;
  seg: KmemCache;
  lwp: KmemCache;
  file: KmemCache;
  cred: KmemCache;
  vn: KmemCache;
}

export interface UserProc {
  proc: Kva;
  as: Kva;
  hat: Kva;
  seg: Kva;
  lwp: Kva;
  cred: Kva;
  fp: Kva;
  vp: Kva;
  /** u_finfo.fi_list: the uf_entry_t array of open files (flist_grow()) */
  flist: Kva;
  /** the heap segment's buffer (segvn_dup's s_data chain hangs off it) */
  segBuf: Buf;
  /** the list at s_data its segvn_dup() objects are on (made at the first) */
  segData?: KList;
}

/** An open file's vnode and the cred it was opened with. */
export interface OpenVnode {
  vp: Kva;
  cred: Kva;
}

/** as_init(), hat_init(), seg_init(), lwp_init(), file_cache: the caches user processes are made of. */
export function userCachesCreate(km: Kmem, credCache: KmemCache, vnCache: KmemCache): UserCaches {
  return {
    as: kmemCacheCreate(km, { name: 'as_cache', bufsize: SIZEOF_AS, align: 8 }),
    hat: kmemCacheCreate(km, { name: 'hat_t', bufsize: SIZEOF_HAT, align: 8 }),
    seg: kmemCacheCreate(km, { name: 'seg_cache', bufsize: SIZEOF_SEG, align: 8 }),
    lwp: kmemCacheCreate(km, { name: 'lwp_cache', bufsize: SIZEOF_KLWP, align: 8 }),
    file: kmemCacheCreate(km, { name: 'file_cache', bufsize: SIZEOF_FILE, align: 8 }),
    cred: credCache,
    vn: vnCache,
  };
}

/**
 * A process's address space, heap segment, LWP, cred and an open file
 * (cfork(), lwp_create(), crdup(), falloc()), linked as the kernel links them
 * so that a conservative scan of the dump reaches each from its proc_t:
 * as->a_hat and as->a_seglast, seg->s_as, the file's f_vnode and f_cred, and
 * the open-file table u_finfo.fi_list whose entry 3 holds the file (fd 3,
 * after stdin, stdout and stderr). The proc_t's p_as, p_cred and
 * p_user.u_finfo.fi_list columns are written by savecore.
 */
export function userProcCreate(km: Kmem, c: UserCaches, proc: Kva, open: { fd3?: OpenVnode; fd4?: OpenVnode } = {}): UserProc {
  const take = (cp: KmemCache | null): Buf => {
    const b = cp ? kmemCacheAllocNoSleep(km, cp) : null;
    if (!b) throw new Error('simulator: no memory for a process at boot');
    return b;
  };
  const as = take(c.as);
  const hat = take(c.hat);
  const seg = take(c.seg);
  const lwp = take(c.lwp);
  const cred = take(c.cred);
  const fp = take(c.file);
  // fd 3: a file on a vnode of its own, or the ZFS file the process reads
  const vp = open.fd3 ? open.fd3.vp : take(c.vn).addr;
  const flist = take(kmemAllocCache(km, NFPCHUNK * SIZEOF_UF_ENTRY));
  storePtr(as, AS_A_HAT, hat.addr);
  storePtr(as, AS_A_SEGLAST, seg.addr);
  storePtr(seg, SEG_S_AS, as.addr);
  storePtr(fp, FILE_F_VNODE, vp);
  storePtr(fp, FILE_F_CRED, open.fd3 ? open.fd3.cred : cred.addr);
  storePtr(flist, 3 * SIZEOF_UF_ENTRY + UF_ENTRY_UF_FILE, fp.addr);
  if (open.fd4) {
    // fd 4: the file the process writes (falloc() on a vnode it shares)
    const fp4 = take(c.file);
    storePtr(fp4, FILE_F_VNODE, open.fd4.vp);
    storePtr(fp4, FILE_F_CRED, open.fd4.cred);
    storePtr(flist, 4 * SIZEOF_UF_ENTRY + UF_ENTRY_UF_FILE, fp4.addr);
  }
  return { proc, as: as.addr, hat: hat.addr, seg: seg.addr, segBuf: seg, lwp: lwp.addr, cred: cred.addr, fp: fp.addr, vp, flist: flist.addr };
}

/**
 * A page fault on the process's heap, through the frames of the real path,
 * each with its real arguments: cmntrap → trap(rp, addr, cpuid) →
 * pagefault(addr, type, rw, iskernel) → as_fault(hat, as, addr, size, type,
 * rw) → segvn_fault(hat, seg, addr, len, type, rw) → anon_zero(seg, addr,
 * app, cred) → page_create_va(swap vnode, off, bytes, PG_WAIT | PG_EXCL,
 * seg, addr), the pages named by the swapfs offsets swap_alloc() gave their
 * anon slots. Returns the pages, or null.
 */
function* faultIn(k: Kernel, u: UserProc, n: number): KGen<number[] | null> {
  const addr = UHEAP + k.rng.below(0x4000) * k.p.pagesize;
  const len = n * k.p.pagesize;
  const f0 = k.enter(cmntrap, 0);
  // the trap frame (struct regs) cmntrap pushed on the stack
  const rp = f0.fp - 0xb0;
  const f1 = k.enter(trapFn, 0b1, rp, addr, k.curcpu);
  const f2 = k.enter(pagefault, 0, addr, F_INVAL, S_WRITE, 0);
  const f3 = k.enter(as_fault, 0b11, u.hat, u.as, addr, len, F_INVAL, S_WRITE);
  const f4 = k.enter(segvn_fault, 0b11, u.hat, u.seg, addr, len, F_INVAL, S_WRITE);
  // anon_zero(seg, addr, &ap, cred): the anon slot pointer is segvn_fault's local
  const f5 = k.enter(anon_zero, 0b1111, u.seg, addr, f4.fp - 0x28, u.cred);
  const slot = swapAlloc(k, n);
  const pfns = yield* pageCreateAnonPages(k, n, PG_WAIT | PG_EXCL, { vp: slot.vp, off: slot.off, seg: u.seg, vaddr: addr });
  for (const fr of [f5, f4, f3, f2, f1, f0]) k.leave(fr);
  return pfns;
}

/**
 * A frame of a system-call path: the function, which arguments are kernel
 * pointers, and the arguments (its real signature's first six) given what the
 * process holds and where the previous frame is.
 */
interface Step {
  fn: FuncSym;
  mask?: number;
  args?: (u: UserProc, prev: Frame) => number[];
}
const st = (fn: FuncSym, mask = 0, args?: (u: UserProc, prev: Frame) => number[]): Step => ({ fn, mask, ...(args ? { args } : {}) });
/** a user-space address in the process's data (a path name, a struct the call fills) */
const UDATA = 0x8047000;
const sys_syscall = f('unix', 'sys_syscall', 0x1e0);
/** O_RDONLY, FREAD, AT_FDCWD, FOLLOW, UIO_USERSPACE, CRCREAT: flags the calls pass */
const FREAD = 1;
const AT_FDCWD = 0xffd19553;
const FOLLOW = 1;

/** System-call paths that end in kmem_alloc(), outermost first. */
const ALLOC_PATHS: readonly Step[][] = [
  [
    st(sys_syscall),
    // openat(fd, path, flags, mode) → vn_openat(pnamep, seg, filemode, createmode, vpp, crwhy)
    st(f('genunix', 'openat', 0x90), 0, () => [AT_FDCWD, UDATA, 0, 0]),
    st(f('genunix', 'vn_openat', 0x3d0), 0b10000, (_u, p) => [UDATA, 0, FREAD, 0, p.fp - 0x18, 0]),
    // lookuppnvp(pnp, rpnp, follow, dirvpp, compvpp, rootvp): the pathname is vn_openat's local
    st(f('genunix', 'lookuppnvp', 0x4c0), 0b110001, (u, p) => [p.fp - 0x60, 0, FOLLOW, 0, p.fp - 0x20, u.vp]),
    // pn_get_buf(str, seg, pnp, buf, bufsize): the pathname and its MAXPATHLEN buffer
    st(f('genunix', 'pn_get_buf', 0xa0), 0b1100, (_u, p) => [UDATA, 0, p.fp - 0x48, p.fp - 0x448, 1024]),
  ],
  [
    st(sys_syscall),
    // forksys(subcode, flags) → cfork(isvfork, isfork1, flags) → as_dup(as, forkedp) → segvn_dup(seg, newseg)
    st(f('genunix', 'forksys', 0x60), 0, () => [0, 0]),
    st(f('genunix', 'cfork', 0x7a0), 0, () => [0, 1, 0]),
    st(f('genunix', 'as_dup', 0x140), 0b11, (u) => [u.as, u.proc]),
    st(f('genunix', 'segvn_dup', 0x3a0), 0b11, (u) => [u.seg, u.seg]),
  ],
  [
    st(sys_syscall),
    // exece(fname, argp, envp) → exec_common(fname, argp, envp, brand_action) → exec_args(uap, args, intp, auxvpp)
    st(f('genunix', 'exece', 0x40), 0, () => [UDATA, UDATA + 0x200, UDATA + 0x280]),
    st(f('genunix', 'exec_common', 0x4e0), 0, () => [UDATA, UDATA + 0x200, UDATA + 0x280, 0]),
    st(f('genunix', 'exec_args', 0x2e0), 0b1111, (_u, p) => [p.fp - 0x80, p.fp - 0x140, p.fp - 0x1a0, p.fp - 0x30]),
  ],
  [
    st(sys_syscall),
    // cstatat(fd, name, sb, follow, flags) → lookupnameat(fnamep, seg, followlink, dirvpp, compvpp, startvp)
    st(f('genunix', 'cstatat', 0x90), 0, () => [AT_FDCWD, UDATA, UDATA + 0x100, FOLLOW, 0]),
    st(f('genunix', 'lookupnameat', 0x80), 0b110000, (u, p) => [UDATA, 0, FOLLOW, 0, p.fp - 0x18, u.vp]),
    // fop_lookup(dvp, nm, vpp, pnp, flags, rdir) → zfs_lookup(dvp, nm, vpp, pnp, flags, rdir)
    st(f('genunix', 'fop_lookup', 0xa0), 0b101111, (u, p) => [u.vp, p.fp - 0x100, p.fp - 0x18, p.fp - 0x60, 0, u.vp]),
    st(f('zfs', 'zfs_lookup', 0x1c0), 0b101111, (u, p) => [u.vp, p.fp - 0x100, p.fp - 0x18, p.fp - 0x60, 0, u.vp]),
    // dnlc_enter(dp, name, vp)
    st(f('genunix', 'dnlc_enter', 0x160), 0b111, (u, p) => [u.vp, p.fp - 0x100, u.vp]),
  ],
  [
    st(sys_syscall),
    // pipe(arg, flags) → fifo_vfastoff(vp) → fifovp(vp, cr): the new pipe's fifonode
    st(f('genunix', 'pipe', 0x170), 0, () => [UDATA + 0x300, 0]),
    st(f('genunix', 'fifo_vfastoff', 0x40), 0b1, (u) => [u.vp]),
    st(f('genunix', 'fifovp', 0x130), 0b11, (u) => [u.vp, u.cred]),
  ],
];
const FREE_PATH: readonly Step[] = [
  st(sys_syscall),
  // closeandsetf(fd, newfp) → closef(fp) → fop_close(vp, flag, count, offset, cr, ct)
  st(f('genunix', 'closeandsetf', 0x210), 0, () => [5, 0]),
  st(f('genunix', 'closef', 0x90), 0b1, (u) => [u.fp]),
  st(f('genunix', 'fop_close', 0x60), 0b10001, (u) => [u.vp, FREAD, 1, 0, u.cred, 0]),
];
const WRITE_PATH: readonly Step[] = [st(sys_syscall)];
const SLEEP_PATH: readonly Step[] = [st(sys_syscall)];
const EXIT_PATH: readonly Step[] = [
  st(sys_syscall),
  // rexit(rval) → exit(why, what) → proc_exit(why, what): CLD_EXITED
  st(f('genunix', 'rexit', 0x20), 0, () => [0]),
  st(f('genunix', 'exit', 0x30), 0, () => [1, 0]),
  st(f('genunix', 'proc_exit', 0x4a0), 0, () => [1, 0]),
];

/*
 * Where the objects a job's system calls leave behind are kept, as the
 * subsystems that own them keep their own, so that the dump reaches each:
 *  - dnlc_enter(): an ncache_t on its nc_hash bucket (dnlc_init():
 *    nc_hash = kmem_zalloc(nc_hashsz * sizeof (nc_hash_t))); an ncache_t
 *    starts with hash_next, hash_prev, and a bucket (nc_hash_t) with the
 *    same two words, the head of a circular list;
 *  - fifovp(): a fifonode on its fifoalloc[] chain (fifosubr.c's static
 *    array of FIFOSHFTSZ pointers), linked through its first word;
 *  - segvn_dup(): the model's fork makes no child process, so the
 *    duplicated segment's data stays with the parent's heap segment, on a
 *    list headed at the segment's s_data;
 *  - pn_get_buf() and exec_args(): a path name and exec's argument area,
 *    which the kernel frees before the system call returns (pn_free(),
 *    exec_args()'s caller), and so does the model.
 * The objects are of the sizes the load draws (16 bytes at least), so each
 * link is in its first two words.
 */
const NC_HASHSZ = 1024;
const SIZEOF_NC_HASH = 0x18;
const FIFOSHFTSZ = 256;
const SEG_S_DATA = 0x40;
export interface KernTables {
  /** nc_hash's table and its buckets' lists */
  ncHash: Buf;
  ncBuckets: Map<number, KList>;
  /** fifoalloc[] (kernel data) and its chains, by bucket */
  fifoalloc: Kva;
  fifoChains: Map<number, FifoChain>;
}

/** dnlc_init() and fifoinit(): the tables */
export function kernTablesInit(k: Kernel, km: Kmem): KernTables {
  const m = runNoSleep(kmemAlloc(km, NC_HASHSZ * SIZEOF_NC_HASH, KM_SLEEP), 'dnlc_init');
  if (!m || typeof m === 'number') throw new Error('simulator: no memory for nc_hash at boot');
  return { ncHash: m, ncBuckets: new Map(), fifoalloc: kernelObject(k, 'genunix', 'fifoalloc', FIFOSHFTSZ * 8).addr, fifoChains: new Map() };
}

/** The words savecore writes for these tables' globals: nc_hash, and fifoalloc[]'s non-empty buckets. */
export function kernTablesWords(t: KernTables): Array<DataWord & { name: string }> {
  const out: Array<DataWord & { name: string }> = [{ name: 'nc_hash', at: -1, value: t.ncHash.addr }];
  for (const [i, c] of [...t.fifoChains].sort((a, b) => a[0] - b[0])) if (c.head) out.push({ name: 'fifoalloc', at: t.fifoalloc + i * 8, value: c.head.addr });
  return out;
}

const bucketOf = (addr: Kva, n: number): number => Math.floor(addr / 64) % n;

/**
 * A fifoalloc[] chain: singly linked through each fifonode's first word,
 * new nodes at the head (fifoinsert()); the JS map mirrors each node's
 * predecessor so fiforemove() unlinks in O(1).
 */
class FifoChain {
  head: Buf | null = null;
  private readonly prev = new Map<Buf, Buf | null>();
  private readonly next = new Map<Buf, Buf | null>();
  insert(b: Buf): void {
    const h = this.head;
    this.prev.set(b, null);
    this.next.set(b, h);
    if (h) this.prev.set(h, b);
    storePtr(b, 0, h ? h.addr : 0);
    this.head = b;
  }
  remove(b: Buf): void {
    if (!this.prev.has(b)) return;
    const p = this.prev.get(b)!;
    const n = this.next.get(b)!;
    this.prev.delete(b);
    this.next.delete(b);
    if (p) {
      this.next.set(p, n);
      storePtr(p, 0, n ? n.addr : 0);
    } else this.head = n;
    if (n) this.prev.set(n, p);
    storePtr(b, 0, 0);
  }
}

/** What keeps an object: its list or chain; NOTHING for an oversize object (no buffer), which no table holds. */
type Keeper = KList | FifoChain | typeof NOTHING;
const NOTHING = { remove(_b: Buf): void {} };

/**
 * A kept object: its buffer and what keeps it (keeper.remove(buf) takes it
 * off). The keeper rather than a closure per object: a million live objects
 * are that many fewer allocations for the scavenger to copy.
 */
interface Kept {
  addr: Kva;
  size: number;
  buf: Buf | null;
  keeper: Keeper;
}

/** Keep `b` where the path that made it keeps it (the index into ALLOC_PATHS); null for a path that frees it before returning. */
function keep(t: KernTables, u: UserProc, path: number, b: Buf): Keeper | null {
  switch (path) {
    case 1: {
      let l = u.segData;
      if (!l) l = u.segData = new KList(u.segBuf, u.segBuf.addr + SEG_S_DATA, 0);
      l.insertTail(b);
      return l;
    }
    case 3: {
      const i = bucketOf(b.addr, NC_HASHSZ);
      let l = t.ncBuckets.get(i);
      if (!l) t.ncBuckets.set(i, (l = new KList(t.ncHash, t.ncHash.addr + i * SIZEOF_NC_HASH, 0)));
      l.insertTail(b);
      return l;
    }
    case 4: {
      const i = bucketOf(b.addr, FIFOSHFTSZ);
      let c = t.fifoChains.get(i);
      if (!c) t.fifoChains.set(i, (c = new FifoChain()));
      c.insert(b);
      return c;
    }
    default:
      return null;
  }
}

const JOB_NAMES = ['cc1', 'as', 'ld', 'cw', 'ctfconvert', 'make', 'sh', 'cpp'];

/** Remove a random element in O(1) (order does not matter). */
function takeRandom<T>(k: Kernel, xs: T[]): T {
  const i = k.rng.below(xs.length);
  const x = xs[i]!;
  xs[i] = xs[xs.length - 1]!;
  xs.pop();
  return x;
}

function* along<T>(k: Kernel, u: UserProc, path: readonly Step[], body: () => KGen<T>): KGen<T> {
  const frames: Frame[] = [];
  for (const s of path) {
    const prev = k.curthread!.frames[k.curthread!.frames.length - 1]!;
    frames.push(k.enter(s.fn, s.mask ?? 0, ...(s.args ? s.args(u, prev) : [])));
  }
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
export function* buildJob(k: Kernel, km: Kmem, vm: Vm, tx: TxgState, kt: KernTables, sc: Scenario, t: KThread, u: UserProc, stats: LoadStats): KGen<void> {
  const b = sc.build;
  const targetObjects = b.kmem_objects * b.scale;
  const targetPages = Math.floor((b.anon_mb * 1024 * 1024) / k.p.pagesize);
  for (;;) {
    t.proc.comm = k.rng.pick(JOB_NAMES);
    t.proc.psargs = `${t.proc.comm} -O usr/src/uts/${k.rng.pick(['common', 'intel', 'i86pc'])}/${k.rng.below(900)}.c`;
    const live: Kept[] = [];
    const drop = function* (o: Kept): KGen<void> {
      if (o.buf) o.keeper.remove(o.buf);
      kmemFree(km, o.addr, o.size);
    };
    const owner: AnonOwner = { resident: 0, pages: [] };
    vm.owners.add(owner);
    for (let op = 0; op < b.job_ops; op++) {
      const r = k.rng.float();
      stats.syscalls++;
      if (k.rng.float() * 100 < b.write_pct) {
        yield* along(k, u, WRITE_PATH, () => zfsWrite(k, tx, 1 + k.rng.below(3)));
      } else if (r < 0.5 || live.length < targetObjects / 4) {
        const path = k.rng.below(ALLOC_PATHS.length);
        yield* along(k, u, ALLOC_PATHS[path]!, function* () {
          const made: Array<[Kva, number]> = [];
          for (let i = 0; i < b.scale; i++) {
            const size = objectSize(k);
            const m = yield* kmemAlloc(km, size, KM_SLEEP);
            if (m === null) continue;
            const addr = typeof m === 'number' ? m : m.addr;
            const buf = typeof m === 'number' ? null : m;
            const keeper = buf ? keep(kt, u, path, buf) : NOTHING;
            if (keeper) live.push({ addr, size, buf, keeper });
            else made.push([addr, size]);
          }
          // pn_free(), exec's kmem_free(): gone before the call returns
          for (const [a, sz] of made) kmemFree(km, a, sz);
        });
        while (live.length > targetObjects) {
          const o = takeRandom(k, live);
          yield* along(k, u, FREE_PATH, () => drop(o));
        }
      } else if (r < 0.8 && owner.resident < targetPages) {
        const n = Math.min(8 + k.rng.below(56), targetPages - owner.resident);
        stats.faults++;
        const pfns = yield* faultIn(k, u, n);
        if (pfns) {
          owner.resident += n;
          owner.pages.push(...pfns);
        }
      } else if (live.length > 0) {
        const o = takeRandom(k, live);
        yield* along(k, u, FREE_PATH, () => drop(o));
      }
      yield* along(k, u, SLEEP_PATH, () => nanosleep(k, b.think_us * 500 + k.rng.below(b.think_us * 1000)));
    }
    // exit(): the process's kernel objects and resident pages go back.
    yield* along(k, u, EXIT_PATH, function* () {
      for (const o of live) yield* drop(o);
      // anon_decref() of each slot destroys its page: back on the freelist, nameless
      if (owner.resident > 0) pageFreeAnon(k, owner.resident, owner.pages);
      owner.resident = 0;
    });
    vm.owners.delete(owner);
    stats.jobsExited++;
  }
}

/** One reader: `ld` reading object files sequentially through ZFS. */
export function* readerJob(k: Kernel, z: ZfsState, file: ZfsFile, sc: Scenario, t: KThread, u: UserProc, stats: LoadStats): KGen<void> {
  const r = sc.reader;
  let fd = 3;
  const period = (r.burst_s + r.quiet_s) * 1e9;
  for (;;) {
    if (r.quiet_s > 0 && r.burst_s > 0) {
      // Link phases: every reader reads during the first burst_s seconds of
      // each period and waits out the quiet rest (the build is compiling).
      const into = k.now % period;
      if (into >= r.burst_s * 1e9) yield* along(k, u, SLEEP_PATH, () => nanosleep(k, period - into));
    }
    t.proc.psargs = `ld -o usr/src/uts/intel/obj${k.rng.below(100)}/unix`;
    const base = k.rng.below(1 << 20) * 1024;
    for (let i = 0; i < r.file_blocks; i++) {
      stats.syscalls++;
      yield* sysRead(k, z, file, fd, base + i);
      yield* along(k, u, SLEEP_PATH, () => nanosleep(k, r.think_us * 500 + k.rng.below(r.think_us * 1000)));
    }
    fd = 3 + ((fd - 2) % 16);
    if (r.idle_s > 0) yield* along(k, u, SLEEP_PATH, () => nanosleep(k, k.rng.below(Math.floor(r.idle_s * 1000) + 1) * 1_000_000));
  }
}
