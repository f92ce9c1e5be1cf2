import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  VMEM_ALLOC_IMPORT,
  VMEM_FREE,
  VMEM_FREE_RELEASE,
  VM_BESTFIT,
  VM_FIRSTFIT,
  VM_NEXTFIT,
  VM_NOSLEEP,
  VM_SLEEP,
  vmemAdd,
  vmemAlloc,
  vmemCreateNow,
  vmemFree,
  vmemXalloc,
  vmemXfree,
  type Vmem,
} from '../../../../src/sim/illumos/vmem/index.js';
import type { Kernel } from '../../../../src/sim/machine/kernel.js';
import { PAGE, checkArena, mkKernel, now, spanSegs } from './helpers.js';

const BASE = 0x40000000;
const SPAN1 = 256 * PAGE;
const SPAN2 = 64 * PAGE;

type Op =
  | { kind: 'alloc'; child: boolean; pages: number; short: number; fit: number }
  | { kind: 'xalloc'; child: boolean; pages: number; alignLog: number; phasePages: number; nocross: boolean; window: number }
  | { kind: 'free'; idx: number };

const allocArb = (fits: number[]): fc.Arbitrary<Op> =>
  fc.record({
    kind: fc.constant('alloc' as const),
    child: fc.boolean(),
    pages: fc.integer({ min: 1, max: 40 }),
    short: fc.integer({ min: 0, max: PAGE - 1 }),
    fit: fc.constantFrom(...fits),
  });
const xallocArb: fc.Arbitrary<Op> = fc.record({
  kind: fc.constant('xalloc' as const),
  child: fc.boolean(),
  pages: fc.integer({ min: 1, max: 8 }),
  alignLog: fc.integer({ min: 0, max: 5 }),
  phasePages: fc.integer({ min: 0, max: 31 }),
  nocross: fc.boolean(),
  window: fc.integer({ min: -1, max: 200 }),
});
const freeArb: fc.Arbitrary<Op> = fc.record({ kind: fc.constant('free' as const), idx: fc.nat() });

interface Live {
  vmp: Vmem;
  addr: number;
  size: number;
  x: boolean;
}

function nextPow2(x: number): number {
  let p = 1;
  while (p < x) p *= 2;
  return p;
}

/** A static parent with two spans and a child that imports from it. */
function setup(k: Kernel): { parent: Vmem; child: Vmem } {
  const parent = vmemCreateNow(k, 'parent', BASE, SPAN1, PAGE, null, null, null, 0, VM_SLEEP);
  now(vmemAdd(k, parent, BASE + 0x1000000, SPAN2, VM_SLEEP));
  const child = vmemCreateNow(k, 'child', 0, 0, PAGE, VMEM_ALLOC_IMPORT, VMEM_FREE_RELEASE, parent, 0, VM_SLEEP);
  return { parent, child };
}

/** Run ops, checking every invariant after each; returns the addresses handed out, in order. */
function runOps(k: Kernel, parent: Vmem, child: Vmem, ops: Op[], live: Live[]): number[] {
  const out: number[] = [];
  for (const op of ops) {
    if (op.kind === 'free') {
      if (live.length === 0) continue;
      const [l] = live.splice(op.idx % live.length, 1);
      if (l!.x) vmemXfree(k, l!.vmp, l!.addr, l!.size);
      else vmemFree(k, l!.vmp, l!.addr, l!.size);
    } else if (op.kind === 'alloc') {
      const vmp = op.child ? child : parent;
      const size = op.pages * PAGE - op.short;
      const a = now(vmemAlloc(k, vmp, size, VM_NOSLEEP | op.fit));
      out.push(a);
      if (a !== 0) live.push({ vmp, addr: a, size, x: false });
    } else {
      const vmp = op.child ? child : parent;
      const size = op.pages * PAGE;
      const align = PAGE << op.alignLog;
      const phase = (op.phasePages % (align / PAGE)) * PAGE;
      const nocross = op.nocross ? nextPow2(Math.max(align, Math.ceil((phase + size) / align) * align)) : 0;
      const min = op.window >= 0 && !op.child ? BASE + op.window * PAGE : 0;
      const max = min !== 0 ? min + 64 * PAGE : 0;
      const a = now(vmemXalloc(k, vmp, size, align, phase, nocross, min, max, VM_NOSLEEP));
      out.push(a);
      if (a !== 0) {
        expect(a % align).toBe(phase);
        if (nocross) expect(Math.floor(a / nocross)).toBe(Math.floor((a + size - 1) / nocross));
        if (min) {
          expect(a).toBeGreaterThanOrEqual(min);
          expect(a + size).toBeLessThanOrEqual(max);
        }
        live.push({ vmp, addr: a, size, x: true });
      }
    }
    expect(checkArena(parent)).toEqual([]);
    expect(checkArena(child)).toEqual([]);
    // what the child imported is allocated in the parent
    const direct = live.filter((l) => l.vmp === parent).reduce((s, l) => s + l.size, 0);
    expect(parent.kstat.vk_mem_inuse).toBe(direct + child.kstat.vk_mem_import);
    // live allocations of one arena never overlap
    for (const vmp of [parent, child]) {
      const mine = live
        .filter((l) => l.vmp === vmp)
        .map((l) => [l.addr, l.addr + l.size] as const)
        .sort((x, y) => x[0] - y[0]);
      for (let i = 1; i < mine.length; i++) expect(mine[i]![0]).toBeGreaterThanOrEqual(mine[i - 1]![1]);
    }
  }
  return out;
}

