/*
 * FreeBSD's vmem as sys/kern/subr_vmem.c had it in 2020: arenas of
 * resources (here kernel virtual addresses) described by boundary tags.
 *
 * Every tag is on the arena's segment list (vm_seglist): a SPAN or
 * SPAN_STATIC tag heads each span, followed by FREE and BUSY tags that tile
 * it in address order; spans follow each other in the order they were
 * added. FREE tags are also on a freelist by size (exact lists for 1..32
 * quanta, power-of-two classes above); BUSY tags are in a hash by start
 * address. Spare tags wait on the arena's own stock, vm_freetags.
 *
 * The stock is what this model is about. An operation takes its tags from
 * vm_freetags (bt_alloc) and gives absorbed ones back (bt_free); bt_fill tops
 * the stock up to BT_MAXALLOC from the "vmem btag" UMA zone before the
 * arena's lock is needed for a whole operation, and bt_freetrim hands
 * anything above BT_MAXFREE back to UMA. Only kernel_arena and the arenas
 * that import from it may ask UMA for reserved tags (M_USE_RESERVE).
 *
 * Two vmem_xalloc loops are modelled, chosen by VmemOpts.fillOnce:
 *   before r366838 the loop runs bt_fill at the top of every iteration, so an
 *     allocation that imported a span (2 tags) tops the stock up again before
 *     clipping: up to 6 tags from UMA for one allocation;
 *   r366838 (D26770) fills once before the loop: at most BT_MAXALLOC.
 * With the fix, an import that would find fewer than BT_MAXALLOC tags in the
 * stock fails instead of overdrawing it (bt_save() KASSERTs that the stock
 * holds BT_MAXALLOC; the model fails the import rather than run on), and the
 * condvar sleep hides BT_MAXALLOC tags as vmem_try_fetch() does.
 *
 * Where the real loop drops the arena lock, the model yields so that other
 * threads run meanwhile: in bt_fill before the blocking uma_zalloc (which
 * may itself sleep in vmem_bt_alloc's pause, keg_fetch_slab's vm_wait_doms
 * or on vmem_bt_lock), in vmem_import around the parent arena's allocation,
 * and in VMEM_CONDVAR_WAIT. Those are the only lock drops: the import
 * functions of the kernel arenas (kva_import_domain, kva_import) allocate
 * no pages, and only buffer_arena has a reclaim function (bufkva_reclaim),
 * so the 2020 loop has no other place where it could wait for memory.
 *
 * Quantum caches are not modelled: the kernel arenas of 2020 are created
 * with qcache_max 0. Arena locks are implicit: the dispatcher interleaves
 * threads only at the lock drops listed above.
 */
import type { Kernel } from '../../machine/kernel.js';
import type { Kva } from '../../machine/platform.js';
import type { KGen } from '../../machine/thread.js';
import { cvWait20, f20 } from '../kern/kern2020.js';

export const BT_TYPE_SPAN = 1;
export const BT_TYPE_SPAN_STATIC = 2;
export const BT_TYPE_FREE = 3;
export const BT_TYPE_BUSY = 4;
export const BT_TYPE_CURSOR = 5;
export const BT_MAXALLOC = 4;
export const BT_MAXFREE = BT_MAXALLOC * 8;
export const VMEM_OPTORDER = 5;
export const VMEM_OPTVALUE = 32;

/** malloc(9) flags of 2020 */
export const M_NOWAIT = 0x1;
export const M_WAITOK = 0x2;
export const M_ZERO = 0x100;
export const M_NOVM = 0x200;
export const M_USE_RESERVE = 0x400;
export const M_FIRSTFIT = 0x1000;
export const M_BESTFIT = 0x2000;
export const BT_FLAGS = M_NOWAIT | M_WAITOK | M_USE_RESERVE | M_NOVM;

const vmem_xalloc = f20('vmem_xalloc', 0x6f0);
const vmem_alloc = f20('vmem_alloc', 0x120);
const vmem_xfree = f20('vmem_xfree', 0x330);
const vmem_free = f20('vmem_free', 0xd0);
const bt_fill = f20('bt_fill', 0x150);
const vmem_import = f20('vmem_import', 0x130);

export interface Btag {
  /** address of the struct vmem_btag (a "vmem btag" item) */
  addr: Kva;
  bt_start: number;
  bt_size: number;
  /** 0 while spare on vm_freetags */
  bt_type: number;
  /** vm_seglist */
  prev: Btag | null;
  next: Btag | null;
  /** the freelist (FREE) */
  fprev: Btag | null;
  fnext: Btag | null;
  order: number;
}

