/*
 * The segment supply (vmem_populate() in uts/common/os/vmem.c). vmem never
 * allocates a tag in the middle of an operation: each arena holds a stock of
 * at least VMEM_MINFREE, topped up here before any operation that may use
 * them, from the global stock or from the vmem_seg arena. Allocating from
 * vmem_seg needs tags from the arenas below it, so those (the populators) keep
 * a reserve; the four populate locks bound how many threads draw on it.
 */
import type { Kernel } from '../../machine/kernel.js';
import { func } from '../../machine/symbols.js';
import type { KGen } from '../../machine/thread.js';
import { VmemSeg } from './btag.js';
import { p2roundup } from './freelist.js';
import {
  curOwner,
  enter,
  getsegGlobal,
  leave,
  mutexEnter,
  mutexExit,
  putseg,
  putsegGlobal,
  type Vmem,
  type VmemState,
} from './arena.js';
import { VM_KMFLAGS, VM_NOSLEEP, VM_PUSHPAGE } from './flags.js';
import { vmemAlloc } from './xalloc.js';

// ---- the segment budget (vmem.c) -------------------------------------------

/** a new span takes its marker and its free segment */
export const VMEM_SEGS_PER_SPAN_CREATE = 2;
/** taking a whole free segment takes none; one end, one; the middle, two */
export const VMEM_SEGS_PER_EXACT_ALLOC = 0;
export const VMEM_SEGS_PER_LEFT_ALLOC = 1;
export const VMEM_SEGS_PER_MIDDLE_ALLOC = 2;
export const VMEM_SEGS_PER_ALLOC_MAX = VMEM_SEGS_PER_SPAN_CREATE + VMEM_SEGS_PER_MIDDLE_ALLOC;
/**
 * Populating vmem_seg costs each arena below it at most three tags, and at
 * most four threads do it at once (sleep, nosleep, pushpage, panic locks).
 */
export const VMEM_POPULATE_RESERVE = 12;
/** the stock vmem_populate() keeps in every arena */
export const VMEM_MINFREE = VMEM_POPULATE_RESERVE + VMEM_SEGS_PER_ALLOC_MAX;

const vmem_populate = func('genunix', 'vmem_populate', 0x260);

/** Is the current thread populating already (does it hold a populate lock)? */
function isPopulator(k: Kernel, st: VmemState): boolean {
  const me = curOwner(k);
  const l = st.locks;
  return l.sleep.owner === me || l.nosleep.owner === me || l.pushpage.owner === me || l.panic.owner === me;
}

/**
 * models vmem_populate(): make sure vmp has VMEM_MINFREE segment structures.
 * May sleep (in the populate lock, or allocating from vmem_seg).
 */
export function* vmemPopulate(vmp: Vmem, vmflag: number): KGen<boolean> {
  const st = vmp.st;
  const k = vmp.k;
  while (vmp.nsegfree < VMEM_MINFREE) {
    const vsp = getsegGlobal(st);
    if (!vsp) break;
    putseg(vmp, vsp);
  }
  if (vmp.nsegfree >= VMEM_MINFREE) return true;
  // A thread already populating draws on the populators' reserve.
  if (isPopulator(k, st)) return true;

  const fr = enter(k, vmem_populate, 0b1, vmp.addr, vmflag);
  const l = st.locks;
  const lp =
    k.panicked && k.panicked.thread === k.curthread
      ? l.panic
      : vmflag & VM_NOSLEEP
        ? l.nosleep
        : vmflag & VM_PUSHPAGE
          ? l.pushpage
          : l.sleep;
  yield* mutexEnter(k, lp);

  const segSize = st.segSize;
  let nseg = VMEM_MINFREE + st.populators.length * VMEM_POPULATE_RESERVE;
  const size = p2roundup(nseg * segSize, st.segArena ? st.segArena.quantum : k.p.pagesize);
  nseg = Math.floor(size / segSize);

  // Without a vmem_seg arena (arenas made without vmem_init(), as in tests)
  // the structures come from boot memory.
  const p = st.segArena ? yield* vmemAlloc(k, st.segArena, size, vmflag & VM_KMFLAGS) : k.bootAlloc(size);
  if (p === 0) {
    mutexExit(k, lp);
    vmp.kstat.vk_populate_fail++;
    leave(k, fr);
    return false;
  }
  // Restock the reserves that this population may have drawn on.
  for (const pop of st.populators) {
    while (pop.nsegfree < VMEM_POPULATE_RESERVE) putseg(pop, new VmemSeg(p + --nseg * segSize));
  }
  mutexExit(k, lp);
  while (vmp.nsegfree < VMEM_MINFREE) putseg(vmp, new VmemSeg(p + --nseg * segSize));
  while (nseg > 0) putsegGlobal(st, new VmemSeg(p + --nseg * segSize));
  leave(k, fr);
  return true;
}
