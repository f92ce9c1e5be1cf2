/*
 * Arenas coming and going (vmem_add(), vmem_create(), vmem_destroy() and
 * vmem_init() in uts/common/os/vmem.c), and vmem_list, the list of every
 * arena in creation order.
 */
import type { Kernel } from '../../machine/kernel.js';
import type { Kva } from '../../machine/platform.js';
import { func } from '../../machine/symbols.js';
import type { KGen } from '../../machine/thread.js';
import { runNoSleep } from '../../machine/sync.js';
import { VMEM_ALLOC, deleteA } from './btag.js';
import { isPow2 } from './freelist.js';
import {
  VMEM_INITIAL,
  Vmem,
  enter,
  getseg,
  leave,
  putsegGlobal,
  vmemState,
  vpanic,
  type VmemImportFn,
  type VmemReleaseFn,
} from './arena.js';
import { VMEM_NQCACHE_MAX } from '../../../dump/types/illumos/vmem.js';
import {
  VMC_IDENTIFIER,
  VMC_NO_QCACHE,
  VMC_POPULATOR,
  VM_BESTFIT,
  VM_KMFLAGS,
  VM_NOSLEEP,
  VM_PANIC,
  VM_SLEEP,
} from './flags.js';
import { vmemPopulate } from './populate.js';
import { createQcaches, qcacheOpsOf, vmemQcacheSlabsize } from './qcache.js';
import { px, spanCreate } from './span.js';
import { VMEM_ALLOC_IMPORT, vmemAlloc, vmemXalloc } from './xalloc.js';
import { VMEM_FREE_RELEASE, vmemFree } from './free.js';
import { vmemSize } from './walk.js';

const vmem_add = func('genunix', 'vmem_add', 0x90);
const vmem_create = func('genunix', 'vmem_create', 0x60);
const vmem_create_common = func('genunix', 'vmem_create_common', 0x390);
const vmem_destroy = func('genunix', 'vmem_destroy', 0x1b0);

/** models vmem_add(): add the span [vaddr, vaddr + size); returns vaddr, or 0 if no tags could be had */
export function* vmemAdd(k: Kernel, vmp: Vmem, vaddr: number, size: number, vmflag: number): KGen<number> {
  const fr = enter(k, vmem_add, 0b11, vmp.addr, vaddr, size, vmflag);
  if (vaddr === 0 || size === 0) vpanic(k, `vmem_add(${k.hex(vmp.addr)}, ${px(vmp, vaddr)}, ${size}): bad arguments`);
  if (yield* vmemPopulate(vmp, vmflag)) spanCreate(vmp, vaddr, size, 0);
  else vaddr = 0;
  leave(k, fr);
  return vaddr;
}

/**
 * models vmem_create(): an arena named `name` holding [base, base + size)
 * (none if both are 0), importing from `source` through afunc/ffunc, with
 * quantum caches up to qcacheMax. The vmem_t comes from the static vmem0[]
 * for the first VMEM_INITIAL arenas, then from the vmem_vmem arena.
 */
export function* vmemCreate(
  k: Kernel,
  name: string,
  base: number,
  size: number,
  quantum: number,
  afunc: VmemImportFn | null,
  ffunc: VmemReleaseFn | null,
  source: Vmem | null,
  qcacheMax: number,
  vmflag: number,
): KGen<Vmem | null> {
  const st = vmemState(k);
  const l = st.layout;
  const f0 = enter(k, vmem_create, 0b1000001, 0, base, size, quantum, afunc?.sym.addr ?? 0, ffunc?.sym.addr ?? 0, source?.addr ?? 0);
  const fr = enter(k, vmem_create_common, 0b1000001, 0, base, size, quantum);
  if (quantum <= 0 || !isPow2(quantum)) throw new Error(`vmem_create(${name}): quantum ${quantum} is not a power of 2`);
  const id = ++st.lastId;
  let addr: Kva;
  if (st.vmemArena) addr = yield* vmemAlloc(k, st.vmemArena, l.vmemSize, vmflag & VM_KMFLAGS);
  else if (id <= VMEM_INITIAL) addr = st.vmem0 + (id - 1) * l.vmemSize;
  else addr = k.bootAlloc(l.vmemSize);
  if (addr === 0) {
    leave(k, fr);
    leave(k, f0);
    return null;
  }
  const vmp = new Vmem(k, st, addr, { name, id, quantum, cflags: vmflag, source, afunc, ffunc });
  vmflag &= VM_KMFLAGS;

  let nqcache = Math.min(Math.floor(qcacheMax / quantum), VMEM_NQCACHE_MAX);
  // Arenas that cannot use quantum caches import in big chunks instead.
  if (vmp.cflags & VMC_NO_QCACHE) {
    vmp.minImport = vmemQcacheSlabsize(nqcache * quantum);
    nqcache = 0;
  }
  if (nqcache !== 0) {
    vmp.nqcache = nqcache;
    vmp.qcacheMax = nqcache * quantum;
    const qcacheOps = qcacheOpsOf(k);
    if (qcacheOps) createQcaches(k, vmp, qcacheOps);
  }

  const last = st.list[st.list.length - 1];
  if (last) last.next = vmp;
  st.list.push(vmp);

  if (vmp.cflags & VMC_POPULATOR) {
    st.populators.push(vmp);
    yield* vmemPopulate(vmp, vmflag | VM_PANIC);
  }
  if ((base !== 0 || size !== 0) && (yield* vmemAdd(k, vmp, base, size, vmflag)) === 0) {
    vmemDestroy(k, vmp);
    leave(k, fr);
    leave(k, f0);
    return null;
  }
  leave(k, fr);
  leave(k, f0);
  return vmp;
}

