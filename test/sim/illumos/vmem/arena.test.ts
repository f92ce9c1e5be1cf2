import { afterEach, describe, expect, it } from 'vitest';
import {
  VMC_IDENTIFIER,
  VMC_NO_QCACHE,
  VMEM_ALLOC,
  VMEM_ALLOC_IMPORT,
  VMEM_FREE,
  VMEM_FREE_RELEASE,
  VMEM_SPAN,
  VM_BESTFIT,
  VM_ENDALLOC,
  VM_FIRSTFIT,
  VM_NEXTFIT,
  VM_NOSLEEP,
  VM_PANIC,
  VM_SLEEP,
  setQcacheOps,
  vmemAdd,
  vmemAlloc,
  vmemContains,
  vmemCreateNow,
  vmemDestroy,
  vmemFree,
  vmemSize,
  vmemState,
  vmemUpdate,
  vmemWalk,
  vmemXalloc,
  vmemXfree,
  type QcacheOps,
  type Vmem,
} from '../../../../src/sim/illumos/vmem/index.js';
import type { Kernel } from '../../../../src/sim/machine/kernel.js';
import type { KGen } from '../../../../src/sim/machine/thread.js';
import { TS_SLEEP } from '../../../../src/sim/machine/thread.js';
import { PAGE, checkArena, mkKernel, now, spanSegs, spawn, stackNames } from './helpers.js';

const BASE = 0x40000000;

function arena(k: Kernel, size = 1 << 20, quantum = PAGE, name = 'test'): Vmem {
  return vmemCreateNow(k, name, BASE, size, quantum, null, null, null, 0, VM_SLEEP);
}


