/*
 * Upkeep (vmem_update() and vmem_hash_rescale() in uts/common/os/vmem.c): the
 * kernel wakes every arena's waiters and resizes every hash table
 * periodically; the simulation also grows a crowded hash as soon as an
 * allocation notices, so lookups stay short whoever drives the clock.
 */
import type { Kernel } from '../../machine/kernel.js';
import { func } from '../../machine/symbols.js';
import { runNoSleep } from '../../machine/sync.js';
import { hashRebuild, hashTargetSize } from './hash.js';
import { enter, leave, vmemState, type Vmem } from './arena.js';
import { VM_NOSLEEP } from './flags.js';
import { vmemAlloc } from './xalloc.js';
import { vmemFree } from './free.js';

const vmem_hash_rescale = func('genunix', 'vmem_hash_rescale', 0x190);
const vmem_update = func('genunix', 'vmem_update', 0x80);

/** models vmem_hash_rescale(): resize the hash table to about one segment per bucket */
export function vmemHashRescale(k: Kernel, vmp: Vmem): void {
  const oldSize = vmp.hashMask + 1;
  const newSize = hashTargetSize(vmp);
  if (oldSize / 2 <= newSize && newSize <= oldSize * 2) return;
  if (vmp.rescaling) return;
  const st = vmp.st;
  const fr = enter(k, vmem_hash_rescale, 0b1, vmp.addr);
  const bytes = newSize * k.p.pointerSize;
  vmp.rescaling = true;
  const table = st.hashArena
    ? runNoSleep(vmemAlloc(k, st.hashArena, bytes, VM_NOSLEEP), 'vmem_hash_rescale')
    : k.bootAlloc(bytes);
  vmp.rescaling = false;
  if (table !== 0) {
    const oldAddr = vmp.hashTableAddr;
    hashRebuild(vmp, newSize, table);
    if (oldAddr !== vmp.addr + st.layout.off.vm_hash0 && st.hashArena)
      vmemFree(k, st.hashArena, oldAddr, oldSize * k.p.pointerSize);
  }
  leave(k, fr);
}

/** Grow a crowded hash now rather than at the next vmem_update(). */
export function maybeGrowHash(k: Kernel, vmp: Vmem): void {
  if (!vmp.rescaling && vmp.kstat.vk_alloc - vmp.kstat.vk_free > 2 * (vmp.hashMask + 1)) vmemHashRescale(k, vmp);
}

/**
 * models vmem_update(), which the kernel runs every vmem_update_interval (15 s):
 * wake every waiter so it retries after kmem has reaped, and rescale every hash.
 */
export function vmemUpdate(k: Kernel): void {
  const fr = enter(k, vmem_update, 0);
  for (const vmp of [...vmemState(k).list]) {
    k.cvBroadcast(vmp.cvAddr);
    vmemHashRescale(k, vmp);
  }
  leave(k, fr);
}