/** vmemCreate() where nothing may sleep (boot, tests). */
export function vmemCreateNow(
  k: Kernel,
  name: string,
  base: number,
  size: number,
  quantum: number,
  afunc: VmemImportFn | null,
  ffunc: VmemReleaseFn | null,
  source: Vmem | null,
  qcacheMax: number,
  vmflag: number,
): Vmem {
  const vmp = runNoSleep(vmemCreate(k, name, base, size, quantum, afunc, ffunc, source, qcacheMax, vmflag), 'vmem_create');
  if (!vmp) throw new Error(`vmem_create(${name}) failed`);
  return vmp;
}

/** models vmem_destroy(): warn about leaks, give every tag back to the global stock, free the vmem_t */
export function vmemDestroy(k: Kernel, vmp: Vmem): void {
  const st = vmp.st;
  const fr = enter(k, vmem_destroy, 0b1, vmp.addr);
  const i = st.list.indexOf(vmp);
  if (i >= 0) {
    st.list.splice(i, 1);
    if (i > 0) st.list[i - 1]!.next = vmp.next;
  }
  const qcacheOps = qcacheOpsOf(k);
  if (qcacheOps?.destroy) for (const h of vmp.qcache) qcacheOps.destroy(k, h);
  const leaked = vmemSize(vmp, VMEM_ALLOC);
  if (leaked !== 0)
    k.console(`WARNING: vmem_destroy('${vmp.name}'): leaked ${leaked} ${vmp.cflags & VMC_IDENTIFIER ? 'identifiers' : 'bytes'}`);
  if (vmp.hashTableAddr !== vmp.addr + st.layout.off.vm_hash0 && st.hashArena)
    vmemFree(k, st.hashArena, vmp.hashTableAddr, (vmp.hashMask + 1) * k.p.pointerSize);
  deleteA(vmp.rotor);
  for (let v = vmp.seg0.anext!; v !== vmp.seg0; ) {
    const next = v.anext!;
    putsegGlobal(st, v);
    v = next;
  }
  vmp.seg0.anext = vmp.seg0.aprev = vmp.seg0;
  while (vmp.segfree !== null) putsegGlobal(st, getseg(vmp));
  vmp.nsegfree = 0;
  if (st.vmemArena) vmemFree(k, st.vmemArena, vmp.addr, st.layout.vmemSize);
  leave(k, fr);
}

/** vmem_list: every arena, in creation order */
export function vmemList(k: Kernel): readonly Vmem[] {
  return vmemState(k).list;
}

/**
 * models vmem_init(): the heap arena and vmem's own arenas, vmem_metadata
 * (importing from the heap in 8-page-qcache-sized chunks), vmem_seg (segment
 * structures), vmem_hash (hash tables) and vmem_vmem (vmem_t's, starting with
 * the static vmem0[]). heapAlloc/heapFree back the internal arenas with pages
 * (segkmem_alloc/segkmem_free). Runs at boot; nothing here sleeps.
 */
export function vmemInit(
  k: Kernel,
  heapName: string,
  heapStart: Kva,
  heapSize: number,
  heapQuantum: number,
  heapAlloc: VmemImportFn,
  heapFree: VmemReleaseFn,
  opts: { audit?: boolean } = {},
): Vmem {
  const st = vmemState(k, opts.audit);
  if (st.list.length > 0) throw new Error('vmem_init() called twice');
  const create = (
    name: string,
    base: number,
    size: number,
    quantum: number,
    afunc: VmemImportFn | null,
    ffunc: VmemReleaseFn | null,
    source: Vmem | null,
    qcacheMax: number,
    vmflag: number,
  ): Vmem => vmemCreateNow(k, name, base, size, quantum, afunc, ffunc, source, qcacheMax, vmflag);

  const heap = create(heapName, heapStart, heapSize, heapQuantum, null, null, null, 0, VM_SLEEP | VMC_POPULATOR);
  const metadata = create('vmem_metadata', 0, 0, heapQuantum, VMEM_ALLOC_IMPORT, VMEM_FREE_RELEASE, heap, 8 * heapQuantum,
    VM_SLEEP | VMC_POPULATOR | VMC_NO_QCACHE);
  st.metadataArena = metadata;
  st.segArena = create('vmem_seg', 0, 0, heapQuantum, heapAlloc, heapFree, metadata, 0, VM_SLEEP | VMC_POPULATOR);
  st.hashArena = create('vmem_hash', 0, 0, 8, heapAlloc, heapFree, metadata, 0, VM_SLEEP);
  const vsz = st.layout.vmemSize;
  const vmemArena = create('vmem_vmem', st.vmem0, VMEM_INITIAL * vsz, 1, heapAlloc, heapFree, metadata, 0, VM_SLEEP);
  st.vmemArena = vmemArena;
  // The arenas made so far live in vmem0[]: mark their slots allocated.
  for (let id = 0; id < st.lastId; id++) {
    runNoSleep(
      vmemXalloc(k, vmemArena, vsz, 1, 0, 0, st.vmem0 + id * vsz, st.vmem0 + (id + 1) * vsz, VM_NOSLEEP | VM_BESTFIT | VM_PANIC),
      'vmem_init',
    );
  }
  return heap;
}