describe('allocation and free', () => {
  it('hands out quantum-aligned space and takes it back, coalescing', () => {
    const k = mkKernel();
    const vmp = arena(k);
    const a = now(vmemAlloc(k, vmp, PAGE, VM_SLEEP));
    const b = now(vmemAlloc(k, vmp, 3 * PAGE, VM_SLEEP));
    const c = now(vmemAlloc(k, vmp, 100, VM_SLEEP)); // rounded up to a quantum
    expect([a, b, c]).toEqual([BASE, BASE + PAGE, BASE + 4 * PAGE]);
    expect(vmp.kstat.vk_mem_inuse).toBe(4 * PAGE + 100);
    expect(vmp.kstat.vk_alloc).toBe(3);
    expect(checkArena(vmp)).toEqual([]);
    vmemFree(k, vmp, b, 3 * PAGE);
    expect(checkArena(vmp)).toEqual([]);
    vmemFree(k, vmp, a, PAGE);
    vmemFree(k, vmp, c, 100);
    expect(checkArena(vmp)).toEqual([]);
    // back to one free segment covering the span
    const segs = spanSegs(vmp);
    expect(segs.length).toBe(1);
    expect(segs[0]!.map((v) => [v.type, v.start, v.end])).toEqual([[VMEM_FREE, BASE, BASE + (1 << 20)]]);
    expect(vmp.kstat.vk_free).toBe(3);
    expect(vmp.kstat.vk_mem_inuse).toBe(0);
  });

  it('links every tag into the arena list from vm_seg0, rotor first', () => {
    const k = mkKernel();
    const vmp = arena(k);
    now(vmemAlloc(k, vmp, PAGE, VM_SLEEP));
    const types = [...vmp.segments()].map((v) => v.type);
    expect(types).toEqual([0x20, VMEM_SPAN, VMEM_ALLOC, VMEM_FREE]);
    expect(vmp.seg0.addr).toBeGreaterThan(vmp.addr);
    expect(vmp.seg0.aprev!.anext).toBe(vmp.seg0);
  });

  it('instant fit takes a list that surely fits; best fit and first fit look lower', () => {
    const k = mkKernel();
    const q = 1024;
    const vmp = vmemCreateNow(k, 'fits', 0, 0, q, null, null, null, 0, VM_SLEEP);
    // Static spans never merge: 12K, 13K and 15K on freelist 13 (newest first), 32K on 15.
    const at: Record<string, number> = {};
    let base = BASE;
    for (const kb of [12, 13, 15, 32]) {
      now(vmemAdd(k, vmp, base, kb * q, VM_SLEEP));
      at[kb] = base;
      base += 0x100000;
    }
    const take = (flags: number): number => {
      const a = now(vmemAlloc(k, vmp, 13 * q, flags));
      vmemFree(k, vmp, a, 13 * q);
      return a;
    };
    expect(take(VM_SLEEP)).toBe(at[32]); // lists >= 2^14: only the 32K segment
    expect(take(VM_FIRSTFIT)).toBe(at[15]); // first on list 13 that fits
    expect(take(VM_BESTFIT)).toBe(at[13]); // the exact fit
    expect(checkArena(vmp)).toEqual([]);
  });

  it('VM_ENDALLOC takes the top of the segment', () => {
    const k = mkKernel();
    const vmp = arena(k, 16 * PAGE);
    expect(now(vmemAlloc(k, vmp, PAGE, VM_SLEEP | VM_ENDALLOC))).toBe(BASE + 15 * PAGE);
    expect(checkArena(vmp)).toEqual([]);
  });

  it('VM_NEXTFIT keeps moving forward instead of reusing what was freed', () => {
    const k = mkKernel();
    const vmp = arena(k, 64 * PAGE);
    const got: number[] = [];
    for (let i = 0; i < 4; i++) {
      const a = now(vmemAlloc(k, vmp, PAGE, VM_SLEEP | VM_NEXTFIT));
      got.push(a);
      vmemFree(k, vmp, a, PAGE);
      expect(checkArena(vmp)).toEqual([]);
    }
    expect(got).toEqual([BASE, BASE + PAGE, BASE + 2 * PAGE, BASE + 3 * PAGE]);
    // an instant-fit allocation still starts at the bottom
    expect(now(vmemAlloc(k, vmp, PAGE, VM_SLEEP))).toBe(BASE);
  });

  it('VM_NEXTFIT wraps around when it reaches the end', () => {
    const k = mkKernel();
    const vmp = arena(k, 4 * PAGE);
    const a = [0, 1, 2, 3].map(() => now(vmemAlloc(k, vmp, PAGE, VM_NOSLEEP | VM_NEXTFIT)));
    expect(a).toEqual([BASE, BASE + PAGE, BASE + 2 * PAGE, BASE + 3 * PAGE]);
    vmemFree(k, vmp, a[1]!, PAGE);
    expect(now(vmemAlloc(k, vmp, PAGE, VM_NOSLEEP | VM_NEXTFIT))).toBe(BASE + PAGE);
    expect(now(vmemAlloc(k, vmp, PAGE, VM_NOSLEEP | VM_NEXTFIT))).toBe(0);
    expect(checkArena(vmp)).toEqual([]);
  });

  it('identifier arenas hand out plain integers', () => {
    const k = mkKernel();
    const ids = vmemCreateNow(k, 'pid', 1, 30, 1, null, null, null, 0, VM_SLEEP | VMC_IDENTIFIER);
    const got = [0, 1, 2].map(() => now(vmemAlloc(k, ids, 1, VM_SLEEP | VM_NEXTFIT)));
    expect(got).toEqual([1, 2, 3]);
    expect(vmemSize(ids, VMEM_ALLOC)).toBe(3);
    expect(vmemSize(ids, VMEM_FREE)).toBe(27);
  });
});

