import { describe, expect, it } from 'vitest';
import {
  VMEM_ALLOC,
  VMEM_FREE,
  VMEM_ROTOR,
  VMEM_SPAN,
  VM_NOSLEEP,
  VM_SLEEP,
  collectVmem,
  vmemAlloc,
  vmemFree,
  vmemGlobalVars,
  vmemInitIllumos,
  vmemList,
  vmemState,
  type IllumosArenas,
} from '../../../../src/sim/illumos/vmem/index.js';
import { CtfBuilder, LP64 } from '../../../../src/dump/ctf.js';
import { declareVmemTypes } from '../../../../src/dump/types/illumos/vmem.js';
import { validateModel } from '../../../../src/dump/validate.js';
import { col, list, str, u64 } from '../../../../src/dump/access.js';
import type { ScalarArray, Table } from '../../../../src/dump/format.js';
import type { Kernel } from '../../../../src/sim/machine/kernel.js';
import { toAddr } from '../../../../src/sim/machine/platform.js';
import { sampleHeader } from '../../../dump/fixtures.js';
import { PAGE, checkArena, mkKernel, now, spawn } from './helpers.js';

/** a scalar column's values */
function vals(t: Table, name: string): ScalarArray {
  const c = col(t, name);
  if (c.kind === 'str' || c.kind === 'list') throw new Error(`${name} is not scalar`);
  return c.values;
}

function boot(seed = 1): { k: Kernel; a: IllumosArenas } {
  const k = mkKernel({ seed, physmem: 1 << 20 });
  return { k, a: vmemInitIllumos(k) };
}

function tables(k: Kernel): Map<string, Table> {
  const out = new Map<string, Table>();
  collectVmem(k, vmemList(k), (t) => out.set(t.name, t));
  return out;
}

/** A few threads allocating and freeing from kmem_default and kmem_va with the kernel's PRNG. */
function workload(k: Kernel, a: IllumosArenas, n: number): void {
  for (let w = 0; w < 3; w++) {
    spawn(k, function* () {
      const live: Array<[number, number]> = [];
      for (let i = 0; i < n; i++) {
        if (live.length > 0 && k.rng.chance(0.4)) {
          const [addr, size] = live.splice(k.rng.below(live.length), 1)[0]!;
          vmemFree(k, a.kmem_default, addr, size);
        } else {
          const size = (1 + k.rng.below(6)) * PAGE;
          const addr = yield* vmemAlloc(k, a.kmem_default, size, VM_SLEEP);
          live.push([addr, size]);
        }
        if (k.rng.chance(0.3)) yield { kind: 'preempt' };
      }
    });
  }
  expect(k.run(() => false)).toBe('idle');
}

describe('the boot-time arena tree', () => {
  it('is made in kernelheap_init() and kmem_init() order, with the kernel sources', () => {
    const { k, a } = boot();
    const list = vmemList(k);
    expect(list.map((v) => v.name)).toEqual([
      'heap',
      'vmem_metadata',
      'vmem_seg',
      'vmem_hash',
      'vmem_vmem',
      'static',
      'static_alloc',
      'hat_memload',
      'kmem_metadata',
      'kmem_msb',
      'kmem_cache',
      'kmem_hash',
      'kmem_log',
      'kmem_firewall_va',
      'kmem_firewall',
      'kmem_oversize',
      'kmem_va',
      'kmem_default',
    ]);
    // the first kmem_oversize (id 16) was destroyed after /etc/system was read
    expect(list.map((v) => v.id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 17, 18, 19]);
    for (let i = 1; i < list.length; i++) expect(list[i - 1]!.next).toBe(list[i]);
    const src = (v: keyof IllumosArenas): string | undefined => a[v].source?.name;
    expect(src('kmem_default')).toBe('kmem_va');
    expect(src('kmem_va')).toBe('heap');
    expect(src('kmem_msb')).toBe('kmem_metadata');
    expect(src('kmem_firewall')).toBe('kmem_firewall_va');
    expect(src('kmem_oversize')).toBe('kmem_firewall_va');
    expect(src('vmem_seg')).toBe('vmem_metadata');
    expect(src('static_alloc')).toBe('static');
    expect(a.kmem_default.sourceAlloc!.sym.name).toBe('segkmem_alloc');
    expect(a.kmem_va.sourceAlloc!.sym.name).toBe('vmem_alloc');
    expect(a.kmem_firewall_va.sourceAlloc!.sym.name).toBe('kmem_firewall_va_alloc');
    expect(a.kmem_va.qcacheMax).toBe(8 * PAGE);
    expect(a.kmem_va.nqcache).toBe(8);
    expect(a.kmem_metadata.minImport).toBe(128 * 1024);
    expect(a.vmem_metadata.minImport).toBe(128 * 1024);
    expect(a.kmem_cache.quantum).toBe(8);
    expect(a.heap.kstat.vk_mem_total).toBe(k.p.heapSize);
    for (const v of list) expect(checkArena(v)).toEqual([]);
  });

  it('puts the first ten vmem_t in vmem0[] and the rest in the heap, through vmem_vmem', () => {
    const { k, a } = boot();
    const st = vmemState(k);
    const list = vmemList(k);
    for (let i = 0; i < 10; i++) expect(list[i]!.addr).toBe(st.vmem0 + i * st.layout.vmemSize);
    for (const v of list.slice(10)) {
      expect(v.addr).toBeGreaterThanOrEqual(k.p.heapBase);
      expect(v.addr).toBeLessThan(k.p.heapBase + k.p.heapSize);
    }
    expect(a.vmem_vmem.kstat.vk_mem_inuse).toBe(list.length * st.layout.vmemSize);
    // the heap's first page belongs to boot
    const first = [...a.heap.segments()].find((v) => v.type === VMEM_ALLOC)!;
    expect([first.start, first.size]).toEqual([k.p.heapBase, PAGE]);
  });
});

