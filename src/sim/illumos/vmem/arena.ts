/*
 * Arenas (vmem_t) and the allocator's per-kernel state.
 *
 * A Vmem holds what sys/vmem_impl.h puts in a vmem_t: the name, quantum and
 * creation flags, the import source and its functions, the private stock of
 * segment structures, the allocation hash, the freelists and their bitmap, the
 * list anchor vm_seg0 and the next-fit rotor vm_rotor (both embedded in the
 * vmem_t, as the freelist heads and vm_hash0 are), the quantum caches and the
 * kstats. Its `addr` is the address of the vmem_t; the embedded structures have
 * addresses inside it, taken from the CTF layout of illumos-vmem.ts.
 *
 * VmemState is what vmem.c keeps in file-scope statics: the global segment
 * free list, the populator arenas and their locks, vmem_list, the static
 * vmem0[] and vmem_seg0[] arrays, and the internal arenas (vmem_metadata,
 * vmem_seg, vmem_hash, vmem_vmem). There is one per simulated kernel.
 */
import type { Kernel } from '../../machine/kernel.js';
import type { Kva } from '../../machine/platform.js';
import { func, type FuncSym, type ObjSym } from '../../machine/symbols.js';
import type { Frame, KGen } from '../../machine/thread.js';
import { CtfBuilder, ILP32, LP64 } from '../../../dump/ctf.js';
import { declareVmemTypes, VMEM_HASH_INITIAL } from '../../../dump/types/illumos/vmem.js';
import { SegStacks, VMEM_ROTOR, VMEM_SPAN, VmemSeg, insertA } from './btag.js';
import { Freemap, makeFreelistHeads } from './freelist.js';
import { turnstileBlock } from '../kern/condvar.js';

// ---- layout --------------------------------------------------------------

/** Sizes and offsets of the vmem structures for one data model. */
export interface VmemLayout {
  /** sizeof (vmem_t) */
  vmemSize: number;
  /** sizeof (vmem_seg_t) */
  segSize: number;
  /** offsetof (vmem_seg_t, vs_thread): vmem_seg_size when auditing is off */
  segNoAuditSize: number;
  /** sizeof (vmem_freelist_t) */
  freelistSize: number;
  /** VMEM_FREELISTS: bits in a pointer */
  nfreelists: number;
  /** offsets of vmem_t members */
  off: Record<'vm_cv' | 'vm_lock' | 'vm_seg0' | 'vm_rotor' | 'vm_hash0' | 'vm_qcache' | 'vm_freelist' | 'vm_kstat', number>;
}

const layouts = new Map<number, VmemLayout>();

export function vmemLayout(pointerSize: 4 | 8): VmemLayout {
  let l = layouts.get(pointerSize);
  if (l) return l;
  const b = new CtfBuilder(pointerSize === 8 ? LP64 : ILP32);
  declareVmemTypes(b);
  const vm = b.structs.get('vmem_t')!;
  const seg = b.structs.get('vmem_seg_t')!;
  const m = (name: string): number => vm.members.find((x) => x.name === name)!.offset;
  l = {
    vmemSize: vm.size,
    segSize: seg.size,
    segNoAuditSize: seg.members.find((x) => x.name === 'vs_thread')!.offset,
    freelistSize: b.structs.get('vmem_freelist_t')!.size,
    nfreelists: pointerSize * 8,
    off: {
      vm_cv: m('vm_cv'),
      vm_lock: m('vm_lock'),
      vm_seg0: m('vm_seg0'),
      vm_rotor: m('vm_rotor'),
      vm_hash0: m('vm_hash0'),
      vm_qcache: m('vm_qcache'),
      vm_freelist: m('vm_freelist'),
      vm_kstat: m('vm_kstat'),
    },
  };
  layouts.set(pointerSize, l);
  return l;
}

// ---- frames, panics, locks -----------------------------------------------

/**
 * Push a frame for a simulated function when a thread is running. At boot
 * (kernelheap_init, kmem_init) there is no thread and so no stack to record.
 */
export function enter(k: Kernel, fn: FuncSym, ptrMask: number, ...args: number[]): Frame | null {
  return k.curthread ? k.enter(fn, ptrMask, ...args) : null;
}

export function leave(k: Kernel, fr: Frame | null): void {
  if (fr) k.leave(fr);
}