describe('constrained allocation', () => {
  it('honours align and phase', () => {
    const k = mkKernel();
    const vmp = arena(k, 1 << 22);
    for (const [align, phase] of [
      [0x10000, 0],
      [0x10000, 0x3000],
      [0x40000, 0x1000],
    ] as const) {
      const a = now(vmemXalloc(k, vmp, 2 * PAGE, align, phase, 0, 0, 0, VM_SLEEP));
      expect(a % align).toBe(phase);
      expect(checkArena(vmp)).toEqual([]);
    }
  });

  it('does not cross a nocross boundary and stays in [minaddr, maxaddr)', () => {
    const k = mkKernel();
    const vmp = arena(k, 1 << 22);
    now(vmemAlloc(k, vmp, 3 * PAGE, VM_SLEEP)); // the free space now starts 3 pages in
    const a = now(vmemXalloc(k, vmp, 2 * PAGE, 0, 0, 4 * PAGE, 0, 0, VM_SLEEP));
    expect(Math.floor(a / (4 * PAGE))).toBe(Math.floor((a + 2 * PAGE - 1) / (4 * PAGE)));
    const min = BASE + 0x100000;
    const max = BASE + 0x108000;
    const b = now(vmemXalloc(k, vmp, 4 * PAGE, 0, 0, 0, min, max, VM_SLEEP));
    expect(b).toBeGreaterThanOrEqual(min);
    expect(b + 4 * PAGE).toBeLessThanOrEqual(max);
    // 8 pages fit in the window, 9 do not
    expect(now(vmemXalloc(k, vmp, 9 * PAGE, 0, 0, 0, min, max, VM_NOSLEEP))).toBe(0);
    expect(vmp.kstat.vk_fail).toBe(1);
    vmemXfree(k, vmp, b, 4 * PAGE);
    expect(checkArena(vmp)).toEqual([]);
  });

  it('panics on parameters that are not quantum multiples', () => {
    const k = mkKernel();
    const vmp = arena(k);
    spawn(k, function* (): KGen<void> {
      yield* vmemXalloc(k, vmp, PAGE, 0x800, 0, 0, 0, 0, VM_SLEEP);
    });
    expect(k.run(() => false)).toBe('panic');
    expect(k.panicked!.message).toMatch(/^vmem_xalloc\([0-9a-f]+, 4096, 2048, 0, 0, 0, 0, 0\): parameters not vm_quantum aligned$/);
  });
});