/** Where tags come from: uma_zalloc / uma_zfree on the "vmem btag" zone. */
export interface BtSource {
  zalloc(flags: number): KGen<Kva>;
  zfree(addr: Kva): void;
}

export interface VmemOpts {
  /** r366838: bt_fill once before the vmem_xalloc loop */
  fillOnce: boolean;
}

export interface Vmem {
  name: string;
  /** address of the struct vmem */
  addr: Kva;
  /** vm_cv: waiting allocations sleep here (wmesg: the arena's name) */
  cv: Kva;
  quantum: number;
  qshift: number;
  seghead: Btag | null;
  segtail: Btag | null;
  freelist: Array<Btag | null>;
  /** BUSY tags by bt_start */
  hash: Map<number, Btag>;
  vm_hashsize: number;
  /** vm_freetags (LIST_FIRST is the last element) */
  freetags: Btag[];
  vm_nfreetags: number;
  vm_nbusytag: number;
  vm_inuse: number;
  vm_size: number;
  vm_limit: number;
  /** vm_importfn(vm_arg, size, flags): an address, or -1 */
  importFn: ((size: number, flags: number) => KGen<number>) | null;
  releaseFn: ((addr: number, size: number) => void) | null;
  importQuantum: number;
  /** vm_arg, when it is an arena (the per-domain arena's is kernel_arena) */
  source: Vmem | null;
  /** the symbol of the import function, for the dump */
  importSym: string | null;
  /** counters the model keeps (not kernel members) */
  tagsFromUma: number;
  maxTagsOneAlloc: number;
}

export interface VmemSys {
  k: Kernel;
  bt: BtSource;
  opts: VmemOpts;
  kernel_arena: Vmem | null;
  arenas: Vmem[];
  /** frees of tags back to UMA are made after the arena lock is dropped; the model makes them at once */
}

const flsl = (x: number): number => (x === 0 ? 0 : 32 - Math.clz32(x >>> 0) + (x > 0xffffffff ? 32 : 0));
export function size2order(qsize: number, maxorder: number): number {
  const o = qsize <= VMEM_OPTVALUE ? qsize - 1 : flsl(qsize) + (VMEM_OPTVALUE - VMEM_OPTORDER - 1);
  return Math.min(o, maxorder - 1);
}
function order2size(order: number): number {
  return order < VMEM_OPTVALUE ? order + 1 : 2 ** (order - (VMEM_OPTVALUE - VMEM_OPTORDER - 1));
}

export function vmemCreate(
  vs: VmemSys,
  name: string,
  addr: Kva,
  quantum: number,
  maxorder: number,
): Vmem {
  const vm: Vmem = {
    name,
    addr,
    cv: addr,
    quantum,
    qshift: Math.log2(quantum),
    seghead: null,
    segtail: null,
    freelist: new Array<Btag | null>(maxorder).fill(null),
    hash: new Map(),
    vm_hashsize: 16,
    freetags: [],
    vm_nfreetags: 0,
    vm_nbusytag: 0,
    vm_inuse: 0,
    vm_size: 0,
    vm_limit: 0,
    importFn: null,
    releaseFn: null,
    importQuantum: quantum,
    source: null,
    importSym: null,
    tagsFromUma: 0,
    maxTagsOneAlloc: 0,
  };
  vs.arenas.push(vm);
  return vm;
}

// ---- the segment list, freelists and hash ------------------------------------

function insSegAfter(vm: Vmem, bt: Btag, prev: Btag | null): void {
  bt.prev = prev;
  bt.next = prev ? prev.next : vm.seghead;
  if (bt.next) bt.next.prev = bt;
  else vm.segtail = bt;
  if (prev) prev.next = bt;
  else vm.seghead = bt;
}
function remSeg(vm: Vmem, bt: Btag): void {
  if (bt.prev) bt.prev.next = bt.next;
  else vm.seghead = bt.next;
  if (bt.next) bt.next.prev = bt.prev;
  else vm.segtail = bt.prev;
  bt.prev = bt.next = null;
}
function insFree(vm: Vmem, bt: Btag): void {
  const o = size2order(Math.floor(bt.bt_size / vm.quantum), vm.freelist.length);
  bt.order = o;
  const head = vm.freelist[o]!;
  bt.fprev = null;
  bt.fnext = head;
  if (head) head.fprev = bt;
  vm.freelist[o] = bt;
}
function remFree(vm: Vmem, bt: Btag): void {
  if (bt.fprev) bt.fprev.fnext = bt.fnext;
  else vm.freelist[bt.order] = bt.fnext;
  if (bt.fnext) bt.fnext.fprev = bt.fprev;
  bt.fprev = bt.fnext = null;
}
function insBusy(vm: Vmem, bt: Btag): void {
  vm.hash.set(bt.bt_start, bt);
  vm.vm_nbusytag++;
  vm.vm_inuse += bt.bt_size;
  // vmem_periodic's rehash, done eagerly: the next power of two above nbusytag
  while (vm.vm_hashsize < vm.vm_nbusytag && vm.vm_hashsize < 131072) vm.vm_hashsize *= 2;
}

