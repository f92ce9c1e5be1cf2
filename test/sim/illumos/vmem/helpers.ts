/* Test helpers: a small kernel, and ways to run vmem code paths in it. */
import { Kernel, type KernelConfig } from '../../../../src/sim/machine/kernel.js';
import { ILLUMOS } from '../../../../src/sim/illumos/kern/personality.js';
import { I86PC } from '../../../../src/sim/machine/platform.js';
import { func } from '../../../../src/sim/machine/symbols.js';
import { runNoSleep } from '../../../../src/sim/machine/sync.js';
import type { KGen, KThread } from '../../../../src/sim/machine/thread.js';
import { VMEM_ROTOR, VMEM_SPAN, VMEM_FREE, VMEM_ALLOC, type Vmem, type VmemSeg } from '../../../../src/sim/illumos/vmem/index.js';

export const PAGE = 4096;

export function mkKernel(over: Partial<KernelConfig> = {}): Kernel {
  return new Kernel({
    os: ILLUMOS,
    platform: I86PC,
    hostname: 'vmemtest',
    kernelVersion: 'SunOS 5.11 test',
    debug: true,
    ncpus: 2,
    physmem: 262144,
    seed: 1,
    ...over,
  });
}

/** Run a code path that must not block. */
export function now<T>(g: KGen<T>): T {
  return runNoSleep(g, 'test');
}

const test_thread = func('genunix', 'vmem_test_thread', 0x80);

/**
 * A thread of a user process running body. (p0's kernel threads are
 * NOMEMWAIT: the page allocator never makes them wait, so tests of throttling
 * and sleeping need a user process.)
 */
export function spawn(k: Kernel, body: (t: KThread) => KGen<void>): KThread {
  const proc = k.procs.find((p) => p.comm === 'vmemtest') ?? k.newProc('vmemtest', 'vmemtest');
  return k.threadCreate(proc, test_thread, body);
}

/** The function names on a thread's stack, innermost first. */
export function stackNames(t: KThread): string[] {
  return t.frames.map((f) => f.fn.name).reverse();
}

/** Spans of an arena: each span marker with the tags that follow it (the rotor included where it sits). */
export function spans(vmp: Vmem): Array<{ span: VmemSeg; segs: VmemSeg[] }> {
  const out: Array<{ span: VmemSeg; segs: VmemSeg[] }> = [];
  for (const v of vmp.segments()) {
    if (v.type === VMEM_SPAN) out.push({ span: v, segs: [] });
    else if (out.length > 0) out[out.length - 1]!.segs.push(v);
  }
  return out;
}

/** The segments of each span without the rotor. */
export function spanSegs(vmp: Vmem): VmemSeg[][] {
  return spans(vmp).map((s) => s.segs.filter((v) => v.type !== VMEM_ROTOR));
}

/** Every structural invariant of an arena; returns a list of violations (empty when sound). */
export function checkArena(vmp: Vmem): string[] {
  const bad: string[] = [];
  const q = vmp.quantum;
  let inuse = 0;
  let total = 0;
  let importTotal = 0;
  const freeSegs = new Set<VmemSeg>();
  // arena list is doubly linked and circular
  let n = 0;
  for (let v = vmp.seg0.anext!; v !== vmp.seg0; v = v.anext!) {
    if (v.anext!.aprev !== v) bad.push(`broken a-list at ${v.start}`);
    if (++n > 1e7) return ['a-list does not end'];
  }
  for (const { span, segs } of spans(vmp)) {
    total += span.size;
    if (span.imported) importTotal += span.size;
    let at = span.start;
    let prevFree = false;
    const real = segs.filter((v) => v.type !== VMEM_ROTOR);
    if (real.length === 0) bad.push(`empty span ${span.start}`);
    for (const s of segs) {
      if (s.type === VMEM_ROTOR) {
        // the rotor keeps its neighbours apart until it moves (vmem_advance)
        prevFree = false;
        continue;
      }
      if (s.start !== at) bad.push(`gap/overlap at ${s.start} (expected ${at}) in span ${span.start}`);
      if (s.type === VMEM_FREE) {
        if (prevFree) bad.push(`adjacent free segments at ${s.start}`);
        freeSegs.add(s);
        at = s.end;
      } else if (s.type === VMEM_ALLOC) {
        inuse += s.size;
        at = Math.ceil(s.end / q) * q;
      } else bad.push(`segment of type ${s.type} in span`);
      prevFree = s.type === VMEM_FREE;
    }
    if (at !== span.end) bad.push(`span ${span.start} tiled to ${at}, ends ${span.end}`);
    if (real.length === 1 && real[0]!.type === VMEM_FREE && span.imported && vmp.sourceFree && !segs.some((v) => v.type === VMEM_ROTOR)) {
      const next = real[0]!.anext!;
      if (next.type !== VMEM_ROTOR) bad.push(`wholly free imported span ${span.start} not returned`);
    }
  }
  if (inuse !== vmp.kstat.vk_mem_inuse) bad.push(`inuse ${inuse} != kstat ${vmp.kstat.vk_mem_inuse}`);
  if (total !== vmp.kstat.vk_mem_total) bad.push(`total ${total} != kstat ${vmp.kstat.vk_mem_total}`);
  if (importTotal !== vmp.kstat.vk_mem_import) bad.push(`import ${importTotal} != kstat ${vmp.kstat.vk_mem_import}`);
  // freelists: exactly the free segments, each on the list of its size, freemap matching
  const onLists = new Set<VmemSeg>();
  for (let i = 0; i < vmp.nfreelists; i++) {
    let cnt = 0;
    for (let v = vmp.freelist[i]!.knext!; v.head < 0; v = v.knext!) {
      cnt++;
      onLists.add(v);
      if (v.type !== VMEM_FREE) bad.push(`non-free segment ${v.start} on freelist ${i}`);
      const hb = Math.floor(Math.log2(v.size));
      if (hb !== i) bad.push(`segment of size ${v.size} on freelist ${i}`);
    }
    if ((cnt > 0) !== vmp.freemap.test(i)) bad.push(`freemap bit ${i} is ${vmp.freemap.test(i)} with ${cnt} members`);
  }
  for (const s of freeSegs) if (!onLists.has(s)) bad.push(`free segment ${s.start} on no freelist`);
  if (onLists.size !== freeSegs.size) bad.push(`freelists hold ${onLists.size}, arena has ${freeSegs.size} free`);
  // hash: every allocated segment reachable from its bucket
  let hashed = 0;
  for (const b of vmp.hashTable) for (let v = b; v !== null; v = v.knext) hashed++;
  if (hashed !== vmp.kstat.vk_alloc - vmp.kstat.vk_free) bad.push(`hash holds ${hashed}, kstats say ${vmp.kstat.vk_alloc - vmp.kstat.vk_free}`);
  return bad;
}