/** panic(); before the first thread runs a panic is a boot failure of the simulation itself. */
export function vpanic(k: Kernel, message: string): never {
  if (k.curthread) k.panic(message);
  throw new Error(`panic during boot: ${message}`);
}

const mutex_vector_enter = func('unix', 'mutex_vector_enter', 0x2c0);

/** Stands for "no thread" as a lock owner while the kernel boots single-threaded. */
const BOOT_OWNER = { boot: true };

/** A kmutex_t held across a sleep (the vmem populate locks); blocked entrants sleep on its address. */
export class SimMutex {
  owner: object | null = null;
  constructor(readonly addr: Kva) {}
}

export function curOwner(k: Kernel): object {
  return k.curthread ?? BOOT_OWNER;
}

/** mutex_enter(): the adaptive lock's slow path blocks in the turnstile until the owner lets go. */
export function* mutexEnter(k: Kernel, m: SimMutex): KGen<void> {
  if (m.owner !== null) {
    const fr = enter(k, mutex_vector_enter, 0b1, m.addr);
    while (m.owner !== null) {
      yield* turnstileBlock(k, m.addr);
    }
    leave(k, fr);
  }
  m.owner = curOwner(k);
}

export function mutexExit(k: Kernel, m: SimMutex): void {
  m.owner = null;
  k.cvBroadcast(m.addr);
}

// ---- import functions ------------------------------------------------------

/** An arena's vm_source_alloc: the function (its symbol is what vm_source_alloc holds) and its model. */
export interface VmemImportFn {
  sym: FuncSym;
  alloc(k: Kernel, source: Vmem, size: number, vmflag: number): KGen<Kva>;
}

/** An arena's vm_source_free */
export interface VmemReleaseFn {
  sym: FuncSym;
  free(k: Kernel, source: Vmem, addr: Kva, size: number): void;
}

// ---- the arena -------------------------------------------------------------

/** vmem_kstat_t, values only */
export interface VmemKstat {
  vk_mem_inuse: number;
  vk_mem_import: number;
  vk_mem_total: number;
  vk_source_id: number;
  vk_alloc: number;
  vk_free: number;
  vk_wait: number;
  vk_fail: number;
  vk_lookup: number;
  vk_search: number;
  vk_populate_wait: number;
  vk_populate_fail: number;
  vk_contains: number;
  vk_contains_search: number;
}

export class Vmem {
  /** vm_name */
  readonly name: string;
  /** vm_id */
  readonly id: number;
  /** vm_mtbf: induced failure rate (never set here) */
  mtbf = 0;
  /** vm_cflags: the vmflag vmem_create() was given (VMC_* and VM_*) */
  readonly cflags: number;
  /** vm_qshift: log2(vm_quantum) */
  readonly qshift: number;
  /** vm_quantum */
  readonly quantum: number;
  /** vm_qcache_max: largest size served by a quantum cache, or 0 */
  qcacheMax = 0;
  /** vm_min_import: smallest span to import */
  minImport = 0;
  readonly sourceAlloc: VmemImportFn | null;
  readonly sourceFree: VmemReleaseFn | null;
  /** vm_source */
  readonly source: Vmem | null;
  /** vm_next: next on vmem_list */
  next: Vmem | null = null;
  /** vm_nsegfree: segment structures in the private stock (less any reserved by an import in progress) */
  nsegfree = 0;
  /** vm_segfree: the private stock, linked through vs_knext */
  segfree: VmemSeg | null = null;
  /** vm_hash_table: bucket heads */
  hashTable: Array<VmemSeg | null>;
  /** where vm_hash_table points (vm_hash0 inside the arena until the first rescale) */
  hashTableAddr: Kva;
  /** vm_hash_mask */
  hashMask = VMEM_HASH_INITIAL - 1;
  /** vm_hash_shift */
  hashShift = 4;
  /** vm_freemap */
  readonly freemap = new Freemap();
  /** vm_seg0: anchor of the arena list and of the span list */
  readonly seg0: VmemSeg;
  /** vm_rotor: VM_NEXTFIT's position in the arena list */
  readonly rotor: VmemSeg;
  /** vm_freelist[0 .. VMEM_FREELISTS] */
  readonly freelist: VmemSeg[];
  /** VMEM_FREELISTS */
  readonly nfreelists: number;
  /** quantum caches wanted (vm_qcache_max / quantum) */
  nqcache = 0;
  /** vm_qcache[]: kmem cache handles, created when the kmem ops are known */
  qcache: unknown[] = [];
  /** addresses of the qcache kmem_cache_t's (vm_qcache[] as pointers) */
  qcacheAddr: Kva[] = [];
  /**
   * Addresses of quantum-cache-sized allocations made straight from the arena
   * because no kmem ops existed yet (boot, tests); their frees bypass the caches too.
   */
  readonly qcacheBypass = new Set<Kva>();
  /** vm_kstat */
  readonly kstat: VmemKstat = {
    vk_mem_inuse: 0,
    vk_mem_import: 0,
    vk_mem_total: 0,
    vk_source_id: 0,
    vk_alloc: 0,
    vk_free: 0,
    vk_wait: 0,
    vk_fail: 0,
    vk_lookup: 0,
    vk_search: 0,
    vk_populate_wait: 0,
    vk_populate_fail: 0,
    vk_contains: 0,
    vk_contains_search: 0,
  };
  /** &vm_cv: the wait channel of allocations waiting for space */
  readonly cvAddr: Kva;
  /** &vm_lock */
  readonly lockAddr: Kva;
  /** a hash rescale is running (it allocates, and must not recurse into itself) */
  rescaling = false;