describe('importing', () => {
  function tree(k: Kernel): { parent: Vmem; child: Vmem } {
    const parent = arena(k, 1 << 22, PAGE, 'parent');
    const child = vmemCreateNow(k, 'child', 0, 0, PAGE, VMEM_ALLOC_IMPORT, VMEM_FREE_RELEASE, parent, 0, VM_SLEEP);
    return { parent, child };
  }

  it('imports a span from the source and returns it once wholly free', () => {
    const k = mkKernel();
    const { parent, child } = tree(k);
    const a = now(vmemAlloc(k, child, 2 * PAGE, VM_SLEEP));
    expect(child.kstat.vk_mem_import).toBe(2 * PAGE);
    expect(child.kstat.vk_mem_total).toBe(2 * PAGE);
    expect(parent.kstat.vk_mem_inuse).toBe(2 * PAGE);
    const [span] = [...child.segments()].filter((v) => v.type === VMEM_SPAN);
    expect(span!.imported).toBe(1);
    expect(a).toBe(span!.start);
    const b = now(vmemAlloc(k, child, PAGE, VM_SLEEP));
    expect(child.kstat.vk_mem_total).toBe(3 * PAGE);
    vmemFree(k, child, a, 2 * PAGE);
    expect(child.kstat.vk_mem_total).toBe(PAGE);
    vmemFree(k, child, b, PAGE);
    expect(child.kstat.vk_mem_total).toBe(0);
    expect(parent.kstat.vk_mem_inuse).toBe(0);
    expect(checkArena(child)).toEqual([]);
    expect(checkArena(parent)).toEqual([]);
  });

  it('keeps static spans (vmem_add) even when wholly free', () => {
    const k = mkKernel();
    const vmp = arena(k, 8 * PAGE);
    const a = now(vmemAlloc(k, vmp, 8 * PAGE, VM_SLEEP));
    vmemFree(k, vmp, a, 8 * PAGE);
    expect(vmp.kstat.vk_mem_total).toBe(8 * PAGE);
    expect(spanSegs(vmp)).toHaveLength(1);
  });

  it('imports at least vm_min_import when quantum caching is off (VMC_NO_QCACHE)', () => {
    const k = mkKernel();
    const parent = arena(k, 1 << 22, PAGE, 'parent');
    const meta = vmemCreateNow(k, 'meta', 0, 0, PAGE, VMEM_ALLOC_IMPORT, VMEM_FREE_RELEASE, parent, 8 * PAGE, VM_SLEEP | VMC_NO_QCACHE);
    expect(meta.minImport).toBe(128 * 1024); // VMEM_QCACHE_SLABSIZE(8 pages)
    expect(meta.qcacheMax).toBe(0);
    now(vmemAlloc(k, meta, PAGE, VM_SLEEP));
    expect(meta.kstat.vk_mem_import).toBe(128 * 1024);
  });

  it('an aligned request imports enough to align inside the span', () => {
    const k = mkKernel();
    const { child } = tree(k);
    now(vmemAlloc(k, child, PAGE, VM_SLEEP));
    const a = now(vmemXalloc(k, child, PAGE, 0x10000, 0, 0, 0, 0, VM_SLEEP));
    expect(a % 0x10000).toBe(0);
    expect(checkArena(child)).toEqual([]);
  });

  it('fails a VM_NOSLEEP request the source cannot meet, and counts it', () => {
    const k = mkKernel();
    const { parent, child } = tree(k);
    now(vmemAlloc(k, parent, (1 << 22) - PAGE, VM_SLEEP));
    expect(now(vmemAlloc(k, child, 2 * PAGE, VM_NOSLEEP))).toBe(0);
    expect(child.kstat.vk_fail).toBe(1);
    expect(parent.kstat.vk_fail).toBe(1);
  });
});

describe('the allocated-segment hash', () => {
  it('grows with the number of allocated segments and keeps chains short', () => {
    const k = mkKernel();
    const vmp = arena(k, 1 << 26);
    expect(vmp.hashMask + 1).toBe(16);
    const h0 = vmp.hashTableAddr;
    const addrs: number[] = [];
    for (let i = 0; i < 2000; i++) addrs.push(now(vmemAlloc(k, vmp, PAGE, VM_SLEEP)));
    expect(vmp.hashMask + 1).toBeGreaterThanOrEqual(1024);
    expect(vmp.hashTableAddr).not.toBe(h0);
    const lookups0 = vmp.kstat.vk_lookup;
    for (const a of addrs) vmemFree(k, vmp, a, PAGE);
    // misses while searching chains: well under one per free
    expect((vmp.kstat.vk_lookup - lookups0) / addrs.length).toBeLessThan(1);
    expect(checkArena(vmp)).toEqual([]);
    // vmem_update() shrinks it again
    vmemUpdate(k);
    expect(vmp.hashMask + 1).toBe(16);
  });
});

describe('errors', () => {
  function runPanic(k: Kernel, body: () => KGen<void>): string {
    spawn(k, body);
    expect(k.run(() => false)).toBe('panic');
    return k.panicked!.message;
  }

  it('panics on a free of an address never allocated', () => {
    const k = mkKernel();
    const vmp = arena(k);
    const msg = runPanic(k, function* () {
      vmemFree(k, vmp, BASE + PAGE, PAGE);
    });
    expect(msg).toBe(`vmem_hash_delete(${k.hex(vmp.addr)}, ${k.hex(BASE + PAGE)}, 4096): bad free`);
  });

  it('panics on a free with the wrong size', () => {
    const k = mkKernel();
    const vmp = arena(k);
    const a = now(vmemAlloc(k, vmp, 2 * PAGE, VM_SLEEP));
    const msg = runPanic(k, function* () {
      vmemFree(k, vmp, a, PAGE);
    });
    expect(msg).toBe(`vmem_hash_delete(${k.hex(vmp.addr)}, ${k.hex(a)}, 4096): wrong size (expect 8192)`);
  });

  it('VM_PANIC turns a failure into a panic', () => {
    const k = mkKernel();
    const vmp = arena(k, 4 * PAGE);
    const msg = runPanic(k, function* () {
      yield* vmemAlloc(k, vmp, 8 * PAGE, VM_NOSLEEP | VM_PANIC);
    });
    expect(msg).toMatch(/: cannot satisfy mandatory allocation$/);
  });
});