// ---- the tag stock -------------------------------------------------------------

/** models bt_alloc(): pop a spare tag; the stock must have one (MPASS). */
function btAlloc(vm: Vmem): Btag {
  const bt = vm.freetags.pop();
  if (!bt) throw new Error(`simulator: bt_alloc on ${vm.name} with an empty vm_freetags`);
  vm.vm_nfreetags--;
  return bt;
}
/** models bt_free(): back onto vm_freetags. */
function btFree(vm: Vmem, bt: Btag): void {
  bt.bt_type = 0;
  bt.bt_start = 0;
  bt.bt_size = 0;
  bt.prev = bt.next = bt.fprev = bt.fnext = null;
  vm.freetags.push(bt);
  vm.vm_nfreetags++;
}

function newTag(addr: Kva): Btag {
  return { addr, bt_start: 0, bt_size: 0, bt_type: 0, prev: null, next: null, fprev: null, fnext: null, order: 0 };
}

/** models bt_freetrim(vm, freelimit): give spares above the limit back to UMA. */
export function btFreetrim(vs: VmemSys, vm: Vmem, limit: number): void {
  // By vm_nfreetags, as the kernel counts, not by the list's length: while an
  // import has BT_MAXALLOC tags hidden (vmem_import lowers the count, the tags
  // stay on the list) the list holds more than the count says, and trimming
  // the list to the limit would hand the hidden tags back to UMA.
  while (vm.vm_nfreetags > limit) {
    const bt = vm.freetags.pop()!;
    vm.vm_nfreetags--;
    vs.bt.zfree(bt.addr);
  }
}

/**
 * models bt_fill(vm, flags): top the stock up to BT_MAXALLOC. A non-sleeping
 * try first (M_NOWAIT|M_NOVM, plus M_USE_RESERVE for the kernel arenas);
 * then, with the arena unlocked, one with the caller's flags, which may sleep
 * or recurse into vmem for a new tag page. Returns whether the stock is full.
 */
export function* btFill(vs: VmemSys, vm: Vmem, flags: number, taken: { n: number }): KGen<boolean> {
  const k = vs.k;
  if (vm.vm_nfreetags >= BT_MAXALLOC) return true;
  const fr = k.enter(bt_fill, 0b1, vm.addr, flags);
  flags &= BT_FLAGS;
  if (vm !== vs.kernel_arena && vm.source !== vs.kernel_arena) flags &= ~M_USE_RESERVE;
  while (vm.vm_nfreetags < BT_MAXALLOC) {
    let a = yield* vs.bt.zalloc((flags & M_USE_RESERVE) | M_NOWAIT | M_NOVM);
    if (a === 0) {
      // VMEM_UNLOCK: other CPUs may use the arena meanwhile
      yield* k.preempt();
      a = yield* vs.bt.zalloc(flags);
      if (a === 0) break;
    }
    vm.freetags.push(newTag(a));
    vm.vm_nfreetags++;
    vm.tagsFromUma++;
    taken.n++;
  }
  k.leave(fr);
  return vm.vm_nfreetags >= BT_MAXALLOC;
}

// ---- spans ------------------------------------------------------------------

/** models vmem_add1(): a span tag and one FREE tag covering it, at the tail of the segment list. */
export function vmemAdd1(vm: Vmem, addr: number, size: number, type: number): void {
  const span = btAlloc(vm);
  span.bt_type = type;
  span.bt_start = addr;
  span.bt_size = size;
  insSegAfter(vm, span, vm.segtail);
  const fr = btAlloc(vm);
  fr.bt_type = BT_TYPE_FREE;
  fr.bt_start = addr;
  fr.bt_size = size;
  insSegAfter(vm, fr, span);
  insFree(vm, fr);
  vm.vm_size += size;
}

/**
 * models vmem_add(): a static span, its two tags from the stock that bt_fill
 * tops up from the btag zone first (so the arena keeps the other two).
 * Returns false (ENOMEM) when the stock cannot be filled.
 */