  constructor(
    readonly k: Kernel,
    readonly st: VmemState,
    /** address of the vmem_t */
    readonly addr: Kva,
    init: {
      name: string;
      id: number;
      quantum: number;
      cflags: number;
      source: Vmem | null;
      afunc: VmemImportFn | null;
      ffunc: VmemReleaseFn | null;
    },
  ) {
    const l = st.layout;
    this.name = init.name.slice(0, 29);
    this.id = init.id;
    this.quantum = init.quantum;
    this.qshift = Math.log2(init.quantum);
    this.cflags = init.cflags;
    this.source = init.source;
    this.sourceAlloc = init.afunc;
    this.sourceFree = init.ffunc;
    this.nfreelists = l.nfreelists;
    this.cvAddr = addr + l.off.vm_cv;
    this.lockAddr = addr + l.off.vm_lock;
    this.freelist = makeFreelistHeads(addr + l.off.vm_freelist, l.nfreelists, l.freelistSize);
    this.hashTable = new Array<VmemSeg | null>(VMEM_HASH_INITIAL).fill(null);
    this.hashTableAddr = addr + l.off.vm_hash0;
    const seg0 = new VmemSeg(addr + l.off.vm_seg0);
    seg0.anext = seg0.aprev = seg0.knext = seg0.kprev = seg0;
    seg0.type = VMEM_SPAN;
    this.seg0 = seg0;
    const rotor = new VmemSeg(addr + l.off.vm_rotor);
    rotor.type = VMEM_ROTOR;
    insertA(seg0, rotor);
    this.rotor = rotor;
    if (init.source) this.kstat.vk_source_id = init.source.id;
  }

  /** every tag on the arena list after vm_seg0, in address order (rotor and span markers included) */
  *segments(): Generator<VmemSeg> {
    for (let v = this.seg0.anext!; v !== this.seg0; v = v.anext!) yield v;
  }
}

// ---- per-kernel state ------------------------------------------------------

/** VMEM_INITIAL: arenas whose vmem_t is in the static vmem0[] */
export const VMEM_INITIAL = 10;
/** VMEM_SEG_INITIAL: segment structures in the static vmem_seg0[] */
export const VMEM_SEG_INITIAL = 200;

export class VmemState {
  readonly layout: VmemLayout;
  readonly stacks = new SegStacks();
  /** KMF_AUDIT: segments record thread, time and stack */
  readonly audit: boolean;
  /** vmem_seg_size: the stride of populated segment structures */
  readonly segSize: number;
  /** vmem_segfree: the global stock of segment structures */
  segfree: VmemSeg | null = null;
  /** how many are on it (the kernel does not count them) */
  nsegfreeGlobal = 0;
  /** vmem_populator[]: arenas that keep a reserve for populating vmem_seg */
  readonly populators: Vmem[] = [];
  /** vmem_sleep_lock, vmem_nosleep_lock, vmem_pushpage_lock, vmem_panic_lock */
  readonly locks: { sleep: SimMutex; nosleep: SimMutex; pushpage: SimMutex; panic: SimMutex };
  /** vmem_list, in creation order */
  readonly list: Vmem[] = [];
  /** vmem_id: the last id handed out */
  lastId = 0;
  /** the static vmem0[VMEM_INITIAL] */
  readonly vmem0: Kva;
  /** the static vmem_seg0[VMEM_SEG_INITIAL] */
  readonly vmemSeg0: Kva;
  /** the internal arenas, once vmem_init() has made them */
  metadataArena: Vmem | null = null;
  segArena: Vmem | null = null;
  hashArena: Vmem | null = null;
  vmemArena: Vmem | null = null;
  /** file-scope objects of vmem.c whose addresses matter (arrays, locks), by name */
  readonly globals = new Map<string, ObjSym>();