describe('waiting for space', () => {
  it('a VM_SLEEP allocation sleeps on vm_cv until a free, and counts the wait', () => {
    const k = mkKernel();
    const vmp = arena(k, 4 * PAGE);
    const held = now(vmemAlloc(k, vmp, 4 * PAGE, VM_SLEEP));
    let got = -1;
    const t = spawn(k, function* () {
      got = yield* vmemAlloc(k, vmp, 2 * PAGE, VM_SLEEP);
    });
    expect(k.run(() => false)).toBe('hang');
    expect(t.state).toBe(TS_SLEEP);
    expect(t.wchan).toBe(vmp.cvAddr);
    expect(stackNames(t).slice(0, 5)).toEqual(['swtch', 'cv_wait', 'vmem_xalloc', 'vmem_alloc', 'thread_start']);
    expect(vmp.kstat.vk_wait).toBe(1);
    vmemFree(k, vmp, held, 4 * PAGE); // the free broadcasts vm_cv
    expect(k.run(() => false)).toBe('idle');
    expect(got).toBe(BASE);
    expect(checkArena(vmp)).toEqual([]);
  });
});

describe('quantum caches', () => {
  function fakeOps(): { ops: QcacheOps; log: string[] } {
    const log: string[] = [];
    let next = 0x7000000;
    const ops: QcacheOps = {
      create: (_k, vmp, name, size) => {
        log.push(`create ${name}`);
        return { name, size, vmp, addr: 0x100 + size };
      },
      *alloc(_k, h, vmflag) {
        const c = h as { name: string };
        log.push(`alloc ${c.name} ${vmflag}`);
        next += 0x10000;
        return next;
      },
      free: (_k, h, addr) => {
        log.push(`free ${(h as { name: string }).name} ${addr.toString(16)}`);
      },
    };
    return { ops, log };
  }

  it('vmem_create makes <arena>_<size> caches and small sizes go through them', () => {
    const k = mkKernel();
    const { ops, log } = fakeOps();
    setQcacheOps(k, ops);
    const vmp = vmemCreateNow(k, 'qc', BASE, 1 << 20, PAGE, null, null, null, 4 * PAGE, VM_SLEEP);
    expect(vmp.qcacheMax).toBe(4 * PAGE);
    expect(log.slice(0, 4)).toEqual(['create qc_4096', 'create qc_8192', 'create qc_12288', 'create qc_16384']);
    expect(vmp.qcacheAddr).toEqual([0x100 + 4096, 0x100 + 8192, 0x100 + 12288, 0x100 + 16384]);
    const a = now(vmemAlloc(k, vmp, 5000, VM_NOSLEEP | 0x100));
    expect(log[4]).toBe('alloc qc_8192 1'); // only the KM flags are passed on
    vmemFree(k, vmp, a, 5000);
    expect(log[5]).toBe(`free qc_8192 ${a.toString(16)}`);
    // above vm_qcache_max: the arena itself
    expect(now(vmemAlloc(k, vmp, 5 * PAGE, VM_SLEEP))).toBe(BASE);
    expect(log).toHaveLength(6);
  });

  it('without kmem the sizes fall through to the arena, and stay there once kmem arrives', () => {
    const k = mkKernel();
    const vmp = vmemCreateNow(k, 'late', BASE, 1 << 20, PAGE, null, null, null, 2 * PAGE, VM_SLEEP);
    const early = now(vmemAlloc(k, vmp, PAGE, VM_SLEEP));
    expect(early).toBe(BASE);
    const { ops, log } = fakeOps();
    setQcacheOps(k, ops);
    const late = now(vmemAlloc(k, vmp, PAGE, VM_SLEEP));
    expect(log.slice(0, 3)).toEqual(['create late_4096', 'create late_8192', 'alloc late_4096 0']);
    vmemFree(k, vmp, early, PAGE); // allocated from the arena: freed to it
    expect(vmp.kstat.vk_free).toBe(1);
    vmemFree(k, vmp, late, PAGE);
    expect(log[3]).toBe(`free late_4096 ${late.toString(16)}`);
  });
});