export function* vmemAdd(vs: VmemSys, vm: Vmem, addr: number, size: number, flags: number): KGen<boolean> {
  if (vm.vm_nfreetags < BT_MAXALLOC && !(yield* btFill(vs, vm, flags, { n: 0 }))) return false;
  vmemAdd1(vm, addr, size, BT_TYPE_SPAN_STATIC);
  return true;
}

/** models vmem_import(): get a span from the parent with the arena unlocked and the stock hidden. */
function* vmemImport(vs: VmemSys, vm: Vmem, size: number, align: number, flags: number): KGen<boolean> {
  const k = vs.k;
  if (!vm.importFn) return false;
  if (vs.opts.fillOnce && vm.vm_nfreetags < BT_MAXALLOC) return false;
  if (align !== vm.quantum) size = align * 2 + size;
  size = Math.ceil(size / vm.importQuantum) * vm.importQuantum;
  if (vm.vm_limit !== 0 && vm.vm_limit < vm.vm_size + size) return false;
  const fr = k.enter(vmem_import, 0b1, vm.addr, size, align, flags);
  vm.vm_nfreetags -= BT_MAXALLOC;
  yield* k.preempt();
  const addr = yield* vm.importFn(size, flags);
  vm.vm_nfreetags += BT_MAXALLOC;
  k.leave(fr);
  if (addr < 0) return false;
  vmemAdd1(vm, addr, size, BT_TYPE_SPAN);
  return true;
}

// ---- allocation ------------------------------------------------------------

/** models vmem_fit(): the first aligned start in bt's range for `size`, or -1. */
function vmemFit(bt: Btag, size: number, align: number, minaddr: number, maxaddr: number): number {
  let start = Math.max(bt.bt_start, minaddr);
  const end = Math.min(bt.bt_start + bt.bt_size - 1, maxaddr);
  if (start > end) return -1;
  start = Math.ceil(start / align) * align;
  if (start < bt.bt_start) start += align;
  return end - start >= size - 1 ? start : -1;
}

/** models vmem_clip(): carve [start, start+size) out of the FREE tag bt; 0 to 2 tags. */
function vmemClip(vm: Vmem, bt: Btag, start: number, size: number): void {
  remFree(vm, bt);
  if (start > bt.bt_start) {
    const lead = btAlloc(vm);
    lead.bt_type = BT_TYPE_FREE;
    lead.bt_start = bt.bt_start;
    lead.bt_size = start - bt.bt_start;
    insSegAfter(vm, lead, bt.prev);
    insFree(vm, lead);
    bt.bt_size -= lead.bt_size;
    bt.bt_start = start;
  }
  if (bt.bt_size !== size && bt.bt_size - size > vm.quantum - 1) {
    const busy = btAlloc(vm);
    busy.bt_type = BT_TYPE_BUSY;
    busy.bt_start = bt.bt_start;
    busy.bt_size = size;
    insSegAfter(vm, busy, bt.prev);
    bt.bt_start += size;
    bt.bt_size -= size;
    insFree(vm, bt);
    insBusy(vm, busy);
  } else {
    bt.bt_type = BT_TYPE_BUSY;
    insBusy(vm, bt);
  }
}

/**
 * models vmem_xalloc(vm, size, align, 0, 0, min, max, flags): an address, or
 * -1 (ENOMEM). A waiting allocation that finds nothing sleeps on vm_cv.
 */