describe('collectVmem', () => {
  it('writes tables that validate against the vmem layouts', () => {
    const { k, a } = boot();
    workload(k, a, 200);
    const b = new CtfBuilder(LP64);
    declareVmemTypes(b);
    const t = tables(k);
    expect(() => validateModel({ header: sampleHeader(), types: b.types(), tables: [...t.values()] })).not.toThrow();
    const vt = t.get('vmem_t')!;
    expect(vt.rowCount).toBe(vmemList(k).length);
    expect(str(vt, 'vm_name', 17)).toBe('kmem_default');
    expect(u64(vt, 'vm_source', 17)).toBe(toAddr(k.p, a.kmem_va.addr));
    expect(u64(vt, 'vm_kstat.vk_mem_inuse', 17)).toBe(BigInt(a.kmem_default.kstat.vk_mem_inuse));
    expect(u64(vt, 'vm_qcache_max', 16)).toBe(BigInt(8 * PAGE));
  });

  it('makes each arena walkable from vm_seg0 along vs_anext, as the vmem_seg walker goes', () => {
    const { k, a } = boot();
    workload(k, a, 150);
    const t = tables(k);
    const vt = t.get('vmem_t')!;
    const sg = t.get('vmem_seg_t')!;
    const byAddr = new Map<bigint, number>();
    const addrs = vals(sg, 'addr') as BigUint64Array;
    for (let i = 0; i < sg.rowCount; i++) byAddr.set(addrs[i]!, i);
    const b = new CtfBuilder(LP64);
    declareVmemTypes(b);
    const vmemT = b.structs.get('vmem_t')!;
    const off = (m: string): bigint => BigInt(vmemT.members.find((x) => x.name === m)!.offset);
    list: for (let r = 0; r < vt.rowCount; r++) {
      const base = u64(vt, 'addr', r);
      const seg0 = base + off('vm_seg0');
      const rotor = base + off('vm_rotor');
      const vmp = vmemList(k)[r]!;
      const want = [...vmp.segments()].map((v) => v.type);
      const got: number[] = [];
      let at = u64(vt, 'vm_seg0.vs_anext', r);
      while (at !== seg0) {
        if (at === rotor) {
          got.push(Number(u64(vt, 'vm_rotor.vs_type', r)));
          at = u64(vt, 'vm_rotor.vs_anext', r);
          continue;
        }
        const i = byAddr.get(at);
        if (i === undefined) {
          expect.fail(`${vmp.name}: vs_anext ${at.toString(16)} is no vmem_seg_t`);
          continue list;
        }
        got.push(Number(vals(sg, 'vs_type')[i]));
        at = u64(sg, 'vs_anext', i);
      }
      expect(got).toEqual(want);
      expect(got.filter((x) => x === VMEM_ROTOR)).toHaveLength(1);
      if (vmp.kstat.vk_mem_total > 0) expect(got).toContain(VMEM_SPAN);
    }
  });

  it('records who allocated an audited segment: thread, time, stack from vmem_hash_insert up', () => {
    const { k, a } = boot();
    workload(k, a, 20);
    const t = tables(k).get('vmem_seg_t')!;
    const names = new Map(k.sym.funcs.map((f) => [toAddr(k.p, f.addr), f.name] as const));
    const symOf = (pc: bigint): string => {
      let best = '';
      let bestAddr = -1n;
      for (const [addr, name] of names) if (addr <= pc && addr > bestAddr) [best, bestAddr] = [name, addr];
      return best;
    };
    const threads = new Set(k.threads.map((th) => toAddr(k.p, th.addr)));
    let audited = 0;
    for (let i = 0; i < t.rowCount; i++) {
      if (Number(vals(t, 'vs_type')[i]) !== VMEM_ALLOC || Number(vals(t, 'vs_depth')[i]) === 0) continue;
      audited++;
      const stack = [...(list(t, 'vs_stack', i) as BigUint64Array)].map(symOf);
      expect(stack.slice(0, 2)).toEqual(['vmem_hash_insert', 'vmem_seg_alloc']);
      expect(['vmem_xalloc', 'vmem_alloc']).toContain(stack[2]);
      expect(threads.has(u64(t, 'vs_thread', i))).toBe(true);
      expect(Number(vals(t, 'vs_depth')[i])).toBe(stack.length);
    }
    expect(audited).toBeGreaterThan(0);
  });

  it('leaves audit fields empty on a non-DEBUG kernel', () => {
    const k = mkKernel({ debug: false });
    const a = vmemInitIllumos(k);
    expect(vmemState(k).segSize).toBe(48 + 8); // offsetof(vmem_seg_t, vs_thread)
    workload(k, a, 20);
    const t = tables(k).get('vmem_seg_t')!;
    for (let i = 0; i < t.rowCount; i++) expect(Number(vals(t, 'vs_depth')[i])).toBe(0);
  });

  it('includes the stocked segment structures, linked through vs_knext', () => {
    const { k } = boot();
    const st = vmemState(k);
    const t = tables(k).get('vmem_seg_t')!;
    const rows = new Set([...(vals(t, 'addr') as BigUint64Array)]);
    let n = 0;
    for (let v = st.segfree; v !== null; v = v.knext) {
      expect(rows.has(toAddr(k.p, v.addr))).toBe(true);
      n++;
    }
    expect(n).toBe(st.nsegfreeGlobal);
    // every row is a distinct structure
    expect(rows.size).toBe(t.rowCount);
  });
});