describe('vmem under random operation sequences', () => {
  it('keeps spans tiled, free segments merged, freelists and kstats exact, and returns to the start', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(allocArb([0, VM_BESTFIT, VM_FIRSTFIT]), xallocArb, freeArb, freeArb), { maxLength: 120 }),
        (ops) => {
          const k = mkKernel();
          const { parent, child } = setup(k);
          const live: Live[] = [];
          runOps(k, parent, child, ops, live);
          for (const l of live.splice(0)) (l.x ? vmemXfree : vmemFree)(k, l.vmp, l.addr, l.size);
          expect(checkArena(parent)).toEqual([]);
          expect(checkArena(child)).toEqual([]);
          // initial state: the child holds nothing, each parent span is one free segment
          expect(child.kstat.vk_mem_total).toBe(0);
          expect(spanSegs(child)).toEqual([]);
          expect(parent.kstat.vk_mem_inuse).toBe(0);
          const segs = spanSegs(parent);
          expect(segs.map((s) => s.map((v) => [v.type, v.size]))).toEqual([[[VMEM_FREE, SPAN1]], [[VMEM_FREE, SPAN2]]]);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('with VM_NEXTFIT in the mix the same invariants hold; freed space is whole again but for the rotor', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(allocArb([0, VM_NEXTFIT, VM_NEXTFIT, VM_BESTFIT]), freeArb), { maxLength: 120 }), (ops) => {
        const k = mkKernel();
        const { parent, child } = setup(k);
        const live: Live[] = [];
        runOps(k, parent, child, ops, live);
        for (const l of live.splice(0)) vmemFree(k, l.vmp, l.addr, l.size);
        expect(checkArena(parent)).toEqual([]);
        expect(checkArena(child)).toEqual([]);
        expect(parent.kstat.vk_mem_inuse).toBe(child.kstat.vk_mem_import);
        expect(child.kstat.vk_mem_inuse).toBe(0);
        // Every child segment is free; a wholly free imported span stays only
        // while the child's rotor sits in it, so at most one does.
        const childSpans = spanSegs(child);
        expect(childSpans.length).toBeLessThanOrEqual(1);
        for (const s of childSpans) expect(s.every((v) => v.type === VMEM_FREE)).toBe(true);
        // The parent's only allocations are the child's spans; at most the rotor splits a free run.
        const parentAllocs = spanSegs(parent).flat().filter((v) => v.type !== VMEM_FREE);
        expect(parentAllocs.length).toBe(childSpans.length);
      }),
      { numRuns: 100 },
    );
  });

  it('is deterministic: the same operations give the same addresses', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(allocArb([0, VM_BESTFIT, VM_NEXTFIT]), xallocArb, freeArb), { maxLength: 60 }), (ops) => {
        const run = (): number[] => {
          const k = mkKernel();
          const { parent, child } = setup(k);
          return runOps(k, parent, child, ops, []);
        };
        expect(run()).toEqual(run());
      }),
      { numRuns: 30 },
    );
  });
});