describe('arena lifecycle', () => {
  it('vmem_destroy warns about leaks and returns every tag to the global stock', () => {
    const k = mkKernel();
    const st = vmemState(k);
    const vmp = arena(k, 1 << 20, PAGE, 'leaky');
    now(vmemAlloc(k, vmp, 3 * PAGE, VM_SLEEP));
    const before = st.nsegfreeGlobal;
    const held = vmp.nsegfree + [...vmp.segments()].length - 1; // less the rotor
    vmemDestroy(k, vmp);
    expect(k.msgbuf.at(-1)!.text).toBe("WARNING: vmem_destroy('leaky'): leaked 12288 bytes");
    expect(st.nsegfreeGlobal).toBe(before + held);
    expect(st.list).not.toContain(vmp);
  });

  it('vmem_contains and vmem_walk see the spans and segments', () => {
    const k = mkKernel();
    const vmp = arena(k, 16 * PAGE);
    now(vmemAdd(k, vmp, BASE + 0x100000, 4 * PAGE, VM_SLEEP));
    expect(vmemContains(k, vmp, BASE + PAGE, PAGE)).toBe(true);
    expect(vmemContains(k, vmp, BASE + 0x100000 + 3 * PAGE, PAGE)).toBe(true);
    expect(vmemContains(k, vmp, BASE + 15 * PAGE, 2 * PAGE)).toBe(false);
    expect(vmp.kstat.vk_contains).toBe(3);
    const a = now(vmemAlloc(k, vmp, 2 * PAGE, VM_SLEEP));
    const seen: Array<[number, number]> = [];
    vmemWalk(vmp, VMEM_ALLOC, (s, n) => seen.push([s, n]));
    expect(seen).toEqual([[a, 2 * PAGE]]);
    const spansSeen: number[] = [];
    vmemWalk(vmp, VMEM_SPAN, (s) => spansSeen.push(s));
    expect(spansSeen).toEqual([BASE, BASE + 0x100000]);
  });

  it('arenas beyond vmem0[] and segment structures beyond vmem_seg0[] still come from somewhere', () => {
    const k = mkKernel();
    const st = vmemState(k);
    const arenas = Array.from({ length: 14 }, (_, i) => arena(k, 1 << 20, PAGE, `a${i}`));
    expect(arenas[9]!.addr).toBe(st.vmem0 + 9 * st.layout.vmemSize);
    expect(arenas[10]!.addr).not.toBe(st.vmem0 + 10 * st.layout.vmemSize);
    // 14 arenas x VMEM_MINFREE > 200 static structures: the rest were populated from boot memory
    const staticEnd = st.vmemSeg0 + 200 * st.layout.segSize;
    const outside = arenas.flatMap((a) => [...a.segments()]).filter((v) => v.addr < st.vmemSeg0 || v.addr >= staticEnd);
    expect(outside.filter((v) => v.type !== 0x20).length).toBeGreaterThan(0);
    for (const a of arenas) now(vmemAlloc(k, a, PAGE, VM_SLEEP));
    for (const a of arenas) expect(checkArena(a)).toEqual([]);
  });
});