describe('globals', () => {
  it('describes vmem_list, the page thresholds and the arena pointers', () => {
    const { k, a } = boot();
    const g = new Map(vmemGlobalVars(k, a).map((v) => [v.name, v]));
    expect(g.get('vmem_list')).toMatchObject({ value: a.heap.addr, ptr: true, size: 8 });
    expect(g.get('kmem_default_arena')).toMatchObject({ value: a.kmem_default.addr, ptr: true });
    expect(g.get('heap_arena')).toMatchObject({ value: a.heap.addr });
    expect(g.get('vmem_seg_arena')).toMatchObject({ value: a.vmem_seg.addr });
    expect(g.get('throttlefree')!.value).toBe(4096);
    expect(g.get('freemem')!.value).toBeGreaterThan(0);
    expect(g.get('vmem_id')!.value).toBe(19);
    // no duplicates, nothing already declared at boot
    const declared = new Set(k.sym.objects.map((o) => o.name));
    for (const v of g.values()) expect(declared.has(v.name)).toBe(false);
    expect(g.size).toBe(vmemGlobalVars(k, a).length);
  });
});

describe('determinism and cost', () => {
  it('the same seed gives the same tables', () => {
    const run = (): string => {
      const { k, a } = boot(7);
      workload(k, a, 300);
      const t = tables(k);
      return JSON.stringify([...t.values()], (_, v: unknown) =>
        typeof v === 'bigint' ? v.toString(16) : ArrayBuffer.isView(v) ? Array.from(v as unknown as ArrayLike<unknown>, String) : v,
      );
    };
    expect(run()).toBe(run());
  });

  it('runs a slab-creation-sized load in bounded time', () => {
    const { k, a } = boot();
    const live: Array<[number, number]> = [];
    const t0 = performance.now();
    for (let i = 0; i < 100_000; i++) {
      if (live.length > 0 && k.rng.chance(0.48)) {
        const j = k.rng.below(live.length);
        const [addr, size] = live[j]!;
        live[j] = live[live.length - 1]!;
        live.pop();
        vmemFree(k, a.kmem_default, addr, size);
      } else {
        const size = k.rng.chance(0.8) ? 2 * PAGE : 8 * PAGE;
        const addr = now(vmemAlloc(k, a.kmem_default, size, VM_NOSLEEP));
        expect(addr).not.toBe(0);
        live.push([addr, size]);
      }
    }
    const ms = performance.now() - t0;
    for (const v of vmemList(k)) expect(checkArena(v)).toEqual([]);
    // a generous bound: about 5 us per operation on a laptop
    expect(ms).toBeLessThan(10_000);
    for (const v of [a.kmem_default, a.kmem_va, a.heap]) {
      const chains = (v.kstat.vk_alloc - v.kstat.vk_free) / (v.hashMask + 1);
      expect(chains).toBeLessThanOrEqual(2.7);
    }
    expect(a.kmem_default.kstat.vk_free + live.length).toBe(a.kmem_default.kstat.vk_alloc);
    expect([VMEM_FREE, VMEM_ALLOC]).toContain(VMEM_FREE); // constants exported
  });
});