export function* vmemXalloc(vs: VmemSys, vm: Vmem, size: number, align: number, flags: number): KGen<number> {
  const k = vs.k;
  const fr = k.enter(vmem_xalloc, 0b1, vm.addr, size, align, 0, 0, flags);
  size = Math.ceil(size / vm.quantum) * vm.quantum;
  if (align === 0) align = vm.quantum;
  const taken = { n: 0 };
  let strat = flags & M_BESTFIT ? M_BESTFIT : M_FIRSTFIT;
  let result = -1;
  const firstList = (s: number): number => {
    const q = size / vm.quantum;
    let i = size2order(q, vm.freelist.length);
    if (s === M_FIRSTFIT && i < vm.freelist.length - 1 && order2size(i) !== q) i++;
    return i;
  };
  let filled = true;
  if (vs.opts.fillOnce) filled = yield* btFill(vs, vm, flags, taken);
  outer: while (filled) {
    if (!vs.opts.fillOnce && vm.vm_nfreetags < BT_MAXALLOC && !(yield* btFill(vs, vm, flags, taken))) break;
    for (let l = firstList(strat); l < vm.freelist.length; l++) {
      for (let bt = vm.freelist[l]!; bt; bt = bt.fnext!) {
        if (bt.bt_size >= size) {
          const start = vmemFit(bt, size, align, 0, Number.MAX_SAFE_INTEGER);
          if (start >= 0) {
            vmemClip(vm, bt, start, size);
            result = start;
            break outer;
          }
        }
        if (strat === M_FIRSTFIT || !bt.fnext) break;
      }
    }
    if (strat === M_FIRSTFIT) {
      strat = M_BESTFIT;
      continue;
    }
    if (yield* vmemImport(vs, vm, size, align, flags)) continue;
    if (flags & M_NOWAIT) break;
    // VMEM_CONDVAR_WAIT: sleep until a free in this arena broadcasts. Before
    // r366838 the lock is dropped with the stock in view (the next iteration's
    // bt_fill tops it up again); with it, vmem_try_fetch() hides BT_MAXALLOC
    // tags across the sleep (bt_save/bt_restore), since nothing refills them.
    if (vs.opts.fillOnce) vm.vm_nfreetags -= BT_MAXALLOC;
    // cv_wait(&vm->vm_cv, &vm->vm_lock): in the dump's struct vmem vm_lock follows the struct cv (a pointer and an int)
    yield* cvWait20(k, vm.cv, vm.addr + 2 * k.p.pointerSize, vm.name);
    if (vs.opts.fillOnce) vm.vm_nfreetags += BT_MAXALLOC;
  }
  if (taken.n > vm.maxTagsOneAlloc) vm.maxTagsOneAlloc = taken.n;
  lastTaken = taken.n;
  k.leave(fr);
  return result;
}

/** tags the last vmem_xalloc took from UMA (for tests) */
export let lastTaken = 0;

/** models vmem_alloc(vm, size, flags): no quantum cache on these arenas, so straight to vmem_xalloc. */
export function* vmemAlloc(vs: VmemSys, vm: Vmem, size: number, flags: number): KGen<number> {
  const fr = vs.k.enter(vmem_alloc, 0b1, vm.addr, size, flags);
  const a = yield* vmemXalloc(vs, vm, size, 0, flags | (flags & M_BESTFIT ? 0 : M_FIRSTFIT));
  vs.k.leave(fr);
  return a;
}

/** models vmem_xfree(vm, addr, size): coalesce with FREE neighbours; release a whole imported span when it can. */
export function vmemXfree(vs: VmemSys, vm: Vmem, addr: number, size: number): void {
  const k = vs.k;
  const fr = k.enter(vmem_xfree, 0b1, vm.addr, addr, size);
  const bt = vm.hash.get(addr);
  if (!bt) throw new Error(`simulator: vmem_xfree(${vm.name}, ${addr.toString(16)}): no BUSY tag`);
  vm.hash.delete(addr);
  vm.vm_nbusytag--;
  vm.vm_inuse -= bt.bt_size;
  bt.bt_type = BT_TYPE_FREE;
  let t = bt.next;
  if (t && t.bt_type === BT_TYPE_FREE) {
    bt.bt_size += t.bt_size;
    remFree(vm, t);
    remSeg(vm, t);
    btFree(vm, t);
  }
  t = bt.prev;
  if (t && t.bt_type === BT_TYPE_FREE) {
    bt.bt_size += t.bt_size;
    bt.bt_start = t.bt_start;
    remFree(vm, t);
    remSeg(vm, t);
    btFree(vm, t);
  }
  t = bt.prev;
  if (vm.releaseFn && t && t.bt_type === BT_TYPE_SPAN && t.bt_size === bt.bt_size) {
    const sa = bt.bt_start;
    const ss = bt.bt_size;
    remSeg(vm, bt);
    btFree(vm, bt);
    remSeg(vm, t);
    btFree(vm, t);
    vm.vm_size -= ss;
    k.cvBroadcast(vm.cv);
    btFreetrim(vs, vm, BT_MAXFREE);
    vm.releaseFn(sa, ss);
  } else {
    insFree(vm, bt);
    k.cvBroadcast(vm.cv);
    btFreetrim(vs, vm, BT_MAXFREE);
  }
  k.leave(fr);
}

export function vmemFree(vs: VmemSys, vm: Vmem, addr: number, size: number): void {
  const fr = vs.k.enter(vmem_free, 0b1, vm.addr, addr, size);
  vmemXfree(vs, vm, addr, Math.ceil(size / vm.quantum) * vm.quantum);
  vs.k.leave(fr);
}

/** The arena's tags in segment-list order. */
export function* seglist(vm: Vmem): Generator<Btag> {
  for (let bt = vm.seghead; bt; bt = bt.next) yield bt;
}