  constructor(
    readonly k: Kernel,
    audit: boolean,
  ) {
    this.layout = vmemLayout(k.p.pointerSize);
    this.audit = audit;
    this.segSize = audit ? this.layout.segSize : this.layout.segNoAuditSize;
    const obj = (name: string, size: number): Kva => {
      const o = k.sym.object('genunix', name, size);
      this.globals.set(name, o);
      return o.addr;
    };
    const ptr = k.p.pointerSize;
    this.vmem0 = obj('vmem0', VMEM_INITIAL * this.layout.vmemSize);
    this.vmemSeg0 = obj('vmem_seg0', VMEM_SEG_INITIAL * this.layout.segSize);
    obj('vmem_populator', VMEM_INITIAL * ptr);
    obj('vmem_list_lock', ptr);
    obj('vmem_segfree_lock', ptr);
    this.locks = {
      sleep: new SimMutex(obj('vmem_sleep_lock', ptr)),
      nosleep: new SimMutex(obj('vmem_nosleep_lock', ptr)),
      pushpage: new SimMutex(obj('vmem_pushpage_lock', ptr)),
      panic: new SimMutex(obj('vmem_panic_lock', ptr)),
    };
    // Globals that hold plain values (vmem_list, vmem_id ...) are declared
    // when the dump is written, with their values (vmemGlobalVars in dump.ts).
    // vmem_init(): the static segments go on the global list, vmem_seg0[0] first.
    for (let i = VMEM_SEG_INITIAL - 1; i >= 0; i--) putsegGlobal(this, new VmemSeg(this.vmemSeg0 + i * this.layout.segSize));
  }

  /** the arena whose vmem_t is at addr */
  arenaAt(addr: Kva): Vmem | undefined {
    return this.list.find((v) => v.addr === addr);
  }
}

const states = new WeakMap<Kernel, VmemState>();

/**
 * The vmem state of a kernel, made on first use. `audit` (vmem_seg_size is the
 * whole vmem_seg_t) defaults to the DEBUG kernel's kmem_flags, which include
 * KMF_AUDIT.
 */
export function vmemState(k: Kernel, audit?: boolean): VmemState {
  let st = states.get(k);
  if (!st) {
    st = new VmemState(k, audit ?? k.cfg.debug);
    states.set(k, st);
  }
  return st;
}

/** True once vmem has been used on this kernel. */
export function hasVmemState(k: Kernel): boolean {
  return states.has(k);
}

// ---- segment supply ----------------------------------------------------------

/** models vmem_putseg_global() */
export function putsegGlobal(st: VmemState, vsp: VmemSeg): void {
  vsp.knext = st.segfree;
  st.segfree = vsp;
  st.nsegfreeGlobal++;
}

/** models vmem_getseg_global(): null when the global stock is empty */
export function getsegGlobal(st: VmemState): VmemSeg | null {
  const vsp = st.segfree;
  if (vsp) {
    st.segfree = vsp.knext;
    st.nsegfreeGlobal--;
  }
  return vsp;
}

/** models vmem_getseg(): take a segment structure from the arena's stock */
export function getseg(vmp: Vmem): VmemSeg {
  const vsp = vmp.segfree;
  // vmem_populate() guarantees the stock before any operation that needs it.
  if (!vsp) throw new Error(`simulator bug: arena ${vmp.name} ran out of segment structures`);
  vmp.segfree = vsp.knext;
  vmp.nsegfree--;
  return vsp;
}

/** models vmem_putseg() */
export function putseg(vmp: Vmem, vsp: VmemSeg): void {
  vsp.knext = vmp.segfree;
  vmp.segfree = vsp;
  vmp.nsegfree++;
}

